"""The same service on PostgreSQL from a database migrated from scratch: migrations, seeding twice, bulk writes
(driver executemany with psycopg), analytics, lateness. (The API test modules also run whole on PostgreSQL: see
`conftest.POSTGRES_TOO`.)

Each test creates its own database from ACADEMY_TEST_POSTGRES_URL and drops it afterwards.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from progress_api.core.auth import create_api_token
from progress_api.core.config import Settings
from progress_api.core.db import get_engine, unmigrated_message
from progress_api.main import create_app
from progress_api.models.common import Role
from progress_api.services.seed import seed_demo
from tests.progress_api.conftest import ASSIGNMENT_A1, CATALOG_COMPETENCIES, grade_row

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_settings(fresh_pg_url: str, tmp_path: Path) -> Settings:
    """Settings on a brand-new PostgreSQL database migrated from scratch (created and dropped by the fixture)."""
    return Settings(home=tmp_path, database_url=fresh_pg_url, api_prefix="")


def test_full_flow_on_postgresql(pg_settings: Settings) -> None:
    """Migrate, seed twice, register a course, release, bulk enrol, ingest twice, read gradebook and progress."""
    engine = get_engine(pg_settings.db_url)
    assert unmigrated_message(engine) is None
    with Session(engine) as db:
        seed_demo(db, settings=pg_settings)
        db.commit()
        seed_demo(db, settings=pg_settings)
        db.commit()
        tokens = {
            r: create_api_token(db, username=u, role=Role(r))
            for r, u in (("admin", "admin"), ("grader", "grader"), ("learner", "apprenant1"), ("trainer", "formateur"))
        }
        db.commit()

    def h(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"}

    with TestClient(create_app(pg_settings)) as client:
        assert client.put("/api/v1/competencies", json=CATALOG_COMPETENCIES, headers=h("grader")).status_code == 200
        client.put("/api/v1/courses/ct", json={"title": "Cours test", "order": 0}, headers=h("grader"))
        assert (
            client.put("/api/v1/courses/ct/assignments/a1", json=ASSIGNMENT_A1, headers=h("grader")).status_code == 201
        )
        release = {"due_date": "2026-09-14T22:00:00+02:00"}
        assert (
            client.put("/api/v1/cohorts/demo-2026/releases/ct/a1", json=release, headers=h("grader")).status_code == 201
        )
        learners = [{"username": f"pg{i:04d}", "display_name": f"Élève {i}"} for i in range(500)]
        enrolled = client.post(
            "/api/v1/cohorts/demo-2026/enrolments/bulk", json={"learners": learners}, headers=h("admin")
        )
        assert enrolled.json()["enrolled"] == 500
        rows = [grade_row(f"pg{i:04d}", "ex02", i % 3, 2, submitted_at="2026-09-14T21:30:00+00:00") for i in range(500)]
        rows.append(grade_row("apprenant1", "ex01", 1, 1, submitted_at="2026-09-15T08:00:00+02:00"))
        first = client.post("/api/v1/ingest/grades", json={"grades": rows}, headers=h("grader")).json()
        assert first == {"created": 501, "updated": 0, "unchanged": 0}
        again = client.post("/api/v1/ingest/grades", json={"grades": rows}, headers=h("grader")).json()
        assert again == {"created": 0, "updated": 0, "unchanged": 501}
        # Due 20:00 UTC: 21:30 UTC is late, 06:00 UTC the next day too; lateness compares instants, not wall clocks.
        late = client.get("/api/v1/submissions", params={"late": True, "limit": 1000}, headers=h("admin")).json()
        assert late["total"] == 501
        book = client.get(
            "/api/v1/cohorts/demo-2026/gradebook", params={"course": "ct", "q": "pg0001"}, headers=h("trainer")
        ).json()
        assert book["rows"][0]["cells"][0]["score"] == 1
        me = client.get("/api/v1/me/progress", headers=h("learner")).json()
        assert [a["status"] for a in me["assignments"] if a["course"] == "ct"] == ["late"]
        events = client.get("/api/v1/exports/xapi", params={"cohort": "demo-2026"}, headers=h("admin")).json()
        assert events["total"] >= 501


def test_failed_batch_writes_nothing_on_postgresql(pg_settings: Any) -> None:
    """Does a 422 batch leave PostgreSQL untouched too?"""
    engine = get_engine(pg_settings.db_url)
    with Session(engine) as db:
        seed_demo(db, settings=pg_settings)
        token = create_api_token(db, username="grader", role=Role.grader)
        db.commit()
    with TestClient(create_app(pg_settings)) as client:
        h = {"Authorization": f"Bearer {token}"}
        client.put("/api/v1/competencies", json=CATALOG_COMPETENCIES, headers=h)
        client.put("/api/v1/courses/ct", json={"title": "Cours test", "order": 0}, headers=h)
        client.put("/api/v1/courses/ct/assignments/a1", json=ASSIGNMENT_A1, headers=h)
        bad = [grade_row("apprenant1", "ex01", 1, 1), grade_row("nobody", "ex01", 1, 1)]
        assert client.post("/api/v1/ingest/grades", json={"grades": bad}, headers=h).status_code == 422
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM grades")).scalar() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM submissions")).scalar() == 0
