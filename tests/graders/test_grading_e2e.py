"""End to end with real processes: progress service (uvicorn, SQLite in tmp), nbgrader exchange, grader.

A learner fetches and submits through nbgrader's exchange as JupyterLab would; `release` registers the assignment,
`watch` grades on submit and publishes; the trainer-side gradebook of the progress service shows the grade.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import nbformat
import pytest
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit
from traitlets.config import Config

from graders import publish, release, selfcheck, watch
from graders.config import GraderSettings, SandboxLimits
from tests.graders.cohort import WRITTEN
from tests.graders.conftest import ASSIGNMENT, COURSE, RIGHT, WRONG, make_settings


def _academy(env: dict[str, str], *args: str) -> str:
    """`academy api …` without loading the other parts' commands (the machine is shared and slow)."""
    assert args[0] == "api"
    cmd = [sys.executable, "-c", "from progress_api.cli import app; app()", *args[1:]]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""


@pytest.fixture
def progress_service(tmp_path: Path, port: int) -> Iterator[dict[str, Any]]:
    """`academy api serve` on a free port with a migrated SQLite database; tokens for grader, admin, learner."""
    env = {
        **os.environ,
        "ACADEMY_HOME": str(tmp_path / "svc"),
        "ACADEMY_DATABASE_URL": f"sqlite:///{tmp_path / 'progress.db'}",
        "ACADEMY_API_PREFIX": "",
    }
    env.pop("JUPYTERHUB_SERVICE_URL", None)
    _academy(env, "api", "migrate")
    tokens = {
        "grader": _academy(env, "api", "token", "create", "--role", "grader", "--user", "grader"),
        "admin": _academy(env, "api", "token", "create", "--role", "admin", "--user", "admin"),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from progress_api.cli import app; app()",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "progress service did not start"
            time.sleep(0.2)
        admin = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['admin']}"}, timeout=10)
        admin.post("/api/v1/cohorts", json={"slug": "promo-test", "name": "Promo test"}).raise_for_status()
        for learner in ("alice", "bob"):
            admin.post("/api/v1/cohorts/promo-test/enrolments", json={"username": learner}).raise_for_status()
        tokens["alice"] = _academy(env, "api", "token", "create", "--role", "learner", "--user", "alice")
        tokens["formateur"] = _academy(env, "api", "token", "create", "--role", "trainer", "--user", "formateur")
        yield {"url": url, "tokens": tokens, "admin": admin, "env": env}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _learner_config(settings: GraderSettings, home: Path, student: str) -> Config:
    c = Config()
    c.Exchange.root = str(settings.exchange_dir)
    c.Exchange.path_includes_course = True
    c.Exchange.cache = str(home / ".cache")
    c.Exchange.assignment_dir = str(home)
    c.CourseDirectory.root = str(home)
    c.CourseDirectory.course_id = COURSE
    c.CourseDirectory.assignment_id = ASSIGNMENT
    c.CourseDirectory.student_id = student
    return c


def _exchange(cls: Any, config: Config) -> None:
    app = cls(coursedir=CourseDirectory(config=config), authenticator=Authenticator(config=config), config=config)
    app.start()


