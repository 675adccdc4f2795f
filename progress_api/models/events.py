"""The event log (exported as xAPI statements) and the data version used to cache analytics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import JSON, Field, SQLModel

from progress_api.models.common import UTCDateTime, UTCTimestamp, utcnow


class Event(SQLModel, table=True):
    """Something a learner did or had done to them: verb + object, with the result (xAPI-shaped)."""

    __tablename__ = "events"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp, index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True, ondelete="CASCADE")
    verb: str = Field(max_length=40)  # registered, completed, attempted, passed, failed, scored
    object_type: str = Field(max_length=40)  # cohort, assignment, exercise, grade
    object_id: str = Field(max_length=300)
    result: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class EventPublic(BaseModel):
    id: int
    at: UTCDateTime
    learner: str | None
    verb: str
    object_type: str
    object_id: str
    result: dict[str, Any] | None


class DataVersion(SQLModel, table=True):
    """One row whose counter moves on every write that analytics read; unscoped cached results are keyed by it."""

    __tablename__ = "data_version"
    id: int = Field(default=1, primary_key=True)
    version: int = 0


class ScopeVersion(SQLModel, table=True):
    """Counters of what one cohort's (or one learner's) cached analytics depend on, so that a write in cohort A
    leaves cohort B's cache alone. `kind` = "cohort" / "user" (ref = its id), or "all" (ref 0): bumped by writes
    every analysis depends on (catalogue, people, cohort settings)."""

    __tablename__ = "scope_versions"
    kind: str = Field(primary_key=True, max_length=10)
    ref: int = Field(primary_key=True)
    version: int = 0
