"""CSV exports read back byte by byte: formulas neutralised, dates French Excel reads as dates, large exports
streamed in chunks, and a cohort's grades export holds that cohort's work only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from progress_api.services.exports import CHUNK_ROWS, cell, iter_csv
from tests.progress_api.conftest import grade_row
from tests.progress_api.scope_world import build_other_cohort
from tests.progress_api.web.conftest import build_gradebook

HOSTILE = [
    ("formule1", '=HYPERLINK("http://evil.example","clic")', "+33 Direction"),
    ("formule2", "@SUM(A1:A9)", "-2+3"),
    ("formule3", "\tTabulé", "\rRetour"),
]


def _rows(response: Any, sep: str = ";") -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=sep))


def test_cells_that_excel_would_run_as_formulas_are_text(client: TestClient, world: Any) -> None:
    learners = [{"username": u, "display_name": name, "business_unit": unit} for u, name, unit in HOSTILE]
    enrolled = client.post(
        "/api/v1/cohorts/ct-2026/enrolments/bulk", json={"learners": learners}, headers=world.h("admin")
    )
    assert enrolled.status_code == 200, enrolled.text
    rows = {
        r[0]: r for r in _rows(client.get("/api/v1/cohorts/ct-2026/exports/gradebook.csv", headers=world.h("admin")))
    }
    for username, name, unit in HOSTILE:
        assert rows[username][1:3] == ["'" + name, "'" + unit]
    for row in rows.values():
        assert not [c for c in row if c[:1] in ("=", "+", "@", "\t", "\r")], row
    assert cell(-1.5, french=True) == "-1,5"  # numbers are numbers, never neutralised
    assert cell("Camille Martin", french=True) == "Camille Martin"


def test_french_export_dates_are_paris_time_without_a_zone_and_the_comma_export_keeps_iso(
    client: TestClient, world: Any
) -> None:
    winter = grade_row("apprenant2", "ex01", 1, 1, submitted_at="2026-01-10T10:00:00+00:00")
    summer = grade_row("apprenant1", "ex01", 1, 1)  # submitted 2026-09-10T10:00:00Z, graded 10:05Z
    assert client.post("/api/v1/ingest/grades", json={"grades": [winter, summer]}, headers=world.h("grader")).is_success
    french = _rows(client.get("/api/v1/cohorts/ct-2026/exports/grades.csv", headers=world.h("trainer")))
    header, lines = french[0], {r[0]: r for r in french[1:]}
    at = header.index("rendu_le")
    assert lines["apprenant1"][at] == "10/09/2026 12:00:00"  # CEST, UTC+2
    assert lines["apprenant2"][at] == "10/01/2026 11:00:00"  # CET, UTC+1
    assert lines["apprenant1"][header.index("corrige_le")] == "10/09/2026 12:05:00"
    plain = _rows(
        client.get("/api/v1/cohorts/ct-2026/exports/grades.csv", params={"sep": ","}, headers=world.h("trainer")),
        sep=",",
    )
    assert {r[0]: r for r in plain[1:]}["apprenant1"][at] == "2026-09-10T10:00:00+00:00"


def test_large_exports_stream_in_chunks() -> None:
    rows = ([f"user{i:05d}", float(i) / 4, datetime(2026, 3, 1, 9, tzinfo=UTC)] for i in range(3 * CHUNK_ROWS + 7))
    chunks = list(iter_csv(["identifiant", "note", "le"], rows, sep=";"))
    assert len(chunks) == 4 and all(chunks)
    assert chunks[0].startswith("\ufeffidentifiant;note;le\r\n".encode())
    text = b"".join(chunks).decode("utf-8-sig")
    lines = text.splitlines()
    assert len(lines) == 1 + 3 * CHUNK_ROWS + 7
    assert lines[2] == "user00001;0,25;01/03/2026 10:00:00"


def test_grades_export_is_streamed_and_holds_the_cohorts_work_only(client: TestClient, demo: Any) -> None:
    """apprenant1 is also in autre-2026: its course is not in demo-2026's export, even for an admin."""
    build_gradebook(client, demo, learners=5)
    other = build_other_cohort(client, demo)
    response = client.get("/api/v1/cohorts/demo-2026/exports/grades.csv", headers=demo.h("admin"))
    assert "content-length" not in response.headers  # streamed (chunked), not built in memory first
    courses = {r[1] for r in _rows(response)[1:]}
    assert courses == {"c-test"}
    theirs = _rows(client.get(f"/api/v1/cohorts/{other.cohort}/exports/grades.csv", headers=demo.h("other_trainer")))
    assert {(r[0], r[1]) for r in theirs[1:]} == {("apprenant1", other.course), ("externe1", other.course)}
