"""Gradebook and analytics on a small known cohort (`ct-2026`, see the `world` fixture).

apprenant1: a1 twice (attempt 1: 2/5, attempt 2: 5/5, on time), a2 2/2 late; apprenant2: a1 1/5, a2 missing;
apprenant3: nothing. Both due dates are in the past.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from progress_api.core.auth import create_api_token
from progress_api.models.common import Role
from progress_api.services import cache
from tests.progress_api.conftest import grade_row

COHORT = "/api/v1/cohorts/ct-2026"


@pytest.fixture
def graded(client: TestClient, world: Any) -> Any:
    rows = [
        grade_row("apprenant1", "ex01", 0, 1),
        grade_row("apprenant1", "ex02", 2, 2),
        grade_row("apprenant1", "ecrit01", 0, 2, kind="manual"),
        grade_row("apprenant1", "ex01", 1, 1, attempt=2, submitted_at="2026-09-12T10:00:00+00:00"),
        grade_row("apprenant1", "ex02", 2, 2, attempt=2, submitted_at="2026-09-12T10:00:00+00:00"),
        grade_row("apprenant1", "ecrit01", 2, 2, attempt=2, kind="manual", submitted_at="2026-09-12T10:00:00+00:00"),
        grade_row("apprenant1", "ex01", 2, 2, assignment="a2", submitted_at="2026-09-25T10:00:00+00:00"),
        grade_row("apprenant2", "ex01", 0, 1),
        grade_row("apprenant2", "ex02", 0, 2),
        grade_row("apprenant2", "ecrit01", 1, 2, kind="manual"),
    ]
    response = client.post("/api/v1/ingest/grades", json={"grades": rows}, headers=world.h("grader"))
    assert response.json()["created"] == 10
    return world


def test_gradebook_matrix_uses_the_latest_attempt(client: TestClient, graded: Any) -> None:
    """Is each cell the latest attempt's total, with late/missing status, and the row totals right?"""
    book = client.get(f"{COHORT}/gradebook", headers=graded.h("trainer")).json()
    assert [(c["course"], c["assignment"], c["max_score"]) for c in book["columns"]] == [
        ("ct", "a1", 5),
        ("ct", "a2", 2),
    ]
    rows = {r["username"]: r for r in book["rows"]}
    assert [(c["status"], c["score"], c["attempt"]) for c in rows["apprenant1"]["cells"]] == [
        ("graded", 5, 2),
        ("late", 2, 1),
    ]
    assert rows["apprenant1"]["ratio"] == 1.0
    assert [c["status"] for c in rows["apprenant2"]["cells"]] == ["graded", "missing"]
    assert rows["apprenant2"]["ratio"] == 0.2
    assert [c["status"] for c in rows["apprenant3"]["cells"]] == ["missing", "missing"]
    assert book["total"] == 3


def test_gradebook_is_paginated_and_filtered(client: TestClient, graded: Any) -> None:
    h = graded.h("admin")
    page = client.get(f"{COHORT}/gradebook", params={"limit": 1, "offset": 1}, headers=h).json()
    assert [r["username"] for r in page["rows"]] == ["apprenant2"] and page["total"] == 3
    found = client.get(f"{COHORT}/gradebook", params={"q": "apprenant3"}, headers=h).json()
    assert [r["username"] for r in found["rows"]] == ["apprenant3"]


def test_gradebook_follows_new_grades_and_overrides(client: TestClient, graded: Any) -> None:
    """Is the cached gradebook invalidated by an ingestion and by an override?"""
    h = graded.h("trainer")
    client.get(f"{COHORT}/gradebook", headers=h)
    client.post(
        "/api/v1/ingest/grades",
        json={"grades": [grade_row("apprenant3", "ex01", 1, 1, submitted_at="2026-09-13T10:00:00+00:00")]},
        headers=graded.h("grader"),
    )
    rows = {r["username"]: r for r in client.get(f"{COHORT}/gradebook", headers=h).json()["rows"]}
    assert rows["apprenant3"]["cells"][0]["score"] == 1
    grade = client.get("/api/v1/grades", params={"learner": "apprenant3"}, headers=h).json()["items"][0]
    client.post(f"/api/v1/grades/{grade['id']}/overrides", json={"score": 0, "reason": "copie"}, headers=h)
    rows = {r["username"]: r for r in client.get(f"{COHORT}/gradebook", headers=h).json()["rows"]}
    assert rows["apprenant3"]["cells"][0]["score"] == 0


