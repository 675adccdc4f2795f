"""Tampered nbgrader metadata is a learner incident with a French reason, never a failure of the run (repair.py).
Reads the shared hostile cohort (tests/graders/cohort.py)."""

from __future__ import annotations

from typing import Any

import pytest
from nbgrader.api import Gradebook

from graders.config import GraderSettings
from graders.coursedir import gradebook_url
from graders.repair import reference_metadata, repair_metadata
from tests.graders.conftest import ASSIGNMENT, COURSE, codes, reason, student_notebook


@pytest.mark.parametrize(
    ("student", "code"),
    [
        ("points", "metadata_tampered"),  # a test cell worth 100 points instead of 1
        ("schema", "metadata_tampered"),  # a schema version from the future (nbgrader refused the notebook)
        ("bareme", "metadata_tampered"),  # the answer cell turned into a 50-point grade cell
        ("doublon", "metadata_duplicate"),  # ex02's tests renamed ex01_tests
        ("junk", "metadata_unknown"),  # metadata that is not nbgrader's shape at all
        ("intrus", "metadata_unknown"),  # a grade cell the assignment does not have, worth 10 points
        ("sansmeta", "cell_deleted"),  # a test cell stripped of its metadata: it comes back from the gradebook
    ],
)
def test_tampered_metadata_is_repaired_and_reported(cohort: dict[str, Any], student: str, code: str) -> None:
    result = cohort["results"][student]
    assert result["status"] == "graded"
    assert code in codes(cohort, student)
    assert (result["score"], result["max_score"]) == (3.0, 4.0)  # the right answers, on the real scale


def test_tampering_reasons_say_what_was_done(cohort: dict[str, Any]) -> None:
    assert reason(cohort, "points", "metadata_tampered") == (
        "Les métadonnées de correction de la cellule « ex01_tests » (points, type, protection) avaient été "
        "modifiées : celles d'origine ont été remises avant la correction."
    )
    assert "corrigée comme une cellule ordinaire, sans points" in reason(cohort, "intrus", "metadata_unknown")


def test_untouched_notebooks_written_by_other_tools_are_not_reported(released: GraderSettings) -> None:
    """Released notebooks differ in details nbgrader gives defaults to (the course generator writes `task: false`,
    integer or float points): none of that counts as tampering."""
    nb = student_notebook(released)
    for cell in nb.cells:
        meta = cell.metadata["nbgrader"]
        meta["task"] = False
        if "points" in meta:
            meta["points"] = float(meta["points"])
    with Gradebook(gradebook_url(released, COURSE), course_id=COURSE) as gb:
        reference = reference_metadata(gb, "devoir", ASSIGNMENT)
    assert repair_metadata(nb, reference) == []
