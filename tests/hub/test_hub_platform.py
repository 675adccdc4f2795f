"""End to end with real processes: `academy up`, a learner's submission graded by `watch`, seen by the trainer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import nbformat
import psutil
import pytest
from hub_harness import (
    ASSIGNMENT,
    BIN,
    COHORT,
    COURSE,
    run_in_kernel,
    server_pid,
    solutions,
    start_platform,
    stop_platform,
    user_token,
    wait_in_group,
    wait_ready_server,
)

pytestmark = pytest.mark.slow


def grade_of(progress: httpx.Client, learner: str) -> dict[str, object] | None:
    """The learner's cell for COURSE/ASSIGNMENT in the cohort gradebook, as the trainer sees it."""
    book = progress.get(f"/cohorts/{COHORT}/gradebook")
    assert book.status_code == 200, book.text
    body = book.json()
    column = next(i for i, c in enumerate(body["columns"]) if (c["course"], c["assignment"]) == (COURSE, ASSIGNMENT))
    row = next(r for r in body["rows"] if r["username"] == learner)
    cell: dict[str, object] = row["cells"][column]
    return cell


def test_submission_is_graded_by_watch_and_seen_by_the_trainer_only(tmp_path: Path, demo_dataset: Path) -> None:
    """Learner logs in, spawns, fetches, solves, submits; watch grades; the trainer sees it; nobody else's data."""
    platform = start_platform(tmp_path / "home", datasets=demo_dataset)
    try:
        hub = platform.hub
        wait_in_group(hub, "apprenant1", "learners")
        learner = hub.login("apprenant1")
        wait_ready_server(learner, "apprenant1")
        token = user_token(learner, "apprenant1")
        # The server's own token (what self-check uses from the notebook) may call the progress service.
        server_env = json.loads(
            run_in_kernel(hub, learner, "apprenant1", "import os, json; print(json.dumps(dict(os.environ)))")
        )
        from_server = httpx.Client(
            base_url=server_env["ACADEMY_PROGRESS_URL"] + "/api/v1",
            headers={"Authorization": f"token {server_env['JUPYTERHUB_API_TOKEN']}"},
            timeout=60,
        )
        assert from_server.get("/me/progress").status_code == 200
        check = {"course": COURSE, "assignment": ASSIGNMENT, "exercise": "ex01", "passed": True}
        assert from_server.post("/selfchecks", json=check).status_code == 201
        server = httpx.Client(
            base_url=f"{hub.url}/user/apprenant1", headers={"Authorization": f"token {token}"}, timeout=120
        )
        listed = server.get("/assignments", params={"course_id": ""}).json()
        assert {(a["course_id"], a["assignment_id"]) for a in listed["value"]} >= {(COURSE, ASSIGNMENT)}
        fetched = server.post("/assignments/fetch", data={"course_id": COURSE, "assignment_id": ASSIGNMENT})
        assert fetched.json()["success"], fetched.text
        path = f"/api/contents/{COURSE}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
        notebook = nbformat.from_dict(server.get(path).json()["content"])
        answers = solutions(COURSE, ASSIGNMENT)
        written = 0
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell.source, written = answers[grade_id], written + 1
        assert written >= 1
        saved = server.put(path, json={"type": "notebook", "format": "json", "content": notebook})
        assert saved.status_code == 200, saved.text
        submitted = server.post("/assignments/submit", data={"course_id": COURSE, "assignment_id": ASSIGNMENT})
        assert submitted.json()["success"], submitted.text

        # Another learner's server is running meanwhile (while watch grades).
        wait_ready_server(hub.login("apprenant2"), "apprenant2")

        trainer = hub.login("formateur")
        progress = httpx.Client(
            base_url=f"{hub.url}/services/progress/api/v1",
            headers={"Authorization": f"token {user_token(trainer, 'formateur')}"},
            timeout=60,
        )
        deadline = time.monotonic() + 120
        cell = grade_of(progress, "apprenant1")
        while (cell is None or cell.get("status") != "graded") and time.monotonic() < deadline:
            time.sleep(1)
            cell = grade_of(progress, "apprenant1")
        assert cell is not None and cell.get("status") == "graded", cell
        assert float(str(cell["score"])) > 0

        # The learner sees neither the cohort's grades nor another learner's server.
        own = httpx.Client(
            base_url=f"{hub.url}/services/progress/api/v1", headers={"Authorization": f"token {token}"}, timeout=60
        )
        assert own.get(f"/cohorts/{COHORT}/gradebook").status_code == 403
        # The feedback watch released reaches the learner's own uid, and the published link opens it.
        got = server.post("/assignments/fetch_feedback", data={"course_id": COURSE, "assignment_id": ASSIGNMENT})
        assert got.json()["success"], got.text
        mine = own.get("/me/progress").json()
        (work,) = [a for a in mine["assignments"] if (a["course"], a["assignment"]) == (COURSE, ASSIGNMENT)]
        link = next(e["feedback_url"] for e in work["exercises"] if e["feedback_url"])
        page = server.get(f"{hub.url}{link}")
        assert page.status_code == 200, (link, page.status_code)
        assert "Tests cachés" in page.text and "BEGIN HIDDEN TESTS" not in page.text
        others = own.get("/grades", params={"learner": "apprenant2"})
        assert others.status_code in (403, 404) or all(
            g.get("learner") == "apprenant1" for g in others.json().get("items", [])
        ), others.text
        other_server = server.get(f"{hub.url}/user/apprenant2/api/contents", follow_redirects=True)
        assert other_server.status_code in (403, 404), other_server.status_code
        assert '"type": "directory"' not in other_server.text  # no listing of his files
        platform.up.refresh()  # every process of the platform, learners' servers included
        platform.up.popen.send_signal(signal.SIGINT)  # Ctrl-C in the terminal: a clean stop, exit 0
        time.sleep(0.5)
        platform.up.popen.send_signal(signal.SIGINT)  # pressed again while stopping: must not orphan the hub
        assert platform.up.popen.wait(timeout=90) == 0
        assert not platform.up.alive(), [p.cmdline() for p in platform.up.alive()]
    finally:
        stop_platform(platform)


