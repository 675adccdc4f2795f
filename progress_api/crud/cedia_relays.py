"""Data relays flagged in the roster: academy learners designated as their unit's data relay, whether or not
they are on a CEDIA project yet. The relays KPI counts them with the projects' data-relay members (once each).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.errors import invalid, not_found
from progress_api.models.cedia import CediaRelay, RelayFlag, RelayPublic
from progress_api.models.people import User


def _user(db: Session, *, username: str) -> User:
    user = db.execute(select(User).where(col(User.username) == username)).scalars().first()
    if user is None:
        raise not_found("Personne de l'académie", username)
    return user


def _public(relay: CediaRelay, user: User) -> RelayPublic:
    return RelayPublic(
        username=user.username,
        display_name=user.display_name,
        unit=relay.unit,
        since=relay.since,
        note=relay.note,
        designated_by=relay.designated_by,
        created_at=relay.created_at,
    )


def flag_relay(db: Session, *, username: str, data: RelayFlag, actor: str) -> tuple[RelayPublic, bool]:
    """Flag (or re-flag with new details) a learner as a data relay; True when the flag is new. Idempotent."""
    user = _user(db, username=username)
    unit = data.unit or user.business_unit
    if not unit:
        raise invalid(
            f"{user.display_name or user.username} n'a pas de direction dans l'annuaire : précisez `unit`.",
            {"field": "unit"},
        )
    relay = db.execute(select(CediaRelay).where(col(CediaRelay.user_id) == user.id)).scalars().first()
    created = relay is None
    if relay is None:
        assert user.id is not None
        relay = CediaRelay(user_id=user.id, unit=unit, designated_by=actor)
        db.add(relay)
    relay.unit, relay.since, relay.note = unit, data.since, data.note
    db.flush()
    return _public(relay, user), created


def unflag_relay(db: Session, *, username: str) -> None:
    user = _user(db, username=username)
    relay = db.execute(select(CediaRelay).where(col(CediaRelay.user_id) == user.id)).scalars().first()
    if relay is None:
        raise not_found("Relais data", username)
    db.delete(relay)
    db.flush()


def list_relays(db: Session, *, limit: int, offset: int, unit: str | None = None) -> tuple[int, list[RelayPublic]]:
    """Flagged relays by unit then username."""
    stmt = select(CediaRelay, User).join(User, col(User.id) == col(CediaRelay.user_id))
    if unit:
        stmt = stmt.where(col(CediaRelay.unit) == unit)
    total = int(db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
    rows = db.execute(stmt.order_by(col(CediaRelay.unit), col(User.username)).limit(limit).offset(offset)).all()
    return total, [_public(relay, user) for relay, user in rows]


def roster_relays(db: Session) -> list[tuple[str, str]]:
    """(username, unit) of every flagged relay, for the KPIs."""
    rows = db.execute(
        select(col(User.username), col(CediaRelay.unit)).join(User, col(User.id) == col(CediaRelay.user_id))
    )
    return [(username, unit) for username, unit in rows]