def test_exercise_difficulty(client: TestClient, graded: Any) -> None:
    """Success rate, median ratio and mean attempts per exercise, hardest first."""
    items = client.get(f"{COHORT}/difficulty", headers=graded.h("cedia")).json()["items"]
    by_key = {(d["assignment"], d["exercise"]): d for d in items}
    ex01 = by_key[("a1", "ex01")]
    assert (ex01["graded"], ex01["success_rate"], ex01["median_ratio"], ex01["mean_attempts"]) == (2, 0.5, 0.5, 1.5)
    ex02 = by_key[("a1", "ex02")]
    assert ex02["success_rate"] == 0.5 and ex02["median_ratio"] == 0.5
    assert by_key[("a2", "ex01")]["success_rate"] == 1.0
    rates = [d["success_rate"] for d in items]
    assert rates == sorted(rates)


def test_late_and_missing_work(client: TestClient, graded: Any) -> None:
    items = client.get(f"{COHORT}/late-missing", headers=graded.h("trainer")).json()["items"]
    got = sorted((i["username"], i["assignment"], i["status"]) for i in items)
    assert got == [
        ("apprenant1", "a2", "late"),
        ("apprenant2", "a2", "missing"),
        ("apprenant3", "a1", "missing"),
        ("apprenant3", "a2", "missing"),
    ]
    missing = client.get(f"{COHORT}/late-missing", params={"status": "missing"}, headers=graded.h("trainer")).json()
    assert missing["total"] == 3


def test_at_risk_lists_reasons(client: TestClient, graded: Any) -> None:
    """Are low scores, missing work and inactivity reported with their values and thresholds?"""
    params = {"inactive_days": 3650}
    items = client.get(f"{COHORT}/at-risk", params=params, headers=graded.h("trainer")).json()["items"]
    reasons = {i["username"]: [r["code"] for r in i["reasons"]] for i in items}
    assert reasons == {"apprenant2": ["low_scores"], "apprenant3": ["missing_work"]}
    low = next(i for i in items if i["username"] == "apprenant2")["reasons"][0]
    assert (low["value"], low["threshold"]) == (0.2, 0.5)
    idle = client.get(
        f"{COHORT}/at-risk", params={"inactive_days": 30, "reason": "inactive"}, headers=graded.h("trainer")
    )
    # apprenant1 and 2 last worked in September; apprenant3 was enrolled today, so is not "inactive" yet.
    assert sorted(i["username"] for i in idle.json()["items"]) == ["apprenant1", "apprenant2"]


def test_learner_progress_and_competency_profile(client: TestClient, graded: Any) -> None:
    """Does a learner see their work exercise by exercise (feedback links) and the level reached per competency?"""
    me = client.get("/api/v1/me/progress", headers=graded.h("learner")).json()
    assert me["username"] == "apprenant1"
    ct = [a for a in me["assignments"] if a["course"] == "ct"]
    assert [(a["assignment"], a["status"], a["score"], a["attempts"]) for a in ct] == [
        ("a1", "graded", 5, 2),
        ("a2", "late", 2, 1),
    ]
    assert ct[0]["exercises"][0]["feedback_url"] == "https://hub/feedback/apprenant1/a1.html"
    comps = {c["id"]: c for c in me["competencies"]}
    assert (comps["test.python"]["level_reached"], comps["test.python"]["level_label"]) == (2, "Application")
    assert comps["test.ethique"]["level_reached"] == 1
    other = client.get("/api/v1/learners/apprenant2/progress", headers=graded.h("trainer")).json()
    comps2 = {c["id"]: c for c in other["competencies"]}
    assert comps2["test.python"]["level_reached"] == 0 and comps2["test.ethique"]["level_reached"] == 1


