"""Signing in and out of the pages.

Under JupyterHub (JUPYTERHUB_API_URL set) the login is the hub's: `/connexion` sends the browser to the hub's
OAuth authorisation page and `/oauth_callback` turns the code into a hub token, the token into a user, and the
user into a web session (the core's `open_session`, whose raw value goes into `settings.session_cookie`).

Standalone, `/connexion` offers a clearly labelled development login: paste an API token (works everywhere),
or — only when `ACADEMY_PRODUCTION` is false — pick an existing demo account by its username.
"""

from __future__ import annotations

import logging
import secrets
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from tornado.web import HTTPError as HubHTTPError

from progress_api.core.auth import close_session, hub_user_for_token, open_session, resolve_principal
from progress_api.core.config import Settings
from progress_api.core.errors import ApiError
from progress_api.crud import users as users_crud
from progress_api.models.common import Role
from progress_api.web.deps import Web, WebDep

if TYPE_CHECKING:
    from jupyterhub.services.auth import HubOAuth  # imported for real only under the hub (tornado, traitlets…)

router = APIRouter(tags=["pages"], include_in_schema=False)

STATE_COOKIE = "academie_oauth_state"
log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def hub_oauth(api_url: str, token: str, client_id: str, callback: str, hub_host: str, hub_prefix: str) -> HubOAuth:
    """One HubOAuth client per configuration (it keeps the pending OAuth states in memory)."""
    from jupyterhub.services.auth import HubOAuth

    return HubOAuth(
        api_url=api_url,
        api_token=token,
        oauth_client_id=client_id,
        oauth_redirect_uri=callback,
        hub_host=hub_host,
        hub_prefix=hub_prefix,
        cache_max_age=60,
    )


def _hub(settings: Settings) -> HubOAuth:
    base = (settings.hub_base_url or "/").rstrip("/") + "/hub/"
    return hub_oauth(
        settings.hub_api_url or "",
        settings.hub_api_token or "",
        settings.hub_client_id or f"service-{settings.hub_service_name or 'progress'}",
        settings.hub_oauth_callback_url or f"{settings.prefix}/oauth_callback",
        (settings.hub_public_url or "").rstrip("/"),
        base,
    )


def _safe_next(web: Web, target: str | None) -> str:
    """Only local paths under our prefix: a login must not become an open redirect."""
    if target and target.startswith(web.prefix + "/") and not target.startswith("//"):
        return target
    return web.url("/")


def secure_cookies(web: Web) -> bool:
    """Secure cookies whenever browsers reach us over HTTPS (behind the hub's proxy the hop itself is HTTP)."""
    return web.request.url.scheme == "https" or (web.settings.hub_public_url or "").startswith("https://")


def _signed_in(web: Web, *, username: str, next_url: str) -> Response:
    raw = open_session(web.db, username=username, settings=web.settings)
    web.db.commit()
    response = RedirectResponse(_safe_next(web, next_url), status_code=303)
    response.set_cookie(
        web.settings.session_cookie,
        raw,
        httponly=True,
        samesite="lax",
        path=web.prefix or "/",
        max_age=web.settings.session_hours * 3600,
        secure=secure_cookies(web),
    )
    return response


@router.get("/")
def home(web: WebDep) -> Response:
    """Each role lands on its own page."""
    if web.principal is None:
        return web.redirect("/connexion")
    if web.can("cedia:write"):
        return web.redirect("/cedia")
    if web.can("gradebook:read"):
        return web.redirect("/promotions")
    return web.redirect("/moi")


@router.get("/connexion")
def login_page(web: WebDep, next: Annotated[str | None, Query(max_length=2000)] = None) -> Response:
    if web.settings.hub_enabled:
        auth = _hub(web.settings)
        state = auth.generate_state(_safe_next(web, next))
        response = RedirectResponse(f"{auth.login_url}&{urlencode({'state': state})}", status_code=303)
        response.set_cookie(STATE_COOKIE, state, httponly=True, samesite="lax", max_age=600, path=web.prefix or "/")
        return response
    return web.render("login.html", next=next or "", demo=not web.settings.production)


