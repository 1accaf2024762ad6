"""Builders for the store tests: small scenarios that belong to a given county, actors with roles,
and a PostgreSQL server of its own in a temporary folder where the machine has one."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from helpers import make_scenario

from allocator.output.store.access import parse_rules
from allocator.scenario.national import national_table

_BY_COUNTY: dict[str, list[str]] = {}
for _row in national_table():
    _BY_COUNTY.setdefault(_row["fylke"], []).append(_row["kommunenummer"])


def county_scenario(owner: str, max_total: float | None = None, name: str = "Test"):
    """Three real municipalities of `owner` (a county), or one each of Vestland and Rogaland for
    «nasjonal»; `max_total` on the first, so versions differ."""
    numbers = _BY_COUNTY["Vestland"][:2] + _BY_COUNTY["Rogaland"][:1] if owner == "nasjonal" else _BY_COUNTY[owner][:3]
    limits = {0: {"max_total": max_total}} if max_total is not None else None
    return make_scenario([29_000, 17_000, 4_000], {"adults": 10, "families": 7}, limits=limits, numbers=numbers, name=name)


def actor(rolle: str, fylker=(), email: str = "a@ks.no"):
    """The actor an access file with this one user gives (so the parser is part of every check)."""
    import tomli_w

    entry = {"email": email, "rolle": rolle}
    if fylker:
        entry["fylker"] = list(fylker)
    return parse_rules(tomli_w.dumps({"users": [entry]})).actor(email)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_bin() -> str | None:
    """Where initdb and pg_ctl are: on PATH, or in Debian's /usr/lib/postgresql/<version>/bin."""
    if shutil.which("initdb") and shutil.which("pg_ctl"):
        return str(Path(shutil.which("initdb")).resolve().parent)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return str(found[-1].parent) if found else None


def postgres_missing() -> str | None:
    """Why no PostgreSQL server can be started here, or None."""
    if _postgres_bin() is None:
        return "PostgreSQL's initdb/pg_ctl are not installed (apt-get install postgresql)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: initdb refuses root"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed"
    return None


@contextmanager
def postgres_server():
    """A throw-away PostgreSQL server (its own folder, port and socket); yields its URL."""
    folder = Path(tempfile.mkdtemp(prefix="allocator-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres user
        shutil.chown(folder, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()
    tools = Path(_postgres_bin())
    run = lambda tool, *args: subprocess.run([*prefix, str(tools / tool), *args], check=True,  # noqa: E731
                                             capture_output=True, timeout=120)
    try:
        run("initdb", "-D", str(data), "-A", "trust", "-U", "allocator", "--no-sync")
        run("pg_ctl", "-D", str(data), "-w", "-l", str(folder / "log"), "-o",
            f"-p {port} -k {folder} -c listen_addresses='127.0.0.1' -c fsync=off", "start")
        run("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "allocator", "scenarier")
        yield f"postgresql://allocator@127.0.0.1:{port}/scenarier"
    finally:
        subprocess.run([*prefix, str(tools / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
