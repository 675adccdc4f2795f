"""« Relais data » page (`pages_cedia_relays`): designate and remove relays from the web with the API's rules,
seen in the portfolio's relays KPI; refusals shown on the page in French, nothing written."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from progress_api.web import pages_cedia_relays
from tests.progress_api.web.conftest import csrf_of

Login = Callable[[str], TestClient]
FINANCE = "Direction financière"


def enrol(client: TestClient, demo: Any, username: str, *, unit: str | None) -> None:
    """A new learner of the demo cohort (admin's bulk enrolment), in `unit` or with no direction in the roster."""
    body = {"learners": [{"username": username, "display_name": f"Nouvel·le {username}", "business_unit": unit}]}
    added = client.post(f"/api/v1/cohorts/{demo.cohort}/enrolments/bulk", json=body, headers=demo.h("admin"))
    assert added.status_code == 200, added.text


def relay_kpi(client: TestClient) -> int:
    """The number of data relays counted today on the portfolio dashboard."""
    page = client.get("/cedia/portefeuille")
    found = re.search(r'data-testid="relays-kpi">(\d+) / \d+<', page.text)
    assert found, page.text
    return int(found.group(1))


def relay_usernames(client: TestClient, demo: Any) -> set[str]:
    listed = client.get("/api/v1/cedia/relays", params={"limit": 200}, headers=demo.h("admin"))
    return {r["username"] for r in listed.json()["items"]}


def test_designating_a_relay_through_the_form_raises_the_dashboard_kpi(login: Login, demo: Any) -> None:
    """A learner nobody counted yet, designated from the page: listed, +1 on the dashboard; « Retirer » undoes it."""
    client = login("cedia")
    enrol(client, demo, "nouveau.relais", unit=FINANCE)
    before = relay_kpi(client)
    page = client.get("/cedia/relais")
    assert page.status_code == 200 and 'action="/cedia/relais"' in page.text
    done = client.post(
        "/cedia/relais",
        data={
            "username": "nouveau.relais",
            "since": "2026-09-14",
            "note": "Référente tableaux de bord",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/cedia/relais?unit=Direction+financi%C3%A8re&msg=designated"
    listed = client.get(done.headers["location"])
    assert "Relais data désigné" in listed.text
    assert 'data-relay="nouveau.relais"' in listed.text and "Référente tableaux de bord" in listed.text
    assert "14 septembre 2026" in listed.text
    assert relay_kpi(client) == before + 1
    relay = client.get("/api/v1/cedia/relays", params={"unit": FINANCE}, headers=demo.h("admin")).json()["items"]
    assert {"username": "nouveau.relais", "unit": FINANCE, "designated_by": "cedia"}.items() <= next(
        r for r in relay if r["username"] == "nouveau.relais"
    ).items()

    removed = client.post(
        "/cedia/relais/nouveau.relais/retirer",
        data={"unit": FINANCE, "csrf_token": csrf_of(listed.text)},
        follow_redirects=False,
    )
    assert removed.status_code == 303 and "msg=removed" in removed.headers["location"]
    assert "nouveau.relais" not in relay_usernames(client, demo)
    assert relay_kpi(client) == before


@pytest.mark.parametrize("username", ["apprenant1", "formateur"])
def test_learner_and_trainer_get_403_on_the_relay_forms(login: Login, demo: Any, username: str) -> None:
    """Only `cedia:write` (CEDIA, admin) designates or removes, as in the API, even with a valid CSRF token."""
    client = login(username)
    page = client.get("/cedia/relais")
    token = csrf_of(page.text)  # the logout form carries one on every signed-in page
    before = relay_usernames(client, demo)
    designate = client.post("/cedia/relais", data={"username": "apprenant1", "unit": FINANCE, "csrf_token": token})
    assert designate.status_code == 403 and "Accès refusé" in designate.text
    remove = client.post("/cedia/relais/apprenant5/retirer", data={"csrf_token": token})
    assert remove.status_code == 403
    assert relay_usernames(client, demo) == before


def test_trainer_sees_the_relays_without_the_forms(login: Login, demo: Any) -> None:
    page = login("formateur").get("/cedia/relais")
    assert page.status_code == 200
    assert 'data-relay="apprenant5"' in page.text and 'data-relay="apprenant4"' in page.text
    assert "Désigner un relais data" not in page.text and "/retirer" not in page.text


def test_learner_cannot_read_the_relays_page(login: Login) -> None:
    page = login("apprenant1").get("/cedia/relais")
    assert page.status_code == 403 and "apprenant5" not in page.text


def test_relay_forms_without_csrf_token_change_nothing(login: Login, demo: Any) -> None:
    client = login("cedia")
    enrol(client, demo, "nouveau.relais", unit=FINANCE)
    forged = client.post("/cedia/relais", data={"username": "nouveau.relais"})
    assert forged.status_code == 403 and "Formulaire expiré" in forged.text
    wrong = client.post("/cedia/relais", data={"username": "nouveau.relais", "csrf_token": "0" * 64})
    assert wrong.status_code == 403
    assert client.post("/cedia/relais/apprenant5/retirer", data={}).status_code == 403
    assert relay_usernames(client, demo) == {"apprenant4", "apprenant5"}


def test_unknown_username_shows_the_reason_and_keeps_what_was_typed(login: Login, demo: Any) -> None:
    client = login("cedia")
    page = client.get("/cedia/relais")
    refused = client.post(
        "/cedia/relais",
        data={"username": "personne.inconnue", "unit": FINANCE, "note": "À garder", "csrf_token": csrf_of(page.text)},
    )
    assert refused.status_code == 404
    assert "Personne de l&#39;académie introuvable : personne.inconnue ; rien n&#39;a été enregistré." in refused.text
    assert 'value="personne.inconnue"' in refused.text and 'value="À garder"' in refused.text
    assert f'<option value="{FINANCE}" selected>' in refused.text
    assert relay_usernames(client, demo) == {"apprenant4", "apprenant5"}


def test_a_person_with_no_direction_needs_one_chosen(login: Login, demo: Any) -> None:
    """No direction in the roster and none chosen: 422 saying so; choosing one designates them in that unit."""
    client = login("cedia")
    enrol(client, demo, "sans.direction", unit=None)
    token = csrf_of(client.get("/cedia/relais").text)
    refused = client.post("/cedia/relais", data={"username": "sans.direction", "csrf_token": token})
    assert refused.status_code == 422
    assert "n&#39;a pas de direction dans l&#39;annuaire : précisez la direction ; rien n&#39;a" in refused.text
    assert "sans.direction" not in relay_usernames(client, demo)
    done = client.post("/cedia/relais", data={"username": "sans.direction", "unit": FINANCE, "csrf_token": token})
    assert done.status_code == 200 and 'data-relay="sans.direction"' in done.text


def test_relays_filter_by_unit_and_paginate(login: Login, demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client = login("cedia")
    finance = client.get("/cedia/relais", params={"unit": FINANCE})
    assert 'data-relay="apprenant5"' in finance.text and 'data-relay="apprenant4"' not in finance.text
    monkeypatch.setattr(pages_cedia_relays, "PAGE_SIZE", 1)
    first = client.get("/cedia/relais")
    assert len(re.findall(r"data-relay=", first.text)) == 1 and "Page 1 sur 2" in first.text
    assert 'href="/cedia/relais?page=2"' in first.text
    second = client.get("/cedia/relais", params={"page": 2})
    assert "Page 2 sur 2" in second.text
    assert re.findall(r'data-relay="([^"]+)"', first.text) != re.findall(r'data-relay="([^"]+)"', second.text)
    beyond = client.get("/cedia/relais", params={"page": 9})  # e.g. after removing the last one of the last page
    assert "Page 2 sur 2" in beyond.text
