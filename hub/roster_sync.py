"""Roster sync: the progress service's roster becomes hub users and groups, without restarting the hub.

Runs as the hub-managed service `roster-sync` (`python -m hub.roster_sync`): every ACADEMY_ROSTER_INTERVAL seconds it
reads `GET {ACADEMY_PROGRESS_URL}/api/v1/roster` with an admin token of the progress service and pushes the
difference into the hub REST API with its own hub token. Roles are bound to groups in the hub configuration
(hub/services.py), so adding someone to `trainers` makes them a trainer at once. Only groups this module manages are
touched (`learners`, `trainers`, `cedia`, `admins`, `cohort-*`, `trains-*`). Who may log in is the roster: people it
lists become hub users, and a hub user it no longer lists is deleted from the hub (their server stopped, their
tokens and sessions gone), so they can no longer log in. Their files are kept (home, submissions, grades).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from hub.services import ROLE_GROUPS

log = logging.getLogger("academy.roster_sync")

COHORT_PREFIX, TRAINS_PREFIX = "cohort-", "trains-"
PAGINATED = {"Accept": "application/jupyterhub-pagination+json"}


def is_managed(group: str) -> bool:
    return group in ROLE_GROUPS.values() or group.startswith((COHORT_PREFIX, TRAINS_PREFIX))


def people(roster: dict[str, Any], skip: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Roster entries for people: the platform's own service accounts (grader, roster sync) never log in."""
    return [u for u in roster.get("users", []) if str(u["username"]).lower() not in skip]


def desired_groups(roster: dict[str, Any], skip: frozenset[str] = frozenset()) -> dict[str, set[str]]:
    """Hub group -> members, from a roster answer (`{"users": [{"username", "roles", "cohorts", "trains"}]}`)."""
    groups: dict[str, set[str]] = {name: set() for name in ROLE_GROUPS.values()}
    for entry in people(roster, skip):
        name = str(entry["username"]).lower()  # JupyterHub normalises usernames to lower case
        for role in entry.get("roles", []):
            if role in ROLE_GROUPS:
                groups[ROLE_GROUPS[role]].add(name)
        for cohort in entry.get("cohorts", []):
            groups.setdefault(COHORT_PREFIX + cohort, set()).add(name)
        for cohort in entry.get("trains", []):
            groups.setdefault(TRAINS_PREFIX + cohort, set()).add(name)
    return groups


@dataclass
class SyncReport:
    """What one pass changed (logged, and asserted by tests)."""

    users_created: list[str] = field(default_factory=list)
    users_removed: list[str] = field(default_factory=list)
    # Left the roster, but their server is still stopping: the next pass deletes them.
    removals_pending: list[str] = field(default_factory=list)
    # The roster listed nobody: removals were not done (an empty answer is an outage, not everyone leaving).
    removals_skipped: bool = False
    added: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.users_created or self.users_removed or self.removals_pending or self.added or self.removed)


class HubClient:
    """The few hub REST calls the sync needs (JupyterHub's API, paginated lists)."""

    def __init__(self, *, api_url: str, token: str, timeout: float = 30.0) -> None:
        self.http = httpx.Client(
            base_url=api_url.rstrip("/") + "/", headers={"Authorization": f"token {token}"}, timeout=timeout
        )

    def _pages(self, path: str) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            answer = self.http.get(path, params={"offset": offset, "limit": 200}, headers=PAGINATED)
            answer.raise_for_status()
            body = answer.json()
            yield from body["items"]
            following = body.get("_pagination", {}).get("next")
            if not following:
                return
            offset = int(following["offset"])

    def usernames(self) -> set[str]:
        return {user["name"] for user in self._pages("users")}

    def groups(self) -> dict[str, set[str]]:
        return {group["name"]: set(group["users"]) for group in self._pages("groups")}

    def create_users(self, names: list[str]) -> None:
        self.http.post("users", json={"usernames": names}).raise_for_status()

    def delete_user(self, name: str) -> bool:
        """Delete a user (the hub stops their server first); False while their server is still stopping."""
        answer = self.http.delete(f"users/{name}")
        if answer.status_code == 400 and "stopping" in answer.text:
            return False
        if answer.status_code != 404:  # already gone: nothing left to remove
            answer.raise_for_status()
        return True

    def create_group(self, name: str) -> None:
        self.http.post(f"groups/{name}").raise_for_status()

    def add_members(self, group: str, names: list[str]) -> None:
        self.http.post(f"groups/{group}/users", json={"users": names}).raise_for_status()

    def remove_members(self, group: str, names: list[str]) -> None:
        self.http.request("DELETE", f"groups/{group}/users", json={"users": names}).raise_for_status()

    def close(self) -> None:
        self.http.close()


