"""The house has floors: imports only go down (import-linter's contract in pyproject.toml), and
no module below the command line imports the project's own modules inside a function."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import allocator

PACKAGE = Path(allocator.__file__).resolve().parent
#: Under `if TYPE_CHECKING:` an import is for type hints only and never runs.
TYPE_CHECKING_BLOCK = re.compile(r"(?m)^if TYPE_CHECKING:\n(?:[ \t]+[^\n]*\n|[ \t]*\n)+")


def test_imports_only_go_down_and_no_layer_has_a_cycle():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    done = subprocess.run([lint, "--no-cache"], cwd=PACKAGE.parent, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def test_no_module_below_the_command_line_imports_the_project_inside_a_function():
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "__main__.py" or "cli" in path.relative_to(PACKAGE).parts:
            continue  # the command line imports each command's modules when it runs (start-up time)
        text = TYPE_CHECKING_BLOCK.sub("", path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(PACKAGE)}: {line.strip()}" for line in text.splitlines()
                  if re.match(r"[ \t]+(from (allocator|\.)\S* import|import allocator)", line)]
    assert not found, "\n".join(found)
