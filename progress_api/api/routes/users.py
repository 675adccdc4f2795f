"""Users (learners, trainers, CEDIA staff, admins), keyed by hub username."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from progress_api.api.deps import Access, PageDep, SessionDep, authorize
from progress_api.api.pagination import Page, page
from progress_api.core.auth import forget_tokens
from progress_api.crud import users as crud
from progress_api.models.common import Role
from progress_api.models.people import UserCreate, UserPublic, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])


@router.get("")
def list_users(
    db: SessionDep,
    params: PageDep,
    access: Annotated[Access, Depends(authorize("users:read"))],
    role: Role | None = None,
    cohort: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=100, description="Search in username and name.")] = None,
    business_unit: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[UserPublic]:
    total, users = crud.list_users(
        db,
        limit=params.limit,
        offset=params.offset,
        role=role,
        cohort=cohort,
        q=q,
        business_unit=business_unit,
        only_ids=access.visible_user_ids(db),
    )
    return page(crud.public(db, users=users), total=total, params=params)


@router.post("", status_code=201)
def create_user(
    db: SessionDep, data: UserCreate, _access: Annotated[Access, Depends(authorize("users:write"))]
) -> UserPublic:
    user = crud.create_user(db, data=data)
    db.commit()
    return crud.public(db, users=[user])[0]


@router.get("/{username}")
def read_user(
    db: SessionDep, username: str, _access: Annotated[Access, Depends(authorize("users:read"))]
) -> UserPublic:
    return crud.public(db, users=[crud.require_user(db, username=username)])[0]


@router.patch("/{username}")
def update_user(
    db: SessionDep, username: str, data: UserUpdate, _access: Annotated[Access, Depends(authorize("users:write"))]
) -> UserPublic:
    user = crud.update_user(db, user=crud.require_user(db, username=username), data=data)
    db.commit()
    forget_tokens()  # roles may have changed
    return crud.public(db, users=[user])[0]


@router.delete("/{username}", status_code=204)
def delete_user(
    db: SessionDep, username: str, _access: Annotated[Access, Depends(authorize("users:write"))]
) -> Response:
    crud.delete_user(db, user=crud.require_user(db, username=username))
    db.commit()
    forget_tokens()  # their tokens went with them
    return Response(status_code=204)
