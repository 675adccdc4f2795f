"""Who may do what: every endpoint of the progress API walked with every role (one permission dependency decides).

Tokens: learner = apprenant1, learner2 = apprenant2 (both in ct-2026), trainer = formateur (trains ct-2026),
other_trainer = formateur2 (trains nothing), cedia, admin, grader.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.progress_api.conftest import ASSIGNMENT_A1, CATALOG_COMPETENCIES, cedia_project, grade_row

ALL = {"learner", "learner2", "trainer", "other_trainer", "cedia", "admin", "grader"}
READERS = {"learner", "learner2", "trainer", "other_trainer", "cedia", "admin"}
COHORT_STAFF = {"trainer", "cedia", "admin"}
SELF_AND_STAFF = {"learner", "trainer", "cedia", "admin"}
CEDIA_READ = {"trainer", "other_trainer", "cedia", "admin"}
CEDIA_WRITE = {"cedia", "admin"}
P = "/cedia/projects/{project}"
CSV = b"username;display_name\r\nnew.one;Nouvelle Personne\r\n"

# (method, path, json body, allowed token names). Destructive calls come last so they do not change the others.
MATRIX: list[tuple[str, str, Any, set[str]]] = [
    ("GET", "/me", None, ALL),
    ("GET", "/me/progress", None, READERS),
    ("GET", "/users", None, READERS),
    ("POST", "/users", {"username": "created.{role}"}, {"admin"}),
    ("GET", "/users/apprenant1", None, SELF_AND_STAFF),
    ("PATCH", "/users/apprenant1", {"job_family": "Actuaire"}, {"admin"}),
    ("GET", "/cohorts", None, {"trainer", "other_trainer", "cedia", "admin"}),
    ("POST", "/cohorts", {"slug": "c-{role}", "name": "C"}, {"admin"}),
    ("GET", "/cohorts/ct-2026", None, COHORT_STAFF),
    ("PATCH", "/cohorts/ct-2026", {"programme": "P"}, {"admin"}),
    ("PUT", "/cohorts/ct-2026/trainers/cedia", None, {"admin"}),
    ("GET", "/cohorts/ct-2026/enrolments", None, COHORT_STAFF),
    ("POST", "/cohorts/ct-2026/enrolments", {"username": "apprenant3"}, {"trainer", "admin"}),
    ("POST", "/cohorts/ct-2026/enrolments/bulk", {"learners": [{"username": "apprenant3"}]}, {"trainer", "admin"}),
    ("POST", "/cohorts/ct-2026/enrolments/csv", "CSV", {"trainer", "admin"}),
    ("PUT", "/competencies", CATALOG_COMPETENCIES, {"grader", "admin"}),
    ("GET", "/competencies", None, ALL),
    ("GET", "/courses", None, ALL),
    ("PUT", "/courses/ct", {"title": "Cours test", "order": 0}, {"grader", "admin"}),
    ("GET", "/courses/ct", None, ALL),
    ("GET", "/assignments", None, ALL),
    ("GET", "/courses/ct/assignments", None, ALL),
    ("PUT", "/courses/ct/assignments/a1", ASSIGNMENT_A1, {"grader", "admin"}),
    ("GET", "/courses/ct/assignments/a1", None, ALL),
    ("GET", "/cohorts/ct-2026/releases", None, {"trainer", "cedia", "admin", "grader"}),
    ("PUT", "/cohorts/ct-2026/releases/ct/a1", {"due_date": "2026-09-14T22:00:00Z"}, {"trainer", "admin", "grader"}),
    ("POST", "/ingest/grades", {"grades": [grade_row("apprenant1", "ex01", 1, 1)]}, {"grader", "admin"}),
    ("GET", "/grades", None, READERS),
    ("GET", "/grades/{grade}", None, SELF_AND_STAFF),
    ("POST", "/grades/{grade}/overrides", {"score": 1, "reason": "vérifié"}, {"trainer", "admin"}),
    ("GET", "/grades/{grade}/overrides", None, SELF_AND_STAFF),
    ("GET", "/submissions", None, READERS),
    ("GET", "/cohorts/ct-2026/written-answers", None, {"trainer", "admin"}),
    ("GET", "/cohorts/ct-2026/written-answers/{grade}", None, {"trainer", "admin"}),
    ("PUT", "/cohorts/ct-2026/written-answers/{grade}", {"score": 1, "comment": "Bien"}, {"trainer", "admin"}),
    (
        "POST",
        "/selfchecks",
        {"course": "ct", "assignment": "a1", "exercise": "ex01", "passed": True},
        {"learner", "learner2", "grader"},
    ),
    ("GET", "/selfchecks", None, READERS),
    ("GET", "/cohorts/ct-2026/gradebook", None, COHORT_STAFF),
    ("GET", "/cohorts/ct-2026/difficulty", None, COHORT_STAFF),
    ("GET", "/cohorts/ct-2026/late-missing", None, COHORT_STAFF),
    ("GET", "/cohorts/ct-2026/at-risk", None, COHORT_STAFF),
    ("GET", "/analytics/cohorts", None, {"trainer", "other_trainer", "cedia", "admin"}),
    ("GET", "/learners/apprenant1/progress", None, SELF_AND_STAFF),
    ("GET", "/cohorts/ct-2026/exports/gradebook.csv", None, COHORT_STAFF),
    ("GET", "/cohorts/ct-2026/exports/grades.csv", None, COHORT_STAFF),
    ("GET", "/events", None, {"trainer", "other_trainer", "cedia", "admin"}),
    ("GET", "/exports/xapi", None, {"trainer", "other_trainer", "cedia", "admin"}),
    ("GET", "/roster", None, {"admin"}),
    ("GET", "/cedia/projects", None, CEDIA_READ),
    ("POST", "/cedia/projects", {"title": "Projet {role}", "unit": "Direction financière"}, CEDIA_WRITE),
    ("GET", P, None, CEDIA_READ),
    # Project versions: the fixture leaves it at 2; admin (first in role order) succeeds, cedia then gets 409.
    ("PATCH", P, {"version": 2, "sponsor": "Sponsor {role}"}, CEDIA_WRITE),
    ("POST", P + "/transitions", {"to_stage": "qualification", "version": 3}, CEDIA_WRITE),
    ("GET", P + "/checklist", None, CEDIA_READ),
    ("PUT", P + "/checklist", {"risk_class": "minimal", "version": 4}, CEDIA_WRITE),
    ("GET", P + "/history", None, CEDIA_READ),
    ("GET", P + "/milestones", None, CEDIA_READ),
    ("POST", P + "/milestones", {"title": "Jalon {role}", "due_on": "2026-12-01"}, CEDIA_WRITE),
    ("PATCH", P + "/milestones/{milestone}", {"version": 1, "title": "Cadrage {role}"}, CEDIA_WRITE),
    ("GET", P + "/blockers", None, CEDIA_READ),
    ("POST", P + "/blockers", {"description": "Blocage {role}"}, CEDIA_WRITE),
    ("PATCH", P + "/blockers/{blocker}", {"version": 1, "resolved": True}, CEDIA_WRITE),
    ("GET", P + "/members", None, CEDIA_READ),
    ("POST", P + "/members", {"display_name": "Membre {role}", "role": "data_relay"}, CEDIA_WRITE),
    ("POST", P + "/coaches", {"name": "Coach {role}"}, CEDIA_WRITE),
    ("GET", "/cedia/coaches", None, CEDIA_READ),
    ("GET", "/cedia/kpis", None, CEDIA_READ),
    ("GET", "/cedia/relays", None, CEDIA_READ),
    ("PUT", "/cedia/relays/apprenant3", {"unit": "Direction financière"}, CEDIA_WRITE),
    ("DELETE", "/cohorts/ct-2026/releases/ct/nope", None, {"trainer", "admin", "grader"}),
    ("DELETE", "/courses/ct/assignments/nope", None, {"admin"}),
    ("DELETE", "/courses/nope", None, {"admin"}),
    ("DELETE", "/competencies/nope", None, {"admin"}),
    ("DELETE", "/cohorts/ct-2026/trainers/nobody", None, {"admin"}),
    ("DELETE", "/cohorts/ct-2026/enrolments/apprenant3", None, {"trainer", "admin"}),
    ("DELETE", "/users/nobody", None, {"admin"}),
    ("DELETE", "/cohorts/nope", None, {"admin"}),
    ("DELETE", "/cedia/relays/apprenant3", None, CEDIA_WRITE),
    ("DELETE", P + "/coaches/Nadia Benali", None, CEDIA_WRITE),
    ("DELETE", P + "/members/{member}", None, CEDIA_WRITE),
    ("DELETE", P + "/blockers/{blocker}?version=2", None, CEDIA_WRITE),
    ("DELETE", P + "/milestones/{milestone}?version=2", None, CEDIA_WRITE),
    ("DELETE", P + "?version=19", None, CEDIA_WRITE),
    ("POST", P + "/restore", {"version": 20}, CEDIA_WRITE),
]


def _call(client: TestClient, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    if body == "CSV":
        return client.request(method, path, files={"file": ("x.csv", CSV, "text/csv")}, headers=headers)
    return client.request(method, path, json=body, headers=headers)


@pytest.fixture
def grade_id(client: TestClient, world: Any) -> int:
    client.post(
        "/api/v1/ingest/grades", json={"grades": [grade_row("apprenant1", "ex02", 1, 2)]}, headers=world.h("grader")
    )
    return int(client.get("/api/v1/grades", headers=world.h("learner")).json()["items"][0]["id"])


@pytest.fixture
def ids(client: TestClient, world: Any, grade_id: int) -> dict[str, int]:
    """The ids the matrix's paths name: a grade, and a CEDIA project with one milestone, blocker and member."""
    project: Any = cedia_project(client, world)
    assert project["version"] == 2  # the matrix's versions count from here
    return {
        "grade": grade_id,
        "project": project["id"],
        "milestone": project["milestones"][0]["id"],
        "blocker": project["blockers"][0]["id"],
        "member": project["members"][0]["id"],
    }


