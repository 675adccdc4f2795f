"""A CEDIA project's milestones, blockers, team members and coaches; every change lands in the history.

Appending to these lists cannot overwrite anyone's edit, so they do not need the project's version; they are
recorded in the history like any other change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.errors import conflict, not_found
from progress_api.crud.cedia import coach_by_name
from progress_api.models.cedia import (
    BlockerCreate,
    CediaBlocker,
    CediaCoach,
    CediaEvent,
    CediaMember,
    CediaMilestone,
    CediaProject,
    CediaProjectCoach,
    CoachAssign,
    MemberCreate,
    MemberPublic,
    MilestoneCreate,
    MilestoneUpdate,
)
from progress_api.models.common import utcnow
from progress_api.models.people import Enrolment, User


def _event(
    db: Session,
    *,
    project: CediaProject,
    actor: str,
    kind: str,
    field: str | None = None,
    from_value: str | None = None,
    to_value: str | None = None,
    comment: str = "",
) -> None:
    assert project.id is not None
    db.add(
        CediaEvent(
            project_id=project.id,
            actor=actor,
            kind=kind,
            field=field,
            from_value=from_value,
            to_value=to_value,
            comment=comment,
        )
    )


def milestones(db: Session, *, project_id: int) -> list[CediaMilestone]:
    stmt = select(CediaMilestone).where(col(CediaMilestone.project_id) == project_id)
    return list(db.execute(stmt.order_by(col(CediaMilestone.due_on), col(CediaMilestone.id))).scalars())


def add_milestone(db: Session, *, project: CediaProject, data: MilestoneCreate, actor: str) -> CediaMilestone:
    row = CediaMilestone(project_id=project.id, title=data.title, due_on=data.due_on)  # type: ignore[arg-type]
    db.add(row)
    _event(db, project=project, actor=actor, kind="milestone", to_value=f"{data.title} ({data.due_on.isoformat()})")
    db.flush()
    return row


def _milestone(db: Session, *, project: CediaProject, milestone_id: int) -> CediaMilestone:
    row = db.get(CediaMilestone, milestone_id)
    if row is None or row.project_id != project.id:
        raise not_found("Jalon", milestone_id)
    return row


def update_milestone(
    db: Session, *, project: CediaProject, milestone_id: int, data: MilestoneUpdate, actor: str
) -> CediaMilestone:
    row = _milestone(db, project=project, milestone_id=milestone_id)
    for name, value in data.model_dump(exclude_unset=True).items():
        old = getattr(row, name)
        if value == old or (value is None and name != "done_on"):
            continue
        setattr(row, name, value)
        _event(
            db,
            project=project,
            actor=actor,
            kind="milestone",
            field=name,
            from_value=None if old is None else str(old),
            to_value=None if value is None else str(value),
            comment=row.title,
        )
    db.flush()
    return row


def complete_milestone(db: Session, *, project: CediaProject, milestone_id: int, actor: str) -> CediaMilestone:
    return update_milestone(
        db, project=project, milestone_id=milestone_id, data=MilestoneUpdate(done_on=date.today()), actor=actor
    )


def blockers(db: Session, *, project_id: int) -> list[CediaBlocker]:
    stmt = select(CediaBlocker).where(col(CediaBlocker.project_id) == project_id)
    return list(db.execute(stmt.order_by(col(CediaBlocker.opened_at).desc(), col(CediaBlocker.id))).scalars())


def add_blocker(db: Session, *, project: CediaProject, data: BlockerCreate, actor: str) -> CediaBlocker:
    row = CediaBlocker(project_id=project.id, description=data.description, opened_by=actor)  # type: ignore[arg-type]
    db.add(row)
    _event(db, project=project, actor=actor, kind="blocker", field="opened", to_value=data.description)
    db.flush()
    return row


def set_blocker_resolved(
    db: Session, *, project: CediaProject, blocker_id: int, resolved: bool, actor: str
) -> CediaBlocker:
    row = db.get(CediaBlocker, blocker_id)
    if row is None or row.project_id != project.id:
        raise not_found("Blocage", blocker_id)
    if (row.resolved_at is not None) != resolved:
        row.resolved_at = utcnow() if resolved else None
        kind = "resolved" if resolved else "reopened"
        _event(db, project=project, actor=actor, kind="blocker", field=kind, to_value=row.description)
        db.flush()
    return row


def members(db: Session, *, project_id: int) -> list[MemberPublic]:
    """The team, each member flagged when their username is an academy learner (enrolled in a cohort)."""
    rows = list(
        db.execute(
            select(CediaMember)
            .where(col(CediaMember.project_id) == project_id)
            .order_by(col(CediaMember.role), col(CediaMember.display_name))
        ).scalars()
    )
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


def add_member(db: Session, *, project: CediaProject, data: MemberCreate, actor: str) -> CediaMember:
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
        project_id=project.id,  # type: ignore[arg-type]
        display_name=data.display_name,
        username=data.username or None,
        role=data.role,
        unit=data.unit or project.unit,
    )
    db.add(row)
    _event(db, project=project, actor=actor, kind="team", field="added", to_value=f"{data.display_name} ({data.role})")
    db.flush()
    return row


def remove_member(db: Session, *, project: CediaProject, member_id: int, actor: str) -> None:
    row = db.get(CediaMember, member_id)
    if row is None or row.project_id != project.id:
        raise not_found("Membre de l'équipe", member_id)
    _event(
        db, project=project, actor=actor, kind="team", field="removed", from_value=f"{row.display_name} ({row.role})"
    )
    db.delete(row)
    db.flush()


def assign_coach(db: Session, *, project: CediaProject, data: CoachAssign, actor: str) -> CediaCoach:
    coach = coach_by_name(db, name=data.name, username=data.username)
    if db.get(CediaProjectCoach, (project.id, coach.id)) is None:
        db.add(CediaProjectCoach(project_id=project.id, coach_id=coach.id))  # type: ignore[arg-type]
        _event(db, project=project, actor=actor, kind="coach", field="added", to_value=coach.name)
        db.flush()
    return coach


def unassign_coach(db: Session, *, project: CediaProject, name: str, actor: str) -> None:
    coach = db.execute(select(CediaCoach).where(col(CediaCoach.name) == name)).scalars().first()
    if coach is None or db.get(CediaProjectCoach, (project.id, coach.id)) is None:
        raise not_found("Coach du projet", name)
    db.execute(
        delete(CediaProjectCoach).where(
            col(CediaProjectCoach.project_id) == project.id, col(CediaProjectCoach.coach_id) == coach.id
        )
    )
    _event(db, project=project, actor=actor, kind="coach", field="removed", from_value=coach.name)
    db.flush()


def all_coaches(db: Session) -> list[str]:
    return list(db.execute(select(col(CediaCoach.name)).order_by(col(CediaCoach.name))).scalars())
