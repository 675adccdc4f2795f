"""Who is calling: a `Principal` resolved from a bearer token or a web-session cookie.

Three sources, tried in this order by `resolve_principal`:

1. An API token stored hashed in `api_tokens` (`academy api token create --role trainer --user alice`); its role
   is fixed at creation.
2. A web-session token: the same table with `kind="session"` and no fixed role (the principal gets the user's roles
   from `user_roles`). The web pages (issue 4) create one after a successful login and put the raw value in the
   cookie named `settings.session_cookie`:

       raw = open_session(db, username=name, settings=settings)   # after hub OAuth or the dev login
       db.commit()
       response.set_cookie(settings.session_cookie, raw, httponly=True, samesite="lax", path=settings.prefix or "/")
       ...
       principal = resolve_principal(db, settings=settings, cookie=request.cookies.get(settings.session_cookie))
       ...
       close_session(db, token=raw); db.commit()                   # on logout

   The API itself also accepts that cookie (so pages can call it from the browser), but a bearer header wins.
3. A JupyterHub token (only when JUPYTERHUB_API_URL is set), validated against the hub and cached briefly
   (`core/hubauth.py`); it must carry `access:services!service=<this service>`. The user's roles come from the
   database; a hub admin is also `admin`; a hub user unknown to the database is a `learner`.

Returns None when nothing valid was presented: the API answers 401, the pages redirect to the login. A hub token
without access to this service raises ApiError 403, a hub that cannot answer ApiError 503 (never cached).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.config import Settings
from progress_api.core.errors import ApiError
from progress_api.core.hubauth import DEFAULT_SERVICE, HubUnavailable, HubUser, access_scope, hub_cache
from progress_api.core.security import hash_token, new_token
from progress_api.crud import users as users_crud
from progress_api.models.common import Role, utcnow
from progress_api.models.people import ApiToken, User, UserRole

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. `user_id` is None only for a hub user unknown to the database."""

    username: str
    roles: frozenset[Role]
    user_id: int | None
    via: str = "token"  # token | session | hub
    display_name: str = field(default="", compare=False)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


