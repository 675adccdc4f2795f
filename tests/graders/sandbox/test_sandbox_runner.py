"""Hidden tests never reach what a learner sees: not through IPython's history, nor the namespace (runner.py),
and output copying them out of memory is masked (preprocessors.redact_leaks). Reads the shared hostile cohort."""

from __future__ import annotations

import json
from typing import Any

from tests.graders.cohort import HISTORIAN, feedback_html
from tests.graders.conftest import ASSIGNMENT, COURSE, codes, reason

MARKERS = ("SECRET_EX01", "SECRET_EX02", "SECRET_EX02_OUTPUT", "SECRET_EX01_VARIABLE", "BEGIN HIDDEN TESTS")


def _cell_text(cohort: dict[str, Any], student: str, source_start: str) -> str:
    """Everything the learner-added cell starting with `source_start` printed, in the autograded notebook."""
    path = cohort["settings"].grading_dir / COURSE / "autograded" / student / ASSIGNMENT / "devoir.ipynb"
    for cell in json.loads(path.read_text())["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if source.startswith(source_start):
            return json.dumps(cell.get("outputs", []), ensure_ascii=False)
    raise AssertionError(f"no cell starting with {source_start!r} in {student}'s notebook")


def test_history_and_namespace_after_hidden_tests_hold_none_of_them(cohort: dict[str, Any]) -> None:
    """A cell after the tests prints In, _ih, _i/_ii/_iii, Out, _oh, _/__/___, %history, the history manager,
    IPython's linecache entries, the last execution result and its globals: it all shows, no hidden code does."""
    printed = _cell_text(cohort, "historian", HISTORIAN[:16])
    assert "HISTORIQUE_OK" in printed
    assert "nb_membres doit être un entier" in printed  # the visible test was in In: history really was printed
    assert "CACHEE False None" in printed  # a name the hidden tests defined is not in the learner's namespace
    for marker in MARKERS:
        assert marker not in printed, marker
    assert cohort["feedback_returncode"] == 0, cohort["feedback_output"]
    page = feedback_html(cohort["settings"], "historian")
    assert "HISTORIQUE_OK" in page
    for marker in MARKERS:
        assert marker not in page, marker
    assert "hidden_leak" not in codes(cohort, "historian")  # closed at the source, not caught by the filter
    assert cohort["results"]["historian"]["score"] == 3.0  # the hidden tests still ran and passed


def test_hidden_code_dug_out_of_memory_is_masked_in_feedback(cohort: dict[str, Any]) -> None:
    """Hidden test code printed verbatim from the process's memory is replaced by a notice, with a reason."""
    page = feedback_html(cohort["settings"], "digger")
    for marker in MARKERS:
        assert marker not in page, marker
    assert "Sortie masquée par la correction" in page
    assert "hidden_leak" in codes(cohort, "digger")
    assert reason(cohort, "digger", "hidden_leak").startswith("Sortie masquée")
    assert cohort["results"]["digger"]["score"] == 3.0


def test_functions_the_hidden_tests_call_are_put_back_before_them(cohort: dict[str, Any]) -> None:
    """A wrong answer that replaces pandas.read_csv and builtins.abs (which the hidden tests call) so that they would
    pass scores zero: the originals are put back for the hidden tests, and the learner is told what was replaced."""
    assert cohort["results"]["cheater"]["score"] == 0.0
    assert "tests_tampered" in codes(cohort, "cheater")
    said = reason(cohort, "cheater", "tests_tampered")
    assert said.startswith("Fonctions remplacées") and "pandas.read_csv" in said
    said_all = " ".join(i["reason"] for i in cohort["results"]["cheater"]["incidents"] if i["code"] == "tests_tampered")
    assert "builtins.abs" in said_all  # reported at ex02's hidden tests, where it was replaced


def test_a_module_name_rebound_by_the_learner_is_the_real_module_for_the_tests(cohort: dict[str, Any]) -> None:
    """`pd = <fake>` in the answer: the hidden tests still get pandas under `pd`; the right ex02 keeps its points."""
    assert "tests_tampered" in codes(cohort, "aliaser")
    assert "(pd)" in reason(cohort, "aliaser", "tests_tampered")
    assert cohort["results"]["aliaser"]["score"] == cohort["results"]["alice"]["score"] - 1.0  # ex01 lost only
