"""People and cohorts: users keyed by hub username, their roles, API tokens, cohorts, trainers, enrolments."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from progress_api.models.common import Role, Slug, Text200, Username, UTCDateTime, UTCTimestamp, utcnow

# --- users -----------------------------------------------------------------------------------------------------


class UserBase(SQLModel):
    display_name: Text200 = ""
    email: Text200 | None = None
    business_unit: Text200 | None = Field(default=None, description="Direction métier (business unit).")
    job_family: Text200 | None = None


class User(UserBase, table=True):
    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp)


class UserCreate(UserBase):
    username: Username
    roles: list[Role] = Field(default_factory=lambda: [Role.learner])


class UserUpdate(SQLModel):
    display_name: Text200 | None = None
    email: Text200 | None = None
    business_unit: Text200 | None = None
    job_family: Text200 | None = None
    roles: list[Role] | None = None


class UserPublic(UserBase):
    username: str
    roles: list[Role]
    created_at: UTCDateTime


class UserRole(SQLModel, table=True):
    """A role held by a user; a trainer may also be a CEDIA coach."""

    __tablename__ = "user_roles"
    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(max_length=20, primary_key=True)


class ApiToken(SQLModel, table=True):
    """A bearer token stored as its SHA-256 only; `role` null means "the user's roles" (web sessions)."""

    __tablename__ = "api_tokens"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    role: str | None = Field(default=None, max_length=20)
    kind: str = Field(default="api", max_length=20)  # "api" (CLI-made) or "session" (web login cookie)
    note: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp)
    expires_at: datetime | None = Field(default=None, sa_type=UTCTimestamp)


# --- cohorts -----------------------------------------------------------------------------------------------------


class CohortBase(SQLModel):
    name: Text200 = Field(description="Nom de la promotion.")
    programme: Text200 = ""
    start_date: date | None = None
    end_date: date | None = None


class Cohort(CohortBase, table=True):
    __tablename__ = "cohorts"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=100, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp)


class CohortCreate(CohortBase):
    slug: Slug
    trainers: list[Username] = Field(default_factory=list)


class CohortUpdate(SQLModel):
    name: Text200 | None = None
    programme: Text200 | None = None
    start_date: date | None = None
    end_date: date | None = None


class CohortPublic(CohortBase):
    slug: str
    trainers: list[str]
    learners: int
    created_at: UTCDateTime


class CohortTrainer(SQLModel, table=True):
    __tablename__ = "cohort_trainers"
    cohort_id: int = Field(foreign_key="cohorts.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")


class Enrolment(SQLModel, table=True):
    __tablename__ = "enrolments"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohorts.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    enrolled_at: datetime = Field(default_factory=utcnow, sa_type=UTCTimestamp)


class EnrolmentPublic(SQLModel):
    cohort: str
    username: str
    display_name: str
    business_unit: str | None
    job_family: str | None
    enrolled_at: UTCDateTime


class EnrolmentRow(SQLModel):
    """One learner of a bulk enrolment (a JSON item or a CSV line)."""

    username: str = Field(max_length=200)
    display_name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=200)
    business_unit: str | None = Field(default=None, max_length=200)
    job_family: str | None = Field(default=None, max_length=200)


class BulkEnrolment(SQLModel):
    learners: list[EnrolmentRow] = Field(max_length=100_000)


class EnrolmentNotice(SQLModel):
    """A row that was enrolled but not applied in full (e.g. a trainer's file does not change existing profiles)."""

    row: int
    username: str
    message: str


class BulkEnrolmentResult(SQLModel):
    rows: int
    users_created: int
    users_updated: int
    enrolled: int
    already_enrolled: int
    profiles_kept: int = 0  # known users whose profile the file would have changed, left as is (caller not admin)
    notices: list[EnrolmentNotice] = Field(default_factory=list)
