"""Deleting catalogue entries (admin): refused with a clear 409 while releases, learners' work or exercises depend
on them, done (with what they own) once nothing does."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.progress_api.conftest import grade_row


def test_released_assignment_cannot_be_deleted_until_unreleased(client: TestClient, world: Any) -> None:
    """Is a released assignment kept (409 naming the cohorts), then deleted once its releases are withdrawn?"""
    a = world.h("admin")
    refused = client.delete("/api/v1/courses/ct/assignments/a2", headers=a)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "conflict" and "publié pour 2 promotion(s)" in error["message"]
    assert error["details"] == {"released_to": ["ct-2026", "demo-2026"]}
    for cohort in ("ct-2026", "demo-2026"):
        assert client.delete(f"/api/v1/cohorts/{cohort}/releases/ct/a2", headers=a).status_code == 204
    assert client.delete("/api/v1/courses/ct/assignments/a2", headers=a).status_code == 204
    assert client.get("/api/v1/courses/ct/assignments/a2", headers=a).status_code == 404
    assert client.delete("/api/v1/courses/ct/assignments/a2", headers=a).status_code == 404


def test_graded_work_blocks_deleting_its_course_even_unreleased(client: TestClient, world: Any) -> None:
    """Learners' grades are never deleted with the catalogue: 409 while a course's assignment has submissions."""
    a = world.h("admin")
    client.post(
        "/api/v1/ingest/grades", json={"grades": [grade_row("apprenant1", "ex01", 1, 1)]}, headers=world.h("grader")
    )
    for cohort in ("ct-2026", "demo-2026"):
        for slug in ("a1", "a2"):
            client.delete(f"/api/v1/cohorts/{cohort}/releases/ct/{slug}", headers=a)
    refused = client.delete("/api/v1/courses/ct", headers=a)
    assert refused.status_code == 409 and refused.json()["error"]["details"] == {"submissions": 1}
    assert "1 rendu(s) noté(s)" in refused.json()["error"]["message"]
    assert client.get("/api/v1/grades", headers=a).json()["total"] == 1


def test_unused_course_is_deleted_with_its_assignments(client: TestClient, world: Any) -> None:
    a, g = world.h("admin"), world.h("grader")
    assert client.put("/api/v1/courses/vide", json={"title": "Brouillon", "order": 5}, headers=g).status_code == 201
    body = {"title": "x", "points": 1, "exercises": [{"id": "ex01", "max_score": 1, "competencies": ["test.python"]}]}
    assert client.put("/api/v1/courses/vide/assignments/b1", json=body, headers=g).status_code == 201
    assert client.delete("/api/v1/courses/vide", headers=g).status_code == 403  # the grader upserts, never deletes
    assert client.delete("/api/v1/courses/vide", headers=a).status_code == 204
    assert client.get("/api/v1/courses/vide", headers=a).status_code == 404
    assert client.get("/api/v1/assignments", params={"course": "vide"}, headers=a).json()["total"] == 0


def test_competency_in_use_is_kept(client: TestClient, world: Any) -> None:
    """Is a competency trained by exercises refused (listing them), and an unused one deleted?"""
    a = world.h("admin")
    refused = client.delete("/api/v1/competencies/test.ethique", headers=a)
    assert refused.status_code == 409
    assert refused.json()["error"]["details"] == {"exercises": ["ct/a1/ecrit01"]}
    unused = {"competencies": [{"id": "test.inutile", "label": "Inutile", "domain": "test", "levels": []}]}
    assert client.put("/api/v1/competencies", json=unused, headers=a).status_code == 200
    assert client.delete("/api/v1/competencies/test.inutile", headers=a).status_code == 204
    ids = [c["id"] for c in client.get("/api/v1/competencies", headers=a).json()["items"]]
    assert "test.inutile" not in ids and "test.ethique" in ids
    assert client.delete("/api/v1/competencies/test.inutile", headers=a).status_code == 404
