"""One place that turns our settings into nbgrader's configuration for a course (layout, exchange, gradebook)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

from courses.stubs import CODE_STUB, TEXT_STUB
from graders.config import GraderSettings


def _venv_on_path() -> None:
    """nbgrader's gradebook shells out to `alembic`: make the interpreter's own bin directory findable."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


_venv_on_path()


def course_root(settings: GraderSettings, course: str) -> Path:
    return settings.grading_dir / course


def gradebook_url(settings: GraderSettings, course: str) -> str:
    """PostgreSQL (or any SQLAlchemy URL) when configured, else one SQLite file per course made safe for one machine.

    nbgrader keys every row by course id, so one PostgreSQL database serves every course. For SQLite, WAL lets
    formgrader read while the grader writes, and the busy timeout makes a concurrent writer wait instead of failing;
    our own pipeline only ever writes from the parent process, one notebook at a time.
    """
    if settings.gradebook_url:
        return settings.gradebook_url
    path = course_root(settings, course) / "gradebook.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
    return f"sqlite:///{path}?timeout=30"


def _sanitize_preprocessors() -> list[type]:
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    from graders.repair import RepairMetadata

    # nbgrader's sanitizing pass, with tampered metadata put back first (it would make the converter fail).
    return [RepairMetadata, ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]


def nbgrader_config(settings: GraderSettings, course: str) -> Config:
    """nbgrader's traitlets config for `course`: our directories, the multi-course exchange, our preprocessors."""
    from graders.preprocessors import HideHiddenTests, SandboxExecute

    c = Config()
    c.CourseDirectory.root = str(course_root(settings, course))
    c.CourseDirectory.course_id = course
    c.CourseDirectory.db_url = gradebook_url(settings, course)
    c.Exchange.root = str(settings.exchange_dir)
    c.Exchange.path_includes_course = True
    c.Exchange.timezone = "Europe/Paris"
    # Learners read French: the student version's answer cells get the courses' stubs, not nbgrader's English ones.
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.text_stub = TEXT_STUB
    # Collect skips inbound submissions refused by the owner check (graders/owners.py).
    c.ExchangeFactory.collect = "graders.owners.VettedCollect"
    # Deleted test cells come back from the gradebook (and the learner is told), instead of silently scoring 0.
    c.OverwriteCells.add_missing_cells = True
    c.OverwriteCells.missing_cell_notification = (
        "Cette cellule (id:{cell_id}) manquait dans votre rendu : elle a été remise par la correction.\n\n"
    )
    c.LimitOutput.max_lines = 200
    c.LimitOutput.max_traceback = 40
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        GetGrades,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    c.Autograde.sanitize_preprocessors = _sanitize_preprocessors()
    c.Autograde.autograde_preprocessors = [
        SandboxExecute,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    # nbgrader shows hidden tests in feedback by default (#917): ours removes them and their outputs first.
    c.GenerateFeedback.preprocessors = [HideHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
    return c


def nbgrader_api(settings: GraderSettings, course: str) -> NbGraderAPI:
    config = nbgrader_config(settings, course)
    settings.exchange_dir.mkdir(parents=True, exist_ok=True)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


def sync_source(settings: GraderSettings, course: str, assignment: str) -> Path:
    """Copy the authored notebooks (courses/<course>/source/<assignment>) into the nbgrader course directory."""
    src = settings.courses_root / course / "source" / assignment
    if not src.is_dir():
        raise FileNotFoundError(f"no source assignment at {src}")
    dest = course_root(settings, course) / "source" / assignment
    shutil.copytree(src, dest, dirs_exist_ok=True)
    return dest
