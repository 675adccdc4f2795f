"""Collect submissions from the exchange inbound into `submitted/` (nbgrader collect), and number the attempts.

Inbound submissions that fail the owner check (owners.py) are neither collected nor counted as attempts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from graders import owners
from graders.config import GraderSettings, get_settings
from graders.coursedir import course_root, nbgrader_api
from graders.progress import progress_bar


class CollectError(RuntimeError):
    pass


@dataclass
class CollectSummary:
    """Learners whose copy in `submitted/` changed, the submissions refused and whether owners were checked."""

    changed: list[str] = field(default_factory=list)
    rejected: list[owners.Rejection] = field(default_factory=list)
    owner_check: str = ""  # one French sentence for the summary


_INBOUND = re.compile(r"^(?P<student>[^+]+)\+(?P<assignment>[^+]+)\+(?P<timestamp>[^+]+)(\+.*)?$")


def parse_inbound(name: str) -> tuple[str, str, str] | None:
    """(student, assignment, timestamp) of an inbound entry `<student>+<assignment>+<timestamp>[+<random>]`."""
    match = _INBOUND.match(name)
    return (match["student"], match["assignment"], match["timestamp"]) if match else None


def inbound_submissions(
    settings: GraderSettings, course: str, assignment: str, *, rejected: Iterable[str] = ()
) -> dict[str, list[str]]:
    """student -> sorted submission timestamps found in the exchange inbound (each accepted one is an attempt)."""
    inbound = settings.exchange_dir / course / "inbound"
    refused = set(rejected)
    found: dict[str, list[str]] = {}
    if inbound.is_dir():
        for entry in inbound.iterdir():
            parsed = parse_inbound(entry.name)
            if parsed and parsed[1] == assignment and entry.name not in refused:
                found.setdefault(parsed[0], []).append(parsed[2])
    return {student: sorted(stamps) for student, stamps in found.items()}


def attempt_number(
    settings: GraderSettings, course: str, assignment: str, student: str, *, rejected: Iterable[str] = ()
) -> int:
    """1 for the first submission, 2 for a resubmission...; stable, since the inbound keeps every submission."""
    return max(1, len(inbound_submissions(settings, course, assignment, rejected=rejected).get(student, [])))


def submitted_timestamp(settings: GraderSettings, course: str, assignment: str, student: str) -> str | None:
    path: Path = course_root(settings, course) / "submitted" / student / assignment / "timestamp.txt"
    return path.read_text().strip() if path.exists() else None


def main(
    *,
    course: str,
    assignment: str,
    settings: GraderSettings | None = None,
    vetting: owners.OwnerCheck | None = None,
    show_progress: bool = False,
) -> CollectSummary:
    """Copy the latest accepted submission of every learner into `submitted/` (`vetting`: an owner check already
    made for this course, e.g. by watch)."""
    settings = settings or get_settings()
    with progress_bar(show_progress) as bar:
        checking = bar.add_task(f"Vérification des rendus {course}/{assignment}", total=None)
        looked = [0]

        def seen(total: int) -> None:
            looked[0] = total
            bar.update(checking, total=total, advance=1)

        vetting = vetting or owners.check(settings, course, assignment, on_entry=seen)
        bar.update(checking, total=max(looked[0], 1), completed=max(looked[0], 1))
        refused = {name: r for name, r in vetting.rejected.items() if r.assignment == assignment}
        learners = sorted(inbound_submissions(settings, course, assignment, rejected=refused))
        before = {s: submitted_timestamp(settings, course, assignment, s) for s in learners}
        copying = bar.add_task(f"Collecte {course}/{assignment} (nbgrader collect)", total=1)
        api = nbgrader_api(settings, course)
        api.config.VettedCollect.rejected = sorted(refused)
        outcome = api.collect(assignment, update=True)
        bar.advance(copying)
    if not outcome.get("success"):
        raise CollectError(f"nbgrader collect failed:\n{outcome.get('log', '')}{outcome.get('error', '')}")
    changed = [s for s in learners if submitted_timestamp(settings, course, assignment, s) != before[s]]
    return CollectSummary(changed=changed, rejected=list(refused.values()), owner_check=vetting.note)
