"""Roster sync against a real JupyterHub: enrolling someone or naming a trainer takes effect without a restart."""

from __future__ import annotations

from typing import Any

from conftest import RunningHub, xsrf

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
