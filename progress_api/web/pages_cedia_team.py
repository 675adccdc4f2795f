"""Forms of a CEDIA project page that append to its lists: milestones, blockers, team members, coaches.

Same flow as the other project forms (`pages_cedia_forms.apply_change`): CSRF and role checked first, the change
made by the CRUD function the API uses (so it lands in the history), then a redirect, or the page again with the
reason.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from progress_api.crud import cedia_plan as plan
from progress_api.crud import cedia_team as team
from progress_api.models.cedia import BlockerCreate, CediaProject, CoachAssign, MemberCreate, MilestoneCreate
from progress_api.services.cedia_kpi import MemberRole
from progress_api.web.cedia_views import Id, Name
from progress_api.web.deps import WebDep
from progress_api.web.pages_cedia_forms import apply_change, write_guard

router = APIRouter(prefix="/cedia", tags=["pages"], include_in_schema=False)


@router.post("/projets/{project_id}/jalons")
def add_milestone_form(
    web: WebDep,
    project_id: Id,
    title: Name,
    due_on: Annotated[str, Form(max_length=40)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied

    def change(project: CediaProject) -> None:
        data = MilestoneCreate(title=title, due_on=due_on)
        plan.add_milestone(web.db, project=project, data=data, actor=web.actor)

    return apply_change(web, project_id, change, success="added")


@router.post("/projets/{project_id}/jalons/{milestone_id}/atteint")
def complete_milestone_form(
    web: WebDep,
    project_id: Id,
    milestone_id: Id,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied
    return apply_change(
        web,
        project_id,
        lambda project: plan.complete_milestone(web.db, project=project, milestone_id=milestone_id, actor=web.actor),
        success="saved",
    )


@router.post("/projets/{project_id}/blocages")
def add_blocker_form(
    web: WebDep,
    project_id: Id,
    description: Annotated[str, Form(max_length=500)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied

    def change(project: CediaProject) -> None:
        plan.add_blocker(web.db, project=project, data=BlockerCreate(description=description), actor=web.actor)

    return apply_change(web, project_id, change, success="added")


@router.post("/projets/{project_id}/blocages/{blocker_id}/leve")
def resolve_blocker_form(
    web: WebDep,
    project_id: Id,
    blocker_id: Id,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied
    return apply_change(
        web,
        project_id,
        lambda project: plan.set_blocker_resolved(
            web.db, project=project, blocker_id=blocker_id, resolved=True, actor=web.actor
        ),
        success="saved",
    )


@router.post("/projets/{project_id}/equipe")
def add_member_form(
    web: WebDep,
    project_id: Id,
    display_name: Name,
    role: Annotated[str, Form(max_length=20)],
    csrf_token: Annotated[str, Form()] = "",
    username: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied

    def change(project: CediaProject) -> None:
        data = MemberCreate(display_name=display_name, username=username or None, role=MemberRole(role))
        team.add_member(web.db, project=project, data=data, actor=web.actor)

    return apply_change(web, project_id, change, success="added")


@router.post("/projets/{project_id}/coachs")
def add_coach_form(
    web: WebDep,
    project_id: Id,
    name: Name,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied
    return apply_change(
        web,
        project_id,
        lambda project: team.assign_coach(web.db, project=project, data=CoachAssign(name=name), actor=web.actor),
        success="added",
    )
