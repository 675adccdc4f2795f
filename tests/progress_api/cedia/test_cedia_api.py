"""The CEDIA pipeline API: who may do what, transition rules, the governance gate, history, lost-update protection."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from progress_api.core.errors import ApiError
from progress_api.crud import cedia as crud
from progress_api.models.cedia import CediaProject, ProjectUpdate

API = "/api/v1/cedia"


def create(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {
        "title": "Tri automatique des courriels adhérents",
        "unit": "Direction de la relation adhérents",
        "sponsor": "Claire Fontaine",
        "use_case": "nlp",
        "coaches": ["Nadia Benali"],
        **fields,
    }
    response = client.post(f"{API}/projects", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def move(client: TestClient, headers: dict[str, str], project: dict[str, Any], to: str, comment: str = "") -> Any:
    return client.post(
        f"{API}/projects/{project['id']}/transitions",
        json={"to_stage": to, "version": project["version"], "comment": comment},
        headers=headers,
    )


def advance(client: TestClient, headers: dict[str, str], project: dict[str, Any], *stages: str) -> dict[str, Any]:
    for stage in stages:
        response = move(client, headers, project, stage)
        assert response.status_code == 200, response.text
        project = response.json()
    return project


COMPLETE_HIGH_RISK = {
    "risk_class": "high",
    "risk_justification": "Aide à la décision sur des remboursements",
    "personal_data": True,
    "health_data": True,
    "dpia_done": True,
    "hosting": "hds",
    "human_in_loop": "Un gestionnaire valide chaque proposition",
    "ethics_review_on": "2025-03-12",
}


def test_cedia_creates_a_project_in_intake_with_a_history_entry(client: TestClient, demo: Any) -> None:
    """Created at version 1 in intake; the history says who created it and which coach it started with."""
    project = create(client, demo.h("cedia"))
    assert project["stage"] == "intake" and project["version"] == 1
    assert project["coaches"] == ["Nadia Benali"] and project["archived_at"] is None
    assert [(e["kind"], e["actor"], e["to_value"]) for e in project["history"]] == [
        ("coach", "cedia", "Nadia Benali"),
        ("created", "cedia", "intake"),
    ]


def test_roles_trainer_reads_learner_and_grader_cannot(client: TestClient, demo: Any) -> None:
    """Trainers read the pipeline but cannot change it; learners and the grader get 403; no token gets 401."""
    project = create(client, demo.h("admin"))
    assert client.get(f"{API}/projects", headers=demo.h("trainer")).status_code == 200
    assert client.get(f"{API}/kpis", headers=demo.h("trainer")).status_code == 200
    assert move(client, demo.h("trainer"), project, "qualification").status_code == 403
    for role in ("learner", "grader"):
        assert client.get(f"{API}/projects/{project['id']}", headers=demo.h(role)).status_code == 403
    assert client.get(f"{API}/projects").status_code == 401


def test_skipping_a_stage_is_refused_with_a_clear_message(client: TestClient, demo: Any) -> None:
    project = create(client, demo.h("cedia"))
    response = move(client, demo.h("cedia"), project, "coaching")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "skip_not_allowed"
    assert "Qualification" in error["message"]
    assert client.get(f"{API}/projects/{project['id']}", headers=demo.h("cedia")).json()["stage"] == "intake"


def test_going_back_needs_a_reason_and_is_kept_in_history(client: TestClient, demo: Any) -> None:
    """Back without a reason: 422 and nothing changes; with a reason: moved, and the history says who/from/to/why."""
    h = demo.h("cedia")
    project = advance(client, h, create(client, h), "qualification", "coaching")
    refused = move(client, h, project, "qualification")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "reason_required"
    moved = move(client, h, project, "qualification", "Le périmètre doit être revu avec le sponsor")
    assert moved.status_code == 200
    last = moved.json()["history"][0]
    assert (last["kind"], last["actor"], last["from_value"], last["to_value"]) == (
        "stage",
        "cedia",
        "coaching",
        "qualification",
    )
    assert last["comment"] == "Le périmètre doit être revu avec le sponsor"
    page = client.get(f"{API}/projects/{project['id']}/history", headers=h).json()
    assert page["total"] == 5  # created, coach added, → qualification, → coaching, ← qualification
    stages = client.get(f"{API}/projects/{project['id']}/history", params={"kind": "stage"}, headers=h).json()
    assert [(e["from_value"], e["to_value"]) for e in stages["items"]] == [
        ("coaching", "qualification"),
        ("qualification", "coaching"),
        ("intake", "qualification"),
    ]


def test_delivery_is_gated_by_the_checklist_for_the_risk_class(client: TestClient, demo: Any) -> None:
    """Incomplete high-risk checklist: 409 listing exactly what is missing; once complete, delivery is allowed."""
    h = demo.h("cedia")
    project = advance(client, h, create(client, h), "qualification", "coaching")
    first = move(client, h, project, "delivery")
    assert first.status_code == 409
    assert [m["code"] for m in first.json()["error"]["details"]["missing"]] == ["risk_class"]

    partial = {**COMPLETE_HIGH_RISK, "dpia_done": False, "hosting": "public_cloud", "ethics_review_on": None}
    response = client.put(
        f"{API}/projects/{project['id']}/checklist", json={**partial, "version": project["version"]}, headers=h
    )
    assert response.status_code == 200, response.text
    project = response.json()
    assert [m["code"] for m in project["missing_for_delivery"]] == ["dpia", "hosting", "ethics_review"]
    refused = move(client, h, project, "delivery")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "checklist_incomplete"
    assert [m["code"] for m in error["details"]["missing"]] == ["dpia", "hosting", "ethics_review"]
    assert "HDS" in error["message"] and "revue éthique" in error["message"]

    project = client.put(
        f"{API}/projects/{project['id']}/checklist",
        json={**COMPLETE_HIGH_RISK, "version": project["version"]},
        headers=h,
    ).json()
    assert project["missing_for_delivery"] == []
    assert advance(client, h, project, "delivery")["stage"] == "delivery"


def test_checklist_changes_are_in_the_history(client: TestClient, demo: Any) -> None:
    h = demo.h("cedia")
    project = create(client, h)
    project = client.put(
        f"{API}/projects/{project['id']}/checklist",
        json={"risk_class": "minimal", "personal_data": False, "version": 1, "comment": "Premier cadrage"},
        headers=h,
    ).json()
    changes = {(e["field"], e["from_value"], e["to_value"]) for e in project["history"] if e["kind"] == "checklist"}
    assert changes == {("risk_class", None, "minimal"), ("personal_data", None, "non")}


def test_stale_edit_gets_409_and_overwrites_nothing(client: TestClient, demo: Any) -> None:
    """Two people open version 1; the second save gets 409 saying who changed it, and the first change stays."""
    h = demo.h("cedia")
    project = create(client, h)
    url = f"{API}/projects/{project['id']}"
    first = client.patch(url, json={"version": 1, "title": "Routage des courriels"}, headers=demo.h("admin"))
    assert first.status_code == 200 and first.json()["version"] == 2
    second = client.patch(url, json={"version": 1, "title": "Tri des mails"}, headers=h)
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "stale_version"
    assert "modifié entre-temps par admin" in error["message"] and "Rechargez" in error["message"]
    assert error["details"] == {"your_version": 1, "current_version": 2, "last_change_by": "admin"}
    stale_move = move(client, h, project, "qualification")
    assert stale_move.status_code == 409
    current = client.get(url, headers=h).json()
    assert (current["title"], current["stage"], current["version"]) == ("Routage des courriels", "intake", 2)


def test_conditional_update_catches_a_change_made_after_reading(client: TestClient, demo: Any, db: Session) -> None:
    """Even when the in-memory copy still says version 1, the UPDATE … WHERE version = 1 finds nothing and refuses."""
    project_id = create(client, demo.h("cedia"))["id"]
    mine = db.get(CediaProject, project_id)
    assert mine is not None and mine.version == 1
    response = client.patch(
        f"{API}/projects/{project_id}", json={"version": 1, "sponsor": "X"}, headers=demo.h("admin")
    )
    assert response.status_code == 200  # someone else saved in between
    try:
        crud.update_project(db, project=mine, data=ProjectUpdate(version=1, sponsor="Y"), actor="cedia")
    except ApiError as error:
        assert error.status == 409 and error.code == "stale_version"
    else:  # pragma: no cover - the assertion below explains the failure
        raise AssertionError("a stale in-memory version was allowed to overwrite a newer row")
    db.rollback()
    assert client.get(f"{API}/projects/{project_id}", headers=demo.h("cedia")).json()["sponsor"] == "X"


def test_pause_resumes_where_it_left(client: TestClient, demo: Any) -> None:
    h = demo.h("cedia")
    project = advance(client, h, create(client, h), "qualification", "coaching")
    assert move(client, h, project, "on_hold").status_code == 422
    project = move(client, h, project, "on_hold", "Sponsor en congé").json()
    assert project["held_from"] == "coaching"
    assert move(client, h, project, "delivery", "x").json()["error"]["code"] == "skip_not_allowed"
    assert advance(client, h, project, "coaching")["stage"] == "coaching"


def test_team_milestones_blockers_are_recorded(client: TestClient, demo: Any) -> None:
    """Adding an academy learner flags them as such; milestones and blockers show up and land in the history."""
    h = demo.h("cedia")
    project = create(client, h)
    pid = project["id"]
    member = client.post(
        f"{API}/projects/{pid}/members",
        json={"display_name": "Camille Martin", "username": "apprenant1", "role": "learner"},
        headers=h,
    )
    assert member.status_code == 201 and member.json()["academy_learner"] is True
    outsider = client.post(
        f"{API}/projects/{pid}/members", json={"display_name": "Paul Roux", "role": "data_relay"}, headers=h
    ).json()
    assert outsider["academy_learner"] is False and outsider["unit"] == project["unit"]
    duplicate = client.post(
        f"{API}/projects/{pid}/members", json={"display_name": "Paul Roux", "role": "data_relay"}, headers=h
    )
    assert duplicate.status_code == 409
    milestone = client.post(
        f"{API}/projects/{pid}/milestones", json={"title": "POC validé", "due_on": "2025-06-30"}, headers=h
    ).json()
    blocker = client.post(f"{API}/projects/{pid}/blockers", json={"description": "Accès aux données"}, headers=h)
    assert blocker.status_code == 201
    done = client.patch(
        f"{API}/projects/{pid}/milestones/{milestone['id']}", json={"done_on": "2025-06-20", "version": 1}, headers=h
    )
    assert done.json()["done_on"] == "2025-06-20"
    resolved = client.patch(
        f"{API}/projects/{pid}/blockers/{blocker.json()['id']}", json={"resolved": True, "version": 1}, headers=h
    )
    assert resolved.json()["resolved_at"] is not None
    detail = client.get(f"{API}/projects/{pid}", headers=h).json()
    kinds = [e["kind"] for e in detail["history"]]
    assert kinds.count("team") == 2 and kinds.count("milestone") == 2 and kinds.count("blocker") == 2


def test_bad_input_gets_clear_errors(client: TestClient, demo: Any) -> None:
    h = demo.h("cedia")
    assert client.get(f"{API}/projects/999999", headers=h).json()["error"]["code"] == "not_found"
    assert client.get(f"{API}/projects/99999999999999999999", headers=h).status_code == 422
    project = create(client, h)
    bad = client.post(
        f"{API}/projects/{project['id']}/transitions", json={"to_stage": "livré", "version": 1}, headers=h
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
    assert client.post(f"{API}/projects", json={"title": " ", "unit": "X"}, headers=h).status_code == 422


def test_list_filters_and_paginates(client: TestClient, demo: Any) -> None:
    h = demo.h("cedia")
    for i in range(7):
        create(client, h, title=f"Projet {i}", use_case="forecasting" if i % 2 else "nlp")
    page = client.get(f"{API}/projects", params={"use_case": "nlp", "limit": 2, "offset": 2}, headers=h).json()
    assert page["total"] == 4 and len(page["items"]) == 2
    coach = client.get(f"{API}/projects", params={"coach": "Nadia Benali"}, headers=h).json()
    assert coach["total"] == 7
    assert client.get(f"{API}/projects", params={"coach": "Personne"}, headers=h).json()["total"] == 0
