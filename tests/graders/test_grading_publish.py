"""The rows `publish` sends to the progress service (publish.grade_rows), read from the shared hostile cohort:
written answers go to trainers with `score: None` and the answer until a trainer grades them."""

from __future__ import annotations

from typing import Any

from nbgrader.api import Gradebook

from graders.catalog import exercise_of
from graders.config import SandboxLimits
from graders.coursedir import gradebook_url
from graders.publish import ANSWER_MAX_CHARS, TRUNCATED_NOTE, grade_rows
from graders.reasons import describe
from tests.graders.cohort import LONG_WRITTEN, WRITTEN
from tests.graders.conftest import ASSIGNMENT, COURSE


def _rows(cohort: dict[str, Any], student: str) -> dict[str, dict[str, Any]]:
    rows = grade_rows(settings=cohort["settings"], course=COURSE, assignment=ASSIGNMENT, student=student)
    return {r["exercise"]: r for r in rows}


def test_ungraded_written_answer_is_sent_with_no_score_and_the_answer(cohort: dict[str, Any]) -> None:
    rows = _rows(cohort, "writer")
    assert set(rows) == {"ex01", "ex02", "ecrit01"}
    written = rows["ecrit01"]
    assert {k: written[k] for k in ("learner", "exercise", "kind", "score", "max_score", "answer", "attempt")} == {
        "learner": "writer",
        "exercise": "ecrit01",
        "kind": "manual",
        "score": None,
        "max_score": 1.0,
        "answer": WRITTEN,
        "attempt": 1,
    }
    assert written["feedback_url"] and written["submitted_at"] and written["graded_at"]
    assert rows["ex01"]["score"] == 1.0 and "answer" not in rows["ex01"]  # automatic rows are unchanged


def test_long_answer_is_truncated_with_a_french_note(cohort: dict[str, Any]) -> None:
    answer = _rows(cohort, "verbose")["ecrit01"]["answer"]
    assert len(answer) == ANSWER_MAX_CHARS
    assert answer.endswith(TRUNCATED_NOTE) and "Réponse tronquée" in answer
    assert answer.startswith(LONG_WRITTEN[:1000])


def test_answer_graded_by_a_trainer_in_nbgrader_keeps_its_score(cohort: dict[str, Any]) -> None:
    with Gradebook(gradebook_url(cohort["settings"], COURSE), course_id=COURSE) as gb:
        grade = gb.find_grade("ecrit01", "devoir", ASSIGNMENT, "graded")
        grade.manual_score = 0.5
        grade.needs_manual_grade = False
        gb.db.commit()
    written = _rows(cohort, "graded")["ecrit01"]
    assert (written["kind"], written["score"], written["answer"]) == ("manual", 0.5, WRITTEN)


def test_incident_labels_follow_the_courses_cell_names() -> None:
    """An edited self-check cell is filed under its exercise; edited provided code (`code-NN`) under no exercise,
    which publish puts on every row of the assignment, with a French reason saying it is shared (the real courses
    through publish: test_grading_courses.py)."""
    assert [exercise_of(c) for c in ("ex03", "ex03_tests", "ex03-verifier", "ecrit01")] == ["ex03"] * 3 + ["ecrit01"]
    assert exercise_of("code-02") is None
    reason = describe({"code": "cell_edited", "cell": "code-02", "exercise": None}, SandboxLimits())
    assert reason.startswith("La cellule de code fourni « code-02 », commune à tous les exercices, avait été modifiée")
    assert "(exercice" not in reason
