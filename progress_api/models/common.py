"""Types shared by the model modules: roles, UTC timestamps, slugs."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import AfterValidator, Field, StringConstraints
from sqlalchemy.types import TypeDecorator


class Role(StrEnum):
    """Who a principal is; `grader` is the grading pipeline's service role."""

    learner = "learner"
    trainer = "trainer"
    cedia = "cedia"
    admin = "admin"
    grader = "grader"


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_utc(value: datetime) -> datetime:
    """Aware UTC datetime; naive input is taken as UTC (what SQLite gives back)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


UTCDateTime = Annotated[datetime, AfterValidator(to_utc)]

# Cohort, course, assignment, exercise and competency ids are stable slugs chosen by people.
Slug = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
# JupyterHub usernames: lower case is what the hub normalises to; e-mail-like names are allowed.
Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._@+-]{0,99}$")]
Text200 = Annotated[str, StringConstraints(max_length=200)]

# Row ids are INTEGER columns: 32 bits on PostgreSQL (and SQLite's driver overflows beyond 64). An id outside that
# range cannot exist, so it is refused when the request is validated (422) instead of reaching the driver.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
# Optimistic-concurrency counters live in INTEGER columns too.
Version = Annotated[int, Field(ge=1, le=MAX_ROW_ID, description="La version lue (une version dépassée : 409).")]


class UTCTimestamp(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back aware (SQLite drops the zone, PostgreSQL keeps it)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = to_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return to_utc(value) if value is not None else None


def table_of(model: type) -> sa.Table:
    """The Core table of a SQLModel table class (for executemany statements without ORM overhead)."""
    table: Any = sa.inspect(model).local_table
    assert isinstance(table, sa.Table)
    return table
