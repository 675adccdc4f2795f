"""A CEDIA project's page: history timeline, AI-governance checklist (what is missing before `delivery`),
milestones, blockers, team and coaches, and the forms to change them (posted to `pages_cedia_forms`,
`pages_cedia_team` and `pages_cedia_archive`). An archived project's page stays reachable, read-only, with its
restore button."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from progress_api.core.errors import ApiError
from progress_api.crud import cedia as crud
from progress_api.crud import cedia_plan as plan
from progress_api.crud import cedia_team as team
from progress_api.services.cedia_kpi import MEMBER_ROLE_LABELS
from progress_api.services.cedia_rules import RISK_LABELS, allowed_targets
from progress_api.web.cedia_views import Id, form_options, project_view, target_options
from progress_api.web.deps import Web, WebDep
from progress_api.web.history import summarize

router = APIRouter(prefix="/cedia", tags=["pages"], include_in_schema=False)


def project_page_view(web: Web, project_id: int, *, status_code: int = 200, **extra: Any) -> Response:
    project = crud.get_project(web.db, project_id=project_id)
    [summary] = crud.public(web.db, projects=[project])
    _, events = crud.history(web.db, project_id=project_id, limit=200, offset=0)
    today = date.today()
    checklist = summary.checklist
    archived = summary.archived_at is not None
    # Why it was archived: the reason given with the newest archive entry (events are newest first).
    archive_reason = next((e.comment for e in events if e.kind == "archived"), "") if archived else ""
    writer = web.can("cedia:write")
    return web.render(
        "cedia/project.html",
        status_code=status_code,
        nav="board",
        p=project_view(summary),
        c={
            **checklist.model_dump(),
            "risk_class": checklist.risk_class.value if checklist.risk_class else None,
            "hosting": checklist.hosting.value if checklist.hosting else None,
        },
        missing=summary.missing_for_delivery,
        risk_label=RISK_LABELS[checklist.risk_class] if checklist.risk_class else "non évaluée",
        targets=target_options(summary.stage, allowed_targets(current=summary.stage, held_from=summary.held_from)),
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
        options=form_options(web),
        archive_reason=archive_reason,
        can_edit=writer and not archived,  # an archived project is read-only until restored (as in the API)
        can_restore=writer and archived,
        **extra,
    )


@router.get("/projets/{project_id}")
def project_page(web: WebDep, project_id: Id, msg: str = "") -> Response:
    if (denied := web.guard("cedia:read")) is not None:
        return denied
    try:
        return project_page_view(web, project_id, ok=MESSAGES.get(msg))
    except ApiError as exc:
        return web.render("error.html", status_code=exc.status, title="Projet introuvable", message=exc.message)


MESSAGES = {
    "moved": "Étape changée.",
    "saved": "Modifications enregistrées.",
    "checklist": "Checklist enregistrée.",
    "added": "Ajout enregistré.",
    "archived": "Projet archivé : il n'apparaît plus au tableau, dans les listes ni dans les indicateurs.",
    "restored": "Projet restauré : il est de retour au tableau, à la même étape.",
}
