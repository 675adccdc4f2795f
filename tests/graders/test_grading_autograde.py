"""The hostile cohort (tests/graders/cohort.py) graded in one `academy grade autograde` run: scores and reasons.

Sandbox-specific behaviour (history, file-system view, limits) is checked in tests/graders/sandbox/, metadata
tampering in test_grading_repair.py; all of them read the same cohort, graded once per test run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.graders.cohort import MAX_PROCESSES, PG_SOCKET, autograded_text, cases
from tests.graders.conftest import codes


def test_run_succeeds_and_prints_a_summary(cohort: dict[str, Any]) -> None:
    """Hostile learners do not make the grader fail: exit 0, every learner graded, a French summary at the end."""
    assert cohort["returncode"] == 0, cohort["stdout"] + cohort["stderr"]
    assert "Résumé de la correction" in cohort["stdout"]
    settings = cohort["settings"]
    assert set(cohort["results"]) == set(cases(0, settings, Path(cohort["probe"])))
    assert all(r["status"] == "graded" for r in cohort["results"].values())


def test_right_and_wrong_answers_score_as_expected(cohort: dict[str, Any]) -> None:
    """The right answer gets every automatic point (the written answer waits for a trainer); the wrong one none."""
    assert cohort["results"]["alice"]["score"] == 3.0
    assert cohort["results"]["alice"]["max_score"] == 4.0
    assert cohort["results"]["alice"]["incidents"] == []
    assert cohort["results"]["bob"]["score"] == 0.0


def test_every_submission_runs_as_an_unprivileged_isolated_process(cohort: dict[str, Any]) -> None:
    """Network and PID namespaces, a read-only view of the disk and another uid held for every submission."""
    isolation = cohort["results"]["alice"]["isolation"]
    assert isolation == {
        "network": "namespace",
        "pid": "namespace",
        "filesystem": "private-read-only",
        "uid": "unprivileged",
        "cgroup": isolation["cgroup"],
    }
    assert isolation["cgroup"] in ("v1", "v2")  # one memory and process budget for the whole submission


def test_malformed_json_scores_zero_with_a_reason(cohort: dict[str, Any]) -> None:
    result = cohort["results"]["malformed"]
    assert result["score"] == 0.0
    assert codes(cohort, "malformed") == {"malformed"}
    assert "JSON invalide" in result["incidents"][0]["reason"]


@pytest.mark.parametrize(
    ("student", "code", "score"),
    [("edited", "cell_edited", 0.0), ("deleted", "cell_deleted", 3.0), ("retyped", "cell_retyped", 3.0)],
)
def test_protected_cells_are_restored_and_reported(
    cohort: dict[str, Any], student: str, code: str, score: float
) -> None:
    """Editing a test to `pass` gains nothing; deleted or retyped tests come back and still grade the answer."""
    assert code in codes(cohort, student)
    assert cohort["results"][student]["score"] == score


def test_infinite_loop_is_interrupted_and_later_cells_still_graded(cohort: dict[str, Any]) -> None:
    assert "cell_timeout" in codes(cohort, "looper")
    assert cohort["results"]["looper"]["score"] == 2.0  # ex02 still earns its 2 points
    reason = next(i["reason"] for i in cohort["results"]["looper"]["incidents"] if i["code"] == "cell_timeout")
    assert "Temps limite dépassé (exercice ex01)" in reason


def test_huge_allocation_hits_the_sandbox_memory_cap(cohort: dict[str, Any]) -> None:
    """3 GiB fits under the harness limit but not under the sandbox's: only a working sandbox prints the marker."""
    assert "memory" in codes(cohort, "hog")
    assert "LIMITE_SANDBOX_OK" in autograded_text(cohort["settings"], "hog")
    assert cohort["results"]["hog"]["score"] == 2.0


def test_fork_storm_is_capped(cohort: dict[str, Any]) -> None:
    assert "processes" in codes(cohort, "forker")
    text = autograded_text(cohort["settings"], "forker")
    forks = int(text.split("FORKS ")[1].split("\\n")[0])
    assert forks < MAX_PROCESSES


def test_network_is_unreachable(cohort: dict[str, Any]) -> None:
    assert "network" in codes(cohort, "networker")
    assert cohort["accepted"] is False  # nobody ever connected to the loopback listener


def test_unix_sockets_of_local_services_are_hidden(cohort: dict[str, Any]) -> None:
    """/run is hidden, so the PostgreSQL socket (trust auth here) cannot be reached either."""
    if not Path(PG_SOCKET).exists():
        pytest.skip(f"no {PG_SOCKET} on this machine")
    assert "No such file or directory" in autograded_text(cohort["settings"], "socketeer")
    assert cohort["results"]["socketeer"]["score"] == 2.0


def test_input_fails_cleanly(cohort: dict[str, Any]) -> None:
    assert "stdin" in codes(cohort, "typist")
    assert cohort["results"]["typist"]["score"] == 2.0


def test_sys_exit_does_not_stop_grading(cohort: dict[str, Any]) -> None:
    assert "exit" in codes(cohort, "quitter")
    assert cohort["results"]["quitter"]["score"] == 2.0


def test_writing_outside_the_folder_is_refused(cohort: dict[str, Any]) -> None:
    """Neither another learner's notebook nor the gradebook can be touched."""
    assert "write_outside" in codes(cohort, "vandal")
    assert nbformat.read(cohort["alice_nb"], as_version=4).cells  # still alice's real notebook
    assert cohort["results"]["alice"]["score"] == 3.0


def test_huge_output_is_truncated(cohort: dict[str, Any]) -> None:
    assert "output" in codes(cohort, "spammer")
    path = cohort["settings"].grading_dir / "c99-fixture" / "autograded" / "spammer" / "a01-fixture" / "devoir.ipynb"
    assert path.stat().st_size < 2_000_000


def test_no_state_leaks_between_submissions(cohort: dict[str, Any]) -> None:
    """A module attribute or builtin set by one learner is not visible to the next (fresh fork each time)."""
    assert cohort["results"]["victim"]["score"] == 3.0
