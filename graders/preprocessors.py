"""nbgrader preprocessors of the academy: sandboxed execution, and feedback without hidden tests.

Both subclass `NbGraderPreprocessor` (a plain nbconvert Preprocessor is disabled by default in nbgrader's
pipelines and would silently do nothing).
"""

from __future__ import annotations

import hashlib
import json
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from graders.sandbox.pool import Job, JobResult, SandboxPool

BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"


def split_segments(cell: NotebookNode) -> list[dict[str, Any]]:
    """A test cell's source cut into visible and hidden parts (hidden parts only run once the visible ones pass)."""
    if not (utils.is_grade(cell) and not utils.is_solution(cell)) or BEGIN_HIDDEN not in cell.source:
        return [{"source": cell.source, "hidden": False}]
    segments: list[dict[str, Any]] = []
    current: list[str] = []
    hidden = False
    for line in cell.source.split("\n"):
        if BEGIN_HIDDEN in line or END_HIDDEN in line:
            if any(s.strip() for s in current):
                segments.append({"source": "\n".join(current), "hidden": hidden})
            current = []
            hidden = BEGIN_HIDDEN in line
            continue
        current.append(line)
    if any(s.strip() for s in current):
        segments.append({"source": "\n".join(current), "hidden": hidden})
    return segments or [{"source": "", "hidden": False}]


def build_job(nb: NotebookNode, *, files_from: list[Path] | None = None, label: str = "") -> Job:
    cells = [
        {"index": i, "segments": split_segments(cell)}
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and cell.source.strip()
    ]
    return Job(cells=cells, files_from=files_from or [], label=label)


def fingerprint(job: Job) -> str:
    return hashlib.sha256(json.dumps(job.cells, sort_keys=True).encode()).hexdigest()


@dataclass
class ExecutionRegistry:
    """Executions started ahead of nbgrader's serial converter, so the pool works while the parent writes grades."""

    pool: SandboxPool | None = None
    pending: dict[str, Future[JobResult]] = field(default_factory=dict)
    results: dict[str, JobResult] = field(default_factory=dict)  # keyed by "student/notebook"
    files: dict[str, list[Path]] = field(default_factory=dict)  # what each label's working copy holds
    lock: threading.Lock = field(default_factory=threading.Lock)
    misses: int = 0  # executions nbgrader asked for that were not started ahead (should stay 0)

    def prefetch(self, job: Job) -> None:
        assert self.pool is not None
        with self.lock:
            key = fingerprint(job)
            if key not in self.pending:
                self.pending[key] = self.pool.submit(job)

    def take(self, job: Job) -> JobResult:
        key = fingerprint(job)
        with self.lock:
            future = self.pending.pop(key, None)
        if future is None:
            self.misses += 1
            assert self.pool is not None, "SandboxExecute needs graders.preprocessors.REGISTRY.pool"
            job.files_from = self.files.get(job.label, job.files_from)
            future = self.pool.submit(job)
        return future.result()


REGISTRY = ExecutionRegistry()


def not_run_output(reason: str) -> dict[str, Any]:
    return {"output_type": "error", "ename": "NonExécutée", "evalue": reason, "traceback": [f"NonExécutée : {reason}"]}


class SandboxExecute(NbGraderPreprocessor):
    """Replaces nbgrader's `Execute`: the notebook runs in a fresh fork of a warm, isolated interpreter."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        info = resources.get("nbgrader", {})
        label = f"{info.get('student')}/{info.get('notebook')}"
        job = build_job(nb, label=label)
        result = REGISTRY.take(job)
        REGISTRY.results[label] = result
        by_index = {r["index"]: r for r in result.records}
        reason = {
            "total_timeout": "temps total de correction dépassé",
            "died": "le programme s'est arrêté avant cette cellule",
            "output_limit": "sortie trop volumineuse",
            "setup_failed": "erreur technique de la correction",
        }.get(result.status, "cellule non exécutée")
        for cell_job in job.cells:
            cell = nb.cells[cell_job["index"]]
            record = by_index.get(cell_job["index"])
            if record is None:
                cell.outputs = [from_dict(not_run_output(reason))]
                cell.execution_count = None
                continue
            cell.outputs = [from_dict(o) for o in record["outputs"]]
            cell.execution_count = record.get("execution_count")
            if record.get("failed_hidden") or record.get("hidden_outputs"):
                cell.metadata["academy"] = {
                    "failed_hidden": bool(record.get("failed_hidden")),
                    "hidden_outputs": list(record.get("hidden_outputs", [])),
                }
        return nb, resources


class HideHiddenTests(NbGraderPreprocessor):
    """Feedback shows the visible tests only: hidden test code and anything it printed are removed."""

    placeholder = Unicode("# Tests cachés : non affichés (ils vérifient votre réponse en profondeur).").tag(config=True)
    hidden_failure = Unicode(
        "Un test caché a échoué : votre réponse passe les tests visibles mais n'est pas encore tout à fait juste. "
        "Relisez l'énoncé (cas particuliers, arrondis, filtres)."
    ).tag(config=True)

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
            return cell, resources
        lines = cell.source.split("\n")
        kept: list[str] = []
        inside = False
        had_hidden = False
        for line in lines:
            if BEGIN_HIDDEN in line:
                inside = had_hidden = True
                kept.append(self.placeholder)
            elif END_HIDDEN in line:
                inside = False
            elif not inside:
                kept.append(line)
        cell.source = "\n".join(kept)
        academy = cell.metadata.pop("academy", {})
        failed_hidden = bool(academy.get("failed_hidden"))
        hidden_outputs = set(academy.get("hidden_outputs", []))
        outputs = [o for i, o in enumerate(cell.get("outputs", [])) if i not in hidden_outputs]
        if had_hidden and failed_hidden:
            outputs = [o for o in outputs if o.get("output_type") != "error"]
            outputs.append(
                from_dict(
                    {"output_type": "error", "ename": "TestCaché", "evalue": "", "traceback": [self.hidden_failure]}
                )
            )
        cell.outputs = outputs
        return cell, resources
