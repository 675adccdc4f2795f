"""The CEDIA pipeline's CRUD: archive and restore, paginated lists with filters (milestones, blockers, members,
coaches, relays), deletes, coach unassignment, projects created with their team and milestones, text search."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from progress_api.services import cedia_portfolio as portfolio

API = "/api/v1/cedia"
UNIT = "Direction financière"


def _create(client: TestClient, h: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = client.post(
        f"{API}/projects", json={"title": "Prévision de trésorerie", "unit": UNIT, **fields}, headers=h
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_archive_keeps_the_history_and_restore_brings_it_back(client: TestClient, demo: Any, db: Session) -> None:
    """DELETE archives: off the lists, board and KPIs, still readable with its history; edits refused until
    restored; a stale version is a 409."""
    h = demo.h("cedia")
    project = _create(client, h)
    url = f"{API}/projects/{project['id']}"
    assert client.delete(url, params={"version": 7}, headers=h).status_code == 409
    archived = client.delete(url, params={"version": 1, "comment": "Doublon du projet 12"}, headers=h)
    assert archived.status_code == 200, archived.text
    body = archived.json()
    assert body["archived_at"] is not None and body["version"] == 2
    assert (body["history"][0]["kind"], body["history"][0]["comment"]) == ("archived", "Doublon du projet 12")
    assert client.get(f"{API}/projects", headers=h).json()["total"] == 0
    assert [p["id"] for p in client.get(f"{API}/projects", params={"archived": True}, headers=h).json()["items"]] == [
        project["id"]
    ]
    assert client.get(f"{API}/kpis", headers=h).json()["projects"] == 0
    assert sum(c.total for c in portfolio.board(db, per_column=5)) == 0
    refused = client.patch(url, json={"version": 2, "title": "Autre"}, headers=h)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "archived"
    milestone = client.post(f"{url}/milestones", json={"title": "J", "due_on": "2026-01-01"}, headers=h)
    assert milestone.status_code == 409
    assert client.delete(url, params={"version": 2}, headers=h).status_code == 409  # archiving twice
    restored = client.post(f"{url}/restore", json={"version": 2, "comment": "Pas un doublon"}, headers=h)
    assert restored.status_code == 200
    assert (restored.json()["archived_at"], restored.json()["version"], restored.json()["stage"]) == (None, 3, "intake")
    assert [e["kind"] for e in restored.json()["history"]][:2] == ["restored", "archived"]
    assert client.get(f"{API}/projects", headers=h).json()["total"] == 1
    again = client.post(f"{url}/restore", json={"version": 3}, headers=h)
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_archived"


def test_trainers_read_but_cannot_archive(client: TestClient, demo: Any) -> None:
    project = _create(client, demo.h("cedia"))
    url = f"{API}/projects/{project['id']}"
    assert client.delete(url, params={"version": 1}, headers=demo.h("trainer")).status_code == 403
    assert client.get(f"{url}/milestones", headers=demo.h("trainer")).status_code == 200


def test_project_created_with_its_team_and_milestones(client: TestClient, demo: Any) -> None:
    """One POST writes the project, coaches, team and milestones; the history lists each; version 1."""
    project = _create(
        client,
        demo.h("cedia"),
        coaches=["Aïcha Diallo"],
        members=[
            {"display_name": "Inès Moreau", "username": "apprenant5", "role": "learner"},
            {"display_name": "Paul Roux", "role": "data_relay", "unit": "Direction des ressources humaines"},
        ],
        milestones=[{"title": "Cadrage", "due_on": "2026-10-01"}, {"title": "POC", "due_on": "2026-12-15"}],
    )
    assert project["version"] == 1
    assert [(m["display_name"], m["academy_learner"], m["unit"]) for m in project["members"]] == [
        ("Paul Roux", False, "Direction des ressources humaines"),
        ("Inès Moreau", True, UNIT),
    ]
    assert [m["title"] for m in project["milestones"]] == ["Cadrage", "POC"]
    assert sorted(e["kind"] for e in project["history"]) == [
        "coach",
        "created",
        "milestone",
        "milestone",
        "team",
        "team",
    ]


def test_a_duplicate_in_the_initial_team_is_refused_and_nothing_is_written(client: TestClient, demo: Any) -> None:
    h = demo.h("cedia")
    twice = {"display_name": "Paul Roux", "role": "data_relay"}
    response = client.post(
        f"{API}/projects", json={"title": "Doublon", "unit": UNIT, "members": [twice, twice]}, headers=h
    )
    assert response.status_code == 409 and "Paul Roux" in response.json()["error"]["message"]
    assert client.get(f"{API}/projects", headers=h).json()["total"] == 0


def test_milestone_blocker_and_member_lists_are_paginated_and_filtered(client: TestClient, demo: Any) -> None:
    h = demo.h("cedia")
    project = _create(
        client,
        h,
        members=[
            {"display_name": "Camille Martin", "username": "apprenant1", "role": "data_relay"},
            {"display_name": "Zoé Externe", "username": "zoe", "role": "business_expert"},
            {"display_name": "Paul Roux", "role": "data_relay"},
        ],
        milestones=[{"title": f"Jalon {i}", "due_on": f"2026-0{i}-01"} for i in range(1, 6)],
    )
    url = f"{API}/projects/{project['id']}"
    first = project["milestones"][0]
    client.patch(f"{url}/milestones/{first['id']}", json={"version": 1, "done_on": "2026-01-02"}, headers=h)
    page = client.get(f"{url}/milestones", params={"limit": 2, "offset": 1}, headers=h).json()
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 1)
    assert [m["title"] for m in page["items"]] == ["Jalon 2", "Jalon 3"]
    assert client.get(f"{url}/milestones", params={"done": True}, headers=h).json()["total"] == 1
    assert (
        client.get(f"{url}/milestones", params={"done": False, "due_before": "2026-03-31"}, headers=h).json()["total"]
        == 2
    )
    for text in ("Accès aux données", "Sponsor absent", "Budget"):
        client.post(f"{url}/blockers", json={"description": text}, headers=h)
    blockers = client.get(f"{url}/blockers", headers=h).json()
    assert blockers["total"] == 3
    lifted = blockers["items"][0]
    client.patch(f"{url}/blockers/{lifted['id']}", json={"version": 1, "resolved": True}, headers=h)
    assert client.get(f"{url}/blockers", params={"resolved": False}, headers=h).json()["total"] == 2
    assert [b["id"] for b in client.get(f"{url}/blockers", params={"resolved": True}, headers=h).json()["items"]] == [
        lifted["id"]
    ]
    members = client.get(f"{url}/members", params={"role": "data_relay"}, headers=h).json()
    assert [m["display_name"] for m in members["items"]] == ["Camille Martin", "Paul Roux"]
    learners = client.get(f"{url}/members", params={"academy_learner": True}, headers=h).json()
    assert [m["display_name"] for m in learners["items"]] == ["Camille Martin"]
    others = client.get(f"{url}/members", params={"academy_learner": False}, headers=h).json()
    assert sorted(m["display_name"] for m in others["items"]) == ["Paul Roux", "Zoé Externe"]
    assert client.get(f"{API}/projects/999999/milestones", headers=h).status_code == 404


def test_rows_of_another_project_are_not_found(client: TestClient, demo: Any) -> None:
    """A milestone, blocker or member id is looked up within its project: another project's id is a 404."""
    h = demo.h("cedia")
    mine = _create(client, h, milestones=[{"title": "J", "due_on": "2026-01-01"}])
    other = _create(client, h, title="Autre projet")
    wrong = f"{API}/projects/{other['id']}/milestones/{mine['milestones'][0]['id']}"
    assert client.patch(wrong, json={"version": 1, "title": "x"}, headers=h).status_code == 404
    assert client.delete(wrong, params={"version": 1}, headers=h).status_code == 404
    assert client.delete(f"{API}/projects/{other['id']}/coaches/Personne", headers=h).status_code == 404


