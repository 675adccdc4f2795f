"""The migrations build exactly the tables the models describe, on SQLite and on PostgreSQL, with every branch's
latest migration applied (progress `0002_progress_written_answers`, CEDIA `0002_cedia_lifecycle`)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import progress_api.models  # noqa: F401 - registers every table on SQLModel.metadata
from progress_api.core.db import migration_state

# The latest migration of each branch: the comparison below covers every one of them.
LATEST = {"0002_progress_written_answers", "0002_cedia_lifecycle"}


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    """Would `academy api revision` autogenerate nothing on a database at every head? (No model change without
    its migration: a missing column would only show up on the database that lacks it.)"""
    applied, heads = migration_state(engine)
    assert (heads | LATEST) <= applied, (heads, applied)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
