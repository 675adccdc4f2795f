"""What learners did: submissions (attempts), grades per exercise, overrides with their audit trail, self-checks,
and written answers (`ecritNN`) with the trainer's grade and its audit trail.

A grade's effective score is the override when there is one, else the trainer's grade of a written answer, else
the grader's score; `score` is NULL for a written answer still awaiting a trainer ("à corriger").
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

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
    """The score of one exercise in one submission (effective score: override, else manual, else `score`)."""

    __tablename__ = "grades"
    __table_args__ = (sa.UniqueConstraint("submission_id", "exercise_id"),)
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submissions.id", ondelete="CASCADE")
    exercise_id: int = Field(foreign_key="exercises.id", index=True, ondelete="CASCADE")
    score: float | None = None  # the grader's; None: a written answer awaiting a trainer's grade
    max_score: float
    kind: str = Field(default="auto", max_length=10)
    graded_at: datetime = Field(sa_type=UTCTimestamp)
    feedback_url: str | None = Field(default=None, max_length=1000)
    comment: str | None = Field(default=None, max_length=4000)
    override_score: float | None = None
    # The trainer's grade of a written answer (never touched by ingestion); its history is in `manual_grades`.
    manual_score: float | None = None
    manual_comment: str | None = Field(default=None, max_length=4000)
    manual_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    manual_at: datetime | None = Field(default=None, sa_type=UTCTimestamp)


class WrittenAnswer(SQLModel, table=True):
    """A learner's written answer (Markdown, as the grader extracted it) to a manually graded exercise."""

    __tablename__ = "written_answers"
    grade_id: int = Field(foreign_key="grades.id", primary_key=True, ondelete="CASCADE")
    answer: str = Field(sa_type=sa.Text)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp)


class ManualGrade(SQLModel, table=True):
    """Audit trail of the trainers' grades of a written answer: who, when, old and new score, the comment."""

    __tablename__ = "manual_grades"
    id: int | None = Field(default=None, primary_key=True)
    grade_id: int = Field(foreign_key="grades.id", index=True, ondelete="CASCADE")
    by_user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp)
    old_score: float | None  # None: the answer had no grade yet
    new_score: float
    comment: str | None = Field(default=None, max_length=4000)


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


MAX_ANSWER_CHARS = 20_000


class GradeIn(BaseModel):
    """One row of `POST /ingest/grades` (the contract in docs/interfaces.md); `score: null` only for a written
    answer (`kind: manual`) awaiting a trainer's grade."""

    learner: str = Field(max_length=200)
    course: str = Field(max_length=200)
    assignment: str = Field(max_length=200)
    attempt: int = Field(default=1, ge=1, le=1000)
    exercise: str = Field(max_length=200)
    score: float | None = PField(ge=0, le=1_000_000, allow_inf_nan=False)
    max_score: float = PField(ge=0, le=1_000_000, allow_inf_nan=False)
    kind: ExerciseKind = "auto"
    submitted_at: UTCDateTime
    graded_at: UTCDateTime
    feedback_url: str | None = Field(default=None, max_length=1000)
    comment: str | None = Field(default=None, max_length=4000)
    answer: str | None = Field(default=None, max_length=MAX_ANSWER_CHARS, description="Written answer (Markdown).")


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
    score: float | None = Field(
        description="Effective score: the override, else the trainer's grade of a written answer, else the "
        "grader's score; null while a written answer awaits a trainer."
    )
    graded_score: float | None = Field(description="The grader's score (null for a written answer to grade).")
    manual_score: float | None = Field(description="The trainer's grade of a written answer, if any.")
    max_score: float
    kind: str
    overridden: bool
    to_grade: bool = Field(description="A written answer awaiting a trainer's grade.")
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


class WrittenAnswerPublic(BaseModel):
    """A written answer as a trainer grades it: the learner's text, the points, the grades and who gave them."""

    id: int = Field(description="The grade id of this (learner, assignment, attempt, exercise).")
    learner: str
    display_name: str
    course: str
    assignment: str
    attempt: int
    exercise: str
    max_score: float
    answer: str | None = Field(description="The learner's answer in Markdown; null when the grader sent none.")
    submitted_at: UTCDateTime
    late: bool
    status: Literal["to_grade", "graded"]
    score: float | None = Field(description="Effective score (override, else the trainer's grade, else grader's).")
    graded_score: float | None
    manual_score: float | None
    overridden: bool
    comment: str | None = Field(description="The trainer's comment, shown to the learner as feedback.")
    graded_by: str | None
    graded_at: UTCDateTime | None


class ManualGradePublic(BaseModel):
    id: int
    by: str | None
    at: UTCDateTime
    old_score: float | None
    new_score: float
    comment: str | None


class WrittenAnswerDetail(WrittenAnswerPublic):
    history: list[ManualGradePublic]


class WrittenAnswerGradeIn(BaseModel):
    """A trainer's grade of a written answer: 0 ≤ score ≤ the exercise's points."""

    score: float = PField(ge=0, le=1_000_000, allow_inf_nan=False)
    comment: str | None = Field(default=None, max_length=4000)
