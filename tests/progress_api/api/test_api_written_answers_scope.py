"""Written answers under the one access decision (`api.access.decide`): a trainer grades the answers of their own
cohort's learners on what was released to that cohort, nothing else; the learner's progress a trainer sees is
limited to their cohorts and still follows the grade (cached per view, invalidated per learner); the CSV exports
stream and show what is « à corriger »; with the session cookie, a grade needs the page's CSRF header."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.progress_api.scope_world import OtherAnswers, OtherCohort, build_other_answers, build_other_cohort
from tests.progress_api.web.conftest import csrf_of

MINE = "/api/v1/cohorts/demo-2026/written-answers"  # formateur's cohort
THEIRS = "/api/v1/cohorts/autre-2026/written-answers"  # formateur2's


@pytest.fixture
def other(client: TestClient, demo: Any) -> OtherCohort:
    return build_other_cohort(client, demo)


@pytest.fixture
def answers(client: TestClient, demo: Any, other: OtherCohort) -> OtherAnswers:
    return build_other_answers(client, demo, other)


def _status(client: TestClient, demo: Any, answer_id: int) -> tuple[str, int]:
    """(status, number of grades in its history) as the admin reads it through the answer's own cohort."""
    body = client.get(f"{THEIRS}/{answer_id}", headers=demo.h("admin")).json()
    return body["status"], len(body["history"])


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert "content-length" not in response.headers  # streamed
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_an_answer_outside_my_cohorts_work_is_403_to_read_and_to_grade(
    client: TestClient, demo: Any, answers: OtherAnswers
) -> None:
    """apprenant1 is in formateur's cohort, but c-autre/b2 was released to autre-2026 only: through demo-2026 the
    answer is not listed and is 403 (404 for an admin: the ids do not belong together); through autre-2026,
    formateur is not its trainer (403). formateur2, who trains autre-2026, grades it."""
    h = demo.h("trainer")
    assert client.get(MINE, params={"learner": "apprenant1"}, headers=h).json()["total"] == 0
    for answer_id in (answers.shared_answer, answers.outsider_answer):
        assert client.get(f"{MINE}/{answer_id}", headers=h).status_code == 403
        assert client.put(f"{MINE}/{answer_id}", json={"score": 1}, headers=h).status_code == 403
        assert client.put(f"{THEIRS}/{answer_id}", json={"score": 1}, headers=h).status_code == 403
        assert client.get(f"{MINE}/{answer_id}", headers=demo.h("admin")).status_code == 404
        assert _status(client, demo, answer_id) == ("to_grade", 0)  # nothing was recorded
    assert client.get(THEIRS, headers=h).status_code == 403
    graded = client.put(f"{THEIRS}/{answers.shared_answer}", json={"score": 1.5}, headers=demo.h("other_trainer"))
    assert graded.status_code == 200 and graded.json()["graded_by"] == "formateur2"


def test_once_released_to_my_cohort_only_my_learners_answers_are_mine(
    client: TestClient, demo: Any, answers: OtherAnswers
) -> None:
    """Released to demo-2026 as well, apprenant1's answer is formateur's to grade; externe1 is not in demo-2026."""
    release = {"due_date": "2026-10-08T12:00:00Z", "released_at": "2026-09-27T08:00:00Z"}
    assert client.put("/api/v1/cohorts/demo-2026/releases/c-autre/b2", json=release, headers=demo.h("admin"))
    h = demo.h("trainer")
    listed = client.get(MINE, params={"course": "c-autre"}, headers=h).json()["items"]
    assert [(a["learner"], a["id"]) for a in listed] == [("apprenant1", answers.shared_answer)]
    assert client.put(f"{MINE}/{answers.shared_answer}", json={"score": 2}, headers=h).status_code == 200
    assert client.put(f"{MINE}/{answers.outsider_answer}", json={"score": 2}, headers=h).status_code == 403
    assert client.get(f"{MINE}/{answers.outsider_answer}", headers=demo.h("admin")).status_code == 404
    assert _status(client, demo, answers.outsider_answer) == ("to_grade", 0)


