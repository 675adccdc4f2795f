"""A whole cohort of right, wrong and hostile submissions graded in one `academy grade autograde` run.

The grader runs in a subprocess under limits this harness sets (address space, process count), and every hostile
program is bounded by itself (at most 1000 forks, a finite print loop), so a broken sandbox fails these tests
instead of harming the machine.
"""

from __future__ import annotations

import fcntl
import json
import resource
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from graders.config import GraderSettings
from graders.release import main as release_main
from tests.graders.conftest import ASSIGNMENT, COURSE, RIGHT, WRONG, make_settings, settings_env, write_submission

HARNESS_AS = 16 * 2**30
HARNESS_NPROC = 4096
MAX_PROCESSES = 40
PG_SOCKET = "/run/postgresql/.s.PGSQL.5432"  # trust auth on this machine: a network namespace alone would not stop it


def _delete_cell(grade_id: str):  # type: ignore[no-untyped-def]
    def edit(nb: nbformat.NotebookNode) -> None:
        nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]

    return edit


def _retype_cell(grade_id: str):  # type: ignore[no-untyped-def]
    def edit(nb: nbformat.NotebookNode) -> None:
        for i, c in enumerate(nb.cells):
            if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
                nb.cells[i] = nbformat.v4.new_markdown_cell(c.source, metadata=c.metadata, id=c.id)

    return edit


def _edit_cell(grade_id: str, source: str):  # type: ignore[no-untyped-def]
    def edit(nb: nbformat.NotebookNode) -> None:
        for c in nb.cells:
            if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
                c.source = source

    return edit


