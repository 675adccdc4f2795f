"""CEDIA pipeline API: projects (create, list, edit, archive, restore), stage moves, governance checklist, history,
KPIs. The project's plan and people (milestones, blockers, team, coaches, data relays) are in `cedia_team.py`.

CEDIA staff and admins edit; trainers read (they follow the learners who work on these projects). Access goes
through the service's single permission dependency, `authorize`, like every other route.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from progress_api.api.deps import PageDep, SessionDep
from progress_api.api.pagination import Page, page
from progress_api.api.routes.cedia_common import Id, Reader, VersionQuery, Writer, project_detail
from progress_api.crud import cedia as crud
from progress_api.models.cedia import (
    ChecklistData,
    ChecklistUpdate,
    Comment,
    HistoryEntry,
    ProjectCreate,
    ProjectDetail,
    ProjectPublic,
    ProjectUpdate,
    StageMove,
    VersionOnly,
)
from progress_api.services.cedia_portfolio import PortfolioKpis, portfolio_kpis
from progress_api.services.cedia_rules import Stage, UseCase

router = APIRouter(prefix="/cedia", tags=["cedia"])


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
    archived: Annotated[bool, Query(description="true : les projets archivés (seulement eux).")] = False,
) -> Page[ProjectPublic]:
    total, rows = crud.list_projects(
        db,
        limit=paging.limit,
        offset=paging.offset,
        stage=stage,
        unit=unit,
        use_case=use_case,
        coach=coach,
        q=q,
        archived=archived,
    )
    return page(crud.public(db, projects=rows), total=total, params=paging)


@router.post("/projects", response_model=ProjectDetail, status_code=status.HTTP_201_CREATED)
def create_project(db: SessionDep, access: Writer, data: ProjectCreate) -> ProjectDetail:
    """A project in `intake`, with its coaches, team and milestones if given: written together or not at all."""
    project = crud.create_project(db, data=data, actor=access.principal.username)
    db.commit()
    assert project.id is not None
    return project_detail(db, project.id)


@router.get("/projects/{project_id}", response_model=ProjectDetail)
def get_project(db: SessionDep, _: Reader, project_id: Id) -> ProjectDetail:
    return project_detail(db, project_id)


@router.patch("/projects/{project_id}", response_model=ProjectDetail)
def update_project(db: SessionDep, access: Writer, project_id: Id, data: ProjectUpdate) -> ProjectDetail:
    project = crud.get_project(db, project_id=project_id)
    crud.update_project(db, project=project, data=data, actor=access.principal.username)
    db.commit()
    return project_detail(db, project_id)


@router.delete("/projects/{project_id}", response_model=ProjectDetail)
def archive_project(
    db: SessionDep,
    access: Writer,
    project_id: Id,
    version: VersionQuery,
    comment: Annotated[Comment, Query(description="Pourquoi l'archiver (gardé dans l'historique).")] = "",
) -> ProjectDetail:
    """Archive: off the board, lists and KPIs, history kept; `POST …/restore` brings it back."""
    project = crud.get_project(db, project_id=project_id)
    crud.archive_project(db, project=project, seen=version, actor=access.principal.username, comment=comment)
    db.commit()
    return project_detail(db, project_id)


@router.post("/projects/{project_id}/restore", response_model=ProjectDetail)
def restore_project(db: SessionDep, access: Writer, project_id: Id, data: VersionOnly) -> ProjectDetail:
    project = crud.get_project(db, project_id=project_id)
    crud.restore_project(db, project=project, data=data, actor=access.principal.username)
    db.commit()
    return project_detail(db, project_id)


@router.post("/projects/{project_id}/transitions", response_model=ProjectDetail)
def move_project(db: SessionDep, access: Writer, project_id: Id, move: StageMove) -> ProjectDetail:
    """Move to another stage: no skipping, a reason to go back/pause/abandon, the governance gate before delivery."""
    project = crud.get_project(db, project_id=project_id)
    crud.move_stage(db, project=project, move=move, actor=access.principal.username)
    db.commit()
    return project_detail(db, project_id)


@router.put("/projects/{project_id}/checklist", response_model=ProjectDetail)
def update_checklist(db: SessionDep, access: Writer, project_id: Id, data: ChecklistUpdate) -> ProjectDetail:
    project = crud.get_project(db, project_id=project_id)
    crud.update_checklist(db, project=project, data=data, actor=access.principal.username)
    db.commit()
    return project_detail(db, project_id)


@router.get("/projects/{project_id}/checklist", response_model=ChecklistData)
def get_checklist(db: SessionDep, _: Reader, project_id: Id) -> ChecklistData:
    crud.get_project(db, project_id=project_id)
    return crud.checklist_data(crud.get_checklist(db, project_id=project_id))


@router.get("/projects/{project_id}/history", response_model=Page[HistoryEntry])
def project_history(
    db: SessionDep,
    _: Reader,
    paging: PageDep,
    project_id: Id,
    kind: Annotated[str | None, Query(max_length=20, description="stage, field, checklist, milestone…")] = None,
) -> Page[HistoryEntry]:
    """Every change of the project (who, when, what, from, to, comment), newest first."""
    crud.get_project(db, project_id=project_id)
    total, rows = crud.history(db, project_id=project_id, limit=paging.limit, offset=paging.offset, kind=kind)
    return page([HistoryEntry.model_validate(e, from_attributes=True) for e in rows], total=total, params=paging)


@router.get("/kpis", response_model=PortfolioKpis)
def kpis(db: SessionDep, _: Reader) -> PortfolioKpis:
    """Funnel, median days per stage, throughput per quarter, projects per unit, data relays vs ×3, learners."""
    return portfolio_kpis(db)
