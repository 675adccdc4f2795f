"""CEDIA pipeline tables and API shapes: coached projects, their history, milestones, blockers, team, coaches,
and the AI-governance checklist.

The vocabularies (stages, risk classes, hosting, use cases, member roles) live in `services/cedia_rules.py` and
`services/cedia_kpi.py`, pure modules shared with the rules; values are stored as plain strings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel, StringConstraints
from sqlmodel import Field, SQLModel

from progress_api.models.common import UTCDateTime, UTCTimestamp, Version, utcnow
from progress_api.services.cedia_kpi import MemberRole
from progress_api.services.cedia_rules import Hosting, RiskClass, Stage, UseCase


def _no_nul(value: str) -> str:
    """PostgreSQL text cannot hold NUL characters; refuse them at validation, on every backend alike."""
    if "\x00" in value:
        raise ValueError("caractère nul (U+0000) interdit")
    return value


NoNul = AfterValidator(_no_nul)
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), NoNul]
Sponsor = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoNul]
Description = Annotated[str, StringConstraints(max_length=4000), NoNul]
Value = Annotated[str, StringConstraints(max_length=1000), NoNul]
Answer = Annotated[str, StringConstraints(max_length=2000), NoNul]
UsernameRef = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=100), NoNul]

# --- tables --------------------------------------------------------------------------------------------------


class CediaProject(SQLModel, table=True):
    """A business team's data/AI project coached by the CEDIA; `version` guards against lost updates."""

    __tablename__ = "cedia_projects"
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    unit: str = Field(max_length=200, index=True)
    sponsor: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=4000)
    use_case: str = Field(default=UseCase.other.value, max_length=30, index=True)
    expected_value: str = Field(default="", max_length=1000)
    stage: str = Field(default=Stage.intake.value, max_length=20, index=True)
    held_from: str | None = Field(default=None, max_length=20)  # the main stage a paused project left
    version: int = Field(default=1)
    created_by: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp, index=True)
    # Archived = withdrawn from the board, lists and KPIs, history kept; restoring brings it back as it was.
    archived_at: datetime | None = Field(default=None, sa_type=UTCTimestamp)


class CediaChecklist(SQLModel, table=True):
    """AI-governance answers of a project (one row per project), read by the delivery gate."""

    __tablename__ = "cedia_checklists"
    project_id: int = Field(foreign_key="cedia_projects.id", primary_key=True, ondelete="CASCADE")
    risk_class: RiskClass | None = Field(default=None, sa_type=sa.String(20))
    risk_justification: str = Field(default="", max_length=2000)
    personal_data: bool | None = None
    health_data: bool | None = None
    dpia_done: bool = False
    hosting: Hosting | None = Field(default=None, sa_type=sa.String(30))
    human_in_loop: str = Field(default="", max_length=2000)
    ethics_review_on: date | None = None


class CediaEvent(SQLModel, table=True):
    """One change of a project: who, when, what (`kind`, `field`), from, to, and the comment given."""

    __tablename__ = "cedia_events"
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="cedia_projects.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp, index=True)
    actor: str = Field(max_length=100)
    # created | stage | field | checklist | milestone | blocker | team | coach | archived | restored
    kind: str = Field(max_length=20)
    field: str | None = Field(default=None, max_length=50)
    from_value: str | None = Field(default=None, max_length=4000)
    to_value: str | None = Field(default=None, max_length=4000)
    comment: str = Field(default="", max_length=2000)


class CediaMilestone(SQLModel, table=True):
    """A dated step of a project; `version` guards its own edits (changing it also bumps the project's)."""

    __tablename__ = "cedia_milestones"
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="cedia_projects.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    due_on: date
    done_on: date | None = None
    version: int = Field(default=1)


class CediaBlocker(SQLModel, table=True):
    """Something that stops a project; `version` guards its own edits (changing it also bumps the project's)."""

    __tablename__ = "cedia_blockers"
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="cedia_projects.id", index=True, ondelete="CASCADE")
    description: str = Field(max_length=500)
    opened_by: str = Field(default="", max_length=100)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCTimestamp)
    version: int = Field(default=1)


class CediaMember(SQLModel, table=True):
    """A person on a project's team; `username` links to an academy learner (the users table) when known."""

    __tablename__ = "cedia_members"
    __table_args__ = (sa.UniqueConstraint("project_id", "display_name", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="cedia_projects.id", index=True, ondelete="CASCADE")
    display_name: str = Field(max_length=200)
    username: str | None = Field(default=None, max_length=100, index=True)
    role: MemberRole = Field(sa_type=sa.String(20))
    unit: str = Field(max_length=200, index=True)


class CediaCoach(SQLModel, table=True):
    """A member of the CEDIA staff who coaches projects."""

    __tablename__ = "cedia_coaches"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    username: str | None = Field(default=None, max_length=100)


class CediaProjectCoach(SQLModel, table=True):
    __tablename__ = "cedia_project_coaches"
    project_id: int = Field(foreign_key="cedia_projects.id", primary_key=True, ondelete="CASCADE")
    coach_id: int = Field(foreign_key="cedia_coaches.id", primary_key=True, index=True, ondelete="CASCADE")


class CediaRelay(SQLModel, table=True):
    """An academy learner flagged in the roster as a data relay of their unit, whether or not on a project yet."""

    __tablename__ = "cedia_relays"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", unique=True, ondelete="CASCADE")
    unit: str = Field(max_length=200, index=True)
    since: date | None = None
    note: str = Field(default="", max_length=500)
    designated_by: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp)


