"""Cohorts, their trainers and their enrolments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.errors import conflict, invalid, not_found
from progress_api.crud import users as users_crud
from progress_api.crud.events import bump_scopes, bump_version, log_events
from progress_api.models.common import Role
from progress_api.models.people import (
    Cohort,
    CohortCreate,
    CohortPublic,
    CohortTrainer,
    CohortUpdate,
    Enrolment,
    EnrolmentPublic,
    User,
)


def get_cohort(db: Session, *, slug: str) -> Cohort | None:
    return db.execute(select(Cohort).where(col(Cohort.slug) == slug)).scalars().first()


def require_cohort(db: Session, *, slug: str) -> Cohort:
    cohort = get_cohort(db, slug=slug)
    if cohort is None:
        raise not_found("Promotion", slug)
    return cohort


def ensure_cohort(
    db: Session,
    *,
    slug: str,
    name: str,
    programme: str = "",
    start_date: date | None = None,
    end_date: date | None = None,
) -> Cohort:
    cohort = get_cohort(db, slug=slug)
    if cohort is None:
        cohort = Cohort(slug=slug, name=name, programme=programme, start_date=start_date, end_date=end_date)
        db.add(cohort)
        db.flush()
    return cohort


def add_trainer(db: Session, *, cohort: Cohort, user: User) -> None:
    assert cohort.id is not None and user.id is not None
    users_crud.add_role(db, user=user, role=Role.trainer)
    if db.get(CohortTrainer, (cohort.id, user.id)) is None:
        db.add(CohortTrainer(cohort_id=cohort.id, user_id=user.id))
        db.flush()


def remove_trainer(db: Session, *, cohort: Cohort, user: User) -> bool:
    result = db.execute(
        delete(CohortTrainer).where(col(CohortTrainer.cohort_id) == cohort.id, col(CohortTrainer.user_id) == user.id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def enrol(db: Session, *, cohort: Cohort, user: User) -> bool:
    """Enrol a user (idempotent); True when a new enrolment was made."""
    existing = db.execute(
        select(col(Enrolment.id)).where(col(Enrolment.cohort_id) == cohort.id, col(Enrolment.user_id) == user.id)
    ).first()
    if existing is not None:
        return False
    assert cohort.id is not None and user.id is not None
    db.add(Enrolment(cohort_id=cohort.id, user_id=user.id))
    log_events(db, rows=[{"user_id": user.id, "verb": "registered", "object_type": "cohort", "object_id": cohort.slug}])
    bump_version(db)
    db.flush()
    return True


def unenrol(db: Session, *, cohort: Cohort, user: User) -> bool:
    result = db.execute(
        delete(Enrolment).where(col(Enrolment.cohort_id) == cohort.id, col(Enrolment.user_id) == user.id)
    )
    bump_version(db)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def to_public(db: Session, *, cohorts: Sequence[Cohort]) -> list[CohortPublic]:
    """Public view with trainers and learner counts, two queries for the whole page."""
    ids = [c.id for c in cohorts]
    trainers: dict[int, list[str]] = {i: [] for i in ids if i is not None}
    counts: dict[int, int] = {}
    if ids:
        rows = db.execute(
            select(col(CohortTrainer.cohort_id), col(User.username))
            .join(User, col(User.id) == col(CohortTrainer.user_id))
            .where(col(CohortTrainer.cohort_id).in_(ids))
            .order_by(col(User.username))
        )
        for cid, name in rows:
            trainers[cid].append(name)
        counts = dict(
            db.execute(
                select(col(Enrolment.cohort_id), func.count())
                .where(col(Enrolment.cohort_id).in_(ids))
                .group_by(col(Enrolment.cohort_id))
            ).all()
        )
    return [
        CohortPublic(
            slug=c.slug,
            name=c.name,
            programme=c.programme,
            start_date=c.start_date,
            end_date=c.end_date,
            trainers=trainers.get(c.id or 0, []),
            learners=counts.get(c.id or 0, 0),
            created_at=c.created_at,
        )
        for c in cohorts
    ]


def list_cohorts(
    db: Session,
    *,
    limit: int,
    offset: int,
    only_ids: frozenset[int] | None = None,
    programme: str | None = None,
    q: str | None = None,
    trainer: str | None = None,
) -> tuple[int, list[Cohort]]:
    stmt = select(Cohort)
    if only_ids is not None:
        stmt = stmt.where(col(Cohort.id).in_(only_ids))
    if programme is not None:
        stmt = stmt.where(col(Cohort.programme) == programme)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(func.lower(col(Cohort.name)).like(like) | func.lower(col(Cohort.slug)).like(like))
    if trainer is not None:
        stmt = stmt.where(
            col(Cohort.id).in_(
                select(col(CohortTrainer.cohort_id))
                .join(User, col(User.id) == col(CohortTrainer.user_id))
                .where(col(User.username) == trainer)
            )
        )
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(col(Cohort.slug)).limit(limit).offset(offset)).scalars().all()
    return total, list(rows)


def create_cohort(db: Session, *, data: CohortCreate) -> Cohort:
    if get_cohort(db, slug=data.slug) is not None:
        raise conflict(f"La promotion {data.slug} existe déjà.")
    _check_dates(data.start_date, data.end_date)
    cohort = Cohort(**data.model_dump(exclude={"trainers"}))
    db.add(cohort)
    db.flush()
    for username in data.trainers:
        add_trainer(db, cohort=cohort, user=users_crud.require_user(db, username=username))
    return cohort


def update_cohort(db: Session, *, cohort: Cohort, data: CohortUpdate) -> Cohort:
    for key, value in data.model_dump(exclude_unset=True).items():
        if key == "name" and value is None:
            continue
        setattr(cohort, key, value)
    _check_dates(cohort.start_date, cohort.end_date)
    db.add(cohort)
    db.flush()
    assert cohort.id is not None
    bump_scopes(db, cohort_ids=[cohort.id])  # its name and dates feed its analytics (at-risk: is it running?)
    return cohort


def _check_dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise invalid("La date de fin précède la date de début.")


def delete_cohort(db: Session, *, cohort: Cohort) -> None:
    db.delete(cohort)
    bump_version(db)
    db.flush()


def list_enrolments(
    db: Session, *, cohort: Cohort, limit: int, offset: int, q: str | None = None, business_unit: str | None = None
) -> tuple[int, list[EnrolmentPublic]]:
    stmt = (
        select(Enrolment, User)
        .join(User, col(User.id) == col(Enrolment.user_id))
        .where(col(Enrolment.cohort_id) == cohort.id)
    )
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(func.lower(col(User.username)).like(like) | func.lower(col(User.display_name)).like(like))
    if business_unit is not None:
        stmt = stmt.where(col(User.business_unit) == business_unit)
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(col(User.username)).limit(limit).offset(offset)).all()
    return total, [
        EnrolmentPublic(
            cohort=cohort.slug,
            username=u.username,
            display_name=u.display_name,
            business_unit=u.business_unit,
            job_family=u.job_family,
            enrolled_at=e.enrolled_at,
        )
        for e, u in rows
    ]
