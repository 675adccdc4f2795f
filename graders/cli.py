"""`academy grade …`: a thin command layer over `graders.<step>.main(*, ...)` (same behaviour from Python and CLI)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from graders.config import GraderSettings, SandboxLimits, get_settings

if TYPE_CHECKING:
    from graders.autograde import AutogradeSummary, SubmissionResult
    from graders.collect import CollectSummary

# The steps import nbgrader and its stack: loaded per command so `academy --help` stays fast.

app = typer.Typer(no_args_is_help=True)
console = Console()

Course = Annotated[str, typer.Option("--course", "-c", help="Course id (nbgrader course directory name).")]
Assignment = Annotated[str, typer.Option("--assignment", "-a", help="Assignment id (source/<assignment>).")]
Students = Annotated[list[str] | None, typer.Option("--student", "-s", help="Only these learners (repeatable).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
Workers = Annotated[int | None, typer.Option(help="Parallel sandboxes (default: ACADEMY_WORKERS, one per core).")]
CellTimeout = Annotated[float | None, typer.Option(help="Seconds per cell (default: ACADEMY_SANDBOX_CELL_TIMEOUT_S).")]
TotalTimeout = Annotated[
    float | None, typer.Option(help="Seconds per notebook (default: ACADEMY_SANDBOX_TOTAL_TIMEOUT_S).")
]
MemoryMb = Annotated[int | None, typer.Option(help="MB per submission (default: ACADEMY_SANDBOX_MEMORY_MB).")]


def _limits(cell_timeout: float | None, total_timeout: float | None, memory_mb: int | None) -> SandboxLimits:
    """The sandbox limits from the environment, with the options given on the command line on top."""
    given = {"cell_timeout_s": cell_timeout, "total_timeout_s": total_timeout, "memory_mb": memory_mb}
    return SandboxLimits().model_copy(update={k: v for k, v in given.items() if v is not None})


def _settings(workers: int | None) -> GraderSettings:
    settings = get_settings()
    return settings.model_copy(update={"workers": workers}) if workers else settings


def print_collect(summary: CollectSummary) -> None:
    """Who was collected, which submissions were refused and why, and whether owners were checked (once)."""
    console.print(f"{len(summary.changed)} nouveau(x) rendu(s) : {', '.join(summary.changed) or '—'}")
    for rejection in summary.rejected:
        console.print(f"[bold red]{rejection.reason}[/]")
    console.print(summary.owner_check)


def print_summary(summary: AutogradeSummary) -> None:
    """The end-of-run table: every learner's score and, in French, why anything unusual happened."""
    table = Table(title="Résumé de la correction")
    for column in ("Apprenant", "Note", "Statut", "Raisons"):
        table.add_column(column)
    for r in summary.results:
        table.add_row(r.student, f"{r.score:g}/{r.max_score:g}", r.status, "\n".join(r.reasons) or "—")
    console.print(table)
    flagged = sum(1 for r in summary.results if r.incidents)
    console.print(
        f"{len(summary.results)} rendu(s) corrigé(s), {flagged} avec incident(s), "
        f"{sum(1 for r in summary.results if r.status == 'failed')} échec(s) du correcteur."
    )


@app.command("release")
def release_cmd(
    course: Course,
    assignment: Assignment,
    cohort: Annotated[str | None, typer.Option(help="Register the release for this cohort.")] = None,
    due: Annotated[datetime | None, typer.Option(help="Due date (ISO); default: now + due_offset_days.")] = None,
    quiet: Quiet = False,
) -> None:
    """Generate the student version, release it to the exchange and register it in the progress service."""
    from graders import release

    result = release.main(course=course, assignment=assignment, cohort=cohort, due=due, show_progress=not quiet)
    console.print(f"Publié : {result.course}/{result.assignment} (échéance {result.due_date or '—'})")


@app.command("collect")
def collect_cmd(course: Course, assignment: Assignment, quiet: Quiet = False) -> None:
    """Collect the latest submissions from the exchange into submitted/ (refusing those handed in by someone else)."""
    from graders import collect

    print_collect(collect.main(course=course, assignment=assignment, show_progress=not quiet))


