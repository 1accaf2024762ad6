"""Where scenarios live: the bundled ones (read-only) and the ones users save (shared by all users).

Saved scenarios go to one folder (`ALLOCATOR_SAVED_DIR`, default `saved/` beside `scenarios/`),
one sub-folder per scenario in the ordinary scenario format, so a saved scenario can also be used
with the command line. Names are turned into safe folder names, so no name can reach outside that
folder. Each save writes a new, never-changed version folder under `.versions/` and then points the
scenario's name (a symlink) at it in one rename; a reader resolves the name once and reads both
files from one version, so nobody ever reads half a scenario, a mix of two, or finds it missing.
Replaced versions are removed by a later save, once no reader can still be using them.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .scenario import SETTINGS_FILE, Scenario, load_scenario, save_scenario

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DIR = PROJECT_ROOT / "scenarios"
DEFAULT_SCENARIO = "vestland-2026"
VERSIONS_DIR = ".versions"
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


def save_named(scenario: Scenario, name: str) -> StoredScenario:
    """Save under `name` for every user of this server; replaces an earlier save of that name."""
    slug = slugify(name)
    if not slug:
        raise ValueError("Navnet må inneholde minst én bokstav eller ett tall.")
    root = saved_dir()
    versions = root / VERSIONS_DIR
    versions.mkdir(parents=True, exist_ok=True)
    target = root / slug  # a slug is [a-z0-9-]+, so always a direct child of root
    version = Path(tempfile.mkdtemp(dir=versions, prefix=f"{slug}."))
    link = root / f".{version.name}.link"
    try:
        save_scenario(scenario.with_changes(name=name.strip()), version)
        os.symlink(Path(VERSIONS_DIR) / version.name, link, target_is_directory=True)
        if target.is_dir() and not target.is_symlink():  # saved before versions existed: keep it as one
            os.replace(target, Path(tempfile.mkdtemp(dir=versions, prefix=f"{slug}.")) / "old")
        replaced = target.resolve() if target.is_symlink() else None
        os.replace(link, target)  # the one step readers can observe: old version → new version
    except BaseException:
        link.unlink(missing_ok=True)
        shutil.rmtree(version, ignore_errors=True)
        raise
    if replaced is not None and replaced.is_dir():
        os.utime(replaced)  # start its grace period now
    _remove_replaced_versions(root)
    return StoredScenario(name.strip(), target, True)


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
