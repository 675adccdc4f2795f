"""Parent side of the sandbox: N warm zygotes (one per core), each fed by a thread, behind a Future-based API.

The grader never forks itself (it is multi-threaded and holds the gradebook); it talks JSON lines to the zygote
processes, which it starts with a scrubbed environment so no secret (grader token, database URL) can reach
learner code.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graders.config import SandboxLimits
from graders.sandbox.rootfs import SYSTEM_PATHS


@dataclass
class Job:
    """One notebook to execute: its code cells split in segments, the files of its private working copy."""

    cells: list[dict[str, Any]]
    files_from: list[Path] = field(default_factory=list)  # directories whose non-notebook files are copied, in order
    label: str = ""


@dataclass
class JobResult:
    status: str  # completed | total_timeout | cell_killed | died | output_limit | setup_failed
    records: list[dict[str, Any]] = field(default_factory=list)
    isolation: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    duration: float = 0.0
    stopped_at: int | None = None  # notebook index of the cell running when the submission was stopped
    oom: list[int | None] = field(default_factory=list)  # the cell running at each OOM kill in the submission


# What learner and test code may import from the repository (test cells use `courses.checks`, notebooks may call
# `graders.selfcheck.check`). Nothing else of it is visible in the sandbox: not the course sources (solutions,
# hidden tests), `courses/authoring`, `tests/`, `.git` or `var/`.
PROJECT_IMPORTABLE = (
    "courses/__init__.py",
    "courses/checks.py",
    "courses/checks",
    "datasets_synthetic",
    "graders/__init__.py",
    "graders/selfcheck.py",
)
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def readable_paths(*, project_root: Path, datasets: Path) -> list[Path]:
    """The allow-list bound read-only into every sandbox: system trees, the interpreter, its site-packages,
    the importable packages of the repository, the datasets. The repository itself is never bound whole."""
    repositories = {project_root, PROJECT_ROOT}

    def overlaps(path: Path) -> bool:
        return any(path == r or r in path.parents or path in r.parents for r in repositories)

    paths = {Path(p) for p in SYSTEM_PATHS} | {Path(sys.base_prefix), datasets}
    for entry in sys.path:
        # '' is the grader's working directory; the editable install puts the repository root on sys.path: neither
        # is bound (only PROJECT_IMPORTABLE of the repository is), nor anything containing the repository.
        path = Path(entry).resolve() if entry else None
        if path is not None and path.is_dir() and not overlaps(path):
            paths.add(path)
    # The venv may live inside the repository (.venv): bound on its own, at its literal and its real path.
    paths |= {Path(sys.prefix), Path(sys.prefix).resolve()}
    paths |= {project_root / rel for rel in PROJECT_IMPORTABLE if (project_root / rel).exists()}
    return sorted(paths)


class _Zygote:
    def __init__(self, *, slot: int, env: dict[str, str]) -> None:
        self.slot = slot
        self.env = env
        self.proc: subprocess.Popen[str] | None = None
        self.missing: list[str] = []

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "graders.sandbox.zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=self.env,
            cwd="/",
        )

    def wait_ready(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox zygote did not start (see `python -m graders.sandbox.zygote`)")
        self.missing = json.loads(line).get("missing", [])

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox zygote died")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.stdin:
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _zygote_env(datasets: Path, project_root: Path) -> dict[str, str]:
    """Only what the interpreter needs: the learner must not inherit the grader's secrets."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": "/nonexistent",
        "PYTHONPATH": str(project_root),
        "MPLBACKEND": "Agg",
        "ACADEMY_DATASETS": str(datasets),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if "MPLCONFIGDIR" in os.environ:
        env["MPLCONFIGDIR"] = os.environ["MPLCONFIGDIR"]
    return env


class SandboxPool:
    """`submit(job) -> Future[JobResult]`; `workers` submissions run at once, each in a fresh isolated process."""

    def __init__(
        self,
        *,
        workers: int,
        limits: SandboxLimits,
        datasets: Path,
        hidden: list[Path] | None = None,
        scratch: Path | None = None,
        project_root: Path | None = None,
    ) -> None:
        self.limits = limits
        self.datasets = datasets.resolve()
        self.hidden = [p.resolve() for p in (hidden or [])]
        self.project_root = (project_root or PROJECT_ROOT).resolve()
        self.readable = readable_paths(project_root=self.project_root, datasets=self.datasets)
        self.scratch = Path(tempfile.mkdtemp(prefix="academy-sandbox-", dir=scratch))
        os.chmod(self.scratch, 0o711)
        self._ids = itertools.count(1)
        self._queue: queue.Queue[tuple[Job, Future[JobResult]] | None] = queue.Queue()
        env = _zygote_env(self.datasets, self.project_root)
        self._zygotes = [_Zygote(slot=n, env=env) for n in range(max(1, workers))]
        for z in self._zygotes:
            z.start()
        for z in self._zygotes:
            z.wait_ready()
        self._threads = [threading.Thread(target=self._serve, args=(z,), daemon=True) for z in self._zygotes]
        for t in self._threads:
            t.start()

    @property
    def missing_modules(self) -> list[str]:
        return self._zygotes[0].missing

    def submit(self, job: Job) -> Future[JobResult]:
        future: Future[JobResult] = Future()
        self._queue.put((job, future))
        return future

    def run(self, job: Job) -> JobResult:
        return self.submit(job).result()

    def _serve(self, zygote: _Zygote) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self._execute(zygote, job))
            except BaseException as exc:  # a dead zygote: restart it so the rest of the cohort goes on
                zygote.stop()
                zygote.start()
                try:
                    zygote.wait_ready()
                finally:
                    future.set_result(JobResult(status="setup_failed", error=f"{type(exc).__name__}: {exc}"))

    def _execute(self, zygote: _Zygote, job: Job) -> JobResult:
        job_id = next(self._ids)
        workdir = self.scratch / f"job-{job_id}"
        workdir.mkdir(mode=0o700)
        try:
            for folder in job.files_from:
                if folder.is_dir():
                    shutil.copytree(folder, workdir, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.ipynb", ".*"))
            request = {
                "id": job_id,
                "cells": job.cells,
                "workdir": str(workdir),
                "datasets": str(self.datasets),
                "readable": [str(p) for p in self.readable],
                "hidden": [str(p) for p in self.hidden],
                "uid": self.limits.base_uid + zygote.slot,
                "limits": self.limits.model_dump(),
            }
            answer = zygote.call(request)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return JobResult(
            status=answer.get("status", "setup_failed"),
            records=answer.get("records", []),
            isolation=answer.get("isolation", {}),
            error=answer.get("error"),
            duration=float(answer.get("duration", 0.0)),
            stopped_at=answer.get("stopped_at"),
            oom=list(answer.get("oom", [])),
        )

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            t.join(timeout=10)
        for z in self._zygotes:
            z.stop()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
