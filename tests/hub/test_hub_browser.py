"""In headless Chromium: a learner's JupyterLab shows the assignment list; a trainer opens the cohort gradebook."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hub_harness import ASSIGNMENT, COHORT, Platform, start_platform, stop_platform, wait_in_group

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


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, demo_dataset: Path) -> Iterator[Platform]:
    """`academy up` for the browser tests (the demo cohort, first assignments released)."""
    running = start_platform(tmp_path_factory.mktemp("browser") / "home", datasets=demo_dataset)
    yield running
    stop_platform(running)


def login(page: object, url: str, username: str) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(f"{url}/hub/login")
    assert "DÉMO" in page.content()  # the demo login page says it is one
    page.fill("#username_input", username)
    page.fill("#password_input", "academie-demo")
    page.click("#login_submit")


def test_learner_and_trainer_in_the_browser(platform: Platform, chromium_path: str) -> None:
    """Does a learner land in JupyterLab with the released assignment listed, and a trainer on the gradebook?"""
    from playwright.sync_api import expect, sync_playwright

    hub = platform.hub
    wait_in_group(hub, "apprenant3", "learners")
    wait_in_group(hub, "formateur", "trainers")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            learner = browser.new_context().new_page()
            learner.set_default_timeout(120_000)
            login(learner, hub.url, "apprenant3")
            learner.wait_for_url("**/user/apprenant3/lab**", timeout=120_000)
            learner.locator(".jp-LabShell").wait_for()
            learner.get_by_role("menuitem", name="Nbgrader").click()
            learner.get_by_text("Assignment List", exact=True).click()
            panel = learner.locator("#nbgrader-assignment-list")
            expect(panel.get_by_text("Released assignments")).to_be_visible()
            expect(panel.get_by_text(ASSIGNMENT).first).to_be_visible()
            # Formgrader is a trainer tool and hidden from the learner's menu.
            learner.get_by_role("menuitem", name="Nbgrader").click()
            expect(learner.get_by_text("Formgrader", exact=True)).to_have_count(0)

            trainer = browser.new_context().new_page()
            trainer.set_default_timeout(60_000)
            login(trainer, hub.url, "formateur")
            # Logged in once the login page is left: with the fork server the trainer's own server is up so fast
            # that the browser may already be past /hub/ (in /user/formateur/lab) when this starts waiting.
            trainer.wait_for_url(lambda url: "/hub/login" not in url)
            trainer.goto(f"{hub.url}/services/progress/promotions/{COHORT}")
            expect(trainer.locator("h1")).to_contain_text("Carnet de notes")
            expect(trainer.locator("#gradebook")).to_be_visible()
            expect(trainer.locator("#gradebook")).to_contain_text("apprenant1")
        finally:
            browser.close()
