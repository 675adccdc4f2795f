"""CEDIA pages through the real app: board, moves with the rules, CSRF, stale forms, dashboard charts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from progress_api.models.cedia import CediaProject
from progress_api.web import pages_dashboard
from tests.progress_api.web.conftest import csrf_of

Login = Callable[[str], TestClient]


def project_id(db: Session, title: str) -> int:
    found = db.execute(select(CediaProject.id).where(CediaProject.title == title)).scalar_one()  # type: ignore[call-overload]
    return int(found)


def version_of(client: TestClient, demo: Any, pid: int) -> int:
    return int(client.get(f"/api/v1/cedia/projects/{pid}", headers=demo.h("cedia")).json()["version"])


def test_anonymous_visitor_is_sent_to_the_login_with_next(client: TestClient) -> None:
    response = client.get("/cedia/portefeuille", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?next=/cedia/portefeuille"


def test_board_shows_the_seeded_portfolio_by_stage_and_filters(login: Login, demo: Any) -> None:
    """The demo portfolio: 13 accompanied and 16 planned projects spread over the columns; a unit filter narrows it."""
    client = login("cedia")
    page = client.get("/cedia")
    assert page.status_code == 200
    cards = re.findall(r'<article class="card" id="projet-(\d+)"', page.text)
    assert len(cards) == 29
    assert 'data-stage="coaching"' in page.text and "Tri automatique des e-mails entrants" in page.text
    assert "Motif : « En attente de l&#39;accès aux données du SNDS »" in page.text  # why the paused one waits
    filtered = client.get("/cedia", params={"unit": "Direction financière"})
    assert len(re.findall(r'<article class="card"', filtered.text)) == 2
    by_type = client.get("/cedia", params={"use_case": "genai"})
    assert "Assistant de réponse aux réclamations" in by_type.text and "Prévision de trésorerie" not in by_type.text


def test_learner_gets_a_403_page_not_the_board(login: Login) -> None:
    client = login("apprenant1")
    page = client.get("/cedia")
    assert page.status_code == 403 and "Accès refusé" in page.text and "Tableau CEDIA" not in page.text


def test_trainer_sees_the_board_without_move_forms(login: Login) -> None:
    page = login("formateur").get("/cedia")
    assert page.status_code == 200
    assert "/etape" not in page.text


def test_move_from_the_board_lands_in_the_history(login: Login, demo: Any, db: Session) -> None:
    """A forward move from the board redirects back with a message; the project page's timeline shows it."""
    client = login("cedia")
    pid = project_id(db, "Prévision de trésorerie")
    board = client.get("/cedia")
    moved = client.post(
        f"/cedia/projets/{pid}/etape",
        data={
            "to_stage": "qualification",
            "version": version_of(client, demo, pid),
            "comment": "Sponsor confirmé",
            "back": "board",
            "csrf_token": csrf_of(board.text),
        },
    )
    assert moved.status_code == 200
    assert "est maintenant à l&#39;étape « Qualification »" in moved.text
    project = client.get(f"/cedia/projets/{pid}")
    assert "Étape : Demande → Qualification" in project.text and "Sponsor confirmé" in project.text


def test_refused_move_shows_the_reason_and_what_is_missing(login: Login, demo: Any, db: Session) -> None:
    """Coaching → delivery with an incomplete high-risk checklist: 409 page listing the missing items."""
    client = login("cedia")
    pid = project_id(db, "Synthèse des comptes rendus de commissions sociales")
    page = client.get(f"/cedia/projets/{pid}")
    refused = client.post(
        f"/cedia/projets/{pid}/etape",
        data={"to_stage": "delivery", "version": version_of(client, demo, pid), "csrf_token": csrf_of(page.text)},
    )
    assert refused.status_code == 409
    assert "checklist de gouvernance IA incomplète" in refused.text
    assert "revue éthique non enregistrée" in refused.text and "HDS" in refused.text
    assert 'data-testid="stage">Accompagnement<' in refused.text


def test_post_without_csrf_token_changes_nothing(login: Login, demo: Any, db: Session) -> None:
    client = login("cedia")
    pid = project_id(db, "Prévision de trésorerie")
    before = version_of(client, demo, pid)
    forged = client.post(f"/cedia/projets/{pid}/etape", data={"to_stage": "qualification", "version": before})
    assert forged.status_code == 403 and "Formulaire expiré" in forged.text
    wrong = client.post(
        f"/cedia/projets/{pid}/etape", data={"to_stage": "qualification", "version": before, "csrf_token": "0" * 64}
    )
    assert wrong.status_code == 403
    assert version_of(client, demo, pid) == before