def test_a_trainers_view_of_a_learners_progress_is_theirs_and_follows_the_grade(
    client: TestClient, demo: Any, answers: OtherAnswers
) -> None:
    """The progress cache is keyed by the cohorts a trainer sees through, and a grade invalidates every view of
    that learner: formateur2 sees the pending answer, then the grade; formateur never sees c-autre at all."""
    url = "/api/v1/learners/apprenant1/progress"

    def view(role: str) -> dict[str, Any]:
        body: dict[str, Any] = client.get(url, headers=demo.h(role)).json()
        return body

    before_theirs, before_mine = view("other_trainer"), view("trainer")
    assert before_theirs["cohorts"] == ["autre-2026"] and before_theirs["to_grade"] == 1
    assert "c-autre" not in {a["course"] for a in before_mine["assignments"]} and before_mine["to_grade"] == 0
    put = client.put(
        f"{THEIRS}/{answers.shared_answer}", json={"score": 1.5, "comment": "Bien vu."}, headers=demo.h("other_trainer")
    )
    assert put.status_code == 200, put.text
    after = view("other_trainer")
    b2 = next(a for a in after["assignments"] if a["assignment"] == "b2")
    assert (after["to_grade"], b2["score"], b2["exercises"][0]["trainer_comment"]) == (0, 1.5, "Bien vu.")
    assert view("trainer") == before_mine  # still nothing of autre-2026's work
    mine = client.get("/api/v1/me/progress", headers=demo.h("learner")).json()
    assert next(a for a in mine["assignments"] if a["assignment"] == "b2")["score"] == 1.5


def test_csv_exports_stream_and_show_what_is_to_grade(client: TestClient, demo: Any, answers: OtherAnswers) -> None:
    """Gradebook: the cell reads `to_grade` (not 0, not missing) and `a_corriger` counts it; grades: `note` empty
    and `a_corriger` oui until the trainer's grade, then the grade in `note` and `note_formateur`."""
    h = demo.h("other_trainer")
    book_url, grades_url = (
        "/api/v1/cohorts/autre-2026/exports/gradebook.csv",
        "/api/v1/cohorts/autre-2026/exports/grades.csv",
    )

    def book() -> dict[str, str]:
        header, *lines = _csv(client.get(book_url, headers=h))
        row = next(r for r in lines if r[0] == "apprenant1")
        return {"cell": row[header.index(answers.assignment)], "pending": row[header.index("a_corriger")]}

    def written() -> dict[str, str]:
        header, *lines = _csv(client.get(grades_url, headers=h))
        row = next(r for r in lines if r[0] == "apprenant1" and r[header.index("exercice")] == "ecrit01")
        return {k: row[header.index(k)] for k in ("note", "note_correcteur", "note_formateur", "a_corriger")}

    assert book() == {"cell": "to_grade", "pending": "1"}
    assert written() == {"note": "", "note_correcteur": "", "note_formateur": "", "a_corriger": "oui"}
    assert client.put(f"{THEIRS}/{answers.shared_answer}", json={"score": 1.5}, headers=h).status_code == 200
    assert book() == {"cell": "1,5", "pending": "0"}
    assert written() == {"note": "1,5", "note_correcteur": "", "note_formateur": "1,5", "a_corriger": "non"}


def test_grading_with_the_session_cookie_needs_the_csrf_header(
    client: TestClient, demo: Any, answers: OtherAnswers
) -> None:
    """The JSON API takes the pages' cookie for reads; a grade sent with it alone is 403 `csrf_failed`."""
    page = client.get("/connexion")
    signed = client.post(
        "/connexion", data={"username": "formateur2", "csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert signed.status_code == 303
    meta = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', client.get("/promotions/autre-2026").text)
    assert meta is not None
    url = f"{THEIRS}/{answers.shared_answer}"
    assert client.get(url).status_code == 200  # reading with the cookie alone
    refused = client.put(url, json={"score": 1})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    assert _status(client, demo, answers.shared_answer) == ("to_grade", 0)
    accepted = client.put(url, json={"score": 1}, headers={"X-CSRF-Token": meta.group(1)})
    assert accepted.status_code == 200, accepted.text
