"""Grade on submit: watch the exchange inbound and turn every new submission into a published grade.

Polling the inbound directory (a cheap `listdir`) works the same on one machine and on a shared volume, where
inotify would miss writes made by other nodes. The sandbox pool stays warm between submissions. Submissions refused
by the owner check (owners.py) are reported once and never graded in the name they claim.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from graders import autograde, collect, feedback, owners, publish
from graders.collect import parse_inbound
from graders.config import GraderSettings, SandboxLimits, get_settings
from graders.progress import progress_bar
from graders.sandbox.pool import SandboxPool

log = logging.getLogger("graders.watch")


@dataclass
class WatchPass:
    """What one pass over the exchange did."""

    results: list[autograde.SubmissionResult] = field(default_factory=list)
    rejected: list[owners.Rejection] = field(default_factory=list)


def _state_file(settings: GraderSettings) -> Path:
    return settings.grading_dir / "academy-watch.json"


def _load_seen(settings: GraderSettings) -> set[str]:
    path = _state_file(settings)
    return set(json.loads(path.read_text())) if path.exists() else set()


def _save_seen(settings: GraderSettings, seen: set[str]) -> None:
    path = _state_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(sorted(seen)))
    tmp.replace(path)


def scan(settings: GraderSettings) -> dict[tuple[str, str], set[str]]:
    """Every inbound submission as (course, assignment) -> {entry names}."""
    found: dict[tuple[str, str], set[str]] = {}
    root = settings.exchange_dir
    if not root.is_dir():
        return found
    for inbound in root.glob("*/inbound"):
        course = inbound.parent.name
        for entry in inbound.iterdir():
            parsed = parse_inbound(entry.name)
            if parsed:
                found.setdefault((course, parsed[1]), set()).add(entry.name)
    return found


def grade_new(
    *,
    settings: GraderSettings,
    limits: SandboxLimits,
    pool: SandboxPool,
    seen: set[str],
    publish_grades: bool = True,
    show_progress: bool = False,
) -> WatchPass:
    """One pass: collect, grade, give feedback and publish what arrived since the last pass."""
    done = WatchPass()
    vettings: dict[str, owners.OwnerCheck] = {}
    batches = [(key, entries - seen) for key, entries in sorted(scan(settings).items()) if entries - seen]
    with progress_bar(show_progress and bool(batches)) as bar:
        task = bar.add_task("Nouveaux rendus", total=sum(len(new) for _key, new in batches))
        for (course, assignment), new in batches:
            vetting = vettings.setdefault(course, owners.check(settings, course))
            refused = [vetting.rejected[e] for e in sorted(new) if e in vetting.rejected]
            done.rejected.extend(refused)
            accepted = {e for e in new if e not in vetting.rejected}
            students = sorted({e.split("+", 1)[0] for e in accepted})
            if students:
                collect.main(course=course, assignment=assignment, settings=settings, vetting=vetting)
                summary = autograde.main(
                    course=course,
                    assignment=assignment,
                    students=students,
                    settings=settings,
                    limits=limits,
                    pool=pool,
                    show_progress=False,
                )
                feedback.main(
                    course=course, assignment=assignment, students=students, settings=settings, show_progress=False
                )
                if publish_grades:
                    publish.main(course=course, assignment=assignment, students=students, settings=settings)
                done.results.extend(summary.results)
            seen |= new
            _save_seen(settings, seen)
            bar.advance(task, len(new))
    return done


def main(
    *,
    settings: GraderSettings | None = None,
    limits: SandboxLimits | None = None,
    interval: float = 1.0,
    max_passes: int | None = None,
    publish_grades: bool = True,
    on_result: Callable[[autograde.SubmissionResult], None] | None = None,
    on_rejected: Callable[[owners.Rejection], None] | None = None,
    on_note: Callable[[str], None] | None = None,
    show_progress: bool = False,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
) -> None:
    """Poll until `stop` is set (or `max_passes` passes); a failing pass is reported and retried, never fatal."""
    settings = settings or get_settings()
    limits = limits or SandboxLimits()
    seen = _load_seen(settings)
    passes = 0
    note = owners.OwnerCheck(active=settings.submitter_uids_path.exists(), source=settings.submitter_uids_path).note
    log.info(note)
    if on_note is not None:
        on_note(note)  # said once: the map is read again on every pass, so the hub may create it later
    with SandboxPool(
        workers=settings.workers,
        limits=limits,
        datasets=settings.datasets_dir,
        hidden=[settings.grading_dir, settings.exchange_dir, settings.home],
    ) as pool:
        if ready is not None:
            ready.set()  # the sandboxes are warm: from now on a submission is graded within seconds
        while (max_passes is None or passes < max_passes) and not (stop is not None and stop.is_set()):
            passes += 1
            started = time.monotonic()
            try:
                outcome = grade_new(
                    settings=settings,
                    limits=limits,
                    pool=pool,
                    seen=seen,
                    publish_grades=publish_grades,
                    show_progress=show_progress,
                )
                for rejection in outcome.rejected:
                    if on_rejected is not None:
                        on_rejected(rejection)
                for result in outcome.results:
                    if on_result is not None:
                        on_result(result)
            except Exception as exc:  # the service may be restarting: keep watching, retry next pass
                print(f"watch: pass failed, retrying: {type(exc).__name__}: {exc}", flush=True)
            pause = max(0.0, interval - (time.monotonic() - started))
            if stop is not None:
                stop.wait(pause)
            else:
                time.sleep(pause)
