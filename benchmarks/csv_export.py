"""Memory and time of the grades CSV export (issue 3, `GET /cohorts/{c}/exports/grades.csv`).

A cohort of 500 learners × 20 assignments × 10 exercises (100,000 grades) on SQLite. The export as shipped
(`services.exports.iter_csv` over `grade_lines`: rows read 1,000 at a time, CSV sent in chunks) is measured beside
the baseline of building the whole file in memory first, the way the export was written before (every grade
loaded as an object by `crud.grading.list_grades`, then one string), in the same run on the same database.
Peak memory is Python's (tracemalloc, in a second run) while producing the body; time (untraced) includes
reading the database.

Run: `.venv/bin/python benchmarks/csv_export.py [--learners 500]`.
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from progress_api.core.auth import create_api_token
from progress_api.core.config import Settings
from progress_api.core.db import get_engine, upgrade
from progress_api.crud import cohorts as cohorts_crud
from progress_api.crud import grading as grading_crud
from progress_api.main import create_app
from progress_api.models.common import Role
from progress_api.services import exports

ASSIGNMENTS, EXERCISES = 20, 10
console = Console()


def build(settings: Settings, learners: int) -> None:
    """Catalogue, cohort, enrolment and grades through the real API (as the grader would send them)."""
    upgrade(settings.db_url)
    with Session(get_engine(settings.db_url)) as db:
        admin = {"Authorization": f"Bearer {create_api_token(db, username='admin', role=Role.admin)}"}
        grader = {"Authorization": f"Bearer {create_api_token(db, username='grader', role=Role.grader)}"}
        db.commit()
    with TestClient(create_app(settings)) as client:
        client.post("/api/v1/cohorts", json={"slug": "bench", "name": "Bench"}, headers=admin).raise_for_status()
        names = [f"learner{i:04d}" for i in range(learners)]
        body = {"learners": [{"username": n, "display_name": f"Apprenant {n[-4:]}"} for n in names]}
        client.post("/api/v1/cohorts/bench/enrolments/bulk", json=body, headers=admin).raise_for_status()
        client.put("/api/v1/courses/c1", json={"title": "C1", "order": 1}, headers=admin).raise_for_status()
        grades = []
        for a in range(ASSIGNMENTS):
            ex = [{"id": f"ex{e:02d}", "max_score": 1, "kind": "auto"} for e in range(EXERCISES)]
            assignment = {"title": f"A{a}", "points": EXERCISES, "exercises": ex}
            client.put(f"/api/v1/courses/c1/assignments/a{a:02d}", json=assignment, headers=admin).raise_for_status()
            release = {"due_date": "2026-10-01T12:00:00Z"}
            client.put(f"/api/v1/cohorts/bench/releases/c1/a{a:02d}", json=release, headers=admin).raise_for_status()
            for n in names:
                for e in range(EXERCISES):
                    grades.append(
                        {
                            "learner": n,
                            "course": "c1",
                            "assignment": f"a{a:02d}",
                            "attempt": 1,
                            "exercise": f"ex{e:02d}",
                            "score": (a + e) % 2,
                            "max_score": 1,
                            "kind": "auto",
                            "submitted_at": "2026-09-20T10:00:00Z",
                            "graded_at": "2026-09-20T10:01:00Z",
                            "feedback_url": f"/user/{n}/files/c1/a{a:02d}/feedback/x.html",
                            "comment": None,
                        }
                    )
        client.post("/api/v1/ingest/grades", json={"grades": grades}, headers=grader).raise_for_status()


def in_memory(settings: Settings, cohort_id: int) -> int:
    """Baseline: every grade as an object, then the whole file as one string (the export before streaming)."""
    with Session(get_engine(settings.db_url)) as db:
        _, grades = grading_crud.list_grades(db, limit=10_000_000, offset=0, cohort="bench")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(exports.GRADES_HEADER)
    for g in grades:
        what = [g.learner, g.course, g.assignment, g.attempt, g.exercise, g.score, g.graded_score, g.max_score]
        when = [g.submitted_at.isoformat(), "oui" if g.late else "non", g.graded_at.isoformat(), g.feedback_url]
        writer.writerow(
            [*what, g.kind, "oui" if g.overridden else "non", *when, g.manual_score, "oui" if g.to_grade else "non"]
        )
    return len(("\ufeff" + buffer.getvalue()).encode("utf-8"))


def streamed(settings: Settings, cohort_id: int) -> int:
    """As shipped: chunks written as rows are read; only the size is kept (a server sends each chunk on)."""
    lines = exports.grade_lines(get_engine(settings.db_url), cohort_id=cohort_id, course=None)
    return sum(len(chunk) for chunk in exports.iter_csv(exports.GRADES_HEADER, lines, sep=";"))


def measure(run: Callable[[Settings, int], int], settings: Settings, cohort_id: int) -> tuple[float, float, int]:
    """(seconds, peak MB, body bytes): timed untraced, then run again under tracemalloc (which slows it down)."""
    started = time.perf_counter()
    size = run(settings, cohort_id)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    run(settings, cohort_id)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 1e6, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), api_prefix="")
        console.print(f"Building {args.learners} learners × {ASSIGNMENTS} × {EXERCISES} grades…")
        build(settings, args.learners)
        with Session(get_engine(settings.db_url)) as db:
            cohort = cohorts_crud.require_cohort(db, slug="bench")
            assert cohort.id is not None
            cohort_id = cohort.id
        table = Table(title=f"grades.csv of {args.learners * ASSIGNMENTS * EXERCISES:,} grades")
        for column in ("", "time (s)", "peak Python memory (MB)", "body (MB)"):
            table.add_column(column)
        for label, run in (("in memory (baseline)", in_memory), ("streamed (shipped)", streamed)):
            elapsed, peak, size = measure(run, settings, cohort_id)
            table.add_row(label, f"{elapsed:.2f}", f"{peak:.1f}", f"{size / 1e6:.1f}")
        console.print(table)
        get_engine(settings.db_url).dispose()


if __name__ == "__main__":
    main()
