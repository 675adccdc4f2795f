"""Trainer pages decide access with the API's one permission check: another cohort's learner or grade gets 403/404
on every trainer route, and nothing is written."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.progress_api.scope_world import OtherCohort, build_other_answers, build_other_cohort, grade_of
from tests.progress_api.web.conftest import build_gradebook, csrf_of

Login = Callable[[str], TestClient]


@pytest.fixture
def other(client: TestClient, demo: Any) -> OtherCohort:
    build_gradebook(client, demo, learners=5)
    return build_other_cohort(client, demo)


def _own_grade(client: TestClient, demo: Any, learner: str, course: str) -> int:
    items = client.get("/api/v1/grades", params={"learner": learner, "course": course}, headers=demo.h("admin"))
    return int(items.json()["items"][0]["id"])


def test_trainer_cannot_open_any_page_of_a_cohort_they_do_not_train(
    client: TestClient, demo: Any, login: Login, other: OtherCohort
) -> None:
    login("formateur")
    listed = client.get("/promotions")
    assert "Promotion démo 2026" in listed.text and "Autre promotion" not in listed.text
    for path in (
        f"/promotions/{other.cohort}",
        f"/promotions/{other.cohort}/graphiques/distribution.png",
        f"/promotions/{other.cohort}/apprenants/externe1",
        f"/promotions/{other.cohort}/apprenants/apprenant1",
    ):
        assert client.get(path).status_code == 403, path


def test_override_through_my_cohort_of_a_learner_who_is_not_in_it_is_refused(
    client: TestClient, demo: Any, login: Login, other: OtherCohort
) -> None:
    """The reviewer's case: /promotions/<mine>/apprenants/<anyone>/notes/<their grade> must not write anything."""
    login("formateur")
    token = csrf_of(client.get("/promotions/demo-2026").text)
    before = grade_of(client, demo, other.outsider_grade)
    assert client.get("/promotions/demo-2026/apprenants/externe1").status_code in (403, 404)
    attempts = [
        f"/promotions/demo-2026/apprenants/externe1/notes/{other.outsider_grade}",  # learner not in my cohort
        f"/promotions/{other.cohort}/apprenants/externe1/notes/{other.outsider_grade}",  # cohort not mine
        f"/promotions/demo-2026/apprenants/apprenant1/notes/{other.outsider_grade}",  # grade of someone else
    ]
    for url in attempts:
        answer = client.post(url, data={"score": "2", "reason": "tentative hors périmètre", "csrf_token": token})
        assert answer.status_code in (403, 404), (url, answer.status_code)
    assert grade_of(client, demo, other.outsider_grade) == before


def test_a_shared_learner_grades_from_the_other_cohort_stay_out_of_reach(
    client: TestClient, demo: Any, login: Login, other: OtherCohort
) -> None:
    """apprenant1 is in both cohorts: formateur sees and overrides their demo grades, never their c-autre ones."""
    login("formateur")
    page = client.get("/promotions/demo-2026/apprenants/apprenant1")
    assert page.status_code == 200
    assert "c-autre" not in page.text and "Autre devoir" not in page.text
    token = csrf_of(page.text)
    before = grade_of(client, demo, other.shared_grade)
    url = f"/promotions/demo-2026/apprenants/apprenant1/notes/{other.shared_grade}"
    answer = client.post(url, data={"score": "2", "reason": "hors de ma promotion", "csrf_token": token})
    assert answer.status_code in (403, 404)
    assert grade_of(client, demo, other.shared_grade) == before
    # ...while a grade of the cohort they train is theirs to correct.
    mine = _own_grade(client, demo, "apprenant1", "c-test")
    ok = client.post(
        f"/promotions/demo-2026/apprenants/apprenant1/notes/{mine}",
        data={"score": "1", "reason": "vérifié à la main", "csrf_token": token},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert grade_of(client, demo, mine)["overridden"] is True


def test_the_other_trainer_reaches_only_their_own_cohort_work(
    client: TestClient, demo: Any, login: Login, other: OtherCohort
) -> None:
    login("formateur2")
    page = client.get(f"/promotions/{other.cohort}/apprenants/apprenant1")
    assert page.status_code == 200 and "Autre devoir" in page.text
    assert "c-test" not in page.text  # apprenant1's demo-2026 course is not formateur2's
    token = csrf_of(page.text)
    demo_grade = _own_grade(client, demo, "apprenant1", "c-test")
    before = grade_of(client, demo, demo_grade)
    for url in (
        f"/promotions/{other.cohort}/apprenants/apprenant1/notes/{demo_grade}",
        f"/promotions/demo-2026/apprenants/apprenant1/notes/{demo_grade}",
    ):
        answer = client.post(url, data={"score": "0", "reason": "pas ma promotion", "csrf_token": token})
        assert answer.status_code in (403, 404), url
    assert grade_of(client, demo, demo_grade) == before
    assert re.search(r"/notes/\d+", page.text)  # their own cohort's grade has its override form


def test_admin_override_through_a_mismatched_url_is_not_found(
    client: TestClient, demo: Any, login: Login, other: OtherCohort
) -> None:
    """Everything is in an admin's scope, but the URL must still be consistent: learner in the cohort, grade theirs."""
    login("admin")
    token = csrf_of(client.get("/promotions/demo-2026").text)
    before = grade_of(client, demo, other.outsider_grade)
    for url in (
        f"/promotions/demo-2026/apprenants/externe1/notes/{other.outsider_grade}",
        f"/promotions/demo-2026/apprenants/apprenant1/notes/{other.outsider_grade}",
        f"/promotions/demo-2026/apprenants/apprenant1/notes/{other.shared_grade}",
    ):
        answer = client.post(url, data={"score": "2", "reason": "URL incohérente", "csrf_token": token})
        assert answer.status_code == 404, url
    assert grade_of(client, demo, other.outsider_grade) == before


def test_marking_pages_grade_only_my_cohorts_answers_on_what_was_released_to_it(
    client: TestClient, demo: Any, other: OtherCohort, login: Login
) -> None:
    """« Réponses écrites »: apprenant1 (in formateur's cohort) answered c-autre/b2, released to autre-2026 only.
    Through demo-2026 the marking page and its form are 403 for formateur (404 for an admin), nothing recorded;
    formateur2 grades it through autre-2026."""
    answers = build_other_answers(client, demo, other)
    mine = f"/promotions/demo-2026/reponses-ecrites/{answers.assignment}"
    login("formateur")
    token = csrf_of(client.get("/promotions/demo-2026").text)
    for answer_id in (answers.shared_answer, answers.outsider_answer):
        assert client.get(f"{mine}/{answer_id}").status_code == 403
        posted = client.post(f"{mine}/{answer_id}", data={"score": "1", "csrf_token": token})
        assert posted.status_code == 403
    assert "c-autre" not in client.get("/promotions/demo-2026/reponses-ecrites").text
    login("admin")
    assert client.get(f"{mine}/{answers.shared_answer}").status_code == 404
    theirs = f"/api/v1/cohorts/{other.cohort}/written-answers/{answers.shared_answer}"
    assert client.get(theirs, headers=demo.h("admin")).json()["history"] == []
    login("formateur2")
    page = client.get(f"/promotions/{other.cohort}/reponses-ecrites/{answers.assignment}/{answers.shared_answer}")
    assert page.status_code == 200 and "Réponse écrite de apprenant1." in page.text