def _harness_limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (HARNESS_AS, HARNESS_AS))
    resource.setrlimit(resource.RLIMIT_NPROC, (HARNESS_NPROC, HARNESS_NPROC))


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The graded cohort, computed once per test run and shared by the xdist workers (file lock, like the dataset)."""
    base = tmp_path_factory.getbasetemp()
    # With xdist every worker has base/popen-gwN and their parent is per run; without it, base itself is.
    root = (base.parent if base.name.startswith("popen-") else base) / "graders-cohort"
    with open(str(root) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "run.json").exists():
            root.mkdir(exist_ok=True)
            with socket.socket() as listener:  # a TCP server on loopback that no submission may reach
                listener.bind(("127.0.0.1", 0))
                listener.listen(16)
                listener.setblocking(False)
                run = _grade_cohort(root, listener.getsockname()[1])
                try:
                    listener.accept()
                    run["accepted"] = True
                except BlockingIOError:
                    run["accepted"] = False
            (root / "run.json").write_text(json.dumps(run))
        fcntl.flock(lock, fcntl.LOCK_UN)
    run = json.loads((root / "run.json").read_text())
    settings = make_settings(root)
    results = {}
    for path in (settings.grading_dir / COURSE / "academy" / "results" / ASSIGNMENT).glob("*.json"):
        results[path.stem] = json.loads(path.read_text())
    alice_nb = settings.grading_dir / COURSE / "submitted" / "alice" / ASSIGNMENT / "devoir.ipynb"
    return {**run, "results": results, "settings": settings, "alice_nb": alice_nb}


def _grade_cohort(root: Path, port: int) -> dict[str, Any]:
    """Release the fixture assignment, write the cohort, grade it with the CLI under the harness' limits."""
    settings = make_settings(root)
    release_main(course=COURSE, assignment=ASSIGNMENT, settings=settings, exchange=False)
    gradebook = settings.grading_dir / COURSE / "gradebook.db"
    alice_nb = settings.grading_dir / COURSE / "submitted" / "alice" / ASSIGNMENT / "devoir.ipynb"
    cases: dict[str, dict[str, Any]] = {
        "alice": {"answers": RIGHT},
        "bob": {"answers": WRONG},
        "malformed": {"answers": {}, "raw": '{"cells": [ this is not json'},
        "edited": {"answers": WRONG, "edit": _edit_cell("ex01_tests", "pass  # plus de test")},
        "deleted": {"answers": RIGHT, "edit": _delete_cell("ex02_tests")},
        "retyped": {"answers": RIGHT, "edit": _retype_cell("ex01_tests")},
        "looper": {"answers": {**RIGHT, "ex01": "while True:\n    pass"}},
        "hog": {
            "answers": {
                **RIGHT,
                "ex01": "try:\n    big = bytearray(3 * 2**30)\nexcept MemoryError:\n    print('LIMITE_SANDBOX_OK')\n"
                "huge = bytearray(50 * 10**9)",
            }
        },
        "forker": {
            "answers": {
                **RIGHT,
                "ex01": "import os, time\nforks = 0\ntry:\n    for _ in range(1000):\n        pid = os.fork()\n"
                "        if pid == 0:\n            time.sleep(5)\n            os._exit(0)\n        forks += 1\n"
                "finally:\n    print('FORKS', forks)",
            }
        },
        "networker": {
            "answers": {
                **RIGHT,
                "ex01": f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)",
            }
        },
        "socketeer": {
            "answers": {
                **RIGHT,
                "ex01": f"import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect({PG_SOCKET!r})\nnb_membres = 6",
            }
        },
        "typist": {"answers": {**RIGHT, "ex01": "nb_membres = int(input('Combien ? '))"}},
        "quitter": {"answers": {**RIGHT, "ex01": "import sys\nsys.exit(0)"}},
        "vandal": {
            "answers": {
                **RIGHT,
                "ex01": f"open({str(alice_nb)!r}, 'w').write('{{}}')\n",
                "ex02": f"open({str(gradebook)!r}, 'w').write('detruit')\n"
                "def montant_moyen(df):\n    return float(df['montant_rembourse'].mean())",
            }
        },
        "spammer": {"answers": {**RIGHT, "ex01": "for i in range(300000):\n    print('x' * 1000)"}},
        "leaker": {"answers": {**RIGHT, "ex01": "import pandas, builtins\npandas.FUITE = 1\nbuiltins.nb_membres = 99"}},
        "victim": {"answers": {**RIGHT, "ex01": "import pandas\nnb_membres = -1 if hasattr(pandas, 'FUITE') else 6"}},
    }
    for student, case in cases.items():
        write_submission(settings, student, case["answers"], edit=case.get("edit"), raw=case.get("raw"))
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        **settings_env(settings),
        "ACADEMY_SANDBOX_CELL_TIMEOUT_S": "3",
        "ACADEMY_SANDBOX_TOTAL_TIMEOUT_S": "40",
        "ACADEMY_SANDBOX_MEMORY_MB": "1024",
        "ACADEMY_SANDBOX_MAX_PROCESSES": str(MAX_PROCESSES),
    }
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "academy"), "grade", "autograde", "-c", COURSE, "-a", ASSIGNMENT, "-q"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_harness_limits,
    )
    return {"returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}


def outputs_text(settings: GraderSettings, student: str) -> str:
    path = settings.grading_dir / COURSE / "autograded" / student / ASSIGNMENT / "devoir.ipynb"
    return json.dumps(json.loads(path.read_text()))


def codes(cohort: dict[str, Any], student: str) -> set[str]:
    return {i["code"] for i in cohort["results"][student]["incidents"]}


def test_run_succeeds_and_prints_a_summary(cohort: dict[str, Any]) -> None:
    """Hostile learners do not make the grader fail: exit 0, every learner graded, a French summary at the end."""
    assert cohort["returncode"] == 0, cohort["stdout"] + cohort["stderr"]
    assert "Résumé de la correction" in cohort["stdout"]
    assert len(cohort["results"]) == 17
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
    }


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
    assert "LIMITE_SANDBOX_OK" in outputs_text(cohort["settings"], "hog")
    assert cohort["results"]["hog"]["score"] == 2.0


def test_fork_storm_is_capped(cohort: dict[str, Any]) -> None:
    assert "processes" in codes(cohort, "forker")
    text = outputs_text(cohort["settings"], "forker")
    forks = int(text.split("FORKS ")[1].split("\\n")[0])
    assert forks < MAX_PROCESSES


def test_network_is_unreachable(cohort: dict[str, Any]) -> None:
    assert "network" in codes(cohort, "networker")
    assert cohort["accepted"] is False  # nobody ever connected to the loopback listener


def test_unix_sockets_of_local_services_are_hidden(cohort: dict[str, Any]) -> None:
    """/run is hidden, so the PostgreSQL socket (trust auth here) cannot be reached either."""
    if not Path(PG_SOCKET).exists():
        pytest.skip(f"no {PG_SOCKET} on this machine")
    assert "No such file or directory" in outputs_text(cohort["settings"], "socketeer")
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
    path = cohort["settings"].grading_dir / COURSE / "autograded" / "spammer" / ASSIGNMENT / "devoir.ipynb"
    assert path.stat().st_size < 2_000_000


def test_no_state_leaks_between_submissions(cohort: dict[str, Any]) -> None:
    """A module attribute or builtin set by one learner is not visible to the next (fresh fork each time)."""
    assert cohort["results"]["victim"]["score"] == 3.0
