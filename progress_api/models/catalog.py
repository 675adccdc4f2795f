"""What is taught: competencies (with levels), courses, assignments, exercises and their releases to cohorts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import JSON, Field, SQLModel

from progress_api.models.common import Slug, Text200, UTCDateTime, UTCTimestamp, utcnow

ExerciseKind = Literal["auto", "manual"]


class CompetencyLevel(BaseModel):
    level: int = Field(ge=1, le=10)
    label: Text200 = ""


class CompetencyBase(SQLModel):
    label: Text200
    domain: Text200 = ""


class Competency(CompetencyBase, table=True):
    __tablename__ = "competencies"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=100, unique=True, index=True)
    levels: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class CompetencyIn(CompetencyBase):
    id: Slug
    levels: list[CompetencyLevel] = Field(default_factory=list, max_length=10)


class CompetencyUpsert(SQLModel):
    competencies: list[CompetencyIn] = Field(max_length=2000)


class CompetencyPublic(CompetencyBase):
    id: str
    levels: list[CompetencyLevel]


class UpsertResult(SQLModel):
    created: int
    updated: int
    unchanged: int


class CourseBase(SQLModel):
    title: Text200
    order: int = Field(default=0, ge=-1_000_000, le=1_000_000)


class Course(CourseBase, table=True):
    __tablename__ = "courses"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=100, unique=True, index=True)


class CourseUpsert(CourseBase):
    pass


class CoursePublic(CourseBase):
    id: str
    assignments: int


class AssignmentBase(SQLModel):
    title: Text200
    points: float = Field(default=0, ge=0, le=1_000_000)


class Assignment(AssignmentBase, table=True):
    __tablename__ = "assignments"
    __table_args__ = (sa.UniqueConstraint("course_id", "slug"),)
    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="courses.id", index=True, ondelete="CASCADE")
    slug: str = Field(max_length=100)


class Exercise(SQLModel, table=True):
    __tablename__ = "exercises"
    __table_args__ = (sa.UniqueConstraint("assignment_id", "slug"),)
    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignments.id", index=True, ondelete="CASCADE")
    slug: str = Field(max_length=100)
    position: int = 0
    max_score: float = 0
    kind: str = Field(default="auto", max_length=10)


class ExerciseCompetency(SQLModel, table=True):
    """An exercise exercises a competency at a level (1 when the catalogue does not say)."""

    __tablename__ = "exercise_competencies"
    exercise_id: int = Field(foreign_key="exercises.id", primary_key=True, ondelete="CASCADE")
    competency_id: int = Field(foreign_key="competencies.id", primary_key=True, ondelete="CASCADE")
    level: int = 1


class CompetencyRef(BaseModel):
    id: Slug
    level: int = Field(default=1, ge=1, le=10)


class ExerciseIn(BaseModel):
    id: Slug
    max_score: float = Field(ge=0, le=1_000_000)
    kind: ExerciseKind = "auto"
    competencies: list[Slug | CompetencyRef] = Field(default_factory=list, max_length=50)


class AssignmentUpsert(AssignmentBase):
    exercises: list[ExerciseIn] = Field(default_factory=list, max_length=500)


class ExercisePublic(BaseModel):
    id: str
    max_score: float
    kind: str
    competencies: list[CompetencyRef]


class AssignmentPublic(AssignmentBase):
    course: str
    id: str
    exercises: list[ExercisePublic]


class Release(SQLModel, table=True):
    """An assignment released to a cohort, with its due date for that cohort."""

    __tablename__ = "releases"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "assignment_id"),)
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohorts.id", index=True, ondelete="CASCADE")
    assignment_id: int = Field(foreign_key="assignments.id", index=True, ondelete="CASCADE")
    released_at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp)
    due_date: datetime | None = Field(default=None, sa_type=UTCTimestamp)


class ReleaseUpsert(BaseModel):
    due_date: UTCDateTime | None = None
    released_at: UTCDateTime | None = None


class ReleasePublic(BaseModel):
    cohort: str
    course: str
    assignment: str
    title: str
    released_at: UTCDateTime
    due_date: UTCDateTime | None
