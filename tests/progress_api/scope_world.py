"""A second cohort for the scope tests: what a trainer of one cohort must not reach in another.

`autre-2026` is trained by formateur2 (not by formateur); its learners are apprenant1 (also in demo-2026, which
formateur trains) and externe1 (only here). Course `c-autre` is released to `autre-2026` only and graded for both;
`build_other_answers` adds its written answers (`c-autre/b2`), awaiting a trainer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

OTHER_COHORT = "autre-2026"
OTHER_COURSE = "c-autre"


@dataclass
class OtherCohort:
    cohort: str
    course: str
    shared_grade: int  # apprenant1's grade in c-autre (apprenant1 is also in demo-2026)
    outsider_grade: int  # externe1's grade in c-autre (externe1 is only in autre-2026)


def build_other_cohort(client: TestClient, demo: Any) -> OtherCohort:
    """Create `autre-2026` and grade `c-autre` for apprenant1 and externe1, through the real API."""
    admin, grader = demo.h("admin"), demo.h("grader")
    body = {"slug": OTHER_COHORT, "name": "Autre promotion", "programme": "Autre", "trainers": ["formateur2"]}
    assert client.post("/api/v1/cohorts", json=body, headers=admin).status_code == 201
    learners = {"learners": [{"username": "apprenant1"}, {"username": "externe1", "display_name": "Externe Un"}]}
    enrolled = client.post(f"/api/v1/cohorts/{OTHER_COHORT}/enrolments/bulk", json=learners, headers=admin)
    assert enrolled.status_code == 200, enrolled.text
    assert client.put(f"/api/v1/courses/{OTHER_COURSE}", json={"title": "Autre cours", "order": 9}, headers=admin)
    exercises = [{"id": "ex01", "max_score": 2, "kind": "auto", "competencies": []}]
    put = client.put(
        f"/api/v1/courses/{OTHER_COURSE}/assignments/b1",
        json={"title": "Autre devoir", "points": 2, "exercises": exercises},
        headers=admin,
    )
    assert put.is_success, put.text
    release = client.put(
        f"/api/v1/cohorts/{OTHER_COHORT}/releases/{OTHER_COURSE}/b1",
        json={"due_date": "2026-10-01T12:00:00Z", "released_at": "2026-09-20T08:00:00Z"},
        headers=admin,
    )
    assert release.is_success, release.text
    rows = [
        {
            "learner": learner,
            "course": OTHER_COURSE,
            "assignment": "b1",
            "attempt": 1,
            "exercise": "ex01",
            "score": 1,
            "max_score": 2,
            "kind": "auto",
            "submitted_at": "2026-09-25T10:00:00Z",
            "graded_at": "2026-09-25T10:01:00Z",
            "feedback_url": None,
            "comment": None,
        }
        for learner in ("apprenant1", "externe1")
    ]
    ingest = client.post("/api/v1/ingest/grades", json={"grades": rows}, headers=grader)
    assert ingest.status_code == 200, ingest.text
    grades = client.get("/api/v1/grades", params={"course": OTHER_COURSE}, headers=admin).json()["items"]
    by_learner = {g["learner"]: g["id"] for g in grades}
    return OtherCohort(OTHER_COHORT, OTHER_COURSE, by_learner["apprenant1"], by_learner["externe1"])


def grade_of(client: TestClient, demo: Any, grade_id: int) -> dict[str, Any]:
    """A grade as the admin sees it (to check that nothing was written)."""
    answer = client.get(f"/api/v1/grades/{grade_id}", headers=demo.h("admin"))
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


@dataclass
class OtherAnswers:
    """Written answers of `c-autre/b2` (ecrit01, 2 points), released to `autre-2026` only, awaiting a trainer."""

    assignment: str  # "c-autre/b2"
    shared_answer: int  # apprenant1's (also enrolled in demo-2026, which formateur trains)
    outsider_answer: int  # externe1's (enrolled in autre-2026 only)


def build_other_answers(client: TestClient, demo: Any, other: OtherCohort) -> OtherAnswers:
    """Add `c-autre/b2` with one written exercise, release it to `autre-2026` and ingest both learners' answers."""
    admin = demo.h("admin")
    exercises = [{"id": "ecrit01", "max_score": 2, "kind": "manual", "competencies": []}]
    body = {"title": "Question ouverte", "points": 2, "exercises": exercises}
    assert client.put(f"/api/v1/courses/{other.course}/assignments/b2", json=body, headers=admin).is_success
    release = {"due_date": "2026-10-08T12:00:00Z", "released_at": "2026-09-27T08:00:00Z"}
    assert client.put(f"/api/v1/cohorts/{other.cohort}/releases/{other.course}/b2", json=release, headers=admin)
    rows = [
        {
            "learner": learner,
            "course": other.course,
            "assignment": "b2",
            "attempt": 1,
            "exercise": "ecrit01",
            "score": None,
            "max_score": 2,
            "kind": "manual",
            "submitted_at": "2026-10-01T10:00:00Z",
            "graded_at": "2026-10-01T10:01:00Z",
            "feedback_url": None,
            "comment": None,
            "answer": f"Réponse écrite de {learner}.",
        }
        for learner in ("apprenant1", "externe1")
    ]
    ingest = client.post("/api/v1/ingest/grades", json={"grades": rows}, headers=demo.h("grader"))
    assert ingest.status_code == 200, ingest.text
    listed = client.get(f"/api/v1/cohorts/{other.cohort}/written-answers", headers=admin).json()["items"]
    by_learner = {a["learner"]: a["id"] for a in listed}
    return OtherAnswers(f"{other.course}/b2", by_learner["apprenant1"], by_learner["externe1"])
