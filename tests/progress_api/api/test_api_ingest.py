"""Grade ingestion by the grader (docs/interfaces.md): idempotent, all-or-nothing, lateness, overrides."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from progress_api.models.grading import Grade, GradeOverride, Submission
from tests.progress_api.conftest import grade_row


def _count(db: Session, model: Any) -> int:
    db.expire_all()
    return int(db.execute(select(func.count()).select_from(model)).scalar_one())


def test_resending_the_same_batch_changes_nothing(client: TestClient, world: Any, db: Session) -> None:
    """Is ingestion idempotent per (learner, assignment, attempt, exercise)?"""
    batch = {"grades": [grade_row("apprenant1", "ex01", 1, 1), grade_row("apprenant1", "ex02", 1.5, 2)]}
    first = client.post("/api/v1/ingest/grades", json=batch, headers=world.h("grader"))
    assert first.json() == {"created": 2, "updated": 0, "unchanged": 0}
    again = client.post("/api/v1/ingest/grades", json=batch, headers=world.h("grader"))
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}
    batch["grades"][1]["score"] = 2
    changed = client.post("/api/v1/ingest/grades", json=batch, headers=world.h("grader"))
    assert changed.json() == {"created": 0, "updated": 1, "unchanged": 1}
    assert _count(db, Grade) == 2 and _count(db, Submission) == 1


def test_one_bad_row_rejects_the_whole_batch_with_row_errors(client: TestClient, world: Any, db: Session) -> None:
    """Does a batch with unknown learner/exercise and out-of-range score get 422 listing each row, writing nothing?"""
    batch = {
        "grades": [
            grade_row("apprenant1", "ex01", 1, 1),
            grade_row("inconnu", "ex01", 1, 1),
            grade_row("apprenant2", "ex99", 1, 1),
            grade_row("apprenant3", "ex02", 3, 2),
        ]
    }
    response = client.post("/api/v1/ingest/grades", json=batch, headers=world.h("grader"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_rows"
    assert [(e["row"], e["field"]) for e in error["details"]["errors"]] == [
        (1, "learner"),
        (2, "exercise"),
        (3, "score"),
    ]
    assert _count(db, Grade) == 0 and _count(db, Submission) == 0


def test_conflicting_duplicate_rows_are_rejected(client: TestClient, world: Any) -> None:
    """Are two rows for the same key with different scores refused (which one would win is undefined)?"""
    batch = {"grades": [grade_row("apprenant1", "ex01", 1, 1), grade_row("apprenant1", "ex01", 0, 1)]}
    response = client.post("/api/v1/ingest/grades", json=batch, headers=world.h("grader"))
    assert response.status_code == 422
    assert "double" in response.json()["error"]["details"]["errors"][0]["message"]


def test_submission_after_the_due_date_is_late_and_follows_due_date_changes(client: TestClient, world: Any) -> None:
    """Is a submission after the cohort's due date marked late, and un-marked when the due date moves later?"""
    rows = [grade_row("apprenant1", "ex01", 1, 1, submitted_at="2026-09-15T09:00:00+00:00")]
    client.post("/api/v1/ingest/grades", json={"grades": rows}, headers=world.h("grader"))
    subs = client.get("/api/v1/submissions", params={"learner": "apprenant1"}, headers=world.h("trainer")).json()
    assert subs["items"][0]["late"] is True
    client.put(
        "/api/v1/cohorts/demo-2026/releases/ct/a1",
        json={"due_date": "2026-09-20T22:00:00+00:00"},
        headers=world.h("grader"),
    )
    subs = client.get("/api/v1/submissions", params={"learner": "apprenant1"}, headers=world.h("trainer")).json()
    assert subs["items"][0]["late"] is False


