"""Gradebook and analytics of a cohort: matrix, exercise difficulty, late/missing work, at-risk learners,
cohort comparison. Everything derives from one `CohortFacts` load (five queries), cached per data version.

Conventions: a learner's result on an assignment is their latest attempt; a score is the override when there is
one; "missing" = released, due date passed, nothing submitted; "pending" = not submitted, not yet due.
"""

from __future__ import annotations

import statistics
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

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
from progress_api.models.catalog import Assignment, Course, Exercise, Release
from progress_api.models.common import to_utc, utcnow
from progress_api.models.grading import Grade, SelfCheck, Submission
from progress_api.models.people import Cohort, Enrolment, User
from progress_api.services.cache import cached


@dataclass
class Column:
    assignment_id: int
    course: str
    slug: str
    title: str
    max_score: float
    due_date: datetime | None


@dataclass
class Learner:
    user_id: int
    username: str
    display_name: str
    business_unit: str | None
    enrolled_at: datetime


@dataclass
class Attempt:
    attempt: int
    submitted_at: datetime
    late: bool
    score: float = 0.0
    max_score: float = 0.0


@dataclass
class CohortFacts:
    cohort: Cohort
    learners: list[Learner]
    columns: list[Column]
    exercises: dict[int, list[Any]]  # assignment -> (exercise id, slug, max, kind)
    latest: dict[tuple[int, int], Attempt]  # (user, assignment) -> latest attempt with its totals
    attempts: dict[tuple[int, int], int]  # (user, assignment) -> number of attempts
    last_activity: dict[int, datetime]
    selfchecks: dict[int, tuple[int, int]] = field(default_factory=dict)  # exercise -> (attempts, passed)
    # Exercise-level detail (150,000 rows for 500 × 30 × 10) is loaded only when difficulty asks for it.
    detail_loader: Callable[[], tuple[dict[tuple[int, int], float], dict[tuple[int, int], int]]] | None = None
    _detail: tuple[dict[tuple[int, int], float], dict[tuple[int, int], int]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _load_detail(self) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], int]]:
        with self._lock:
            if self._detail is None:
                self._detail = self.detail_loader() if self.detail_loader else ({}, {})
            return self._detail

    @property
    def exercise_ratio(self) -> dict[tuple[int, int], float]:
        """(user, exercise) -> score/max on the latest attempt that graded it."""
        return self._load_detail()[0]

    @property
    def exercise_attempts(self) -> dict[tuple[int, int], int]:
        """(user, exercise) -> number of attempts that graded it."""
        return self._load_detail()[1]


