"""One PostgreSQL database per test session (and xdist worker), reset to a known state before each test.

Creating a database per test costs little, but dropping one forces a checkpoint: one to several seconds each on
a busy machine. So each session creates its own database, migrates it, keeps two snapshots of its rows (just
migrated, and demo-seeded) in side schemas, and before each test deletes every row and copies back the snapshot
the test starts from (tens of milliseconds). The database is dropped when the session ends.

Each test also gets its own URL (a distinct `application_name`), so engines and caches keyed by URL are never
shared between tests, as with a database file per test on SQLite.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import progress_api.models  # noqa: F401 - registers every table on SQLModel.metadata
from progress_api.core.db import normalise_url, upgrade

SNAPSHOTS = ("snap_migrated", "snap_demo")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class ReusedDatabase:
    """A migrated PostgreSQL database of this session's own, reset between tests from snapshots of its rows."""

    def __init__(self, admin_url: str, *, seed: Callable[[str], None]) -> None:
        self.name = f"academy_test_{uuid.uuid4().hex[:12]}"
        self._admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with self._admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {_quoted(self.name)}"))
            # Test data: commits need not wait for the disk.
            conn.execute(text(f"ALTER DATABASE {_quoted(self.name)} SET synchronous_commit TO off"))
        self.url = make_url(normalise_url(admin_url)).set(database=self.name).render_as_string(hide_password=False)
        self._engine: Engine = create_engine(self.url, poolclass=NullPool)
        upgrade(self.url)
        self.tables = [t.name for t in SQLModel.metadata.sorted_tables]  # parents before children
        self._serials = [t.name for t in SQLModel.metadata.sorted_tables if "id" in t.c and t.c.id.autoincrement]
        self._snapshot(SNAPSHOTS[0])
        seed(self.url)
        self._snapshot(SNAPSHOTS[1])

    def _snapshot(self, schema: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
            for table in self.tables:
                conn.execute(text(f"CREATE TABLE {schema}.{_quoted(table)} AS TABLE public.{_quoted(table)}"))

    def reset(self, *, seeded: bool) -> str:
        """Every table back to the snapshot (migrated, or demo-seeded); returns a URL for this test alone."""
        with self._admin.connect() as conn:  # whatever a previous test left connected (a killed child, a thread)
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": self.name},
            )
        schema = SNAPSHOTS[1 if seeded else 0]
        with self._engine.begin() as conn:
            for table in reversed(self.tables):  # children first; DELETE of a few rows beats TRUNCATE's file work
                conn.execute(text(f"DELETE FROM public.{_quoted(table)}"))
            for table in self.tables:
                conn.execute(text(f"INSERT INTO public.{_quoted(table)} SELECT * FROM {schema}.{_quoted(table)}"))
            for table in self._serials:  # ids continue after the snapshot's, as in a fresh copy
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('public.{_quoted(table)}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM public.{_quoted(table)}), 0) + 1, false)"
                    )
                )
        return (
            make_url(self.url)
            .update_query_dict({"application_name": f"t{uuid.uuid4().hex[:12]}"})
            .render_as_string(hide_password=False)
        )

    def drop(self) -> None:
        self._engine.dispose()
        with self._admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {_quoted(self.name)} WITH (FORCE)"))
        self._admin.dispose()
