"""Dependencies shared by the routes: settings, database session, the caller, and THE permission check.

Access is decided in one place, `authorize(permission)`: the `POLICY` table says which roles may use a permission,
and the role that grants it sets the scope (admin/cedia/grader: everything; trainer: the cohorts they train;
learner: their own records). Path parameters named `cohort`, `username` and `grade_id` are checked against that
scope *before* anything is looked up, so a learner probing someone else's ids gets the same 403 whether the id
exists or not. List endpoints receive the `Access` and filter with it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.auth import Principal, parse_authorization, resolve_principal
from progress_api.core.config import Settings, get_settings
from progress_api.core.db import get_engine
from progress_api.core.errors import forbidden, unauthorized
from progress_api.crud import users as users_crud
from progress_api.models.common import Role
from progress_api.models.grading import Grade, Submission
from progress_api.models.people import Cohort, Enrolment


async def app_settings(request: Request) -> Settings:
    """The settings the app was built with (`create_app(settings=...)`), else the process-wide `get_settings()`."""
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else get_settings()


SettingsDep = Annotated[Settings, Depends(app_settings)]


async def get_db_engine(settings: SettingsDep) -> Engine:
    # async on purpose (no I/O here): a sync dependency costs a thread-pool hop on every request.
    return get_engine(settings.db_url, settings.sqlite_busy_timeout_ms)


EngineDep = Annotated[Engine, Depends(get_db_engine)]


async def get_db(engine: EngineDep) -> AsyncIterator[Session]:
    """One session per request; routes commit explicitly, anything uncommitted is rolled back on close.

    The session connects lazily, in the thread of the first (sync) dependency or route that queries.
    """
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]


async def get_current_user(request: Request, db: SessionDep, settings: SettingsDep) -> Principal:
    """The caller, from `Authorization: Bearer|token <t>` or the web-session cookie; 401 otherwise.

    async on purpose: most requests hit the token memo (no I/O), and a miss is one indexed read; a thread-pool
    hop per dependency cost more than that under load (see benchmarks/api_load.py). A hub token that is not
    cached is checked against the hub in a worker thread.
    """
    bearer = parse_authorization(request.headers.get("authorization"))
    cookie = request.cookies.get(settings.session_cookie)
    if bearer and settings.hub_enabled:
        principal = resolve_principal(db, settings=settings, bearer=bearer, hub=False)
        if principal is None:  # maybe a hub token: the bearer still wins over a cookie
            principal = await run_in_threadpool(resolve_principal, db, settings=settings, bearer=bearer, cookie=cookie)
    else:
        principal = resolve_principal(db, settings=settings, bearer=bearer, cookie=cookie, hub=False)
    if principal is None:
        raise unauthorized()
    return principal


CurrentUser = Annotated[Principal, Depends(get_current_user)]

L, T, C, A, G = Role.learner, Role.trainer, Role.cedia, Role.admin, Role.grader

# permission -> roles that may use it. The scope comes from the role (see module docstring).
POLICY: dict[str, frozenset[Role]] = {
    "me:read": frozenset({L, T, C, A, G}),
    "users:read": frozenset({L, T, C, A}),
    "users:write": frozenset({A}),
    "cohorts:read": frozenset({T, C, A}),
    "cohorts:write": frozenset({A}),
    "enrolments:write": frozenset({T, A}),
    "catalog:read": frozenset({L, T, C, A, G}),
    "catalog:write": frozenset({A, G}),
    "releases:read": frozenset({T, C, A, G}),
    "releases:write": frozenset({T, A, G}),
    "grades:read": frozenset({L, T, C, A}),
    "grades:ingest": frozenset({A, G}),
    "grades:override": frozenset({T, A}),
    "selfchecks:read": frozenset({L, T, C, A}),
    "selfchecks:write": frozenset({L, G}),
    "progress:read": frozenset({L, T, C, A}),
    "gradebook:read": frozenset({T, C, A}),
    "analytics:read": frozenset({T, C, A}),
    "exports:read": frozenset({T, C, A}),
    "events:read": frozenset({T, C, A}),
    "roster:read": frozenset({A}),
}
UNRESTRICTED = frozenset({A, C, G})


@dataclass(frozen=True)
class Access:
    """What the caller may see for this request: everything, some cohorts, or only themselves."""

    principal: Principal
    cohort_ids: frozenset[int] | None  # None: every cohort
    learner_id: int | None  # set: only this learner's own records

    @property
    def unrestricted(self) -> bool:
        return self.cohort_ids is None and self.learner_id is None

    def visible_user_ids(self, db: Session) -> set[int] | None:
        """Users the caller may see (None: all): themselves, or the learners of the cohorts they train."""
        if self.learner_id is not None:
            return {self.learner_id}
        if self.cohort_ids is None:
            return None
        rows = db.execute(select(col(Enrolment.user_id)).where(col(Enrolment.cohort_id).in_(self.cohort_ids)))
        ids = {r for (r,) in rows}
        if self.principal.user_id is not None:
            ids.add(self.principal.user_id)
        return ids


def _check_path(db: Session, access: Access, params: dict[str, Any]) -> None:
    """Scope check on path parameters, before any existence check (no existence oracle)."""
    if access.unrestricted:
        return
    if "cohort" in params:
        if access.cohort_ids is None or not access.cohort_ids:
            raise forbidden()
        found = db.execute(select(col(Cohort.id)).where(col(Cohort.slug) == str(params["cohort"]))).scalar_one_or_none()
        if found is None or found not in access.cohort_ids:
            raise forbidden("Cette promotion ne fait pas partie des vôtres.")
    if "username" in params:
        if str(params["username"]) == access.principal.username:
            return
        target = users_crud.get_user(db, username=str(params["username"]))
        visible = access.visible_user_ids(db)
        if target is None or visible is None or target.id not in visible:
            raise forbidden()
    if "grade_id" in params:
        try:
            grade_id = int(params["grade_id"])
        except ValueError:
            raise forbidden() from None
        if not 1 <= grade_id < 2**63:  # out of the database's range: cannot exist, same answer as "not yours"
            raise forbidden()
        owner = db.execute(
            select(col(Submission.user_id))
            .join(Grade, col(Grade.submission_id) == col(Submission.id))
            .where(col(Grade.id) == grade_id)
        ).scalar_one_or_none()
        if access.learner_id is not None:
            if owner is None or owner != access.learner_id:
                raise forbidden()
            return
        visible = access.visible_user_ids(db)
        if owner is None or visible is None or owner not in visible:
            raise forbidden()


def authorize(permission: str) -> Callable[..., Awaitable[Access]]:
    """The one permission dependency: `access: Annotated[Access, Depends(authorize("grades:read"))]`."""
    allowed = POLICY[permission]

    async def dependency(request: Request, principal: CurrentUser, db: SessionDep) -> Access:
        # async: admins/CEDIA/grader need no query; trainers and learners one or two indexed reads.
        granting = principal.roles & allowed
        if not granting:
            raise forbidden("Votre rôle ne permet pas cette action.")
        if granting & UNRESTRICTED:
            access = Access(principal, None, None)
        elif Role.trainer in granting:
            trained = users_crud.trained_cohort_ids(db, user_id=principal.user_id) if principal.user_id else set()
            access = Access(principal, frozenset(trained), None)
        else:
            access = Access(principal, frozenset(), principal.user_id if principal.user_id is not None else -1)
        _check_path(db, access, dict(request.path_params))
        return access

    dependency.__name__ = f"authorize_{permission.replace(':', '_')}"
    return dependency


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


async def page_params(
    settings: SettingsDep,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="Page size.")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> PageParams:
    return PageParams(limit=min(limit or settings.page_size, settings.max_page_size), offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]
