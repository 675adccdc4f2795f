"""Fixtures of the progress service tests: a migrated SQLite database per test, the app, and a token per role.

Migrating takes a moment, so one database is migrated per session and copied for each test (a real file with
WAL, the same engine factory as production).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from progress_api.core.auth import create_api_token
from progress_api.core.config import Settings
from progress_api.core.db import get_engine, upgrade
from progress_api.main import create_app
from progress_api.models.common import Role
from progress_api.services.seed import seed_demo


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly migrated SQLite file, copied by `settings` for each test."""
    path = tmp_path_factory.mktemp("template") / "progress.db"
    upgrade(f"sqlite:///{path}")
    engine = get_engine(f"sqlite:///{path}")
    engine.dispose()
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def settings(tmp_path: Path, migrated_template: Path) -> Settings:
    """Settings pointing at this test's own migrated SQLite database under tmp_path."""
    shutil.copy(migrated_template, tmp_path / "progress.db")
    return Settings(home=tmp_path, api_prefix="", secret_key="test-secret")


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = get_engine(settings.db_url, settings.sqlite_busy_timeout_ms)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session on the test database (commit what you want the app to see)."""
    with Session(engine) as session:
        yield session


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@dataclass
class Demo:
    """The seeded demo world and one token per role (trainer = the demo cohort's trainer)."""

    tokens: dict[str, str]
    cohort: str = "demo-2026"

    def h(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def demo(db: Session, settings: Settings) -> Demo:
    seed_demo(db, settings=settings)
    tokens = {
        "learner": create_api_token(db, username="apprenant1", role=Role.learner),
        "learner2": create_api_token(db, username="apprenant2", role=Role.learner),
        "trainer": create_api_token(db, username="formateur", role=Role.trainer),
        "other_trainer": create_api_token(db, username="formateur2", role=Role.trainer),
        "cedia": create_api_token(db, username="cedia", role=Role.cedia),
        "admin": create_api_token(db, username="admin", role=Role.admin),
        "grader": create_api_token(db, username="grader", role=Role.grader),
    }
    db.commit()
    return Demo(tokens=tokens)


CATALOG_COMPETENCIES = {
    "competencies": [
        {
            "id": "test.python",
            "label": "Python",
            "domain": "programmation",
            "levels": [{"level": 1, "label": "Découverte"}, {"level": 2, "label": "Application"}],
        },
        {
            "id": "test.ethique",
            "label": "Éthique",
            "domain": "gouvernance",
            "levels": [{"level": 1, "label": "Découverte"}],
        },
    ]
}
ASSIGNMENT_A1 = {
    "title": "Premiers pas",
    "points": 5,
    "exercises": [
        {"id": "ex01", "max_score": 1, "kind": "auto", "competencies": ["test.python"]},
        {"id": "ex02", "max_score": 2, "kind": "auto", "competencies": [{"id": "test.python", "level": 2}]},
        {"id": "ecrit01", "max_score": 2, "kind": "manual", "competencies": ["test.ethique"]},
    ],
}
ASSIGNMENT_A2 = {
    "title": "Agrégations",
    "points": 2,
    "exercises": [{"id": "ex01", "max_score": 2, "kind": "auto", "competencies": ["test.python"]}],
}


def grade_row(
    learner: str,
    exercise: str,
    score: float,
    max_score: float,
    *,
    assignment: str = "a1",
    attempt: int = 1,
    submitted_at: str = "2026-09-10T10:00:00+00:00",
    kind: str = "auto",
) -> dict[str, object]:
    """One row of POST /ingest/grades, in the interface's shape."""
    return {
        "learner": learner,
        "course": "ct",
        "assignment": assignment,
        "attempt": attempt,
        "exercise": exercise,
        "score": score,
        "max_score": max_score,
        "kind": kind,
        "submitted_at": submitted_at,
        "graded_at": "2026-09-10T10:05:00+00:00",
        "feedback_url": f"https://hub/feedback/{learner}/{assignment}.html",
        "comment": None,
    }


@pytest.fixture
def world(client: TestClient, demo: Demo) -> Demo:
    """A test catalogue (course `ct`: a1 due 2026-09-14, a2 due 2026-09-21) released to the demo cohort and to
    `ct-2026` (apprenant1-3, trained by formateur), a cohort with nothing else released."""
    g = demo.h("grader")
    assert client.put("/api/v1/competencies", json=CATALOG_COMPETENCIES, headers=g).status_code == 200
    assert client.put("/api/v1/courses/ct", json={"title": "Cours test", "order": 0}, headers=g).status_code in (
        200,
        201,
    )
    for slug, body in (("a1", ASSIGNMENT_A1), ("a2", ASSIGNMENT_A2)):
        assert client.put(f"/api/v1/courses/ct/assignments/{slug}", json=body, headers=g).status_code in (200, 201)
    a = demo.h("admin")
    body = {"slug": "ct-2026", "name": "Promo test", "programme": "Test", "trainers": ["formateur"]}
    assert client.post("/api/v1/cohorts", json=body, headers=a).status_code == 201
    learners = [{"username": f"apprenant{i}"} for i in (1, 2, 3)]
    assert (
        client.post("/api/v1/cohorts/ct-2026/enrolments/bulk", json={"learners": learners}, headers=a).status_code
        == 200
    )
    for cohort in ("demo-2026", "ct-2026"):
        for slug, due in (("a1", "2026-09-14T22:00:00+00:00"), ("a2", "2026-09-21T22:00:00+00:00")):
            response = client.put(
                f"/api/v1/cohorts/{cohort}/releases/ct/{slug}",
                json={"due_date": due, "released_at": "2026-09-07T08:00:00+00:00"},
                headers=g,
            )
            assert response.status_code in (200, 201), response.text
    return demo
