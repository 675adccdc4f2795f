"""Autograde the collected submissions of one assignment: integrity checks, parallel sandboxed execution, gradebook.

nbgrader's own `Autograde` converter still does the bookkeeping (timestamps, restoring protected cells from the
gradebook, scores, late penalties) so formgrader keeps working; only its `Execute` step is replaced. The sandbox
pool executes ahead of the converter, which runs serially in this process: the only writer of the gradebook.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from graders.catalog import exercise_of
from graders.config import GraderSettings, SandboxLimits, get_settings
from graders.coursedir import course_root, gradebook_url, nbgrader_api, nbgrader_config
from graders.preprocessors import BEGIN_HIDDEN, END_HIDDEN, REGISTRY, build_job
from graders.progress import progress_bar
from graders.reasons import describe
from graders.repair import reference_metadata, repair_metadata
from graders.sandbox.pool import SandboxPool

# nbgrader 0.9 on SQLAlchemy 2 warns "Object of type <SubmittedAssignment> not in session, add operation along
# 'Assignment.submissions' will not proceed" each time it records a submission; it adds the object to the session
# itself right after (nbgrader/api.py), so the grades are right and the three warnings are only noise in the
# trainer's terminal, above the progress bar.
warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w+> not in session", category=SAWarning)


@dataclass
class SubmissionResult:
    """What a learner got and why: the score, the incidents with their French reasons, the isolation that held."""

    student: str
    assignment: str
    score: float = 0.0
    max_score: float = 0.0
    status: str = "graded"  # graded | failed (the pipeline, not the learner)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    isolation: dict[str, Any] = field(default_factory=dict)
    graded_at: str = ""

    @property
    def reasons(self) -> list[str]:
        return [i["reason"] for i in self.incidents]


@dataclass
class AutogradeSummary:
    results: list[SubmissionResult] = field(default_factory=list)

    @property
    def pipeline_failed(self) -> bool:
        return any(r.status == "failed" for r in self.results)


def results_dir(settings: GraderSettings, course: str, assignment: str) -> Path:
    return course_root(settings, course) / "academy" / "results" / assignment


def load_result(settings: GraderSettings, course: str, assignment: str, student: str) -> SubmissionResult | None:
    path = results_dir(settings, course, assignment) / f"{student}.json"
    if not path.exists():
        return None
    return SubmissionResult(**json.loads(path.read_text()))


def _save_result(settings: GraderSettings, course: str, result: SubmissionResult) -> None:
    folder = results_dir(settings, course, result.assignment)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{result.student}.json").write_text(json.dumps(asdict(result), ensure_ascii=False, indent=1))


def integrity_incidents(nb: Any, *, gb: Gradebook, notebook: str, assignment: str) -> list[dict[str, Any]]:
    """Protected (read-only or test) cells that the learner edited, retyped or deleted, found by checksum."""
    incidents = []
    seen = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if "grade_id" in meta:
            seen[meta["grade_id"]] = cell
    source_nb = gb.find_notebook(notebook, assignment)
    for source_cell in source_nb.source_cells:
        if not source_cell.locked:
            continue
        cell = seen.get(source_cell.name)
        base = {"cell": source_cell.name, "exercise": exercise_of(source_cell.name)}
        if cell is None:
            incidents.append({"code": "cell_deleted", **base})
        elif cell.cell_type != source_cell.cell_type:
            incidents.append({"code": "cell_retyped", **base})
        elif _checksum(cell.source) != _checksum(source_cell.source):
            incidents.append({"code": "cell_edited", **base})
    return incidents


def _visible(text: str) -> str:
    """A protected cell's text as released to learners (hidden tests cut), normalised for comparison."""
    kept, inside = [], False
    for line in text.split("\n"):
        if BEGIN_HIDDEN in line:
            inside = True
        elif END_HIDDEN in line:
            inside = False
        elif not inside:
            kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _checksum(text: str) -> str:
    return hashlib.sha256(_visible(text).encode()).hexdigest()


def _source_cells(gb: Gradebook, notebook: str, assignment: str) -> dict[str, tuple[str, str, bool]]:
    return {
        c.name: (c.source, c.cell_type, bool(c.locked)) for c in gb.find_notebook(notebook, assignment).source_cells
    }


