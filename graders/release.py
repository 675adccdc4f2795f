"""Release an assignment: student version (nbgrader generate_assignment), exchange, and the progress service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from graders.catalog import assignment_manifest, competencies, course_manifest
from graders.config import GraderSettings, get_settings
from graders.coursedir import course_root, nbgrader_api, sync_source
from graders.progress import progress_bar
from graders.progress_client import ProgressClient


class ReleaseError(RuntimeError):
    pass


@dataclass
class ReleaseResult:
    course: str
    assignment: str
    release_dir: str
    cohort: str | None
    due_date: str | None


def main(
    *,
    course: str,
    assignment: str,
    cohort: str | None = None,
    due: datetime | None = None,
    settings: GraderSettings | None = None,
    exchange: bool = True,
    show_progress: bool = False,
) -> ReleaseResult:
    """Generate the student version, put it in the exchange and register it; running it twice changes nothing."""
    settings = settings or get_settings()
    manifest = assignment_manifest(settings.courses_root, course, assignment)
    with progress_bar(show_progress) as bar:
        steps = bar.add_task(f"Publication {course}/{assignment}", total=1 + int(exchange) + int(cohort is not None))
        sync_source(settings, course, assignment)
        api = nbgrader_api(settings, course)
        generated = api.generate_assignment(assignment, force=True, create=True)
        if not generated.get("success"):
            raise ReleaseError(
                f"nbgrader generate_assignment failed:\n{generated.get('log', '')}{generated.get('error', '')}"
            )
        bar.advance(steps)
        if exchange:
            settings.exchange_dir.mkdir(parents=True, exist_ok=True)
            settings.exchange_dir.chmod(0o777 | 0o1000)  # learners drop submissions in inbound; sticky like /tmp
            app = api.exchange.ReleaseAssignment(coursedir=api.coursedir, authenticator=api.authenticator, parent=api)
            app.coursedir.assignment_id = assignment
            app.force = True
            app.start()
            bar.advance(steps)
        due_date = due
        if due_date is None and manifest.get("due_offset_days") is not None:
            due_date = datetime.now(UTC) + timedelta(days=int(manifest["due_offset_days"]))
        due_iso = due_date.isoformat() if due_date else None
        if cohort is not None:
            register(settings=settings, course=course, assignment=assignment, cohort=cohort, due_date=due_iso)
            bar.advance(steps)
    return ReleaseResult(
        course, assignment, str(course_root(settings, course) / "release" / assignment), cohort, due_iso
    )


def register(*, settings: GraderSettings, course: str, assignment: str, cohort: str, due_date: str | None) -> None:
    """Upsert competencies, course, assignment and the cohort's release in the progress service (PUTs)."""
    course_info = course_manifest(settings.courses_root, course)
    manifest = assignment_manifest(settings.courses_root, course, assignment)
    client = ProgressClient(base_url=settings.progress_url, token=settings.grader_token)
    try:
        framework = competencies(settings.courses_root)
        if framework:
            client.put_competencies(framework)
        client.put_course(course, title=course_info.get("title", course), order=int(course_info.get("order", 0)))
        exercises = [
            {
                "id": ex["id"],
                "max_score": float(ex.get("points", 1)),
                "kind": ex.get("kind", "auto"),
                "competencies": list(ex.get("competencies", [])),
            }
            for ex in manifest.get("exercises", [])
        ]
        client.put_assignment(
            course,
            assignment,
            {
                "title": manifest.get("title", assignment),
                "points": sum(e["max_score"] for e in exercises),
                "exercises": exercises,
            },
        )
        client.put_release(cohort, course, assignment, due_date=due_date, released_at=datetime.now(UTC).isoformat())
    finally:
        client.close()
