"""Writing an export to a path the user named (`--out`): never over the scenario's own files, never over an
existing file unless asked, the folder checked before any work, and every OS error told in Norwegian.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Iterable

from allocator.files import atomic_write, os_reason
from allocator.output.tables import (
    plan_csv_bytes,
)
from allocator.output.workbook import (
    plan_workbook_bytes,
    sweep_workbook_bytes,
)
from allocator.plan import Plan


class OutputRefused(ValueError):
    """A file the plan must not be written to: an input of the scenario, a folder, a missing or
    read-only folder. The message is Norwegian and names the file."""


class OutputExists(OutputRefused):
    """The file exists and replacing it was not asked for."""


class WriteError(OSError):
    """Writing the file failed; the message names the file (never a temporary one) in Norwegian."""


def _same_file(a: Path, b: Path) -> bool:
    """The same file by another spelling: resolved paths equal (case-insensitively where the system
    is), or the same file on disk (a hard link, a case-insensitive file system)."""
    try:
        if os.path.normcase(str(a.resolve())) == os.path.normcase(str(b.resolve())):
            return True
        return os.path.samefile(a, b)
    except OSError:
        return False


def _folder_writable(folder: Path) -> bool:
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    probe = folder / f".skrivetest.{secrets.token_hex(6)}.tmp"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        return False
    try:
        probe.unlink()
    except OSError:
        pass
    return True


def _shown(path: Path) -> str:
    return str(path) if str(path) not in ("", ".") else "gjeldende mappe"


def check_output_path(path: str | os.PathLike, protected: Iterable[str | os.PathLike] = (), overwrite: bool = False) -> Path:
    """Refuse, before any work is done, an output path that would lose something or cannot be written.

    Never one of `protected` (the scenario's own files), by any spelling; not a folder; the folder
    must exist and be writable; an existing file only with `overwrite`. Raises `OutputRefused`
    (`OutputExists` for an existing file) with a Norwegian message naming the path.
    """
    path = Path(path)
    for own in protected:
        own = Path(own)
        if _same_file(path, own):
            raise OutputRefused(f"{path} er scenariets egen fil {own.name}; den skrives aldri over. Velg et annet filnavn")
    if path.is_dir():
        raise OutputRefused(f"{path} er en mappe; ventet et filnavn")
    folder = path.resolve().parent
    if not folder.is_dir():
        raise OutputRefused(f"mappen {_shown(path.parent)} finnes ikke; lag den først, eller velg en annen mappe")
    if os.path.lexists(path) and not overwrite:
        raise OutputExists(f"{path} finnes fra før")
    if not _folder_writable(folder):
        raise OutputRefused(f"kan ikke skrive i mappen {_shown(path.parent)} (ingen skrivetilgang)")
    return path


def _write(path: Path, data: bytes, overwrite: bool) -> None:
    """Write atomically (readers see the old file or the new one); with `overwrite=False` never
    replace a file, even one that appeared after the check."""
    try:
        atomic_write(path, data, replace=overwrite)
    except FileExistsError:
        raise OutputExists(f"{path} finnes fra før") from None
    except OSError as exc:
        error = WriteError(f"kunne ikke skrive {path}: {os_reason(exc, writing=True)}")
        error.errno = exc.errno
        raise error from None


def write_plan(plan: Plan, path: str | os.PathLike, csv: str = "excel", overwrite: bool = False) -> Path:
    """Write the plan to .csv (`csv`: "excel" or "plain") or .xlsx, by extension, atomically.

    An existing file is replaced only with `overwrite` (raises `OutputExists` otherwise); a failed
    write raises `WriteError` naming `path`.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = plan_csv_bytes(plan, csv)
    elif suffix == ".xlsx":
        data = plan_workbook_bytes(plan)
    else:
        raise ValueError(f"ukjent filtype «{path.suffix}»; bruk .csv eller .xlsx")
    _write(path, data, overwrite)
    return path


def write_sweep(points, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write a sweep to .xlsx, atomically; an existing file only with `overwrite` (as write_plan)."""
    path = Path(path)
    _write(path, sweep_workbook_bytes(points), overwrite)
    return path
