"""Cohorts (promotions), their trainers and their enrolments, including bulk enrolment from JSON or CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile

from progress_api.api.bulk import parse_batch
from progress_api.api.deps import Access, PageDep, SessionDep, authorize
from progress_api.api.pagination import Page, page
from progress_api.crud import cohorts as crud
from progress_api.crud import users as users_crud
from progress_api.models.people import (
    BulkEnrolment,
    BulkEnrolmentResult,
    CohortCreate,
    CohortPublic,
    CohortUpdate,
    EnrolmentPublic,
    EnrolmentRow,
)
from progress_api.services import enrolment

router = APIRouter(prefix="/cohorts", tags=["cohorts"])


@router.get("")
def list_cohorts(
    db: SessionDep,
    params: PageDep,
    access: Annotated[Access, Depends(authorize("cohorts:read"))],
    programme: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    trainer: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[CohortPublic]:
    total, cohorts = crud.list_cohorts(
        db,
        limit=params.limit,
        offset=params.offset,
        only_ids=access.cohort_ids,
        programme=programme,
        q=q,
        trainer=trainer,
    )
    return page(crud.to_public(db, cohorts=cohorts), total=total, params=params)


@router.post("", status_code=201)
def create_cohort(
    db: SessionDep, data: CohortCreate, _access: Annotated[Access, Depends(authorize("cohorts:write"))]
) -> CohortPublic:
    cohort = crud.create_cohort(db, data=data)
    db.commit()
    return crud.to_public(db, cohorts=[cohort])[0]


@router.get("/{cohort}")
def read_cohort(
    db: SessionDep, cohort: str, _access: Annotated[Access, Depends(authorize("cohorts:read"))]
) -> CohortPublic:
    return crud.to_public(db, cohorts=[crud.require_cohort(db, slug=cohort)])[0]


@router.patch("/{cohort}")
def update_cohort(
    db: SessionDep, cohort: str, data: CohortUpdate, _access: Annotated[Access, Depends(authorize("cohorts:write"))]
) -> CohortPublic:
    row = crud.update_cohort(db, cohort=crud.require_cohort(db, slug=cohort), data=data)
    db.commit()
    return crud.to_public(db, cohorts=[row])[0]


@router.delete("/{cohort}", status_code=204)
def delete_cohort(
    db: SessionDep, cohort: str, _access: Annotated[Access, Depends(authorize("cohorts:write"))]
) -> Response:
    crud.delete_cohort(db, cohort=crud.require_cohort(db, slug=cohort))
    db.commit()
    return Response(status_code=204)


@router.put("/{cohort}/trainers/{trainer}", status_code=204)
def add_trainer(
    db: SessionDep, cohort: str, trainer: str, _access: Annotated[Access, Depends(authorize("cohorts:write"))]
) -> Response:
    crud.add_trainer(
        db, cohort=crud.require_cohort(db, slug=cohort), user=users_crud.require_user(db, username=trainer)
    )
    db.commit()
    return Response(status_code=204)


@router.delete("/{cohort}/trainers/{trainer}", status_code=204)
def remove_trainer(
    db: SessionDep, cohort: str, trainer: str, _access: Annotated[Access, Depends(authorize("cohorts:write"))]
) -> Response:
    crud.remove_trainer(
        db, cohort=crud.require_cohort(db, slug=cohort), user=users_crud.require_user(db, username=trainer)
    )
    db.commit()
    return Response(status_code=204)


@router.get("/{cohort}/enrolments")
def list_enrolments(
    db: SessionDep,
    cohort: str,
    params: PageDep,
    _access: Annotated[Access, Depends(authorize("cohorts:read"))],
    q: Annotated[str | None, Query(max_length=100)] = None,
    business_unit: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[EnrolmentPublic]:
    total, items = crud.list_enrolments(
        db,
        cohort=crud.require_cohort(db, slug=cohort),
        limit=params.limit,
        offset=params.offset,
        q=q,
        business_unit=business_unit,
    )
    return page(items, total=total, params=params)


@router.post("/{cohort}/enrolments")
def enrol_one(
    db: SessionDep,
    cohort: str,
    data: EnrolmentRow,
    access: Annotated[Access, Depends(authorize("enrolments:write"))],
) -> BulkEnrolmentResult:
    """Enrol one learner (created if unknown); enrolling twice changes nothing. Only admins update a known
    user's profile (a trainer's values for an existing account are reported in `notices`, not applied)."""
    row = crud.require_cohort(db, slug=cohort)
    raw = [data.model_dump()]
    result = enrolment.enrol(db, cohort=row, raw=raw, update_profiles=access.allows("users:write"))
    db.commit()
    return result


async def enrolment_batch(request: Request) -> BulkEnrolment:
    """The body parsed by hand so that a row failing the schema gets the `invalid_rows` report (`api/bulk.py`)."""
    return parse_batch(BulkEnrolment, await request.body(), rows="learners")


@router.post(
    "/{cohort}/enrolments/bulk",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BulkEnrolment"}}},
        }
    },
)
def enrol_bulk(
    db: SessionDep,
    cohort: str,
    access: Annotated[Access, Depends(authorize("enrolments:write"))],  # before the body: no parsing for strangers
    data: Annotated[BulkEnrolment, Depends(enrolment_batch)],
) -> BulkEnrolmentResult:
    """Enrol many learners at once: all rows are valid and written, or none is (422 lists every bad row)."""
    row = crud.require_cohort(db, slug=cohort)
    raw = [r.model_dump() for r in data.learners]
    result = enrolment.enrol(db, cohort=row, raw=raw, update_profiles=access.allows("users:write"))
    db.commit()
    return result


@router.post("/{cohort}/enrolments/csv")
def enrol_csv(
    db: SessionDep,
    cohort: str,
    file: Annotated[UploadFile, File(description="CSV, `;` or `,`, UTF-8 (BOM ok) or Windows-1252.")],
    access: Annotated[Access, Depends(authorize("enrolments:write"))],
) -> BulkEnrolmentResult:
    """The same as `/bulk` from a CSV file with a header line (`username;display_name;email;business_unit;…`)."""
    row = crud.require_cohort(db, slug=cohort)
    data = file.file.read(enrolment.MAX_CSV_BYTES + 1)
    raw = enrolment.parse_csv(data)
    result = enrolment.enrol(db, cohort=row, raw=raw, update_profiles=access.allows("users:write"))
    db.commit()
    return result


@router.delete("/{cohort}/enrolments/{username}", status_code=204)
def unenrol(
    db: SessionDep, cohort: str, username: str, _access: Annotated[Access, Depends(authorize("enrolments:write"))]
) -> Response:
    removed = crud.unenrol(
        db, cohort=crud.require_cohort(db, slug=cohort), user=users_crud.require_user(db, username=username)
    )
    if not removed:
        from progress_api.core.errors import not_found

        raise not_found("Inscription", f"{cohort}/{username}")
    db.commit()
    return Response(status_code=204)
