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


# A line of hidden-test code this long is specific enough that finding it in an output means the output copies the
# tests (shorter lines, like `import pandas as pd`, would flag honest outputs).
SIGNATURE_MIN_CHARS = 20
LEAK_NOTICE = (
    "[Sortie masquée par la correction : elle reproduisait le code de tests cachés, qui ne sont pas montrés.]\n"
)


def hidden_signatures(job: Job) -> set[str]:
    """Lines of the hidden tests of `job`, as they would appear printed, in a repr or in JSON."""
    found: set[str] = set()
    for cell in job.cells:
        for segment in cell["segments"]:
            if not segment["hidden"]:
                continue
            for line in segment["source"].split("\n"):
                text = line.strip()
                if len(text) >= SIGNATURE_MIN_CHARS:
                    found |= {text, repr(text)[1:-1], json.dumps(text)[1:-1]}
    return found


def _output_text(output: dict[str, Any]) -> str:
    parts = [str(output.get("text", "")), str(output.get("evalue", "")), *map(str, output.get("traceback", []))]
    parts += [str(v) for v in output.get("data", {}).values()]
    return "\n".join(parts)


def redact_leaks(record: dict[str, Any], signatures: set[str]) -> None:
    """Replace every learner-visible output that contains hidden-test code (defence in depth: the runner already
    keeps hidden code out of IPython's history; this catches code dug out of memory and printed verbatim)."""
    hidden = set(record.get("hidden_outputs", []))
    for i, output in enumerate(record.get("outputs", [])):
        if i in hidden or not signatures:
            continue
        text = _output_text(output)
        if any(sig in text for sig in signatures):
            record["outputs"][i] = {"output_type": "stream", "name": "stderr", "text": LEAK_NOTICE}
            record.setdefault("incidents", []).append({"code": "hidden_leak"})


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
        signatures = hidden_signatures(job)
        for record in result.records:
            redact_leaks(record, signatures)
        reason = {
            "total_timeout": "temps total de correction dépassé",
            "cell_killed": "la correction a été arrêtée : une cellule ne se laissait pas interrompre",
            "died": "le programme s'est arrêté avant cette cellule",
            "output_limit": "sortie trop volumineuse",
            "setup_failed": "erreur technique de la correction",
        }.get(result.status, "cellule non exécutée")
        for cell_job in job.cells:
            cell = nb.cells[cell_job["index"]]
            found = by_index.get(cell_job["index"])
            if found is None:
                cell.outputs = [from_dict(not_run_output(reason))]
                cell.execution_count = None
                continue
            cell.outputs = [from_dict(o) for o in found["outputs"]]
            cell.execution_count = found.get("execution_count")
            if found.get("failed_hidden") or found.get("hidden_outputs"):
                cell.metadata["academy"] = {
                    "failed_hidden": bool(found.get("failed_hidden")),
                    "hidden_outputs": list(found.get("hidden_outputs", [])),
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
