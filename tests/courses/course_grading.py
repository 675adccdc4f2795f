"""Real nbgrader runs for the course tests: generate the student version, autograde submissions, read scores.

Each assignment gets its own throw-away nbgrader course directory; submissions are notebooks built from the
released (student) version, exactly as a learner would hand them in.
"""

from __future__ import annotations

import re
import resource
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml
from nbformat.notebooknode import NotebookNode
from traitlets.config import Config

from courses.manifest import default_root, load_catalog
from courses.stubs import CODE_STUB, TEXT_STUB

MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")
WRONG_ANSWERS_DIR = Path(__file__).parent / "wrong_answers"
ALTERNATIVE_ANSWERS_DIR = Path(__file__).parent / "alternative_answers"


def assignment_ids() -> list[tuple[str, str]]:
    """(course, assignment) for every assignment of the catalogue, for parametrising tests."""
    return [(c.id, a.id) for c in load_catalog(default_root()) for a in c.assignments]


def wrong_answers(course: str, assignment: str) -> dict[str, str]:
    """The plausible wrong answers stored for an assignment (exercise id -> code)."""
    return _answers(WRONG_ANSWERS_DIR, course, assignment)


def alternative_answers(course: str, assignment: str) -> dict[str, str]:
    """Other correct answers (another shape, dtype, order…) stored for an assignment (exercise id -> code)."""
    return _answers(ALTERNATIVE_ANSWERS_DIR, course, assignment)


def _answers(directory: Path, course: str, assignment: str) -> dict[str, str]:
    path = directory / f"{course}.yml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return dict(data.get(assignment) or {})


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


def with_wrong_answers(release: NotebookNode, source: NotebookNode, wrong: dict[str, str]) -> NotebookNode:
    """The release notebook with plausible wrong answers in the given exercises, right answers elsewhere.

    After each wrong exercise's test cell, a learner-added cell runs the right answer so that later exercises
    start from a correct state: each wrong answer is judged on its own in a single execution.
    """
    nb = solved(release, source)
    answers = {grade_id(c): solution_body(c) for c in source.cells if grade_id(c)}
    cells: list[NotebookNode] = []
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in wrong:
            cell.source = wrong[gid]
        cells.append(cell)
        if gid and gid.endswith("_tests") and gid.removesuffix("_tests") in wrong:
            restore = nbformat.v4.new_code_cell(answers[gid.removesuffix("_tests")])
            restore["id"] = f"restore-{gid}".replace("_", "-")
            cells.append(restore)
    nb.cells = cells
    return nb


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