def test_closing_the_terminal_stops_everything_and_a_second_up_duplicates_nothing(
    tmp_path: Path, demo_dataset: Path
) -> None:
    """Is a concurrent `academy up` refused; does SIGHUP (terminal closed) stop hub, proxy, services and user servers
    as Ctrl-C does; does a rerun on the same port reuse everything?"""
    home = tmp_path / "home"
    first = start_platform(home, datasets=demo_dataset)
    try:
        hub = first.hub
        wait_in_group(hub, "apprenant2", "learners")
        wait_ready_server(hub.login("apprenant2"), "apprenant2")
        first.up.refresh()
        tree = [psutil.Process(pid) for pid in first.up.known if psutil.pid_exists(pid)]
        names = " ".join(" ".join(p.cmdline()) for p in tree)
        for part in ("jupyterhub -f", "hub.proxy", "api serve", "grade watch", "hub.forkserver"):
            assert part in names, part
        assert server_pid(hub, "apprenant2") in first.up.known  # the user server (a fork server's child)
        users_before = sorted(u["name"] for u in hub.admin().get("users").json())
        port = hub.env["ACADEMY_HUB_PORT"]
        again = subprocess.run(
            [str(BIN / "academy"), "up", "--port", port],
            env={**os.environ, **hub.env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert again.returncode == 1 and "already running" in again.stdout, again.stdout
        first.up.popen.send_signal(signal.SIGHUP)  # the terminal running `academy up` is closed
        assert first.up.popen.wait(timeout=90) == 0
        _gone, alive = psutil.wait_procs(tree, timeout=30)
        assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], alive
    finally:
        stop_platform(first)

    second = start_platform(home, datasets=demo_dataset, run="second", port=port)
    try:
        text = second.text()
        assert "demo data present" in text
        assert f"{COURSE}/{ASSIGNMENT} already released" in text
        assert "✓ released " not in text  # nothing released again
        wait_in_group(second.hub, "apprenant2", "learners")
        assert sorted(u["name"] for u in second.hub.admin().get("users").json()) == users_before
    finally:
        stop_platform(second)
