"""Reading grades and submissions, overriding a grade (with its audit trail), recording self-checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.errors import conflict, invalid, not_found
from progress_api.crud.events import bump_scopes, log_events
from progress_api.crud.scope import WorkScope
from progress_api.models.catalog import Assignment, Course, Exercise
from progress_api.models.grading import (
    Grade,
    GradeOverride,
    GradePublic,
    OverridePublic,
    SelfCheck,
    SelfCheckPublic,
    Submission,
    SubmissionPublic,
)
from progress_api.models.people import Cohort, Enrolment, User

PASS_RATIO = 0.5  # the analytics' default success threshold, used for xAPI `result.success`
# The score that counts, in SQL: the override, else the trainer's grade of a written answer, else the grader's;
# NULL for a written answer still to grade (see `effective_score` for one loaded grade).
EFFECTIVE = func.coalesce(col(Grade.override_score), col(Grade.manual_score), col(Grade.score))


def _grade_query() -> Any:
    return (
        select(
            Grade,
            Submission,
            col(User.username),
            col(Course.slug),
            col(Assignment.slug),
            col(Exercise.slug),
        )
        .join(Submission, col(Submission.id) == col(Grade.submission_id))
        .join(User, col(User.id) == col(Submission.user_id))
        .join(Exercise, col(Exercise.id) == col(Grade.exercise_id))
        .join(Assignment, col(Assignment.id) == col(Submission.assignment_id))
        .join(Course, col(Course.id) == col(Assignment.course_id))
    )


def effective_score(grade: Grade) -> float | None:
    """The override, else the trainer's grade of a written answer, else the grader's score (None: to grade)."""
    for value in (grade.override_score, grade.manual_score, grade.score):
        if value is not None:
            return value
    return None


def _grade_public(row: Any) -> GradePublic:
    grade, sub, learner, course, assignment, exercise = row
    effective = effective_score(grade)
    return GradePublic(
        id=grade.id,
        learner=learner,
        course=course,
        assignment=assignment,
        attempt=sub.attempt,
        exercise=exercise,
        score=effective,
        graded_score=grade.score,
        manual_score=grade.manual_score,
        max_score=grade.max_score,
        kind=grade.kind,
        overridden=grade.override_score is not None,
        to_grade=effective is None,
        submitted_at=sub.submitted_at,
        late=sub.late,
        graded_at=grade.graded_at,
        feedback_url=grade.feedback_url,
        comment=grade.comment,
    )


def _filters(
    stmt: Any,
    *,
    user_ids: set[int] | None,
    learner: str | None,
    cohort: str | None,
    course: str | None,
    assignment: str | None,
    scope: WorkScope | None = None,
) -> Any:
    if user_ids is not None:
        stmt = stmt.where(col(Submission.user_id).in_(user_ids))
    if scope is not None:
        stmt = stmt.where(scope.work(col(Submission.user_id), col(Submission.assignment_id)))
    if learner is not None:
        stmt = stmt.where(col(User.username) == learner)
    if cohort is not None:
        stmt = stmt.where(
            col(Submission.user_id).in_(
                select(col(Enrolment.user_id))
                .join(Cohort, col(Cohort.id) == col(Enrolment.cohort_id))
                .where(col(Cohort.slug) == cohort)
            )
        )
    if course is not None:
        stmt = stmt.where(col(Course.slug) == course)
    if assignment is not None:
        stmt = stmt.where(col(Assignment.slug) == assignment)
    return stmt


def list_grades(
    db: Session,
    *,
    limit: int,
    offset: int,
    user_ids: set[int] | None = None,
    learner: str | None = None,
    cohort: str | None = None,
    course: str | None = None,
    assignment: str | None = None,
    exercise: str | None = None,
    kind: str | None = None,
    overridden: bool | None = None,
    scope: WorkScope | None = None,
) -> tuple[int, list[GradePublic]]:
    stmt = _filters(
        _grade_query(),
        user_ids=user_ids,
        learner=learner,
        cohort=cohort,
        course=course,
        assignment=assignment,
        scope=scope,
    )
    if exercise is not None:
        stmt = stmt.where(col(Exercise.slug) == exercise)
    if kind is not None:
        stmt = stmt.where(col(Grade.kind) == kind)
    if overridden is not None:
        stmt = stmt.where(col(Grade.override_score).is_not(None) if overridden else col(Grade.override_score).is_(None))
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(
        stmt.order_by(col(User.username), col(Course.slug), col(Assignment.slug), col(Submission.attempt))
        .order_by(col(Exercise.position))
        .limit(limit)
        .offset(offset)
    ).all()
    return total, [_grade_public(r) for r in rows]


def get_grade(db: Session, *, grade_id: int) -> GradePublic:
    row = db.execute(_grade_query().where(col(Grade.id) == grade_id)).first()
    if row is None:
        raise not_found("Note", grade_id)
    return _grade_public(row)


def override_grade(db: Session, *, grade_id: int, score: float | None, reason: str, by_user_id: int | None) -> Grade:
    """Set (or withdraw, with `score=None`) a manual override; the old and new values go to the audit trail.

    A written answer still awaiting its grade is not overridden: the trainer grades it (`crud/answers.py`).
    """
    grade = db.get(Grade, grade_id)
    if grade is None:
        raise not_found("Note", grade_id)
    if score is not None and not 0 <= score <= grade.max_score:
        raise invalid(f"La note doit être comprise entre 0 et {grade.max_score:g}.")
    old = effective_score(grade)
    if old is None:
        raise conflict(
            "Cette réponse écrite attend encore sa correction : notez-la depuis « Réponses écrites à corriger » "
            "(PUT /cohorts/{cohort}/written-answers/{id}) plutôt que de corriger une note qui n'existe pas."
        )
    assert grade.id is not None
    db.add(GradeOverride(grade_id=grade.id, by_user_id=by_user_id, old_score=old, new_score=score, reason=reason))
    grade.override_score = score
    submission = db.get(Submission, grade.submission_id)
    log_events(
        db,
        rows=[
            {
                "user_id": submission.user_id if submission else None,
                "verb": "scored",
                "object_type": "grade",
                "object_id": str(grade.id),
                "result": {"old": old, "new": score, "max": grade.max_score},
            }
        ],
    )
    if submission is not None:
        bump_scopes(db, user_ids=[submission.user_id])
    db.flush()
    return grade


def completion_results(db: Session, *, submission_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """xAPI `result` of each submission (one attempt at an assignment) from every grade it now has.

    Score raw/min/max/scaled and success once everything is graded; while written answers await a trainer, only
    `completion` and how many are pending (a partial score would read as a low one).
    """
    out: dict[int, dict[str, Any]] = {}
    ids = sorted(set(submission_ids))
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        rows = db.execute(
            select(
                col(Grade.submission_id),
                func.sum(EFFECTIVE),
                func.sum(col(Grade.max_score)),
                func.sum(case((EFFECTIVE.is_(None), 1), else_=0)),
            )
            .where(col(Grade.submission_id).in_(part))
            .group_by(col(Grade.submission_id))
        )
        for sid, raw, max_score, pending in rows:
            out[sid] = assignment_result(float(raw or 0), float(max_score or 0), int(pending or 0))
    return out


def assignment_result(raw: float, max_score: float, pending: int) -> dict[str, Any]:
    """The `result` of a "completed" statement (xAPI 1.0.3 §4.1.5: scaled = raw / max, in [0, 1] here)."""
    if pending:
        return {"completion": True, "pending": pending}
    scaled = round(raw / max_score, 4) if max_score else 1.0
    return {
        "completion": True,
        "score": {"raw": round(raw, 4), "min": 0, "max": max_score, "scaled": scaled},
        "success": scaled >= PASS_RATIO - 1e-9,
    }


def list_overrides(db: Session, *, grade_id: int, limit: int, offset: int) -> tuple[int, list[OverridePublic]]:
    stmt = (
        select(GradeOverride, col(User.username))
        .join(User, col(User.id) == col(GradeOverride.by_user_id), isouter=True)
        .where(col(GradeOverride.grade_id) == grade_id)
    )
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(col(GradeOverride.id)).limit(limit).offset(offset)).all()
    return total, [
        OverridePublic(
            id=o.id or 0,
            grade_id=o.grade_id,
            by=by,
            at=o.at,
            old_score=o.old_score,
            new_score=o.new_score,
            reason=o.reason,
        )
        for o, by in rows
    ]


def list_submissions(
    db: Session,
    *,
    limit: int,
    offset: int,
    user_ids: set[int] | None = None,
    learner: str | None = None,
    cohort: str | None = None,
    course: str | None = None,
    assignment: str | None = None,
    late: bool | None = None,
    scope: WorkScope | None = None,
) -> tuple[int, list[SubmissionPublic]]:
    stmt = (
        select(Submission, col(User.username), col(Course.slug), col(Assignment.slug))
        .join(User, col(User.id) == col(Submission.user_id))
        .join(Assignment, col(Assignment.id) == col(Submission.assignment_id))
        .join(Course, col(Course.id) == col(Assignment.course_id))
    )
    stmt = _filters(
        stmt, user_ids=user_ids, learner=learner, cohort=cohort, course=course, assignment=assignment, scope=scope
    )
    if late is not None:
        stmt = stmt.where(col(Submission.late) == late)
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(
        stmt.order_by(col(User.username), col(Course.slug), col(Assignment.slug), col(Submission.attempt))
        .limit(limit)
        .offset(offset)
    ).all()
    return total, [
        SubmissionPublic(
            id=s.id or 0,
            learner=u,
            course=c,
            assignment=a,
            attempt=s.attempt,
            submitted_at=s.submitted_at,
            late=s.late,
        )
        for s, u, c, a in rows
    ]


def record_selfcheck(
    db: Session, *, user: User, exercise: Exercise, course: str, assignment: str, passed: bool
) -> SelfCheck:
    assert user.id is not None and exercise.id is not None
    check = SelfCheck(user_id=user.id, exercise_id=exercise.id, passed=passed)
    db.add(check)
    log_events(
        db,
        rows=[
            {
                "user_id": user.id,
                "verb": "passed" if passed else "failed",
                "object_type": "exercise",
                "object_id": f"{course}/{assignment}/{exercise.slug}",
                "result": {"selfcheck": True, "success": passed},
            }
        ],
    )
    bump_scopes(db, user_ids=[user.id])
    db.flush()
    return check


def list_selfchecks(
    db: Session,
    *,
    limit: int,
    offset: int,
    user_ids: set[int] | None = None,
    learner: str | None = None,
    cohort: str | None = None,
    course: str | None = None,
    assignment: str | None = None,
    since: datetime | None = None,
    scope: WorkScope | None = None,
) -> tuple[int, list[SelfCheckPublic]]:
    stmt = (
        select(SelfCheck, col(User.username), col(Course.slug), col(Assignment.slug), col(Exercise.slug))
        .join(User, col(User.id) == col(SelfCheck.user_id))
        .join(Exercise, col(Exercise.id) == col(SelfCheck.exercise_id))
        .join(Assignment, col(Assignment.id) == col(Exercise.assignment_id))
        .join(Course, col(Course.id) == col(Assignment.course_id))
    )
    if user_ids is not None:
        stmt = stmt.where(col(SelfCheck.user_id).in_(user_ids))
    if scope is not None:
        stmt = stmt.where(scope.work(col(SelfCheck.user_id), col(Exercise.assignment_id)))
    if learner is not None:
        stmt = stmt.where(col(User.username) == learner)
    if cohort is not None:
        stmt = stmt.where(
            col(SelfCheck.user_id).in_(
                select(col(Enrolment.user_id))
                .join(Cohort, col(Cohort.id) == col(Enrolment.cohort_id))
                .where(col(Cohort.slug) == cohort)
            )
        )
    if course is not None:
        stmt = stmt.where(col(Course.slug) == course)
    if assignment is not None:
        stmt = stmt.where(col(Assignment.slug) == assignment)
    if since is not None:
        stmt = stmt.where(col(SelfCheck.at) >= since)
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(col(SelfCheck.id)).limit(limit).offset(offset)).all()
    return total, [
        SelfCheckPublic(id=s.id or 0, learner=u, course=c, assignment=a, exercise=e, passed=s.passed, at=s.at)
        for s, u, c, a, e in rows
    ]
