"""The pages in a real headless Chromium against a real server (uvicorn, migrated SQLite under tmp_path):
log in, open the board, move a project, see it in the history; open a cohort gradebook and see its charts.

Screenshots land in the test's tmp_path (`board.png`, `project.png`, `dashboard.png`, `gradebook.png`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from progress_api.core.auth import create_api_token
from progress_api.core.config import Settings
from progress_api.core.db import get_engine, upgrade
from progress_api.models.common import Role
from progress_api.services.seed import seed_demo
from tests.progress_api.web.conftest import build_gradebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@dataclass
class Server:
    url: str
    home: Path
    tokens: dict[str, str]
    cohort: str = "demo-2026"

    def h(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def server(tmp_path: Path, port: int) -> Iterator[Server]:
    """The progress service as it runs for real: migrated, demo-seeded, served by uvicorn on a free port."""
    settings = Settings(home=tmp_path)
    upgrade(settings.db_url)
    engine = get_engine(settings.db_url)
    with Session(engine) as db:
        seed_demo(db, settings=settings)
        tokens = {role: create_api_token(db, username=role, role=Role(role)) for role in ("admin", "grader")}
        db.commit()
    engine.dispose()
    env = {**os.environ, "ACADEMY_HOME": str(tmp_path), "ACADEMY_SECRET_KEY": "browser-test-secret"}
    env.pop("ACADEMY_DATABASE_URL", None)
    env.pop("JUPYTERHUB_API_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "progress_api.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"the server did not start:\n{output}")
            time.sleep(0.2)
        yield Server(url=url, home=tmp_path, tokens=tokens)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def sign_in(page: Any, server: Server, username: str) -> None:
    page.goto(f"{server.url}/connexion")
    page.fill("#username", username)
    page.click("text=Entrer en démo")
    page.wait_for_load_state("networkidle")


def test_cedia_moves_a_project_on_the_board_and_finds_it_in_the_history(
    server: Server, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1500, "height": 1000}, locale="fr-FR")
    sign_in(page, server, "cedia")
    assert page.url == f"{server.url}/cedia"
    card = page.locator("article.card", has_text="Prévision de trésorerie")
    assert card.get_attribute("data-project")
    assert page.locator('section[data-stage="intake"] article.card', has_text="Prévision de trésorerie").count() == 1
    page.screenshot(path=str(tmp_path / "board.png"), full_page=False)

    card.locator("summary", has_text="Déplacer").click()
    card.locator("select[name=to_stage]").select_option("qualification")
    card.locator("input[name=comment]").fill("Sponsor et données confirmés")
    card.locator("button", has_text="Déplacer").click()
    page.wait_for_load_state("networkidle")
    assert "est maintenant à l'étape « Qualification »" in page.locator(".notice.ok").inner_text()
    moved = page.locator('section[data-stage="qualification"] article.card', has_text="Prévision de trésorerie")
    assert moved.count() == 1

    moved.locator("a", has_text="Prévision de trésorerie").click()
    page.wait_for_load_state("networkidle")
    assert page.locator('[data-testid="stage"]').inner_text() == "Qualification"
    timeline = page.locator("#historique").inner_text()
    assert "Étape : Demande → Qualification" in timeline
    assert "Sponsor et données confirmés" in timeline and "cedia" in timeline
    page.screenshot(path=str(tmp_path / "project.png"), full_page=True)

    page.click("text=Portefeuille")
    page.wait_for_load_state("networkidle")
    widths = page.eval_on_selector_all("img.chart", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert len(widths) == 5 and all(w > 0 for w in widths)
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)


def test_trainer_opens_the_cohort_gradebook_and_sees_the_charts(server: Server, browser: Any, tmp_path: Path) -> None:
    with httpx.Client(base_url=server.url) as api:
        build_gradebook(api, server, learners=40)  # type: ignore[arg-type]
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    sign_in(page, server, "formateur")
    assert page.url == f"{server.url}/promotions"
    page.click("text=Promotion démo 2026")
    page.wait_for_load_state("networkidle")
    assert page.locator("#gradebook tbody tr").count() == 40
    for chart in ("#chart-distribution", "#chart-difficulty"):
        assert page.eval_on_selector(chart, "img => img.complete && img.naturalWidth") > 0
    page.click("#gradebook thead >> text=Moyenne")
    page.wait_for_load_state("networkidle")
    assert "tri=moyenne" in page.url
    page.screenshot(path=str(tmp_path / "gradebook.png"), full_page=False)


def test_trainer_grades_a_written_answer_in_the_browser(server: Server, browser: Any, tmp_path: Path) -> None:
    """From the gradebook to the marking page in Chromium: the injected script shows as text and never runs, the
    grade is saved and the next answer to grade opens."""
    from tests.progress_api.web.test_pages_marking import written_assignment

    with httpx.Client(base_url=server.url) as api:
        written_assignment(api, server, learners=5)  # type: ignore[arg-type]
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, server, "formateur")
    page.goto(f"{server.url}/promotions/demo-2026")
    page.click("#lien-reponses")
    page.click('#devoirs a:text-is("Corriger")')
    page.wait_for_load_state("networkidle")
    assert page.locator("#reponses tbody tr").count() == 5
    page.locator('#reponses a:text-is("Corriger")').first.click()
    page.wait_for_load_state("networkidle")
    answer = page.locator("#reponse .answer")
    assert '<script>alert("xss")</script>' in answer.inner_text()  # shown as text
    assert answer.locator("script, img").count() == 0 and answer.locator("strong").inner_text() == "Le biais"
    first_url = page.url
    page.fill("#score", "1.5")
    page.fill("#comment", "Bonne analyse du biais.")
    page.screenshot(path=str(tmp_path / "marking.png"), full_page=True)
    page.click("text=Enregistrer et passer à la suivante")
    page.wait_for_load_state("networkidle")
    assert page.locator(".notice.ok").inner_text() == "Note enregistrée."
    assert page.url.split("?")[0] != first_url.split("?")[0]
    assert dialogs == []  # nothing from the learner's answer ever ran
    with httpx.Client(base_url=server.url) as api:
        graded = api.get(
            "/api/v1/cohorts/demo-2026/written-answers", params={"status": "graded"}, headers=server.h("admin")
        ).json()["items"]
    assert [(g["learner"], g["score"], g["graded_by"]) for g in graded] == [("apprenant1", 1.5, "formateur")]
