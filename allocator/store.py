"""Where scenarios live: the bundled ones (read-only) and the ones users save (shared by all users).

Saved scenarios go to one folder (`ALLOCATOR_SAVED_DIR`, default `saved/` beside `scenarios/`),
one sub-folder per scenario in the ordinary scenario format, so a saved scenario can also be used
with the command line. Names are turned into safe folder names, so no name can reach outside that
folder, and a save replaces the folder in one rename, so nobody ever reads half a scenario.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .scenario import SETTINGS_FILE, Scenario, load_scenario, save_scenario

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DIR = PROJECT_ROOT / "scenarios"
DEFAULT_SCENARIO = "vestland-2026"


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
    root.mkdir(parents=True, exist_ok=True)
    target = (root / slug).resolve()
    if target.parent != root:
        raise ValueError("Ugyldig navn.")
    staging = Path(tempfile.mkdtemp(dir=root, prefix=f".{slug}."))
    try:
        save_scenario(scenario.with_changes(name=name.strip()), staging)
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=root, prefix=f".{slug}.old."))
            os.replace(target, old / "x")
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return StoredScenario(name.strip(), target, True)


def load_stored(stored: StoredScenario) -> Scenario:
    return load_scenario(stored.path)
