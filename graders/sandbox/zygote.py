"""The warm zygote: imports the scientific stack once, then forks one fresh, isolated child per submission.

Protocol (one JSON object per line): requests on stdin, answers on the original stdout; everything else the
libraries print goes to stderr. The zygote is single-threaded so forking it is safe, and it never runs learner code
itself: each submission runs in a grandchild (isolation.py), in a cgroup of its own (cgroups.py), and reports its
cells through a pipe that the zygote watches with its own deadlines and byte cap (monitor.py).

    python -m graders.sandbox.zygote
"""

from __future__ import annotations

import os

# Before numpy loads: one BLAS thread per submission (workers already use every core, and a forked child must not
# inherit a half-alive thread pool).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_MAX_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
# Arrow's jemalloc/mimalloc reserve huge address ranges up front, which RLIMIT_AS turns into "malloc failed".
os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"

import contextlib  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from graders.sandbox import cgroups  # noqa: E402
from graders.sandbox.isolation import IsolationPlan, IsolationReport, drop_privileges, enter_namespaces  # noqa: E402
from graders.sandbox.monitor import Monitor  # noqa: E402
from graders.sandbox.runner import build_shell, run_cells  # noqa: E402

# What course notebooks import; anything else still imports normally (read-only), just not pre-paid.
WARM_MODULES = [
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.parquet",
    "matplotlib",
    "matplotlib.pyplot",
    "sklearn",
    "sklearn.linear_model",
    "sklearn.model_selection",
    "sklearn.metrics",
    "sklearn.ensemble",
    "sklearn.tree",
    "sklearn.preprocessing",
    "sklearn.pipeline",
    "sklearn.feature_extraction.text",
    "sklearn.compose",
    "sklearn.impute",
    "datasets_synthetic",
    "courses.checks",  # what hidden tests import; also snapshotted for them (guard.py)
    "json",
    "csv",
    "re",
    "math",
    "statistics",
    "collections",
    "itertools",
    "functools",
    "datetime",
    "random",
    "string",
    "unicodedata",
    "decimal",
    "hashlib",
    "pathlib",
    "textwrap",
    "dataclasses",
    "warnings",
    "urllib.request",
    "http.client",
    "subprocess",
    "tempfile",
    "shutil",
    "glob",
]


def warm_up() -> list[str]:
    """Import the stack (a missing optional module is skipped) and render one figure so fonts are cached."""
    missing = []
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:
            missing.append(name)
    try:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        fig.canvas.draw()
        plt.close(fig)
    except Exception:
        missing.append("matplotlib-render")
    return missing


def _plan(request: dict[str, Any]) -> IsolationPlan:
    limits = request["limits"]
    return IsolationPlan(
        workdir=Path(request["workdir"]),
        readable=[Path(p) for p in request["readable"]],
        hidden=[Path(p) for p in request["hidden"]],
        uid=int(request["uid"]),
        workdir_bytes=int(limits["workdir_mb"]) * 1024 * 1024,
        memory_bytes=int(limits["memory_mb"]) * 1024 * 1024,
        max_processes=int(limits["max_processes"]),
        max_file_bytes=int(limits["max_file_bytes"]),
        max_open_files=int(limits["max_open_files"]),
        cpu_seconds=int(limits["total_timeout_s"]) + 5,
    )


def _grandchild(request: dict[str, Any], plan: IsolationPlan, report: IsolationReport, data_w: int, shell) -> None:
    out = os.fdopen(data_w, "wb")
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        workdir = str(plan.workdir)
        os.chdir(workdir)
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": workdir,
            "TMPDIR": workdir,
            "MPLCONFIGDIR": workdir,
            "LANG": "C.UTF-8",
            "ACADEMY_DATASETS": request["datasets"],
            "NBGRADER_EXECUTION": "autograde",
        }
        os.environ.clear()
        os.environ.update(env)
        drop_privileges(plan, report)
        out.write(json.dumps({"isolation": report.as_dict(), "notes": report.notes}).encode() + b"\n")
        out.flush()
        limits = request["limits"]
        run_cells(
            shell=shell,
            cells=request["cells"],
            out=out,
            cell_timeout=float(limits["cell_timeout_s"]),
            cell_budget=int(limits["max_output_bytes"]),
            total_budget=int(limits["max_total_output_bytes"]),
            workdir=workdir,
            hidden=list(request["hidden"]),
            readable=list(request["readable"]),
        )
        out.flush()
        os._exit(0)
    except BaseException:
        try:
            out.write(json.dumps({"setup_error": traceback.format_exc()[-2000:]}).encode() + b"\n")
            out.flush()
        finally:
            os._exit(70)


