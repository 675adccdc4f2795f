"""Login-time roster checks: who may log in is the roster, and a login keeps the roster's groups.

Two ways in, one rule. The local demo path (`RosterSharedPasswordAuthenticator`) admits only hub users, which the
roster sync (hub/roster_sync.py) creates and deletes from the roster; the SSO path (`RosterLoginHook`, an
OAuthenticator `post_auth_hook`, local and Kubernetes) reads the roster at each login. Either way, someone the roster
does not list is refused with a page saying why, in French, instead of a bare "invalid username or password".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from jupyterhub.authenticators.shared import SharedPasswordAuthenticator
from tornado import web

from hub.roster_sync import groups_of, people
from hub.services import SERVICE_ACCOUNTS

log = logging.getLogger("academy.roster_login")

NOT_ENROLLED = (
    "Votre compte n'est pas (ou n'est plus) inscrit à l'Académie : la connexion est refusée. "
    "Si vous pensez qu'il s'agit d'une erreur, contactez votre formateur ou l'équipe de l'Académie."
)
ROSTER_UNAVAILABLE = (
    "La liste des inscrits de l'Académie est momentanément indisponible et votre compte n'est pas encore connu de "
    "la plateforme : réessayez dans quelques minutes."
)


async def fetch_roster_async(*, progress_url: str, token: str, timeout: float) -> dict[str, Any]:
    """`GET {progress_url}/api/v1/roster` with an admin token of the progress service (the sync's `fetch_roster`)."""
    async with httpx.AsyncClient(timeout=timeout) as client:
        url = progress_url.rstrip("/") + "/api/v1/roster"
        answer = await client.get(url, headers={"Authorization": f"Bearer {token}"})
    answer.raise_for_status()
    roster: dict[str, Any] = answer.json()
    return roster


@dataclass(frozen=True)
class RosterLoginHook:
    """An OAuthenticator `post_auth_hook`: refuse people the roster does not list, merge the roster's groups in.

    `token` is called at each login, so a rotated secret is used without restarting the hub. With `manage_groups`,
    the groups returned at login replace the user's hub groups: without the merge, a login would drop the academy
    groups until the next sync pass. If the roster cannot be read, someone the hub already knows (the roster as of
    the last sync pass) logs in with the SSO's groups, and anyone else is refused until it can be read again.
    """

    progress_url: str
    token: Callable[[], str]
    timeout: float = 10.0
    skip: frozenset[str] = frozenset(SERVICE_ACCOUNTS)

    async def __call__(self, authenticator: Any, handler: Any, authentication: dict[str, Any]) -> dict[str, Any]:
        name = str(authentication["name"])
        try:
            roster = await fetch_roster_async(progress_url=self.progress_url, token=self.token(), timeout=self.timeout)
            enrolled = {str(entry["username"]).lower() for entry in people(roster, self.skip)}
        except (RuntimeError, httpx.HTTPError, KeyError, TypeError, ValueError) as error:
            # RuntimeError covers SecretError (token unreadable); the others a progress service down or answering junk.
            known = handler is not None and handler.find_user(name) is not None
            log.warning("roster unavailable at login of %s (%s): %s", name, "known" if known else "refused", error)
            if not known:
                raise web.HTTPError(503, ROSTER_UNAVAILABLE) from None
            return authentication
        if name.lower() not in enrolled:
            log.warning("login of %s refused: not in the roster", name)
            raise web.HTTPError(403, NOT_ENROLLED)
        sso_groups = set(authentication.get("groups") or [])
        authentication["groups"] = sorted(sso_groups | groups_of(roster, name))
        return authentication


def local_roster_login_hook() -> RosterLoginHook:
    """The hook on the local platform's settings: the progress service on its own port, the token under ACADEMY_HOME."""
    from hub.config import HubSettings
    from hub.secret_store import read_secret

    settings = HubSettings()
    return RosterLoginHook(
        progress_url=settings.progress_internal_url,
        token=lambda: read_secret("roster_token", settings=settings, generate=False),
    )


class RosterSharedPasswordAuthenticator(SharedPasswordAuthenticator):
    """DEMO ONLY: the shared-password login, admitting the hub's users only (the roster sync keeps them = the roster).

    With the right password but a name the roster does not list, the login page answers 403 with `NOT_ENROLLED`
    rather than JupyterHub's "Invalid username or password", which would send people to retype a password that was
    right.
    """

    def check_allowed(self, username: str, authentication: dict[str, Any] | None = None) -> bool:
        if super().check_allowed(username, authentication):
            return True
        raise web.HTTPError(403, NOT_ENROLLED)