def _restore_protected(nb: Any, sources: dict[str, tuple[str, str, bool]]) -> Any:
    """What nbgrader's sanitizing pass does to the code that runs (protected cells back to their source text and
    type), at a fraction of its cost. It only starts the execution early: if it ever differs from nbgrader's own
    result, `SandboxExecute` sees another fingerprint and runs the notebook again, so correctness never rests on it.
    """
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id not in sources:
            continue
        source, cell_type, locked = sources[grade_id]
        if cell.cell_type != cell_type:
            cell.cell_type = cell_type
        if locked:
            cell.source = source
    return nb


def _sanitize(nb: Any, resources: dict[str, Any], config: Any) -> Any:
    """What nbgrader's sanitizing pass does, so the execution can start before the converter reaches it."""
    for cls in config.Autograde.sanitize_preprocessors:
        nb, resources = cls(config=config).preprocess(nb, resources)
    return nb


def _cell_exercises(nb: Any) -> dict[int, str | None]:
    out = {}
    for i, cell in enumerate(nb.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            out[i] = exercise_of(grade_id)
    return out


def submissions(settings: GraderSettings, course: str, assignment: str, students: Iterable[str] | None) -> list[str]:
    submitted = course_root(settings, course) / "submitted"
    wanted = set(students) if students is not None else None
    found = sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())
    return [s for s in found if wanted is None or s in wanted]


def main(
    *,
    course: str,
    assignment: str,
    students: Iterable[str] | None = None,
    settings: GraderSettings | None = None,
    limits: SandboxLimits | None = None,
    pool: SandboxPool | None = None,
    show_progress: bool = True,
) -> AutogradeSummary:
    """Grade every collected submission (or `students`); a learner's broken or hostile notebook never stops the run."""
    settings = settings or get_settings()
    limits = limits or SandboxLimits()
    root = course_root(settings, course)
    config = nbgrader_config(settings, course)
    db_url = gradebook_url(settings, course)
    api = nbgrader_api(settings, course)
    with Gradebook(db_url, course_id=course) as gb:
        try:
            notebooks = [n.name for n in gb.find_assignment(assignment).notebooks]
        except MissingEntry as exc:
            raise RuntimeError(
                f"{course}/{assignment} is not in the gradebook: run `academy grade release` first"
            ) from exc
    own_pool = pool is None
    if pool is None:
        pool = SandboxPool(
            workers=settings.workers,
            limits=limits,
            datasets=settings.datasets_dir,
            hidden=[settings.grading_dir, settings.exchange_dir, settings.home],
        )
    REGISTRY.pool = pool
    REGISTRY.misses = 0
    summary = AutogradeSummary()
    todo = submissions(settings, course, assignment, students)
    pre: dict[str, list[dict[str, Any]]] = {s: [] for s in todo}
    source_cells: dict[str, dict[str, tuple[str, str, bool]]] = {}
    references: dict[str, dict[str, dict[str, Any]]] = {}
    try:
        # 1. Integrity checks and sanitizing in this process; executions start in the pool right away.
        with Gradebook(db_url, course_id=course) as gb:
            for student in todo:
                folder = root / "submitted" / student / assignment
                for notebook in notebooks:
                    path = folder / f"{notebook}.ipynb"
                    if not path.exists():
                        pre[student].append({"code": "missing_notebook", "notebook": notebook})
                        continue
                    try:
                        nb = nbformat.read(path, as_version=4)
                        nbformat.validate(nb)
                    except Exception:
                        pre[student].append({"code": "malformed", "notebook": notebook})
                        continue
                    # What nbgrader's sanitizing pass will do first (RepairMetadata): the same repair, reported.
                    reference = references.setdefault(notebook, reference_metadata(gb, notebook, assignment))
                    pre[student].extend(repair_metadata(nb, reference))
                    found = integrity_incidents(nb, gb=gb, notebook=notebook, assignment=assignment)
                    pre[student].extend(found)
                    label = f"{student}/{notebook}"
                    # nbgrader overwrites the learner's files with the master copies from source/: same here.
                    REGISTRY.files[label] = [folder, root / "source" / assignment]
                    if not any(i["code"] == "cell_deleted" for i in found):
                        sources = source_cells.setdefault(notebook, _source_cells(gb, notebook, assignment))
                        fast = _restore_protected(nb, sources)
                        REGISTRY.prefetch(build_job(fast, files_from=REGISTRY.files[label], label=label))
                        continue
                    resources = {
                        "nbgrader": {
                            "db_url": db_url,
                            "assignment": assignment,
                            "notebook": notebook,
                            "student": student,
                            "course_id": course,
                        }
                    }
                    try:
                        sanitized = _sanitize(nb, resources, config)
                    except Exception:
                        continue  # the converter will meet the same problem and report it
                    REGISTRY.prefetch(build_job(sanitized, files_from=REGISTRY.files[label], label=label))
        # 2. nbgrader's converter, serially (the only gradebook writer), consuming the executions in order.
        with progress_bar(show_progress) as bar:
            task = bar.add_task(f"Correction {course}/{assignment}", total=len(todo))
            for student in todo:
                result = _grade_one(
                    api=api,
                    db_url=db_url,
                    course=course,
                    assignment=assignment,
                    student=student,
                    notebooks=notebooks,
                    incidents=pre[student],
                    limits=limits,
                    settings=settings,
                )
                summary.results.append(result)
                _save_result(settings, course, result)
                bar.advance(task)
    finally:
        REGISTRY.pending.clear()
        REGISTRY.files.clear()
        if own_pool:
            pool.close()
    return summary


