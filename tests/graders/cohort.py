"""The hostile cohort: right, wrong and hostile submissions graded in one `academy grade autograde` run.

Graded once per test run and shared by every test module and xdist worker (file lock, see conftest `cohort`). The
grader runs in a subprocess under limits this harness sets (address space, process count, CPU time), and every
hostile program is bounded by itself (at most 1000 forks, 3 × 400 MB, finite loops), so a broken sandbox fails
these tests instead of harming the machine.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

from graders.release import main as release_main
from graders.sandbox.pool import PROJECT_ROOT
from tests.graders.conftest import ASSIGNMENT, COURSE, RIGHT, WRONG, make_settings, settings_env, write_submission

HARNESS_AS = 16 * 2**30
HARNESS_NPROC = 4096
HARNESS_CPU_S = 600  # per process: no sandboxed loop can outlive this even if every sandbox limit failed
MAX_PROCESSES = 40
MEMORY_MB = 1024
CELL_TIMEOUT_S = 3
TOTAL_TIMEOUT_S = 20
PG_SOCKET = "/run/postgresql/.s.PGSQL.5432"  # trust auth on this machine: a network namespace alone would not stop it
FEEDBACK_FOR = ("historian", "digger", "alice")
WRITTEN = "Pseudonymiser le NIR protège les assurés : **aucune** donnée directement identifiante ne circule."
LONG_WRITTEN = "é" * 30_000

Edit = Callable[[nbformat.NotebookNode], None]


def _grade_id(cell: nbformat.NotebookNode) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta.get("grade_id") if isinstance(meta, dict) else None


def delete_cell(grade_id: str) -> Edit:
    def edit(nb: nbformat.NotebookNode) -> None:
        nb.cells = [c for c in nb.cells if _grade_id(c) != grade_id]

    return edit


def retype_cell(grade_id: str) -> Edit:
    def edit(nb: nbformat.NotebookNode) -> None:
        for i, c in enumerate(nb.cells):
            if _grade_id(c) == grade_id:
                nb.cells[i] = nbformat.v4.new_markdown_cell(c.source, metadata=c.metadata, id=c.id)

    return edit


def edit_cell(grade_id: str, source: str) -> Edit:
    def edit(nb: nbformat.NotebookNode) -> None:
        for c in nb.cells:
            if _grade_id(c) == grade_id:
                c.source = source

    return edit


def edit_meta(grade_id: str, change: Callable[[dict[str, Any]], Any]) -> Edit:
    """Tamper with the nbgrader metadata of one cell (`change` edits the dict, or returns a replacement)."""

    def edit(nb: nbformat.NotebookNode) -> None:
        for c in nb.cells:
            if _grade_id(c) == grade_id:
                replaced = change(c.metadata["nbgrader"])
                if replaced is not None:
                    c.metadata["nbgrader"] = replaced
                if replaced == {}:
                    del c.metadata["nbgrader"]

    return edit


def add_cells(after: str, *sources: str) -> Edit:
    """Code cells a learner inserts after the cell `after` (or at the end when `after` is "")."""

    def edit(nb: nbformat.NotebookNode) -> None:
        at = next((i + 1 for i, c in enumerate(nb.cells) if _grade_id(c) == after), len(nb.cells))
        nb.cells[at:at] = [nbformat.v4.new_code_cell(s) for s in sources]

    return edit


def add_grade_cell(grade_id: str, points: int) -> Edit:
    def edit(nb: nbformat.NotebookNode) -> None:
        meta = {"grade": True, "grade_id": grade_id, "locked": False, "points": points, "schema_version": 3}
        nb.cells.append(nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {**meta, "solution": False}}))

    return edit


HISTORIAN = """import linecache, sys
ip = get_ipython()
print("IN", In, _ih, _i, _ii, _iii)
print("OUT", Out, _oh, _, __, ___)
%history -n -g
print("HM", ip.history_manager.input_hist_raw, ip.history_manager.input_hist_parsed)
print("LC", {k: v[2] for k, v in linecache.cache.items() if k.startswith("<")})
print("LAST", ip.last_execution_result.info.raw_cell, getattr(sys, "last_value", None))
print("NS", sorted(globals()), "CACHEE", "valeur_cachee" in globals(), globals().get("valeur_cachee"))
print("HISTORIQUE_OK")"""

DIGGER = """import gc
print([s["source"] for o in gc.get_objects() if isinstance(o, list) for s in o
       if isinstance(s, dict) and s.get("hidden") is True and "source" in s])"""

HOARDER = """nb_membres = len(membres)
import os, time
pids = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        block = b"\\x01" * (400 * 2**20)
        time.sleep(0.5)
        os._exit(0)
    pids.append(pid)
states = [os.waitpid(p, 0)[1] for p in pids]
print("TUES", sum(1 for s in states if os.WIFSIGNALED(s)))"""

FILLER = """nb_membres = len(membres)
written = 0
try:
    for i in range(400):
        with open(f"bloc{i}.bin", "wb") as fh:
            fh.write(b"\\x01" * (10 * 2**20))
        written += 1
