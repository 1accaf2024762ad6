"""Writing files so that a reader sees the old file or the new one, never half of one.

The one home of atomic writes: scenario folders, exports, `calibrate --write` and the store all
write through here.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from pathlib import Path


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see either the old or the new file, never half.

    The temporary file is created with mode 0666 so the user's umask decides who may read the
    result, as for any other file they save (tempfile.mkstemp would make it private, 0600).
    """
    path = Path(path)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def slugify(name: str) -> str:
    """A safe file name: ascii letters, digits and hyphens ("Vestland – plan B" → "vestland-plan-b")."""
    text = name.strip().lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:60].strip("-")