def parse_authorization(header: str | None) -> str | None:
    """The token of `Authorization: Bearer <t>` or `Authorization: token <t>` (JupyterHub's form)."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() not in ("bearer", "token") or not value.strip():
        return None
    return value.strip()


# Resolved tokens are remembered briefly: an authenticated request then costs no query for its identity. Logout and
# revocation through this process clear the memo at once; elsewhere (another process) they apply within TOKEN_TTL.
TOKEN_TTL = 5.0
_memo: dict[tuple[str, str], tuple[float, Principal | None]] = {}
_memo_lock = threading.Lock()


def forget_tokens() -> None:
    with _memo_lock:
        _memo.clear()


def _principal_from_db_token(db: Session, token: str) -> Principal | None:
    key = (str(db.get_bind().engine.url), hash_token(token))
    now = time.monotonic()
    with _memo_lock:
        hit = _memo.get(key)
    if hit is not None and hit[0] > now:
        principal = hit[1]
    else:
        principal = _lookup_db_token(db, token)
        with _memo_lock:
            if len(_memo) > 10_000:
                _memo.clear()
            # A miss is not remembered: a token created a moment ago must work at once.
            if principal is not None:
                _memo[key] = (now + TOKEN_TTL, principal)
    return principal


def _lookup_db_token(db: Session, token: str) -> Principal | None:
    row = db.execute(
        select(ApiToken, User)
        .join(User, col(User.id) == col(ApiToken.user_id))
        .where(col(ApiToken.token_hash) == hash_token(token))
    ).first()
    if row is None:
        return None
    api_token, user = row
    if api_token.expires_at is not None and api_token.expires_at <= utcnow():
        return None
    if api_token.role is not None:
        roles = frozenset({Role(api_token.role)})
    else:
        held = db.execute(select(col(UserRole.role)).where(col(UserRole.user_id) == user.id)).scalars().all()
        roles = frozenset(Role(r) for r in held)
    assert user.id is not None
    return Principal(user.username, roles, user.id, api_token.kind, user.display_name)


def hub_user_for_token(token: str, settings: Settings) -> HubUser | None:
    """The hub user of a token that may use this service; None for a token the hub does not accept.

    Raises ApiError 403 when the token is valid but lacks `access:services!service=<name>`, 503 when the hub cannot
    answer (then nothing is cached: the next request asks again).
    """
    assert settings.hub_api_url
    service = settings.hub_service_name or DEFAULT_SERVICE
    cache = hub_cache(api_url=settings.hub_api_url, ttl=settings.hub_cache_seconds, service=service)
    try:
        hub_user = cache.lookup(token)
    except HubUnavailable as exc:
        log.warning("hub token not checked: %s", exc)
        raise ApiError(
            503,
            "hub_unavailable",
            "Le hub JupyterHub ne répond pas : votre jeton n'a pas pu être vérifié. Réessayez dans un instant.",
        ) from None
    if hub_user is not None and not hub_user.may_access:
        raise ApiError(
            403,
            "forbidden",
            f"Ce jeton JupyterHub ne donne pas accès au service « {service} » : il lui manque le droit "
            f"{access_scope(service)}. Utilisez un jeton du service (connexion par le hub).",
        )
    return hub_user


def _principal_from_hub(db: Session, token: str, settings: Settings) -> Principal | None:
    hub_user = hub_user_for_token(token, settings)
    if hub_user is None:
        return None
    user = users_crud.get_user(db, username=hub_user.name)
    roles: set[Role] = set()
    if user is not None and user.id is not None:
        roles.update(users_crud.roles_of(db, user_ids=[user.id])[user.id])
    if hub_user.admin:
        roles.add(Role.admin)
    if not roles:
        roles.add(Role.learner)
    return Principal(
        hub_user.name, frozenset(roles), user.id if user else None, "hub", user.display_name if user else ""
    )


def resolve_principal(
    db: Session, *, settings: Settings, bearer: str | None = None, cookie: str | None = None, hub: bool = True
) -> Principal | None:
    """The principal for a bearer token (preferred) or a session-cookie value; None if neither is valid.

    `hub=False` skips asking JupyterHub (a network call), for callers that do it separately. Raises ApiError
    403/503 for a hub token, see `hub_user_for_token`.
    """
    for token in (bearer, cookie):
        if not token or len(token) > 4096:
            continue
        principal = _principal_from_db_token(db, token)
        if principal is None and hub and settings.hub_enabled and token is bearer:
            principal = _principal_from_hub(db, token, settings)
        if principal is not None:
            return principal
    return None


def create_api_token(db: Session, *, username: str, role: Role, note: str = "") -> str:
    """A new API token for `username` (created with that role if missing); returns the raw token, shown once."""
    user = users_crud.ensure_user(db, username=username, roles=[role])
    assert user.id is not None
    raw = new_token()
    db.add(ApiToken(user_id=user.id, token_hash=hash_token(raw), role=role.value, kind="api", note=note))
    db.flush()
    return raw


def open_session(db: Session, *, username: str, settings: Settings, display_name: str = "") -> str:
    """A web-session token for a user who just logged in (created as a learner if unknown); put it in the cookie."""
    user = users_crud.get_user(db, username=username)
    if user is None:
        user = users_crud.ensure_user(db, username=username, display_name=display_name, roles=[Role.learner])
    assert user.id is not None
    raw = new_token()
    expires = utcnow() + timedelta(hours=settings.session_hours)
    db.add(ApiToken(user_id=user.id, token_hash=hash_token(raw), role=None, kind="session", expires_at=expires))
    db.flush()
    return raw


def close_session(db: Session, *, token: str) -> None:
    """Forget a web session (logout)."""
    db.execute(delete(ApiToken).where(col(ApiToken.token_hash) == hash_token(token), col(ApiToken.kind) == "session"))
    forget_tokens()


def revoke_tokens(db: Session, *, username: str) -> int:
    """Delete every token of a user; returns how many."""
    user = users_crud.get_user(db, username=username)
    if user is None:
        return 0
    # Through the session's connection: a CursorResult, whose rowcount says how many were deleted.
    result = db.connection().execute(delete(ApiToken).where(col(ApiToken.user_id) == user.id))
    forget_tokens()
    return int(result.rowcount or 0)