def _cgroup(request: dict[str, Any]) -> tuple[cgroups.SubmissionCgroup | None, str]:
    """The submission's own memory and process budget (root only: creating cgroups needs it)."""
    if os.geteuid() != 0:
        return None, "cgroups need root: per-process rlimits only"
    limits = request["limits"]
    name = f"{cgroups.PREFIX}{os.getpid()}-{request['id']}-{secrets.token_hex(4)}"
    # +1: the intermediate process that holds the namespaces is in the group too.
    return cgroups.create(
        name=name,
        memory_bytes=int(limits["memory_mb"]) * 1024 * 1024,
        max_processes=int(limits["max_processes"]) + 1,
    )


def _intermediate(
    request: dict[str, Any],
    plan: IsolationPlan,
    group: cgroups.SubmissionCgroup | None,
    why: str,
    ctrl_w: int,
    data_w: int,
    shell: Any,
) -> None:
    """Holds the namespaces and waits for the learner's process; never returns."""
    try:
        report = IsolationReport()
        if group is not None:
            group.join()
            report.cgroup = group.version
        else:
            report.cgroup_fallback = why
        enter_namespaces(plan, report)
        gpid = os.fork()
        if gpid == 0:
            os.close(ctrl_w)
            _grandchild(request, plan, report, data_w, shell)
        os.close(data_w)
        os.write(ctrl_w, json.dumps({"pid": gpid}).encode())
        os.close(ctrl_w)
        os.waitpid(gpid, 0)
        os._exit(0)
    except BaseException:
        os.write(ctrl_w, json.dumps({"setup_error": traceback.format_exc()[-2000:]}).encode())
        os._exit(71)


def execute(request: dict[str, Any], shell) -> dict[str, Any]:
    """Run one submission in a fresh isolated grandchild; never raises for anything the learner does."""
    plan = _plan(request)
    limits = request["limits"]
    group, why = _cgroup(request)
    ctrl_r, ctrl_w = os.pipe()
    data_r, data_w = os.pipe()
    started = time.monotonic()
    try:
        pid = os.fork()
        if pid == 0:
            os.close(ctrl_r)
            os.close(data_r)
            _intermediate(request, plan, group, why, ctrl_w, data_w, shell)
        os.close(ctrl_w)
        os.close(data_w)
        ctrl = b""
        while chunk := os.read(ctrl_r, 65536):
            ctrl += chunk
        os.close(ctrl_r)
        info = json.loads(ctrl or b"{}")
        answer: dict[str, Any] = {"id": request["id"], "records": [], "status": "completed", "isolation": {}}
        if "setup_error" in info:
            os.close(data_r)
            os.waitpid(pid, 0)
            return {**answer, "status": "setup_failed", "error": info["setup_error"]}
        gpid = int(info["pid"])
        monitor = Monitor(
            fd=data_r,
            cell_timeout=float(limits["cell_timeout_s"]),
            total_timeout=float(limits["total_timeout_s"]) - (time.monotonic() - started),
            byte_cap=int(limits["max_total_output_bytes"]) * 3 + 1_000_000,  # JSON overhead; beyond: lying
            cgroup=group,
        )
        outcome = monitor.run()
        os.close(data_r)
        # The learner's process is the init of its PID namespace: killing it ends every process it started.
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(OSError):
                kill(gpid, signal.SIGKILL)
        os.waitpid(pid, 0)
    finally:
        if group is not None and not group.remove():
            print(f"zygote: could not remove cgroup {group.dirs}", file=sys.stderr, flush=True)
    if outcome.status == "completed" and len(outcome.records) < len(request["cells"]):
        outcome.status = "died"
        done = {r["index"] for r in outcome.records}
        outcome.stopped_at = next((c["index"] for c in request["cells"] if c["index"] not in done), None)
    answer.update(
        status=outcome.status,
        records=outcome.records,
        isolation=outcome.isolation,
        stopped_at=outcome.stopped_at,
        oom=outcome.oom,
        duration=round(time.monotonic() - started, 4),
    )
    if outcome.error:
        answer["error"] = outcome.error
    return answer


def main() -> None:
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints from libraries must not corrupt the protocol
    missing = warm_up()
    shell = build_shell()
    if os.geteuid() == 0:
        cgroups.remove_stale()  # groups of a zygote killed mid-submission
    proto.write(json.dumps({"ready": True, "missing": missing, "pid": os.getpid()}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            answer = execute(request, shell)
        except Exception:
            answer = {"id": request.get("id"), "status": "setup_failed", "error": traceback.format_exc()[-2000:]}
        proto.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
