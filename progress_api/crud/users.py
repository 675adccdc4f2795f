"""Users and their roles (keyword-only functions; the routes and the CLI share them)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.errors import conflict, not_found
from progress_api.models.common import Role
from progress_api.models.people import (
    Cohort,
    CohortTrainer,
    Enrolment,
    User,
    UserCreate,
    UserPublic,
    UserRole,
    UserUpdate,
)


def get_user(db: Session, *, username: str) -> User | None:
    return db.execute(select(User).where(col(User.username) == username)).scalars().first()


def require_user(db: Session, *, username: str) -> User:
    user = get_user(db, username=username)
    if user is None:
        raise not_found("Utilisateur", username)
    return user


def roles_of(db: Session, *, user_ids: Sequence[int]) -> dict[int, list[Role]]:
    """Roles of several users in one query."""
    out: dict[int, list[Role]] = {uid: [] for uid in user_ids}
    if not user_ids:
        return out
    rows = db.execute(select(col(UserRole.user_id), col(UserRole.role)).where(col(UserRole.user_id).in_(user_ids)))
    for uid, role in rows:
        out[uid].append(Role(role))
    for roles in out.values():
        roles.sort()
    return out


def set_roles(db: Session, *, user: User, roles: Iterable[Role]) -> None:
    assert user.id is not None
    db.execute(delete(UserRole).where(col(UserRole.user_id) == user.id))
    for role in sorted(set(roles)):
        db.add(UserRole(user_id=user.id, role=role.value))


def add_role(db: Session, *, user: User, role: Role) -> None:
    assert user.id is not None
    if db.get(UserRole, (user.id, role.value)) is None:
        db.add(UserRole(user_id=user.id, role=role.value))


def ensure_user(db: Session, *, username: str, display_name: str = "", roles: Iterable[Role] = ()) -> User:
    """Get or create a user and give them `roles` (idempotent; used by seeding and token creation)."""
    user = get_user(db, username=username)
    if user is None:
        user = User(username=username, display_name=display_name or username)
        db.add(user)
        db.flush()
    for role in roles:
        add_role(db, user=user, role=role)
    db.flush()
    return user


def to_public(user: User, roles: list[Role]) -> UserPublic:
    return UserPublic(
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        business_unit=user.business_unit,
        job_family=user.job_family,
        roles=roles,
        created_at=user.created_at,
    )


def public(db: Session, *, users: Sequence[User]) -> list[UserPublic]:
    roles = roles_of(db, user_ids=[u.id for u in users if u.id is not None])
    return [to_public(u, roles.get(u.id or 0, [])) for u in users]


def list_users(
    db: Session,
    *,
    limit: int,
    offset: int,
    role: Role | None = None,
    cohort: str | None = None,
    q: str | None = None,
    business_unit: str | None = None,
    only_ids: set[int] | None = None,
) -> tuple[int, list[User]]:
    """A page of users matching the filters, ordered by username; `only_ids` restricts to what the caller may see."""
    stmt = select(User)
    if role is not None:
        stmt = stmt.where(col(User.id).in_(select(col(UserRole.user_id)).where(col(UserRole.role) == role.value)))
    if cohort is not None:
        stmt = stmt.where(
            col(User.id).in_(
                select(col(Enrolment.user_id))
                .join(Cohort, col(Cohort.id) == col(Enrolment.cohort_id))
                .where(col(Cohort.slug) == cohort)
            )
        )
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(func.lower(col(User.username)).like(like) | func.lower(col(User.display_name)).like(like))
    if business_unit is not None:
        stmt = stmt.where(col(User.business_unit) == business_unit)
    if only_ids is not None:
        stmt = stmt.where(col(User.id).in_(only_ids))
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(col(User.username)).limit(limit).offset(offset)).scalars().all()
    return total, list(rows)


def create_user(db: Session, *, data: UserCreate) -> User:
    if get_user(db, username=data.username) is not None:
        raise conflict(f"L'utilisateur {data.username} existe déjà.")
    user = User(
        username=data.username,
        display_name=data.display_name or data.username,
        email=data.email,
        business_unit=data.business_unit,
        job_family=data.job_family,
    )
    db.add(user)
    db.flush()
    set_roles(db, user=user, roles=data.roles)
    db.flush()
    return user


def update_user(db: Session, *, user: User, data: UserUpdate) -> User:
    changes = data.model_dump(exclude_unset=True, exclude={"roles"})
    for key, value in changes.items():
        if key == "display_name" and value is None:
            continue
        setattr(user, key, value)
    if data.roles is not None:
        set_roles(db, user=user, roles=data.roles)
    db.add(user)
    db.flush()
    return user


def delete_user(db: Session, *, user: User) -> None:
    db.delete(user)
    db.flush()


def trained_cohort_ids(db: Session, *, user_id: int) -> set[int]:
    rows = db.execute(select(col(CohortTrainer.cohort_id)).where(col(CohortTrainer.user_id) == user_id))
    return {r for (r,) in rows}


def enrolled_cohort_ids(db: Session, *, user_id: int) -> set[int]:
    rows = db.execute(select(col(Enrolment.cohort_id)).where(col(Enrolment.user_id) == user_id))
    return {r for (r,) in rows}
