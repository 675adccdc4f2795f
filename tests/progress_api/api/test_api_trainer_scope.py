"""A trainer's reach: the work of learners of the cohorts they train, on what was released to those cohorts.

Rule (progress_api/README.md, "Who may do what"): a trainer sees a grade, submission, self-check or event of a
learner only when the learner is enrolled in a cohort the trainer trains AND the assignment was released to that
same cohort. A learner shared with another cohort keeps their other cohort's work private; enrolling someone does
not widen this, and only admins change an existing user's profile.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.progress_api.scope_world import OtherCohort, build_other_cohort, grade_of
from tests.progress_api.web.conftest import build_gradebook


@pytest.fixture
def other(client: TestClient, demo: Any) -> OtherCohort:
    build_gradebook(client, demo, learners=5)
    world = build_other_cohort(client, demo)
    check = {"course": world.course, "assignment": "b1", "exercise": "ex01", "passed": True}
    assert client.post("/api/v1/selfchecks", json=check, headers=demo.h("learner")).status_code == 201
    return world


def _courses(client: TestClient, path: str, headers: dict[str, str], **params: str) -> set[str]:
    answer = client.get(f"/api/v1{path}", params={"limit": 1000, **params}, headers=headers)
    assert answer.status_code == 200, answer.text
    return {item["course"] for item in answer.json()["items"]}


def test_lists_show_a_trainer_only_their_cohorts_work(client: TestClient, demo: Any, other: OtherCohort) -> None:
    mine, theirs = demo.h("trainer"), demo.h("other_trainer")
    for path in ("/grades", "/submissions", "/selfchecks"):
        assert other.course not in _courses(client, path, mine, learner="apprenant1"), path
        assert _courses(client, path, theirs, learner="apprenant1") <= {other.course}, path
    assert "c-test" in _courses(client, "/grades", mine, learner="apprenant1")
    assert _courses(client, "/grades", theirs) == {other.course}
    learners = {g["learner"] for g in client.get("/api/v1/grades?limit=1000", headers=mine).json()["items"]}
    assert "externe1" not in learners


def test_a_grade_of_another_cohort_is_403_to_read_and_to_override(
    client: TestClient, demo: Any, other: OtherCohort
) -> None:
    before = grade_of(client, demo, other.shared_grade)
    h = demo.h("trainer")
    assert client.get(f"/api/v1/grades/{other.shared_grade}", headers=h).status_code == 403
    assert client.get(f"/api/v1/grades/{other.shared_grade}/overrides", headers=h).status_code == 403
    answer = client.post(
        f"/api/v1/grades/{other.shared_grade}/overrides", json={"score": 2, "reason": "hors périmètre"}, headers=h
    )
    assert answer.status_code == 403
    assert grade_of(client, demo, other.shared_grade) == before
    # the trainer of that cohort may
    answer = client.post(
        f"/api/v1/grades/{other.shared_grade}/overrides",
        json={"score": 2, "reason": "vérifié"},
        headers=demo.h("other_trainer"),
    )
    assert answer.status_code == 201, answer.text


def test_a_learners_progress_shows_a_trainer_only_their_cohorts(
    client: TestClient, demo: Any, other: OtherCohort
) -> None:
    mine = client.get("/api/v1/learners/apprenant1/progress", headers=demo.h("trainer")).json()
    assert mine["cohorts"] == ["demo-2026"]
    assert other.course not in {a["course"] for a in mine["assignments"]}
    assert mine["selfchecks"] == 0  # the self-check was on c-autre
    theirs = client.get("/api/v1/learners/apprenant1/progress", headers=demo.h("other_trainer")).json()
    assert theirs["cohorts"] == [other.cohort]
    assert {a["course"] for a in theirs["assignments"]} == {other.course}
    assert theirs["selfchecks"] == 1
    own = client.get("/api/v1/me/progress", headers=demo.h("learner")).json()
    assert {"demo-2026", other.cohort} <= set(own["cohorts"])
    assert {"c-test", other.course} <= {a["course"] for a in own["assignments"]}
    admin = client.get("/api/v1/learners/apprenant1/progress", headers=demo.h("admin")).json()
    assert {a["course"] for a in admin["assignments"]} == {a["course"] for a in own["assignments"]}


def test_events_and_xapi_show_a_trainer_only_their_cohorts(client: TestClient, demo: Any, other: OtherCohort) -> None:
    h = demo.h("trainer")
    events = client.get("/api/v1/events", params={"learner": "apprenant1", "limit": 1000}, headers=h).json()["items"]
    assert events, "formateur sees apprenant1's demo-2026 events"
    leaked = [e for e in events if other.course in e["object_id"] or other.cohort in e["object_id"]]
    assert leaked == []
    objects = {e["object_id"] for e in events}
    assert "demo-2026" in objects and "c-test/a01" in objects
    statements = client.get("/api/v1/exports/xapi", params={"limit": 1000}, headers=h).json()["statements"]
    assert statements and not [s for s in statements if f"/{other.course}/" in s["object"]["id"]]
    theirs = client.get("/api/v1/events", params={"limit": 1000}, headers=demo.h("other_trainer")).json()["items"]
    assert {e["object_id"].split("/")[0] for e in theirs if e["object_type"] != "grade"} <= {other.cohort, other.course}
    # the xAPI cohort filter is an access decision: another trainer's cohort is 403
    assert client.get("/api/v1/exports/xapi", params={"cohort": other.cohort}, headers=h).status_code == 403


def test_a_trainer_enrolling_an_existing_user_keeps_their_profile_and_gains_no_reach(
    client: TestClient, demo: Any, other: OtherCohort
) -> None:
    profile = client.get("/api/v1/users/apprenant2", headers=demo.h("admin")).json()
    pirate = {"username": "apprenant2", "display_name": "Pirate", "email": "p@x"}
    body = {"learners": [{"username": "nouveau1"}, pirate]}
    answer = client.post(f"/api/v1/cohorts/{other.cohort}/enrolments/bulk", json=body, headers=demo.h("other_trainer"))
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["enrolled"] == 2 and report["users_created"] == 1 and report["users_updated"] == 0
    assert report["profiles_kept"] == 1
    assert report["notices"] == [
        {
            "row": 1,
            "username": "apprenant2",
            "message": "Compte existant : son profil (nom, e-mail, direction, métier) n'est modifié que par un "
            "administrateur ; les valeurs du fichier ont été ignorées.",
        }
    ]
    assert client.get("/api/v1/users/apprenant2", headers=demo.h("admin")).json() == profile
    # now in formateur2's cohort, apprenant2's demo-2026 work still is not formateur2's business
    theirs = demo.h("other_trainer")
    assert _courses(client, "/grades", theirs, learner="apprenant2") == set()
    progress = client.get("/api/v1/learners/apprenant2/progress", headers=theirs).json()
    assert {a["course"] for a in progress["assignments"]} == {other.course}


def test_an_admin_enrolling_an_existing_user_updates_their_profile(
    client: TestClient, demo: Any, other: OtherCohort
) -> None:
    body = {"learners": [{"username": "apprenant2", "display_name": "Yanis B.", "job_family": "Actuaire"}]}
    answer = client.post(f"/api/v1/cohorts/{other.cohort}/enrolments/bulk", json=body, headers=demo.h("admin"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["users_updated"] == 1 and answer.json()["profiles_kept"] == 0
    user = client.get("/api/v1/users/apprenant2", headers=demo.h("admin")).json()
    assert (user["display_name"], user["job_family"]) == ("Yanis B.", "Actuaire")


def test_trainer_csv_enrolment_reports_kept_profiles_by_line(client: TestClient, demo: Any) -> None:
    csv = b"identifiant;nom\r\napprenant3;Autre Nom\r\napprenant3b;Nouvelle\r\n"
    answer = client.post(
        "/api/v1/cohorts/demo-2026/enrolments/csv",
        files={"file": ("l.csv", csv, "text/csv")},
        headers=demo.h("trainer"),
    )
    assert answer.status_code == 200, answer.text
    assert [(n["row"], n["username"]) for n in answer.json()["notices"]] == [(2, "apprenant3")]
    user = client.get("/api/v1/users/apprenant3", headers=demo.h("admin")).json()
    assert user["display_name"] == "Léa Dubois"


def test_checks_folded_into_the_one_decision_still_refuse(client: TestClient, demo: Any, other: OtherCohort) -> None:
    """Cohort comparison and xAPI `?cohort=` are scoped by `authorize(..., query=("cohort",))`; whose self-check
    is recorded is decided by the same check as a path's `username`; /me/progress is everyone's own."""
    h = demo.h("trainer")
    mine = client.get("/api/v1/analytics/cohorts", params={"cohort": "demo-2026"}, headers=h)
    assert mine.status_code == 200 and [c["cohort"] for c in mine.json()["items"]] == ["demo-2026"]
    for params in ({"cohort": other.cohort}, {"cohort": ["demo-2026", other.cohort]}, {"cohort": "nexiste-pas"}):
        assert client.get("/api/v1/analytics/cohorts", params=params, headers=h).status_code == 403, params
    check = {"course": other.course, "assignment": "b1", "exercise": "ex01", "passed": True}
    someone_else = client.post("/api/v1/selfchecks", json={**check, "learner": "externe1"}, headers=demo.h("learner"))
    assert someone_else.status_code == 403
    graded = client.post("/api/v1/selfchecks", json={**check, "learner": "externe1"}, headers=demo.h("grader"))
    assert graded.status_code == 201 and graded.json()["learner"] == "externe1"
    assert client.post("/api/v1/selfchecks", json=check, headers=demo.h("grader")).status_code == 422
    assert client.get("/api/v1/me/progress", headers=demo.h("admin")).json()["username"] == "admin"
