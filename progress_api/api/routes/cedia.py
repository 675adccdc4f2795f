"""CEDIA pipeline API: projects, stage moves, governance checklist, history, team, milestones, blockers, KPIs.

CEDIA staff and admins edit; trainers read (they follow the learners who work on these projects). Access goes
through the service's single permission dependency, `authorize`, like every other route.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from progress_api.api.deps import POLICY, Access, PageDep, SessionDep, authorize
from progress_api.api.pagination import Page, page
from progress_api.crud import cedia as crud
from progress_api.crud import cedia_team as team
from progress_api.models.cedia import (
    BlockerCreate,
    BlockerPublic,
    BlockerUpdate,
    ChecklistData,
    ChecklistUpdate,
    CoachAssign,
    EventPublic,
    MemberCreate,
    MemberPublic,
    MilestoneCreate,
    MilestonePublic,
    MilestoneUpdate,
    ProjectCreate,
    ProjectDetail,
    ProjectPublic,
    ProjectUpdate,
    StageMove,
)
from progress_api.models.common import Role
from progress_api.services.cedia_portfolio import PortfolioKpis, portfolio_kpis
from progress_api.services.cedia_rules import Stage, UseCase

# The CEDIA permissions join the one policy table, so `authorize` (and the role × endpoint matrix) covers them.
POLICY.setdefault("cedia:read", frozenset({Role.trainer, Role.cedia, Role.admin}))
POLICY.setdefault("cedia:write", frozenset({Role.cedia, Role.admin}))

router = APIRouter(prefix="/cedia", tags=["cedia"])

Reader = Annotated[Access, Depends(authorize("cedia:read"))]
Writer = Annotated[Access, Depends(authorize("cedia:write"))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]  # beyond int32 would overflow some databases


def _detail(db: SessionDep, project_id: int) -> ProjectDetail:
    project = crud.get_project(db, project_id=project_id)
    [summary] = crud.public(db, projects=[project])
    _, events = crud.history(db, project_id=project_id, limit=200, offset=0)
    return ProjectDetail(
        **summary.model_dump(),
        milestones=[
            MilestonePublic.model_validate(m, from_attributes=True) for m in team.milestones(db, project_id=project_id)
        ],
        blockers=[
            BlockerPublic.model_validate(b, from_attributes=True) for b in team.blockers(db, project_id=project_id)
        ],
        members=team.members(db, project_id=project_id),
        history=[EventPublic.model_validate(e, from_attributes=True) for e in events],
    )


@router.get("/projects", response_model=Page[ProjectPublic])
def list_projects(
    db: SessionDep,
    _: Reader,
    paging: PageDep,
    stage: Stage | None = None,
    unit: Annotated[str | None, Query(max_length=200)] = None,
    use_case: UseCase | None = None,
    coach: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Texte cherché dans l'intitulé.")] = None,
) -> Page[ProjectPublic]:
    total, rows = crud.list_projects(
        db, limit=paging.limit, offset=paging.offset, stage=stage, unit=unit, use_case=use_case, coach=coach, q=q
    )
    return page(crud.public(db, projects=rows), total=total, params=paging)


@router.post("/projects", response_model=ProjectDetail, status_code=status.HTTP_201_CREATED)
def create_project(db: SessionDep, access: Writer, data: ProjectCreate) -> ProjectDetail:
    project = crud.create_project(db, data=data, actor=access.principal.username)
    db.commit()
    assert project.id is not None
    return _detail(db, project.id)


@router.get("/projects/{project_id}", response_model=ProjectDetail)
def get_project(db: SessionDep, _: Reader, project_id: Id) -> ProjectDetail:
    return _detail(db, project_id)


@router.patch("/projects/{project_id}", response_model=ProjectDetail)
def update_project(db: SessionDep, access: Writer, project_id: Id, data: ProjectUpdate) -> ProjectDetail:
    project = crud.get_project(db, project_id=project_id)
    crud.update_project(db, project=project, data=data, actor=access.principal.username)
    db.commit()
    return _detail(db, project_id)


@router.post("/projects/{project_id}/transitions", response_model=ProjectDetail)
def move_project(db: SessionDep, access: Writer, project_id: Id, move: StageMove) -> ProjectDetail:
    """Move to another stage: no skipping, a reason to go back/pause/abandon, the governance gate before delivery."""
    project = crud.get_project(db, project_id=project_id)
    crud.move_stage(db, project=project, move=move, actor=access.principal.username)
    db.commit()
    return _detail(db, project_id)


@router.put("/projects/{project_id}/checklist", response_model=ProjectDetail)
def update_checklist(db: SessionDep, access: Writer, project_id: Id, data: ChecklistUpdate) -> ProjectDetail:
    project = crud.get_project(db, project_id=project_id)
    crud.update_checklist(db, project=project, data=data, actor=access.principal.username)
    db.commit()
    return _detail(db, project_id)


@router.get("/projects/{project_id}/checklist", response_model=ChecklistData)
def get_checklist(db: SessionDep, _: Reader, project_id: Id) -> ChecklistData:
    crud.get_project(db, project_id=project_id)
    return crud.checklist_data(crud.get_checklist(db, project_id=project_id))


@router.get("/projects/{project_id}/history", response_model=Page[EventPublic])
def project_history(db: SessionDep, _: Reader, paging: PageDep, project_id: Id) -> Page[EventPublic]:
    crud.get_project(db, project_id=project_id)
    total, rows = crud.history(db, project_id=project_id, limit=paging.limit, offset=paging.offset)
    return page([EventPublic.model_validate(e, from_attributes=True) for e in rows], total=total, params=paging)


@router.post("/projects/{project_id}/milestones", response_model=MilestonePublic, status_code=201)
def add_milestone(db: SessionDep, access: Writer, project_id: Id, data: MilestoneCreate) -> MilestonePublic:
    project = crud.get_project(db, project_id=project_id)
    row = team.add_milestone(db, project=project, data=data, actor=access.principal.username)
    db.commit()
    return MilestonePublic.model_validate(row, from_attributes=True)


@router.patch("/projects/{project_id}/milestones/{milestone_id}", response_model=MilestonePublic)
def update_milestone(
    db: SessionDep, access: Writer, project_id: Id, milestone_id: Id, data: MilestoneUpdate
) -> MilestonePublic:
    project = crud.get_project(db, project_id=project_id)
    row = team.update_milestone(
        db, project=project, milestone_id=milestone_id, data=data, actor=access.principal.username
    )
    db.commit()
    return MilestonePublic.model_validate(row, from_attributes=True)


@router.post("/projects/{project_id}/blockers", response_model=BlockerPublic, status_code=201)
def add_blocker(db: SessionDep, access: Writer, project_id: Id, data: BlockerCreate) -> BlockerPublic:
    project = crud.get_project(db, project_id=project_id)
    row = team.add_blocker(db, project=project, data=data, actor=access.principal.username)
    db.commit()
    return BlockerPublic.model_validate(row, from_attributes=True)


@router.patch("/projects/{project_id}/blockers/{blocker_id}", response_model=BlockerPublic)
def update_blocker(
    db: SessionDep, access: Writer, project_id: Id, blocker_id: Id, data: BlockerUpdate
) -> BlockerPublic:
    project = crud.get_project(db, project_id=project_id)
    row = team.set_blocker_resolved(
        db, project=project, blocker_id=blocker_id, resolved=data.resolved, actor=access.principal.username
    )
    db.commit()
    return BlockerPublic.model_validate(row, from_attributes=True)


@router.post("/projects/{project_id}/members", response_model=MemberPublic, status_code=201)
def add_member(db: SessionDep, access: Writer, project_id: Id, data: MemberCreate) -> MemberPublic:
    project = crud.get_project(db, project_id=project_id)
    row = team.add_member(db, project=project, data=data, actor=access.principal.username)
    db.commit()
    return next(m for m in team.members(db, project_id=project_id) if m.id == row.id)


@router.delete("/projects/{project_id}/members/{member_id}", status_code=204)
def remove_member(db: SessionDep, access: Writer, project_id: Id, member_id: int) -> Response:
    project = crud.get_project(db, project_id=project_id)
    team.remove_member(db, project=project, member_id=member_id, actor=access.principal.username)
    db.commit()
    return Response(status_code=204)


@router.post("/projects/{project_id}/coaches", response_model=ProjectDetail)
def assign_coach(db: SessionDep, access: Writer, project_id: Id, data: CoachAssign) -> ProjectDetail:
    project = crud.get_project(db, project_id=project_id)
    team.assign_coach(db, project=project, data=data, actor=access.principal.username)
    db.commit()
    return _detail(db, project_id)


@router.get("/coaches", response_model=list[str])
def list_coaches(db: SessionDep, _: Reader) -> list[str]:
    return team.all_coaches(db)


@router.get("/kpis", response_model=PortfolioKpis)
def kpis(db: SessionDep, _: Reader) -> PortfolioKpis:
    """Funnel, median days per stage, throughput per quarter, projects per unit, data relays vs ×3, learners."""
    return portfolio_kpis(db)
