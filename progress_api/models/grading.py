"""What learners did: submissions (attempts), grades per exercise, overrides with their audit trail, self-checks."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from progress_api.models.catalog import ExerciseKind
from progress_api.models.common import Slug, UTCDateTime, UTCTimestamp, utcnow


class Submission(SQLModel, table=True):
    """One attempt of a learner at an assignment; `late` is recomputed when a due date changes."""

    __tablename__ = "submissions"
    __table_args__ = (sa.UniqueConstraint("user_id", "assignment_id", "attempt"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    assignment_id: int = Field(foreign_key="assignments.id", index=True, ondelete="CASCADE")
    attempt: int = 1
    submitted_at: datetime = Field(sa_type=UTCTimestamp)
    late: bool = False


class Grade(SQLModel, table=True):
    """The score of one exercise in one submission; `override_score`, when set, wins over the graded score."""

    __tablename__ = "grades"
    __table_args__ = (sa.UniqueConstraint("submission_id", "exercise_id"),)
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submissions.id", ondelete="CASCADE")
    exercise_id: int = Field(foreign_key="exercises.id", index=True, ondelete="CASCADE")
    score: float
    max_score: float
    kind: str = Field(default="auto", max_length=10)
    graded_at: datetime = Field(sa_type=UTCTimestamp)
    feedback_url: str | None = Field(default=None, max_length=1000)
    comment: str | None = Field(default=None, max_length=4000)
    override_score: float | None = None


class GradeOverride(SQLModel, table=True):
    """Audit trail of a manual change: who, when, why, old and new value."""

    __tablename__ = "grade_overrides"
    id: int | None = Field(default=None, primary_key=True)
    grade_id: int = Field(foreign_key="grades.id", index=True, ondelete="CASCADE")
    by_user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp)
    old_score: float
    new_score: float | None  # None: the override was withdrawn, the graded score applies again
    reason: str = Field(max_length=2000)


class SelfCheck(SQLModel, table=True):
    __tablename__ = "selfchecks"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    exercise_id: int = Field(foreign_key="exercises.id", index=True, ondelete="CASCADE")
    passed: bool
    at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp)


# --- API shapes ------------------------------------------------------------------------------------------------


class GradeIn(BaseModel):
    """One row of `POST /ingest/grades` (the contract in docs/interfaces.md)."""

    learner: str = Field(max_length=200)
    course: str = Field(max_length=200)
    assignment: str = Field(max_length=200)
    attempt: int = Field(default=1, ge=1, le=1000)
    exercise: str = Field(max_length=200)
    score: float = PField(ge=0, le=1_000_000, allow_inf_nan=False)
    max_score: float = PField(ge=0, le=1_000_000, allow_inf_nan=False)
    kind: ExerciseKind = "auto"
    submitted_at: UTCDateTime
    graded_at: UTCDateTime
    feedback_url: str | None = Field(default=None, max_length=1000)
    comment: str | None = Field(default=None, max_length=4000)


class GradeBatch(BaseModel):
    grades: list[GradeIn] = Field(max_length=500_000)


class IngestResult(BaseModel):
    created: int
    updated: int
    unchanged: int


class GradePublic(BaseModel):
    id: int
    learner: str
    course: str
    assignment: str
    attempt: int
    exercise: str
    score: float = Field(description="Effective score: the override when there is one, else the graded score.")
    graded_score: float
    max_score: float
    kind: str
    overridden: bool
    submitted_at: UTCDateTime
    late: bool
    graded_at: UTCDateTime
    feedback_url: str | None
    comment: str | None


class OverrideIn(BaseModel):
    score: float | None = PField(ge=0, le=1_000_000, allow_inf_nan=False, description="New score; null withdraws it.")
    reason: str = Field(min_length=3, max_length=2000)


class OverridePublic(BaseModel):
    id: int
    grade_id: int
    by: str | None
    at: UTCDateTime
    old_score: float
    new_score: float | None
    reason: str


class SubmissionPublic(BaseModel):
    id: int
    learner: str
    course: str
    assignment: str
    attempt: int
    submitted_at: UTCDateTime
    late: bool


class SelfCheckIn(BaseModel):
    course: Slug
    assignment: Slug
    exercise: Slug
    passed: bool
    learner: str | None = Field(default=None, max_length=200, description="Only the grader names the learner.")


class SelfCheckPublic(BaseModel):
    id: int
    learner: str
    course: str
    assignment: str
    exercise: str
    passed: bool
    at: UTCDateTime