@app.command("autograde")
def autograde_cmd(
    course: Course,
    assignment: Assignment,
    student: Students = None,
    workers: Workers = None,
    cell_timeout: CellTimeout = None,
    total_timeout: TotalTimeout = None,
    memory_mb: MemoryMb = None,
    quiet: Quiet = False,
) -> None:
    """Grade the collected submissions in parallel sandboxes; exits non-zero only if the grader itself failed."""
    from graders import autograde

    summary = autograde.main(
        course=course,
        assignment=assignment,
        students=student,
        settings=_settings(workers),
        limits=_limits(cell_timeout, total_timeout, memory_mb),
        show_progress=not quiet,
    )
    print_summary(summary)
    raise typer.Exit(1 if summary.pipeline_failed else 0)


@app.command("feedback")
def feedback_cmd(course: Course, assignment: Assignment, student: Students = None, quiet: Quiet = False) -> None:
    """Generate feedback (hidden tests removed) and release it to the learners."""
    from graders import feedback

    done = feedback.main(course=course, assignment=assignment, students=student, show_progress=not quiet)
    failed = [s for s, status in done.items() if status == "failed"]
    console.print(f"{len(done) - len(failed)} retour(s) publiés ; échecs : {', '.join(failed) or '—'}")
    raise typer.Exit(1 if failed else 0)


@app.command("publish")
def publish_cmd(course: Course, assignment: Assignment, student: Students = None, quiet: Quiet = False) -> None:
    """Send the grades to the progress service (idempotent)."""
    from graders import publish

    totals = publish.main(course=course, assignment=assignment, students=student, show_progress=not quiet)
    console.print(f"Notes envoyées : {totals}")


@app.command("run")
def run_cmd(
    course: Course,
    assignment: Assignment,
    student: Students = None,
    workers: Workers = None,
    cell_timeout: CellTimeout = None,
    total_timeout: TotalTimeout = None,
    memory_mb: MemoryMb = None,
    quiet: Quiet = False,
) -> None:
    """collect, autograde, feedback and publish, in that order; exits non-zero if the grader failed for anyone."""
    from graders import run
    from graders.autograde import AutogradeSummary
    from graders.collect import CollectSummary

    outputs = run.main(
        course=course,
        assignment=assignment,
        students=student,
        settings=_settings(workers),
        limits=_limits(cell_timeout, total_timeout, memory_mb),
        show_progress=not quiet,
    )
    if isinstance(outputs.get("collect"), CollectSummary):
        print_collect(outputs["collect"])
    summary = outputs.get("autograde")
    if isinstance(summary, AutogradeSummary):
        print_summary(summary)
    failed_feedback = sorted(s for s, status in (outputs.get("feedback") or {}).items() if status == "failed")
    if failed_feedback:
        console.print(f"[bold red]Échec des retours pour : {', '.join(failed_feedback)}[/]")
    console.print(f"Notes envoyées : {outputs.get('publish')}")
    pipeline_failed = isinstance(summary, AutogradeSummary) and summary.pipeline_failed
    raise typer.Exit(1 if pipeline_failed or failed_feedback else 0)


@app.command("watch")
def watch_cmd(
    interval: Annotated[float, typer.Option(help="Seconds between two looks at the exchange inbound.")] = 1.0,
    workers: Workers = None,
    cell_timeout: CellTimeout = None,
    total_timeout: TotalTimeout = None,
    memory_mb: MemoryMb = None,
    quiet: Quiet = False,
) -> None:
    """Grade on submit: every new submission becomes a published grade, with feedback, within seconds."""

    from graders import watch

    def show(result: SubmissionResult) -> None:
        console.print(f"{result.assignment} {result.student}: {result.score:g}/{result.max_score:g} {result.reasons}")

    watch.main(
        settings=_settings(workers),
        interval=interval,
        limits=_limits(cell_timeout, total_timeout, memory_mb),
        on_result=show,
        on_rejected=lambda rejection: console.print(f"[bold red]{rejection.reason}[/]"),
        on_note=console.print,
        show_progress=not quiet,
    )
