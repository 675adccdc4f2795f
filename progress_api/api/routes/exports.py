"""Exports: the gradebook and the grades as CSV for French Excel, the event log as xAPI statements."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from progress_api.api.deps import Access, PageDep, SessionDep, SettingsDep, authorize
from progress_api.api.pagination import Page, page
from progress_api.crud import cohorts as cohorts_crud
from progress_api.crud import events as events_crud
from progress_api.crud import grading as grading_crud
from progress_api.models.events import EventPublic
from progress_api.services import analytics, exports

router = APIRouter(tags=["exports"])
Sep = Annotated[Literal[";", ","], Query(description="`;` (French Excel, decimal comma) or `,`.")]
Bom = Annotated[bool, Query(description="Start with a UTF-8 BOM so Excel detects the encoding.")]
CSV_MEDIA = "text/csv; charset=utf-8"


def _csv_response(text: str, filename: str) -> Response:
    return Response(
        content=text.encode("utf-8"),
        media_type=CSV_MEDIA,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/cohorts/{cohort}/exports/gradebook.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}}
)
def export_gradebook(
    db: SessionDep,
    cohort: str,
    _access: Annotated[Access, Depends(authorize("exports:read"))],
    sep: Sep = ";",
    bom: Bom = True,
    course: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """One line per learner, one column per assignment (latest attempt; status when not graded)."""
    row = cohorts_crud.require_cohort(db, slug=cohort)
    columns, rows = analytics.gradebook_rows(analytics.facts(db, cohort=row), course=course)
    text = exports.gradebook_csv(analytics.gradebook_columns(columns), rows, sep=sep, bom=bom)
    return _csv_response(text, f"carnet-{cohort}.csv")


@router.get(
    "/cohorts/{cohort}/exports/grades.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}}
)
def export_grades(
    db: SessionDep,
    cohort: str,
    _access: Annotated[Access, Depends(authorize("exports:read"))],
    sep: Sep = ";",
    bom: Bom = True,
    course: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Every grade of the cohort's learners, one line per exercise and attempt."""
    cohorts_crud.require_cohort(db, slug=cohort)
    _, grades = grading_crud.list_grades(db, limit=10_000_000, offset=0, cohort=cohort, course=course)
    header = [
        "identifiant",
        "cours",
        "devoir",
        "tentative",
        "exercice",
        "note",
        "note_correcteur",
        "bareme",
        "type",
        "modifiee",
        "rendu_le",
        "en_retard",
        "corrige_le",
        "retour",
    ]
    body = (
        [
            g.learner,
            g.course,
            g.assignment,
            g.attempt,
            g.exercise,
            g.score,
            g.graded_score,
            g.max_score,
            g.kind,
            "oui" if g.overridden else "non",
            g.submitted_at.isoformat(),
            "oui" if g.late else "non",
            g.graded_at.isoformat(),
            g.feedback_url,
        ]
        for g in grades
    )
    return _csv_response(exports.to_csv(header, body, sep=sep, bom=bom), f"notes-{cohort}.csv")


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