@router.post("/connexion")
def login(
    web: WebDep,
    csrf_token: Annotated[str, Form()] = "",
    token: Annotated[str, Form(max_length=4096)] = "",
    username: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if not web.csrf_ok(csrf_token):
        return web.csrf_failed()
    demo = not web.settings.production
    if token.strip():
        try:
            principal = resolve_principal(web.db, settings=web.settings, bearer=token.strip())
        except ApiError as exc:  # a hub token without access to this service, or the hub not answering
            return web.render(
                "login.html", status_code=exc.status, next=next, demo=demo, error={"message": exc.message}
            )
        if principal is not None and principal.user_id is not None:
            return _signed_in(web, username=principal.username, next_url=next)
        error = "Ce jeton n'est pas valide (ou a expiré)."
    elif username.strip() and demo:
        if users_crud.get_user(web.db, username=username.strip().lower()) is not None:
            return _signed_in(web, username=username.strip().lower(), next_url=next)
        error = f"Aucun compte « {username.strip()} » dans ce service."
    else:
        error = "Collez un jeton d'API" + (" ou choisissez un compte de démonstration." if demo else ".")
    return web.render("login.html", status_code=401, next=next, demo=demo, error={"message": error})


def _login_failed(web: Web, status: int, message: str) -> Response:
    """A French error page with a way back to the login (which starts a fresh OAuth dance)."""
    response = web.render(
        "error.html",
        status_code=status,
        title="Connexion interrompue",
        message=message,
        retry_url=web.url("/connexion"),
    )
    response.delete_cookie(STATE_COOKIE, path=web.prefix or "/")
    return response


@router.get("/oauth_callback")
async def oauth_callback(
    web: WebDep,
    code: Annotated[str, Query(max_length=1000)] = "",
    state: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """End of the hub's OAuth dance: check the state, get a hub token, open our own web session."""
    expected = web.request.cookies.get(STATE_COOKIE)
    if not web.settings.hub_enabled or not code or not expected or not secrets.compare_digest(state, expected):
        return _login_failed(
            web, 400, "La connexion via le hub n'a pas abouti (état OAuth absent ou différent). Recommencez."
        )
    auth = _hub(web.settings)
    next_url = auth.get_next_url(state)
    auth.clear_oauth_state(state)
    try:
        token = await auth.token_for_code(code, sync=False)
    except HubHTTPError as exc:  # HubOAuth's error for a refused code (500) or a hub that is down (500/502)
        log.warning("OAuth code not exchanged (%s): %s", exc.status_code, exc.log_message)
        if exc.status_code >= 502 or "Failed to connect" in (exc.log_message or ""):
            return _login_failed(web, 503, "Le hub JupyterHub ne répond pas pour l'instant. Réessayez dans un instant.")
        return _login_failed(
            web,
            400,
            "Le hub a refusé ce code de connexion (expiré ou déjà utilisé) : reconnectez-vous pour en obtenir un.",
        )
    try:
        hub_user = await run_in_threadpool(hub_user_for_token, token, web.settings)
    except ApiError as exc:  # 403 no access to this service, 503 hub not answering
        return _login_failed(web, exc.status, exc.message)
    if hub_user is None:
        return _login_failed(web, 403, "Le hub n'a pas reconnu ce compte.")

    def sign_in() -> Response:
        if hub_user.admin:  # a hub administrator administers the academy too, as with hub tokens
            users_crud.ensure_user(web.db, username=hub_user.name, roles=[Role.admin])
        return _signed_in(web, username=hub_user.name, next_url=next_url)

    response = await run_in_threadpool(sign_in)
    response.delete_cookie(STATE_COOKIE, path=web.prefix or "/")
    return response


@router.post("/deconnexion")
def logout(web: WebDep, csrf_token: Annotated[str, Form()] = "") -> Response:
    if not web.csrf_ok(csrf_token):
        return web.csrf_failed()
    raw = web.request.cookies.get(web.settings.session_cookie)
    if raw:
        close_session(web.db, token=raw)
        web.db.commit()
    response = web.redirect("/connexion")
    response.delete_cookie(web.settings.session_cookie, path=web.prefix or "/")
    return response
