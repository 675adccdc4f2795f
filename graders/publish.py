"""Send grades, per exercise, with feedback links and reasons, to the progress service (idempotent ingest)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nbgrader.api import Gradebook, MissingEntry

from graders.autograde import load_result, submissions
from graders.collect import attempt_number
from graders.config import GraderSettings, get_settings
from graders.coursedir import gradebook_url
from graders.progress_client import ProgressClient


def grade_rows(*, settings: GraderSettings, course: str, assignment: str, student: str) -> list[dict[str, Any]]:
    """One ingest row per exercise from the gradebook (manual grades once a trainer has graded them)."""
    result = load_result(settings, course, assignment, student)
    rows: list[dict[str, Any]] = []
    with Gradebook(gradebook_url(settings, course), course_id=course) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return []
        submitted_at = submission.timestamp.isoformat() if submission.timestamp else None
        timestamp = submission.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z") if submission.timestamp else ""
        attempt = attempt_number(settings, course, assignment, student)
        for nb in submission.notebooks:
            for grade in nb.grades:
                exercise = grade.name.removesuffix("_tests")
                manual = grade.cell_type == "markdown"
                if grade.score is None or (manual and grade.needs_manual_grade):
                    continue  # a written answer no trainer has graded yet
                reasons = [
                    i["reason"] for i in (result.incidents if result else []) if i.get("exercise") in (exercise, None)
                ]
                rows.append(
                    {
                        "learner": student,
                        "course": course,
                        "assignment": assignment,
                        "attempt": attempt,
                        "exercise": exercise,
                        "score": float(grade.score),
                        "max_score": float(grade.max_score),
                        "kind": "manual" if manual else "auto",
                        "submitted_at": submitted_at,
                        "graded_at": (result.graded_at if result and result.graded_at else submitted_at),
                        "feedback_url": settings.feedback_url_template.format(
                            learner=student, course=course, assignment=assignment, notebook=nb.name, timestamp=timestamp
                        ),
                        "comment": " ".join(reasons) or None,
                    }
                )
    return rows


def main(
    *,
    course: str,
    assignment: str,
    students: Iterable[str] | None = None,
    settings: GraderSettings | None = None,
    batch_size: int = 500,
) -> dict[str, int]:
    """Publish every graded learner's rows; re-running it reports them all as unchanged."""
    settings = settings or get_settings()
    rows: list[dict[str, Any]] = []
    for student in submissions(settings, course, assignment, students):
        rows.extend(grade_rows(settings=settings, course=course, assignment=assignment, student=student))
    totals = {"created": 0, "updated": 0, "unchanged": 0}
    if not rows:
        return totals
    client = ProgressClient(base_url=settings.progress_url, token=settings.grader_token)
    try:
        for start in range(0, len(rows), batch_size):
            answer = client.ingest_grades(rows[start : start + batch_size])
            for key in totals:
                totals[key] += int(answer.get(key, 0))
    finally:
        client.close()
    return totals
