"""What analytics know about a cohort, loaded once: its learners, the assignments released to it (columns),
each learner's latest attempt per assignment with its totals, activity dates and self-checks; the exercise-level
detail (150,000 rows for 500 × 30 × 10) is loaded lazily, only when difficulty asks for it.

`facts(db, cohort=...)` caches the load per data version (`services/cache.py`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.crud.catalog import exercise_rows
from progress_api.crud.grading import EFFECTIVE
from progress_api.models.catalog import Assignment, Course, Release
from progress_api.models.common import to_utc
from progress_api.models.grading import Grade, SelfCheck, Submission
from progress_api.models.people import Cohort, Enrolment, User
from progress_api.services.cache import Scope, cached

# (user, exercise) -> ratio, (user, exercise) -> attempts graded, exercise -> latest attempts still to grade
Detail = tuple[dict[tuple[int, int], float], dict[tuple[int, int], int], dict[int, int]]


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
    """A learner's attempt at an assignment with its totals over what is graded; written answers awaiting a
    trainer (`to_grade`) count neither as 0 nor in `max_score`."""

    attempt: int
    submitted_at: datetime
    late: bool
    score: float = 0.0
    max_score: float = 0.0
    to_grade: int = 0


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
    detail_loader: Callable[[], Detail] | None = None
    _detail: Detail | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _load_detail(self) -> Detail:
        with self._lock:
            if self._detail is None:
                self._detail = self.detail_loader() if self.detail_loader else ({}, {}, {})
            return self._detail

    @property
    def exercise_ratio(self) -> dict[tuple[int, int], float]:
        """(user, exercise) -> score/max on the latest attempt that graded it."""
        return self._load_detail()[0]

    @property
    def exercise_attempts(self) -> dict[tuple[int, int], int]:
        """(user, exercise) -> number of attempts that graded it."""
        return self._load_detail()[1]

    @property
    def exercise_to_grade(self) -> dict[int, int]:
        """exercise -> learners whose latest attempt's written answer awaits a trainer."""
        return self._load_detail()[2]


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
    for aid, eid, slug, max_score, kind in exercise_rows(db, assignment_ids=list(by_id)):
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
            func.sum(EFFECTIVE),
            func.sum(case((EFFECTIVE.is_not(None), col(Grade.max_score)), else_=0.0)),
            func.sum(case((EFFECTIVE.is_(None), 1), else_=0)),
        )
        .join(Grade, col(Grade.submission_id) == col(Submission.id))
        .where(col(Submission.assignment_id).in_(released), col(Submission.user_id).in_(members))
        .group_by(col(Submission.id))
    )
    for uid, aid, attempt, submitted_at, late, score, max_score, to_grade in rows:
        key = (uid, aid)
        attempts[key] = attempts.get(key, 0) + 1
        current = latest.get(key)
        if current is None or attempt > current.attempt:
            latest[key] = Attempt(
                attempt, submitted_at, bool(late), float(score or 0), float(max_score or 0), int(to_grade or 0)
            )
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


def _exercise_detail(engine: Any, *, cohort_id: int, assignment_ids: list[int]) -> Detail:
    """Per (learner, exercise): score ratio on their latest attempt at it when graded, and how many attempts; per
    exercise: how many latest attempts are written answers still to grade."""
    latest: dict[tuple[int, int], tuple[int, float | None]] = {}
    tries: dict[tuple[int, int], int] = {}
    members = select(col(Enrolment.user_id)).where(col(Enrolment.cohort_id) == cohort_id)
    with Session(engine) as db:
        rows = db.execute(
            select(
                col(Submission.user_id),
                col(Grade.exercise_id),
                col(Submission.attempt),
                EFFECTIVE,
                col(Grade.max_score),
            )
            .join(Grade, col(Grade.submission_id) == col(Submission.id))
            .where(col(Submission.assignment_id).in_(assignment_ids), col(Submission.user_id).in_(members))
        )
        for uid, eid, attempt, score, max_score in rows:
            key = (uid, eid)
            previous = latest.get(key)
            if previous is None or attempt >= previous[0]:
                ratio: float | None = None if score is None else (score / max_score if max_score else 1.0)
                latest[key] = (attempt, ratio)
            if score is not None:
                tries[key] = tries.get(key, 0) + 1
    to_grade: dict[int, int] = {}
    for (_uid, eid), (_attempt, last) in latest.items():
        if last is None:
            to_grade[eid] = to_grade.get(eid, 0) + 1
    return {k: v for k, (_a, v) in latest.items() if v is not None}, tries, to_grade


def facts(db: Session, *, cohort: Cohort) -> CohortFacts:
    """The cohort's facts, recomputed only after a write that concerns this cohort (or everyone)."""
    return cached(db, ("facts", cohort.id), lambda: load_facts(db, cohort=cohort), scope=Scope(cohort_id=cohort.id))
