"""Written answers (`ecritNN`, kind `manual` in the catalogue) as a cohort's trainers read and grade them.

A cohort's answers are its work as `crud.scope.WorkScope` defines it for everyone (its learners, on assignments
released to it), at each learner's latest attempt (what the gradebook counts); `api.access.decide` has already
refused a trainer of another cohort. Grading one sets the trainer's grade (`grades.manual_*`), appends to the
audit trail (`manual_grades`) and logs an xAPI "scored" statement, plus "completed" with the assignment's full
result once its last answer is graded. Re-sending the same grade changes nothing.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from progress_api.core.errors import invalid, not_found
from progress_api.crud.events import bump_scopes, log_events
from progress_api.crud.grading import EFFECTIVE, PASS_RATIO, completion_results, effective_score
from progress_api.crud.scope import WorkScope
from progress_api.models.catalog import Assignment, Course, Exercise
from progress_api.models.common import utcnow
from progress_api.models.grading import (
    Grade,
    ManualGrade,
    ManualGradePublic,
    Submission,
    WrittenAnswer,
    WrittenAnswerDetail,
    WrittenAnswerPublic,
)
from progress_api.models.people import Cohort, User

AnswerStatus = Literal["to_grade", "graded"]
Grader = aliased(User)


def _scoped(cohort: Cohort, stmt: Any) -> Any:
    """Restrict a query on grades to the cohort's written answers at each learner's latest attempt. The cohort's
    work is `crud.scope.WorkScope`'s, the rule every other reader of learners' work applies: its learners, on
    assignments released to it."""
    assert cohort.id is not None
    work = WorkScope(cohort_ids=frozenset({cohort.id})).work(col(Submission.user_id), col(Submission.assignment_id))
    latest = (
        select(
            col(Submission.user_id).label("user_id"),
            col(Submission.assignment_id).label("assignment_id"),
            func.max(col(Submission.attempt)).label("attempt"),
        )
        .where(work)
        .group_by(col(Submission.user_id), col(Submission.assignment_id))
        .subquery()
    )
    return (
        stmt.join(Submission, col(Submission.id) == col(Grade.submission_id))
        .join(
            latest,
            and_(
                latest.c.user_id == col(Submission.user_id),
                latest.c.assignment_id == col(Submission.assignment_id),
                latest.c.attempt == col(Submission.attempt),
            ),
        )
        .join(User, col(User.id) == col(Submission.user_id))
        .join(Exercise, col(Exercise.id) == col(Grade.exercise_id))
        .join(Assignment, col(Assignment.id) == col(Submission.assignment_id))
        .join(Course, col(Course.id) == col(Assignment.course_id))
        .where(col(Exercise.kind) == "manual")
    )


def _filtered(
    cohort: Cohort,
    stmt: Any,
    *,
    course: str | None = None,
    assignment: str | None = None,
    status: AnswerStatus | None = None,
    learner: str | None = None,
    exercise: str | None = None,
) -> Any:
    stmt = _scoped(cohort, stmt)
    if course is not None:
        stmt = stmt.where(col(Course.slug) == course)
    if assignment is not None:
        stmt = stmt.where(col(Assignment.slug) == assignment)
    if status == "to_grade":
        stmt = stmt.where(EFFECTIVE.is_(None))
    elif status == "graded":
        stmt = stmt.where(EFFECTIVE.is_not(None))
    if learner is not None:
        stmt = stmt.where(col(User.username) == learner)
    if exercise is not None:
        stmt = stmt.where(col(Exercise.slug) == exercise)
    # One exercise at a time, learner after learner: the order a trainer grades in, consistently.
    return stmt.order_by(
        col(Course.order), col(Course.slug), col(Assignment.slug), col(Exercise.position), col(User.username)
    )


def _public_query() -> Any:
    return (
        select(
            Grade,
            Submission,
            col(User.username),
            col(User.display_name),
            col(Course.slug),
            col(Assignment.slug),
            col(Exercise.slug),
            col(WrittenAnswer.answer),
            col(Grader.username),
        )
        .select_from(Grade)
        .outerjoin(WrittenAnswer, col(WrittenAnswer.grade_id) == col(Grade.id))
        .outerjoin(Grader, col(Grader.id) == col(Grade.manual_by_id))
    )


def _public(row: Any) -> WrittenAnswerPublic:
    grade, sub, learner, display_name, course, assignment, exercise, answer, by = row
    effective = effective_score(grade)
    return WrittenAnswerPublic(
        id=grade.id,
        learner=learner,
        display_name=display_name or learner,
        course=course,
        assignment=assignment,
        attempt=sub.attempt,
        exercise=exercise,
        max_score=grade.max_score,
        answer=answer,
        submitted_at=sub.submitted_at,
        late=sub.late,
        status="to_grade" if effective is None else "graded",
        score=effective,
        graded_score=grade.score,
        manual_score=grade.manual_score,
        overridden=grade.override_score is not None,
        comment=grade.manual_comment,
        graded_by=by,
        graded_at=grade.manual_at,
    )


def list_answers(
    db: Session,
    *,
    cohort: Cohort,
    limit: int,
    offset: int,
    course: str | None = None,
    assignment: str | None = None,
    status: AnswerStatus | None = None,
    learner: str | None = None,
    exercise: str | None = None,
) -> tuple[int, list[WrittenAnswerPublic]]:
    """One page of the cohort's written answers (filters as in the API), in grading order."""

    def query(stmt: Any) -> Any:
        return _filtered(
            cohort, stmt, course=course, assignment=assignment, status=status, learner=learner, exercise=exercise
        )

    ids = query(select(col(Grade.id)).select_from(Grade)).order_by(None)
    total = db.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
    rows = db.execute(query(_public_query()).limit(limit).offset(offset)).all()
    return total, [_public(r) for r in rows]


