"""Grades: bulk ingestion by the grader, reading with filters, manual overrides with their audit trail."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from progress_api.api.bulk import parse_batch
from progress_api.api.deps import Access, PageDep, SessionDep, authorize
from progress_api.api.pagination import Page, page
from progress_api.crud import grading as crud
from progress_api.models.common import MAX_ROW_ID
from progress_api.models.grading import (
    GradeBatch,
    GradePublic,
    IngestResult,
    OverrideIn,
    OverridePublic,
    SubmissionPublic,
)
from progress_api.services.ingest import ingest_grades

router = APIRouter(tags=["grades"])
Filter = Annotated[str | None, Query(max_length=100)]
GradeId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


async def grade_batch(request: Request) -> GradeBatch:
    """The body in one pydantic-core pass; a bad row is reported as `invalid_rows` (see `api/bulk.py`)."""
    return parse_batch(GradeBatch, await request.body(), rows="grades")


@router.post(
    "/ingest/grades",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GradeBatch"}}},
        }
    },
)
def ingest(
    db: SessionDep,
    _access: Annotated[Access, Depends(authorize("grades:ingest"))],  # before the body: no parsing for strangers
    data: Annotated[GradeBatch, Depends(grade_batch)],
) -> IngestResult:
    """Write a batch of grades, all or nothing (422 lists every bad row); re-sending it changes nothing."""
    result = ingest_grades(db, grades=data.grades)
    db.commit()
    return result


@router.get("/grades")
def list_grades(
    db: SessionDep,
    params: PageDep,
    access: Annotated[Access, Depends(authorize("grades:read"))],
    learner: Filter = None,
    cohort: Filter = None,
    course: Filter = None,
    assignment: Filter = None,
    exercise: Filter = None,
    kind: Literal["auto", "manual"] | None = None,
    overridden: bool | None = None,
) -> Page[GradePublic]:
    total, items = crud.list_grades(
        db,
        limit=params.limit,
        offset=params.offset,
        scope=access.work,
        learner=learner,
        cohort=cohort,
        course=course,
        assignment=assignment,
        exercise=exercise,
        kind=kind,
        overridden=overridden,
    )
    return page(items, total=total, params=params)


@router.get("/grades/{grade_id}")
def read_grade(
    db: SessionDep, grade_id: GradeId, _access: Annotated[Access, Depends(authorize("grades:read"))]
) -> GradePublic:
    return crud.get_grade(db, grade_id=grade_id)


@router.post("/grades/{grade_id}/overrides", status_code=201)
def override_grade(
    db: SessionDep,
    grade_id: GradeId,
    data: OverrideIn,
    access: Annotated[Access, Depends(authorize("grades:override"))],
) -> GradePublic:
    """Replace the graded score (or withdraw the override with `score: null`); the reason is mandatory."""
    crud.override_grade(
        db, grade_id=grade_id, score=data.score, reason=data.reason, by_user_id=access.principal.user_id
    )
    db.commit()
    return crud.get_grade(db, grade_id=grade_id)


@router.get("/grades/{grade_id}/overrides")
def list_overrides(
    db: SessionDep, grade_id: GradeId, params: PageDep, _access: Annotated[Access, Depends(authorize("grades:read"))]
) -> Page[OverridePublic]:
    crud.get_grade(db, grade_id=grade_id)
    total, items = crud.list_overrides(db, grade_id=grade_id, limit=params.limit, offset=params.offset)
    return page(items, total=total, params=params)


@router.get("/submissions")
def list_submissions(
    db: SessionDep,
    params: PageDep,
    access: Annotated[Access, Depends(authorize("grades:read"))],
    learner: Filter = None,
    cohort: Filter = None,
    course: Filter = None,
    assignment: Filter = None,
    late: bool | None = None,
) -> Page[SubmissionPublic]:
    total, items = crud.list_submissions(
        db,
        limit=params.limit,
        offset=params.offset,
        scope=access.work,
        learner=learner,
        cohort=cohort,
        course=course,
        assignment=assignment,
        late=late,
    )
    return page(items, total=total, params=params)
