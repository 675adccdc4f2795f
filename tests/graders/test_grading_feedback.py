"""Feedback shows learners their visible tests and results, never hidden tests, their output, or solutions."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from graders import autograde, feedback
from graders.config import GraderSettings, SandboxLimits
from graders.coursedir import nbgrader_config
from graders.preprocessors import REGISTRY
from tests.graders.conftest import ASSIGNMENT, COURSE, RIGHT, WRONG

SECRETS = ("SECRET_EX01", "SECRET_EX02", "SECRET_EX02_OUTPUT", "BEGIN HIDDEN TESTS")
SOLUTION = 'float(df["montant_rembourse"].mean())'


def _html(settings: GraderSettings, student: str) -> str:
    path = settings.grading_dir / COURSE / "feedback" / student / ASSIGNMENT / "devoir.html"
    return html.unescape(path.read_text())


def test_feedback_hides_hidden_tests_and_says_one_failed(
    released: GraderSettings, make_submission: Callable[..., Path], limits: SandboxLimits
) -> None:
    """bob passes the visible tests but fails the hidden ones: he learns that, not what they check."""
    make_submission("alice", RIGHT)
    make_submission("bob", WRONG)
    autograde.main(course=COURSE, assignment=ASSIGNMENT, settings=released, limits=limits, show_progress=False)
    assert REGISTRY.misses == 0  # every execution was started ahead of nbgrader's serial pass
    done = feedback.main(course=COURSE, assignment=ASSIGNMENT, settings=released, show_progress=False)
    assert done == {"alice": "generated", "bob": "generated"}  # written by hand, not submitted: not released
    for student in ("alice", "bob"):
        page = _html(released, student)
        for secret in SECRETS:
            assert secret not in page, f"{secret} leaked to {student}"
        assert SOLUTION not in page
        assert "nb_membres doit être un entier" in page  # the visible test is shown
    assert "Un test caché a échoué" in _html(released, "bob")
    assert "Un test caché a échoué" not in _html(released, "alice")

    # Without our preprocessor nbgrader's own feedback shows the hidden tests (the leak this guards against).
    config = nbgrader_config(released, COURSE)
    del config.GenerateFeedback["preprocessors"]
    stock = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    assert stock.generate_feedback(ASSIGNMENT, "bob", force=True)["success"]
    assert "SECRET_EX01" in _html(released, "bob")
