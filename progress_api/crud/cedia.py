"""CEDIA projects: create (with coaches, team and milestones), list, edit, move between stages, governance
checklist, archive and restore.

Every change goes through `cedia_versions` (conditional UPDATE on the project's version, a history entry per
change). Functions flush; the caller commits, so a multi-row write (a project with its team and milestones) is one
transaction: an error or a kill midway leaves the database as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.errors import ApiError, conflict, not_found
from progress_api.crud import cedia_plan as plan
from progress_api.crud import cedia_team as team
from progress_api.crud.cedia_search import matching_ids
from progress_api.crud.cedia_versions import commit_change, ensure_active, record, stale_version
from progress_api.models.cedia import (
    CediaChecklist,
    CediaCoach,
    CediaEvent,
    CediaProject,
    CediaProjectCoach,
    ChecklistData,
    ChecklistUpdate,
    MissingItem,
    ProjectCreate,
    ProjectPublic,
    ProjectUpdate,
    StageMove,
    VersionOnly,
)
from progress_api.models.common import utcnow
from progress_api.services.cedia_rules import STAGE_LABELS, Stage, TransitionRefused, UseCase, check_transition
from progress_api.services.cedia_rules import missing_for_delivery as gate

EDITABLE_FIELDS = ("title", "unit", "sponsor", "description", "use_case", "expected_value")
CHECKLIST_FIELDS = tuple(ChecklistData.model_fields)


def get_project(db: Session, *, project_id: int) -> CediaProject:
    project = db.get(CediaProject, project_id)
    if project is None:
        raise not_found("Projet", project_id)
    return project


def get_checklist(db: Session, *, project_id: int) -> CediaChecklist:
    row = db.get(CediaChecklist, project_id)
    return row if row is not None else CediaChecklist(project_id=project_id)


def create_project(db: Session, *, data: ProjectCreate, actor: str) -> CediaProject:
    """The project at version 1 in `intake`, with its checklist, coaches, team and milestones (all or nothing)."""
    seen: set[tuple[str, str]] = set()
    for member in data.members:  # refused before anything is written, with the culprit named
        key = (member.display_name, member.role.value)
        if key in seen:
            raise conflict(f"{member.display_name} figure deux fois dans l'équipe avec le même rôle.")
        seen.add(key)
    project = CediaProject(**data.model_dump(exclude={"coaches", "members", "milestones"}), created_by=actor)
    db.add(project)
    db.flush()
    assert project.id is not None
    db.add(CediaChecklist(project_id=project.id))
    record(db, project_id=project.id, actor=actor, kind="created", to_value=Stage.intake.value, comment=data.title)
    for name in dict.fromkeys(data.coaches):
        coach = team.coach_by_name(db, name=name)
        db.add(CediaProjectCoach(project_id=project.id, coach_id=coach.id))  # type: ignore[arg-type]
        record(db, project_id=project.id, actor=actor, kind="coach", field="added", to_value=coach.name)
    for member in data.members:
        team.insert_member(db, project=project, data=member, actor=actor)
    for milestone in data.milestones:
        plan.insert_milestone(db, project=project, data=milestone, actor=actor)
    db.flush()
    return project


def filtered_projects(
    *,
    stage: Stage | None = None,
    unit: str | None = None,
    use_case: str | None = None,
    coach: str | None = None,
    ids: Sequence[int] | None = None,
    archived: bool = False,
) -> Any:
    """The SELECT of projects matching the board's filters (shared by the API list and the board).

    `ids` restricts to those projects (a text search's matches); archived projects are left out unless `archived`
    asks for them (then only them).
    """
    stmt = select(CediaProject).where(
        col(CediaProject.archived_at).is_not(None) if archived else col(CediaProject.archived_at).is_(None)
    )
    if stage is not None:
        stmt = stmt.where(col(CediaProject.stage) == stage.value)
    if unit:
        stmt = stmt.where(col(CediaProject.unit) == unit)
    if use_case:
        stmt = stmt.where(col(CediaProject.use_case) == use_case)
    if coach:
        stmt = stmt.where(
            col(CediaProject.id).in_(
                select(col(CediaProjectCoach.project_id))
                .join(CediaCoach, col(CediaCoach.id) == col(CediaProjectCoach.coach_id))
                .where(col(CediaCoach.name) == coach)
            )
        )
    if ids is not None:
        stmt = stmt.where(col(CediaProject.id).in_(ids))
    return stmt


def list_projects(
    db: Session, *, limit: int, offset: int, q: str | None = None, **filters: Any
) -> tuple[int, list[CediaProject]]:
    """A page of projects (most recently changed first); `q` searches titles, ignoring case and accents."""
    if q and q.strip():
        filters["ids"] = matching_ids(db, id_column=col(CediaProject.id), text_column=col(CediaProject.title), q=q)
    stmt = filtered_projects(**filters)
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(
        stmt.order_by(col(CediaProject.updated_at).desc(), col(CediaProject.id)).limit(limit).offset(offset)
    )
    return total, list(rows.scalars().all())


def coaches_of(db: Session, *, project_ids: Sequence[int]) -> dict[int, list[str]]:
    """Coach names per project, in one query."""
    out: dict[int, list[str]] = defaultdict(list)
    if project_ids:
        rows = db.execute(
            select(col(CediaProjectCoach.project_id), col(CediaCoach.name))
            .join(CediaCoach, col(CediaCoach.id) == col(CediaProjectCoach.coach_id))
            .where(col(CediaProjectCoach.project_id).in_(project_ids))
            .order_by(col(CediaCoach.name))
        )
        for project_id, name in rows:
            out[project_id].append(name)
    return out


def checklists_of(db: Session, *, project_ids: Sequence[int]) -> dict[int, CediaChecklist]:
    """Checklist per project, in one query (a blank one where none was saved)."""
    found = (
        {
            row.project_id: row
            for row in db.execute(
                select(CediaChecklist).where(col(CediaChecklist.project_id).in_(project_ids))
            ).scalars()
        }
        if project_ids
        else {}
    )
    return {pid: found.get(pid) or CediaChecklist(project_id=pid) for pid in project_ids}


def checklist_data(row: CediaChecklist) -> ChecklistData:
    return ChecklistData(**{name: getattr(row, name) for name in CHECKLIST_FIELDS})


def public(db: Session, *, projects: Sequence[CediaProject]) -> list[ProjectPublic]:
    """API shapes for several projects with a constant number of queries (no N+1)."""
    ids = [p.id for p in projects if p.id is not None]
    coaches = coaches_of(db, project_ids=ids)
    checklists = checklists_of(db, project_ids=ids)
    out = []
    for p in projects:
        assert p.id is not None
        checklist = checklists[p.id]
        out.append(
            ProjectPublic(
                id=p.id,
                title=p.title,
                unit=p.unit,
                sponsor=p.sponsor,
                description=p.description,
                use_case=UseCase(p.use_case),
                expected_value=p.expected_value,
                stage=Stage(p.stage),
                held_from=Stage(p.held_from) if p.held_from else None,
                version=p.version,
                coaches=coaches.get(p.id, []),
                checklist=checklist_data(checklist),
                missing_for_delivery=[MissingItem(code=m.code, message=m.message) for m in gate(checklist)],
                created_by=p.created_by,
                created_at=p.created_at,
                updated_at=p.updated_at,
                archived_at=p.archived_at,
            )
        )
    return out


def update_project(db: Session, *, project: CediaProject, data: ProjectUpdate, actor: str) -> CediaProject:
    """Change the given fields; each changed field gets a history line."""
    assert project.id is not None
    changes = {
        name: value
        for name, value in data.model_dump(exclude_unset=True, include=set(EDITABLE_FIELDS)).items()
        if value is not None and value != getattr(project, name)
    }
    before = {name: getattr(project, name) for name in changes}
    commit_change(db, project=project, seen=data.version, values=changes, changed=bool(changes))
    for name, value in changes.items():
        record(
            db,
            project_id=project.id,
            actor=actor,
            kind="field",
            field=name,
            from_value=str(before[name]),
            to_value=str(value),
            comment=data.comment,
        )
    db.flush()
    return project


def move_stage(db: Session, *, project: CediaProject, move: StageMove, actor: str) -> CediaProject:
    """Apply the pipeline rules, then change the stage (409/422 with the reason and what is missing if refused)."""
    assert project.id is not None
    if project.version != move.version:
        raise stale_version(db, project_id=project.id, seen=move.version, current=project.version)
    ensure_active(project)
    current = Stage(project.stage)
    try:
        kind = check_transition(
            current=current,
            target=move.to_stage,
            reason=move.comment,
            checklist=get_checklist(db, project_id=project.id),
            held_from=Stage(project.held_from) if project.held_from else None,
        )
    except TransitionRefused as refused:
        status = 422 if refused.code == "reason_required" else 409
        details = {"missing": [{"code": m.code, "message": m.message} for m in refused.missing]}
        raise ApiError(status, refused.code, refused.message, details) from None
    held_from = current.value if move.to_stage is Stage.on_hold else None
    commit_change(db, project=project, seen=move.version, values={"stage": move.to_stage.value, "held_from": held_from})
    record(
        db,
        project_id=project.id,
        actor=actor,
        kind="stage",
        field=kind.value,
        from_value=current.value,
        to_value=move.to_stage.value,
        comment=move.comment,
    )
    db.flush()
    return project


def update_checklist(db: Session, *, project: CediaProject, data: ChecklistUpdate, actor: str) -> CediaChecklist:
    """Replace the checklist answers; the history keeps each changed answer, before and after."""
    assert project.id is not None
    row = db.get(CediaChecklist, project.id)
    new = data.model_dump(include=set(CHECKLIST_FIELDS))
    current = row if row is not None else CediaChecklist(project_id=project.id)
    changed = {name: value for name, value in new.items() if value != getattr(current, name)}
    before = {name: getattr(current, name) for name in changed}
    commit_change(db, project=project, seen=data.version, values={}, changed=bool(changed))
    if row is None:  # added only once the version check passed (a refused save leaves nothing in the session)
        row = current
        db.add(row)
    for name, value in changed.items():
        setattr(row, name, value)
        record(
            db,
            project_id=project.id,
            actor=actor,
            kind="checklist",
            field=name,
            from_value=_text(before[name]),
            to_value=_text(value),
            comment=data.comment,
        )
    db.flush()
    return row


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(getattr(value, "value", value))


def history(
    db: Session, *, project_id: int, limit: int, offset: int, kind: str | None = None
) -> tuple[int, list[CediaEvent]]:
    """A project's changes, newest first (`kind` keeps one kind of change)."""
    base = select(CediaEvent).where(col(CediaEvent.project_id) == project_id)
    if kind:
        base = base.where(col(CediaEvent.kind) == kind)
    total = db.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    rows = db.execute(base.order_by(col(CediaEvent.at).desc(), col(CediaEvent.id).desc()).limit(limit).offset(offset))
    return total, list(rows.scalars().all())


def stage_label(value: str | None) -> str:
    return STAGE_LABELS[Stage(value)] if value else "—"


def archive_project(db: Session, *, project: CediaProject, seen: int, actor: str, comment: str = "") -> CediaProject:
    """Withdraw a project from the board, lists and KPIs; its history, team and milestones are kept."""
    assert project.id is not None
    commit_change(db, project=project, seen=seen, values={"archived_at": utcnow()})
    record(db, project_id=project.id, actor=actor, kind="archived", from_value=project.stage, comment=comment)
    db.flush()
    return project


def restore_project(db: Session, *, project: CediaProject, data: VersionOnly, actor: str) -> CediaProject:
    """Bring an archived project back where it was (same stage, same version chain)."""
    assert project.id is not None
    if project.archived_at is None:
        if project.version != data.version:
            raise stale_version(db, project_id=project.id, seen=data.version, current=project.version)
        raise ApiError(409, "not_archived", f"Le projet « {project.title} » n'est pas archivé.")
    commit_change(db, project=project, seen=data.version, values={"archived_at": None}, restoring=True)
    record(db, project_id=project.id, actor=actor, kind="restored", to_value=project.stage, comment=data.comment)
    db.flush()
    return project
