"""CEDIA pipeline tables and API shapes: coached projects, their history, milestones, blockers, team, coaches,
and the AI-governance checklist.

The vocabularies (stages, risk classes, hosting, use cases, member roles) live in `services/cedia_rules.py` and
`services/cedia_kpi.py`, pure modules shared with the rules; values are stored as plain strings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, StringConstraints
from sqlmodel import Field, SQLModel

from progress_api.models.common import UTCDateTime, UTCTimestamp, utcnow
from progress_api.services.cedia_kpi import MemberRole
from progress_api.services.cedia_rules import Hosting, RiskClass, Stage, UseCase

Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]

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
    kind: str = Field(max_length=20)  # created | stage | field | checklist | milestone | blocker | team | coach
    field: str | None = Field(default=None, max_length=50)
    from_value: str | None = Field(default=None, max_length=4000)
    to_value: str | None = Field(default=None, max_length=4000)
    comment: str = Field(default="", max_length=2000)


class CediaMilestone(SQLModel, table=True):
    __tablename__ = "cedia_milestones"
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="cedia_projects.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    due_on: date
    done_on: date | None = None


class CediaBlocker(SQLModel, table=True):
    __tablename__ = "cedia_blockers"
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="cedia_projects.id", index=True, ondelete="CASCADE")
    description: str = Field(max_length=500)
    opened_by: str = Field(default="", max_length=100)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCTimestamp)


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


# --- API shapes ----------------------------------------------------------------------------------------------


class ProjectBase(BaseModel):
    title: Short
    unit: Short = Field(description="Direction métier (business unit).")
    sponsor: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    description: Annotated[str, StringConstraints(max_length=4000)] = ""
    use_case: UseCase = UseCase.other
    expected_value: Annotated[str, StringConstraints(max_length=1000)] = ""


class ProjectCreate(ProjectBase):
    coaches: list[Short] = Field(default_factory=list, max_length=20)


class ProjectUpdate(BaseModel):
    """Changed fields only, with the version the client last saw (a stale version gets 409)."""

    version: int = Field(ge=1)
    title: Short | None = None
    unit: Short | None = None
    sponsor: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None
    use_case: UseCase | None = None
    expected_value: Annotated[str, StringConstraints(max_length=1000)] | None = None
    comment: Comment = ""


class StageMove(BaseModel):
    to_stage: Stage
    version: int = Field(ge=1)
    comment: Comment = Field(default="", description="Motif: obligatoire pour reculer, mettre en pause, abandonner.")


class ChecklistData(BaseModel):
    risk_class: RiskClass | None = None
    risk_justification: Annotated[str, StringConstraints(max_length=2000)] = ""
    personal_data: bool | None = None
    health_data: bool | None = None
    dpia_done: bool = False
    hosting: Hosting | None = None
    human_in_loop: Annotated[str, StringConstraints(max_length=2000)] = ""
    ethics_review_on: date | None = None


class ChecklistUpdate(ChecklistData):
    version: int = Field(ge=1)
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


class MilestoneCreate(BaseModel):
    title: Short
    due_on: date


class MilestoneUpdate(BaseModel):
    title: Short | None = None
    due_on: date | None = None
    done_on: date | None = None


class MilestonePublic(BaseModel):
    id: int
    title: str
    due_on: date
    done_on: date | None


class BlockerCreate(BaseModel):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class BlockerUpdate(BaseModel):
    resolved: bool


class BlockerPublic(BaseModel):
    id: int
    description: str
    opened_by: str
    opened_at: UTCDateTime
    resolved_at: UTCDateTime | None


class MemberCreate(BaseModel):
    display_name: Short
    username: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=100)] | None = None
    role: MemberRole
    unit: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        default=None, description="Direction of the person; defaults to the project's unit."
    )


class MemberPublic(BaseModel):
    id: int
    display_name: str
    username: str | None
    role: MemberRole
    unit: str
    academy_learner: bool = Field(description="True when the username is a learner known to the academy.")


class CoachAssign(BaseModel):
    name: Short
    username: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=100)] | None = None


class EventPublic(BaseModel):
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
    history: list[EventPublic]
