"""The catalogue: competencies, courses and assignments (upserted by the grader, readable by everyone, deleted
by an admin only while nothing depends on them: `catalog:delete` in `api.access.POLICY`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from progress_api.api.deps import Access, PageDep, SessionDep, authorize
from progress_api.api.pagination import Page, page
from progress_api.crud import catalog as crud
from progress_api.models.catalog import (
    AssignmentPublic,
    AssignmentUpsert,
    CompetencyPublic,
    CompetencyUpsert,
    CoursePublic,
    CourseUpsert,
    UpsertResult,
)

router = APIRouter(tags=["catalog"])
SlugPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]


@router.put("/competencies")
def upsert_competencies(
    db: SessionDep, data: CompetencyUpsert, _access: Annotated[Access, Depends(authorize("catalog:write"))]
) -> UpsertResult:
    """Create or update competencies by id (the framework of `courses/competencies.yml`)."""
    result = crud.upsert_competencies(db, items=data.competencies)
    db.commit()
    return result


@router.get("/competencies")
def list_competencies(
    db: SessionDep,
    params: PageDep,
    _access: Annotated[Access, Depends(authorize("catalog:read"))],
    domain: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[CompetencyPublic]:
    total, rows = crud.list_competencies(db, limit=params.limit, offset=params.offset, domain=domain, q=q)
    return page([crud.competency_public(c) for c in rows], total=total, params=params)


@router.get("/courses")
def list_courses(
    db: SessionDep,
    params: PageDep,
    _access: Annotated[Access, Depends(authorize("catalog:read"))],
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[CoursePublic]:
    total, rows = crud.list_courses(db, limit=params.limit, offset=params.offset, q=q)
    return page(
        [CoursePublic(id=c.slug, title=c.title, order=c.order, assignments=n) for c, n in rows],
        total=total,
        params=params,
    )


@router.put("/courses/{course}")
def upsert_course(
    db: SessionDep,
    course: SlugPath,
    data: CourseUpsert,
    response: Response,
    _access: Annotated[Access, Depends(authorize("catalog:write"))],
) -> CoursePublic:
    row, created = crud.upsert_course(db, slug=course, data=data)
    db.commit()
    response.status_code = 201 if created else 200
    total, _ = crud.list_assignments(db, limit=1, offset=0, course=course)
    return CoursePublic(id=row.slug, title=row.title, order=row.order, assignments=total)


@router.get("/courses/{course}")
def read_course(
    db: SessionDep, course: str, _access: Annotated[Access, Depends(authorize("catalog:read"))]
) -> CoursePublic:
    row = crud.require_course(db, slug=course)
    total, _ = crud.list_assignments(db, limit=1, offset=0, course=course)
    return CoursePublic(id=row.slug, title=row.title, order=row.order, assignments=total)


@router.get("/assignments")
def list_assignments(
    db: SessionDep,
    params: PageDep,
    _access: Annotated[Access, Depends(authorize("catalog:read"))],
    course: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[AssignmentPublic]:
    total, rows = crud.list_assignments(db, limit=params.limit, offset=params.offset, course=course, q=q)
    return page(crud.assignments_public(db, assignments=rows), total=total, params=params)


@router.get("/courses/{course}/assignments")
def list_course_assignments(
    db: SessionDep,
    course: str,
    params: PageDep,
    _access: Annotated[Access, Depends(authorize("catalog:read"))],
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[AssignmentPublic]:
    crud.require_course(db, slug=course)
    total, rows = crud.list_assignments(db, limit=params.limit, offset=params.offset, course=course, q=q)
    return page(crud.assignments_public(db, assignments=rows), total=total, params=params)


@router.put("/courses/{course}/assignments/{assignment}")
def upsert_assignment(
    db: SessionDep,
    course: str,
    assignment: SlugPath,
    data: AssignmentUpsert,
    response: Response,
    _access: Annotated[Access, Depends(authorize("catalog:write"))],
) -> AssignmentPublic:
    """Create or update an assignment with its exercises (exercises not listed are removed)."""
    row, created = crud.upsert_assignment(db, course=crud.require_course(db, slug=course), slug=assignment, data=data)
    db.commit()
    response.status_code = 201 if created else 200
    return crud.assignments_public(db, assignments=[(row, course)])[0]


@router.get("/courses/{course}/assignments/{assignment}")
def read_assignment(
    db: SessionDep, course: str, assignment: str, _access: Annotated[Access, Depends(authorize("catalog:read"))]
) -> AssignmentPublic:
    row = crud.require_assignment(db, course=course, slug=assignment)
    return crud.assignments_public(db, assignments=[(row, course)])[0]


@router.delete("/competencies/{competency}", status_code=204)
def delete_competency(
    db: SessionDep, competency: str, _access: Annotated[Access, Depends(authorize("catalog:delete"))]
) -> Response:
    """Remove a competency from the framework; 409 (with the exercises) while an exercise still trains it."""
    crud.delete_competency(db, slug=competency)
    db.commit()
    return Response(status_code=204)


@router.delete("/courses/{course}", status_code=204)
def delete_course(
    db: SessionDep, course: str, _access: Annotated[Access, Depends(authorize("catalog:delete"))]
) -> Response:
    """Remove a course and its assignments; 409 while one is released to a cohort or has learners' work."""
    crud.delete_course(db, course=crud.require_course(db, slug=course))
    db.commit()
    return Response(status_code=204)


@router.delete("/courses/{course}/assignments/{assignment}", status_code=204)
def delete_assignment(
    db: SessionDep, course: str, assignment: str, _access: Annotated[Access, Depends(authorize("catalog:delete"))]
) -> Response:
    """Remove an assignment and its exercises; 409 while it is released to a cohort or has learners' work."""
    crud.delete_assignment(db, assignment=crud.require_assignment(db, course=course, slug=assignment), course=course)
    db.commit()
    return Response(status_code=204)
