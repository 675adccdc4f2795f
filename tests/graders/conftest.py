"""Fixtures of the grading tests: a private platform directory with the fixture course, and learner submissions.

`make_submission` writes what a learner would hand in: the released student notebook with its answer cells
replaced by the code given (right, wrong or hostile), in nbgrader's `submitted/<student>/<assignment>/` layout.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
import pytest

from graders.config import GraderSettings, SandboxLimits

FIXTURES = Path(__file__).parent / "fixtures"
COURSE = "c99-fixture"
ASSIGNMENT = "a01-fixture"

RIGHT = {
    "ex01": "nb_membres = len(membres)",
    "ex02": "def montant_moyen(df):\n    return float(df['montant_rembourse'].mean())",
}
WRONG = {
    "ex01": "nb_membres = 3",
    "ex02": "def montant_moyen(df):\n    return 1.0",
}


def make_settings(root: Path, **overrides: object) -> GraderSettings:
    """Settings for a fresh platform directory under `root`, with the fixture course as the catalogue."""
    courses = root / "courses"
    if not courses.exists():
        shutil.copytree(FIXTURES / "courses", courses)
    values: dict[str, object] = {
        "home": root / "home",
        "exchange": root / "home" / "exchange",
        "grading": root / "home" / "grading",
        "datasets": root / "datasets",
        "courses_root": courses,
        "workers": 2,
        "grader_token": None,
        **overrides,
    }
    return GraderSettings(**values)  # type: ignore[arg-type]


def settings_env(settings: GraderSettings) -> dict[str, str]:
    """The same settings as ACADEMY_* variables, for the CLI run in a subprocess."""
    return {
        "ACADEMY_HOME": str(settings.home),
        "ACADEMY_EXCHANGE": str(settings.exchange_dir),
        "ACADEMY_GRADING": str(settings.grading_dir),
        "ACADEMY_DATASETS": str(settings.datasets_dir),
        "ACADEMY_COURSES_ROOT": str(settings.courses_root),
        "ACADEMY_WORKERS": str(settings.workers),
        "ACADEMY_PROGRESS_URL": settings.progress_url,
        **({"ACADEMY_GRADER_TOKEN": settings.grader_token} if settings.grader_token else {}),
    }


def write_submission(
    settings: GraderSettings,
    student: str,
    answers: dict[str, str],
    *,
    edit: Callable[[nbformat.NotebookNode], None] | None = None,
    raw: str | None = None,
) -> Path:
    """`submitted/<student>/a01-fixture/devoir.ipynb` with `answers` (grade_id -> code) and optional edits."""
    folder = settings.grading_dir / COURSE / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "timestamp.txt").write_text(datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    path = folder / "devoir.ipynb"
    if raw is not None:
        path.write_text(raw)
        return path
    nb = student_notebook(settings)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    if edit is not None:
        edit(nb)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def settings(tmp_path: Path) -> GraderSettings:
    """Settings pointing at a fresh platform directory, with the fixture course as the course catalogue."""
    return make_settings(tmp_path)


@pytest.fixture
def limits() -> SandboxLimits:
    """Tight limits so hostile submissions are cut quickly."""
    return SandboxLimits(cell_timeout_s=3, total_timeout_s=30, memory_mb=1024, max_processes=40)


@pytest.fixture
def released(settings: GraderSettings) -> GraderSettings:
    """The fixture assignment generated (gradebook + student version), not yet in any exchange."""
    from graders import release

    release.main(course=COURSE, assignment=ASSIGNMENT, settings=settings, exchange=False)
    return settings


def student_notebook(settings: GraderSettings) -> nbformat.NotebookNode:
    path = settings.grading_dir / COURSE / "release" / ASSIGNMENT / "devoir.ipynb"
    return nbformat.read(path, as_version=4)


@pytest.fixture
def make_submission(released: GraderSettings) -> Iterator[Callable[..., Path]]:
    """Write a learner's submission into `submitted/` (see `write_submission`)."""

    def make(student: str, answers: dict[str, str], **kwargs: object) -> Path:
        return write_submission(released, student, answers, **kwargs)  # type: ignore[arg-type]

    yield make


def result_json(settings: GraderSettings, student: str) -> dict[str, object]:
    path = settings.grading_dir / COURSE / "academy" / "results" / ASSIGNMENT / f"{student}.json"
    return dict(json.loads(path.read_text()))


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The hostile cohort (tests/graders/cohort.py), graded once per test run and shared by every module and
    xdist worker through a file lock; a loopback TCP listener records whether any submission reached it."""
    from tests.graders.cohort import grade_cohort

    base = tmp_path_factory.getbasetemp()
    # With xdist every worker has base/popen-gwN and their parent is per run; without it, base itself is.
    root = (base.parent if base.name.startswith("popen-") else base) / "graders-cohort"
    with open(str(root) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "run.json").exists():
            root.mkdir(exist_ok=True)
            with socket.socket() as listener:  # a TCP server on loopback that no submission may reach
                listener.bind(("127.0.0.1", 0))
                listener.listen(16)
                listener.setblocking(False)
                run = grade_cohort(root, listener.getsockname()[1])
                try:
                    listener.accept()
                    run["accepted"] = True
                except BlockingIOError:
                    run["accepted"] = False
            (root / "run.json").write_text(json.dumps(run))
        fcntl.flock(lock, fcntl.LOCK_UN)
    run = json.loads((root / "run.json").read_text())
    settings = make_settings(root)
    results = {}
    for path in (settings.grading_dir / COURSE / "academy" / "results" / ASSIGNMENT).glob("*.json"):
        results[path.stem] = json.loads(path.read_text())
    alice_nb = settings.grading_dir / COURSE / "submitted" / "alice" / ASSIGNMENT / "devoir.ipynb"
    return {**run, "results": results, "settings": settings, "alice_nb": alice_nb}


def codes(cohort: dict[str, Any], student: str) -> set[str]:
    """The incident codes of one learner of the cohort."""
    return {i["code"] for i in cohort["results"][student]["incidents"]}


def reason(cohort: dict[str, Any], student: str, code: str) -> str:
    """The French reason a learner of the cohort reads for the incident `code`."""
    return str(next(i["reason"] for i in cohort["results"][student]["incidents"] if i["code"] == code))
