"""Self-check attempts recorded from a learner's notebook (`check("ex03")`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlmodel import col

from progress_api.api.deps import Access, PageDep, SessionDep, authorize
from progress_api.api.pagination import Page, page
from progress_api.core.errors import invalid, not_found
from progress_api.crud import grading as crud
from progress_api.crud import users as users_crud
from progress_api.crud.catalog import require_assignment
from progress_api.models.catalog import Exercise
from progress_api.models.common import Role
from progress_api.models.grading import SelfCheckIn, SelfCheckPublic

router = APIRouter(prefix="/selfchecks", tags=["selfchecks"])
Filter = Annotated[str | None, Query(max_length=100)]


@router.post("", status_code=201)
def record(
    db: SessionDep, data: SelfCheckIn, access: Annotated[Access, Depends(authorize("selfchecks:write"))]
) -> SelfCheckPublic:
    """A learner records their own attempt; the grader may record one for a named learner."""
    principal = access.principal
    # Whose attempt it is, is an access decision (the learner named in the body, like a path's `username`).
    access.check(db, username=data.learner or principal.username)
    if access.unrestricted:
        if not data.learner:
            raise invalid("Le champ `learner` est obligatoire pour le correcteur.")
        user = users_crud.require_user(db, username=data.learner)
    else:
        user = users_crud.ensure_user(db, username=principal.username, roles=[Role.learner])
    assignment = require_assignment(db, course=data.course, slug=data.assignment)
    exercise = db.execute(
        select(Exercise).where(col(Exercise.assignment_id) == assignment.id, col(Exercise.slug) == data.exercise)
    ).scalar_one_or_none()
    if exercise is None:
        raise not_found("Exercice", f"{data.course}/{data.assignment}/{data.exercise}")
    check = crud.record_selfcheck(
        db, user=user, exercise=exercise, course=data.course, assignment=data.assignment, passed=data.passed
    )
    db.commit()
    return SelfCheckPublic(
        id=check.id or 0,
        learner=user.username,
        course=data.course,
        assignment=data.assignment,
        exercise=data.exercise,
        passed=check.passed,
        at=check.at,
    )


@router.get("")
def list_selfchecks(
    db: SessionDep,
    params: PageDep,
    access: Annotated[Access, Depends(authorize("selfchecks:read"))],
    learner: Filter = None,
    cohort: Filter = None,
    course: Filter = None,
    assignment: Filter = None,
    since: datetime | None = None,
) -> Page[SelfCheckPublic]:
    total, items = crud.list_selfchecks(
        db,
        limit=params.limit,
        offset=params.offset,
        scope=access.work,
        learner=learner,
        cohort=cohort,
        course=course,
        assignment=assignment,
        since=since,
    )
    return page(items, total=total, params=params)