def load_facts(db: Session, *, cohort: Cohort) -> CohortFacts:
    engine = db.get_bind()
    learners = [
        Learner(int(uid or 0), name, dn, bu, to_utc(at))
        for uid, name, dn, bu, at in db.execute(
            select(
                col(User.id),
                col(User.username),
                col(User.display_name),
                col(User.business_unit),
                col(Enrolment.enrolled_at),
            )
            .join(Enrolment, col(Enrolment.user_id) == col(User.id))
            .where(col(Enrolment.cohort_id) == cohort.id)
            .order_by(col(User.username))
        )
    ]
    columns = [
        Column(int(aid or 0), course, slug, title, 0.0, due)
        for aid, course, slug, title, due in db.execute(
            select(
                col(Assignment.id), col(Course.slug), col(Assignment.slug), col(Assignment.title), col(Release.due_date)
            )
            .join(Release, col(Release.assignment_id) == col(Assignment.id))
            .join(Course, col(Course.id) == col(Assignment.course_id))
            .where(col(Release.cohort_id) == cohort.id)
            .order_by(col(Course.order), col(Course.slug), col(Release.due_date), col(Assignment.slug))
        )
    ]
    by_id = {c.assignment_id: c for c in columns}
    exercises: dict[int, list[Any]] = {aid: [] for aid in by_id}
    for aid, eid, slug, max_score, kind in db.execute(
        select(
            col(Exercise.assignment_id),
            col(Exercise.id),
            col(Exercise.slug),
            col(Exercise.max_score),
            col(Exercise.kind),
        )
        .where(col(Exercise.assignment_id).in_(list(by_id)))
        .order_by(col(Exercise.position))
    ):
        exercises[aid].append((eid, slug, max_score, kind))
        by_id[aid].max_score += max_score
    members = select(col(Enrolment.user_id)).where(col(Enrolment.cohort_id) == cohort.id)
    released = list(by_id)
    latest: dict[tuple[int, int], Attempt] = {}
    attempts: dict[tuple[int, int], int] = {}
    last_activity: dict[int, datetime] = {}
    # One row per submission (totals summed by the database), not one per grade.
    rows = db.execute(
        select(
            col(Submission.user_id),
            col(Submission.assignment_id),
            col(Submission.attempt),
            col(Submission.submitted_at),
            col(Submission.late),
            func.sum(func.coalesce(col(Grade.override_score), col(Grade.score))),
            func.sum(col(Grade.max_score)),
        )
        .join(Grade, col(Grade.submission_id) == col(Submission.id))
        .where(col(Submission.assignment_id).in_(released), col(Submission.user_id).in_(members))
        .group_by(col(Submission.id))
    )
    for uid, aid, attempt, submitted_at, late, score, max_score in rows:
        key = (uid, aid)
        attempts[key] = attempts.get(key, 0) + 1
        current = latest.get(key)
        if current is None or attempt > current.attempt:
            latest[key] = Attempt(attempt, submitted_at, bool(late), float(score or 0), float(max_score or 0))
        if uid not in last_activity or submitted_at > last_activity[uid]:
            last_activity[uid] = submitted_at
    selfchecks: dict[int, tuple[int, int]] = {}
    for uid, at in db.execute(
        select(col(SelfCheck.user_id), func.max(col(SelfCheck.at)))
        .where(col(SelfCheck.user_id).in_(members))
        .group_by(col(SelfCheck.user_id))
    ):
        when = to_utc(at)
        if uid not in last_activity or when > last_activity[uid]:
            last_activity[uid] = when
    all_exercises = [e[0] for ex in exercises.values() for e in ex]
    for eid, n, passed in db.execute(
        select(col(SelfCheck.exercise_id), func.count(), func.sum(case((col(SelfCheck.passed), 1), else_=0)))
        .where(col(SelfCheck.user_id).in_(members), col(SelfCheck.exercise_id).in_(all_exercises))
        .group_by(col(SelfCheck.exercise_id))
    ):
        selfchecks[eid] = (int(n), int(passed or 0))
    return CohortFacts(
        cohort=cohort,
        learners=learners,
        columns=columns,
        exercises=exercises,
        latest=latest,
        attempts=attempts,
        last_activity=last_activity,
        selfchecks=selfchecks,
        detail_loader=lambda: _exercise_detail(engine, cohort_id=cohort.id or 0, assignment_ids=released),
    )


def _exercise_detail(
    engine: Any, *, cohort_id: int, assignment_ids: list[int]
) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], int]]:
    """Per (learner, exercise): score ratio on the latest attempt that graded it, and how many attempts did."""
    ratio: dict[tuple[int, int], tuple[int, float]] = {}
    tries: dict[tuple[int, int], int] = {}
    members = select(col(Enrolment.user_id)).where(col(Enrolment.cohort_id) == cohort_id)
    with Session(engine) as db:
        rows = db.execute(
            select(
                col(Submission.user_id),
                col(Grade.exercise_id),
                col(Submission.attempt),
                func.coalesce(col(Grade.override_score), col(Grade.score)),
                col(Grade.max_score),
            )
            .join(Grade, col(Grade.submission_id) == col(Submission.id))
            .where(col(Submission.assignment_id).in_(assignment_ids), col(Submission.user_id).in_(members))
        )
        for uid, eid, attempt, score, max_score in rows:
            key = (uid, eid)
            previous = ratio.get(key)
            if previous is None or attempt >= previous[0]:
                ratio[key] = (attempt, score / max_score if max_score else 1.0)
            tries[key] = tries.get(key, 0) + 1
    return {k: v[1] for k, v in ratio.items()}, tries


def facts(db: Session, *, cohort: Cohort) -> CohortFacts:
    return cached(db, ("facts", cohort.id), lambda: load_facts(db, cohort=cohort))


def _cell(f: CohortFacts, learner: Learner, column: Column, now: datetime) -> GradebookCell:
    got = f.latest.get((learner.user_id, column.assignment_id))
    if got is not None:
        return GradebookCell(
            status="late" if got.late else "graded",
            score=round(got.score, 4),
            max_score=column.max_score,
            attempt=got.attempt,
            submitted_at=got.submitted_at,
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
        total_max = sum(c.max_score for c in graded)
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
        idle = (now - since) / timedelta(days=1)
        if idle >= thresholds.inactive_days:
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


def summary(f: CohortFacts, *, thresholds: RiskThresholds, now: datetime | None = None) -> CohortSummary:
    now = now or utcnow()
    _, rows = gradebook_rows(f, now=now)
    ratios = [r.ratio for r in rows if r.ratio is not None]
    due_cells = sum(r.graded + r.missing for r in rows)
    graded = sum(r.graded for r in rows)
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
