"""Fixtures of the progress service tests: a migrated database per test, the app, and a token per role.

Every test gets its own migrated database: on SQLite a copy of a file migrated once per session (a real file with
WAL, the same engine factory as production); on PostgreSQL the session's own database (created, migrated and
dropped by the run, per xdist worker) reset to its just-migrated rows (`pg_reuse.py`). A test that uses the `demo`
world starts from a demo-seeded state (seeding is idempotent and its data fixed, so this only saves time).

The test modules of `POSTGRES_TOO` run on both backends (`[sqlite]` and `[postgres]`): these exercise the SQL that
differs between them (bulk executemany, upserts, window functions, time zones, integer ranges, text limits,
transactions and conditional updates, the trainers' work scope as correlated EXISTS, the streamed CSV export's
server-side cursor). Their `[postgres]` runs skip, with the reason, when
ACADEMY_TEST_POSTGRES_URL is unset. The other modules (pages, CLI, process-level tests) run on SQLite only: they
reach the database through the same CRUD functions.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from progress_api.core.auth import create_api_token
from progress_api.core.config import Settings
from progress_api.core.db import get_engine, normalise_url, upgrade
from progress_api.main import create_app
from progress_api.models.common import Role
from progress_api.services.seed import seed_demo
from tests.progress_api.pg_reuse import ReusedDatabase

# Paths relative to tests/progress_api/: a folder (trailing slash) or one module.
POSTGRES_TOO = (
    "api/",
    "cedia/",
    "core/test_api_errors.py",
    "core/test_api_migrations.py",
    "core/test_token_revocation.py",
    "services/test_csv_exports.py",
    "web/test_pages_cedia.py",
)
HERE = Path(__file__).parent


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the tests of `POSTGRES_TOO` that use a database once per backend."""
    if "backend" not in metafunc.fixturenames:
        return
    relative = metafunc.definition.path.relative_to(HERE).as_posix()
    if any(relative.startswith(p) if p.endswith("/") else relative == p for p in POSTGRES_TOO):
        metafunc.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """`sqlite` or `postgres`: which database this test runs on (SQLite unless parametrized above)."""
    return str(getattr(request, "param", "sqlite"))


def _seed(url: str, home: Path) -> None:
    engine = get_engine(url)
    with Session(engine) as db:
        seed_demo(db, settings=Settings(home=home, database_url=url, api_prefix="", secret_key="test-secret"))
        db.commit()
    engine.dispose()


@pytest.fixture(scope="session")
def pg_reused(postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReusedDatabase]:
    """This session's PostgreSQL database (created, migrated, snapshotted; dropped at the end): see `pg_reuse`."""
    home = tmp_path_factory.mktemp("pg-seed")
    database = ReusedDatabase(postgres_admin_url, seed=lambda url: _seed(url, home))
    yield database
    database.drop()


@pytest.fixture
def pg_database(request: pytest.FixtureRequest, pg_reused: ReusedDatabase) -> Iterator[str]:
    """URL of a migrated PostgreSQL database in its just-migrated state (demo-seeded if the test uses `demo`)."""
    seeded = "demo" in request.fixturenames
    url = pg_reused.reset(seeded=seeded)
    if seeded:
        SEEDED.add(url)
    yield url
    SEEDED.discard(url)
    get_engine(url).dispose()


@pytest.fixture
def fresh_pg_url(postgres_admin_url: str) -> Iterator[str]:
    """A brand-new PostgreSQL database migrated from scratch by `upgrade heads` (the migrations on PostgreSQL),
    dropped afterwards."""
    name = f"academy_fresh_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(postgres_admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(postgres_admin_url)).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file, so that copying the file alone copies everything."""
    engine = get_engine(f"sqlite:///{path}")
    engine.dispose()
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly migrated SQLite file, copied by `settings` for each test."""
    path = tmp_path_factory.mktemp("template") / "progress.db"
    upgrade(f"sqlite:///{path}")
    _checkpoint(path)
    return path


@pytest.fixture(scope="session")
def seeded_template(migrated_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated SQLite file, demo-seeded, copied by `settings` for the tests that use `demo`."""
    home = tmp_path_factory.mktemp("seeded")
    path = home / "progress.db"
    shutil.copy(migrated_template, path)
    _seed(f"sqlite:///{path}", home)
    _checkpoint(path)
    return path


# Databases cloned from a demo-seeded template (the `demo` fixture need not seed them again).
SEEDED: set[str] = set()


@pytest.fixture
def settings(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings pointing at this test's own migrated database: SQLite under tmp_path, or a PostgreSQL database."""
    if backend == "postgres":
        url = request.getfixturevalue("pg_database")
        yield Settings(home=tmp_path, database_url=url, api_prefix="", secret_key="test-secret")
        return
    seeded = "demo" in request.fixturenames
    shutil.copy(request.getfixturevalue("seeded_template" if seeded else "migrated_template"), tmp_path / "progress.db")
    settings = Settings(home=tmp_path, api_prefix="", secret_key="test-secret")
    if seeded:
        SEEDED.add(settings.db_url)
    yield settings
    SEEDED.discard(settings.db_url)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """The engine the app uses for this test's database (the same cached one), disposed afterwards."""
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
    """The demo world (`academy api seed-demo`) and a token per role."""
    if settings.db_url not in SEEDED:
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


CEDIA_PROJECT = {
    "title": "Projet de test",
    "unit": "Direction financière",
    "coaches": ["Nadia Benali"],
    "members": [{"display_name": "Camille Martin", "username": "apprenant1", "role": "data_relay"}],
    "milestones": [{"title": "Cadrage", "due_on": "2026-10-01"}],
}


def cedia_project(client: TestClient, demo: Demo) -> dict[str, object]:
    """A CEDIA project (coach, one member, one milestone) plus one blocker, so it is at version 2; its detail."""
    created = client.post("/api/v1/cedia/projects", json=CEDIA_PROJECT, headers=demo.h("cedia"))
    assert created.status_code == 201, created.text
    url = f"/api/v1/cedia/projects/{created.json()['id']}"
    blocker = client.post(f"{url}/blockers", json={"description": "Accès aux données"}, headers=demo.h("cedia"))
    assert blocker.status_code == 201, blocker.text
    detail: dict[str, object] = client.get(url, headers=demo.h("cedia")).json()
    return detail
