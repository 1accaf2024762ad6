"""Writing files so that a reader sees the old file or the new one, never half of one.

The one home of atomic writes: scenario folders, exports, `calibrate --write` and the store all
write through here.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import unicodedata
from pathlib import Path


def atomic_write(path: Path, data: bytes, replace: bool = True, mode: int | None = None) -> None:
    """Write `data` to `path` so that readers see either the old or the new file, never half.

    The temporary file beside it is created with mode 0666 so the user's umask decides who may read
    the result, as for any other file they save (tempfile.mkstemp would make it private, 0600), or
    gets `mode` (a file rewritten in place keeps its own). `replace=False` never replaces a file,
    even one that appeared after a check: it is linked into place (`FileExistsError` if taken).
    """
    path = Path(path)
    tmp = _written_beside(path, data, mode)
    try:
        if replace:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)  # fails if the file exists
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links
            if os.path.lexists(path):
                raise FileExistsError(path) from None
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_all(folder: Path, files: dict[str, bytes]) -> None:
    """Several files of one folder: every one written first, then all renamed into place, so a
    failure (a full disk) leaves none of them half written."""
    written: dict[str, Path] = {}
    try:
        for name, data in files.items():
            written[name] = _written_beside(Path(folder) / name, data, None)
        for name, tmp in written.items():
            os.replace(tmp, Path(folder) / name)
    finally:
        for tmp in written.values():
            tmp.unlink(missing_ok=True)


def _written_beside(path: Path, data: bytes, mode: int | None) -> Path:
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def slugify(name: str) -> str:
    """A safe file name: ascii letters, digits and hyphens ("Vestland – plan B" → "vestland-plan-b")."""
    text = name.strip().lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:60].strip("-")


#: File-system errors in Norwegian (reading and writing): what a user can do something about.
ERRNO_WORDS = {
    errno.ENOSPC: "disken er full",
    errno.EDQUOT: "lagringskvoten er brukt opp",
    errno.EACCES: "ingen tilgang",
    errno.EPERM: "ingen tilgang",
    errno.EROFS: "filsystemet er skrivebeskyttet",
    errno.ENOENT: "finnes ikke",
    errno.EISDIR: "det er en mappe, ikke en fil",
    errno.ENOTDIR: "en del av stien er en fil, ikke en mappe",
    errno.ENAMETOOLONG: "navnet er for langt",
    errno.ELOOP: "for mange symbolske lenker",
    errno.EIO: "lese- eller skrivefeil på disken",
}


#: Writing a file the user named (`--out`): the same failures, said of writing.
WRITING_WORDS = {errno.EACCES: "ingen skrivetilgang", errno.EPERM: "ingen skrivetilgang", errno.ENOENT: "mappen finnes ikke",
                 errno.EISDIR: "det er en mappe", errno.ENAMETOOLONG: "filnavnet er for langt"}


def os_reason(exc: OSError, writing: bool = False) -> str:
    """Why a file operation failed, in Norwegian (never Python's English `[Errno 13] …`)."""
    words = {**ERRNO_WORDS, **WRITING_WORDS} if writing else ERRNO_WORDS
    return words.get(exc.errno, f"systemfeil {errno.errorcode.get(exc.errno, exc.errno)}" if exc.errno else "systemfeil")