def answer_ids(
    db: Session, *, cohort: Cohort, course: str, assignment: str, status: AnswerStatus | None = None
) -> list[int]:
    """Grade ids of an assignment's answers in grading order (previous/next navigation of the marking page)."""
    stmt = _filtered(
        cohort, select(col(Grade.id)).select_from(Grade), course=course, assignment=assignment, status=status
    )
    return [int(i) for i in db.execute(stmt).scalars()]


def answer_counts(db: Session, *, cohort: Cohort) -> list[dict[str, Any]]:
    """Per released assignment with written answers: course, assignment, title, answers to grade and graded."""
    stmt = _scoped(
        cohort,
        select(
            col(Course.slug),
            col(Assignment.slug),
            col(Assignment.title),
            func.sum(case((EFFECTIVE.is_(None), 1), else_=0)),
            func.count(),
        ).select_from(Grade),
    ).group_by(col(Course.order), col(Course.slug), col(Assignment.slug), col(Assignment.title))
    rows = db.execute(stmt.order_by(col(Course.order), col(Course.slug), col(Assignment.slug))).all()
    return [
        {"course": c, "assignment": a, "title": t, "to_grade": int(pending or 0), "graded": int(n) - int(pending or 0)}
        for c, a, t, pending, n in rows
    ]


def get_answer(db: Session, *, cohort: Cohort, grade_id: int) -> WrittenAnswerDetail:
    """One written answer of the cohort with its grading history; 404 when it is not one of the cohort's."""
    row = db.execute(_scoped(cohort, _public_query()).where(col(Grade.id) == grade_id)).first()
    if row is None:
        raise not_found("Réponse écrite", grade_id)
    history = db.execute(
        select(ManualGrade, col(User.username))
        .join(User, col(User.id) == col(ManualGrade.by_user_id), isouter=True)
        .where(col(ManualGrade.grade_id) == grade_id)
        .order_by(col(ManualGrade.id))
    ).all()
    return WrittenAnswerDetail(
        **_public(row).model_dump(),
        history=[
            ManualGradePublic(
                id=m.id or 0, by=by, at=m.at, old_score=m.old_score, new_score=m.new_score, comment=m.comment
            )
            for m, by in history
        ],
    )


def grade_answer(
    db: Session, *, cohort: Cohort, grade_id: int, score: float, comment: str | None, by_user_id: int | None
) -> bool:
    """Record a trainer's grade of a written answer; False when it was already exactly that (nothing written)."""
    get_answer(db, cohort=cohort, grade_id=grade_id)  # in the cohort, a written answer, else 404
    grade = db.get(Grade, grade_id)
    assert grade is not None and grade.id is not None
    if not 0 <= score <= grade.max_score:
        raise invalid(f"La note doit être comprise entre 0 et {grade.max_score:g} (barème de l'exercice).")
    comment = (comment or "").strip() or None
    if grade.manual_score == score and grade.manual_comment == comment:
        return False
    was_pending = effective_score(grade) is None
    old = grade.manual_score if grade.manual_score is not None else grade.score
    grade.manual_score, grade.manual_comment, grade.manual_by_id, grade.manual_at = score, comment, by_user_id, utcnow()
    db.add(ManualGrade(grade_id=grade.id, by_user_id=by_user_id, old_score=old, new_score=score, comment=comment))
    submission = db.get(Submission, grade.submission_id)
    assert submission is not None
    exercise = db.get(Exercise, grade.exercise_id)
    assignment = db.get(Assignment, submission.assignment_id)
    course = db.get(Course, assignment.course_id) if assignment is not None else None
    path = f"{course.slug if course else '?'}/{assignment.slug if assignment else '?'}"
    events: list[dict[str, Any]] = [
        {
            "user_id": submission.user_id,
            "verb": "scored",
            "object_type": "grade",
            "object_id": str(grade.id),
            "result": {
                "old": old,
                "new": score,
                "max": grade.max_score,
                "success": bool(grade.max_score == 0 or score / grade.max_score >= PASS_RATIO - 1e-9),
                "manual": True,
                "exercise": f"{path}/{exercise.slug if exercise else '?'}",
            },
        }
    ]
    db.flush()
    if was_pending:
        result = completion_results(db, submission_ids=[submission.id or 0]).get(submission.id or 0, {})
        if "score" in result:  # the last answer of this attempt: the assignment's result is now known
            events.append(
                {
                    "user_id": submission.user_id,
                    "verb": "completed",
                    "object_type": "assignment",
                    "object_id": path,
                    "result": {"attempt": submission.attempt, **result},
                }
            )
    log_events(db, rows=events)
    bump_scopes(db, user_ids=[submission.user_id])
    db.flush()
    return True
