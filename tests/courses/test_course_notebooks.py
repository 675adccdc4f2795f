"""Static checks of the committed curriculum (cheap, no kernel): clean notebooks, manifests that agree with them."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest
from course_grading import alternative_rounds, assignment_ids, wrong_answers

from courses import checks
from courses.authoring.build import stale_files
from courses.manifest import Course, default_root, load_catalog, load_competencies

ROOT = default_root()
CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
MIN_AUTO_EXERCISES = 60
REQUIRED_COURSES = 8


def _course(course_id: str) -> Course:
    return next(c for c in load_catalog(ROOT) if c.id == course_id)


def _notebook(course_id: str, assignment_id: str) -> tuple[Path, nbformat.NotebookNode]:
    path = _course(course_id).source_dir / assignment_id / f"{assignment_id}.ipynb"
    return path, nbformat.read(path, as_version=4)


def _nbgrader(cell: nbformat.NotebookNode) -> dict[str, object]:
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def test_committed_notebooks_and_manifests_match_their_authoring_sources() -> None:
    """Is every generated file up to date with courses/authoring/content (no hand edit, no forgotten rebuild)?"""
    assert stale_files(ROOT) == []


def test_catalogue_has_eight_courses_and_at_least_sixty_autograded_exercises() -> None:
    """Does the curriculum cover the eight courses with enough autograded and written exercises?"""
    catalog = load_catalog(ROOT)
    assert len(catalog) >= REQUIRED_COURSES
    exercises = [e for c in catalog for a in c.assignments for e in a.exercises]
    assert sum(e.kind == "auto" for e in exercises) >= MIN_AUTO_EXERCISES
    assert sum(e.kind == "manual" for e in exercises) >= REQUIRED_COURSES
    assert all(a.due_offset_days > 0 for c in catalog for a in c.assignments)


def test_every_course_exercise_trains_declared_competencies() -> None:
    """Are all competencies used by the courses declared once in competencies.yml, and is each one used?"""
    competencies = load_competencies(ROOT)
    used = {k for c in load_catalog(ROOT) for a in c.assignments for e in a.exercises for k in e.competencies}
    assert used <= set(competencies)
    assert set(competencies) - used == set(), "declared competencies no exercise trains"


@pytest.mark.parametrize(("course_id", "assignment_id"), assignment_ids())
def test_notebook_is_stored_clean(course_id: str, assignment_id: str) -> None:
    """Is the notebook free of outputs and execution counts, with unique stable ids and a python3 kernel?"""
    path, nb = _notebook(course_id, assignment_id)
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["nbformat"] == 4 and raw["nbformat_minor"] >= 5
    assert nb.metadata.kernelspec.name == "python3"
    ids = [cell["id"] for cell in nb.cells]
    assert len(ids) == len(set(ids)) and all(CELL_ID.match(i) for i in ids)
    for cell in nb.cells:
        assert set(cell.metadata) <= {"nbgrader"}, f"{cell['id']}: stray metadata {set(cell.metadata)}"
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{cell['id']} has outputs"
    nbformat.validate(nb)


@pytest.mark.parametrize(("course_id", "assignment_id"), assignment_ids())
def test_manifest_agrees_with_notebook_cells(course_id: str, assignment_id: str) -> None:
    """Does every manifest exercise exist in the notebook with the same points, and nothing more?"""
    _, nb = _notebook(course_id, assignment_id)
    assignment = _course(course_id).assignment(assignment_id)
    graded: dict[str, float] = {}
    answers: set[str] = set()
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if not meta:
            continue
        gid = str(meta["grade_id"])
        if meta.get("solution"):
            answers.add(gid)
        if meta.get("grade"):
            graded[gid] = float(meta["points"])  # type: ignore[arg-type]
    expected: dict[str, float] = {}
    for exercise in assignment.exercises:
        if exercise.kind == "auto":
            expected[f"{exercise.id}_tests"] = exercise.points
            assert exercise.id in answers, f"{exercise.id} has no answer cell"
        else:
            expected[exercise.id] = exercise.points
    assert graded == expected


def _bound_names(source: str) -> set[str]:
    """Names a cell binds at top level (assignments, imports, functions, classes)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


