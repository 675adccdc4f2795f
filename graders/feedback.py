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
) -> dict[str, str]:
    """Generate and release each learner's feedback; learner -> "released" | "generated" | "failed".

    Release needs the `submission_secret.txt` that nbgrader's submit writes: a submission put in `submitted/` by
    hand gets its feedback generated but not released.
    """
    settings = settings or get_settings()
    api = nbgrader_api(settings, course)
    autograded = course_root(settings, course) / "autograded"
    todo = [s for s in submissions(settings, course, assignment, students) if (autograded / s / assignment).is_dir()]
    done: dict[str, str] = {}
    with progress_bar(show_progress) as bar:
        task = bar.add_task(f"Retours {course}/{assignment}", total=len(todo))
        for student in todo:
            status = "generated" if api.generate_feedback(assignment, student, force=True).get("success") else "failed"
            secret = course_root(settings, course) / "feedback" / student / assignment / "submission_secret.txt"
            if status == "generated" and release and secret.exists():
                status = "released" if api.release_feedback(assignment, student).get("success") else "failed"
            done[student] = status
            bar.advance(task)
    return done
