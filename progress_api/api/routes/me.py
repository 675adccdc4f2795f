"""The caller: who they are, and (learners) their own progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from progress_api.api.deps import Access, authorize
from progress_api.models.common import Role

router = APIRouter(prefix="/me", tags=["me"])


class MePublic(BaseModel):
    username: str
    display_name: str
    roles: list[Role]
    via: str


@router.get("")
def read_me(access: Annotated[Access, Depends(authorize("me:read"))]) -> MePublic:
    p = access.principal
    return MePublic(username=p.username, display_name=p.display_name, roles=sorted(p.roles), via=p.via)
