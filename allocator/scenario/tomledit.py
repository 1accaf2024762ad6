"""Replace one table of a user's scenario.toml and keep everything else of the file as it was.

Why: `calibrate --write` puts a fitted `[key]` into a file a person wrote and keeps: its comments,
order, byte-order mark and line endings, its permissions, and, when it is a symbolic link to a
shared file, the link (the shared target is what is updated). The file before the change is kept
as `scenario.toml.bak`. What cannot be rewritten safely is refused in Norwegian without touching
the file: a read-only file, another encoding than UTF-8, or a table written in a form a
line-based edit could break (dotted keys such as `key.population = 1`, `[key.x]` sub-tables, an
inline `key = {…}`). The result is parsed again, and written only if every other setting is
unchanged.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from pathlib import Path

from allocator.files import atomic_write, os_reason
from allocator.problems import Problem, ScenarioError

_HEADER = re.compile(r"\s*\[")  # any table header ([x] or [[x]])


def _refuse(path: Path, message: str) -> ScenarioError:
    return ScenarioError([Problem(path.name, message=f"{message}; filen er ikke endret")])


def check_replaceable(path: str | os.PathLike, name: str) -> None:
    """Refuse now (before any long work) what `replace_table` would refuse."""
    _prepare(Path(path), name)


def _prepare(shown: Path, name: str):
    """The checked file: target, bytes, mode, BOM, text, parsed settings, lines, header pattern."""
    path = shown
    target = Path(os.path.realpath(path))
    try:
        data = target.read_bytes()
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError as exc:
        raise _refuse(shown, f"kan ikke lese {shown}: {os_reason(exc)}") from None
    if not mode & stat.S_IWUSR or not os.access(target, os.W_OK):
        raise _refuse(shown, f"{shown} er skrivebeskyttet; gi skrivetilgang først (eller skriv nøkkelen inn selv)")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise _refuse(shown, f"kan ikke skrive i mappen {target.parent} (ingen skrivetilgang)")
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data[3:].decode("utf-8") if bom else data.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(shown, f"{shown} er ikke UTF-8-tekst (kanskje Windows-1252); lagre den som UTF-8 først") from None
    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        raise _refuse(shown, f"{shown} følger ikke TOML-formatet; rett den først (python -m allocator validate viser hvor)") from None
    lines = text.splitlines(keepends=True)
    quoted = rf"(?:{re.escape(name)}|\"{re.escape(name)}\"|'{re.escape(name)}')"
    header = re.compile(rf"\s*\[\s*{quoted}\s*\]\s*(#.*)?$")
    for line in lines:
        if re.match(rf"\s*\[\[?\s*{quoted}\s*\.", line) or re.match(rf"\s*\[\[\s*{quoted}\s*\]\]", line):
            raise _refuse(shown, f"[{name}] har under-tabeller ({line.strip()}); skriv [{name}] som én tabell først")
    top_level = lines[: next((k for k, line in enumerate(lines) if _HEADER.match(line)), len(lines))]
    if any(re.match(rf"\s*{quoted}\s*[.=]", line) for line in top_level):
        raise _refuse(shown, f"[{name}] er skrevet med punktum eller på én linje ({name}.… = eller {name} = {{…}}); "
                             f"skriv den som en tabell [{name}] først")
    return target, data, mode, bom, text, before, lines, header


def replace_table(path: str | os.PathLike, name: str, block: str) -> Path:
    """Replace the table `[name]` of the TOML file at `path` (through a symlink) by `block` (TOML
    text with newline line ends; appended when the table is absent). Returns the file written."""
    shown = Path(path)
    target, data, mode, bom, text, before, lines, header = _prepare(shown, name)
    newline = "\r\n" if "\r\n" in text else "\n"
    start = next((k for k, line in enumerate(lines) if header.match(line)), None)
    block = block.replace("\n", newline)
    if start is None:
        body = text.rstrip("\r\n")
        new = body + newline + newline + block if body else block
    else:
        end = next((k for k in range(start + 1, len(lines)) if _HEADER.match(lines[k])), len(lines))
        while end > start + 1 and (lines[end - 1].strip() == "" or lines[end - 1].lstrip().startswith("#")) and end < len(lines):
            end -= 1  # comments and blank lines right above the next table belong to it
        kept_tail = "".join(lines[end:])
        new = "".join(lines[:start]) + block + (newline if kept_tail and not kept_tail.startswith(("\n", "\r\n")) else "") + kept_tail
    after = tomllib.loads(new)
    if {k: v for k, v in before.items() if k != name} != {k: v for k, v in after.items() if k != name}:
        raise _refuse(shown, f"kunne ikke bytte ut [{name}] uten å endre andre innstillinger; skriv nøkkelen inn selv")
    encoded = (b"\xef\xbb\xbf" if bom else b"") + new.encode("utf-8")
    _write_keeping_mode(target.with_name(target.name + ".bak"), data, mode, shown)
    _write_keeping_mode(target, encoded, mode, shown)
    return target


def _write_keeping_mode(path: Path, data: bytes, mode: int, shown: Path) -> None:
    """Atomically (a temporary file beside it, renamed into place), with the original's mode."""
    try:
        atomic_write(path, data, mode=mode)
    except OSError as exc:
        raise _refuse(shown, f"kunne ikke skrive {path.name}: {os_reason(exc)}") from None