finally:
    print("BLOCS", written)"""


def snooper_code(targets: list[str]) -> str:
    """Tries to read each path; prints one JSON object path -> "lu" | "refus"."""
    return f"""import json, os
seen = {{}}
for path in {targets!r}:
    try:
        seen[path] = "lu: " + (str(os.listdir(path)) if os.path.isdir(path) else open(path).read(200))
    except OSError:
        seen[path] = "refus"
import courses.checks, datasets_synthetic, graders.selfcheck
print("SNOOP" + json.dumps(seen))
nb_membres = len(membres)"""


def snoop_targets(settings: Any, probe: Path) -> list[str]:
    """Solution-bearing and private trees of the real repository and of the platform, as the snooper sees them."""
    git_dir = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--path-format=absolute", "--git-common-dir"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    sources = sorted((PROJECT_ROOT / "courses").glob("*/source/*/*.ipynb"))
    authoring = sorted((PROJECT_ROOT / "courses" / "authoring" / "content").glob("[!_]*.py"))
    return [
        str(PROJECT_ROOT / "courses"),  # listed: only __init__.py and checks.py may appear
        *(str(p) for p in [*sources[:1], *authoring[:1]]),
        str(PROJECT_ROOT / ".git"),
        f"{git_dir}/HEAD",
        str(PROJECT_ROOT / "tests" / "graders" / "fixtures" / "courses" / COURSE / "source" / ASSIGNMENT),
        str(probe),
        str(settings.grading_dir / COURSE / "gradebook.db"),
        str(settings.grading_dir / COURSE / "source" / ASSIGNMENT / "devoir.ipynb"),
        str(settings.exchange_dir),
        str(Path(git_dir).parent / "courses"),  # the main checkout next to this worktree
    ]


def cases(port: int, settings: Any, probe: Path) -> dict[str, dict[str, Any]]:
    """learner -> what they hand in (answers by grade_id, optional edit of the notebook, or raw bytes)."""
    gradebook = settings.grading_dir / COURSE / "gradebook.db"
    alice_nb = settings.grading_dir / COURSE / "submitted" / "alice" / ASSIGNMENT / "devoir.ipynb"
    fork_storm = (
        "import os, time\nforks = 0\ntry:\n    for _ in range(1000):\n        pid = os.fork()\n"
        "        if pid == 0:\n            time.sleep(5)\n            os._exit(0)\n        forks += 1\n"
        "finally:\n    print('FORKS', forks)"
    )
    vandal_ex02 = f"open({str(gradebook)!r}, 'w').write('detruit')\n{RIGHT['ex02']}"
    return {
        "alice": {"answers": RIGHT},
        "bob": {"answers": WRONG},
        "malformed": {"answers": {}, "raw": '{"cells": [ this is not json'},
        "edited": {"answers": WRONG, "edit": edit_cell("ex01_tests", "pass  # plus de test")},
        "deleted": {"answers": RIGHT, "edit": delete_cell("ex02_tests")},
        "retyped": {"answers": RIGHT, "edit": retype_cell("ex01_tests")},
        "looper": {"answers": {**RIGHT, "ex01": "while True:\n    pass"}},
        "hog": {
            "answers": {
                **RIGHT,
                "ex01": "try:\n    big = bytearray(3 * 2**30)\nexcept MemoryError:\n    print('LIMITE_SANDBOX_OK')\n"
                "huge = bytearray(50 * 10**9)",
            }
        },
        "hoarder": {"answers": {**RIGHT, "ex01": HOARDER}},
        "forker": {"answers": {**RIGHT, "ex01": fork_storm}},
        "networker": {
            "answers": {**RIGHT, "ex01": f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)"}
        },
        "socketeer": {
            "answers": {
                **RIGHT,
                "ex01": f"import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect({PG_SOCKET!r})\nnb_membres = 6",
            }
        },
        "typist": {"answers": {**RIGHT, "ex01": "nb_membres = int(input('Combien ? '))"}},
        "quitter": {"answers": {**RIGHT, "ex01": "import sys\nsys.exit(0)"}},
        "vandal": {"answers": {**RIGHT, "ex01": f"open({str(alice_nb)!r}, 'w').write('{{}}')\n", "ex02": vandal_ex02}},
        "spammer": {"answers": {**RIGHT, "ex01": "for i in range(300000):\n    print('x' * 1000)"}},
        "filler": {"answers": {**RIGHT, "ex01": FILLER}},
        "leaker": {"answers": {**RIGHT, "ex01": "import pandas, builtins\npandas.FUITE = 1\nbuiltins.nb_membres = 99"}},
        "victim": {"answers": {**RIGHT, "ex01": "import pandas\nnb_membres = -1 if hasattr(pandas, 'FUITE') else 6"}},
        "writer": {"answers": {**RIGHT, "ecrit01": WRITTEN}},
        "verbose": {"answers": {**RIGHT, "ecrit01": LONG_WRITTEN}},
        "graded": {"answers": {**RIGHT, "ecrit01": WRITTEN}},
        "historian": {"answers": RIGHT, "edit": add_cells("", HISTORIAN)},
        "digger": {"answers": RIGHT, "edit": add_cells("", DIGGER)},
        "snooper": {"answers": {**RIGHT, "ex01": snooper_code(snoop_targets(settings, probe))}},
        "deaf": {
            "answers": {
                **RIGHT,
                "ex01": "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nsignal.setitimer("
                "signal.ITIMER_REAL, 0)\nnb_membres = 6\nfor _ in range(10**10):\n    pass",
            }
        },
        "dawdler": {"answers": RIGHT, "edit": add_cells("ex01_tests", *["import time\ntime.sleep(1.5)"] * 14)},
        "crasher": {"answers": {**RIGHT, "ex02": "import ctypes\nctypes.string_at(0)"}},
        "points": {"answers": RIGHT, "edit": edit_meta("ex01_tests", lambda m: m.update(points=100))},
        "doublon": {"answers": RIGHT, "edit": edit_meta("ex02_tests", lambda m: m.update(grade_id="ex01_tests"))},
        "sansmeta": {"answers": RIGHT, "edit": edit_meta("ex01_tests", lambda m: {})},
        "junk": {"answers": RIGHT, "edit": edit_meta("ex02_tests", lambda m: {"grade": "oui", "grade_id": 5})},
        "schema": {"answers": RIGHT, "edit": edit_meta("ex01_tests", lambda m: m.update(schema_version=99))},
        "bareme": {"answers": RIGHT, "edit": edit_meta("ex01", lambda m: m.update(grade=True, points=50))},
        "intrus": {"answers": RIGHT, "edit": add_grade_cell("bonus", 10)},
        # Wrong answers that replace what the hidden tests call, so that they would pass (guard.py puts it back).
        "cheater": {
            "answers": {
                "ex01": "nb_membres = 3\nimport pandas\npandas.read_csv = lambda *a, **k: [0, 0, 0]",
                "ex02": "def montant_moyen(df):\n    return 1.0\nimport builtins\nbuiltins.abs = lambda x: 0",
            }
        },
        "aliaser": {
            "answers": {
                **RIGHT,
                "ex01": "nb_membres = 3\nclass _Faux:\n    @staticmethod\n    def read_csv(*a, **k):\n"
                "        return [0, 0, 0]\npd = _Faux()",
            }
        },
    }


def _harness_limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (HARNESS_AS, HARNESS_AS))
    resource.setrlimit(resource.RLIMIT_NPROC, (HARNESS_NPROC, HARNESS_NPROC))
    resource.setrlimit(resource.RLIMIT_CPU, (HARNESS_CPU_S, HARNESS_CPU_S))


def _academy(settings: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        **settings_env(settings),
        "ACADEMY_SANDBOX_CELL_TIMEOUT_S": str(CELL_TIMEOUT_S),
        "ACADEMY_SANDBOX_TOTAL_TIMEOUT_S": str(TOTAL_TIMEOUT_S),
        "ACADEMY_SANDBOX_MEMORY_MB": str(MEMORY_MB),
        "ACADEMY_SANDBOX_MAX_PROCESSES": str(MAX_PROCESSES),
    }
    return subprocess.run(
        [str(Path(sys.executable).parent / "academy"), "grade", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
        preexec_fn=_harness_limits,
    )


def grade_cohort(root: Path, port: int) -> dict[str, Any]:
    """Release the fixture assignment, write the cohort, grade it with the CLI under the harness' limits."""
    settings = make_settings(root)
    release_main(course=COURSE, assignment=ASSIGNMENT, settings=settings, exchange=False)
    # A private file in the repository's own var/ (what `make up` fills): the snooper must not read it.
    var = PROJECT_ROOT / "var"
    made_var = not var.exists()
    probe = var / f"sandbox-probe-{os.getpid()}.txt"
    probe.parent.mkdir(exist_ok=True)
    probe.write_text("SECRET_VAR")
    try:
        for student, case in cases(port, settings, probe).items():
            write_submission(settings, student, case["answers"], edit=case.get("edit"), raw=case.get("raw"))
        graded = _academy(settings, "autograde", "-c", COURSE, "-a", ASSIGNMENT, "-q")
    finally:
        probe.unlink()
        if made_var:
            shutil.rmtree(var, ignore_errors=True)
    students = [arg for s in FEEDBACK_FOR for arg in ("-s", s)]
    feedback = _academy(settings, "feedback", "-c", COURSE, "-a", ASSIGNMENT, "-q", *students)
    return {
        "returncode": graded.returncode,
        "stdout": graded.stdout,
        "stderr": graded.stderr,
        "feedback_returncode": feedback.returncode,
        "feedback_output": feedback.stdout + feedback.stderr,
        "probe": str(probe),
    }


def autograded_text(settings: Any, student: str) -> str:
    path = settings.grading_dir / COURSE / "autograded" / student / ASSIGNMENT / "devoir.ipynb"
    return json.dumps(json.loads(path.read_text()))


def feedback_html(settings: Any, student: str) -> str:
    import html

    path = settings.grading_dir / COURSE / "feedback" / student / ASSIGNMENT / "devoir.html"
    return html.unescape(path.read_text())
