"""Concurrent edits beyond the project's own fields: milestones and blockers are versioned (409 on a stale edit or
delete), and every change of the plan, team or coaches bumps the project's version and `updated_at` and lands in
its history (who, when, what)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1/cedia"
UNIT = "Direction de la relation adhérents"


def _project(client: TestClient, h: dict[str, str]) -> dict[str, Any]:
    body = {
        "title": "Tri des courriels",
        "unit": UNIT,
        "coaches": ["Nadia Benali"],
        "members": [{"display_name": "Paul Roux", "role": "data_relay"}],
        "milestones": [{"title": "Cadrage", "due_on": "2026-10-01"}],
    }
    response = client.post(f"{API}/projects", json=body, headers=h)
    assert response.status_code == 201, response.text
    project = response.json()
    project["blocker"] = client.post(
        f"{API}/projects/{project['id']}/blockers", json={"description": "Accès aux données"}, headers=h
    ).json()
    return project


def test_every_plan_and_team_change_bumps_the_project_and_is_in_its_history(client: TestClient, demo: Any) -> None:
    """Ten kinds of change, each: version + 1, a later `updated_at`, and one history entry by the right actor."""
    h = demo.h("cedia")
    project = _project(client, h)
    pid, url = project["id"], f"{API}/projects/{project['id']}"
    milestone, member, blocker = project["milestones"][0], project["members"][0], project["blocker"]
    m, b = f"{url}/milestones/{milestone['id']}", f"{url}/blockers/{blocker['id']}"
    # (label, method, path, json body, query, (history kind, field))
    changes: list[tuple[str, str, str, Any, Any, tuple[str, str | None]]] = [
        ("add milestone", "POST", f"{url}/milestones", {"title": "POC", "due_on": "2026-12-01"}, None,
         ("milestone", None)),
        ("edit milestone", "PATCH", m, {"version": 1, "due_on": "2026-10-15"}, None, ("milestone", "due_on")),
        ("reach milestone", "PATCH", m, {"version": 2, "done_on": "2026-10-14"}, None, ("milestone", "done_on")),
        ("resolve blocker", "PATCH", b, {"version": 1, "resolved": True}, None, ("blocker", "resolved")),
        ("reword blocker", "PATCH", b, {"version": 2, "description": "Habilitations"}, None,
         ("blocker", "description")),
        ("add member", "POST", f"{url}/members",
         {"display_name": "Léa Dubois", "username": "apprenant3", "role": "alumni"}, None, ("team", "added")),
        ("remove member", "DELETE", f"{url}/members/{member['id']}", None, None, ("team", "removed")),
        ("assign coach", "POST", f"{url}/coaches", {"name": "Marc Petit"}, None, ("coach", "added")),
        ("unassign coach", "DELETE", f"{url}/coaches/Nadia Benali", None, None, ("coach", "removed")),
        ("delete blocker", "DELETE", b, None, {"version": 3}, ("blocker", "deleted")),
        ("delete milestone", "DELETE", m, None, {"version": 3}, ("milestone", "deleted")),
    ]  # fmt: skip
    before = client.get(url, headers=h).json()
    assert before["version"] == 2  # created at 1, the blocker added by _project bumped it
    for label, method, path, body, query, (kind, field) in changes:
        response = client.request(method, path, json=body, params=query, headers=h)
        assert response.status_code < 300, (label, response.status_code, response.text)
        after = client.get(url, headers=h).json()
        assert after["version"] == before["version"] + 1, label
        assert after["updated_at"] > before["updated_at"], label
        latest = after["history"][0]
        assert (latest["kind"], latest["field"], latest["actor"]) == (kind, field, "cedia"), label
        before = after
    assert [m["title"] for m in before["milestones"]] == ["POC"]
    assert (before["blockers"], before["coaches"]) == ([], ["Marc Petit"])
    assert [m["display_name"] for m in before["members"]] == ["Léa Dubois"]
    deleted = [e for e in before["history"] if e["field"] == "deleted"]
    assert {e["from_value"] for e in deleted} == {"Cadrage (2026-10-15)", "Habilitations"}  # what, once gone
    assert pid == before["id"]


def test_a_stale_milestone_edit_gets_409_and_changes_nothing(client: TestClient, demo: Any) -> None:
    """Two people open milestone version 1; the second save is refused, saying who changed it, what to do."""
    project = _project(client, demo.h("cedia"))
    url = f"{API}/projects/{project['id']}/milestones/{project['milestones'][0]['id']}"
    first = client.patch(url, json={"version": 1, "title": "Cadrage validé"}, headers=demo.h("admin"))
    assert first.status_code == 200 and first.json()["version"] == 2
    second = client.patch(url, json={"version": 1, "title": "Cadrage signé"}, headers=demo.h("cedia"))
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "stale_version"
    assert error["message"].startswith("Ce jalon a été modifié entre-temps par admin")
    assert "Rechargez" in error["message"] and "rien n'a été enregistré" in error["message"]
    assert error["details"] == {"your_version": 1, "current_version": 2, "last_change_by": "admin"}
    stale_delete = client.delete(url, params={"version": 1}, headers=demo.h("cedia"))
    assert stale_delete.status_code == 409
    [milestone] = client.get(f"{API}/projects/{project['id']}/milestones", headers=demo.h("cedia")).json()["items"]
    assert (milestone["title"], milestone["version"]) == ("Cadrage validé", 2)


def test_a_stale_blocker_edit_gets_409(client: TestClient, demo: Any) -> None:
    project = _project(client, demo.h("cedia"))
    url = f"{API}/projects/{project['id']}/blockers/{project['blocker']['id']}"
    assert client.patch(url, json={"version": 1, "resolved": True}, headers=demo.h("admin")).status_code == 200
    stale = client.patch(url, json={"version": 1, "description": "Autre chose"}, headers=demo.h("cedia"))
    assert stale.status_code == 409 and stale.json()["error"]["message"].startswith("Ce blocage a été modifié")
    [blocker] = client.get(f"{API}/projects/{project['id']}/blockers", headers=demo.h("cedia")).json()["items"]
    assert (blocker["description"], blocker["resolved_at"] is not None) == ("Accès aux données", True)


def test_a_project_form_opened_before_a_team_change_is_stale(client: TestClient, demo: Any) -> None:
    """Someone adds a blocker while another person edits the title from version 2: that save gets 409."""
    project = _project(client, demo.h("cedia"))
    url = f"{API}/projects/{project['id']}"
    client.post(f"{url}/members", json={"display_name": "Yanis Bernard", "role": "learner"}, headers=demo.h("admin"))
    stale = client.patch(url, json={"version": 2, "title": "Autre titre"}, headers=demo.h("cedia"))
    assert stale.status_code == 409
    assert "par admin" in stale.json()["error"]["message"]
    assert client.get(url, headers=demo.h("cedia")).json()["title"] == "Tri des courriels"


def test_an_unchanged_save_does_not_bump_anything(client: TestClient, demo: Any) -> None:
    h = demo.h("cedia")
    project = _project(client, h)
    url = f"{API}/projects/{project['id']}"
    same = client.patch(
        f"{url}/milestones/{project['milestones'][0]['id']}", json={"version": 1, "title": "Cadrage"}, headers=h
    )
    assert same.status_code == 200 and same.json()["version"] == 1
    again = client.post(f"{url}/coaches", json={"name": "Nadia Benali"}, headers=h)  # already coaching it
    assert again.status_code == 200 and again.json()["version"] == 2


def test_emptying_a_milestone_title_or_due_date_is_refused(client: TestClient, demo: Any) -> None:
    h = demo.h("cedia")
    project = _project(client, h)
    url = f"{API}/projects/{project['id']}/milestones/{project['milestones'][0]['id']}"
    for body in ({"version": 1, "title": None}, {"version": 1, "due_on": None}, {"title": "sans version"}):
        assert client.patch(url, json=body, headers=h).status_code == 422, body
    reopened = client.patch(url, json={"version": 1, "done_on": None}, headers=h)  # null done_on reopens: allowed
    assert reopened.status_code == 200
