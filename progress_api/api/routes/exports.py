"""Exports: the gradebook and the grades as CSV for French Excel, the event log as xAPI statements."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from progress_api.api.deps import Access, EngineDep, PageDep, SessionDep, SettingsDep, authorize
from progress_api.api.pagination import Page, page
from progress_api.crud import cohorts as cohorts_crud
from progress_api.crud import events as events_crud
from progress_api.models.events import EventPublic
from progress_api.services import analytics, exports

router = APIRouter(tags=["exports"])
Sep = Annotated[Literal[";", ","], Query(description="`;` (French Excel: decimal comma, local dates) or `,`.")]
Bom = Annotated[bool, Query(description="Start with a UTF-8 BOM so Excel detects the encoding.")]
CSV_MEDIA = "text/csv; charset=utf-8"
CSV_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}


def _csv_response(chunks: Iterator[bytes], filename: str) -> StreamingResponse:
    """Streamed: the body is written chunk by chunk as rows are read, never held whole."""
    return StreamingResponse(
        chunks, media_type=CSV_MEDIA, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/cohorts/{cohort}/exports/gradebook.csv", response_class=StreamingResponse, responses=CSV_RESPONSES)
def export_gradebook(
    db: SessionDep,
    cohort: str,
    _access: Annotated[Access, Depends(authorize("exports:read"))],
    sep: Sep = ";",
    bom: Bom = True,
    course: Annotated[str | None, Query(max_length=100)] = None,
) -> StreamingResponse:
    """One line per learner, one column per assignment (latest attempt; status when not graded)."""
    row = cohorts_crud.require_cohort(db, slug=cohort)
    columns, rows = analytics.gradebook_rows(analytics.facts(db, cohort=row), course=course)
    header, lines = exports.gradebook_lines(analytics.gradebook_columns(columns), rows)
    return _csv_response(exports.iter_csv(header, lines, sep=sep, bom=bom), f"carnet-{cohort}.csv")


@router.get("/cohorts/{cohort}/exports/grades.csv", response_class=StreamingResponse, responses=CSV_RESPONSES)
def export_grades(
    db: SessionDep,
    engine: EngineDep,
    cohort: str,
    _access: Annotated[Access, Depends(authorize("exports:read"))],
    sep: Sep = ";",
    bom: Bom = True,
    course: Annotated[str | None, Query(max_length=100)] = None,
) -> StreamingResponse:
    """Every grade of the cohort's work (its learners, on what was released to it), one line per exercise and
    attempt, streamed from the database."""
    row = cohorts_crud.require_cohort(db, slug=cohort)
    assert row.id is not None
    lines = exports.grade_lines(engine, cohort_id=row.id, course=course)
    return _csv_response(exports.iter_csv(exports.GRADES_HEADER, lines, sep=sep, bom=bom), f"notes-{cohort}.csv")


@router.get("/events")
def list_events(
    db: SessionDep,
    params: PageDep,
    access: Annotated[Access, Depends(authorize("events:read"))],
    verb: Annotated[str | None, Query(max_length=40)] = None,
    learner: Annotated[str | None, Query(max_length=100)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[EventPublic]:
    total, rows = events_crud.list_events(
        db,
        limit=params.limit,
        offset=params.offset,
        scope=access.work,
        verb=verb,
        since=since,
        until=until,
        learner=learner,
    )
    items = [
        EventPublic(
            id=e.id or 0,
            at=e.at,
            learner=u,
            verb=e.verb,
            object_type=e.object_type,
            object_id=e.object_id,
            result=e.result,
        )
        for e, u in rows
    ]
    return page(items, total=total, params=params)


@router.get("/exports/xapi")
def export_xapi(
    db: SessionDep,
    request: Request,
    settings: SettingsDep,
    params: PageDep,
    access: Annotated[Access, Depends(authorize("exports:read", query=("cohort",)))],
    cohort: Annotated[str | None, Query(max_length=100)] = None,
    verb: Annotated[str | None, Query(max_length=40)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, object]:
    """The event log as xAPI statements (actors pseudonymised), paged: `{"statements": [...], "more": bool}`.

    With `cohort` (checked against the caller's scope by `authorize`): that cohort's events only.
    """
    scope = access.work
    if cohort is not None:
        row = cohorts_crud.require_cohort(db, slug=cohort)
        assert row.id is not None
        scope = access.work_in(row.id)
    total, rows = events_crud.list_events(
        db, limit=params.limit, offset=params.offset, scope=scope, verb=verb, since=since, until=until
    )
    home = str(request.base_url).rstrip("/") + settings.prefix
    statements = [exports.xapi_statement(e, u, secret=settings.secret_key, home_page=home) for e, u in rows]
    return {"statements": statements, "total": total, "more": params.offset + len(statements) < total}
