"""Grading speed: our sandboxed parallel autograde vs `nbgrader autograde` vs raw nbclient, and watch latency.

    .venv/bin/python benchmarks/grading.py [--submissions 100] [--course c01-python-pandas]
        [--assignment a01-premiers-pas] [--members 3000] [--watch 20]

One run measures everything on the same submissions (a mix of right answers, wrong/blank answers and hostile ones
that are safe to run *without* a sandbox: infinite loop, sys.exit, input(), a large output, malformed JSON), so the
baselines share the machine's load. Then the real progress service is started (`academy api migrate`, a grader
token, `academy api serve` on a free port), the assignment is released and registered for a cohort, and `--watch`
learners submit through nbgrader's exchange 1 s apart while `watch` runs: latency = submit → grade visible in the
progress service (polled through its API). Targets: ours / nbgrader ≤ 0.5, ours / nbclient ≤ 1.3, watch p95 ≤ 15 s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import nbformat

from graders import autograde, release, watch
from graders.config import GraderSettings, SandboxLimits

ROOT = Path(__file__).resolve().parents[1]
COHORT = "bench"

CELL_TIMEOUT = 10
HOSTILE = [
    "while True:\n    pass",
    "import sys\nsys.exit(0)",
    "x = input('valeur ? ')",
    "for i in range(20000):\n    print('ligne', i)",
]


def answers_from_source(source: Path) -> dict[str, str]:
    """The solution of each answer cell: the source text (solution markers are comments, so it runs as is)."""
    nb = nbformat.read(source, as_version=4)
    return {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in nb.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("solution") and c.cell_type == "code"
    }


def write_submissions(settings: GraderSettings, course: str, assignment: str, n: int) -> list[Path]:
    release_dir = settings.grading_dir / course / "release" / assignment
    notebook = next(release_dir.glob("*.ipynb"))
    right = answers_from_source(settings.grading_dir / course / "source" / assignment / notebook.name)
    paths = []
    for i in range(n):
        student = f"learner{i:03d}"
        folder = settings.grading_dir / course / "submitted" / student / assignment
        shutil.copytree(release_dir, folder, dirs_exist_ok=True)
        (folder / "timestamp.txt").write_text(datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
        path = folder / notebook.name
        kind = i % 10
        if kind == 9 and i % 20 == 19:
            path.write_text('{"cells": [ pas du json')
        else:
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                if grade_id in right and kind < 6:  # 60 %: right answers
                    cell.source = right[grade_id]
            if kind == 9:  # 5 %: hostile code in the first answer cell
                first = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") in right)
                first.source = HOSTILE[(i // 10) % len(HOSTILE)]
            nbformat.write(nb, path)  # 6-8: blank student version (wrong)
        paths.append(path)
    return paths


def run_ours(settings: GraderSettings, course: str, assignment: str, limits: SandboxLimits) -> float:
    started = time.perf_counter()
    summary = autograde.main(course=course, assignment=assignment, settings=settings, limits=limits)
    elapsed = time.perf_counter() - started
    flagged = sum(1 for r in summary.results if r.incidents)
    print(
        f"  ours: {len(summary.results)} graded, {flagged} with incidents, pipeline failed: {summary.pipeline_failed}"
    )
    return elapsed


def run_nbgrader(settings: GraderSettings, course: str, assignment: str, work: Path) -> float:
    """Stock `nbgrader autograde` on a copy of the course directory (its own gradebook), serial as it is."""
    copy = work / "nbgrader-baseline" / course
    shutil.copytree(settings.grading_dir / course, copy, ignore=shutil.ignore_patterns("autograded", "academy"))
    (copy / "gradebook.db").unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(str(copy / "gradebook.db") + suffix).unlink(missing_ok=True)
    (copy / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(copy)!r}\nc.CourseDirectory.course_id = {course!r}\n"
        f"c.Execute.timeout = {CELL_TIMEOUT}\n"
    )
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    subprocess.run([nbgrader, "generate_assignment", assignment, "--force"], cwd=copy, env=env, capture_output=True)
    started = time.perf_counter()
    done = subprocess.run([nbgrader, "autograde", assignment, "--force"], cwd=copy, env=env, capture_output=True)
    elapsed = time.perf_counter() - started
    print(f"  nbgrader autograde exit status: {done.returncode} (1 is expected: it fails on malformed JSON)")
    return elapsed


def run_nbclient(paths: list[Path], datasets: Path) -> float:
    """Raw execution of the same notebooks with nbclient, one kernel each, no grading, no sandbox."""
    from nbclient import NotebookClient

    os.environ["ACADEMY_DATASETS"] = str(datasets)
    started = time.perf_counter()
    for path in paths:
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:
            continue
        client = NotebookClient(
            nb,
            timeout=CELL_TIMEOUT,
            allow_errors=True,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        with contextlib.suppress(Exception):
            client.execute()
    return time.perf_counter() - started


@contextlib.contextmanager
def progress_service(work: Path, learners: list[str]) -> Iterator[dict[str, str]]:
    """The real progress service on a free port, with a grader and an admin token and `learners` in a cohort."""
    academy = str(Path(sys.executable).parent / "academy")
    env = {
        **os.environ,
        "ACADEMY_HOME": str(work / "svc"),
        "ACADEMY_DATABASE_URL": f"sqlite:///{work / 'progress.db'}",
        "ACADEMY_API_PREFIX": "",
    }
    env.pop("JUPYTERHUB_SERVICE_URL", None)

    def api(*args: str) -> str:
        done = subprocess.run([academy, "api", *args], env=env, capture_output=True, text=True, check=True)
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    api("migrate")
    tokens = {role: api("token", "create", "--role", role, "--user", f"bench-{role}") for role in ("grader", "admin")}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [academy, "api", "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the progress service did not start (try `academy api serve` by hand)")
            time.sleep(0.2)
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['admin']}"}) as admin:
            admin.post("/api/v1/cohorts", json={"slug": COHORT, "name": "Benchmark"}).raise_for_status()
            for learner in learners:
                admin.post(f"/api/v1/cohorts/{COHORT}/enrolments", json={"username": learner}).raise_for_status()
        yield {"url": url, **tokens}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _visible(admin: httpx.Client, assignment: str) -> set[str]:
    """Learners with at least one grade of `assignment` in the progress service (what a trainer would see)."""
    answer = admin.get("/api/v1/grades", params={"assignment": assignment, "limit": 1000})
    answer.raise_for_status()
    return {row["learner"] for row in answer.json()["items"]}


def run_watch(
    settings: GraderSettings, course: str, assignment: str, limits: SandboxLimits, n: int, service: dict[str, str]
) -> tuple[list[float], list[float]]:
    """Submit `n` times through nbgrader's exchange, 1 s apart, with `watch` publishing to the real service.

    Returns the latencies submit → graded (watch's own callback) and submit → visible in the progress service.
    """
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit
    from traitlets.config import Config

    settings = settings.model_copy(update={"progress_url": service["url"], "grader_token": service["grader"]})
    release.main(course=course, assignment=assignment, settings=settings, cohort=COHORT, exchange=True)
    stop = threading.Event()
    ready = threading.Event()
    graded: dict[str, float] = {}
    thread = threading.Thread(
        target=watch.main,
        kwargs={
            "settings": settings,
            "limits": limits,
            "interval": 0.5,
            "stop": stop,
            "ready": ready,
            "on_result": lambda r: graded.setdefault(r.student, time.perf_counter()),
        },
        daemon=True,
    )
    thread.start()
    ready.wait(300)  # the pool is warm in production long before learners submit
    submitted: dict[str, float] = {}
    visible: dict[str, float] = {}
    admin = httpx.Client(base_url=service["url"], headers={"Authorization": f"Bearer {service['admin']}"}, timeout=10)

    def poll(until: float) -> None:
        """Note when each submitted learner's grade shows up (one request every 0.25 s for the whole cohort)."""
        while time.perf_counter() < until and len(visible) < n:
            now_visible = _visible(admin, assignment)
            for student in submitted:
                if student in now_visible and student not in visible:
                    visible[student] = time.perf_counter()
            time.sleep(0.25)

    for i in range(n):
        student = f"watcher{i:03d}"
        home = settings.home / "learners" / student
        c = Config()
        c.Exchange.root = str(settings.exchange_dir)
        c.Exchange.path_includes_course = True
        c.Exchange.assignment_dir = str(home)
        c.Exchange.cache = str(home / ".cache")
        c.CourseDirectory.course_id = course
        c.CourseDirectory.assignment_id = assignment
        c.CourseDirectory.student_id = student
        for cls in (ExchangeFetchAssignment, ExchangeSubmit):
            cls(coursedir=CourseDirectory(config=c), authenticator=Authenticator(config=c), config=c).start()
        submitted[student] = time.perf_counter()
        poll(time.perf_counter() + 1.0)
    poll(time.perf_counter() + 300)
    stop.set()
    thread.join(timeout=60)
    admin.close()
    to_graded = sorted(graded[s] - submitted[s] for s in submitted if s in graded)
    to_visible = sorted(visible[s] - submitted[s] for s in submitted if s in visible)
    return to_graded, to_visible


def _p95(values: list[float]) -> float:
    return values[min(len(values) - 1, round(0.95 * len(values)) - 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--course", default="c01-python-pandas")
    parser.add_argument("--assignment", default="a01-premiers-pas")
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--watch", type=int, default=20)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="academy-bench-"))
    os.chmod(work, 0o755)
    try:
        datasets = work / "datasets"
        from datasets_synthetic import generate

        generate(out=datasets, members=args.members, seed=42, force=True)
        settings = GraderSettings(
            home=work / "home",
            exchange=work / "home" / "exchange",
            grading=work / "home" / "grading",
            datasets=datasets,
            courses_root=ROOT / "courses",
            workers=os.cpu_count() or 2,
        )
        limits = SandboxLimits(cell_timeout_s=CELL_TIMEOUT, total_timeout_s=120)
        release.main(course=args.course, assignment=args.assignment, settings=settings, exchange=False)
        paths = write_submissions(settings, args.course, args.assignment, args.submissions)
        print(f"{args.submissions} submissions of {args.course}/{args.assignment} (machine load: {os.getloadavg()})")
        ours = run_ours(settings, args.course, args.assignment, limits)
        print(f"ours (sandboxed, {settings.workers} workers): {ours:7.1f} s  ({ours / args.submissions:.2f} s each)")
        stock = run_nbgrader(settings, args.course, args.assignment, work)
        print(f"nbgrader autograde (serial):  {stock:7.1f} s  -> ratio ours/nbgrader = {ours / stock:.2f} (≤ 0.5)")
        os.environ["ACADEMY_DATASETS"] = str(datasets)
        raw = run_nbclient(paths, datasets)
        print(f"raw nbclient (serial):        {raw:7.1f} s  -> ratio ours/nbclient = {ours / raw:.2f} (≤ 1.3)")
        if args.watch:
            learners = [f"watcher{i:03d}" for i in range(args.watch)]
            with progress_service(work, learners) as service:
                to_graded, to_visible = run_watch(settings, args.course, args.assignment, limits, args.watch, service)
            for label, values in (("graded", to_graded), ("visible in the progress service", to_visible)):
                if values:
                    print(
                        f"watch: {len(values)}/{args.watch} submit→{label}: median "
                        f"{statistics.median(values):.1f} s, p95 {_p95(values):.1f} s (≤ 15 s)"
                    )
                else:
                    print(f"watch: nothing {label}")
            print(f"(machine load at the end: {os.getloadavg()})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
