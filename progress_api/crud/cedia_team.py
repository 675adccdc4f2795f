"""A CEDIA project's people: team members and coaches, listed with filters, added and removed.

Members and coach assignments have no editable fields, so adding or removing one cannot overwrite anyone's edit and
needs no version; each change still bumps the project's version and lands in its history (`cedia_versions`).
Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.errors import conflict, not_found
from progress_api.crud.cedia_search import matching_ids
from progress_api.crud.cedia_versions import child_row, ensure_active, record, touch
from progress_api.models.cedia import (
    CediaCoach,
    CediaMember,
    CediaProject,
    CediaProjectCoach,
    CoachAssign,
    CoachPublic,
    MemberCreate,
    MemberPublic,
)
from progress_api.models.people import Enrolment, User
from progress_api.services.cedia_kpi import MemberRole

# --- members -------------------------------------------------------------------------------------------------


def members(db: Session, *, project_id: int) -> list[MemberPublic]:
    return list_members(db, project_id=project_id, limit=None, offset=0)[1]


def list_members(
    db: Session,
    *,
    project_id: int,
    limit: int | None,
    offset: int,
    role: MemberRole | None = None,
    academy_learner: bool | None = None,
) -> tuple[int, list[MemberPublic]]:
    """The team by role and name, each member flagged when their username is an academy learner (enrolled)."""
    stmt = select(CediaMember).where(col(CediaMember.project_id) == project_id)
    if role is not None:
        stmt = stmt.where(col(CediaMember.role) == role.value)
    if academy_learner is not None:
        enrolled = select(col(User.username)).join(Enrolment, col(Enrolment.user_id) == col(User.id))
        known = col(CediaMember.username).in_(enrolled)
        stmt = stmt.where(known if academy_learner else (col(CediaMember.username).is_(None) | ~known))
    total = int(db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
    order = (col(CediaMember.role), col(CediaMember.display_name), col(CediaMember.id))
    rows = list(db.execute(stmt.order_by(*order).limit(limit).offset(offset)).scalars())
    return total, members_public(db, rows=rows)


def members_public(db: Session, *, rows: Sequence[CediaMember]) -> list[MemberPublic]:
    """API shapes of team members, flagged as academy learners with one query."""
    academy = academy_usernames(db, usernames=[r.username for r in rows if r.username])
    return [
        MemberPublic(
            id=r.id or 0,
            display_name=r.display_name,
            username=r.username,
            role=r.role,
            unit=r.unit,
            academy_learner=bool(r.username and r.username in academy),
        )
        for r in rows
    ]


def academy_usernames(db: Session, *, usernames: Sequence[str] | None = None) -> set[str]:
    """Usernames of people enrolled in at least one cohort (learners and alumni), optionally among `usernames`."""
    stmt = select(col(User.username)).join(Enrolment, col(Enrolment.user_id) == col(User.id)).distinct()
    if usernames is not None:
        if not usernames:
            return set()
        stmt = stmt.where(col(User.username).in_(set(usernames)))
    return set(db.execute(stmt).scalars())


def insert_member(db: Session, *, project: CediaProject, data: MemberCreate, actor: str) -> CediaMember:
    """The row and its history entry, without touching the project's version (creation does it once)."""
    assert project.id is not None
    duplicate = db.execute(
        select(col(CediaMember.id)).where(
            col(CediaMember.project_id) == project.id,
            col(CediaMember.display_name) == data.display_name,
            col(CediaMember.role) == data.role.value,
        )
    ).first()
    if duplicate is not None:
        raise conflict(f"{data.display_name} fait déjà partie de l'équipe avec ce rôle.")
    row = CediaMember(
        project_id=project.id,
        display_name=data.display_name,
        username=data.username or None,
        role=data.role,
        unit=data.unit or project.unit,
    )
    db.add(row)
    record(
        db,
        project_id=project.id,
        actor=actor,
        kind="team",
        field="added",
        to_value=f"{data.display_name} ({data.role})",
    )
    db.flush()
    return row


