"""Fixtures of the grading tests: a private platform directory with the fixture course, and learner submissions.

`make_submission` writes what a learner would hand in: the released student notebook with its answer cells
replaced by the code given (right, wrong or hostile), in nbgrader's `submitted/<student>/<assignment>/` layout.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

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
