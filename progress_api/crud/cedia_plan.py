"""A CEDIA project's plan: milestones and blockers, listed with filters, added, edited, deleted.

Adding cannot overwrite anyone's edit, so it needs no version; editing or deleting a milestone or blocker needs the
version the client saw of that row (409 otherwise). Every change bumps the project's version and lands in its
history (`cedia_versions`). Functions flush; the caller commits.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.errors import invalid
from progress_api.crud.cedia_versions import child_row, delete_row, ensure_active, record, touch, update_row
from progress_api.models.cedia import (
    BlockerCreate,
    BlockerUpdate,
    CediaBlocker,
    CediaMilestone,
    CediaProject,
    MilestoneCreate,
    MilestoneUpdate,
)
from progress_api.models.common import utcnow

# --- milestones ----------------------------------------------------------------------------------------------


def milestones(db: Session, *, project_id: int) -> list[CediaMilestone]:
    return list_milestones(db, project_id=project_id, limit=None, offset=0)[1]


def list_milestones(
    db: Session,
    *,
    project_id: int,
    limit: int | None,
    offset: int,
    done: bool | None = None,
    due_before: date | None = None,
) -> tuple[int, list[CediaMilestone]]:
    """A project's milestones by due date; `done` keeps reached (True) or open (False) ones only."""
    stmt = select(CediaMilestone).where(col(CediaMilestone.project_id) == project_id)
    if done is not None:
        stmt = stmt.where(col(CediaMilestone.done_on).is_not(None) if done else col(CediaMilestone.done_on).is_(None))
    if due_before is not None:
        stmt = stmt.where(col(CediaMilestone.due_on) <= due_before)
    return _page(db, stmt, (col(CediaMilestone.due_on), col(CediaMilestone.id)), limit, offset)


def _page(db: Session, stmt: Any, order: tuple[Any, ...], limit: int | None, offset: int) -> tuple[int, list[Any]]:
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(*order).limit(limit).offset(offset)).scalars()
    return int(total), list(rows)


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def insert_milestone(db: Session, *, project: CediaProject, data: MilestoneCreate, actor: str) -> CediaMilestone:
    """The row and its history entry, without touching the project's version (creation does it once)."""
    assert project.id is not None
    row = CediaMilestone(project_id=project.id, title=data.title, due_on=data.due_on)
    db.add(row)
    record(db, project_id=project.id, actor=actor, kind="milestone", to_value=f"{data.title} ({data.due_on})")
    return row


def add_milestone(db: Session, *, project: CediaProject, data: MilestoneCreate, actor: str) -> CediaMilestone:
    ensure_active(project)
    row = insert_milestone(db, project=project, data=data, actor=actor)
    touch(db, project=project)
    db.flush()
    return row


def get_milestone(db: Session, *, project: CediaProject, milestone_id: int) -> CediaMilestone:
    return child_row(db, model=CediaMilestone, project=project, row_id=milestone_id, what="Jalon")


def update_milestone(
    db: Session, *, project: CediaProject, milestone_id: int, data: MilestoneUpdate, actor: str
) -> CediaMilestone:
    """Change the given fields of one milestone at version `data.version`; each change gets a history line."""
    row = get_milestone(db, project=project, milestone_id=milestone_id)
    asked = data.model_dump(exclude_unset=True, exclude={"version"})
    if asked.get("title", "") is None or ("due_on" in asked and asked["due_on"] is None):
        raise invalid("Un jalon garde un intitulé et une échéance : `title` et `due_on` ne peuvent être vidés.")
    return _change_milestone(db, project=project, row=row, seen=data.version, values=asked, actor=actor)


def complete_milestone(
    db: Session, *, project: CediaProject, milestone_id: int, actor: str, on: date | None = None
) -> CediaMilestone:
    """Mark a milestone reached (today by default); reaching it twice changes nothing, so no version is needed."""
    row = get_milestone(db, project=project, milestone_id=milestone_id)
    if row.done_on is not None:
        return row
    return _change_milestone(
        db, project=project, row=row, seen=row.version, values={"done_on": on or date.today()}, actor=actor
    )


def _change_milestone(
    db: Session, *, project: CediaProject, row: CediaMilestone, seen: int, values: dict[str, Any], actor: str
) -> CediaMilestone:
    ensure_active(project)
    before = {name: getattr(row, name) for name in values}
    changes = {name: value for name, value in values.items() if value != before[name]}
    update_row(db, model=CediaMilestone, row=row, seen=seen, values=changes, what="milestone")
    if not changes:
        return row
    assert project.id is not None
    for name, value in changes.items():
        old = before[name]
        record(
            db,
            project_id=project.id,
            actor=actor,
            kind="milestone",
            field=name,
            from_value=_date(old) if isinstance(old, date) else old,
            to_value=_date(value) if isinstance(value, date) else value,
            comment=row.title,
        )
    touch(db, project=project)
    db.flush()
    return row