def fetch_roster(*, progress_url: str, token: str, timeout: float = 30.0) -> dict[str, Any]:
    answer = httpx.get(
        progress_url.rstrip("/") + "/api/v1/roster", headers={"Authorization": f"Bearer {token}"}, timeout=timeout
    )
    answer.raise_for_status()
    roster: dict[str, Any] = answer.json()
    return roster


def sync_once(*, roster: dict[str, Any], hub: HubClient, skip: frozenset[str] = frozenset()) -> SyncReport:
    """Make the hub's users and managed groups match the roster; a second pass with the same roster changes nothing.

    Someone the roster no longer lists is deleted from the hub (server stopped, tokens gone): the roster decides who
    may log in. A roster listing nobody deletes nobody (a misconfigured or restarting progress service, not a
    mass departure) and is reported as `removals_skipped`.
    """
    report = SyncReport()
    wanted = desired_groups(roster, skip)
    everyone = set().union(*wanted.values()) | {str(u["username"]).lower() for u in people(roster, skip)}
    present = hub.usernames()
    missing = sorted(everyone - present)
    if missing:
        hub.create_users(missing)
        report.users_created = missing
    if not everyone and present:
        log.warning("the roster lists nobody: %d hub users kept until it lists people again", len(present))
        report.removals_skipped = True
    else:
        for name in sorted(present - everyone):
            (report.users_removed if hub.delete_user(name) else report.removals_pending).append(name)
    current = hub.groups()
    for group in sorted(set(wanted) | {g for g in current if is_managed(g)}):
        want = wanted.get(group, set())
        have = current.get(group)
        if have is None:
            if not want:
                continue
            hub.create_group(group)
            have = set()
        if add := sorted(want - have):
            hub.add_members(group, add)
            report.added[group] = add
        if drop := sorted(have - want):
            hub.remove_members(group, drop)
            report.removed[group] = drop
    return report


def groups_of(roster: dict[str, Any], username: str) -> set[str]:
    """The managed groups one user belongs to according to the roster."""
    return {group for group, members in desired_groups(roster).items() if username.lower() in members}


async def add_roster_groups(authenticator: Any, handler: Any, authentication: dict[str, Any]) -> dict[str, Any]:
    """The local platform's OIDC post_auth_hook: `hub.roster_login.RosterLoginHook` on this machine's settings.

    (The Kubernetes configuration builds its own hook with the progress Service's URL.)
    """
    from hub.roster_login import local_roster_login_hook  # late: roster_login imports this module

    return await local_roster_login_hook()(authenticator, handler, authentication)


def main(
    *,
    progress_url: str,
    roster_token: str,
    hub_api_url: str,
    hub_token: str,
    interval: float,
    skip: frozenset[str] = frozenset(),
) -> None:
    """Sync forever; a failed pass (progress service restarting, hub busy) is logged and retried next interval."""
    hub = HubClient(api_url=hub_api_url, token=hub_token)
    try:
        while True:
            try:
                roster = fetch_roster(progress_url=progress_url, token=roster_token)
                report = sync_once(roster=roster, hub=hub, skip=skip)
            except (httpx.HTTPError, KeyError, ValueError) as error:
                log.warning("roster sync failed, retrying in %.0f s: %s", interval, error)
            else:
                if report.changed:
                    log.info("roster sync: %s", report)
            time.sleep(interval)
    finally:
        hub.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="[%(levelname)s %(asctime)s roster-sync] %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request every few seconds is noise
    with contextlib.suppress(KeyboardInterrupt):  # the hub stops its services with SIGINT/SIGTERM: a normal exit
        main(
            progress_url=os.environ["ACADEMY_PROGRESS_URL"],
            roster_token=os.environ["ACADEMY_ROSTER_TOKEN"],
            # ACADEMY_HUB_API_URL, when set, overrides the hub's own choice (on Kubernetes the hub hands services its
            # Service address, which the hub pod's network policy may not let it reach from inside).
            hub_api_url=os.environ.get("ACADEMY_HUB_API_URL") or os.environ["JUPYTERHUB_API_URL"],
            hub_token=os.environ["JUPYTERHUB_API_TOKEN"],
            interval=float(os.environ.get("ACADEMY_ROSTER_INTERVAL", "30")),
            skip=frozenset(filter(None, os.environ.get("ACADEMY_ROSTER_SKIP", "").split(","))),
        )
