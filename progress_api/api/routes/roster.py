"""The roster the hub syncs its roles and groups from (docs/interfaces.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from progress_api.api.deps import Access, SessionDep, authorize
from progress_api.services.roster import roster

router = APIRouter(tags=["roster"])


class RosterUser(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    cohorts: list[str]
    trains: list[str]


class Roster(BaseModel):
    users: list[RosterUser]


@router.get("/roster")
def read_roster(db: SessionDep, _access: Annotated[Access, Depends(authorize("roster:read"))]) -> Roster:
    """Every user with roles, the cohorts they learn in and the cohorts they train (not paginated: the hub
    needs the whole set to sync)."""
    return Roster(users=[RosterUser(**u) for u in roster(db)])
