"""CEDIA multi-row writes are one transaction: an error or a SIGKILL midway leaves the database as before."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from progress_api.core.config import Settings
from progress_api.core.db import normalise_url
from progress_api.main import create_app

API = "/api/v1/cedia"
TABLES = (
    "cedia_projects",
    "cedia_checklists",
    "cedia_events",
    "cedia_members",
    "cedia_milestones",
    "cedia_blockers",
    "cedia_coaches",
    "cedia_project_coaches",
)
FULL_PROJECT = {
    "title": "Projet complet",
    "unit": "Direction financière",
    "coaches": ["Nadia Benali", "Marc Petit"],
    "members": [{"display_name": f"Membre {i}", "role": "data_relay"} for i in range(3)],
    "milestones": [{"title": f"Jalon {i}", "due_on": f"2026-0{i + 1}-01"} for i in range(3)],
}


def snapshot(url: str) -> dict[str, Any]:
    """Row counts of the CEDIA tables and every project's (version, stage, archived_at)."""
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        counts: dict[str, Any] = {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in TABLES}
        counts["projects"] = conn.execute(
            text("SELECT id, version, stage, archived_at FROM cedia_projects ORDER BY id")
        ).all()
    engine.dispose()
    return counts


@contextmanager
def failing_on(engine: Engine, statement_start: str) -> Iterator[None]:
    """Make the real driver fail on the first statement starting with `statement_start` (a fault midway)."""

    def fail(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(statement_start):
            raise RuntimeError(f"fault injected before: {statement[:60]}")

    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", fail)


@pytest.fixture
def started(client: TestClient, demo: Any) -> dict[str, Any]:
    """A project in qualification with one blocker, for the writes that change an existing project."""
    h = demo.h("cedia")
    project = client.post(f"{API}/projects", json={**FULL_PROJECT, "title": "Existant"}, headers=h).json()
    moved = client.post(
        f"{API}/projects/{project['id']}/transitions", json={"to_stage": "qualification", "version": 1}, headers=h
    ).json()
    client.post(f"{API}/projects/{project['id']}/blockers", json={"description": "Accès"}, headers=h)
    return client.get(f"{API}/projects/{moved['id']}", headers=h).json()


WRITES = [
    # (label, statement the fault hits, method, path, body, query) — the fault lands after earlier rows were written
    ("create with team and milestones", "INSERT INTO CEDIA_MILESTONES", "POST", "/projects", FULL_PROJECT, None),
    ("stage move", "INSERT INTO CEDIA_EVENTS", "POST", "/projects/{id}/transitions",
     {"to_stage": "coaching", "version": 3}, None),
    ("checklist", "INSERT INTO CEDIA_EVENTS", "PUT", "/projects/{id}/checklist",
     {"risk_class": "minimal", "personal_data": False, "version": 3}, None),
    ("add blocker", "UPDATE CEDIA_PROJECTS", "POST", "/projects/{id}/blockers", {"description": "Budget"}, None),
    ("delete milestone", "INSERT INTO CEDIA_EVENTS", "DELETE", "/projects/{id}/milestones/{milestone}", None,
     {"version": 1}),
    ("archive", "INSERT INTO CEDIA_EVENTS", "DELETE", "/projects/{id}", None, {"version": 3}),
]  # fmt: skip


@pytest.mark.parametrize(("label", "fault", "method", "path", "body", "query"), WRITES, ids=[w[0] for w in WRITES])
def test_an_error_midway_leaves_the_database_as_before(
    settings: Settings,
    engine: Engine,
    started: dict[str, Any],
    demo: Any,
    label: str,
    fault: str,
    method: str,
    path: str,
    body: Any,
    query: Any,
) -> None:
    """The driver fails on a later statement of the write: nothing of it stays; without the fault it goes through."""
    url = API + path.replace("{id}", str(started["id"])).replace("{milestone}", str(started["milestones"][0]["id"]))
    before = snapshot(settings.db_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        with failing_on(engine, fault):
            failed = client.request(method, url, json=body, params=query, headers=demo.h("cedia"))
        assert failed.status_code == 500, (label, failed.text)
        assert failed.json()["error"]["code"] == "internal_error"
        assert snapshot(settings.db_url) == before, label
        done = client.request(method, url, json=body, params=query, headers=demo.h("cedia"))
        assert done.status_code < 300, (label, done.text)
    assert snapshot(settings.db_url) != before


# The child pauses right before the first milestone row, after the project, checklist, coaches and members were
# written in the same transaction, so the kill lands midway.
CHILD = textwrap.dedent(
    """
    import json, sys, time
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from progress_api.core.db import make_engine
    from progress_api.crud.cedia import create_project
    from progress_api.models.cedia import ProjectCreate

    url, payload = sys.argv[1], json.load(open(sys.argv[2]))
    engine = make_engine(url)

    @event.listens_for(engine, "before_cursor_execute")
    def pause(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO CEDIA_MILESTONES"):
            print("MIDWAY", flush=True)
            time.sleep(120)

    with Session(engine) as db:
        create_project(db, data=ProjectCreate.model_validate(payload), actor="cedia")
        db.commit()
    print("COMMITTED", flush=True)
    """
)


def test_a_kill_during_project_creation_leaves_the_database_as_before(
    client: TestClient, demo: Any, settings: Settings, tmp_path: Path
) -> None:
    """SIGKILL after the project, its coaches and team were written, before the commit: none of it is there."""
    before = snapshot(settings.db_url)
    payload = tmp_path / "project.json"
    payload.write_text(json.dumps(FULL_PROJECT))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, settings.db_url, str(payload)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "MIDWAY"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert snapshot(settings.db_url) == before
    created = client.post(f"{API}/projects", json=FULL_PROJECT, headers=demo.h("cedia"))
    assert created.status_code == 201 and len(created.json()["members"]) == 3
