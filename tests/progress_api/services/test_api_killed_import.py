"""A bulk import killed midway (SIGKILL, no cleanup) leaves the database exactly as before."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from progress_api.core.config import Settings
from tests.progress_api.conftest import grade_row

# The child pauses inside the transaction, right when it starts writing the second table, so that the kill lands
# after some rows were written and before the commit.
CHILD = textwrap.dedent(
    """
    import json, sys, time
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from progress_api.core.db import make_engine
    from progress_api.models.grading import GradeIn
    from progress_api.models.people import EnrolmentRow
    from progress_api.crud.cohorts import require_cohort
    from progress_api.services.enrolment import enrol_rows
    from progress_api.services.ingest import ingest_grades

    url, kind, pause_on, payload = sys.argv[1], sys.argv[2], sys.argv[3], json.load(open(sys.argv[4]))
    engine = make_engine(url)

    @event.listens_for(engine, "before_cursor_execute")
    def pause(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO " + pause_on.upper()):
            print("MIDWAY", flush=True)
            time.sleep(120)

    with Session(engine) as db:
        if kind == "grades":
            ingest_grades(db, grades=[GradeIn.model_validate(r) for r in payload])
        else:
            rows = [EnrolmentRow.model_validate(r) for r in payload]
            enrol_rows(db, cohort=require_cohort(db, slug="ct-2026"), rows=rows)
        db.commit()
    print("COMMITTED", flush=True)
    """
)
TABLES = ("users", "user_roles", "enrolments", "submissions", "grades", "events", "data_version")


def _snapshot(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in TABLES}
        counts["version"] = conn.execute(text("SELECT version FROM data_version")).scalar()
        counts["integrity"] = conn.execute(text("PRAGMA integrity_check")).scalar()
    engine.dispose()
    return counts


@pytest.mark.parametrize(
    ("kind", "pause_on"),
    [("grades", "grades"), ("grades", "events"), ("enrolment", "enrolments")],
)
def test_kill_during_bulk_import_changes_nothing(
    client: TestClient, world: Any, settings: Settings, tmp_path: Path, kind: str, pause_on: str
) -> None:
    """Killed with SIGKILL after writing rows of a big batch, does the database come back with nothing of it?"""
    if kind == "grades":
        learners = [{"username": f"kill{i:04d}"} for i in range(300)]
        client.post("/api/v1/cohorts/ct-2026/enrolments/bulk", json={"learners": learners}, headers=world.h("admin"))
        payload = [grade_row(f"kill{i:04d}", ex, 1, m) for i in range(300) for ex, m in (("ex01", 1), ("ex02", 2))]
    else:
        payload = [{"username": f"new{i:05d}", "display_name": f"N {i}"} for i in range(5000)]
    before = _snapshot(settings.db_url)
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps(payload))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, settings.db_url, kind, pause_on, str(batch)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "MIDWAY"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert _snapshot(settings.db_url) == before
    # And the service still works on that file: the same batch goes through when not interrupted.
    if kind == "grades":
        response = client.post("/api/v1/ingest/grades", json={"grades": payload}, headers=world.h("grader"))
        assert response.json()["created"] == len(payload)
