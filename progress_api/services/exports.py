"""Exports: CSV that opens cleanly in French Excel, and xAPI statements with a pseudonymised actor (HMAC of the
username: stable across exports, not reversible without the key).

CSV, written by `iter_csv` as a stream of byte chunks (a 500-learner cohort's grades never sit in memory whole):
- `sep=";"` is the French Excel flavour: decimal comma, dates as `JJ/MM/AAAA HH:MM:SS` in Paris time without a
  zone suffix (what French Excel reads as a date); `sep=","` keeps ISO 8601 UTC and a decimal point.
- A text cell starting with `= + - @`, a tab or a carriage return would run as a formula in Excel (a learner's
  name or unit typed as `=HYPERLINK(...)` in an enrolment file): it gets a leading apostrophe, Excel's "this is
  text" mark (OWASP's advice). Numbers are numbers, never neutralised.
- A written answer awaiting its trainer is never a 0: its gradebook cell reads `to_grade` (when nothing else of
  the assignment is graded) and the row counts it in `a_corriger`; in the grades export its `note` is empty and
  `a_corriger` says `oui` (`note_formateur` holds the trainer's grade once given).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.security import pseudonym
from progress_api.crud.grading import EFFECTIVE
from progress_api.crud.scope import WorkScope
from progress_api.models.analytics import GradebookColumn, GradebookRow
from progress_api.models.catalog import Assignment, Course, Exercise
from progress_api.models.events import Event
from progress_api.models.grading import Grade, Submission
from progress_api.models.people import User

BOM = "\ufeff"
PARIS = ZoneInfo("Europe/Paris")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500  # rows per chunk sent; a chunk of grades is ≈ 60 kB
VERBS = {
    "registered": "http://adlnet.gov/expapi/verbs/registered",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "attempted": "http://adlnet.gov/expapi/verbs/attempted",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "scored": "http://adlnet.gov/expapi/verbs/scored",
}
VERB_FR = {
    "registered": "inscrit",
    "completed": "a terminé",
    "attempted": "a tenté",
    "passed": "a réussi",
    "failed": "a échoué",
    "scored": "a été noté",
}
Cell = str | int | float | bool | datetime | None

GRADES_HEADER = [
    "identifiant",
    "cours",
    "devoir",
    "tentative",
    "exercice",
    "note",
    "note_correcteur",
    "bareme",
    "type",
    "modifiee",
    "rendu_le",
    "en_retard",
    "corrige_le",
    "retour",
    "note_formateur",  # the trainer's grade of a written answer
    "a_corriger",  # a written answer awaiting its grade (its `note` is empty, never 0)
]


def _number(value: float, decimal: str) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text.replace(".", decimal) if decimal != "." else text


def cell(value: Cell, *, french: bool) -> str:
    """One CSV cell: numbers and dates in the flavour's format, text neutralised against formula injection."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return _number(value, "," if french else ".")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # the database keeps UTC
        if french:
            return aware.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S")
        return aware.astimezone(UTC).isoformat()
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def iter_csv(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], *, sep: str = ";", bom: bool = True
) -> Iterator[bytes]:
    """The CSV as UTF-8 chunks of `CHUNK_ROWS` rows; with `sep=';'` the French flavour (module docstring)."""
    french = sep == ";"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    writer.writerow([cell(h, french=french) for h in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([cell(v, french=french) for v in row])
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def gradebook_lines(columns: list[GradebookColumn], rows: list[GradebookRow]) -> tuple[list[str], Iterator[list[Cell]]]:
    """Header and lines of the gradebook export: one line per learner, one column per assignment."""
    header = ["identifiant", "nom", "direction"]
    header += [f"{c.course}/{c.assignment}" for c in columns]
    header += ["total", "total_max", "taux", "rendus", "manquants", "en_retard", "a_corriger"]

    def line(r: GradebookRow) -> list[Cell]:
        # A cell with nothing graded yet but written answers awaiting a trainer reads "to_grade", never 0.
        cells: list[Cell] = [r.username, r.display_name, r.business_unit]
        cells += [c.score if c.score is not None else ("to_grade" if c.to_grade else c.status) for c in r.cells]
        return [*cells, r.total_score, r.total_max, r.ratio, r.graded, r.missing, r.late, r.to_grade]

    body = (line(r) for r in rows)
    return header, body


def grade_lines(engine: Engine, *, cohort_id: int, course: str | None, batch: int = 1000) -> Iterator[list[Cell]]:
    """Every grade of a cohort's work (its learners, on what was released to it), one line per exercise and
    attempt, read `batch` rows at a time in its own session (the response streams after the request's session)."""
    stmt = (
        select(
            col(User.username),
            col(Course.slug),
            col(Assignment.slug),
            col(Submission.attempt),
            col(Exercise.slug),
            EFFECTIVE,
            col(Grade.score),
            col(Grade.max_score),
            col(Grade.kind),
            col(Grade.override_score).is_not(None),
            col(Submission.submitted_at),
            col(Submission.late),
            col(Grade.graded_at),
            col(Grade.feedback_url),
            col(Grade.manual_score),
        )
        .select_from(Grade)
        .join(Submission, col(Submission.id) == col(Grade.submission_id))
        .join(User, col(User.id) == col(Submission.user_id))
        .join(Exercise, col(Exercise.id) == col(Grade.exercise_id))
        .join(Assignment, col(Assignment.id) == col(Submission.assignment_id))
        .join(Course, col(Course.id) == col(Assignment.course_id))
        .where(
            WorkScope(cohort_ids=frozenset({cohort_id})).work(col(Submission.user_id), col(Submission.assignment_id))
        )
        .order_by(col(User.username), col(Course.slug), col(Assignment.slug), col(Submission.attempt))
        .order_by(col(Exercise.position))
    )
    if course is not None:
        stmt = stmt.where(col(Course.slug) == course)
    with Session(engine) as db:
        for row in db.execute(stmt.execution_options(yield_per=batch)):
            learner, course_slug, assignment, attempt, exercise, shown, score, max_score, kind = row[:9]
            overridden, submitted_at, late, graded_at, feedback_url, manual = row[9:]
            yield [
                learner,
                course_slug,
                assignment,
                attempt,
                exercise,
                _float(shown),  # effective: override, else the trainer's grade, else the grader's; empty: to grade
                _float(score),
                float(max_score),
                kind,
                bool(overridden),
                submitted_at,
                bool(late),
                graded_at,
                feedback_url,
                _float(manual),
                shown is None,
            ]


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def xapi_statement(
    event: Event, username: str | None, *, secret: str, home_page: str, platform: str = "Académie"
) -> dict[str, object]:
    """One xAPI 1.0.3 statement; the actor is an account whose name is the learner's pseudonym."""
    statement: dict[str, object] = {
        "id": None,
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": home_page, "name": pseudonym(username or "?", secret=secret)},
        },
        "verb": {
            "id": VERBS.get(event.verb, VERBS["attempted"]),
            "display": {"fr-FR": VERB_FR.get(event.verb, event.verb)},
        },
        "object": {
            "objectType": "Activity",
            "id": f"{home_page.rstrip('/')}/activities/{event.object_type}/{event.object_id}",
            "definition": {"type": f"http://adlnet.gov/expapi/activities/{_activity_type(event.object_type)}"},
        },
        "timestamp": _iso(event.at),
        "context": {"platform": platform},
    }
    result = event.result or {}
    out: dict[str, object] = {}
    if "success" in result:
        out["success"] = bool(result["success"])
    if "completion" in result:
        out["completion"] = bool(result["completion"])
    if isinstance(result.get("score"), dict):  # an assignment's result (see crud/grading.assignment_result)
        out["score"] = {k: v for k, v in result["score"].items() if k in ("scaled", "raw", "min", "max")}
    elif result.get("new") is not None and result.get("max"):
        out["score"] = {"raw": result["new"], "max": result["max"], "scaled": round(result["new"] / result["max"], 4)}
    if out:
        statement["result"] = out
    statement["id"] = _uuid(event.id or 0, home_page)
    return statement


def _activity_type(object_type: str) -> str:
    return {"assignment": "assessment", "exercise": "interaction", "cohort": "course", "grade": "assessment"}.get(
        object_type, "interaction"
    )


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _uuid(event_id: int, home_page: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{home_page}#event-{event_id}"))
