"""Real nbgrader runs for the course tests: generate the student version, autograde submissions, read scores.

Each assignment gets its own throw-away nbgrader course directory; submissions are notebooks built from the
released (student) version, exactly as a learner would hand them in.
"""

from __future__ import annotations

import re
import resource
import shutil
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode
from traitlets.config import Config

from courses.authoring.build import course_specs
from courses.authoring.model import Ex, exercises
from courses.manifest import default_root, load_catalog
from courses.stubs import CODE_STUB, TEXT_STUB

MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")
PROBE_PASS, PROBE_FAIL = "VISIBLE-PASS", "VISIBLE-FAIL"


def assignment_ids() -> list[tuple[str, str]]:
    """(course, assignment) for every assignment of the catalogue, for parametrising tests."""
    return [(c.id, a.id) for c in load_catalog(default_root()) for a in c.assignments]


def _exercises(course: str, assignment: str) -> dict[str, Ex]:
    spec = next(a for c in course_specs() if c.id == course for a in c.assignments if a.id == assignment)
    return exercises(spec)


def _code(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def wrong_answers(course: str, assignment: str) -> dict[str, str]:
    """The plausible wrong answer authored next to each exercise (exercise id -> code)."""
    return {ex: _code(block.wrong) for ex, block in _exercises(course, assignment).items()}


def alternative_rounds(course: str, assignment: str) -> list[dict[str, str]]:
    """The other correct answers authored next to the exercises, as submissions: the k-th round holds the k-th
    alternative of every exercise that has at least k (exercise id -> code)."""
    blocks = _exercises(course, assignment)
    rounds = max((len(b.alternatives) for b in blocks.values()), default=0)
    return [
        {ex: _code(b.alternatives[k]) for ex, b in blocks.items() if len(b.alternatives) > k} for k in range(rounds)
    ]


@dataclass(frozen=True)
class Run:
    """How long one submission took to grade: wall clock, and CPU seconds of the processes nbgrader started."""

    wall_s: float
    cpu_s: float


@dataclass(frozen=True)
class CellScore:
    score: float | None
    max_score: float
    auto: bool


def nbgrader_config(root: Path, course_id: str, *, overwrite_cells: bool = True) -> Config:
    """nbgrader's settings for these courses; `overwrite_cells=False` only for control experiments (no restore of
    protected cells before execution, which no real grading run does)."""
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.course_id = course_id
    config.ClearSolutions.code_stub = {"python": CODE_STUB}
    config.ClearSolutions.text_stub = TEXT_STUB
    config.ExecutePreprocessor.timeout = 120
    if not overwrite_cells:
        config.OverwriteCells.enabled = False
    return config


def generate(*, source_dir: Path, course_id: str, assignment: str, workdir: Path) -> Path:
    """Run nbgrader generate_assignment on a copy of the source; return the course root."""
    from nbgrader.apps import NbGraderAPI

    root = workdir / course_id
    shutil.copytree(source_dir / assignment, root / "source" / assignment)
    api = NbGraderAPI(config=nbgrader_config(root, course_id))
    result = api.generate_assignment(assignment, force=True, create=True)
    assert result["success"], (result.get("log") or "") + (result.get("error") or "")
    return root


def release_notebook(root: Path, assignment: str, name: str) -> NotebookNode:
    return nbformat.read(root / "release" / assignment / name, as_version=4)


def autograded_notebook(root: Path, student: str, assignment: str, name: str) -> NotebookNode:
    """The notebook nbgrader executed for a submission (protected cells restored, outputs kept)."""
    return nbformat.read(root / "autograded" / student / assignment / name, as_version=4)


def solution_body(source_cell: NotebookNode) -> str:
    """A solution cell's content without nbgrader's markers: what a learner who got it right would write."""
    return "\n".join(line for line in source_cell.source.splitlines() if not MARKER.match(line))


def grade_id(cell: NotebookNode) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta.get("grade_id")


def solved(release: NotebookNode, source: NotebookNode) -> NotebookNode:
    """The release notebook with every answer cell filled in with the reference solution."""
    answers = {grade_id(c): solution_body(c) for c in source.cells if grade_id(c)}
    nb = nbformat.from_dict(release)
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid and cell.metadata["nbgrader"].get("solution"):
            cell.source = answers[gid]
    return nb


def with_answers(release: NotebookNode, source: NotebookNode, answers: dict[str, str]) -> NotebookNode:
    """The solved notebook with some answer cells replaced (e.g. by other correct answers)."""
    nb = solved(release, source)
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in answers:
            cell.source = answers[gid]
    return nb


def _probe(exercise: str, visible: str) -> NotebookNode:
    """A learner-added cell that runs an exercise's visible tests (as released) and prints whether they pass."""
    code = (
        f"try:\n    exec({visible!r}, globals())\n"
        f"except Exception as _exc:\n    print({PROBE_FAIL!r}, {exercise!r}, type(_exc).__name__, _exc)\n"
        f"else:\n    print({PROBE_PASS!r}, {exercise!r})"
    )
    cell = nbformat.v4.new_code_cell(code)
    cell["id"] = f"probe-{exercise}"
    return cell


def judged_alone(release: NotebookNode, source: NotebookNode, answers: dict[str, str]) -> NotebookNode:
    """The solved notebook with some answers replaced, each judged on its own in a single execution.

    After each replaced answer, a learner-added probe cell records whether the visible tests pass; after the
    exercise's test cell, another runs the reference answer so that later exercises start from a correct state.
    """
    nb = solved(release, source)
    reference_answers = {grade_id(c): solution_body(c) for c in source.cells if grade_id(c)}
    visible = {grade_id(c): c.source for c in release.cells if (grade_id(c) or "").endswith("_tests")}
    cells: list[NotebookNode] = []
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in answers:
            cell.source = answers[gid]
        cells.append(cell)
        if gid in answers:
            cells.append(_probe(gid, visible[f"{gid}_tests"]))
        exercise = (gid or "").removesuffix("_tests")
        if gid and gid.endswith("_tests") and exercise in answers:
            restore = nbformat.v4.new_code_cell(reference_answers[exercise])
            restore["id"] = f"restore-{exercise}"
            cells.append(restore)
    nb.cells = cells
    return nb


def self_check_outputs(executed: NotebookNode) -> dict[str, tuple[str, list[str]]]:
    """exercise id -> (what its read-only `check("exNN")` cell printed, the errors it raised) once executed."""
    found = {}
    for cell in executed.cells:
        if cell.get("id", "").endswith("-verifier"):
            outputs = cell.get("outputs", [])
            text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
            errors = [f"{o['ename']}: {o['evalue']}" for o in outputs if o.get("output_type") == "error"]
            found[cell["id"].removesuffix("-verifier")] = (text.strip(), errors)
    return found


def visible_verdicts(executed: NotebookNode) -> dict[str, str]:
    """exercise id -> what its probe cell printed (starts with PROBE_PASS when the visible tests passed)."""
    verdicts = {}
    for cell in executed.cells:
        if cell.get("id", "").startswith("probe-"):
            text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
            errors = [o["evalue"] for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            verdicts[cell["id"].removeprefix("probe-")] = text.strip() or f"no output {errors}"
    return verdicts


def autograde(
    *,
    root: Path,
    course_id: str,
    assignment: str,
    submissions: dict[str, NotebookNode],
    runs: dict[str, Run] | None = None,
    overwrite_cells: bool = True,
) -> dict[str, dict[str, CellScore]]:
    """Submit each notebook under its student id, autograde with nbgrader, return the scores per grade cell.

    `runs`, when given, receives each submission's grading time. CPU time is read from the reaped child processes
    (the kernel), so it does not depend on how busy the machine is.
    """
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI

    names = [p.name for p in (root / "release" / assignment).glob("*.ipynb")]
    assert len(names) == 1, f"one notebook per assignment expected, got {names}"
    name = names[0]
    api = NbGraderAPI(config=nbgrader_config(root, course_id, overwrite_cells=overwrite_cells))
    scores: dict[str, dict[str, CellScore]] = {}
    for student, nb in submissions.items():
        target = root / "submitted" / student / assignment / name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            gb.update_or_create_student(student)
        started, cpu_before = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
        result = api.autograde(assignment, student, force=True, create=True)
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if runs is not None:
            cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
            runs[student] = Run(wall_s=time.monotonic() - started, cpu_s=cpu)
        assert result["success"], (result.get("log") or "") + (result.get("error") or "")
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            sub = gb.find_submission_notebook(name.removesuffix(".ipynb"), assignment, student)
            scores[student] = {
                g.name: CellScore(score=g.score, max_score=g.max_score, auto=g.auto_score is not None)
                for g in sub.grades
            }
    return scores
