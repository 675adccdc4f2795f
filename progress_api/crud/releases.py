"""Releases: an assignment given to a cohort with that cohort's due date, and the lateness of submissions it
implies (recomputed in one UPDATE whenever a due date or a submission moves)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, delete, exists, func, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.crud.events import bump_scopes
from progress_api.models.catalog import Assignment, Course, Release, ReleasePublic
from progress_api.models.common import utcnow
from progress_api.models.grading import Submission
from progress_api.models.people import Cohort, Enrolment


def recompute_lateness(db: Session, *, assignment_ids: list[int]) -> None:
    """`late` = submitted after the latest due date among the learner's cohorts' releases (one UPDATE)."""
    if not assignment_ids:
        return
    due = (
        select(func.max(Release.due_date))
        .join(Enrolment, col(Enrolment.cohort_id) == col(Release.cohort_id))
        .where(
            col(Enrolment.user_id) == col(Submission.user_id),
            col(Release.assignment_id) == col(Submission.assignment_id),
        )
        .scalar_subquery()
    )
    db.execute(
        update(Submission)
        .where(col(Submission.assignment_id).in_(assignment_ids))
        .values(late=case((and_(due.is_not(None), col(Submission.submitted_at) > due), True), else_=False))
    )


def upsert_release(
    db: Session, *, cohort: Cohort, assignment: Assignment, due_date: datetime | None, released_at: datetime | None
) -> tuple[Release, bool]:
    release = db.execute(
        select(Release).where(col(Release.cohort_id) == cohort.id, col(Release.assignment_id) == assignment.id)
    ).scalar_one_or_none()
    created = release is None
    if release is None:
        assert cohort.id is not None and assignment.id is not None
        release = Release(
            cohort_id=cohort.id, assignment_id=assignment.id, due_date=due_date, released_at=released_at or utcnow()
        )
        db.add(release)
    else:
        release.due_date = due_date
        if released_at is not None:
            release.released_at = released_at
    db.flush()
    assert assignment.id is not None
    recompute_lateness(db, assignment_ids=[assignment.id])
    _bump_cohort(db, cohort)
    return release, created


def delete_release(db: Session, *, cohort: Cohort, assignment: Assignment) -> bool:
    result = db.execute(
        delete(Release).where(col(Release.cohort_id) == cohort.id, col(Release.assignment_id) == assignment.id)
    )
    assert assignment.id is not None
    recompute_lateness(db, assignment_ids=[assignment.id])
    _bump_cohort(db, cohort)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _bump_cohort(db: Session, cohort: Cohort) -> None:
    """A release changes the cohort's columns and its learners' lateness, which every cohort of theirs shows."""
    assert cohort.id is not None
    members = list(db.execute(select(col(Enrolment.user_id)).where(col(Enrolment.cohort_id) == cohort.id)).scalars())
    bump_scopes(db, user_ids=members, cohort_ids=[cohort.id])


def list_releases(
    db: Session,
    *,
    cohort: Cohort,
    limit: int,
    offset: int,
    course: str | None = None,
    due_before: datetime | None = None,
) -> tuple[int, list[ReleasePublic]]:
    stmt = (
        select(Release, Assignment, col(Course.slug))
        .join(Assignment, col(Assignment.id) == col(Release.assignment_id))
        .join(Course, col(Course.id) == col(Assignment.course_id))
        .where(col(Release.cohort_id) == cohort.id)
    )
    if course is not None:
        stmt = stmt.where(col(Course.slug) == course)
    if due_before is not None:
        stmt = stmt.where(col(Release.due_date) < due_before)
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(
        stmt.order_by(col(Course.order), col(Course.slug), col(Assignment.slug)).limit(limit).offset(offset)
    ).all()
    return total, [
        ReleasePublic(
            cohort=cohort.slug,
            course=course_slug,
            assignment=a.slug,
            title=a.title,
            released_at=r.released_at,
            due_date=r.due_date,
        )
        for r, a, course_slug in rows
    ]


def has_release(db: Session, *, cohort_id: int, assignment_id: int) -> bool:
    return bool(
        db.execute(
            select(exists().where(col(Release.cohort_id) == cohort_id, col(Release.assignment_id) == assignment_id))
        ).scalar()
    )