def test_stale_form_gets_409_and_keeps_the_other_change(login: Login, demo: Any, db: Session) -> None:
    """Edit form opened at version v; someone moves the project; saving the old form is refused with a clear text."""
    client = login("cedia")
    pid = project_id(db, "Prévision de trésorerie")
    form = client.get(f"/cedia/projets/{pid}/modifier")
    seen = int(re.search(r'name="version" value="(\d+)"', form.text).group(1))  # type: ignore[union-attr]
    api = client.post(
        f"/api/v1/cedia/projects/{pid}/transitions",
        json={"to_stage": "qualification", "version": seen},
        headers=demo.h("admin"),
    )
    assert api.status_code == 200
    stale = client.post(
        f"/cedia/projets/{pid}/modifier",
        data={
            "version": seen,
            "title": "Autre titre",
            "unit": "Direction financière",
            "csrf_token": csrf_of(form.text),
        },
    )
    assert stale.status_code == 409
    assert "modifié entre-temps par admin" in stale.text
    assert (
        client.get(f"/api/v1/cedia/projects/{pid}", headers=demo.h("cedia")).json()["title"]
        == "Prévision de trésorerie"
    )


def test_create_project_and_add_team_milestone_blocker(login: Login) -> None:
    client = login("cedia")
    form = client.get("/cedia/projets/nouveau")
    token = csrf_of(form.text)
    created = client.post(
        "/cedia/projets",
        data={
            "title": "Détection des arrêts atypiques",
            "unit": "Direction financière",
            "use_case": "fraud_anomaly",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    url = created.headers["location"].split("?")[0]
    assert (
        client.post(
            f"{url}/equipe",
            data={"display_name": "Camille Martin", "username": "apprenant1", "role": "learner", "csrf_token": token},
        ).status_code
        == 200
    )
    assert (
        client.post(f"{url}/jalons", data={"title": "Cadrage", "due_on": "2026-12-15", "csrf_token": token}).status_code
        == 200
    )
    page = client.post(f"{url}/blocages", data={"description": "Données incomplètes", "csrf_token": token})
    assert "Camille Martin" in page.text and "académie" in page.text
    assert "Cadrage" in page.text and "Données incomplètes" in page.text
    assert "Équipe : Camille Martin (learner) ajouté·e" in page.text
    bad = client.post(f"{url}/jalons", data={"title": "X", "due_on": "pas une date", "csrf_token": token})
    assert bad.status_code == 422 and "Saisie invalide" in bad.text


def test_dashboard_charts_are_pngs_cached_by_content(login: Login) -> None:
    """Every chart is a PNG; asking again draws nothing new and a matching ETag gets 304."""
    client = login("cedia")
    page = client.get("/cedia/portefeuille")
    assert page.status_code == 200 and "relais data (objectif ×3)" in page.text
    urls = re.findall(r'<img class="chart" src="([^"]+)"', page.text)
    assert len(urls) == 5
    for url in urls:
        png = client.get(url)
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    renders = pages_dashboard.CACHE.renders
    again = client.get(urls[0])
    assert pages_dashboard.CACHE.renders == renders
    assert client.get(urls[0], headers={"If-None-Match": again.headers["etag"]}).status_code == 304


def test_moves_from_a_filtered_board_keep_the_filters(login: Login, demo: Any, db: Session) -> None:
    """Refused or done, a move from a board filtered on one unit comes back to that same filtered board."""
    client = login("cedia")
    pid = project_id(db, "Prévision de trésorerie")
    board = client.get("/cedia", params={"unit": "Direction financière"})
    form = {"back": "board", "unit": "Direction financière", "csrf_token": csrf_of(board.text)}
    version = version_of(client, demo, pid)
    refused = client.post(f"/cedia/projets/{pid}/etape", data={**form, "to_stage": "coaching", "version": version})
    assert refused.status_code == 409 and "Impossible de sauter une étape" in refused.text
    assert len(re.findall(r'<article class="card"', refused.text)) == 2
    done = client.post(
        f"/cedia/projets/{pid}/etape",
        data={**form, "to_stage": "qualification", "version": version},
        follow_redirects=False,
    )
    assert done.headers["location"].startswith("/cedia?unit=Direction+financi")