def test_a_coach_whose_name_has_a_slash_can_be_unassigned(client: TestClient, demo: Any) -> None:
    h = demo.h("cedia")
    project = _create(client, h, coaches=["Équipe data / IA"])
    response = client.delete(f"{API}/projects/{project['id']}/coaches/Équipe data / IA", headers=h)
    assert response.status_code == 200 and response.json()["coaches"] == []


def test_coaches_are_paginated_with_their_project_counts(client: TestClient, demo: Any) -> None:
    """`/cedia/coaches` pages `{items,total,limit,offset}`, counts live projects, and `q` ignores case and accents."""
    h = demo.h("cedia")
    _create(client, h, coaches=["Aïcha Diallo", "Marc Petit"])
    gone = _create(client, h, title="Archivé", coaches=["Aïcha Diallo"])
    client.delete(f"{API}/projects/{gone['id']}", params={"version": 1}, headers=h)
    _create(client, h, title="Troisième", coaches=["Nadia Benali"])
    page = client.get(f"{API}/coaches", params={"limit": 2}, headers=h).json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
    assert [(c["name"], c["projects"]) for c in page["items"]] == [("Aïcha Diallo", 1), ("Marc Petit", 1)]
    assert [c["name"] for c in client.get(f"{API}/coaches", params={"q": "AICHA"}, headers=h).json()["items"]] == [
        "Aïcha Diallo"
    ]


