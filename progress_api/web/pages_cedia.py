"""CEDIA board: the kanban by stage with its filters (unit, use-case type, coach) and a move form per card, and
the paginated list of projects behind each column's "autres…" link. The move form posts to `pages_cedia_forms`.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response

from progress_api.crud import cedia as crud
from progress_api.models.common import MAX_ROW_ID
from progress_api.services import cedia_portfolio as portfolio
from progress_api.services.cedia_rules import MAIN_PATH, STAGE_LABELS, Stage
from progress_api.web.cedia_views import form_options, project_view, target_options, use_case_label
from progress_api.web.deps import Web, WebDep

router = APIRouter(prefix="/cedia", tags=["pages"], include_in_schema=False)

PER_COLUMN = 25  # cards per stage on the board; the rest are one click away in the paginated list
LIST_PAGE = 50


def board_view(web: Web, *, unit: str, use_case: str, coach: str, status_code: int = 200, **extra: Any) -> Response:
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
                    "use_case_label": use_case_label(card.use_case),
                    "targets": target_options(card.stage, card.targets),
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
        options=form_options(web),
        can_edit=web.can("cedia:write"),
        **extra,
    )


@router.get("")
def board_page(
    web: WebDep,
    unit: Annotated[str, Query(max_length=200)] = "",
    use_case: Annotated[str, Query(max_length=30)] = "",
    coach: Annotated[str, Query(max_length=200)] = "",
    moved: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    if (denied := web.guard("cedia:read")) is not None:
        return denied
    ok = None
    if moved is not None:
        project = web.db.get(crud.CediaProject, moved)
        if project is not None:
            ok = f"« {project.title} » est maintenant à l'étape « {STAGE_LABELS[Stage(project.stage)]} »."
    return board_view(web, unit=unit, use_case=use_case, coach=coach, ok=ok)


@router.get("/projets")
def project_list(
    web: WebDep,
    stage: Stage | None = None,
    unit: Annotated[str, Query(max_length=200)] = "",
    use_case: Annotated[str, Query(max_length=30)] = "",
    coach: Annotated[str, Query(max_length=200)] = "",
    archived: bool = False,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Projects of the board's filters, or (`archived=true`) only the archived ones, which the board no longer shows
    and whose pages would otherwise be reachable by id only."""
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
        archived=archived,
    )
    projects = [project_view(p) for p in crud.public(web.db, projects=rows)]
    query = urlencode(
        {
            k: v
            for k, v in {
                "stage": stage.value if stage else "",
                "unit": unit,
                "use_case": use_case,
                "coach": coach,
                "archived": "true" if archived else "",
            }.items()
            if v
        }
    )
    return web.render(
        "cedia/list.html",
        nav="board",
        projects=projects,
        archived=archived,
        stage_label=STAGE_LABELS[stage] if stage else "",
        page={"number": page, "pages": max(1, -(-total // LIST_PAGE)), "total": total},
        base_url=web.url(f"/cedia/projets?{query}&" if query else "/cedia/projets?"),
    )
