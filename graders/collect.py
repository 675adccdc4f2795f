"""Collect submissions from the exchange inbound into `submitted/` (nbgrader collect), and number the attempts."""

from __future__ import annotations

import re
from pathlib import Path

from graders.config import GraderSettings, get_settings
from graders.coursedir import course_root, nbgrader_api


class CollectError(RuntimeError):
    pass


_INBOUND = re.compile(r"^(?P<student>[^+]+)\+(?P<assignment>[^+]+)\+(?P<timestamp>[^+]+)(\+.*)?$")


def inbound_submissions(settings: GraderSettings, course: str, assignment: str) -> dict[str, list[str]]:
    """student -> sorted submission timestamps found in the exchange inbound (each one is an attempt)."""
    inbound = settings.exchange_dir / course / "inbound"
    found: dict[str, list[str]] = {}
    if inbound.is_dir():
        for entry in inbound.iterdir():
            match = _INBOUND.match(entry.name)
            if match and match["assignment"] == assignment:
                found.setdefault(match["student"], []).append(match["timestamp"])
    return {student: sorted(stamps) for student, stamps in found.items()}


def attempt_number(settings: GraderSettings, course: str, assignment: str, student: str) -> int:
    """1 for the first submission, 2 for a resubmission...; stable, since the inbound keeps every submission."""
    return max(1, len(inbound_submissions(settings, course, assignment).get(student, [])))


def submitted_timestamp(settings: GraderSettings, course: str, assignment: str, student: str) -> str | None:
    path: Path = course_root(settings, course) / "submitted" / student / assignment / "timestamp.txt"
    return path.read_text().strip() if path.exists() else None


def main(*, course: str, assignment: str, settings: GraderSettings | None = None) -> list[str]:
    """Copy the latest submission of every learner into `submitted/`; returns the learners whose copy changed."""
    settings = settings or get_settings()
    learners = sorted(inbound_submissions(settings, course, assignment))
    before = {s: submitted_timestamp(settings, course, assignment, s) for s in learners}
    api = nbgrader_api(settings, course)
    outcome = api.collect(assignment, update=True)
    if not outcome.get("success"):
        raise CollectError(f"nbgrader collect failed:\n{outcome.get('log', '')}{outcome.get('error', '')}")
    return [s for s in learners if submitted_timestamp(settings, course, assignment, s) != before[s]]
