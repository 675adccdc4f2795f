"""The forms that change a CEDIA project: move to a stage, the governance checklist, create and edit.

Forms post to the same CRUD functions as the JSON API, so rules, history and the version check are the same;
a refused change re-renders the page with the French reason (and what is missing) instead of an error page.
`apply_change` and `write_guard` are the flow every form follows (`pages_cedia_team` too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import ValidationError

from progress_api.core.errors import ApiError
from progress_api.crud import cedia as crud
from progress_api.models.cedia import CediaProject, ChecklistUpdate, ProjectCreate, ProjectUpdate, StageMove
from progress_api.services.cedia_rules import Hosting, RiskClass, UseCase
from progress_api.web.cedia_views import (
    Choice,
    Comment,
    Id,
    Name,
    Paragraph,
    Text,
    Version,
    error_status,
    error_view,
    form_options,
)
from progress_api.web.deps import Web, WebDep
from progress_api.web.pages_cedia import board_view
from progress_api.web.pages_cedia_project import project_page_view

router = APIRouter(prefix="/cedia", tags=["pages"], include_in_schema=False)


def apply_change(
    web: Web,
    project_id: int,
    change: Callable[[CediaProject], object],
    *,
    success: str,
    back: str = "project",
    filters: dict[str, str] | None = None,
) -> Response:
    """Run one change; on success redirect (POST/redirect/GET), on refusal show the page with the reason.

    From the board, `filters` (unit, type, coach) are kept on the way back, whether the move worked or not.
    """
    filters = {k: v for k, v in (filters or {}).items() if v}
    try:
        project = crud.get_project(web.db, project_id=project_id)
        change(project)
        web.db.commit()
    except (ApiError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        web.db.rollback()
        if isinstance(exc, ApiError) and exc.status == 404:
            return web.render("error.html", status_code=404, title="Introuvable", message=exc.message)
        if back == "board":
            return board_view(
                web,
                unit=filters.get("unit", ""),
                use_case=filters.get("use_case", ""),
                coach=filters.get("coach", ""),
                status_code=error_status(exc),
                error=error_view(exc),
            )
        return project_page_view(web, project_id, status_code=error_status(exc), error=error_view(exc))
    if back == "board":
        return web.redirect(f"/cedia?{urlencode({**filters, 'moved': project_id})}")
    return web.redirect(f"/cedia/projets/{project_id}?msg={success}")


def write_guard(web: Web, csrf_token: str) -> Response | None:
    if (denied := web.guard("cedia:write")) is not None:
        return denied
    if not web.csrf_ok(csrf_token):
        return web.csrf_failed()
    return None


@router.get("/projets/nouveau", name="new_project")
def new_project_page(web: WebDep) -> Response:
    if (denied := web.guard("cedia:write")) is not None:
        return denied
    return web.render(
        "cedia/project_form.html", nav="board", p={}, action=web.url("/cedia/projets"), options=form_options(web)
    )


@router.post("/projets/{project_id}/etape")
def move_form(
    web: WebDep,
    project_id: Id,
    to_stage: Choice,
    version: Version,
    csrf_token: Annotated[str, Form()] = "",
    comment: Comment = "",
    back: Annotated[str, Form(max_length=20)] = "project",
    unit: Name = "",
    use_case: Choice = "",
    coach: Name = "",
) -> Response:
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied

    def change(project: CediaProject) -> None:
        move = StageMove(to_stage=to_stage, version=version, comment=comment)
        crud.move_stage(web.db, project=project, move=move, actor=web.actor)

    return apply_change(
        web,
        project_id,
        change,
        success="moved",
        back="board" if back == "board" else "project",
        filters={"unit": unit, "use_case": use_case, "coach": coach},
    )


@router.post("/projets/{project_id}/checklist")
def checklist_form(
    web: WebDep,
    project_id: Id,
    version: Version,
    csrf_token: Annotated[str, Form()] = "",
    risk_class: Annotated[str, Form(max_length=20)] = "",
    risk_justification: Text = "",
    personal_data: Annotated[str, Form(max_length=5)] = "",
    health_data: Annotated[str, Form(max_length=5)] = "",
    dpia_done: Annotated[str, Form(max_length=5)] = "",
    hosting: Choice = "",
    human_in_loop: Text = "",
    ethics_review_on: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied

    def yes_no(value: str) -> bool | None:
        return {"oui": True, "non": False}.get(value)

    def change(project: CediaProject) -> None:
        data = ChecklistUpdate(
            version=version,
            risk_class=RiskClass(risk_class) if risk_class else None,
            risk_justification=risk_justification,
            personal_data=yes_no(personal_data),
            health_data=yes_no(health_data),
            dpia_done=dpia_done == "oui",
            hosting=Hosting(hosting) if hosting else None,
            human_in_loop=human_in_loop,
            ethics_review_on=ethics_review_on or None,
        )
        crud.update_checklist(web.db, project=project, data=data, actor=web.actor)

    return apply_change(web, project_id, change, success="checklist")


def _project_fields(
    title: str, unit: str, sponsor: str, use_case: str, description: str, expected_value: str
) -> dict[str, str]:
    return {
        "title": title,
        "unit": unit,
        "sponsor": sponsor,
        "use_case": use_case or UseCase.other.value,
        "description": description,
        "expected_value": expected_value,
    }


@router.post("/projets")
def create_form(
    web: WebDep,
    title: Name,
    unit: Name,
    csrf_token: Annotated[str, Form()] = "",
    sponsor: Name = "",
    use_case: Choice = "",
    description: Text = "",
    expected_value: Paragraph = "",
) -> Response:
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied
    fields = _project_fields(title, unit, sponsor, use_case, description, expected_value)
    try:
        project = crud.create_project(web.db, data=ProjectCreate(**fields), actor=web.actor)
        web.db.commit()
    except ValidationError as exc:
        return web.render(
            "cedia/project_form.html",
            status_code=422,
            nav="board",
            p=fields,
            action=web.url("/cedia/projets"),
            options=form_options(web),
            error=error_view(exc),
        )
    return web.redirect(f"/cedia/projets/{project.id}?msg=added")


@router.get("/projets/{project_id}/modifier")
def edit_project_page(web: WebDep, project_id: Id) -> Response:
    if (denied := web.guard("cedia:write")) is not None:
        return denied
    project = web.db.get(crud.CediaProject, project_id)
    if project is None:
        return web.render(
            "error.html", status_code=404, title="Introuvable", message=f"Projet introuvable : {project_id}"
        )
    return web.render(
        "cedia/project_form.html",
        nav="board",
        p=project.model_dump(),
        action=web.url(f"/cedia/projets/{project_id}/modifier"),
        options=form_options(web),
    )


@router.post("/projets/{project_id}/modifier")
def edit_form(
    web: WebDep,
    project_id: Id,
    version: Version,
    title: Name,
    unit: Name,
    csrf_token: Annotated[str, Form()] = "",
    sponsor: Name = "",
    use_case: Choice = "",
    description: Text = "",
    expected_value: Paragraph = "",
) -> Response:
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied
    fields = _project_fields(title, unit, sponsor, use_case, description, expected_value)

    def change(project: CediaProject) -> None:
        crud.update_project(web.db, project=project, data=ProjectUpdate(version=version, **fields), actor=web.actor)

    return apply_change(web, project_id, change, success="saved")
