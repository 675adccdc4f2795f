"""Every real course assignment through our grader (`graders.autograde` in the sandbox), not only stock nbgrader.

The courses' own tests grade with stock nbgrader (tests/courses); the grader's other tests use a fixture course.
Here each assignment of the catalogue is released by `graders.release` and three submissions are graded in one
autograde run on one warm sandbox pool shared by the whole module: the source's solution (full automatic marks,
no incident), the blank student version (zero on every autograded cell, no incident) and the solution with its
provided code (`code-NN`) and a self-check cell (`exNN-verifier`) tampered with (restored, so full marks; the
incidents are labelled for publish). Feedback must hold no hidden test, and the self-check cells stay silent.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook

from courses.manifest import default_root, load_catalog
from graders import autograde, feedback, publish, release
from graders.config import GraderSettings, SandboxLimits
from graders.coursedir import course_root, gradebook_url
from graders.sandbox.pool import SandboxPool
from tests.courses.course_grading import assignment_ids, grade_id, solved

pytestmark = pytest.mark.slow

# Harness limits, generous on purpose: this test is about grading correctly, not about the time limits (which
# test_grading_autograde.py covers); the slowest reference solution needs ~6 CPU-s, and the machine is shared.
LIMITS = SandboxLimits(cell_timeout_s=120, total_timeout_s=600)
TAMPERED_CODE = '\nraise RuntimeError("code fourni modifié par l\'apprenant")'
TAMPERED_CHECK = 'raise RuntimeError("vérification modifiée par l\'apprenant")'
SUBMISSIONS = ("solution", "blank", "tampered")


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, demo_dataset: Path) -> Iterator[dict[str, Any]]:
    """One grading platform directory (the real catalogue, the demo dataset) and one warm pool for every
    assignment: the pool's start-up (importing the scientific stack) is paid once."""
    home = tmp_path_factory.mktemp("courses-through-grader") / "home"
    settings = GraderSettings(home=home, datasets=demo_dataset, courses_root=default_root(), workers=2)
    pool = SandboxPool(
        workers=settings.workers,
        limits=LIMITS,
        datasets=settings.datasets_dir,
        hidden=[settings.grading_dir, settings.exchange_dir, settings.home],
    )
    timings: dict[str, float] = {}
    try:
        yield {"settings": settings, "pool": pool, "timings": timings}
    finally:
        pool.close()
        print("grading time per assignment (3 submissions):", {k: f"{v:.1f}s" for k, v in timings.items()})


def _tampered(release_nb: NotebookNode, source: NotebookNode) -> NotebookNode:
    """The solution with the first provided code cell and the first self-check cell edited by the learner."""
    nb = solved(release_nb, source)
    code = next(c for c in nb.cells if (grade_id(c) or "").startswith("code-"))
    code.source += TAMPERED_CODE
    check = next(c for c in nb.cells if (grade_id(c) or "").endswith("-verifier"))
    check.source = TAMPERED_CHECK
    return nb


