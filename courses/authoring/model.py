"""The building blocks of a course notebook and how they become nbgrader cells.

A notebook is a list of blocks: free markdown (`Md`), free code (`Code`), an autograded exercise (`Ex`: statement,
answer cell `exNN`, test cell `exNN_tests` with visible and hidden tests) and a manually graded written answer
(`Written`: statement, markdown answer cell `ecritNN`). Cell ids are derived from the block structure, never random,
so a rebuild gives byte-identical notebooks and diffs stay readable.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode

SCHEMA_VERSION = 3


# Shown under the title of every notebook: how to answer, check an answer, and what grading does (French).
SELF_CHECK_INTRO = """
## Avant de commencer : répondre, vérifier, rendre

- **Répondre** : dans chaque cellule de réponse, remplacez `raise NotImplementedError()` par votre code, puis
  exécutez-la (`Maj + Entrée`). Exécutez les cellules dans l'ordre, de haut en bas.
- **Vérifier** : sous chaque réponse, la cellule *Vérifier ma réponse* lance `check("ex01")` (le numéro de
  l'exercice) : ✅ si les tests visibles passent, ❌ avec une piste sinon. Vérifiez autant de fois que vous voulez :
  cela ne change pas la note. Chaque vérification (réussie ou non, jamais votre code) est notée dans votre suivi de
  progression, que votre formateur consulte pour vous aider.
- **À la correction**, d'autres tests, non affichés, contrôlent la réponse complète : un ✅ est bon signe, pas une
  garantie. Les cellules de code fournies (données, fonctions, constantes) sont protégées et remises dans leur état
  d'origine avant la correction ; pour essayer vos idées, ajoutez vos propres cellules (bouton `+`).
- **Rendre** : enregistrez le carnet (`Ctrl + S`), puis soumettez-le depuis l'onglet *Assignments* de
  JupyterLab. Les questions écrites sont corrigées par un formateur, le reste automatiquement.
"""

CHECK_CELL = """
# Vérifier ma réponse : exécutez cette cellule après la vôtre (tests visibles seulement, sans effet sur la note).
from graders.selfcheck import check

check("{exercise}");
"""


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


@dataclass(frozen=True)
class Md:
    """Free markdown (explanations, context)."""

    text: str


@dataclass(frozen=True)
class Code:
    """Code the learner runs but does not write (setup, data, helper functions, constants); not graded.

    Rendered as a read-only nbgrader cell: nbgrader checksums it at generate time and restores its source before
    grading, so the tests may rely on what it defines. `locked=False` is only for a scratch cell the learner is
    invited to edit (a worked example to play with); such a cell must bind no name (a static test checks it).
    """

    source: str
    locked: bool = True


@dataclass(frozen=True)
class Ex:
    """An autograded exercise: the learner writes `solution`'s variables; tests check them.

    `visible` tests are shown to the learner (hints in French); `hidden` ones check the real answer with expected
    values computed from the data. `template` is code kept above the solution region in the student version.

    `wrong` is a plausible wrong answer that passes the visible tests and fails the hidden ones: the grading tests
    prove with it that the hidden tests catch what the visible ones cannot. `alternatives` are other correct
    answers (another shape, order, index or dtype) that must score full marks. Neither reaches the notebook.
    """

    title: str
    points: float
    competencies: tuple[str, ...]
    prompt: str
    solution: str
    visible: str
    hidden: str
    wrong: str
    template: str = ""
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Written:
    """A manually graded written answer; `answer` is the marking guide (removed from the student version)."""

    title: str
    points: float
    competencies: tuple[str, ...]
    prompt: str
    answer: str


Block = Md | Code | Ex | Written


@dataclass(frozen=True)
class AssignmentSpec:
    id: str
    title: str
    due_offset_days: int
    blocks: tuple[Block, ...]

    @property
    def notebook_name(self) -> str:
        return f"{self.id}.ipynb"


@dataclass(frozen=True)
class CourseSpec:
    id: str
    title: str
    order: int
    assignments: tuple[AssignmentSpec, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ExerciseEntry:
    """What the manifest says about one graded cell of a notebook."""

    id: str
    points: float
    kind: str
    competencies: tuple[str, ...]


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _markdown(cell_id: str, text: str, metadata: dict[str, Any] | None = None) -> NotebookNode:
    cell = nbformat.v4.new_markdown_cell(_clean(text), metadata=metadata or {})
    cell["id"] = cell_id
    return cell


def _code(cell_id: str, source: str, metadata: dict[str, Any] | None = None) -> NotebookNode:
    cell = nbformat.v4.new_code_cell(_clean(source), metadata=metadata or {})
    cell["id"] = cell_id
    return cell


def _number(points: float) -> int | float:
    return int(points) if float(points).is_integer() else points


def exercise_entries(spec: AssignmentSpec) -> list[ExerciseEntry]:
    """The graded exercises of a notebook in order, with the ids the renderer gives them."""
    entries: list[ExerciseEntry] = []
    auto = manual = 0
    for block in spec.blocks:
        if isinstance(block, Ex):
            auto += 1
            entries.append(ExerciseEntry(f"ex{auto:02d}", block.points, "auto", block.competencies))
        elif isinstance(block, Written):
            manual += 1
            entries.append(ExerciseEntry(f"ecrit{manual:02d}", block.points, "manual", block.competencies))
    return entries


def exercises(spec: AssignmentSpec) -> dict[str, Ex]:
    """The autograded exercises of a notebook by the id the renderer gives them (`ex01`, `ex02`…)."""
    blocks = [b for b in spec.blocks if isinstance(b, Ex)]
    return {f"ex{n:02d}": block for n, block in enumerate(blocks, start=1)}


def render_notebook(spec: AssignmentSpec) -> NotebookNode:
    """The nbgrader source notebook of an assignment (solutions and hidden tests included, no outputs)."""
    cells: list[NotebookNode] = []
    auto = manual = free = 0
    for block in spec.blocks:
        if isinstance(block, Md):
            free += 1
            cells.append(_markdown(f"texte-{free:02d}", block.text))
            if free == 1:  # right under the title
                cells.append(_markdown("autocontrole", SELF_CHECK_INTRO))
        elif isinstance(block, Code):
            free += 1
            cell_id = f"code-{free:02d}"
            # A read-only cell needs a grade_id for nbgrader to checksum and restore it: the cell id, unique and stable.
            meta = _meta(cell_id, grade=False, solution=False, locked=True) if block.locked else None
            cells.append(_code(cell_id, block.source, meta))
        elif isinstance(block, Ex):
            auto += 1
            ex = f"ex{auto:02d}"
            points = _number(block.points)
            heading = f"### Exercice {auto} — {block.title} ({points} pt{'s' if points > 1 else ''})\n\n"
            cells.append(_markdown(f"{ex}-consigne", heading + _clean(block.prompt)))
            answer = ""
            if block.template.strip():
                answer += _clean(block.template) + "\n"
            answer += "### BEGIN SOLUTION\n" + _clean(block.solution) + "\n### END SOLUTION"
            cells.append(_code(ex, answer, _meta(ex, grade=False, solution=True, locked=False)))
            # Read-only, not graded, not an answer: running it (even at grading time) can neither score nor help.
            check = f"{ex}-verifier"
            cells.append(
                _code(check, CHECK_CELL.format(exercise=ex), _meta(check, grade=False, solution=False, locked=True))
            )
            tests = (
                _clean(block.visible) + "\n\n### BEGIN HIDDEN TESTS\n" + _clean(block.hidden) + "\n### END HIDDEN TESTS"
            )
            cells.append(
                _code(
                    f"{ex}_tests", tests, _meta(f"{ex}_tests", grade=True, solution=False, locked=True, points=points)
                )
            )
        else:
            manual += 1
            ecrit = f"ecrit{manual:02d}"
            points = _number(block.points)
            heading = f"### Question écrite {manual} — {block.title} ({points} pt{'s' if points > 1 else ''})\n\n"
            prompt = (
                heading
                + _clean(block.prompt)
                + "\n\n*Répondez dans la cellule ci-dessous (corrigée par un formateur).*"
            )
            cells.append(_markdown(f"{ecrit}-consigne", prompt))
            answer = "### BEGIN SOLUTION\n" + _clean(block.answer) + "\n### END SOLUTION"
            cells.append(_markdown(ecrit, answer, _meta(ecrit, grade=True, solution=True, locked=False, points=points)))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def notebook_text(spec: AssignmentSpec) -> str:
    """The exact text stored on disk for an assignment's source notebook."""
    nb = render_notebook(spec)
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def _yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def course_yaml(spec: CourseSpec) -> str:
    """The `course.yml` manifest of a course, in the layout docs/interfaces.md shows."""
    lines = [
        "# Generated by `python -m courses.authoring.build` from courses/authoring/content: edit the source, rebuild.",
        f"id: {spec.id}",
        f"title: {_yaml_str(spec.title)}",
        f"order: {spec.order}",
        "assignments:",
    ]
    for a in spec.assignments:
        lines += [
            f"  - id: {a.id}",
            f"    title: {_yaml_str(a.title)}",
            f"    due_offset_days: {a.due_offset_days}",
            "    exercises:",
        ]
        for e in exercise_entries(a):
            comps = ", ".join(e.competencies)
            lines.append(
                f"      - {{id: {e.id}, points: {_number(e.points)}, kind: {e.kind}, competencies: [{comps}]}}"
            )
    return "\n".join(lines) + "\n"