def test_override_keeps_an_audit_trail_and_survives_reingestion(client: TestClient, world: Any, db: Session) -> None:
    """Does a trainer's override record who/when/why/old/new, and does re-sending the graded batch keep it?"""
    batch = {"grades": [grade_row("apprenant1", "ecrit01", 0.5, 2, kind="manual")]}
    client.post("/api/v1/ingest/grades", json=batch, headers=world.h("grader"))
    grade = client.get("/api/v1/grades", params={"learner": "apprenant1"}, headers=world.h("trainer")).json()["items"][
        0
    ]
    response = client.post(
        f"/api/v1/grades/{grade['id']}/overrides",
        json={"score": 1.5, "reason": "Argumentation juste, mal notée"},
        headers=world.h("trainer"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["score"] == 1.5 and response.json()["graded_score"] == 0.5
    client.post("/api/v1/ingest/grades", json=batch, headers=world.h("grader"))
    after = client.get(f"/api/v1/grades/{grade['id']}", headers=world.h("learner")).json()
    assert after["score"] == 1.5 and after["overridden"] is True
    trail = client.get(f"/api/v1/grades/{grade['id']}/overrides", headers=world.h("trainer")).json()["items"]
    assert [(t["by"], t["old_score"], t["new_score"]) for t in trail] == [("formateur", 0.5, 1.5)]
    assert _count(db, GradeOverride) == 1


def test_override_out_of_range_is_refused(client: TestClient, world: Any) -> None:
    client.post(
        "/api/v1/ingest/grades", json={"grades": [grade_row("apprenant1", "ex01", 1, 1)]}, headers=world.h("grader")
    )
    grade = client.get("/api/v1/grades", headers=world.h("admin")).json()["items"][0]
    response = client.post(
        f"/api/v1/grades/{grade['id']}/overrides", json={"score": 5, "reason": "trop"}, headers=world.h("admin")
    )
    assert response.status_code == 422


def test_catalogue_upserts_are_idempotent(client: TestClient, world: Any) -> None:
    """Does re-sending the competencies and an assignment report no change (the grader re-registers on release)?"""
    from tests.progress_api.conftest import ASSIGNMENT_A1, CATALOG_COMPETENCIES

    again = client.put("/api/v1/competencies", json=CATALOG_COMPETENCIES, headers=world.h("grader")).json()
    assert again == {"created": 0, "updated": 0, "unchanged": 2}
    response = client.put("/api/v1/courses/ct/assignments/a1", json=ASSIGNMENT_A1, headers=world.h("grader"))
    assert response.status_code == 200
    body = response.json()
    assert [e["id"] for e in body["exercises"]] == ["ex01", "ex02", "ecrit01"]
    assert body["exercises"][1]["competencies"] == [{"id": "test.python", "level": 2}]


def test_assignment_with_unknown_competency_is_refused(client: TestClient, world: Any) -> None:
    body = {"title": "x", "points": 1, "exercises": [{"id": "ex01", "max_score": 1, "competencies": ["nope.nope"]}]}
    response = client.put("/api/v1/courses/ct/assignments/a9", json=body, headers=world.h("grader"))
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {"unknown": ["nope.nope"]}


def test_selfcheck_recorded_by_learner_and_by_grader(client: TestClient, world: Any) -> None:
    """Can a learner record their own self-check, the grader one for a named learner, and is a learner refused
    when naming someone else?"""
    body = {"course": "ct", "assignment": "a1", "exercise": "ex02", "passed": False}
    assert client.post("/api/v1/selfchecks", json=body, headers=world.h("learner")).status_code == 201
    grader_body = {**body, "passed": True, "learner": "apprenant2"}
    assert client.post("/api/v1/selfchecks", json=grader_body, headers=world.h("grader")).status_code == 201
    assert (
        client.post(
            "/api/v1/selfchecks", json={**body, "learner": "apprenant2"}, headers=world.h("learner")
        ).status_code
        == 403
    )
    mine = client.get("/api/v1/selfchecks", headers=world.h("learner")).json()
    assert [c["learner"] for c in mine["items"]] == ["apprenant1"]


def test_malformed_json_body_gets_422_in_the_error_shape(client: TestClient, world: Any) -> None:
    """Does a truncated JSON body get a 422 with the shared shape (not a 500), and a row with a bad type the
    `invalid_rows` report {row, field, message}?"""
    h = {**world.h("grader"), "Content-Type": "application/json"}
    broken = client.post("/api/v1/ingest/grades", content=b'{"grades": [{"learner": "a"', headers=h)
    assert broken.status_code == 422 and broken.json()["error"]["code"] == "validation_error"
    row = grade_row("apprenant1", "ex01", 1, 1)
    row["score"] = "beaucoup"
    typed = client.post("/api/v1/ingest/grades", json={"grades": [row]}, headers=world.h("grader"))
    assert typed.status_code == 422
    error = typed.json()["error"]  # a row failing the schema gets the same per-row report as any bad row
    assert error["code"] == "invalid_rows" and error["details"]["rows"] == 1
    assert [(e["row"], e["field"]) for e in error["details"]["errors"]] == [(0, "score")]
    not_a_batch = client.post("/api/v1/ingest/grades", json={"rows": []}, headers=world.h("grader"))
    assert not_a_batch.status_code == 422 and not_a_batch.json()["error"]["code"] == "validation_error"
    anonymous = client.post("/api/v1/ingest/grades", content=b"not even json")
    assert anonymous.status_code == 401


def test_completed_statement_carries_the_assignments_result(client: TestClient, world: Any) -> None:
    """Does the xAPI "completed" statement of an ingested attempt carry score raw/min/max/scaled and success?"""
    rows = [grade_row("apprenant1", "ex01", 2, 2, assignment="a2")]
    client.post("/api/v1/ingest/grades", json={"grades": rows}, headers=world.h("grader"))
    rows = [grade_row("apprenant2", "ex01", 0.5, 2, assignment="a2")]
    client.post("/api/v1/ingest/grades", json={"grades": rows}, headers=world.h("grader"))
    statements = client.get("/api/v1/exports/xapi", params={"limit": 500}, headers=world.h("admin")).json()
    completed = [s["result"] for s in statements["statements"] if s["verb"]["id"].endswith("/completed")]
    assert completed == [
        {"completion": True, "success": True, "score": {"raw": 2.0, "min": 0, "max": 2.0, "scaled": 1.0}},
        {"completion": True, "success": False, "score": {"raw": 0.5, "min": 0, "max": 2.0, "scaled": 0.25}},
    ]