def test_cohort_comparison(client: TestClient, graded: Any) -> None:
    items = client.get("/api/v1/analytics/cohorts", params={"cohort": ["ct-2026"]}, headers=graded.h("admin")).json()[
        "items"
    ]
    assert len(items) == 1
    s = items[0]
    assert (s["learners"], s["released"]) == (3, 2)
    assert s["mean_ratio"] == 0.6  # (1.0 + 0.2) / 2 learners with graded work
    assert s["completion_rate"] == 0.5  # 3 graded cells out of 6 due
    trainer = client.get("/api/v1/analytics/cohorts", headers=graded.h("other_trainer")).json()
    assert trainer["items"] == []


def test_a_write_in_one_cohort_keeps_the_other_cohorts_cache(
    client: TestClient, graded: Any, engine: Engine, db: Session
) -> None:
    """A self-check and a grade of apprenant9 (only in `solo-2026`) refresh solo's gradebook; `demo-2026`'s is
    served from cache — no facts reload — and is still right when recomputed from scratch."""
    a = graded.h("admin")
    client.post("/api/v1/cohorts", json={"slug": "solo-2026", "name": "Solo"}, headers=a)
    client.post("/api/v1/cohorts/solo-2026/enrolments/bulk", json={"learners": [{"username": "apprenant9"}]}, headers=a)
    client.put("/api/v1/cohorts/solo-2026/releases/ct/a1", json={"due_date": "2026-09-14T22:00:00Z"}, headers=a)
    solo = {"Authorization": f"Bearer {create_api_token(db, username='apprenant9', role=Role.learner)}"}
    db.commit()
    other = client.get("/api/v1/cohorts/demo-2026/gradebook", params={"limit": 500}, headers=a).json()
    client.get("/api/v1/cohorts/solo-2026/gradebook", headers=a)

    loads: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "enrolments.enrolled_at" in statement:  # the first query of a facts load
            loads.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        body = {"course": "ct", "assignment": "a1", "exercise": "ex01", "passed": True}
        assert client.post("/api/v1/selfchecks", json=body, headers=solo).status_code == 201
        row = grade_row("apprenant9", "ex01", 1, 1)
        assert client.post("/api/v1/ingest/grades", json={"grades": [row]}, headers=graded.h("grader")).is_success
        loads.clear()
        other_after = client.get("/api/v1/cohorts/demo-2026/gradebook", params={"limit": 500}, headers=a).json()
        assert loads == []  # the other cohort: a cache hit
        solo_book = client.get("/api/v1/cohorts/solo-2026/gradebook", headers=a).json()
        assert len(loads) == 1  # the cohort written to: recomputed
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert solo_book["rows"][0]["cells"][0]["score"] == 1
    assert other_after == other
    cache.clear()
    assert client.get("/api/v1/cohorts/demo-2026/gradebook", params={"limit": 500}, headers=a).json() == other


def test_inactivity_is_flagged_only_while_the_cohort_runs(client: TestClient, graded: Any) -> None:
    """Do learners of an ended (or not yet started) cohort stop being "inactive", the other reasons staying?"""
    a, t = graded.h("admin"), graded.h("trainer")
    params = {"inactive_days": 30}

    def reasons() -> dict[str, list[str]]:
        items = client.get(f"{COHORT}/at-risk", params=params, headers=t).json()["items"]
        return {i["username"]: [r["code"] for r in i["reasons"]] for i in items}

    client.patch(COHORT, json={"start_date": "2026-09-01", "end_date": "2099-12-31"}, headers=a)
    assert "inactive" in reasons()["apprenant1"]
    client.patch(COHORT, json={"start_date": "2026-09-01", "end_date": "2026-10-31"}, headers=a)
    ended = reasons()
    assert all("inactive" not in codes for codes in ended.values())
    assert ended["apprenant2"] == ["low_scores"]  # the other reasons are still reported
    client.patch(COHORT, json={"start_date": "2099-01-01", "end_date": "2099-12-31"}, headers=a)
    assert all("inactive" not in codes for codes in reasons().values())