def _path(template: str, ids: dict[str, int]) -> str:
    for name, value in ids.items():
        template = template.replace("{" + name + "}", str(value))
    return "/api/v1" + template


def test_every_role_on_every_endpoint(client: TestClient, world: Any, ids: dict[str, int]) -> None:
    """Allowed roles get past the permission check (no 401/403, no 500); every other role gets 403; no token 401."""
    failures = []
    for method, template, body, allowed in MATRIX:
        path = _path(template, ids)
        anonymous = _call(client, method, path, body, {})
        if anonymous.status_code != 401:
            failures.append(f"{method} {template} without token -> {anonymous.status_code}")
        for role in sorted(ALL):
            payload = body
            if isinstance(body, dict):
                payload = {
                    k: (v.replace("{role}", role.replace("_", "-")) if isinstance(v, str) else v)
                    for k, v in body.items()
                }
            response = _call(client, method, path, payload, world.h(role))
            ok = response.status_code not in (401, 403) and response.status_code < 500
            if role in allowed and not ok:
                failures.append(
                    f"{method} {template} as {role}: expected access, got {response.status_code} {response.text[:120]}"
                )
            if role not in allowed and response.status_code != 403:
                failures.append(f"{method} {template} as {role}: expected 403, got {response.status_code}")
    assert not failures, "\n".join(failures)
    # Every CEDIA write of the first allowed role went through: 19 changes after the fixture's 2 versions.
    project = client.get(_path(P, ids), headers=world.h("admin")).json()
    assert (project["version"], project["archived_at"], project["sponsor"]) == (21, None, "Sponsor admin")