# --- API shapes ----------------------------------------------------------------------------------------------


class ProjectBase(BaseModel):
    title: Short
    unit: Short = Field(description="Direction métier (business unit).")
    sponsor: Sponsor = ""
    description: Description = ""
    use_case: UseCase = UseCase.other
    expected_value: Value = ""


class ProjectUpdate(BaseModel):
    """Changed fields only, with the version the client last saw (a stale version gets 409)."""

    version: Version
    title: Short | None = None
    unit: Short | None = None
    sponsor: Sponsor | None = None
    description: Description | None = None
    use_case: UseCase | None = None
    expected_value: Value | None = None
    comment: Comment = ""


class StageMove(BaseModel):
    to_stage: Stage
    version: Version
    comment: Comment = Field(default="", description="Motif: obligatoire pour reculer, mettre en pause, abandonner.")


class VersionOnly(BaseModel):
    """Body of a change that carries nothing but the version the client saw (restoring an archived project)."""

    version: Version
    comment: Comment = ""


class ChecklistData(BaseModel):
    risk_class: RiskClass | None = None
    risk_justification: Answer = ""
    personal_data: bool | None = None
    health_data: bool | None = None
    dpia_done: bool = False
    hosting: Hosting | None = None
    human_in_loop: Answer = ""
    ethics_review_on: date | None = None


class ChecklistUpdate(ChecklistData):
    version: Version
    comment: Comment = ""


class MissingItem(BaseModel):
    code: str
    message: str


class ProjectPublic(ProjectBase):
    id: int
    stage: Stage
    held_from: Stage | None
    version: int
    coaches: list[str]
    checklist: ChecklistData
    missing_for_delivery: list[MissingItem]
    created_by: str
    created_at: UTCDateTime
    updated_at: UTCDateTime
    archived_at: UTCDateTime | None = Field(description="Set when the project was archived (DELETE); else null.")


class MilestoneCreate(BaseModel):
    title: Short
    due_on: date


class MilestoneUpdate(BaseModel):
    """Changed fields only, with the milestone's version (a stale version gets 409); `done_on: null` reopens it."""

    version: Version
    title: Short | None = None
    due_on: date | None = None
    done_on: date | None = None


class MilestonePublic(BaseModel):
    id: int
    title: str
    due_on: date
    done_on: date | None
    version: int


BlockerText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), NoNul]


class BlockerCreate(BaseModel):
    description: BlockerText


class BlockerUpdate(BaseModel):
    """Resolve or reopen, or reword, with the blocker's version (a stale version gets 409)."""

    version: Version
    resolved: bool | None = None
    description: BlockerText | None = None


class BlockerPublic(BaseModel):
    id: int
    description: str
    opened_by: str
    opened_at: UTCDateTime
    resolved_at: UTCDateTime | None
    version: int


class MemberCreate(BaseModel):
    display_name: Short
    username: UsernameRef | None = None
    role: MemberRole
    unit: Sponsor | None = Field(default=None, description="Direction of the person; defaults to the project's unit.")


class ProjectCreate(ProjectBase):
    """A new project, optionally with its coaches, team and milestones: all written in one transaction or none."""

    coaches: list[Short] = Field(default_factory=list, max_length=20)
    members: list[MemberCreate] = Field(default_factory=list, max_length=100)
    milestones: list[MilestoneCreate] = Field(default_factory=list, max_length=100)


class MemberPublic(BaseModel):
    id: int
    display_name: str
    username: str | None
    role: MemberRole
    unit: str
    academy_learner: bool = Field(description="True when the username is a learner known to the academy.")


class CoachAssign(BaseModel):
    name: Short
    username: UsernameRef | None = None


class CoachPublic(BaseModel):
    id: int
    name: str
    username: str | None
    projects: int = Field(description="Projects (not archived) this coach is assigned to.")


class RelayFlag(BaseModel):
    """Flag a learner of the roster as a data relay; `unit` defaults to the learner's business unit."""

    unit: Sponsor | None = None
    since: date | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), NoNul] = ""


class RelayPublic(BaseModel):
    username: str
    display_name: str
    unit: str
    since: date | None
    note: str
    designated_by: str
    created_at: UTCDateTime


class HistoryEntry(BaseModel):
    """One change of a project, as the history shows it (who, when, what, from, to, why)."""

    id: int
    at: UTCDateTime
    actor: str
    kind: str
    field: str | None
    from_value: str | None
    to_value: str | None
    comment: str


class ProjectDetail(ProjectPublic):
    milestones: list[MilestonePublic]
    blockers: list[BlockerPublic]
    members: list[MemberPublic]
    history: list[HistoryEntry]
