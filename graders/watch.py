"""Grade on submit: watch the exchange inbound and turn every new submission into a published grade.

Polling the inbound directory (a cheap `listdir`) works the same on one machine and on a shared volume, where
inotify would miss writes made by other nodes. The sandbox pool stays warm between submissions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

from graders import autograde, collect, feedback, publish
from graders.collect import _INBOUND
from graders.config import GraderSettings, SandboxLimits, get_settings
from graders.sandbox.pool import SandboxPool


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
            match = _INBOUND.match(entry.name)
            if match:
                found.setdefault((course, match["assignment"]), set()).add(entry.name)
    return found


def grade_new(
    *, settings: GraderSettings, limits: SandboxLimits, pool: SandboxPool, seen: set[str], publish_grades: bool = True
) -> list[autograde.SubmissionResult]:
    """One pass: collect, grade, give feedback and publish what arrived since the last pass."""
    results: list[autograde.SubmissionResult] = []
    for (course, assignment), entries in sorted(scan(settings).items()):
        new = entries - seen
        if not new:
            continue
        students = sorted({e.split("+", 1)[0] for e in new})
        collect.main(course=course, assignment=assignment, settings=settings)
        summary = autograde.main(
            course=course,
            assignment=assignment,
            students=students,
            settings=settings,
            limits=limits,
            pool=pool,
            show_progress=False,
        )
        feedback.main(course=course, assignment=assignment, students=students, settings=settings, show_progress=False)
        if publish_grades:
            publish.main(course=course, assignment=assignment, students=students, settings=settings)
        results.extend(summary.results)
        seen |= new
        _save_seen(settings, seen)
    return results


def main(
    *,
    settings: GraderSettings | None = None,
    limits: SandboxLimits | None = None,
    interval: float = 1.0,
    max_passes: int | None = None,
    publish_grades: bool = True,
    on_result: Callable[[autograde.SubmissionResult], None] | None = None,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
) -> None:
    """Poll until `stop` is set (or `max_passes` passes); a failing pass is reported and retried, never fatal."""
    settings = settings or get_settings()
    limits = limits or SandboxLimits()
    seen = _load_seen(settings)
    passes = 0
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
                for result in grade_new(
                    settings=settings, limits=limits, pool=pool, seen=seen, publish_grades=publish_grades
                ):
                    if on_result is not None:
                        on_result(result)
            except Exception as exc:  # the service may be restarting: keep watching, retry next pass
                print(f"watch: pass failed, retrying: {type(exc).__name__}: {exc}", flush=True)
            pause = max(0.0, interval - (time.monotonic() - started))
            if stop is not None:
                stop.wait(pause)
            else:
                time.sleep(pause)
