"""CEDIA pages: the board (kanban by stage, filters), project pages (history, checklist, milestones, blockers,
team), the forms that change them, and the portfolio dashboard with its server-side charts.

Forms post to the same CRUD functions as the JSON API, so rules, history and the version check are the same;
a refused change re-renders the page with the French reason (and what is missing) instead of an error page.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import Response
from pydantic import ValidationError

from progress_api.core.errors import ApiError
from progress_api.crud import cedia as crud
from progress_api.crud import cedia_plan as plan
from progress_api.crud import cedia_team as team
from progress_api.models.cedia import (
    ChecklistUpdate,
    ProjectCreate,
    ProjectPublic,
    ProjectUpdate,
    StageMove,
)
from progress_api.services import cedia_portfolio as portfolio
from progress_api.services.cedia_kpi import MEMBER_ROLE_LABELS
from progress_api.services.cedia_rules import (
    HOSTING_LABELS,
    MAIN_PATH,
    RISK_LABELS,
    STAGE_LABELS,
    USE_CASE_LABELS,
    Hosting,
    RiskClass,
    Stage,
    UseCase,
    allowed_targets,
)
from progress_api.web.deps import Web, WebDep
from progress_api.web.history import summarize

router = APIRouter(prefix="/cedia", tags=["pages"], include_in_schema=False)

PER_COLUMN = 25  # cards per stage on the board; the rest are one click away in the paginated list
LIST_PAGE = 50
Text = Annotated[str, Form(max_length=4000)]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _target_options(current: Stage, targets: list[Stage]) -> list[tuple[str, str]]:
    """Move menu entries, the usual next step first (so it is the preselected choice)."""

    def rank(target: Stage) -> int:
        if current in MAIN_PATH and target in MAIN_PATH and MAIN_PATH.index(target) == MAIN_PATH.index(current) + 1:
            return 0
        return 1 if target in MAIN_PATH else 2

    return [(t.value, STAGE_LABELS[t]) for t in sorted(targets, key=rank)]


def _use_case_label(value: str) -> str:
    try:
        return USE_CASE_LABELS[UseCase(value)]
    except ValueError:
        return value


def _options(web: Web) -> dict[str, Any]:
    return {
        "units": portfolio.units_in_use(web.db),
        "use_cases": [(u.value, label) for u, label in USE_CASE_LABELS.items()],
        "coaches": team.all_coaches(web.db),
        "risks": [(r.value, label) for r, label in RISK_LABELS.items()],
        "hostings": [(h.value, label) for h, label in HOSTING_LABELS.items()],
        "roles": [(r.value, label) for r, label in MEMBER_ROLE_LABELS.items()],
    }


def _error(exc: ApiError | ValueError) -> dict[str, Any]:
    if isinstance(exc, ValidationError):
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors())
        return {"message": f"Saisie invalide ({fields}) : rien n'a été enregistré.", "missing": []}
    if not isinstance(exc, ApiError):
        return {"message": "Saisie invalide : rien n'a été enregistré.", "missing": []}
    missing = (exc.details or {}).get("missing", []) if isinstance(exc.details, dict) else []
    return {"message": exc.message, "missing": [m["message"] for m in missing]}


def _status(exc: ApiError | ValueError) -> int:
    return exc.status if isinstance(exc, ApiError) else 422


# --- board -------------------------------------------------------------------------------------------------


def _board(web: Web, *, unit: str, use_case: str, coach: str, status_code: int = 200, **extra: Any) -> Response:
    columns = portfolio.board(
        web.db, per_column=PER_COLUMN, unit=unit or None, use_case=use_case or None, coach=coach or None
    )
    filters = {"unit": unit, "use_case": use_case, "coach": coach}
    query = urlencode({k: v for k, v in filters.items() if v})

    def view(column: portfolio.Column) -> dict[str, Any]:
        more = None
        if column.total > len(column.cards):
            more = web.url(f"/cedia/projets?stage={column.stage.value}&{query}")
        return {
            "stage": column.stage.value,
            "label": STAGE_LABELS[column.stage],
            "total": column.total,
            "more_url": more,
            "cards": [
                {
                    **vars(card),
                    "stage": card.stage.value,
                    "use_case_label": _use_case_label(card.use_case),
                    "targets": _target_options(card.stage, card.targets),
                }
                for card in column.cards
            ],
        }

    views = [view(c) for c in columns]
    return web.render(
        "cedia/board.html",
        status_code=status_code,
        nav="board",
        columns=views[: len(MAIN_PATH)],
        side_columns=views[len(MAIN_PATH) :],
        filters=filters,
        options=_options(web),
        can_edit=web.can("cedia:write"),
        **extra,
    )


@router.get("")
def board_page(
    web: WebDep,
    unit: Annotated[str, Query(max_length=200)] = "",
    use_case: Annotated[str, Query(max_length=30)] = "",
    coach: Annotated[str, Query(max_length=200)] = "",
    moved: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    if (denied := web.guard("cedia:read")) is not None:
        return denied
    ok = None
    if moved is not None:
        project = web.db.get(crud.CediaProject, moved)
        if project is not None:
            ok = f"« {project.title} » est maintenant à l'étape « {STAGE_LABELS[Stage(project.stage)]} »."
    return _board(web, unit=unit, use_case=use_case, coach=coach, ok=ok)


@router.get("/projets")
def project_list(
    web: WebDep,
    stage: Stage | None = None,
    unit: Annotated[str, Query(max_length=200)] = "",
    use_case: Annotated[str, Query(max_length=30)] = "",
    coach: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    if (denied := web.guard("cedia:read")) is not None:
        return denied
    total, rows = crud.list_projects(
        web.db,
        limit=LIST_PAGE,
        offset=(page - 1) * LIST_PAGE,
        stage=stage,
        unit=unit or None,
        use_case=use_case or None,
        coach=coach or None,
    )
    projects = [_project_view(p) for p in crud.public(web.db, projects=rows)]
    query = urlencode(
        {
            k: v
            for k, v in {
                "stage": stage.value if stage else "",
                "unit": unit,
                "use_case": use_case,
                "coach": coach,
            }.items()
            if v
        }
    )
    return web.render(
        "cedia/list.html",
        nav="board",
        projects=projects,
        stage_label=STAGE_LABELS[stage] if stage else "",
        page={"number": page, "pages": max(1, -(-total // LIST_PAGE)), "total": total},
        base_url=web.url(f"/cedia/projets?{query}&" if query else "/cedia/projets?"),
    )


@router.get("/projets/nouveau", name="new_project")
def new_project_page(web: WebDep) -> Response:
    if (denied := web.guard("cedia:write")) is not None:
        return denied
    return web.render(
        "cedia/project_form.html", nav="board", p={}, action=web.url("/cedia/projets"), options=_options(web)
    )


# --- one project -------------------------------------------------------------------------------------------


def _project_view(p: ProjectPublic) -> dict[str, Any]:
    return {
        **p.model_dump(),
        "stage": p.stage.value,
        "stage_label": STAGE_LABELS[p.stage],
        "use_case_label": _use_case_label(p.use_case.value),
    }


def _project_page(web: Web, project_id: int, *, status_code: int = 200, **extra: Any) -> Response:
    project = crud.get_project(web.db, project_id=project_id)
    [summary] = crud.public(web.db, projects=[project])
    _, events = crud.history(web.db, project_id=project_id, limit=200, offset=0)
    today = date.today()
    checklist = summary.checklist
    return web.render(
        "cedia/project.html",
        status_code=status_code,
        nav="board",
        p=_project_view(summary),
        c={
            **checklist.model_dump(),
            "risk_class": checklist.risk_class.value if checklist.risk_class else None,
            "hosting": checklist.hosting.value if checklist.hosting else None,
        },
        missing=summary.missing_for_delivery,
        risk_label=RISK_LABELS[checklist.risk_class] if checklist.risk_class else "non évaluée",
        targets=_target_options(summary.stage, allowed_targets(current=summary.stage, held_from=summary.held_from)),
        milestones=[
            {**vars(m), "late": m.done_on is None and m.due_on < today}
            for m in plan.milestones(web.db, project_id=project_id)
        ],
        blockers=plan.blockers(web.db, project_id=project_id),
        members=[
            {**m.model_dump(), "academy": m.academy_learner, "role_label": MEMBER_ROLE_LABELS[m.role]}
            for m in team.members(web.db, project_id=project_id)
        ],
        coaches=summary.coaches,
        history=[
            {"at": e.at, "actor": e.actor, "kind": e.kind, "summary": summarize(e), "comment": e.comment}
            for e in events
        ],
        options=_options(web),
        can_edit=web.can("cedia:write"),
        **extra,
    )


@router.get("/projets/{project_id}")
def project_page(web: WebDep, project_id: Id, msg: str = "") -> Response:
    if (denied := web.guard("cedia:read")) is not None:
        return denied
    try:
        return _project_page(web, project_id, ok=MESSAGES.get(msg))
    except ApiError as exc:
        return web.render("error.html", status_code=exc.status, title="Projet introuvable", message=exc.message)


MESSAGES = {
    "moved": "Étape changée.",
    "saved": "Modifications enregistrées.",
    "checklist": "Checklist enregistrée.",
    "added": "Ajout enregistré.",
}


def apply_change(
    web: Web,
    project_id: int,
    change: Any,
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
            return _board(
                web,
                unit=filters.get("unit", ""),
                use_case=filters.get("use_case", ""),
                coach=filters.get("coach", ""),
                status_code=_status(exc),
                error=_error(exc),
            )
        return _project_page(web, project_id, status_code=_status(exc), error=_error(exc))
    if back == "board":
        return web.redirect(f"/cedia?{urlencode({**filters, 'moved': project_id})}")
    return web.redirect(f"/cedia/projets/{project_id}?msg={success}")


def write_guard(web: Web, csrf_token: str) -> Response | None:
    if (denied := web.guard("cedia:write")) is not None:
        return denied
    if not web.csrf_ok(csrf_token):
        return web.csrf_failed()
    return None


@router.post("/projets/{project_id}/etape")
def move_form(
    web: WebDep,
    project_id: Id,
    to_stage: Annotated[str, Form(max_length=30)],
    version: Annotated[int, Form(ge=1)],
    csrf_token: Annotated[str, Form()] = "",
    comment: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=20)] = "project",
    unit: Annotated[str, Form(max_length=200)] = "",
    use_case: Annotated[str, Form(max_length=30)] = "",
    coach: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied

    def change(project: Any) -> None:
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
    version: Annotated[int, Form(ge=1)],
    csrf_token: Annotated[str, Form()] = "",
    risk_class: Annotated[str, Form(max_length=20)] = "",
    risk_justification: Text = "",
    personal_data: Annotated[str, Form(max_length=5)] = "",
    health_data: Annotated[str, Form(max_length=5)] = "",
    dpia_done: Annotated[str, Form(max_length=5)] = "",
    hosting: Annotated[str, Form(max_length=30)] = "",
    human_in_loop: Text = "",
    ethics_review_on: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied

    def yes_no(value: str) -> bool | None:
        return {"oui": True, "non": False}.get(value)

    def change(project: Any) -> None:
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
) -> dict[str, Any]:
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
    title: Annotated[str, Form(max_length=200)],
    unit: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form()] = "",
    sponsor: Annotated[str, Form(max_length=200)] = "",
    use_case: Annotated[str, Form(max_length=30)] = "",
    description: Text = "",
    expected_value: Annotated[str, Form(max_length=1000)] = "",
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
            options=_options(web),
            error=_error(exc),
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
        options=_options(web),
    )


@router.post("/projets/{project_id}/modifier")
def edit_form(
    web: WebDep,
    project_id: Id,
    version: Annotated[int, Form(ge=1)],
    title: Annotated[str, Form(max_length=200)],
    unit: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form()] = "",
    sponsor: Annotated[str, Form(max_length=200)] = "",
    use_case: Annotated[str, Form(max_length=30)] = "",
    description: Text = "",
    expected_value: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied
    fields = _project_fields(title, unit, sponsor, use_case, description, expected_value)

    def change(project: Any) -> None:
        crud.update_project(web.db, project=project, data=ProjectUpdate(version=version, **fields), actor=web.actor)

    return apply_change(web, project_id, change, success="saved")
