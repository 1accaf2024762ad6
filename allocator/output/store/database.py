"""The database of saved scenarios: tables, connection settings and schema migrations.

One code path for both databases through SQLAlchemy: SQLite (one file in the saved folder, WAL,
every save one transaction) on a single machine, PostgreSQL (`ALLOCATOR_DATABASE_URL`) for a hosted
server. The schema has a version number in `meta`; `migrate` brings an older database up to date
in order, each step in its own transaction, so a database is always at one known version.

Versions and the log are append-only: the database itself refuses to change or delete a row of
either (triggers), so no bug in the app can rewrite history.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Connection, Engine

SCHEMA_VERSION = 1
DATABASE_ENV = "ALLOCATOR_DATABASE_URL"
DATABASE_FILE = "scenarier.sqlite3"

metadata = MetaData()

meta = Table("meta", metadata, Column("key", String(40), primary_key=True), Column("value", Text, nullable=False))

scenarios = Table(
    "scenarios", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),       # as the user wrote it
    Column("name_key", Text, nullable=False),   # NFC, stripped: the same name as a person sees it
    Column("owner", String(60), nullable=False),  # a county, or «nasjonal»
    Column("head", Integer, nullable=False),    # the current version's number
    Column("created_at", Float, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("deleted_at", Float),                # soft delete: the versions stay
    Column("deleted_by", Text),
)
# One live scenario per name and owner (a deleted one frees its name; its versions stay).
Index("live_name", scenarios.c.owner, scenarios.c.name_key, unique=True,
      sqlite_where=scenarios.c.deleted_at.is_(None), postgresql_where=scenarios.c.deleted_at.is_(None))

versions = Table(
    "versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("saved_by", Text, nullable=False),
    Column("saved_at", Float, nullable=False),
    Column("based_on", Text, nullable=False),   # the scenario (and version) the session started from
    Column("parent", Integer),                  # the version the session had opened, if this scenario
    Column("restored_from", Integer),           # a restore copies this version
    Column("settings", Text, nullable=False),   # scenario.toml
    Column("municipalities", Text, nullable=False),  # municipalities.csv
    Column("changes", Text, nullable=False),    # JSON: what differs from the previous version
    UniqueConstraint("scenario_id", "number", name="one_number_per_version"),
)

log = Table(
    "log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(40), nullable=False),
    Column("scenario_id", Integer),
    Column("version", Integer),
    Column("detail", Text, nullable=False, default=""),
)

APPEND_ONLY = ("versions", "log")


def database_url(saved_dir: Path) -> str:
    """`ALLOCATOR_DATABASE_URL` if set, else one SQLite file in the saved folder."""
    url = os.environ.get(DATABASE_ENV, "").strip()
    if url:
        return url
    saved_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{saved_dir / DATABASE_FILE}"


def make_engine(url: str) -> Engine:
    """An engine with the settings the store relies on.

    SQLite: WAL (readers never wait for a save), synchronous FULL (a saved version survives a crash
    of the machine), a 30 s busy timeout (20 saves at once wait their turn instead of failing), and
    writes begin with BEGIN IMMEDIATE so two saves never both read the same head and then collide.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Connection):
            write = connection.get_execution_options().get("write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]  # psycopg 3, the maintained driver
    return create_engine(url, pool_pre_ping=True)


def schema_version(connection: Connection) -> int:
    if not connection.dialect.has_table(connection, "meta"):
        return 0
    row = connection.execute(meta.select().where(meta.c.key == "schema_version")).first()
    return int(row.value) if row else 0


def _to_1(connection: Connection) -> None:
    """Version 1: scenarios, versions and the log; versions and log append-only."""
    metadata.create_all(connection)
    if connection.dialect.name == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                connection.exec_driver_sql(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} kan bare utvides'); END")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION '%% kan bare utvides', TG_TABLE_NAME; END $$ LANGUAGE plpgsql")
        for table in APPEND_ONLY:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            connection.exec_driver_sql(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                                       "FOR EACH ROW EXECUTE FUNCTION append_only()")


#: Step n brings a database from schema version n − 1 to n.
MIGRATIONS = {1: _to_1}


def migrate(engine: Engine) -> int:
    """Bring the database to SCHEMA_VERSION; return the version it had (0: it was new).
    A database newer than this program is refused rather than misread."""
    with engine.connect().execution_options(write=True) as connection:
        with connection.begin():
            found = schema_version(connection)
        if found > SCHEMA_VERSION:
            raise RuntimeError(f"databasen har skjemaversjon {found}, men programmet kjenner bare til {SCHEMA_VERSION}; "
                               "oppdater programmet")
        for step in range(found + 1, SCHEMA_VERSION + 1):
            with connection.begin():
                if schema_version(connection) >= step:  # another process migrated meanwhile
                    continue
                MIGRATIONS[step](connection)
                if step == 1:
                    connection.execute(meta.insert().values(key="schema_version", value="1"))
                else:
                    connection.execute(meta.update().where(meta.c.key == "schema_version").values(value=str(step)))
    return found
