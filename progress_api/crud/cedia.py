"""CEDIA projects: create, list, edit with optimistic concurrency, move between stages, governance checklist.

Every change goes through `_commit_change`, which bumps `version` with a conditional UPDATE (`WHERE version =
:seen`): two people editing the same version cannot both win, whatever the interleaving, on SQLite and PostgreSQL.
Every change also writes `CediaEvent` rows (the history). Functions flush; the caller commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.errors import ApiError, not_found
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
)
from progress_api.models.common import utcnow
from progress_api.services.cedia_rules import STAGE_LABELS, Stage, TransitionRefused, UseCase, check_transition
from progress_api.services.cedia_rules import missing_for_delivery as gate

EDITABLE_FIELDS = ("title", "unit", "sponsor", "description", "use_case", "expected_value")
CHECKLIST_FIELDS = tuple(ChecklistData.model_fields)


def stale_version(db: Session, *, project_id: int, seen: int) -> ApiError:
    """409 saying who changed the project since the caller read it, and what to do."""
    current = db.execute(select(col(CediaProject.version)).where(col(CediaProject.id) == project_id)).scalar_one()
    last = db.execute(
        select(col(CediaEvent.actor), col(CediaEvent.at))
        .where(col(CediaEvent.project_id) == project_id)
        .order_by(col(CediaEvent.id).desc())
        .limit(1)
    ).first()
    who = f" par {last.actor} ({last.at:%d/%m/%Y %H:%M} UTC)" if last else ""
    return ApiError(
        409,
        "stale_version",
        f"Ce projet a été modifié entre-temps{who} : vous partiez de la version {seen}, il en est à la version "
        f"{current}. Rechargez la page pour voir ces changements puis refaites votre modification ; rien n'a été "
        "enregistré.",
        {"your_version": seen, "current_version": current, "last_change_by": last.actor if last else None},
    )


def _commit_change(
    db: Session, *, project: CediaProject, seen: int, values: dict[str, Any], changed: bool = True
) -> None:
    """Apply `values` and bump the version only if the row is still at version `seen`; else 409.

    With nothing changed, only the version is checked (re-saving an unchanged form does not bump it).
    """
    assert project.id is not None
    if project.version != seen:
        raise stale_version(db, project_id=project.id, seen=seen)
    if not changed:
        return
    result = db.execute(
        update(CediaProject)
        .where(col(CediaProject.id) == project.id, col(CediaProject.version) == seen)
        .values(**values, version=seen + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.rollback()
        raise stale_version(db, project_id=project.id, seen=seen)
    db.refresh(project)


def _event(db: Session, *, project_id: int, actor: str, kind: str, comment: str = "", **values: Any) -> None:
    db.add(CediaEvent(project_id=project_id, actor=actor, kind=kind, comment=comment, **values))


def get_project(db: Session, *, project_id: int) -> CediaProject:
    project = db.get(CediaProject, project_id)
    if project is None:
        raise not_found("Projet", project_id)
    return project


def get_checklist(db: Session, *, project_id: int) -> CediaChecklist:
    row = db.get(CediaChecklist, project_id)
    return row if row is not None else CediaChecklist(project_id=project_id)


def coach_by_name(db: Session, *, name: str, username: str | None = None) -> CediaCoach:
    coach = db.execute(select(CediaCoach).where(col(CediaCoach.name) == name)).scalars().first()
    if coach is None:
        coach = CediaCoach(name=name, username=username)
        db.add(coach)
        db.flush()
    return coach


def create_project(db: Session, *, data: ProjectCreate, actor: str) -> CediaProject:
    project = CediaProject(**data.model_dump(exclude={"coaches"}), created_by=actor)
    db.add(project)
    db.flush()
    assert project.id is not None
    db.add(CediaChecklist(project_id=project.id))
    for name in dict.fromkeys(data.coaches):
        coach = coach_by_name(db, name=name)
        db.add(CediaProjectCoach(project_id=project.id, coach_id=coach.id))  # type: ignore[arg-type]
    _event(db, project_id=project.id, actor=actor, kind="created", to_value=Stage.intake.value, comment=data.title)
    db.flush()
    return project


def filtered_projects(
    *,
    stage: Stage | None = None,
    unit: str | None = None,
    use_case: str | None = None,
    coach: str | None = None,
    q: str | None = None,
) -> Any:
    """The SELECT of projects matching the board's filters (shared by the API list and the board)."""
    stmt = select(CediaProject)
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
    if q:
        stmt = stmt.where(func.lower(col(CediaProject.title)).like(f"%{q.lower()}%"))
    return stmt


def list_projects(db: Session, *, limit: int, offset: int, **filters: Any) -> tuple[int, list[CediaProject]]:
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
    _commit_change(db, project=project, seen=data.version, values=changes, changed=bool(changes))
    for name, value in changes.items():
        _event(
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
        raise stale_version(db, project_id=project.id, seen=move.version)
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
    _commit_change(
        db, project=project, seen=move.version, values={"stage": move.to_stage.value, "held_from": held_from}
    )
    _event(
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
    if row is None:
        row = CediaChecklist(project_id=project.id)
        db.add(row)
    new = data.model_dump(include=set(CHECKLIST_FIELDS))
    changed = {name: value for name, value in new.items() if value != getattr(row, name)}
    before = {name: getattr(row, name) for name in changed}
    _commit_change(db, project=project, seen=data.version, values={}, changed=bool(changed))
    for name, value in changed.items():
        setattr(row, name, value)
        _event(
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


def history(db: Session, *, project_id: int, limit: int, offset: int) -> tuple[int, list[CediaEvent]]:
    """A project's changes, newest first."""
    base = select(CediaEvent).where(col(CediaEvent.project_id) == project_id)
    total = db.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    rows = db.execute(base.order_by(col(CediaEvent.at).desc(), col(CediaEvent.id).desc()).limit(limit).offset(offset))
    return total, list(rows.scalars().all())


def stage_label(value: str | None) -> str:
    return STAGE_LABELS[Stage(value)] if value else "—"
