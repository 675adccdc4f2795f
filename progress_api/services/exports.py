"""Exports: CSV that opens cleanly in French Excel (`;` separator, decimal comma, UTF-8 BOM) and xAPI statements
with a pseudonymised actor (HMAC of the username: stable across exports, not reversible without the key)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from progress_api.core.security import pseudonym
from progress_api.models.analytics import GradebookColumn, GradebookRow
from progress_api.models.events import Event

BOM = "\ufeff"
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


def _number(value: float | None, decimal: str) -> str:
    if value is None:
        return ""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text.replace(".", decimal) if decimal != "." else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], *, sep: str = ";", bom: bool = True) -> str:
    """CSV text; with `sep=';'` numbers use a decimal comma, as French Excel expects."""
    decimal = "," if sep == ";" else "."
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_number(v, decimal) if isinstance(v, float) else ("" if v is None else v) for v in row])
    return (BOM if bom else "") + buffer.getvalue()


def gradebook_csv(columns: list[GradebookColumn], rows: list[GradebookRow], *, sep: str, bom: bool) -> str:
    header = ["identifiant", "nom", "direction"]
    header += [f"{c.course}/{c.assignment}" for c in columns]
    header += ["total", "total_max", "taux", "rendus", "manquants", "en_retard"]
    body = (
        [r.username, r.display_name, r.business_unit]
        + [c.score if c.score is not None else ("to_grade" if c.to_grade else c.status) for c in r.cells]
        + [r.total_score, r.total_max, r.ratio, r.graded, r.missing, r.late]
        for r in rows
    )
    return to_csv(header, body, sep=sep, bom=bom)


def xapi_statement(
    event: Event, username: str | None, *, secret: str, home_page: str, platform: str = "Académie"
) -> dict[str, Any]:
    """One xAPI 1.0.3 statement; the actor is an account whose name is the learner's pseudonym."""
    statement: dict[str, Any] = {
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
    out: dict[str, Any] = {}
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
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{home_page}#event-{event_id}"))