@pytest.mark.parametrize(("course_id", "assignment_id"), assignment_ids())
def test_setup_code_cells_are_read_only_nbgrader_cells(course_id: str, assignment_id: str) -> None:
    """Is every provided code cell (data, helpers, constants the tests rely on) locked, so grading restores it?

    A learner who edits `SEUIL_VOLUME` or `fabriquer_extrait()` must not change what the hidden tests expect. The
    only unlocked provided cells are scratch cells that bind no name, so no test can depend on them.
    """
    _, nb = _notebook(course_id, assignment_id)
    locked = 0
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type != "code" or meta.get("solution") or meta.get("grade"):
            continue
        if meta:
            assert meta["locked"] is True and meta["grade_id"] == cell["id"], f"{cell['id']}: not a read-only cell"
            assert meta["solution"] is False and meta["grade"] is False and "points" not in meta
            locked += 1
        else:
            assert _bound_names(cell.source) == set(), f"{cell['id']} is editable but defines names tests may use"
    assert locked >= 1, "the notebook's setup cell must be read-only"


def _read_names(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _calls_any(tree: ast.AST, functions: set[str]) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in functions for n in ast.walk(tree)
    )


def _learner_tables(setup_sources: list[str]) -> set[str]:
    """Lower-case names the setup cells bind to data (read by `load`, directly, through a helper or derived).

    A learner may filter or modify these tables in place, so hidden tests must not compute expected values from
    them. Upper-case names are constants computed once in a read-only cell (ANNEE, SEUIL_VOLUME…): allowed.
    """
    loaders, tables = {"load"}, set()
    for source in setup_sources:
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and _calls_any(node, loaders):
                loaders.add(node.name)
            elif isinstance(node, ast.Assign) and (_calls_any(node.value, loaders) or _read_names(node.value) & tables):
                targets = {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
                tables |= {name for name in targets if not name.isupper()}
    return tables


def _asserts(tree: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Assert)
        or (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id.startswith("assert_"))
        for n in ast.walk(tree)
    )


@pytest.mark.parametrize(("course_id", "assignment_id"), assignment_ids())
def test_each_exercise_offers_a_self_check_that_cannot_count_as_an_answer(course_id: str, assignment_id: str) -> None:
    """Does the notebook explain the self-check under its title, and is every answer followed by a read-only
    `check("exNN")` cell whose visible tests bind no name an answer defines (running them cannot fill one in)?"""
    _, nb = _notebook(course_id, assignment_id)
    assert [c["id"] for c in nb.cells[:2]] == ["texte-01", "autocontrole"], "the self-check intro must follow the title"
    assert 'check("ex01")' in nb.cells[1].source and nb.cells[1].cell_type == "markdown"
    answer_names: set[str] = set()
    visible_names: set[str] = set()
    for i, cell in enumerate(nb.cells):
        meta = _nbgrader(cell)
        gid = str(meta.get("grade_id", ""))
        if meta.get("solution") and cell.cell_type == "code":
            answer_names |= _bound_names(cell.source)
            check = nb.cells[i + 1]
            assert check["id"] == f"{gid}-verifier", f"{gid} is not followed by its self-check cell"
            assert f'check("{gid}");' in check.source and "from graders.selfcheck import check" in check.source
            check_meta = _nbgrader(check)
            assert check_meta["locked"] and not check_meta["solution"] and not check_meta["grade"]
            assert nb.cells[i + 2]["id"] == f"{gid}_tests"
        if meta.get("grade") and cell.cell_type == "code":
            visible_names |= _bound_names(cell.source.partition("### BEGIN HIDDEN TESTS")[0])
    assert not visible_names & answer_names, f"visible tests define answer names {sorted(visible_names & answer_names)}"


