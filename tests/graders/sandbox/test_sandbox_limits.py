"""Limits learner code cannot lift: the per-cell watchdog, the total deadline, the submission's memory cgroup, the
size-capped working copy, and a process that dies mid-run (monitor.py, cgroups.py, rootfs.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from typing import Any

from graders.sandbox import cgroups
from tests.graders.cohort import CELL_TIMEOUT_S, MEMORY_MB, autograded_text
from tests.graders.conftest import codes, reason


def test_processes_together_above_the_cap_get_memory_reason(cohort: dict[str, Any]) -> None:
    """3 children of 400 MB each fit the per-process limit but not, together, the submission's 1024 MB: the kernel
    stops one (counted by the submission's cgroup) and the learner reads why."""
    assert MEMORY_MB < 3 * 400
    assert "memory" in codes(cohort, "hoarder")
    text = reason(cohort, "hoarder", "memory")
    assert text == (
        f"Mémoire insuffisante (exercice ex01) : ensemble, les processus du rendu ont dépassé la limite de {MEMORY_MB} "
        "Mo ; le système en a arrêté un."
    )
    assert cohort["results"]["hoarder"]["score"] == 3.0  # the notebook itself went on


def test_cell_that_switches_its_timer_off_is_stopped_by_the_watchdog(cohort: dict[str, Any]) -> None:
    """SIGALRM ignored and the timer cleared, then a (bounded, very long) loop: killed, with the cell named."""
    assert "cell_killed" in codes(cohort, "deaf")
    text = reason(cohort, "deaf", "cell_killed")
    assert text.startswith(f"Temps limite dépassé (exercice ex01) : la cellule a tourné plus de {CELL_TIMEOUT_S} s")
    assert cohort["results"]["deaf"]["score"] == 0.0


def test_notebook_too_long_overall_stops_at_the_total_timeout(cohort: dict[str, Any]) -> None:
    """Every cell under its own limit, the notebook above the total: later cells are not run, earlier ones count."""
    assert "total_timeout" in codes(cohort, "dawdler")
    assert "Temps total dépassé" in reason(cohort, "dawdler", "total_timeout")
    assert cohort["results"]["dawdler"]["score"] == 1.0  # ex01 passed before the slow cells, ex02 never ran


def test_process_dying_mid_run_keeps_what_ran(cohort: dict[str, Any]) -> None:
    assert "died" in codes(cohort, "crasher")
    assert reason(cohort, "crasher", "died").startswith("Le programme s'est arrêté brutalement (exercice ex02)")
    assert cohort["results"]["crasher"]["score"] == 1.0


def test_disk_filling_is_stopped_by_the_capped_working_copy(cohort: dict[str, Any]) -> None:
    """10 MB files, each under the per-file limit, stop at the working copy's 256 MB instead of filling the disk."""
    assert "disk_full" in codes(cohort, "filler")
    written = int(re.search(r"BLOCS (\d+)", autograded_text(cohort["settings"], "filler")).group(1))  # type: ignore[union-attr]
    assert 0 < written <= 256 // 10
    assert cohort["results"]["filler"]["score"] == 3.0


def test_no_cgroup_is_left_behind(cohort: dict[str, Any]) -> None:
    """Every submission's group is removed: none remains whose zygote is gone."""
    parents = [p for p in (cgroups._v1_group("memory"), cgroups._v1_group("pids"), cgroups._v2_group()) if p]
    stale = [
        e
        for p in parents
        for e in p.glob(f"{cgroups.PREFIX}*")
        if not cgroups._alive(int(e.name.removeprefix(cgroups.PREFIX).split("-")[0]))
    ]
    assert stale == []


FALLBACK = """
import ctypes, json, os, sys
from pathlib import Path
libc = ctypes.CDLL(None, use_errno=True)
assert libc.unshare(0x00020000) == 0
assert libc.mount(None, b"/", None, ctypes.c_ulong((1 << 14) | (1 << 18)), None) == 0
assert libc.mount(b"none", b"/sys/fs/cgroup", b"tmpfs", ctypes.c_ulong(0), None) == 0
from graders.config import SandboxLimits
from graders.sandbox.pool import Job, SandboxPool
with SandboxPool(workers=1, limits=SandboxLimits(), datasets=Path(sys.argv[1])) as pool:
    result = pool.run(Job(cells=[{"index": 0, "segments": [{"source": "x = 1", "hidden": False}]}]))
print(json.dumps({"status": result.status, "isolation": result.isolation}))
"""


def test_without_cgroups_the_result_says_which_fallback_held(tmp_path: Any) -> None:
    """With /sys/fs/cgroup masked, grading still works and the isolation field says only rlimits held, and why."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(FALLBACK), str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status"] == "completed"
    assert answer["isolation"]["cgroup"] == "none"
    assert "unavailable" in answer["isolation"]["cgroup_fallback"]