def add_member(db: Session, *, project: CediaProject, data: MemberCreate, actor: str) -> CediaMember:
    ensure_active(project)
    row = insert_member(db, project=project, data=data, actor=actor)
    touch(db, project=project)
    db.flush()
    return row


def remove_member(db: Session, *, project: CediaProject, member_id: int, actor: str) -> None:
    ensure_active(project)
    row = child_row(db, model=CediaMember, project=project, row_id=member_id, what="Membre de l'équipe")
    record(
        db,
        project_id=row.project_id,
        actor=actor,
        kind="team",
        field="removed",
        from_value=f"{row.display_name} ({row.role})",
    )
    db.delete(row)
    touch(db, project=project)
    db.flush()


# --- coaches -------------------------------------------------------------------------------------------------


def coach_by_name(db: Session, *, name: str, username: str | None = None) -> CediaCoach:
    coach = db.execute(select(CediaCoach).where(col(CediaCoach.name) == name)).scalars().first()
    if coach is None:
        coach = CediaCoach(name=name, username=username)
        db.add(coach)
        db.flush()
    return coach


def assign_coach(db: Session, *, project: CediaProject, data: CoachAssign, actor: str) -> CediaCoach:
    """Add a coach (created on first use); assigning one already on the project changes nothing."""
    ensure_active(project)
    assert project.id is not None
    coach = coach_by_name(db, name=data.name, username=data.username)
    if db.get(CediaProjectCoach, (project.id, coach.id)) is None:
        db.add(CediaProjectCoach(project_id=project.id, coach_id=coach.id))  # type: ignore[arg-type]
        record(db, project_id=project.id, actor=actor, kind="coach", field="added", to_value=coach.name)
        touch(db, project=project)
        db.flush()
    return coach


def unassign_coach(db: Session, *, project: CediaProject, name: str, actor: str) -> None:
    ensure_active(project)
    assert project.id is not None
    coach = db.execute(select(CediaCoach).where(col(CediaCoach.name) == name)).scalars().first()
    if coach is None or db.get(CediaProjectCoach, (project.id, coach.id)) is None:
        raise not_found("Coach du projet", name)
    db.execute(
        delete(CediaProjectCoach).where(
            col(CediaProjectCoach.project_id) == project.id, col(CediaProjectCoach.coach_id) == coach.id
        )
    )
    record(db, project_id=project.id, actor=actor, kind="coach", field="removed", from_value=coach.name)
    touch(db, project=project)
    db.flush()


def all_coaches(db: Session) -> list[str]:
    return list(db.execute(select(col(CediaCoach.name)).order_by(col(CediaCoach.name))).scalars())


def list_coaches(db: Session, *, limit: int, offset: int, q: str | None = None) -> tuple[int, list[CoachPublic]]:
    """CEDIA coaches by name, with how many projects (not archived) each one coaches; `q` searches the name."""
    stmt = select(CediaCoach)
    if q and q.strip():
        found = matching_ids(db, id_column=col(CediaCoach.id), text_column=col(CediaCoach.name), q=q)
        stmt = stmt.where(col(CediaCoach.id).in_(found))
    total = int(db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
    rows = list(db.execute(stmt.order_by(col(CediaCoach.name)).limit(limit).offset(offset)).scalars())
    ids = [r.id for r in rows]
    counts: dict[int, int] = (
        dict(
            db.execute(
                select(col(CediaProjectCoach.coach_id), func.count())
                .join(CediaProject, col(CediaProject.id) == col(CediaProjectCoach.project_id))
                .where(col(CediaProjectCoach.coach_id).in_(ids), col(CediaProject.archived_at).is_(None))
                .group_by(col(CediaProjectCoach.coach_id))
            ).all()
        )
        if ids
        else {}
    )
    return total, [
        CoachPublic(id=r.id or 0, name=r.name, username=r.username, projects=counts.get(r.id or 0, 0)) for r in rows
    ]