def test_matrix_covers_every_endpoint(client: TestClient) -> None:
    """Is every route of the progress API, the CEDIA pipeline's included, in the matrix above?"""
    schema = client.get("/api/v1/openapi.json").json()
    routes = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in schema["paths"].items()
        for method in operations
    }
    routes.discard(("GET", "/health"))
    assert len(routes) > 70
    covered = set()
    for method, template, _, _ in MATRIX:
        concrete = _path(template, dict.fromkeys(("grade", "project", "milestone", "blocker", "member"), 1))
        concrete = concrete.removeprefix("/api/v1").split("?")[0]
        for route_method, route_path in routes:
            regex = "^" + re.sub(r"\{[^}]+\}", "[^/]+", route_path) + "$"
            if route_method == method and re.match(regex, concrete):
                covered.add((route_method, route_path))
    assert routes - covered == set()


def test_learner_probing_other_ids_learns_nothing(client: TestClient, world: Any, grade_id: int) -> None:
    """Does a learner get the same 403 for another learner's records as for ids that do not exist?"""
    h = world.h("learner2")
    pairs = [
        ("/api/v1/users/apprenant1", "/api/v1/users/personne-inexistante"),
        ("/api/v1/learners/apprenant1/progress", "/api/v1/learners/personne-inexistante/progress"),
        (f"/api/v1/grades/{grade_id}", "/api/v1/grades/987654"),
        (f"/api/v1/grades/{grade_id}/overrides", "/api/v1/grades/987654/overrides"),
    ]
    for existing, missing in pairs:
        a, b = client.get(existing, headers=h), client.get(missing, headers=h)
        assert (a.status_code, a.json()) == (b.status_code, b.json()) == (403, a.json()), (existing, missing)
    # Lists never leak: filtering on someone else returns an empty page, the same as for nobody.
    for name in ("apprenant1", "personne-inexistante"):
        page = client.get("/api/v1/grades", params={"learner": name}, headers=h).json()
        assert page["items"] == [] and page["total"] == 0


def test_trainer_sees_only_the_cohorts_they_train(client: TestClient, world: Any) -> None:
    """Does a trainer's cohort list show their cohorts only, and another trainer's gradebook answer 403?"""
    mine = client.get("/api/v1/cohorts", headers=world.h("trainer")).json()
    assert {c["slug"] for c in mine["items"]} == {"ct-2026", "demo-2026"}
    assert client.get("/api/v1/cohorts", headers=world.h("other_trainer")).json()["items"] == []
    assert client.get("/api/v1/cohorts/demo-2026/gradebook", headers=world.h("other_trainer")).status_code == 403
