"""Fixtures of the page tests: a signed-in browser-like client per role (dev login through the real form)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient


def csrf_of(html: str) -> str:
    """The CSRF token a rendered page put in its forms."""
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@pytest.fixture
def login(client: TestClient, demo: object) -> Callable[[str], TestClient]:
    """Sign `client` in as a seeded demo account through the login form (its cookies then carry the session)."""

    def sign_in(username: str) -> TestClient:
        page = client.get("/connexion")
        response = client.post(
            "/connexion", data={"username": username, "csrf_token": csrf_of(page.text)}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        return client

    return sign_in


@dataclass
class Gradebook:
    """A released assignment graded for `learners` learners of the demo cohort (apprenant1 scores 0.5/1 on ex01)."""

    cohort: str
    learners: list[str]


def build_gradebook(client: TestClient, demo: Any, *, learners: int, exercises: int = 4) -> Gradebook:
    """Catalogue, release, enrolment and grades through the real API (admin, trainer and grader tokens)."""
    admin, grader = demo.h("admin"), demo.h("grader")
    ok = client.put(
        "/api/v1/competencies",
        json={
            "competencies": [
                {
                    "id": "python.bases",
                    "label": "Bases de Python",
                    "domain": "programmation",
                    "levels": [{"level": 1, "label": "découverte"}, {"level": 2, "label": "autonomie"}],
                }
            ]
        },
        headers=admin,
    )
    assert ok.status_code == 200, ok.text
    assert client.put("/api/v1/courses/c-test", json={"title": "Cours test", "order": 1}, headers=admin).is_success
    ex = [
        {"id": f"ex{i:02d}", "max_score": 1, "kind": "auto", "competencies": ["python.bases"]}
        for i in range(1, exercises + 1)
    ]
    put = client.put(
        "/api/v1/courses/c-test/assignments/a01",
        json={"title": "Premiers pas", "points": exercises, "exercises": ex},
        headers=admin,
    )
    assert put.is_success, put.text
    due = "2026-01-15T12:00:00Z"
    rel = client.put(
        f"/api/v1/cohorts/{demo.cohort}/releases/c-test/a01",
        json={"due_date": due, "released_at": "2026-01-05T08:00:00Z"},
        headers=admin,
    )
    assert rel.is_success, rel.text
    extra = [f"learner{i:03d}" for i in range(max(0, learners - 5))]
    if extra:
        body = {"learners": [{"username": u, "display_name": f"Apprenant {u[-3:]}"} for u in extra]}
        assert client.post(f"/api/v1/cohorts/{demo.cohort}/enrolments/bulk", json=body, headers=admin).is_success
    names = [f"apprenant{i}" for i in range(1, 6)][:learners] + extra
    grades = []
    for n, username in enumerate(names):
        for i in range(1, exercises + 1):
            score = 0.5 if (username == "apprenant1" and i == 1) else float((n + i) % 3 != 0)
            grades.append(
                {
                    "learner": username,
                    "course": "c-test",
                    "assignment": "a01",
                    "attempt": 1,
                    "exercise": f"ex{i:02d}",
                    "score": score,
                    "max_score": 1,
                    "kind": "auto",
                    "submitted_at": "2026-01-10T10:00:00Z",
                    "graded_at": "2026-01-10T10:01:00Z",
                    "feedback_url": None,
                    "comment": "Bien vu" if i == 1 else None,
                }
            )
    ingest = client.post("/api/v1/ingest/grades", json={"grades": grades}, headers=grader)
    assert ingest.status_code == 200, ingest.text
    return Gradebook(cohort=demo.cohort, learners=names)
