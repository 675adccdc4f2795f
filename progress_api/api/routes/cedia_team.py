"""CEDIA API, a project's plan and people: milestones, blockers, team members, coaches; and the data relays
flagged in the roster. Every list is paginated `{items, total, limit, offset}` with filters; every change bumps the
project's version and lands in its history; editing or deleting a milestone or blocker needs that row's version.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from progress_api.api.deps import PageDep, SessionDep
from progress_api.api.pagination import Page, page
from progress_api.api.routes.cedia_common import Id, Name, Reader, VersionQuery, Writer, project_detail
from progress_api.crud import cedia as crud
from progress_api.crud import cedia_plan as plan
from progress_api.crud import cedia_relays as relays
from progress_api.crud import cedia_team as team
from progress_api.models.cedia import (
    BlockerCreate,
    BlockerPublic,
    BlockerUpdate,
    CoachAssign,
    CoachPublic,
    MemberCreate,
    MemberPublic,
    MilestoneCreate,
    MilestonePublic,
    MilestoneUpdate,
    ProjectDetail,
    RelayFlag,
    RelayPublic,
)
from progress_api.services.cedia_kpi import MemberRole

router = APIRouter(prefix="/cedia", tags=["cedia"])
UsernamePath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9._@+-]{0,99}$", description="Identifiant (hub).")]


# --- milestones ----------------------------------------------------------------------------------------------


@router.get("/projects/{project_id}/milestones", response_model=Page[MilestonePublic])
def list_milestones(
    db: SessionDep,
    _: Reader,
    paging: PageDep,
    project_id: Id,
    done: Annotated[bool | None, Query(description="true : atteints ; false : à venir.")] = None,
    due_before: Annotated[date | None, Query(description="Échéance au plus tard ce jour.")] = None,
) -> Page[MilestonePublic]:
    crud.get_project(db, project_id=project_id)
    total, rows = plan.list_milestones(
        db, project_id=project_id, limit=paging.limit, offset=paging.offset, done=done, due_before=due_before
    )
    return page([MilestonePublic.model_validate(m, from_attributes=True) for m in rows], total=total, params=paging)


@router.post("/projects/{project_id}/milestones", response_model=MilestonePublic, status_code=201)
def add_milestone(db: SessionDep, access: Writer, project_id: Id, data: MilestoneCreate) -> MilestonePublic:
    project = crud.get_project(db, project_id=project_id)
    row = plan.add_milestone(db, project=project, data=data, actor=access.principal.username)
    db.commit()
    return MilestonePublic.model_validate(row, from_attributes=True)


@router.patch("/projects/{project_id}/milestones/{milestone_id}", response_model=MilestonePublic)
def update_milestone(
    db: SessionDep, access: Writer, project_id: Id, milestone_id: Id, data: MilestoneUpdate
) -> MilestonePublic:
    project = crud.get_project(db, project_id=project_id)
    row = plan.update_milestone(
        db, project=project, milestone_id=milestone_id, data=data, actor=access.principal.username
    )
    db.commit()
    return MilestonePublic.model_validate(row, from_attributes=True)


@router.delete("/projects/{project_id}/milestones/{milestone_id}", status_code=204)
def delete_milestone(
    db: SessionDep, access: Writer, project_id: Id, milestone_id: Id, version: VersionQuery
) -> Response:
    project = crud.get_project(db, project_id=project_id)
    plan.delete_milestone(db, project=project, milestone_id=milestone_id, seen=version, actor=access.principal.username)
    db.commit()
    return Response(status_code=204)


# --- blockers ------------------------------------------------------------------------------------------------


@router.get("/projects/{project_id}/blockers", response_model=Page[BlockerPublic])
def list_blockers(
    db: SessionDep,
    _: Reader,
    paging: PageDep,
    project_id: Id,
    resolved: Annotated[bool | None, Query(description="true : levés ; false : en cours.")] = None,
) -> Page[BlockerPublic]:
    crud.get_project(db, project_id=project_id)
    total, rows = plan.list_blockers(
        db, project_id=project_id, limit=paging.limit, offset=paging.offset, resolved=resolved
    )
    return page([BlockerPublic.model_validate(b, from_attributes=True) for b in rows], total=total, params=paging)


@router.post("/projects/{project_id}/blockers", response_model=BlockerPublic, status_code=201)
def add_blocker(db: SessionDep, access: Writer, project_id: Id, data: BlockerCreate) -> BlockerPublic:
    project = crud.get_project(db, project_id=project_id)
    row = plan.add_blocker(db, project=project, data=data, actor=access.principal.username)
    db.commit()
    return BlockerPublic.model_validate(row, from_attributes=True)


@router.patch("/projects/{project_id}/blockers/{blocker_id}", response_model=BlockerPublic)
def update_blocker(
    db: SessionDep, access: Writer, project_id: Id, blocker_id: Id, data: BlockerUpdate
) -> BlockerPublic:
    project = crud.get_project(db, project_id=project_id)
    row = plan.update_blocker(db, project=project, blocker_id=blocker_id, data=data, actor=access.principal.username)
    db.commit()
    return BlockerPublic.model_validate(row, from_attributes=True)


@router.delete("/projects/{project_id}/blockers/{blocker_id}", status_code=204)
def delete_blocker(db: SessionDep, access: Writer, project_id: Id, blocker_id: Id, version: VersionQuery) -> Response:
    project = crud.get_project(db, project_id=project_id)
    plan.delete_blocker(db, project=project, blocker_id=blocker_id, seen=version, actor=access.principal.username)
    db.commit()
    return Response(status_code=204)


# --- team ----------------------------------------------------------------------------------------------------


@router.get("/projects/{project_id}/members", response_model=Page[MemberPublic])
def list_members(
    db: SessionDep,
    _: Reader,
    paging: PageDep,
    project_id: Id,
    role: MemberRole | None = None,
    academy_learner: Annotated[bool | None, Query(description="true : apprenant·es de l'académie seulement.")] = None,
) -> Page[MemberPublic]:
    crud.get_project(db, project_id=project_id)
    total, rows = team.list_members(
        db,
        project_id=project_id,
        limit=paging.limit,
        offset=paging.offset,
        role=role,
        academy_learner=academy_learner,
    )
    return page(rows, total=total, params=paging)


@router.post("/projects/{project_id}/members", response_model=MemberPublic, status_code=201)
def add_member(db: SessionDep, access: Writer, project_id: Id, data: MemberCreate) -> MemberPublic:
    project = crud.get_project(db, project_id=project_id)
    row = team.add_member(db, project=project, data=data, actor=access.principal.username)
    db.commit()
    [member] = team.members_public(db, rows=[row])
    return member


@router.delete("/projects/{project_id}/members/{member_id}", status_code=204)
def remove_member(db: SessionDep, access: Writer, project_id: Id, member_id: Id) -> Response:
    project = crud.get_project(db, project_id=project_id)
    team.remove_member(db, project=project, member_id=member_id, actor=access.principal.username)
    db.commit()
    return Response(status_code=204)


# --- coaches -------------------------------------------------------------------------------------------------


@router.post("/projects/{project_id}/coaches", response_model=ProjectDetail)
def assign_coach(db: SessionDep, access: Writer, project_id: Id, data: CoachAssign) -> ProjectDetail:
    project = crud.get_project(db, project_id=project_id)
    team.assign_coach(db, project=project, data=data, actor=access.principal.username)
    db.commit()
    return project_detail(db, project_id)


@router.delete("/projects/{project_id}/coaches/{coach:path}", response_model=ProjectDetail)
def unassign_coach(db: SessionDep, access: Writer, project_id: Id, coach: Name) -> ProjectDetail:
    """Take a coach (by name) off the project; the coach stays in the CEDIA staff list."""
    project = crud.get_project(db, project_id=project_id)
    team.unassign_coach(db, project=project, name=coach, actor=access.principal.username)
    db.commit()
    return project_detail(db, project_id)


@router.get("/coaches", response_model=Page[CoachPublic])
def list_coaches(
    db: SessionDep,
    _: Reader,
    paging: PageDep,
    q: Annotated[str | None, Query(max_length=200, description="Texte cherché dans le nom.")] = None,
) -> Page[CoachPublic]:
    total, rows = team.list_coaches(db, limit=paging.limit, offset=paging.offset, q=q)
    return page(rows, total=total, params=paging)


# --- data relays of the roster -------------------------------------------------------------------------------


@router.get("/relays", response_model=Page[RelayPublic])
def list_relays(
    db: SessionDep, _: Reader, paging: PageDep, unit: Annotated[str | None, Query(max_length=200)] = None
) -> Page[RelayPublic]:
    """Academy learners flagged as data relays of their unit (counted by the relays KPI with project members)."""
    total, rows = relays.list_relays(db, limit=paging.limit, offset=paging.offset, unit=unit)
    return page(rows, total=total, params=paging)


@router.put("/relays/{username}", response_model=RelayPublic)
def flag_relay(
    db: SessionDep, access: Writer, username: UsernamePath, data: RelayFlag, response: Response
) -> RelayPublic:
    """Flag a learner as a data relay (201 the first time, 200 when updating the flag); idempotent."""
    relay, created = relays.flag_relay(db, username=username, data=data, actor=access.principal.username)
    db.commit()
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return relay


@router.delete("/relays/{username}", status_code=204)
def unflag_relay(db: SessionDep, _: Writer, username: UsernamePath) -> Response:
    relays.unflag_relay(db, username=username)
    db.commit()
    return Response(status_code=204)
