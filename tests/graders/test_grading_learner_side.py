"""Learner-side pieces and the gradebook: the learner's nbgrader config, self-check without the hub, databases."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from graders import autograde, release, selfcheck
from graders.config import GraderSettings, SandboxLimits
from graders.coursedir import gradebook_url
from graders.learner_config import render
from tests.graders.conftest import (
    ASSIGNMENT,
    COURSE,
    RIGHT,
    WRONG,
    make_settings,
    student_notebook,
    write_submission,
)


def test_learner_config_points_at_the_shared_exchange(tmp_path: Path) -> None:
    """The rendered file is valid nbgrader config: exchange root, one folder per course."""
    text = render(exchange=tmp_path / "exchange", courses=["c02", "c01"])
    config = Config()
    exec(compile(text, "nbgrader_config.py", "exec"), {"get_config": lambda: config})
    assert config.Exchange.root == str(tmp_path / "exchange")
    assert config.Exchange.path_includes_course is True
    assert config.CourseDirectory.course_id == ""
    assert "['c01', 'c02']" in text


@pytest.fixture
def learner_notebook(released: GraderSettings, tmp_path: Path) -> Path:
    """The released student notebook, where a learner would have it (~/<course>/<assignment>/)."""
    path = tmp_path / "learner" / COURSE / ASSIGNMENT / "devoir.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(student_notebook(released), path)
    return path


def test_selfcheck_runs_visible_tests_only_and_works_without_the_hub(
    learner_notebook: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrong value that passes the visible test is accepted by check() (hidden tests are not there to run)."""
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    monkeypatch.chdir(learner_notebook.parent)
    assert selfcheck.check("ex01", namespace={"nb_membres": 3})  # found by searching the working directory
    out = capsys.readouterr().out
    assert "✅ ex01" in out and "SECRET" not in out and "non enregistrée" not in out
    assert not selfcheck.check("ex02", namespace={"membres": None, "montant_moyen": lambda df: -1})
    assert "❌ ex02 : un test visible échoue. le montant moyen doit être positif" in capsys.readouterr().out
    assert not selfcheck.check("ex99", namespace={})
    assert "ex99" in capsys.readouterr().out


def test_selfcheck_skips_recording_when_the_service_is_unreachable(
    learner_notebook: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], port: int
) -> None:
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "jeton")
    monkeypatch.setenv("ACADEMY_PROGRESS_URL", f"http://127.0.0.1:{port}")  # nothing listens there
    assert selfcheck.check("ex01", notebook=learner_notebook, namespace={"nb_membres": 6})
    assert "tentative non enregistrée" in capsys.readouterr().out


def test_selfcheck_names_the_undefined_answer_and_asks_to_run_its_cell(
    learner_notebook: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A blank answer (its variable never defined) gets a French hint, not a raw NameError; a NameError raised inside
    the learner's own function is reported as an error of their code."""
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    assert not selfcheck.check("ex01", notebook=learner_notebook, namespace={})
    out = capsys.readouterr().out
    assert "❌ ex01 : la variable « nb_membres » n'est pas encore définie" in out
    assert "exécutez" in out.lower() and "NameError" not in out
    broken = {"membres": None, "montant_moyen": lambda df: inconnue}  # type: ignore[name-defined]  # noqa: F821
    assert not selfcheck.check("ex02", notebook=learner_notebook, namespace=broken)
    out = capsys.readouterr().out
    assert "votre code provoque une erreur pendant les tests : NameError: name 'inconnue' is not defined" in out


@pytest.mark.parametrize("execution", ["autograde", "validate"])
def test_selfcheck_is_silent_and_records_nothing_in_a_grading_run(
    execution: str,
    learner_notebook: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Under nbgrader's autograde or validate (and our sandbox, which sets the same variable) check() prints
    nothing and never reaches the progress service, even with a learner's token in the environment."""
    with socket.socket() as listener:  # where a recorded attempt would go
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "jeton-de-l-apprenant")
        monkeypatch.setenv("ACADEMY_PROGRESS_URL", f"http://127.0.0.1:{listener.getsockname()[1]}")
        monkeypatch.setenv("NBGRADER_EXECUTION", execution)
        assert selfcheck.check("ex01", notebook=learner_notebook, namespace={"nb_membres": 6}) is False
        assert selfcheck.check("ex99", namespace={}) is False  # not even the "not found" notice
        assert not selfcheck.record(course=COURSE, assignment=ASSIGNMENT, exercise="ex01", passed=True)
        assert capsys.readouterr().out == ""
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_sqlite_gradebook_is_in_wal_mode_with_a_busy_timeout(settings: GraderSettings) -> None:
    """formgrader can read while the grader writes; a second writer waits instead of failing."""
    url = gradebook_url(settings, COURSE)
    assert url.endswith("?timeout=30")
    path = url.removeprefix("sqlite:///").split("?")[0]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.postgres
def test_autograde_on_a_postgresql_gradebook(postgres_admin_url: str, tmp_path: Path, limits: SandboxLimits) -> None:
    """With ACADEMY_GRADEBOOK_URL set, nbgrader's gradebook lives in PostgreSQL (its own database here), and a
    whole autograde run writes its scores there."""
    import psycopg

    name = f"graders_test_{abs(hash(str(tmp_path))) % 10**8}"
    admin = postgres_admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        base = admin.rsplit("/", 1)[0]
        settings = make_settings(
            tmp_path, gradebook_url=f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://")
        )
        release.main(course=COURSE, assignment=ASSIGNMENT, settings=settings, exchange=False)
        write_submission(settings, "alice", RIGHT)
        write_submission(settings, "bob", WRONG)
        summary = autograde.main(
            course=COURSE, assignment=ASSIGNMENT, settings=settings, limits=limits, show_progress=False
        )
        assert {r.student: r.score for r in summary.results} == {"alice": 3.0, "bob": 0.0}
        with psycopg.connect(f"{base}/{name}") as conn:
            assert conn.execute("SELECT name FROM assignment").fetchall() == [(ASSIGNMENT,)]
            rows = conn.execute(
                "SELECT s.id, SUM(g.auto_score) FROM grade g JOIN submitted_notebook n ON g.notebook_id = n.id "
                "JOIN submitted_assignment a ON n.assignment_id = a.id JOIN student s ON a.student_id = s.id "
                "GROUP BY s.id ORDER BY s.id"
            ).fetchall()
        assert [(student, float(score)) for student, score in rows] == [("alice", 3.0), ("bob", 0.0)]
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
