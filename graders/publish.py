"""Send grades, per exercise, with feedback links and reasons, to the progress service (idempotent ingest)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from graders import owners
from graders.autograde import load_result, submissions
from graders.collect import attempt_number
from graders.config import GraderSettings, get_settings
from graders.coursedir import course_root, gradebook_url
from graders.progress import progress_bar
from graders.progress_client import ProgressClient

ANSWER_MAX_CHARS = 20_000
TRUNCATED_NOTE = (
    "\n\n[…] Réponse tronquée : seuls les premiers caractères sont transmis ; la réponse complète reste dans le "
    "notebook rendu."
)


def written_answers(path: Path) -> dict[str, str]:
    """grade_id -> the learner's Markdown answer of every written (markdown grade) cell, capped for the service."""
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return {}
    answers = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "markdown" and isinstance(meta, dict) and meta.get("grade") and meta.get("grade_id"):
            text = str(cell.source)
            if len(text) > ANSWER_MAX_CHARS:
                text = text[: ANSWER_MAX_CHARS - len(TRUNCATED_NOTE)] + TRUNCATED_NOTE
            answers[str(meta["grade_id"])] = text
    return answers


def submission_timestamp(settings: GraderSettings, course: str, assignment: str, student: str) -> str:
    """The submission's timestamp exactly as the learner's nbgrader wrote it (their time zone, e.g.
    `2026-12-01 10:40:12.496789 CET`): `fetch_feedback` names the learner's feedback folder after this text, while
    the gradebook only keeps it as naive UTC, so a link built from the gradebook would point to no folder."""
    path = course_root(settings, course) / "submitted" / student / assignment / "timestamp.txt"
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def grade_rows(
    *, settings: GraderSettings, course: str, assignment: str, student: str, rejected: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """One ingest row per exercise from the gradebook. A written answer no trainer has graded yet goes with
    `score: None` and the answer, for trainers to grade in the progress service; once graded, with its score."""
    result = load_result(settings, course, assignment, student)
    rows: list[dict[str, Any]] = []
    with Gradebook(gradebook_url(settings, course), course_id=course) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return []
        submitted_at = submission.timestamp.isoformat() if submission.timestamp else None
        timestamp = quote(submission_timestamp(settings, course, assignment, student), safe="")
        attempt = attempt_number(settings, course, assignment, student, rejected=rejected)
        for nb in submission.notebooks:
            answers = written_answers(
                course_root(settings, course) / "autograded" / student / assignment / f"{nb.name}.ipynb"
            )
            for grade in nb.grades:
                exercise = grade.name.removesuffix("_tests")
                manual = grade.cell_type == "markdown"
                pending = manual and grade.needs_manual_grade and grade.manual_score is None
                if grade.score is None and not pending:
                    continue  # an auto-graded cell nbgrader could not score: nothing to publish
                reasons = [
                    i["reason"] for i in (result.incidents if result else []) if i.get("exercise") in (exercise, None)
                ]
                row: dict[str, Any] = {
                    "learner": student,
                    "course": course,
                    "assignment": assignment,
                    "attempt": attempt,
                    "exercise": exercise,
                    "score": None if pending else float(grade.score),
                    "max_score": float(grade.max_score),
                    "kind": "manual" if manual else "auto",
                    "submitted_at": submitted_at,
                    "graded_at": (result.graded_at if result and result.graded_at else submitted_at),
                    "feedback_url": settings.feedback_url_template.format(
                        learner=student, course=course, assignment=assignment, notebook=nb.name, timestamp=timestamp
                    ),
                    "comment": " ".join(reasons) or None,
                }
                if manual:
                    row["answer"] = answers.get(grade.name, "")
                rows.append(row)
    return rows


def main(
    *,
    course: str,
    assignment: str,
    students: Iterable[str] | None = None,
    settings: GraderSettings | None = None,
    batch_size: int = 500,
    show_progress: bool = False,
) -> dict[str, int]:
    """Publish every graded learner's rows; re-running it reports them all as unchanged."""
    settings = settings or get_settings()
    rejected = set(owners.check(settings, course, assignment).rejected)  # refused submissions are not attempts
    rows: list[dict[str, Any]] = []
    totals = {"created": 0, "updated": 0, "unchanged": 0}
    todo = submissions(settings, course, assignment, students)
    with progress_bar(show_progress) as bar:
        reading = bar.add_task(f"Notes {course}/{assignment}", total=len(todo))
        for student in todo:
            rows.extend(
                grade_rows(settings=settings, course=course, assignment=assignment, student=student, rejected=rejected)
            )
            bar.advance(reading)
        if not rows:
            return totals
        sending = bar.add_task("Envoi au service de suivi", total=len(rows))
        client = ProgressClient(base_url=settings.progress_url, token=settings.grader_token)
        try:
            for start in range(0, len(rows), batch_size):
                batch = rows[start : start + batch_size]
                answer = client.ingest_grades(batch)
                for key in totals:
                    totals[key] += int(answer.get(key, 0))
                bar.advance(sending, len(batch))
        finally:
            client.close()
    return totals
