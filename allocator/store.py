"""Where scenarios live: the bundled ones (read-only) and the ones users save (shared by all users).

Saved scenarios go to one folder (`ALLOCATOR_SAVED_DIR`, default `saved/` beside `scenarios/`),
one sub-folder per scenario in the ordinary scenario format, so a saved scenario can also be used
with the command line. Names are turned into safe folder names, so no name can reach outside that
folder; two names that differ only in accents, case or punctuation get two folders (plan, plan-2),
and a save under exactly the name of a saved scenario replaces it only when asked to
(`replace=True`, else `NameTaken`): on a server all users share, no save silently replaces someone
else's scenario. Folders and files are created with the user's umask (not private), so colleagues
on a shared drive can read them. Each save writes a new, never-changed version folder under `.versions/` and then points the
scenario's name (a symlink) at it in one rename; a reader resolves the name once and reads both
files from one version, so nobody ever reads half a scenario, a mix of two, or finds it missing.
Replaced versions are removed by a later save, once no reader can still be using them.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the exclusive symlink still keeps different names apart
    fcntl = None

from .scenario import SETTINGS_FILE, Scenario, load_scenario, save_scenario

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DIR = PROJECT_ROOT / "scenarios"
DEFAULT_SCENARIO = "vestland-2026"
VERSIONS_DIR = ".versions"
LOCK_FILE = ".lagring.lock"
#: How long a replaced version is kept for readers that resolved the name just before the save.
KEEP_REPLACED_SECONDS = 300.0


def saved_dir() -> Path:
    return Path(os.environ.get("ALLOCATOR_SAVED_DIR", PROJECT_ROOT / "saved")).resolve()


@dataclass(frozen=True)
class StoredScenario:
    """A scenario on disk: its display name, folder and whether users saved it."""

    name: str
    path: Path
    saved: bool

    @property
    def label(self) -> str:
        return f"{self.name} (lagret)" if self.saved else self.name


def slugify(name: str) -> str:
    """A safe folder name: ascii letters, digits and hyphens ("Vestland – plan B" → "vestland-plan-b")."""
    text = name.strip().lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:60].strip("-")


def _scenario_name(folder: Path) -> str:
    """The name in a scenario.toml, without validating the rest (listing must stay fast)."""
    import tomllib

    try:
        return str(tomllib.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8")).get("name", folder.name))
    except (OSError, ValueError):
        return folder.name


def list_scenarios() -> list[StoredScenario]:
    """Bundled scenarios first (default first), then saved ones, each sorted by name."""
    found: list[StoredScenario] = []
    for root, saved in ((BUNDLED_DIR, False), (saved_dir(), True)):
        if not root.is_dir():
            continue
        folders = sorted(p for p in root.iterdir() if p.is_dir() and (p / SETTINGS_FILE).is_file() and not p.name.startswith("."))
        found += [StoredScenario(_scenario_name(p), p, saved) for p in folders]
    found.sort(key=lambda s: (s.saved, s.path.name != DEFAULT_SCENARIO, s.name.lower()))
    return found


class NameTaken(ValueError):
    """A saved scenario has exactly this name already; save again with replace=True to replace it."""

    def __init__(self, name: str, stored: StoredScenario):
        super().__init__(f"Det finnes allerede et lagret scenario som heter «{name}». "
                         "Vil du erstatte det, eller lagre under et annet navn?")
        self.name = name
        self.stored = stored


def _same_name(a: str, b: str) -> bool:
    """Exactly the same name as a person sees it (the same letters, whatever the Unicode form)."""
    return unicodedata.normalize("NFC", a.strip()) == unicodedata.normalize("NFC", b.strip())


def _saved_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if not p.name.startswith(".") and p.is_dir() and (p / SETTINGS_FILE).is_file())


def find_saved(name: str) -> StoredScenario | None:
    """The saved scenario with exactly this name, if there is one."""
    root = saved_dir()
    if not root.is_dir():
        return None
    for folder in _saved_folders(root):
        if _same_name(_scenario_name(folder), name):
            return StoredScenario(_scenario_name(folder), folder, True)
    return None


def _slug_with(slug: str, n: int) -> str:
    if n == 1:
        return slug
    suffix = f"-{n}"
    return slug[: 60 - len(suffix)].rstrip("-") + suffix


def _new_folder(parent: Path, prefix: str) -> Path:
    """A new, uniquely named folder like tempfile.mkdtemp, but with mode 0777 so the user's umask
    decides who may read it (mkdtemp makes it private, 0700, and colleagues on a shared drive
    could not open the saved scenario)."""
    for _ in range(100):
        folder = parent / f"{prefix}{secrets.token_hex(6)}"
        try:
            folder.mkdir(mode=0o777)
            return folder
        except FileExistsError:
            continue
    raise FileExistsError(f"fant ikke et ledig mappenavn i {parent}")


@contextmanager
def _store_lock(root: Path):
    """One save at a time decides names and folders (readers never wait: they do not lock)."""
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def save_named(scenario: Scenario, name: str, replace: bool = False) -> StoredScenario:
    """Save under `name` for every user of this server.

    A scenario saved under exactly this name is replaced only with `replace=True`; otherwise
    `NameTaken` is raised (the app asks the user, then calls again). A different name whose
    folder name is taken ("Vestland – møte 1" and "vestland møte 1!" both make vestland-mote-1)
    gets a free folder (vestland-mote-1-2, -3 …): no save ever replaces a different scenario.
    """
    name = name.strip()
    slug = slugify(name)
    if not slug:
        raise ValueError("Navnet må inneholde minst én bokstav eller ett tall.")
    root = saved_dir()
    versions = root / VERSIONS_DIR
    versions.mkdir(parents=True, exist_ok=True)
    version = _new_folder(versions, f"{slug}.")
    link = root / f".{version.name}.link"
    try:
        save_scenario(scenario.with_changes(name=name), version)
        with _store_lock(root):
            existing = find_saved(name)
            if existing is not None and not replace:
                raise NameTaken(name, existing)
            if existing is not None:
                target = existing.path  # a slug is [a-z0-9-]+, so always a direct child of root
                os.symlink(Path(VERSIONS_DIR) / version.name, link, target_is_directory=True)
                if target.is_dir() and not target.is_symlink():  # saved before versions existed: keep it as one
                    os.replace(target, _new_folder(versions, f"{slug}.") / "old")
                replaced = target.resolve() if target.is_symlink() else None
                os.replace(link, target)  # the one step readers can observe: old version → new version
            else:
                target, replaced = _claim_free_slug(root, slug, version), None
    except BaseException:
        link.unlink(missing_ok=True)
        shutil.rmtree(version, ignore_errors=True)
        raise
    if replaced is not None and replaced.is_dir():
        os.utime(replaced)  # start its grace period now
    _remove_replaced_versions(root)
    return StoredScenario(name, target, True)


def _claim_free_slug(root: Path, slug: str, version: Path) -> Path:
    """Point the first free folder name (slug, slug-2, slug-3 …) at the new version. The symlink is
    created where nothing is (it fails if something is there), so even a save by a program that
    does not take the lock cannot be replaced."""
    for n in range(1, 10_000):
        target = root / _slug_with(slug, n)
        if os.path.lexists(target):
            continue
        try:
            os.symlink(Path(VERSIONS_DIR) / version.name, target, target_is_directory=True)
        except FileExistsError:
            continue
        return target
    raise FileExistsError(f"fant ikke et ledig navn for {slug} i {root}")


def _remove_replaced_versions(root: Path) -> None:
    """Delete versions (and links of interrupted saves) no name points at, after the grace period."""
    versions = root / VERSIONS_DIR
    current = {p.resolve() for p in root.iterdir() if p.is_symlink()}
    cutoff = time.time() - KEEP_REPLACED_SECONDS
    for path in [*versions.iterdir(), *root.glob(".*.link")]:
        try:
            if path.resolve() in current or path.lstat().st_mtime >= cutoff:
                continue
            if path.is_symlink():
                path.unlink()
            else:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass  # another save is tidying up too


def load_stored(stored: StoredScenario) -> Scenario:
    return load_scenario(stored.path.resolve())  # both files from one version, even during a save