def _submit(settings: GraderSettings, course: str, assignment: str, student: str, nb: NotebookNode) -> None:
    folder = course_root(settings, course) / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "timestamp.txt").write_text(datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    nbformat.write(nb, folder / f"{assignment}.ipynb")


def _scores(settings: GraderSettings, course: str, assignment: str, student: str) -> dict[str, float | None]:
    with Gradebook(gradebook_url(settings, course), course_id=course) as gb:
        notebook = gb.find_submission_notebook(assignment, assignment, student)
        return {g.name: g.auto_score for g in notebook.grades}


def _visible_text(page: str) -> str:
    """What a learner reads in a feedback page: the HTML without its tags (code is split in highlighting spans)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _secret_lines(source: NotebookNode, release_nb: NotebookNode) -> list[str]:
    """Lines of the hidden tests and of the solutions that the student version does not show anyway (an
    instruction may quote a line of the solution)."""
    shown = "\n".join(cell.source for cell in release_nb.cells)
    secret: list[str] = []
    for cell in source.cells:
        inside = False
        for line in cell.source.splitlines():
            if re.search(r"### BEGIN (HIDDEN TESTS|SOLUTION)", line):
                inside = True
            elif re.search(r"### END (HIDDEN TESTS|SOLUTION)", line):
                inside = False
            elif inside and len(line.strip()) >= 12 and line.strip() not in shown:
                secret.append(line.strip())
    return secret


@pytest.mark.parametrize(("course_id", "assignment_id"), assignment_ids())
def test_real_assignment_grades_through_the_sandbox(
    course_id: str, assignment_id: str, platform: dict[str, Any]
) -> None:
    """Does our grader give the solution full automatic marks and the blank version zero, with no incident, on a
    real assignment; are edits of provided code and self-check cells restored and labelled; does the feedback
    hold no hidden test, and do the self-check cells print nothing at grading time?"""
    settings: GraderSettings = platform["settings"]
    course = next(c for c in load_catalog(default_root()) if c.id == course_id)
    manifest = course.assignment(assignment_id)
    release.main(course=course_id, assignment=assignment_id, settings=settings, exchange=False)
    name = f"{assignment_id}.ipynb"
    source = nbformat.read(course.source_dir / assignment_id / name, as_version=4)
    release_nb = nbformat.read(course_root(settings, course_id) / "release" / assignment_id / name, as_version=4)
    assert "VOTRE CODE ICI" in nbformat.writes(release_nb)  # the courses' French stubs, not nbgrader's English
    submissions = {
        "solution": solved(release_nb, source),
        "blank": release_nb,
        "tampered": _tampered(release_nb, source),
    }
    for student, nb in submissions.items():
        _submit(settings, course_id, assignment_id, student, nb)

    started = time.monotonic()
    summary = autograde.main(
        course=course_id,
        assignment=assignment_id,
        settings=settings,
        limits=LIMITS,
        pool=platform["pool"],
        show_progress=False,
    )
    done = feedback.main(
        course=course_id, assignment=assignment_id, settings=settings, release=False, show_progress=False
    )
    platform["timings"][f"{course_id}/{assignment_id}"] = time.monotonic() - started

    results = {r.student: r for r in summary.results}
    assert sorted(results) == sorted(SUBMISSIONS) and not summary.pipeline_failed
    assert done == dict.fromkeys(SUBMISSIONS, "generated")
    auto = [e for e in manifest.exercises if e.kind == "auto"]
    points = sum(e.points for e in auto)
    for student in ("solution", "blank"):
        assert results[student].incidents == [], f"{student}: {results[student].reasons}"
    for student in ("solution", "tampered"):
        scores = _scores(settings, course_id, assignment_id, student)
        lost = {e.id: scores[f"{e.id}_tests"] for e in auto if scores[f"{e.id}_tests"] != e.points}
        assert not lost, f"{student} loses points: {lost} ({results[student].reasons})"
    assert results["solution"].score == points  # written answers await a trainer: no automatic score
    blank = _scores(settings, course_id, assignment_id, "blank")
    assert {e.id: blank[f"{e.id}_tests"] for e in auto} == {e.id: 0 for e in auto}
    assert all(blank[e.id] == 0 for e in manifest.exercises if e.kind == "manual")  # unchanged stub: nbgrader's 0

    # Edited provided code concerns the whole assignment (no exercise); an edited self-check cell, its exercise.
    code_cell = next(grade_id(c) for c in release_nb.cells if (grade_id(c) or "").startswith("code-"))
    check_cell = next(grade_id(c) for c in release_nb.cells if (grade_id(c) or "").endswith("-verifier"))
    checked = str(check_cell).removesuffix("-verifier")
    found = {(i["code"], i["cell"], i["exercise"]) for i in results["tampered"].incidents}
    assert found == {("cell_edited", code_cell, None), ("cell_edited", check_cell, checked)}
    rows = publish.grade_rows(settings=settings, course=course_id, assignment=assignment_id, student="tampered")
    code_reason = next(i["reason"] for i in results["tampered"].incidents if i["cell"] == code_cell)
    check_reason = next(i["reason"] for i in results["tampered"].incidents if i["cell"] == check_cell)
    assert "commune à tous les exercices" in code_reason
    assert rows and all(code_reason in (r["comment"] or "") for r in rows)
    assert [r["exercise"] for r in rows if check_reason in (r["comment"] or "")] == [checked]

    # Feedback: neither hidden tests nor (for the blank version) solutions; self-check cells silent when graded.
    secrets = _secret_lines(source, release_nb)
    assert secrets
    for student in SUBMISSIONS:
        page = course_root(settings, course_id) / "feedback" / student / assignment_id / name.replace(".ipynb", ".html")
        text = _visible_text(page.read_text(encoding="utf-8"))
        own = "\n".join(c.source for c in submissions[student].cells)
        leaked = [line for line in secrets if line in text and line not in own]
        assert not leaked, f"feedback of {student} shows hidden tests or solutions: {leaked[:3]}"
        assert "BEGIN HIDDEN TESTS" not in text and "Je ne trouve pas" not in text
        graded = nbformat.read(
            course_root(settings, course_id) / "autograded" / student / assignment_id / name, as_version=4
        )
        spoke = [grade_id(c) for c in graded.cells if (grade_id(c) or "").endswith("-verifier") and c.outputs]
        assert spoke == [], f"self-check cells printed at grading time ({student}): {spoke}"


def _verdicts(nb: NotebookNode, folder: Path) -> dict[str, str]:
    """Run `nb` as a learner's kernel does (its folder as working directory, no grading variable), return what
    each self-check cell printed, by exercise."""
    from nbclient import NotebookClient

    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "notebook.ipynb")
    client = NotebookClient(
        nb, timeout=120, allow_errors=True, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return {
        str(grade_id(c)).removesuffix("-verifier"): "".join(o.get("text", "") for o in c.outputs).strip()
        for c in nb.cells
        if (grade_id(c) or "").endswith("-verifier")
    }


@pytest.mark.parametrize(("course_id", "assignment_id"), assignment_ids())
def test_self_check_tells_a_learner_right_from_blank_on_a_real_assignment(
    course_id: str, assignment_id: str, platform: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a learner's kernel (not graded), does every `check("exNN")` cell of the student version say ✅ to the
    reference solution and, to a blank answer, that its variable is not defined yet (no raw NameError)?"""
    settings: GraderSettings = platform["settings"]
    for name in ("NBGRADER_EXECUTION", "JUPYTERHUB_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ACADEMY_DATASETS", str(settings.datasets_dir))
    course = next(c for c in load_catalog(default_root()) if c.id == course_id)
    name = f"{assignment_id}.ipynb"
    released = course_root(settings, course_id) / "release" / assignment_id / name
    if not released.exists():  # this assignment's grading test did not run first (e.g. -k)
        release.main(course=course_id, assignment=assignment_id, settings=settings, exchange=False)
    release_nb = nbformat.read(released, as_version=4)
    source = nbformat.read(course.source_dir / assignment_id / name, as_version=4)
    right = _verdicts(solved(release_nb, source), tmp_path / "right" / course_id / assignment_id)
    blank = _verdicts(release_nb, tmp_path / "blank" / course_id / assignment_id)
    auto = [e.id for e in course.assignment(assignment_id).exercises if e.kind == "auto"]
    assert sorted(right) == sorted(blank) == sorted(auto)
    wrong = {ex: said for ex, said in right.items() if not said.startswith(f"✅ {ex} :")}
    assert not wrong, f"check() refuses the reference solution: {wrong}"
    unhelpful = {ex: said for ex, said in blank.items() if "n'est pas encore définie" not in said}
    assert not unhelpful, f"check() on a blank answer: {unhelpful}"