def learner_submits(settings: GraderSettings, home: Path, student: str, answers: dict[str, str]) -> None:
    """What JupyterLab's assignment list does: fetch, answer, submit (nbgrader's own exchange classes)."""
    config = _learner_config(settings, home, student)
    target = home / COURSE / ASSIGNMENT / "devoir.ipynb"
    if not target.exists():
        _exchange(ExchangeFetchAssignment, config)
    nb = nbformat.read(target, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    nbformat.write(nb, target)
    _exchange(ExchangeSubmit, config)


def gradebook_scores(service: dict[str, Any], learner: str) -> dict[str, float | None]:
    """Per-exercise scores of `learner` as the progress service reports them (admin view of the cohort)."""
    answer = service["admin"].get("/api/v1/grades", params={"learner": learner, "assignment": ASSIGNMENT})
    answer.raise_for_status()
    body = answer.json()
    items = body.get("items", body) if isinstance(body, dict) else body
    return {row["exercise"]: None if row["score"] is None else float(row["score"]) for row in items}


def learner_fetches_feedback(settings: GraderSettings, home: Path, student: str) -> None:
    """What the assignment list's "Fetch feedback" does (nbgrader's own exchange class)."""
    from nbgrader.exchange.default import ExchangeFetchFeedback

    _exchange(ExchangeFetchFeedback, _learner_config(settings, home, student))


def own_exercises(service: dict[str, Any], token: str) -> dict[str, dict[str, Any]]:
    """The learner's own view (`GET /me/progress`) of the fixture assignment, exercise by exercise."""
    me = httpx.get(f"{service['url']}/api/v1/me/progress", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    me.raise_for_status()
    (assignment,) = [a for a in me.json()["assignments"] if a["assignment"] == ASSIGNMENT]
    return {e["id"]: e for e in assignment["exercises"]}


@pytest.mark.slow
def test_release_watch_publish_end_to_end(tmp_path: Path, progress_service: dict[str, Any]) -> None:
    """Released and registered twice (idempotent); a submission becomes a published grade with nobody acting; a
    written answer awaits the trainer, who grades it in the service; the learner sees grade and comment, opens the
    published feedback link, and publishing again erases nothing."""
    settings = make_settings(
        tmp_path, progress_url=progress_service["url"], grader_token=progress_service["tokens"]["grader"]
    )
    for _ in range(2):
        release.main(course=COURSE, assignment=ASSIGNMENT, cohort="promo-test", settings=settings)
    releases = progress_service["admin"].get("/api/v1/cohorts/promo-test/releases").json()
    assert [r["assignment"] for r in releases["items"]] == [ASSIGNMENT]

    stop = threading.Event()
    results: list[Any] = []
    limits = SandboxLimits(cell_timeout_s=5, total_timeout_s=60)

    def watcher() -> None:
        watch.main(settings=settings, limits=limits, interval=0.5, on_result=results.append, stop=stop)

    learner_submits(settings, tmp_path / "alice", "alice", {**RIGHT, "ecrit01": WRITTEN})
    learner_submits(settings, tmp_path / "bob", "bob", WRONG)
    thread = threading.Thread(target=watcher, daemon=True)
    submitted = time.monotonic()
    thread.start()
    try:
        deadline = submitted + 120
        while time.monotonic() < deadline:
            if gradebook_scores(progress_service, "alice").get("ex02") == 2.0 and gradebook_scores(
                progress_service, "bob"
            ):
                break
            time.sleep(0.5)
    finally:
        stop.set()
        thread.join(timeout=120)
    # alice's written answer awaits a trainer (no score); bob left his unanswered: nbgrader scores it 0 itself
    assert gradebook_scores(progress_service, "alice") == {"ex01": 1.0, "ex02": 2.0, "ecrit01": None}
    assert gradebook_scores(progress_service, "bob") == {"ex01": 0.0, "ex02": 0.0, "ecrit01": 0.0}
    # feedback released to the exchange, for the learner to fetch
    assert list((settings.exchange_dir / COURSE / "feedback").glob("*.html"))

    # The trainer's gradebook says "to grade", and the service lists alice's answer as the grader extracted it.
    admin = progress_service["admin"]
    admin.put("/api/v1/cohorts/promo-test/trainers/formateur").raise_for_status()
    trainer = httpx.Client(
        base_url=progress_service["url"] + "/api/v1",
        headers={"Authorization": f"Bearer {progress_service['tokens']['formateur']}"},
        timeout=10,
    )
    book = trainer.get("/cohorts/promo-test/gradebook").json()
    rows = {r["username"]: r for r in book["rows"]}
    assert (rows["alice"]["to_grade"], rows["bob"]["to_grade"]) == (1, 0)
    pending = trainer.get("/cohorts/promo-test/written-answers", params={"status": "to_grade"}).json()["items"]
    assert [(a["learner"], a["exercise"], a["answer"], a["score"]) for a in pending] == [
        ("alice", "ecrit01", WRITTEN, None)
    ]
    assert own_exercises(progress_service, progress_service["tokens"]["alice"])["ecrit01"]["to_grade"] is True

    # The trainer grades it through the API; alice sees the grade and the comment.
    comment = "Juste : la pseudonymisation réduit le risque, sans l'annuler."
    graded = trainer.put(
        f"/cohorts/promo-test/written-answers/{pending[0]['id']}", json={"score": 0.5, "comment": comment}
    )
    assert graded.status_code == 200, graded.text
    mine = own_exercises(progress_service, progress_service["tokens"]["alice"])
    assert (mine["ecrit01"]["score"], mine["ecrit01"]["trainer_comment"], mine["ecrit01"]["to_grade"]) == (
        0.5,
        comment,
        False,
    )

    # alice fetches her feedback as JupyterLab does: the published link points at the file she now has.
    learner_fetches_feedback(settings, tmp_path / "alice", "alice")
    link = mine["ex01"]["feedback_url"]
    prefix = f"/user/alice/files/{COURSE}/{ASSIGNMENT}/feedback/"
    assert link.startswith(prefix), link
    page = tmp_path / "alice" / COURSE / ASSIGNMENT / "feedback" / unquote(link.removeprefix(prefix))
    assert page.is_file(), f"{link} points at no fetched feedback: {list(page.parent.parent.glob('*/*'))}"

    # Publishing again (the grader re-runs) changes nothing and keeps the trainer's grade.
    again = publish.main(course=COURSE, assignment=ASSIGNMENT, settings=settings)
    assert again["created"] == 0 and again["updated"] == 0 and again["unchanged"] == 6
    mine = own_exercises(progress_service, progress_service["tokens"]["alice"])
    assert (mine["ecrit01"]["score"], mine["ecrit01"]["trainer_comment"]) == (0.5, comment)
    assert trainer.get("/cohorts/promo-test/written-answers", params={"status": "to_grade"}).json()["items"] == []


@pytest.mark.slow
def test_selfcheck_records_the_attempt(
    tmp_path: Path,
    progress_service: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """check("ex01") in alice's notebook prints a French verdict and is recorded with her token."""
    settings = make_settings(
        tmp_path, progress_url=progress_service["url"], grader_token=progress_service["tokens"]["grader"]
    )
    release.main(course=COURSE, assignment=ASSIGNMENT, cohort="promo-test", settings=settings)
    home = tmp_path / "alice"
    config = _learner_config(settings, home, "alice")
    _exchange(ExchangeFetchAssignment, config)
    notebook = home / COURSE / ASSIGNMENT / "devoir.ipynb"
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", progress_service["tokens"]["alice"])
    monkeypatch.setenv("ACADEMY_PROGRESS_URL", progress_service["url"])
    assert selfcheck.check("ex01", notebook=notebook, namespace={"nb_membres": 6})
    assert "✅ ex01" in capsys.readouterr().out
    assert not selfcheck.check("ex01", notebook=notebook, namespace={"nb_membres": "six"})
    assert "nb_membres doit être un entier" in capsys.readouterr().out
    checks = progress_service["admin"].get("/api/v1/selfchecks", params={"learner": "alice"}).json()
    assert [c["passed"] for c in sorted(checks["items"], key=lambda c: c["at"])] == [True, False]