def test_project_search_ignores_case_and_accents(client: TestClient, demo: Any) -> None:
    """« equipe » finds « Équipe … » on SQLite (whose lower() only folds ASCII) as on PostgreSQL."""
    h = demo.h("cedia")
    _create(client, h, title="Équipe de détection des fraudes")
    _create(client, h, title="Tableau de bord 100 % Santé")
    for q in ("equipe", "ÉQUIPE", "détection", "DETECTION"):
        found = client.get(f"{API}/projects", params={"q": q}, headers=h).json()
        assert [p["title"] for p in found["items"]] == ["Équipe de détection des fraudes"], q
    assert client.get(f"{API}/projects", params={"q": "100 %"}, headers=h).json()["total"] == 1
    assert client.get(f"{API}/projects", params={"q": "_"}, headers=h).json()["total"] == 0  # no LIKE wildcard


def test_roster_relays_are_flagged_listed_and_unflagged(client: TestClient, demo: Any) -> None:
    """PUT flags (201, then 200 and updated), the unit defaults to the directory's; DELETE unflags (204, then 404)."""
    h = demo.h("cedia")
    first = client.put(f"{API}/relays/apprenant5", json={"since": "2025-09-01"}, headers=h)
    assert first.status_code == 201
    assert (first.json()["unit"], first.json()["display_name"], first.json()["designated_by"]) == (
        UNIT,
        "Inès Moreau",
        "cedia",
    )
    again = client.put(f"{API}/relays/apprenant5", json={"unit": "Direction des ressources humaines"}, headers=h)
    assert again.status_code == 200 and again.json()["unit"] == "Direction des ressources humaines"
    client.put(f"{API}/relays/apprenant1", json={}, headers=h)
    listed = client.get(f"{API}/relays", headers=demo.h("trainer")).json()
    assert [(r["username"], r["unit"]) for r in listed["items"]] == [
        ("apprenant1", "Direction des prestations santé"),
        ("apprenant5", "Direction des ressources humaines"),
    ]
    assert client.get(f"{API}/relays", params={"unit": UNIT}, headers=h).json()["total"] == 0
    assert client.put(f"{API}/relays/personne", json={}, headers=h).status_code == 404
    assert client.put(f"{API}/relays/apprenant2", json={}, headers=demo.h("trainer")).status_code == 403
    assert client.delete(f"{API}/relays/apprenant5", headers=h).status_code == 204
    assert client.delete(f"{API}/relays/apprenant5", headers=h).status_code == 404


def test_a_relay_without_any_unit_is_refused_with_the_reason(client: TestClient, demo: Any) -> None:
    h = demo.h("admin")
    assert client.post("/api/v1/users", json={"username": "sans.direction"}, headers=h).status_code == 201
    response = client.put(f"{API}/relays/sans.direction", json={}, headers=h)
    assert response.status_code == 422 and "précisez `unit`" in response.json()["error"]["message"]
