"""Feedback HTML for learners (nbgrader generate_feedback with hidden tests removed) and its release."""

from __future__ import annotations

from collections.abc import Iterable

from graders.autograde import submissions
from graders.config import GraderSettings, get_settings
from graders.coursedir import course_root, nbgrader_api
from graders.progress import progress_bar


def main(
    *,
    course: str,
    assignment: str,
    students: Iterable[str] | None = None,
    settings: GraderSettings | None = None,
    release: bool = True,
    show_progress: bool = True,
) -> dict[str, bool]:
    """Generate (and release to the exchange) each learner's feedback; returns learner -> success."""
    settings = settings or get_settings()
    api = nbgrader_api(settings, course)
    autograded = course_root(settings, course) / "autograded"
    todo = [s for s in submissions(settings, course, assignment, students) if (autograded / s / assignment).is_dir()]
    done: dict[str, bool] = {}
    with progress_bar(show_progress) as bar:
        task = bar.add_task(f"Retours {course}/{assignment}", total=len(todo))
        for student in todo:
            ok = bool(api.generate_feedback(assignment, student, force=True).get("success"))
            if ok and release:
                ok = bool(api.release_feedback(assignment, student).get("success"))
            done[student] = ok
            bar.advance(task)
    return done
