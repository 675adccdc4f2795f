"""Shapes of the gradebook and analytics answers (no tables: computed from grades, cached per data version)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from progress_api.models.common import UTCDateTime

CellStatus = Literal["graded", "late", "missing", "pending"]


class GradebookColumn(BaseModel):
    course: str
    assignment: str
    title: str
    max_score: float
    due_date: UTCDateTime | None


class GradebookCell(BaseModel):
    status: CellStatus
    score: float | None = Field(description="Sum over the graded exercises; null when nothing is graded yet.")
    max_score: float
    attempt: int | None
    submitted_at: UTCDateTime | None
    to_grade: int = Field(default=0, description="Written answers awaiting a trainer (« à corriger »).")
    graded_max: float | None = Field(
        default=None, description="Points of the graded exercises: the ratio's denominator (pending ones excluded)."
    )


class GradebookRow(BaseModel):
    username: str
    display_name: str
    business_unit: str | None
    cells: list[GradebookCell]
    total_score: float
    total_max: float
    ratio: float | None
    graded: int
    missing: int
    late: int
    to_grade: int = 0


class Gradebook(BaseModel):
    """Cohort × assignment matrix: `rows[i].cells[j]` is learner i on `columns[j]` (latest attempt)."""

    cohort: str
    columns: list[GradebookColumn]
    rows: list[GradebookRow]
    total: int
    limit: int
    offset: int


class ExerciseDifficulty(BaseModel):
    course: str
    assignment: str
    exercise: str
    kind: str
    max_score: float
    learners: int
    graded: int
    success_rate: float | None
    median_ratio: float | None
    mean_attempts: float | None
    selfchecks: int
    selfcheck_pass_rate: float | None
    to_grade: int = Field(default=0, description="Written answers to this exercise awaiting a trainer.")


class LateMissing(BaseModel):
    username: str
    display_name: str
    course: str
    assignment: str
    due_date: UTCDateTime | None
    status: Literal["late", "missing"]
    submitted_at: UTCDateTime | None


class RiskReason(BaseModel):
    code: Literal["low_scores", "missing_work", "late_work", "inactive"]
    message: str
    value: float
    threshold: float


class AtRisk(BaseModel):
    username: str
    display_name: str
    business_unit: str | None
    reasons: list[RiskReason]
    last_activity: UTCDateTime | None


class ExerciseProgress(BaseModel):
    id: str
    kind: str
    score: float | None
    max_score: float
    overridden: bool
    feedback_url: str | None
    comment: str | None
    to_grade: bool = Field(default=False, description="A written answer awaiting the trainer's grade.")
    trainer_comment: str | None = Field(default=None, description="The trainer's feedback on a written answer.")
    trainer_graded_at: UTCDateTime | None = None


class AssignmentProgress(BaseModel):
    course: str
    assignment: str
    title: str
    due_date: UTCDateTime | None
    status: CellStatus
    score: float | None
    max_score: float
    attempts: int
    late: bool
    exercises: list[ExerciseProgress]
    to_grade: int = 0


class CompetencyProgress(BaseModel):
    id: str
    label: str
    domain: str
    exercises: int
    graded: int
    ratio: float | None
    level_reached: int
    max_level: int
    level_label: str | None


class LearnerProgress(BaseModel):
    username: str
    display_name: str
    cohorts: list[str]
    assignments: list[AssignmentProgress]
    competencies: list[CompetencyProgress]
    score: float
    max_score: float
    ratio: float | None
    released: int
    graded: int
    missing: int
    late: int
    selfchecks: int
    selfchecks_passed: int
    last_activity: datetime | None
    to_grade: int = 0


class CohortSummary(BaseModel):
    cohort: str
    name: str
    programme: str
    learners: int
    released: int
    mean_ratio: float | None
    completion_rate: float | None
    late_rate: float | None
    at_risk: int