def _grade_one(
    *,
    api: Any,
    db_url: str,
    course: str,
    assignment: str,
    student: str,
    notebooks: list[str],
    incidents: list[dict[str, Any]],
    limits: SandboxLimits,
    settings: GraderSettings,
) -> SubmissionResult:
    result = SubmissionResult(student=student, assignment=assignment)
    malformed = {i["notebook"] for i in incidents if i["code"] == "malformed"}
    if malformed and len(malformed) == len(notebooks):
        _record_zero(db_url=db_url, course=course, assignment=assignment, student=student, settings=settings)
    else:
        outcome = api.autograde(assignment, student, force=True, create=True)
        if not outcome.get("success"):
            result.status = "failed"
            incidents.append({"code": "setup_failed", "detail": str(outcome.get("error", ""))[-1500:]})
    for notebook in notebooks:
        executed = REGISTRY.results.pop(f"{student}/{notebook}", None)
        if executed is None:
            continue
        result.isolation = executed.isolation
        path = course_root(settings, course) / "autograded" / student / assignment / f"{notebook}.ipynb"
        exercises = _cell_exercises(nbformat.read(path, as_version=4)) if path.exists() else {}
        for record in executed.records:
            for incident in record.get("incidents", []):
                incidents.append({**incident, "exercise": exercises.get(record["index"])})
        for index in executed.oom:  # the submission's cgroup hit its cap: the kernel killed one of its processes
            cell = exercises.get(index) if index is not None else None
            incidents.append({"code": "memory", "scope": "submission", "exercise": cell})
        if executed.status != "completed":
            where = exercises.get(executed.stopped_at) if executed.stopped_at is not None else None
            incidents.append({"code": executed.status, "exercise": where, "detail": (executed.error or "")[-1500:]})
            if executed.status == "setup_failed":
                result.status = "failed"
    with Gradebook(db_url, course_id=course) as gb:
        try:
            submission = gb.find_submission(assignment, student)
            result.score, result.max_score = float(submission.score), float(submission.max_score)
        except MissingEntry:
            pass
    seen = set()
    for incident in incidents:
        key = (incident.get("code"), incident.get("scope"), incident.get("exercise"), incident.get("cell"))
        if key in seen:
            continue
        seen.add(key)
        result.incidents.append({**incident, "reason": describe(incident, limits)})
    result.graded_at = datetime.now(UTC).isoformat()
    return result


def _record_zero(*, db_url: str, course: str, assignment: str, student: str, settings: GraderSettings) -> None:
    """An unreadable submission still appears in the gradebook, with 0 and no manual grading pending."""
    root = course_root(settings, course)
    timestamp_file = root / "submitted" / student / assignment / "timestamp.txt"
    timestamp = timestamp_file.read_text().strip() if timestamp_file.exists() else None
    with Gradebook(db_url, course_id=course) as gb:
        gb.update_or_create_student(student)
        kwargs = {"timestamp": utils.parse_utc(timestamp)} if timestamp else {}
        submission = gb.update_or_create_submission(assignment, student, **kwargs)
        for nb in submission.notebooks:
            for grade in nb.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gb.db.commit()
