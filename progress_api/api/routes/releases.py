"""Releases: an assignment given to a cohort, with the cohort's due date."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from progress_api.api.deps import Access, PageDep, SessionDep, authorize
from progress_api.api.pagination import Page, page
from progress_api.core.errors import not_found
from progress_api.crud import releases as crud
from progress_api.crud.catalog import require_assignment
from progress_api.crud.cohorts import require_cohort
from progress_api.models.catalog import ReleasePublic, ReleaseUpsert

router = APIRouter(prefix="/cohorts/{cohort}/releases", tags=["releases"])


@router.get("")
def list_releases(
    db: SessionDep,
    cohort: str,
    params: PageDep,
    _access: Annotated[Access, Depends(authorize("releases:read"))],
    course: Annotated[str | None, Query(max_length=100)] = None,
    due_before: datetime | None = None,
) -> Page[ReleasePublic]:
    total, items = crud.list_releases(
        db,
        cohort=require_cohort(db, slug=cohort),
        limit=params.limit,
        offset=params.offset,
        course=course,
        due_before=due_before,
    )
    return page(items, total=total, params=params)


@router.put("/{course}/{assignment}")
def upsert_release(
    db: SessionDep,
    cohort: str,
    course: str,
    assignment: str,
    data: ReleaseUpsert,
    response: Response,
    _access: Annotated[Access, Depends(authorize("releases:write"))],
) -> ReleasePublic:
    """Release an assignment to a cohort (or move its due date); lateness of submissions follows."""
    row = require_cohort(db, slug=cohort)
    target = require_assignment(db, course=course, slug=assignment)
    release, created = crud.upsert_release(
        db, cohort=row, assignment=target, due_date=data.due_date, released_at=data.released_at
    )
    db.commit()
    response.status_code = 201 if created else 200
    return ReleasePublic(
        cohort=cohort,
        course=course,
        assignment=assignment,
        title=target.title,
        released_at=release.released_at,
        due_date=release.due_date,
    )


@router.delete("/{course}/{assignment}", status_code=204)
def delete_release(
    db: SessionDep,
    cohort: str,
    course: str,
    assignment: str,
    _access: Annotated[Access, Depends(authorize("releases:write"))],
) -> Response:
    row = require_cohort(db, slug=cohort)
    target = require_assignment(db, course=course, slug=assignment)
    if not crud.delete_release(db, cohort=row, assignment=target):
        raise not_found("Publication", f"{cohort}/{course}/{assignment}")
    db.commit()
    return Response(status_code=204)
