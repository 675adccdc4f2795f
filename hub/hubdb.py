"""The hub's own SQLite database: write-ahead log and no fsync per commit.

JupyterHub commits several times per login and per spawn, from its single event loop; with SQLite's defaults each
commit waits for an fsync, so at 9:00 the whole hub waits on the disk. Measured with benchmarks/hub_load.py (50
learners at once, shared machine): p50 13 s with the database on disk, 8 s with it on tmpfs. In WAL mode with
synchronous=NORMAL a commit does not fsync (checkpoints do): the database stays consistent after any crash, and
only the last transactions may be lost on a power cut (sessions and tokens: people log in again).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed = False


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return  # PostgreSQL or MySQL hub databases keep their own settings
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def use_wal_for_sqlite() -> None:
    """Apply the pragmas to every SQLite connection this process opens (the hub process has one database)."""
    global _installed
    if not _installed:
        event.listen(Engine, "connect", _pragmas)
        _installed = True
