"""The whole grading pipeline for one assignment, declared as a list of steps (each one configurable/skippable)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from graders import autograde, collect, feedback, publish
from graders.config import GraderSettings, SandboxLimits, get_settings
from graders.sandbox.pool import SandboxPool


@dataclass
class Context:
    course: str
    assignment: str
    settings: GraderSettings
    limits: SandboxLimits
    students: list[str] | None = None
    pool: SandboxPool | None = None
    show_progress: bool = True
    outputs: dict[str, Any] = field(default_factory=dict)


Step = tuple[str, Callable[[Context], Any]]


def _collect(ctx: Context) -> Any:
    return collect.main(
        course=ctx.course, assignment=ctx.assignment, settings=ctx.settings, show_progress=ctx.show_progress
    )


def _autograde(ctx: Context) -> Any:
    return autograde.main(
        course=ctx.course,
        assignment=ctx.assignment,
        students=ctx.students,
        settings=ctx.settings,
        limits=ctx.limits,
        pool=ctx.pool,
        show_progress=ctx.show_progress,
    )


def _feedback(ctx: Context) -> Any:
    return feedback.main(
        course=ctx.course,
        assignment=ctx.assignment,
        students=ctx.students,
        settings=ctx.settings,
        show_progress=ctx.show_progress,
    )


def _publish(ctx: Context) -> Any:
    return publish.main(
        course=ctx.course,
        assignment=ctx.assignment,
        students=ctx.students,
        settings=ctx.settings,
        show_progress=ctx.show_progress,
    )


STEPS: list[Step] = [("collect", _collect), ("autograde", _autograde), ("feedback", _feedback), ("publish", _publish)]


def main(
    *,
    course: str,
    assignment: str,
    students: Iterable[str] | None = None,
    settings: GraderSettings | None = None,
    limits: SandboxLimits | None = None,
    pool: SandboxPool | None = None,
    skip: Iterable[str] = (),
    show_progress: bool = True,
) -> dict[str, Any]:
    """Run every step in order; returns each step's output keyed by its name."""
    ctx = Context(
        course=course,
        assignment=assignment,
        settings=settings or get_settings(),
        limits=limits or SandboxLimits(),
        students=list(students) if students is not None else None,
        pool=pool,
        show_progress=show_progress,
    )
    skipped = set(skip)
    for name, step in STEPS:
        if name not in skipped:
            ctx.outputs[name] = step(ctx)
    return ctx.outputs
