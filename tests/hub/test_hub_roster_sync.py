"""Roster sync against a real JupyterHub: enrolling, naming a trainer or leaving takes effect without a restart."""

from __future__ import annotations

import html
from typing import Any

import httpx
import psutil
from hub_harness import DEMO_PASSWORD, RunningHub, server_pid, user_token, wait_ready_server, xsrf

from hub.roster_sync import HubClient, desired_groups, sync_once
from hub.secret_store import read_secret

ROSTER: dict[str, Any] = {
    "users": [
        {"username": "Lea", "display_name": "Léa", "roles": ["learner"], "cohorts": ["p1"], "trains": []},
        {"username": "hugo", "display_name": "Hugo", "roles": ["learner"], "cohorts": ["p1"], "trains": []},
        {"username": "sophie", "display_name": "Sophie", "roles": ["trainer"], "cohorts": [], "trains": ["p1"]},
    ]
}


def hub_client(hub: RunningHub) -> HubClient:
    token = read_secret("roster_sync_hub_token", settings=hub.settings, generate=False)
    return HubClient(api_url=hub.url + "/hub/api", token=token)


def test_roster_maps_roles_and_cohorts_to_groups() -> None:
    """Does the roster become role groups plus one group per cohort learnt and per cohort trained?"""
    groups = desired_groups(ROSTER)
    assert groups["learners"] == {"lea", "hugo"}
    assert groups["trainers"] == {"sophie"}
    assert groups["cohort-p1"] == {"lea", "hugo"}
    assert groups["trains-p1"] == {"sophie"}
    assert groups["cedia"] == set() and groups["admins"] == set()


def test_sync_creates_users_and_groups_once(hub_alone: RunningHub) -> None:
    """Does a pass create the users and groups, and a second pass with the same roster change nothing?"""
    client = hub_client(hub_alone)
    first = sync_once(roster=ROSTER, hub=client)
    assert first.users_created == ["hugo", "lea", "sophie"]
    assert first.added["learners"] == ["hugo", "lea"]
    again = sync_once(roster=ROSTER, hub=client)
    assert not again.changed
    groups = client.groups()
    assert groups["trains-p1"] == {"sophie"}


def test_enrolling_and_naming_a_trainer_apply_to_a_running_hub(hub_alone: RunningHub) -> None:
    """Does a new learner log in, and a learner promoted to trainer lose `learners`, with no hub restart?"""
    client = hub_client(hub_alone)
    sync_once(roster=ROSTER, hub=client)
    # Before enrolment the demo password does not let an unknown person in.
    login = hub_alone.login
    try:
        login("ines")
        raise AssertionError("an unenrolled user could log in")
    except AssertionError as refused:
        assert "403" in str(refused)
    changed = {
        "users": [
            *ROSTER["users"][:1],
            {"username": "hugo", "roles": ["trainer"], "cohorts": [], "trains": ["p1"]},
            ROSTER["users"][2],
            {"username": "ines", "roles": ["learner"], "cohorts": ["p1"], "trains": []},
        ]
    }
    report = sync_once(roster=changed, hub=client)
    assert report.users_created == ["ines"]
    assert report.removed["learners"] == ["hugo"]
    assert report.added["trainers"] == ["hugo"]
    session = login("ines")
    me = session.get("/hub/api/user", headers=xsrf(session))
    assert me.status_code == 200, me.text
    assert set(me.json()["groups"]) == {"learners", "cohort-p1"}
    # Rights come with the group's role: the session may now log in to the progress service.
    assert "access:services!service=progress" in me.json()["scopes"], me.json()["scopes"]
    # The hub's own view of hugo's rights changed without a restart.
    hugo = client.http.get("users/hugo").json()
    assert set(hugo["groups"]) == {"trainers", "trains-p1"}


def test_leaving_the_roster_removes_every_access(hub_alone: RunningHub) -> None:
    """Does someone who leaves the roster lose their server, tokens and session, and get told why at login?"""
    client = hub_client(hub_alone)
    roster = {"users": [*ROSTER["users"], {"username": "zoe", "roles": ["learner"], "cohorts": ["p1"], "trains": []}]}
    sync_once(roster=roster, hub=client)
    session = hub_alone.login("zoe")
    wait_ready_server(session, "zoe")
    # Her server as the hub recorded it: a fork server's child shows neither jupyterhub-singleuser in its command
    # line nor her name in /proc/<pid>/environ (both are the fork server's), so they cannot identify it.
    server = psutil.Process(server_pid(hub_alone, "zoe"))
    assert server.is_running()
    token = user_token(session, "zoe")
    report = sync_once(roster=ROSTER, hub=client)
    assert report.users_removed == ["zoe"] and not report.removals_pending
    assert "zoe" not in client.usernames()
    assert not server.is_running() or server.status() == psutil.STATUS_ZOMBIE
    with_token = httpx.get(hub_alone.url + "/hub/api/user", headers={"Authorization": f"token {token}"})
    assert with_token.status_code == 403
    assert session.get("/hub/api/user", headers=xsrf(session)).status_code == 403  # her cookie is no session
    assert session.get("/user/zoe/api/status").status_code != 200
    # The right (demo) password, but no longer in the roster: refused, with the reason in French.
    fresh = httpx.Client(base_url=hub_alone.url, timeout=60)
    fresh.get("/hub/login")
    refused = fresh.post(
        "/hub/login", data={"username": "zoe", "password": DEMO_PASSWORD, "_xsrf": fresh.cookies.get("_xsrf", "")}
    )
    fresh.close()
    assert refused.status_code == 403
    assert "n'est plus) inscrit à l'Académie" in html.unescape(refused.text)


def test_an_empty_roster_removes_nobody(hub_alone: RunningHub) -> None:
    """Does a roster listing nobody (a progress service misconfigured or restarting) leave every hub user in place?"""
    client = hub_client(hub_alone)
    sync_once(roster=ROSTER, hub=client)
    before = client.usernames()
    report = sync_once(roster={"users": []}, hub=client)
    assert report.removals_skipped is True and report.users_removed == []
    assert client.usernames() == before