@pytest.mark.parametrize(("course_id", "assignment_id"), assignment_ids())
def test_solutions_and_hidden_tests_are_marked_and_data_driven(course_id: str, assignment_id: str) -> None:
    """Does each answer cell hold a delimited solution, and each test cell visible and hidden tests that look at the
    answer, assert something, and never take expected values from the learner's own (modifiable) tables?"""
    _, nb = _notebook(course_id, assignment_id)
    setup = [
        c.source
        for c in nb.cells
        if c.cell_type == "code" and _nbgrader(c).get("locked") and not _nbgrader(c).get("grade")
    ]
    tables = _learner_tables(setup)
    assert tables, "the setup cells load no table"
    answers: dict[str, set[str]] = {}
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
            if cell.cell_type == "code":
                answers[str(meta["grade_id"])] = _bound_names(cell.source)
        if meta.get("grade") and cell.cell_type == "code":
            gid = str(meta["grade_id"])
            visible, _, rest = cell.source.partition("### BEGIN HIDDEN TESTS")
            hidden = ast.parse(rest.partition("### END HIDDEN TESTS")[0])
            answer = answers[gid.removesuffix("_tests")]
            assert _read_names(ast.parse(visible)) & answer, f"{gid}: the visible tests do not look at the answer"
            assert _read_names(hidden) & answer, f"{gid}: the hidden tests do not look at the answer"
            assert _asserts(hidden), f"{gid}: the hidden part asserts nothing"
            leaked = _read_names(hidden) & tables
            assert not leaked, f"{gid}: hidden tests read the learner's tables {sorted(leaked)}: use reference(...)"


@pytest.mark.parametrize(("course_id", "assignment_id"), assignment_ids())
def test_each_test_cell_imports_the_check_helpers_it_uses(course_id: str, assignment_id: str) -> None:
    """Does a test cell import its own helpers, so that an earlier failing cell cannot break it?"""
    _, nb = _notebook(course_id, assignment_id)
    helpers = set(checks.__all__)
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if not (meta.get("grade") and cell.cell_type == "code"):
            continue
        tree = ast.parse(cell.source)
        imported = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "courses.checks"
            for alias in node.names
        }
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} & helpers
        assert used <= imported, f"{meta['grade_id']} uses {sorted(used - imported)} without importing them"


@pytest.mark.parametrize(("course_id", "assignment_id"), assignment_ids())
def test_every_autograded_exercise_has_a_wrong_answer_authored_next_to_it(course_id: str, assignment_id: str) -> None:
    """Does each autograded exercise carry a plausible wrong answer (valid Python, not the solution itself)?

    The grading test then proves each one passes the visible tests and fails the hidden ones.
    """
    assignment = _course(course_id).assignment(assignment_id)
    auto = {e.id for e in assignment.exercises if e.kind == "auto"}
    wrong = wrong_answers(course_id, assignment_id)
    assert set(wrong) == auto
    _, nb = _notebook(course_id, assignment_id)
    solutions = {
        _nbgrader(c)["grade_id"]: ast.dump(ast.parse(c.source))
        for c in nb.cells
        if _nbgrader(c).get("solution") and c.cell_type == "code"
    }
    for exercise_id, code in wrong.items():
        assert code.strip(), f"{exercise_id} has no wrong answer"
        tree = ast.parse(code, filename=f"{course_id}/{assignment_id}/{exercise_id}")
        assert ast.dump(tree) != solutions[exercise_id], f"{exercise_id}: the wrong answer is the solution"
    for answers in alternative_rounds(course_id, assignment_id):
        assert set(answers) <= auto
        for exercise_id, code in answers.items():
            ast.parse(code, filename=f"{course_id}/{assignment_id}/{exercise_id}")


@pytest.mark.parametrize(("course_id", "assignment_id"), assignment_ids())
def test_notebook_reads_data_only_through_the_public_loader(course_id: str, assignment_id: str) -> None:
    """Do notebooks avoid reading files directly or importing generator internals?"""
    _, nb = _notebook(course_id, assignment_id)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "from datasets_synthetic import load" in code
    assert not re.search(r"read_parquet|read_csv|open\(|datasets_synthetic\.\w+\.", code)
