"""`academy grade …`: a thin command layer over `graders.<step>.main(*, ...)` (same behaviour from Python and CLI)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from graders.config import SandboxLimits, get_settings

if TYPE_CHECKING:
    from graders.autograde import AutogradeSummary, SubmissionResult

# The steps import nbgrader and its stack: loaded per command so `academy --help` stays fast.

app = typer.Typer(no_args_is_help=True)
console = Console()

Course = Annotated[str, typer.Option("--course", "-c", help="Course id (nbgrader course directory name).")]
Assignment = Annotated[str, typer.Option("--assignment", "-a", help="Assignment id (source/<assignment>).")]
Students = Annotated[list[str] | None, typer.Option("--student", "-s", help="Only these learners (repeatable).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


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
) -> None:
    """Generate the student version, release it to the exchange and register it in the progress service."""
    from graders import release

    result = release.main(course=course, assignment=assignment, cohort=cohort, due=due)
    console.print(f"Publié : {result.course}/{result.assignment} (échéance {result.due_date or '—'})")


@app.command("collect")
def collect_cmd(course: Course, assignment: Assignment) -> None:
    """Collect the latest submissions from the exchange into submitted/."""
    from graders import collect

    changed = collect.main(course=course, assignment=assignment)
    console.print(f"{len(changed)} nouveau(x) rendu(s) : {', '.join(changed) or '—'}")


@app.command("autograde")
def autograde_cmd(
    course: Course,
    assignment: Assignment,
    student: Students = None,
    workers: Annotated[int | None, typer.Option(help="Parallel sandboxes (default: one per core).")] = None,
    quiet: Quiet = False,
) -> None:
    """Grade the collected submissions in parallel sandboxes; exits non-zero only if the grader itself failed."""
    from graders import autograde

    settings = get_settings()
    if workers:
        settings = settings.model_copy(update={"workers": workers})
    summary = autograde.main(
        course=course, assignment=assignment, students=student, settings=settings, show_progress=not quiet
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
def publish_cmd(course: Course, assignment: Assignment, student: Students = None) -> None:
    """Send the grades to the progress service (idempotent)."""
    from graders import publish

    totals = publish.main(course=course, assignment=assignment, students=student)
    console.print(f"Notes envoyées : {totals}")


@app.command("run")
def run_cmd(course: Course, assignment: Assignment, student: Students = None, quiet: Quiet = False) -> None:
    """collect, autograde, feedback and publish, in that order."""
    from graders import run
    from graders.autograde import AutogradeSummary

    outputs = run.main(course=course, assignment=assignment, students=student, show_progress=not quiet)
    summary = outputs.get("autograde")
    if isinstance(summary, AutogradeSummary):
        print_summary(summary)
    console.print(f"Notes envoyées : {outputs.get('publish')}")
    raise typer.Exit(1 if isinstance(summary, AutogradeSummary) and summary.pipeline_failed else 0)


@app.command("watch")
def watch_cmd(
    interval: Annotated[float, typer.Option(help="Seconds between two looks at the exchange inbound.")] = 1.0,
) -> None:
    """Grade on submit: every new submission becomes a published grade, with feedback, within seconds."""

    from graders import watch

    def show(result: SubmissionResult) -> None:
        console.print(f"{result.assignment} {result.student}: {result.score:g}/{result.max_score:g} {result.reasons}")

    watch.main(interval=interval, limits=SandboxLimits(), on_result=show)
