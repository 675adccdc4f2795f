"""JupyterHub token validation for when the service runs under the hub.

The hub is asked `GET {JUPYTERHUB_API_URL}/user` with the caller's token; the answer (the token owner's model) is
cached for `hub_cache_seconds` so a page full of requests costs one round trip. Bad tokens get 403 from the hub
(not 401): both are "not a valid hub token" here.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class HubUser:
    name: str
    admin: bool
    groups: tuple[str, ...]


class HubTokenCache:
    """Validated tokens → hub user, for a short time; misses are cached too so a bad token cannot flood the hub."""

    def __init__(self, *, api_url: str, ttl: float, service_token: str | None = None, timeout: float = 5.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.ttl = ttl
        self.service_token = service_token
        self.timeout = timeout
        self._entries: dict[str, tuple[float, HubUser | None]] = {}
        self._lock = threading.Lock()

    def lookup(self, token: str) -> HubUser | None:
        key = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        user = self._ask_hub(token)
        with self._lock:
            if len(self._entries) > 10_000:  # bounded memory: drop everything rather than track LRU order
                self._entries.clear()
            self._entries[key] = (now + self.ttl, user)
        return user

    def _ask_hub(self, token: str) -> HubUser | None:
        try:
            response = httpx.get(
                f"{self.api_url}/user", headers={"Authorization": f"token {token}"}, timeout=self.timeout
            )
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        try:
            model = response.json()
        except ValueError:
            return None
        if not isinstance(model, dict) or model.get("kind", "user") != "user" or not model.get("name"):
            return None  # service tokens identify services, not people
        return HubUser(name=str(model["name"]), admin=bool(model.get("admin")), groups=tuple(model.get("groups") or ()))


_caches: dict[tuple[str, float], HubTokenCache] = {}


def hub_cache(*, api_url: str, ttl: float) -> HubTokenCache:
    """One cache per hub URL per process."""
    key = (api_url, ttl)
    if key not in _caches:
        _caches[key] = HubTokenCache(api_url=api_url, ttl=ttl)
    return _caches[key]
