"""Migration `0002_progress_written_answers` on a database that already holds grades and overrides (SQLite
recreates `grades`: nothing that references it may be lost), the schema it leaves matching the models, and back."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

import progress_api.models  # noqa: F401 - every table on SQLModel.metadata
from progress_api.core.db import alembic_config, upgrade

MINE = {"grades", "written_answers", "manual_grades", "scope_versions"}


def _migrated_from_0001(tmp_path: Path) -> str:
    """A database at 0001 holding one learner's graded, overridden exercise, then migrated to every head."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    upgrade(url, revision="0001_progress_core")
    engine = create_engine(url)
    with engine.begin() as conn:
        for sql in (
            "INSERT INTO users (id, username, display_name, created_at) VALUES (1, 'a', 'A', '2026-09-01')",
            "INSERT INTO courses (id, slug, title, \"order\") VALUES (1, 'c', 'C', 0)",
            "INSERT INTO assignments (id, course_id, slug, title, points) VALUES (1, 1, 'a1', 'A1', 2)",
            "INSERT INTO exercises (id, assignment_id, slug, position, max_score, kind) "
            "VALUES (1, 1, 'e', 0, 2, 'manual')",
            "INSERT INTO submissions (id, user_id, assignment_id, attempt, submitted_at, late) "
            "VALUES (1, 1, 1, 1, '2026-09-10', 0)",
            "INSERT INTO grades (id, submission_id, exercise_id, score, max_score, kind, graded_at, override_score) "
            "VALUES (1, 1, 1, 0.5, 2, 'manual', '2026-09-10', 1.5)",
            "INSERT INTO grade_overrides (id, grade_id, by_user_id, at, old_score, new_score, reason) "
            "VALUES (1, 1, 1, '2026-09-11', 0.5, 1.5, 'mal notée')",
        ):
            conn.execute(text(sql))
    engine.dispose()
    upgrade(url)
    return url


def test_upgrade_keeps_grades_and_their_overrides_and_matches_the_models(tmp_path: Path) -> None:
    url = _migrated_from_0001(tmp_path)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT grade_id, reason FROM grade_overrides")).all() == [(1, "mal notée")]
        assert conn.execute(text("SELECT score, override_score, manual_score FROM grades")).all() == [(0.5, 1.5, None)]
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        columns = {c["name"]: c for c in inspect(conn).get_columns("grades")}
        assert columns["score"]["nullable"] is True and "manual_by_id" in columns
        assert "ix_grades_exercise_id" in {i["name"] for i in inspect(conn).get_indexes("grades")}
        context = MigrationContext.configure(conn, opts={"include_object": _mine})
        assert compare_metadata(context, SQLModel.metadata) == []  # the migration builds what the models say
    engine.dispose()


def _mine(obj: object, name: str | None, type_: str, _reflected: bool, _compare_to: object) -> bool:
    """Only the tables this migration creates or changes (other branches have their own migrations)."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in MINE


def test_downgrade_keeps_trainers_grades_and_drops_what_is_pending(tmp_path: Path) -> None:
    """Back to 0001 (which cannot hold an ungraded answer): a trainer's grade becomes the score, pending rows go."""
    url = _migrated_from_0001(tmp_path)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE grades SET score = NULL, manual_score = 2 WHERE id = 1"))
        conn.execute(
            text(
                "INSERT INTO exercises (id, assignment_id, slug, position, max_score, kind) "
                "VALUES (2, 1, 'e2', 1, 2, 'manual')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO grades (id, submission_id, exercise_id, score, max_score, kind, graded_at) "
                "VALUES (2, 1, 2, NULL, 2, 'manual', '2026-09-10')"
            )
        )
    command.downgrade(alembic_config(url), "0002_progress_written_answers-1")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, score FROM grades")).all() == [(1, 2.0)]
        assert conn.execute(text("SELECT count(*) FROM grade_overrides")).scalar() == 1
        assert "written_answers" not in inspect(conn).get_table_names()
    engine.dispose()