def delete_milestone(db: Session, *, project: CediaProject, milestone_id: int, seen: int, actor: str) -> None:
    ensure_active(project)
    row = get_milestone(db, project=project, milestone_id=milestone_id)
    label = f"{row.title} ({row.due_on})"
    delete_row(db, model=CediaMilestone, row=row, seen=seen, what="milestone")
    assert project.id is not None
    record(db, project_id=project.id, actor=actor, kind="milestone", field="deleted", from_value=label)
    touch(db, project=project)
    db.flush()


# --- blockers ------------------------------------------------------------------------------------------------


def blockers(db: Session, *, project_id: int) -> list[CediaBlocker]:
    return list_blockers(db, project_id=project_id, limit=None, offset=0)[1]


def list_blockers(
    db: Session, *, project_id: int, limit: int | None, offset: int, resolved: bool | None = None
) -> tuple[int, list[CediaBlocker]]:
    """A project's blockers, newest first; `resolved` keeps lifted (True) or open (False) ones only."""
    stmt = select(CediaBlocker).where(col(CediaBlocker.project_id) == project_id)
    if resolved is not None:
        column = col(CediaBlocker.resolved_at)
        stmt = stmt.where(column.is_not(None) if resolved else column.is_(None))
    return _page(db, stmt, (col(CediaBlocker.opened_at).desc(), col(CediaBlocker.id)), limit, offset)


def add_blocker(db: Session, *, project: CediaProject, data: BlockerCreate, actor: str) -> CediaBlocker:
    ensure_active(project)
    assert project.id is not None
    row = CediaBlocker(project_id=project.id, description=data.description, opened_by=actor)
    db.add(row)
    record(db, project_id=project.id, actor=actor, kind="blocker", field="opened", to_value=data.description)
    touch(db, project=project)
    db.flush()
    return row


def get_blocker(db: Session, *, project: CediaProject, blocker_id: int) -> CediaBlocker:
    return child_row(db, model=CediaBlocker, project=project, row_id=blocker_id, what="Blocage")


def update_blocker(
    db: Session, *, project: CediaProject, blocker_id: int, data: BlockerUpdate, actor: str
) -> CediaBlocker:
    """Resolve, reopen or reword one blocker at version `data.version`; each change gets a history line."""
    ensure_active(project)
    assert project.id is not None
    row = get_blocker(db, project=project, blocker_id=blocker_id)
    values: dict[str, Any] = {}
    events: list[dict[str, Any]] = []
    if data.description is not None and data.description != row.description:
        values["description"] = data.description
        events.append({"field": "description", "from_value": row.description, "to_value": data.description})
    if data.resolved is not None and (row.resolved_at is not None) != data.resolved:
        values["resolved_at"] = utcnow() if data.resolved else None
        verb = "resolved" if data.resolved else "reopened"
        events.append({"field": verb, "to_value": data.description or row.description})
    update_row(db, model=CediaBlocker, row=row, seen=data.version, values=values, what="blocker")
    if not values:
        return row
    for event in events:
        record(db, project_id=project.id, actor=actor, kind="blocker", **event)
    touch(db, project=project)
    db.flush()
    return row


def set_blocker_resolved(
    db: Session, *, project: CediaProject, blocker_id: int, resolved: bool, actor: str
) -> CediaBlocker:
    """Resolve or reopen from the project page (setting a state twice changes nothing, so no version is needed)."""
    row = get_blocker(db, project=project, blocker_id=blocker_id)
    if (row.resolved_at is not None) == resolved:
        ensure_active(project)
        return row
    data = BlockerUpdate(version=row.version, resolved=resolved)
    return update_blocker(db, project=project, blocker_id=blocker_id, data=data, actor=actor)


def delete_blocker(db: Session, *, project: CediaProject, blocker_id: int, seen: int, actor: str) -> None:
    ensure_active(project)
    assert project.id is not None
    row = get_blocker(db, project=project, blocker_id=blocker_id)
    description = row.description
    delete_row(db, model=CediaBlocker, row=row, seen=seen, what="blocker")
    record(db, project_id=project.id, actor=actor, kind="blocker", field="deleted", from_value=description)
    touch(db, project=project)
    db.flush()
