"""Alembic environment: the target metadata is every SQLModel table (see `progress_api.models`)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import progress_api.models  # noqa: F401 - registers every table on SQLModel.metadata
from progress_api.core.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(str(config.get_main_option("sqlalchemy.url")))
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Batch "move and copy" drops and recreates a table; with foreign keys enforced, dropping a referenced
            # table would cascade-delete the rows that reference it (Alembic's batch docs: turn the pragma off).
            # The pragma is a no-op inside a transaction, hence the commit before the migrations begin.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        _run(conn)
        if sqlite:
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()
            if broken:
                raise RuntimeError(f"migrations left rows breaking foreign keys: {broken[:5]}")
    engine.dispose()


def _run(connection: object) -> None:
    # Batch mode lets ALTER TABLE work on SQLite (it copies the table); harmless on PostgreSQL.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)  # type: ignore[arg-type]
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
