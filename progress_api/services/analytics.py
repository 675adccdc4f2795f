"""Gradebook and analytics of a cohort: matrix, exercise difficulty, late/missing work, at-risk learners,
cohort comparison. Everything derives from one `CohortFacts` load (`services/cohort_facts.py`), cached.

Conventions: a learner's result on an assignment is their latest attempt; a score is the override when there is
one, else the trainer's grade of a written answer; "missing" = released, due date passed, nothing submitted;
"pending" = not submitted, not yet due. A written answer awaiting a trainer is "à corriger" (`to_grade`): it counts
neither as 0 nor as missing, and its points stay out of the ratios until it is graded.

At risk: low scores (ratio of the graded work), missing work, late work, and inactivity — the last one only while
the cohort is running (today between its start and end dates, either open when unset), counted from the learner's last
activity (else their enrolment), or from the cohort's first day if later: a finished cohort's learners are not
"inactive".
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from progress_api.models.analytics import (
    AtRisk,
    CohortSummary,
    ExerciseDifficulty,
    GradebookCell,
    GradebookColumn,
    GradebookRow,
    LateMissing,
    RiskReason,
)
from progress_api.models.common import utcnow
from progress_api.models.people import Cohort
from progress_api.services.cohort_facts import CohortFacts, Column, Learner
from progress_api.services.cohort_facts import facts as facts  # the entry point callers use: analytics.facts(...)

PARIS = ZoneInfo("Europe/Paris")  # cohort dates are days in the academy's time zone


def _cell(f: CohortFacts, learner: Learner, column: Column, now: datetime) -> GradebookCell:
    got = f.latest.get((learner.user_id, column.assignment_id))
    if got is not None:
        graded = got.max_score > 0 or got.to_grade == 0
        return GradebookCell(
            status="late" if got.late else "graded",
            score=round(got.score, 4) if graded else None,
            max_score=column.max_score,
            attempt=got.attempt,
            submitted_at=got.submitted_at,
            to_grade=got.to_grade,
            graded_max=got.max_score if graded else None,
        )
    overdue = column.due_date is not None and column.due_date < now
    return GradebookCell(
        status="missing" if overdue else "pending",
        score=None,
        max_score=column.max_score,
        attempt=None,
        submitted_at=None,
    )


def gradebook_rows(
    f: CohortFacts, *, course: str | None = None, now: datetime | None = None
) -> tuple[list[Column], list[GradebookRow]]:
    now = now or utcnow()
    columns = [c for c in f.columns if course is None or c.course == course]
    rows = []
    for learner in f.learners:
        cells = [_cell(f, learner, c, now) for c in columns]
        graded = [c for c in cells if c.score is not None]
        total = sum(c.score or 0.0 for c in graded)
        total_max = sum(c.graded_max or 0.0 for c in graded)
        rows.append(
            GradebookRow(
                username=learner.username,
                display_name=learner.display_name,
                business_unit=learner.business_unit,
                cells=cells,
                total_score=round(total, 4),
                total_max=total_max,
                ratio=round(total / total_max, 4) if total_max else None,
                graded=len(graded),
                missing=sum(c.status == "missing" for c in cells),
                late=sum(c.status == "late" for c in cells),
                to_grade=sum(c.to_grade for c in cells),
            )
        )
    return columns, rows


def gradebook_columns(columns: list[Column]) -> list[GradebookColumn]:
    return [
        GradebookColumn(course=c.course, assignment=c.slug, title=c.title, max_score=c.max_score, due_date=c.due_date)
        for c in columns
    ]


def difficulty(f: CohortFacts, *, pass_ratio: float = 0.5) -> list[ExerciseDifficulty]:
    """Per released exercise: success rate, median score ratio, attempts, self-checks; hardest first."""
    out = []
    for column in f.columns:
        for eid, slug, max_score, kind in f.exercises.get(column.assignment_id, []):
            ratios = [f.exercise_ratio[(lr.user_id, eid)] for lr in f.learners if (lr.user_id, eid) in f.exercise_ratio]
            tries = [
                f.exercise_attempts[(lr.user_id, eid)] for lr in f.learners if (lr.user_id, eid) in f.exercise_attempts
            ]
            checks, passed = f.selfchecks.get(eid, (0, 0))
            out.append(
                ExerciseDifficulty(
                    course=column.course,
                    assignment=column.slug,
                    exercise=slug,
                    kind=kind,
                    max_score=max_score,
                    learners=len(f.learners),
                    graded=len(ratios),
                    success_rate=round(sum(r >= pass_ratio - 1e-9 for r in ratios) / len(ratios), 4)
                    if ratios
                    else None,
                    median_ratio=round(statistics.median(ratios), 4) if ratios else None,
                    mean_attempts=round(sum(tries) / len(tries), 3) if tries else None,
                    selfchecks=checks,
                    selfcheck_pass_rate=round(passed / checks, 4) if checks else None,
                    to_grade=f.exercise_to_grade.get(eid, 0),
                )
            )
    out.sort(key=lambda d: (d.success_rate if d.success_rate is not None else 2.0, d.course, d.assignment, d.exercise))
    return out


def late_and_missing(f: CohortFacts, *, now: datetime | None = None) -> list[LateMissing]:
    now = now or utcnow()
    out = []
    for learner in f.learners:
        for column in f.columns:
            cell = _cell(f, learner, column, now)
            if cell.status in ("late", "missing"):
                out.append(
                    LateMissing(
                        username=learner.username,
                        display_name=learner.display_name,
                        course=column.course,
                        assignment=column.slug,
                        due_date=column.due_date,
                        status="late" if cell.status == "late" else "missing",
                        submitted_at=cell.submitted_at,
                    )
                )
    return out


@dataclass(frozen=True)
class RiskThresholds:
    low_score: float = 0.5
    missing: int = 2
    late: int = 3
    inactive_days: int = 14


def at_risk(f: CohortFacts, *, thresholds: RiskThresholds, now: datetime | None = None) -> list[AtRisk]:
    """Learners with at least one reason, most reasons first; each reason says the value and the threshold."""
    now = now or utcnow()
    _, rows = gradebook_rows(f, now=now)
    running = cohort_running(f.cohort, now=now)
    start = _day_start(f.cohort.start_date)
    out = []
    for learner, row in zip(f.learners, rows, strict=True):
        reasons: list[RiskReason] = []
        if row.ratio is not None and row.ratio < thresholds.low_score:
            reasons.append(
                RiskReason(
                    code="low_scores",
                    message=f"Moyenne de {row.ratio:.0%} sur les devoirs rendus (seuil {thresholds.low_score:.0%}).",
                    value=row.ratio,
                    threshold=thresholds.low_score,
                )
            )
        if row.missing >= thresholds.missing:
            reasons.append(
                RiskReason(
                    code="missing_work",
                    message=f"{row.missing} devoir(s) non rendu(s) après l'échéance.",
                    value=row.missing,
                    threshold=thresholds.missing,
                )
            )
        if row.late >= thresholds.late:
            reasons.append(
                RiskReason(
                    code="late_work",
                    message=f"{row.late} devoir(s) rendu(s) en retard.",
                    value=row.late,
                    threshold=thresholds.late,
                )
            )
        last = f.last_activity.get(learner.user_id)
        since = last or learner.enrolled_at
        if start is not None and start > since:  # idle time counts from the cohort's first day
            since = start
        idle = (now - since) / timedelta(days=1)
        if running and idle >= thresholds.inactive_days:
            reasons.append(
                RiskReason(
                    code="inactive",
                    message=f"Aucune activité depuis {int(idle)} jours.",
                    value=round(idle, 1),
                    threshold=thresholds.inactive_days,
                )
            )
        if reasons:
            out.append(
                AtRisk(
                    username=learner.username,
                    display_name=learner.display_name,
                    business_unit=learner.business_unit,
                    reasons=reasons,
                    last_activity=last,
                )
            )
    out.sort(key=lambda r: (-len(r.reasons), r.username))
    return out


def cohort_running(cohort: Cohort, *, now: datetime) -> bool:
    """Is the cohort under way (start ≤ today ≤ end, in Paris time; an unset date leaves that side open)?"""
    today = now.astimezone(PARIS).date()
    return (cohort.start_date is None or cohort.start_date <= today) and (
        cohort.end_date is None or today <= cohort.end_date
    )


def _day_start(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=PARIS).astimezone(UTC) if day is not None else None


def summary(f: CohortFacts, *, thresholds: RiskThresholds, now: datetime | None = None) -> CohortSummary:
    now = now or utcnow()
    _, rows = gradebook_rows(f, now=now)
    ratios = [r.ratio for r in rows if r.ratio is not None]
    # Handed in (graded or with written answers still to grade) out of what was due.
    graded = sum(c.status in ("graded", "late") for r in rows for c in r.cells)
    due_cells = graded + sum(r.missing for r in rows)
    late = sum(r.late for r in rows)
    return CohortSummary(
        cohort=f.cohort.slug,
        name=f.cohort.name,
        programme=f.cohort.programme,
        learners=len(f.learners),
        released=len(f.columns),
        mean_ratio=round(sum(ratios) / len(ratios), 4) if ratios else None,
        completion_rate=round(graded / due_cells, 4) if due_cells else None,
        late_rate=round(late / graded, 4) if graded else None,
        at_risk=len(at_risk(f, thresholds=thresholds, now=now)),
    )


def as_dicts(items: list[Any]) -> list[dict[str, Any]]:
    return [i.model_dump(mode="json") for i in items]
