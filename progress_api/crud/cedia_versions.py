"""Optimistic concurrency and history of CEDIA projects, shared by every CEDIA write.

A project's `version` covers the whole project (fields, stage, checklist, milestones, blockers, team, coaches): any
change bumps it and its `updated_at`, so a form opened before someone else's change gets a 409 instead of silently
undoing it. Milestones and blockers also carry their own `version`, so editing one needs only that row's version.
Every bump is a conditional or atomic UPDATE (`WHERE version = :seen`, `SET version = version + 1`): two writers
cannot both win, whatever the interleaving, on SQLite and PostgreSQL. Every change also writes a `CediaEvent` (who,
when, what, from, to, comment). Functions flush; the caller commits.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col

from progress_api.core.errors import ApiError, not_found
from progress_api.models.cedia import CediaEvent, CediaProject
from progress_api.models.common import utcnow

T = TypeVar("T", bound=SQLModel)

# What the French messages call each versioned thing.
WHAT = {"project": "Ce projet", "milestone": "Ce jalon", "blocker": "Ce blocage"}


def record(
    db: Session,
    *,
    project_id: int,
    actor: str,
    kind: str,
    field: str | None = None,
    from_value: str | None = None,
    to_value: str | None = None,
    comment: str = "",
) -> None:
    """One history entry of a project."""
    db.add(
        CediaEvent(
            project_id=project_id,
            actor=actor,
            kind=kind,
            field=field,
            from_value=from_value,
            to_value=to_value,
            comment=comment,
        )
    )


def stale_version(db: Session, *, project_id: int, seen: int, current: int | None, what: str = "project") -> ApiError:
    """409 saying who last changed the project since the caller read it, and what to do."""
    last = db.execute(
        select(col(CediaEvent.actor), col(CediaEvent.at))
        .where(col(CediaEvent.project_id) == project_id)
        .order_by(col(CediaEvent.id).desc())
        .limit(1)
    ).first()
    who = f" par {last.actor} ({last.at:%d/%m/%Y %H:%M} UTC)" if last else ""
    now = f"il en est à la version {current}" if current is not None else "il a été supprimé depuis"
    return ApiError(
        409,
        "stale_version",
        f"{WHAT[what]} a été modifié entre-temps{who} : vous partiez de la version {seen}, {now}. "
        "Rechargez la page pour voir ces changements puis refaites votre modification ; rien n'a été enregistré.",
        {"your_version": seen, "current_version": current, "last_change_by": last.actor if last else None},
    )


def child_row(db: Session, *, model: type[T], project: CediaProject, row_id: int, what: str) -> T:
    """A milestone, blocker or member of this project; another project's id is a 404 like a missing one."""
    row = db.get(model, row_id)
    if row is None or getattr(row, "project_id", None) != project.id:
        raise not_found(what, row_id)
    return row


def _project_version(db: Session, project_id: int) -> int | None:
    return db.execute(select(col(CediaProject.version)).where(col(CediaProject.id) == project_id)).scalar_one_or_none()


def ensure_active(project: CediaProject) -> None:
    """An archived project is read-only until restored."""
    if project.archived_at is not None:
        raise ApiError(
            409,
            "archived",
            f"Le projet « {project.title} » est archivé : restaurez-le avant de le modifier ; rien n'a été enregistré.",
        )


def commit_change(
    db: Session,
    *,
    project: CediaProject,
    seen: int,
    values: dict[str, Any],
    changed: bool = True,
    restoring: bool = False,
) -> None:
    """Apply `values` and bump the version only if the row is still at version `seen`; else 409.

    With nothing changed, only the version is checked (re-saving an unchanged form does not bump it). An archived
    project is refused unless this change is the one `restoring` it.
    """
    assert project.id is not None
    if project.version != seen:
        raise stale_version(db, project_id=project.id, seen=seen, current=project.version)
    if not restoring:
        ensure_active(project)
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
        raise stale_version(db, project_id=project.id, seen=seen, current=_project_version(db, project.id))
    db.refresh(project)


def touch(db: Session, *, project: CediaProject) -> None:
    """Bump the project's version and `updated_at` for a change of one of its lists (atomic increment)."""
    assert project.id is not None
    ensure_active(project)
    db.execute(
        update(CediaProject)
        .where(col(CediaProject.id) == project.id)
        .values(version=col(CediaProject.version) + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.refresh(project)


def update_row(db: Session, *, model: type[SQLModel], row: Any, seen: int, values: dict[str, Any], what: str) -> None:
    """Apply `values` to a versioned child row only if it is still at version `seen`; else 409 (nothing written).

    With no values, only the version is checked (an unchanged save does not bump it; a stale one is still stale).
    """
    if row.version != seen:
        raise stale_version(db, project_id=row.project_id, seen=seen, current=row.version, what=what)
    if not values:
        return
    table: Any = model
    result = db.execute(
        update(table)
        .where(table.id == row.id, table.version == seen)
        .values(**values, version=seen + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        project_id = row.project_id
        db.rollback()
        current = db.execute(select(table.version).where(table.id == row.id)).scalar_one_or_none()
        raise stale_version(db, project_id=project_id, seen=seen, current=current, what=what)
    db.refresh(row)


def delete_row(db: Session, *, model: type[SQLModel], row: Any, seen: int, what: str) -> None:
    """Delete a versioned child row only if it is still at version `seen` (deleting what you did not see: 409)."""
    if row.version != seen:
        raise stale_version(db, project_id=row.project_id, seen=seen, current=row.version, what=what)
    table: Any = model
    project_id, row_id = row.project_id, row.id
    result = db.execute(
        delete(table).where(table.id == row_id, table.version == seen).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.rollback()
        current = db.execute(select(table.version).where(table.id == row_id)).scalar_one_or_none()
        raise stale_version(db, project_id=project_id, seen=seen, current=current, what=what)
    db.expunge(row)
