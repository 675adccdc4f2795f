"""The hub with the real progress service: roster-driven rights, one login for both, learners kept to their data."""

from __future__ import annotations

import time

import httpx
from hub_harness import RunningHub, xsrf


def wait_for_group(hub: RunningHub, username: str, group: str, *, timeout: float = 30.0) -> None:
    admin = hub.admin()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = admin.get(f"users/{username}")
        if answer.status_code == 200 and group in answer.json()["groups"]:
            return
        time.sleep(0.5)
    raise AssertionError(f"{username} not in {group} after {timeout} s:\n{hub.log()[-3000:]}")


def test_seeded_roster_reaches_the_hub_through_the_sync_service(hub_with_progress: RunningHub) -> None:
    """Does the managed roster-sync service put the seeded learners and trainer into their hub groups?"""
    wait_for_group(hub_with_progress, "apprenant1", "learners")
    wait_for_group(hub_with_progress, "formateur", "trainers")
    wait_for_group(hub_with_progress, "apprenant1", "cohort-demo-2026")


def test_enrolling_a_learner_in_the_progress_service_lets_them_log_in(hub_with_progress: RunningHub) -> None:
    """Is a learner enrolled through the progress API able to log in to the running hub a few seconds later?"""
    from hub.secret_store import read_secret

    token = read_secret("roster_token", settings=hub_with_progress.settings, generate=False)
    api = httpx.Client(
        base_url=hub_with_progress.settings.progress_internal_url + "/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    answer = api.post("/cohorts/demo-2026/enrolments", json={"username": "nouvelle", "display_name": "Nouvelle Recrue"})
    assert answer.status_code in (200, 201), answer.text
    wait_for_group(hub_with_progress, "nouvelle", "learners")
    session = hub_with_progress.login("nouvelle")
    assert session.get("/hub/home").status_code == 200


def test_learner_logs_in_once_for_hub_and_progress_service(hub_with_progress: RunningHub) -> None:
    """Does a hub login open the progress service's pages through hub OAuth, with no consent page?"""
    wait_for_group(hub_with_progress, "apprenant2", "learners")
    session = hub_with_progress.login("apprenant2")
    page = session.get("/services/progress/", follow_redirects=True)
    assert page.status_code == 200, page.text[:500]
    assert "oauth2/authorize" not in str(page.url)  # oauth_no_confirm: no consent page on the way
    assert "apprenant2" in page.text or "Yanis" in page.text


def test_learner_token_reads_own_progress_not_the_cohort_gradebook(hub_with_progress: RunningHub) -> None:
    """With a hub token, does a learner get their own progress and 403 on the cohort gradebook?"""
    wait_for_group(hub_with_progress, "apprenant3", "learners")
    session = hub_with_progress.login("apprenant3")
    made = session.post("/hub/api/users/apprenant3/tokens", json={"note": "test"}, headers=xsrf(session))
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    api = httpx.Client(
        base_url=hub_with_progress.url + "/services/progress/api/v1",
        headers={"Authorization": f"token {token}"},
        timeout=30,
    )
    assert api.get("/me/progress").status_code == 200
    assert api.get("/cohorts/demo-2026/gradebook").status_code == 403


def test_trainer_sees_own_cohort_gradebook_only_and_a_new_trainer_gets_the_role(hub_with_progress: RunningHub) -> None:
    """Does the trainer read their cohort's gradebook but not another cohort's; does naming a trainer apply live?"""
    from hub.secret_store import read_secret

    admin_token = read_secret("roster_token", settings=hub_with_progress.settings, generate=False)
    admin = httpx.Client(
        base_url=hub_with_progress.settings.progress_internal_url + "/api/v1",
        headers={"Authorization": f"Bearer {admin_token}"},
        timeout=30,
    )
    made = admin.post("/cohorts", json={"slug": "autre-2026", "name": "Autre promotion", "trainers": []})
    assert made.status_code in (201, 409), made.text
    wait_for_group(hub_with_progress, "formateur", "trainers")
    session = hub_with_progress.login("formateur")
    made = session.post("/hub/api/users/formateur/tokens", json={"note": "test"}, headers=xsrf(session))
    api = httpx.Client(
        base_url=hub_with_progress.url + "/services/progress/api/v1",
        headers={"Authorization": f"token {made.json()['token']}"},
        timeout=30,
    )
    assert api.get("/cohorts/demo-2026/gradebook").status_code == 200
    assert api.get("/cohorts/autre-2026/gradebook").status_code in (403, 404)
    # Naming apprenant4 trainer of the other cohort reaches the hub without a restart.
    named = admin.put("/cohorts/autre-2026/trainers/apprenant4")
    assert named.status_code == 204, named.text
    wait_for_group(hub_with_progress, "apprenant4", "trains-autre-2026")
