"""Engine factory and migration state.

SQLite gets WAL (readers never block the writer), a busy timeout (writers queue instead of failing) and foreign
keys (off by default in SQLite); PostgreSQL goes through psycopg 3.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
log = logging.getLogger(__name__)


def normalise_url(url: str) -> str:
    """Route plain `postgresql://` URLs to the psycopg 3 driver that is installed."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, busy_timeout_ms: int = 10_000, echo: bool = False) -> Engine:
    """A new engine for `url`, with the SQLite pragmas applied on every connection."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a crash loses at most the last commit
        cursor.close()

    return engine


@lru_cache(maxsize=16)
def get_engine(url: str, busy_timeout_ms: int = 10_000) -> Engine:
    """One engine (one pool) per URL per process."""
    return make_engine(url, busy_timeout_ms=busy_timeout_ms)


def session_scope(engine: Engine) -> Iterator[Session]:
    """A session bound to `engine`, closed afterwards (the FastAPI dependency wraps this)."""
    with Session(engine) as session:
        yield session


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations, for `url` (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("path_separator", "os")
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, *, revision: str = "heads") -> None:
    """Apply migrations up to every head (`heads`, plural: other parts add their own branches)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def migration_state(engine: Engine) -> tuple[set[str], set[str]]:
    """(revisions applied in the database, heads of the migration scripts).

    "Applied" includes every ancestor and `depends_on` dependency of the stored versions: Alembic drops a head
    from `alembic_version` once another branch depends on it, so the stored set alone is not enough.
    """
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(hide_password=False)))
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    applied: set[str] = set()
    todo = list(current)
    while todo:
        rev_id = todo.pop()
        if rev_id in applied:
            continue
        applied.add(rev_id)
        revision = script.get_revision(rev_id)
        if revision is not None:
            todo.extend(revision._all_down_revisions)
    return applied, set(script.get_heads())


class UnmigratedDatabase(RuntimeError):
    """The database is not at every migration head: the service refuses to start (the message says what to run)."""


def require_migrated(engine: Engine) -> None:
    """Raise UnmigratedDatabase unless the database is at every head (the app's start-up and the CLI call it).

    A database that cannot be reached is not refused here: that is a fault of the moment, answered 503 per request
    until it is back, whereas an unmigrated one stays wrong until someone runs the migration.
    """
    try:
        problem = unmigrated_message(engine)
    except OperationalError as exc:
        log.warning("database not reachable at start-up, migration state unknown: %s", exc.orig)
        return
    if problem:
        raise UnmigratedDatabase(problem)


def unmigrated_message(engine: Engine) -> str | None:
    """None when the database is at every head, else a message that says what to run."""
    applied, heads = migration_state(engine)
    if heads <= applied:
        return None
    missing = ", ".join(sorted(heads - applied))
    return (
        f"The progress database at {engine.url.render_as_string(hide_password=True)} is not migrated "
        f"(missing heads: {missing}). Run `academy api migrate` first."
    )
