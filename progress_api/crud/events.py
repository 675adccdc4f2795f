"""The event log and the data version (bumped in the same transaction as every write analytics depend on)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.crud.scope import WorkScope
from progress_api.models.common import table_of, utcnow
from progress_api.models.events import DataVersion, Event
from progress_api.models.people import User


def bump_version(db: Session) -> None:
    """Invalidate cached analytics: cache keys include this counter."""
    db.execute(update(DataVersion).where(col(DataVersion.id) == 1).values(version=col(DataVersion.version) + 1))


def current_version(db: Session) -> int:
    return int(db.execute(select(col(DataVersion.version)).where(col(DataVersion.id) == 1)).scalar_one_or_none() or 0)


def log_events(db: Session, *, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert of events: dicts with user_id, verb, object_type, object_id, result, at (optional)."""
    if not rows:
        return
    now = utcnow()
    db.execute(insert(table_of(Event)), [{"at": now, "result": None, **r} for r in rows])


def list_events(
    db: Session,
    *,
    limit: int,
    offset: int,
    user_ids: set[int] | None = None,
    verb: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    learner: str | None = None,
    scope: WorkScope | None = None,
) -> tuple[int, list[tuple[Event, str | None]]]:
    from sqlalchemy import func

    stmt = select(Event, col(User.username)).join(User, col(User.id) == col(Event.user_id), isouter=True)
    if user_ids is not None:
        stmt = stmt.where(col(Event.user_id).in_(user_ids))
    if scope is not None:
        stmt = stmt.where(scope.events())
    if verb:
        stmt = stmt.where(col(Event.verb) == verb)
    if since:
        stmt = stmt.where(col(Event.at) >= since)
    if until:
        stmt = stmt.where(col(Event.at) < until)
    if learner:
        stmt = stmt.where(col(User.username) == learner)
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(col(Event.id)).limit(limit).offset(offset)).all()
    return total, [(e, u) for e, u in rows]
