"""Dependencies shared by the routes: settings, database session, the caller, and THE permission check.

Access is decided in one place, `api.access.decide`, which `authorize(permission)` calls for the JSON API and
`web.deps.Web.authorize` for the pages: the `POLICY` table says which roles may use a permission, and the role that
grants it sets the scope (admin/cedia/grader: everything; trainer: the cohorts they train; learner: their own
records). Path parameters named `cohort`, `username` and `grade_id` are checked against that scope *before*
anything is looked up, so a learner probing someone else's ids gets the same 403 whether the id exists or not.
List endpoints receive the `Access` and filter with it (`access.work`, `access.visible_user_ids`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from progress_api.api.access import POLICY, UNRESTRICTED, Access, decide
from progress_api.core import csrf
from progress_api.core.auth import Principal, parse_authorization, resolve_principal
from progress_api.core.config import Settings, get_settings
from progress_api.core.db import get_engine
from progress_api.core.errors import ApiError, unauthorized

__all__ = ["POLICY", "UNRESTRICTED", "Access", "CurrentUser", "PageDep", "SessionDep", "SettingsDep", "authorize"]


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


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_current_user(request: Request, db: SessionDep, settings: SettingsDep) -> Principal:
    """The caller, from `Authorization: Bearer|token <t>` or the web-session cookie; 401 otherwise.

    The cookie alone is enough to read (GET/HEAD); to change anything with it, the request must also carry the
    pages' CSRF token in `X-CSRF-Token` (403 otherwise): under the hub the service shares its origin with the
    learners' servers, whose scripts could otherwise post with the browser's cookie. A bearer header needs no
    CSRF token (a browser never adds it by itself) and wins over the cookie.

    async on purpose: most requests hit the token memo (no I/O), and a miss is one indexed read; a thread-pool
    hop per dependency cost more than that under load (see benchmarks/api_load.py). A hub token that is not
    cached is checked against the hub in a worker thread.
    """
    bearer = parse_authorization(request.headers.get("authorization"))
    principal = None
    if bearer:
        principal = resolve_principal(db, settings=settings, bearer=bearer, hub=False)
        if principal is None and settings.hub_enabled:  # maybe a hub token (a network call)
            principal = await run_in_threadpool(resolve_principal, db, settings=settings, bearer=bearer)
    if principal is None:
        cookie = request.cookies.get(settings.session_cookie)
        principal = resolve_principal(db, settings=settings, cookie=cookie, hub=False)
        if principal is not None and request.method not in SAFE_METHODS:
            sent = request.headers.get(csrf.CSRF_HEADER)
            if not csrf.token_ok(request.cookies.get(csrf.CSRF_COOKIE), sent, secret=settings.secret_key):
                raise ApiError(
                    403,
                    "csrf_failed",
                    f"Requête refusée : avec le cookie de session, une modification doit porter l'en-tête "
                    f"{csrf.CSRF_HEADER} de la page (ou utilisez un jeton d'API dans Authorization).",
                )
    if principal is None:
        raise unauthorized()
    return principal


CurrentUser = Annotated[Principal, Depends(get_current_user)]


def authorize(permission: str, *, query: tuple[str, ...] = ()) -> Callable[..., Awaitable[Access]]:
    """The one permission dependency: `access: Annotated[Access, Depends(authorize("grades:read"))]`.

    Path parameters `cohort`, `username`, `grade_id` are checked against the caller's scope (`api.access`), and so
    are the query parameters named in `query` (each value of a repeated one): `authorize("exports:read",
    query=("cohort",))` refuses a trainer's `?cohort=` of a cohort they do not train.
    """
    POLICY[permission]  # a typo in a permission name fails at import time, not at the first request

    async def dependency(request: Request, principal: CurrentUser, db: SessionDep) -> Access:
        # async: admins/CEDIA/grader need no query; trainers and learners one or two indexed reads.
        path = request.path_params
        named = [v for name in query for v in request.query_params.getlist(name)]
        return decide(
            db,
            principal,
            permission,
            cohort=path.get("cohort"),
            username=path.get("username"),
            grade_id=path.get("grade_id"),
            cohorts=named,
        )

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
