"""End to end with real nbgrader, for every assignment: is each exercise graded fairly and non-vacuously?

For each assignment nbgrader generates the student version, then autogrades on the demo dataset: the reference
solution (full marks), the blank student version (zero on every autograded cell), a notebook holding the plausible
wrong answer authored next to each exercise (it passes the visible tests yet scores zero: the hidden tests catch what
the visible ones cannot) and one notebook per round of other correct answers (another shape, dtype, index or order:
visible tests pass, full marks).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from course_grading import (
    CODE_STUB,
    PROBE_PASS,
    TEXT_STUB,
    Run,
    alternative_rounds,
    assignment_ids,
    autograde,
    autograded_notebook,
    generate,
    grade_id,
    judged_alone,
    release_notebook,
    self_check_outputs,
    solved,
    visible_verdicts,
    with_answers,
    wrong_answers,
)

from courses.manifest import default_root, load_catalog

NOTEBOOK_CPU_LIMIT_S = 30  # well under a minute


@pytest.mark.slow
@pytest.mark.parametrize(("course_id", "assignment_id"), assignment_ids())
def test_assignment_grades_solution_full_blank_zero_and_wrong_answers_zero(
    course_id: str, assignment_id: str, grading_env: Path, tmp_path: Path
) -> None:
    """Does nbgrader give full marks to the solution and to other correct answers, zero to blank and wrong answers,
    and does every wrong answer pass the visible tests (so that only the hidden ones catch it)?"""
    course = next(c for c in load_catalog(default_root()) if c.id == course_id)
    assignment = course.assignment(assignment_id)
    root = generate(source_dir=course.source_dir, course_id=course_id, assignment=assignment_id, workdir=tmp_path)
    name = f"{assignment_id}.ipynb"
    source = nbformat.read(course.source_dir / assignment_id / name, as_version=4)
    release = release_notebook(root, assignment_id, name)

    # The student version holds neither solutions nor hidden tests.
    text = nbformat.writes(release)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    for cell in release.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
            assert cell.source.strip() == stub, f"{grade_id(cell)} leaks part of its solution"
    source_tests = {grade_id(c): c.source for c in source.cells if (grade_id(c) or "").endswith("_tests")}
    for cell in release.cells:
        gid = grade_id(cell)
        if gid in source_tests:
            hidden = source_tests[gid].split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0].strip()
            assert hidden and hidden not in cell.source, f"{gid} leaks its hidden tests"

    wrong = wrong_answers(course_id, assignment_id)
    rounds = alternative_rounds(course_id, assignment_id)
    submissions = {"solution": solved(release, source), "blank": release, "wrong": judged_alone(release, source, wrong)}
    for k, answers in enumerate(rounds, start=1):
        submissions[f"alternative-{k}"] = judged_alone(release, source, answers)
    runs: dict[str, Run] = {}
    scores = autograde(root=root, course_id=course_id, assignment=assignment_id, submissions=submissions, runs=runs)

    auto = [e for e in assignment.exercises if e.kind == "auto"]
    for exercise in auto:
        cell = scores["solution"][f"{exercise.id}_tests"]
        assert cell.score == cell.max_score == exercise.points, f"solution loses points on {exercise.id}"
        assert scores["blank"][f"{exercise.id}_tests"].score == 0, f"a blank notebook scores on {exercise.id}"
    # The read-only self-check cells ran in both (blank still scores zero): they never fail, and when they speak at
    # grading time (graders may silence them there) they tell a blank answer from a right one.
    checked = {s: self_check_outputs(autograded_notebook(root, s, assignment_id, name)) for s in ("solution", "blank")}
    assert set(checked["solution"]) == set(checked["blank"]) == {e.id for e in auto}
    for exercise in auto:
        (right, right_errors), (blank, blank_errors) = checked["solution"][exercise.id], checked["blank"][exercise.id]
        assert not right_errors and not blank_errors, f"check({exercise.id!r}) raised: {right_errors or blank_errors}"
        if right or blank:
            assert right != blank, f"check({exercise.id!r}) says the same for a blank and a right answer: {right}"
    verdicts = visible_verdicts(autograded_notebook(root, "wrong", assignment_id, name))
    for exercise_id in wrong:
        assert scores["wrong"][f"{exercise_id}_tests"].score == 0, f"the wrong answer to {exercise_id} is accepted"
        assert verdicts[exercise_id].startswith(PROBE_PASS), f"wrong answer to {exercise_id}: {verdicts[exercise_id]}"
    for k, answers in enumerate(rounds, start=1):
        student = f"alternative-{k}"
        verdicts = visible_verdicts(autograded_notebook(root, student, assignment_id, name))
        for exercise_id in answers:
            cell = scores[student][f"{exercise_id}_tests"]
            assert cell.score == cell.max_score, f"another correct answer to {exercise_id} is refused ({student})"
            assert verdicts[exercise_id].startswith(PROBE_PASS), f"{student} {exercise_id}: {verdicts[exercise_id]}"
    for exercise in assignment.exercises:
        if exercise.kind == "manual":
            assert scores["solution"][exercise.id].max_score == exercise.points
    # The reference solution runs in well under a minute. CPU seconds, not wall clock: the shared CI machine may be
    # busy, and a notebook that needs more than the limit in CPU cannot be well under a minute anywhere.
    solution_run = runs["solution"]
    assert 0 < solution_run.cpu_s < NOTEBOOK_CPU_LIMIT_S, f"solution used {solution_run.cpu_s:.1f} CPU s"
    print({student: f"{run.wall_s:.1f}s wall, {run.cpu_s:.1f}s CPU" for student, run in runs.items()})


@pytest.mark.slow
@pytest.mark.parametrize(("course_id", "assignment_id"), assignment_ids())
def test_solution_passes_every_test_on_a_dataset_of_another_seed_and_size(
    course_id: str, assignment_id: str, other_dataset: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Do the reference solutions still pass every visible and hidden test when the data changes?"""
    from nbclient import NotebookClient

    monkeypatch.setenv("ACADEMY_DATASETS", str(other_dataset))
    course = next(c for c in load_catalog(default_root()) if c.id == course_id)
    nb = nbformat.read(course.source_dir / assignment_id / f"{assignment_id}.ipynb", as_version=4)
    NotebookClient(nb, timeout=120, allow_errors=True, kernel_name="python3").execute()
    errors = [
        f"{cell['id']}: {out['ename']}: {out['evalue'][:200]}"
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert errors == []


@pytest.mark.slow
def test_an_edited_setup_cell_is_restored_before_grading_and_cannot_change_the_grade(
    grading_env: Path, tmp_path: Path
) -> None:
    """Can a learner who edits a protected setup cell (the threshold the hidden tests use) pass a lazy answer?

    The submission raises SEUIL_VOLUME so that no line is ever "impossible", and answers "no alert anywhere".
    Graded as the platform grades (nbgrader's OverwriteCells restores the protected cell), it gets exactly the grade
    of the same answers without the edit, the lazy exercise scoring zero; the control run, without the restore,
    shows the edit would otherwise have fooled the hidden tests.
    """
    course_id, assignment_id = "c06-fraude", "a01-regles-metier"
    course = next(c for c in load_catalog(default_root()) if c.id == course_id)
    root = generate(source_dir=course.source_dir, course_id=course_id, assignment=assignment_id, workdir=tmp_path)
    name = f"{assignment_id}.ipynb"
    source = nbformat.read(course.source_dir / assignment_id / name, as_version=4)
    release = release_notebook(root, assignment_id, name)
    setup = next(c for c in release.cells if grade_id(c) == "code-02")
    assert setup.metadata["nbgrader"]["locked"] and setup.metadata.get("editable") is False, "setup cell not read-only"
    assert "SEUIL_VOLUME = 60" in setup.source

    lazy = with_answers(release, source, {"ex04": "alerte_volume = pd.Series(False, index=claims.index)"})
    tampered = nbformat.from_dict(lazy)
    edited = next(c for c in tampered.cells if grade_id(c) == "code-02")
    edited.source = edited.source.replace("SEUIL_VOLUME = 60", "SEUIL_VOLUME = 10**9")

    graded = autograde(
        root=root, course_id=course_id, assignment=assignment_id, submissions={"lazy": lazy, "tampered": tampered}
    )
    assert graded["tampered"] == graded["lazy"], "editing the setup cell changed the grade"
    assert graded["tampered"]["ex04_tests"].score == 0
    executed = autograded_notebook(root, "tampered", assignment_id, name)
    assert next(c for c in executed.cells if grade_id(c) == "code-02").source == setup.source

    control = autograde(
        root=root,
        course_id=course_id,
        assignment=assignment_id,
        submissions={"unprotected": tampered},
        overwrite_cells=False,
    )
    ex04 = next(e for e in course.assignment(assignment_id).exercises if e.id == "ex04")
    unprotected = control["unprotected"]["ex04_tests"].score
    assert unprotected == ex04.points, "the edit should fool a grader that does not restore protected cells"
