"""JupyterHub token validation for when the service runs under the hub.

The hub is asked `GET {JUPYTERHUB_API_URL}/user` with the caller's token. Its answer is the token owner's model
with the token's `scopes`; the token must carry access to this service (`access:services!service=<name>`, or
`access:services`), as JupyterHub's own `HubAuth.access_scopes` requires: any other token of the user (a server's
token, a token created with narrower scopes) is refused. Answers about the token — a valid user, a user without
access, an invalid token (the hub says 401/403/404) — are cached for `hub_cache_seconds`, so a page full of
requests costs one round trip and a bad token cannot flood the hub. Failures that are the hub's — no connection,
timeout, 5xx, an unreadable answer — raise `HubUnavailable` and are never cached: the next request asks again.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

import httpx

DEFAULT_SERVICE = "progress"
MAX_ENTRIES = 10_000


class HubUnavailable(Exception):
    """The hub could not say whether the token is valid (its fault, not the token's): answer 503, cache nothing."""


@dataclass(frozen=True)
class HubUser:
    """The owner of a valid hub token, and whether that token may be used with this service."""

    name: str
    admin: bool
    groups: tuple[str, ...]
    may_access: bool = True


def access_scope(service: str) -> str:
    return f"access:services!service={service}"


def grants_access(scopes: list[str] | set[str], service: str) -> bool:
    """Whether `scopes` (the hub's expanded scopes of a token) let it reach `service` (JupyterHub's own check)."""
    from jupyterhub.services.auth import check_scopes  # heavy import, only under the hub

    return bool(check_scopes({access_scope(service)}, set(scopes)))


class HubTokenCache:
    """Validated tokens → hub user, for a short time; hub failures are not cached."""

    def __init__(self, *, api_url: str, ttl: float, service: str = DEFAULT_SERVICE, timeout: float = 5.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.ttl = ttl
        self.service = service
        self.timeout = timeout
        self._entries: dict[str, tuple[float, HubUser | None]] = {}
        self._lock = threading.Lock()

    def lookup(self, token: str) -> HubUser | None:
        """The token's user (check `may_access`), None for a token the hub does not accept; raises HubUnavailable."""
        key = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        user = self._ask_hub(token)  # raises HubUnavailable: nothing stored
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:  # bounded memory: drop everything rather than track LRU order
                self._entries.clear()
            self._entries[key] = (now + self.ttl, user)
        return user

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()

    def _ask_hub(self, token: str) -> HubUser | None:
        try:
            response = httpx.get(
                f"{self.api_url}/user", headers={"Authorization": f"token {token}"}, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise HubUnavailable(f"no answer from {self.api_url}: {type(exc).__name__}") from exc
        if response.status_code in (401, 403, 404):
            return None  # the hub answers 403 for a bogus token
        if response.status_code != 200:
            raise HubUnavailable(f"{self.api_url}/user answered HTTP {response.status_code}")
        try:
            model = response.json()
        except ValueError as exc:
            raise HubUnavailable(f"{self.api_url}/user answered something that is not JSON") from exc
        if not isinstance(model, dict):
            raise HubUnavailable(f"{self.api_url}/user answered an unexpected document")
        if model.get("kind", "user") != "user" or not model.get("name"):
            return None  # service tokens identify services, not people
        scopes = model.get("scopes")
        return HubUser(
            name=str(model["name"]),
            admin=bool(model.get("admin")),
            groups=tuple(str(g) for g in model.get("groups") or ()),
            may_access=isinstance(scopes, list) and grants_access(scopes, self.service),
        )


_caches: dict[tuple[str, float, str], HubTokenCache] = {}
_caches_lock = threading.Lock()


def hub_cache(*, api_url: str, ttl: float, service: str = DEFAULT_SERVICE) -> HubTokenCache:
    """One cache per hub URL and service per process."""
    key = (api_url, ttl, service)
    with _caches_lock:
        if key not in _caches:
            _caches[key] = HubTokenCache(api_url=api_url, ttl=ttl, service=service)
        return _caches[key]
