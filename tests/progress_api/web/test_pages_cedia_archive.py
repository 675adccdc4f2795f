"""Archive and restore from a project's page (`pages_cedia_archive`): off the board with the reason in the history,
still reachable from the archived list, back on restore; a stale page gets the 409 message, nothing changed."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.progress_api.web.conftest import csrf_of
from tests.progress_api.web.test_pages_cedia import Login, project_id, version_of

TITLE = "Prévision de trésorerie"


def seen_version(page: str) -> int:
    """The version the page's forms carry (what the visitor saw)."""
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found, "no version in the page's forms"
    return int(found.group(1))


def on_board(client: TestClient, pid: int) -> bool:
    return f'id="projet-{pid}"' in client.get("/cedia").text


def archive(client: TestClient, pid: int, reason: str) -> Any:
    page = client.get(f"/cedia/projets/{pid}")
    assert f'action="/cedia/projets/{pid}/archiver"' in page.text
    return client.post(
        f"/cedia/projets/{pid}/archiver",
        data={"version": seen_version(page.text), "comment": reason, "csrf_token": csrf_of(page.text)},
    )


def test_archive_takes_the_project_off_the_board_and_keeps_the_reason(login: Login, db: Session) -> None:
    client = login("cedia")
    pid = project_id(db, TITLE)
    assert on_board(client, pid)
    archived = archive(client, pid, "Doublon du projet de prévision budgétaire")
    assert archived.status_code == 200
    assert "Projet archivé : il n&#39;apparaît plus au tableau" in archived.text  # the flash
    assert (
        'data-testid="archived"' in archived.text
        and "Motif : « Doublon du projet de prévision budgétaire »" in archived.text
    )
    assert (
        '<li data-kind="archived">' in archived.text
        and "Projet archivé (retiré du tableau et des indicateurs)" in archived.text
    )
    # read-only until restored: the change forms are gone, the restore button is there
    assert "/etape" not in archived.text and "/archiver" not in archived.text and "/jalons" not in archived.text
    assert f'action="/cedia/projets/{pid}/restaurer"' in archived.text and ">Restaurer</button>" in archived.text
    assert not on_board(client, pid)
    assert f'href="/cedia/projets/{pid}"' not in client.get("/cedia/projets").text
    listed = client.get("/cedia/projets", params={"archived": "true"})
    assert "Projets archivés" in listed.text and f'href="/cedia/projets/{pid}"' in listed.text
    assert 'href="/cedia/projets?archived=true"' in client.get("/cedia").text  # how staff find it again


def test_restore_brings_the_project_back_to_the_board(login: Login, db: Session) -> None:
    client = login("cedia")
    pid = project_id(db, TITLE)
    page = archive(client, pid, "Saisi par erreur")
    restored = client.post(
        f"/cedia/projets/{pid}/restaurer",
        data={"version": seen_version(page.text), "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert restored.status_code == 303 and restored.headers["location"] == f"/cedia/projets/{pid}?msg=restored"
    back = client.get(restored.headers["location"])
    assert "Projet restauré : il est de retour au tableau" in back.text and 'data-testid="archived"' not in back.text
    assert "Projet restauré (étape « Demande »)" in back.text and "/archiver" in back.text
    assert on_board(client, pid)
    assert f'href="/cedia/projets/{pid}"' not in client.get("/cedia/projets", params={"archived": "true"}).text


def test_archiving_from_a_stale_page_is_a_409_and_changes_nothing(login: Login, demo: Any, db: Session) -> None:
    """The page was read at version v; someone moved the project since: archiving is refused with who did it."""
    client = login("cedia")
    pid = project_id(db, TITLE)
    page = client.get(f"/cedia/projets/{pid}")
    seen = seen_version(page.text)
    moved = client.post(
        f"/api/v1/cedia/projects/{pid}/transitions",
        json={"to_stage": "qualification", "version": seen},
        headers=demo.h("admin"),
    )
    assert moved.status_code == 200
    stale = client.post(
        f"/cedia/projets/{pid}/archiver",
        data={"version": seen, "comment": "Doublon", "csrf_token": csrf_of(page.text)},
    )
    assert stale.status_code == 409
    assert "modifié entre-temps par admin" in stale.text and "rien n&#39;a été enregistré" in stale.text
    assert client.get(f"/api/v1/cedia/projects/{pid}", headers=demo.h("cedia")).json()["archived_at"] is None
    assert on_board(client, pid)


def test_restoring_from_a_stale_page_is_a_409(login: Login, demo: Any, db: Session) -> None:
    client = login("cedia")
    pid = project_id(db, TITLE)
    page = archive(client, pid, "Doublon")
    seen = seen_version(page.text)
    again = client.post(f"/api/v1/cedia/projects/{pid}/restore", json={"version": seen}, headers=demo.h("admin"))
    assert again.status_code == 200
    stale = client.post(f"/cedia/projets/{pid}/restaurer", data={"version": seen, "csrf_token": csrf_of(page.text)})
    assert stale.status_code == 409 and "modifié entre-temps par admin" in stale.text


def test_trainer_gets_403_and_no_archive_form(login: Login, demo: Any, db: Session) -> None:
    client = login("formateur")
    pid = project_id(db, TITLE)
    page = client.get(f"/cedia/projets/{pid}")
    assert page.status_code == 200 and "/archiver" not in page.text
    refused = client.post(
        f"/cedia/projets/{pid}/archiver",
        data={"version": version_of(client, demo, pid), "csrf_token": csrf_of(page.text)},
    )
    assert refused.status_code == 403
    assert on_board(client, pid)


def test_archive_without_csrf_token_changes_nothing(login: Login, demo: Any, db: Session) -> None:
    client = login("cedia")
    pid = project_id(db, TITLE)
    forged = client.post(f"/cedia/projets/{pid}/archiver", data={"version": version_of(client, demo, pid)})
    assert forged.status_code == 403 and "Formulaire expiré" in forged.text
    assert on_board(client, pid)
