"""The event log and the data versions (bumped in the same transaction as every write analytics depend on).

Two levels: `bump_version` invalidates every cached analysis (catalogue, people, cohort settings);
`bump_scopes` only those of some learners and cohorts (grades, overrides, self-checks, releases, enrolments), so a
self-check in cohort A does not flush cohort B's cached gradebook. See `services/cache.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.crud.scope import WorkScope
from progress_api.models.common import table_of, utcnow
from progress_api.models.events import DataVersion, Event, ScopeVersion
from progress_api.models.people import Cohort, Enrolment, User


def bump_version(db: Session) -> None:
    """Invalidate every cached analysis (a write they may all depend on: catalogue, people, cohort settings)."""
    db.execute(update(DataVersion).where(col(DataVersion.id) == 1).values(version=col(DataVersion.version) + 1))
    _bump(db, [("all", 0)])


def bump_scopes(db: Session, *, user_ids: Iterable[int] = (), cohort_ids: Iterable[int] = ()) -> None:
    """Invalidate what these learners' records feed: their own progress and the analytics of every cohort they
    are enrolled in (plus `cohort_ids`), leaving the other cohorts' caches valid."""
    users = sorted(set(user_ids))
    cohorts = set(cohort_ids)
    for part in _chunks(users):
        cohorts.update(db.execute(select(col(Enrolment.cohort_id)).where(col(Enrolment.user_id).in_(part))).scalars())
    db.execute(update(DataVersion).where(col(DataVersion.id) == 1).values(version=col(DataVersion.version) + 1))
    _bump(db, [("cohort", c) for c in sorted(cohorts)] + [("user", u) for u in users])


def _bump(db: Session, keys: list[tuple[str, int]]) -> None:
    """+1 on each (kind, ref) counter, created at 1; sorted, so concurrent writers lock rows in the same order."""
    if not keys:
        return
    conn = db.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    # The same upsert text is valid on SQLite (>= 3.24) and PostgreSQL.
    conn.exec_driver_sql(
        f"INSERT INTO scope_versions (kind, ref, version) VALUES ({mark}, {mark}, 1) "
        "ON CONFLICT (kind, ref) DO UPDATE SET version = scope_versions.version + 1",
        keys,
    )


def _chunks(items: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def current_version(db: Session) -> int:
    """The counter every write moves (the key of unscoped caches)."""
    return int(db.execute(select(col(DataVersion.version)).where(col(DataVersion.id) == 1)).scalar_one_or_none() or 0)


def scope_versions(
    db: Session, *, cohort_id: int | None = None, cohort_slug: str | None = None, user_id: int | None = None
) -> tuple[tuple[str, int, int], ...]:
    """The counters a cached analysis of this cohort (by id or slug) or learner depends on, in one query: the
    "all" counter, the cohort's, or the learner's and those of the cohorts they are enrolled in."""
    sv = ScopeVersion
    wanted = and_(col(sv.kind) == "all", col(sv.ref) == 0)
    if cohort_id is not None:
        wanted = or_(wanted, and_(col(sv.kind) == "cohort", col(sv.ref) == cohort_id))
    if cohort_slug is not None:
        by_slug = select(col(Cohort.id)).where(col(Cohort.slug) == cohort_slug).scalar_subquery()
        wanted = or_(wanted, and_(col(sv.kind) == "cohort", col(sv.ref) == by_slug))
    if user_id is not None:
        theirs = select(col(Enrolment.cohort_id)).where(col(Enrolment.user_id) == user_id)
        wanted = or_(
            wanted,
            and_(col(sv.kind) == "user", col(sv.ref) == user_id),
            and_(col(sv.kind) == "cohort", col(sv.ref).in_(theirs)),
        )
    rows = db.execute(select(col(sv.kind), col(sv.ref), col(sv.version)).where(wanted)).all()
    return tuple(sorted((str(k), int(r), int(v)) for k, r, v in rows))


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
