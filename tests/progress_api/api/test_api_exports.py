"""Exports: CSV for French Excel and xAPI statements with pseudonymised actors; the roster for the hub."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi.testclient import TestClient

from tests.progress_api.conftest import grade_row


def _graded(client: TestClient, world: Any) -> None:
    rows = [grade_row("apprenant1", "ex02", 1.5, 2), grade_row("apprenant2", "ex01", 1, 1)]
    client.post("/api/v1/ingest/grades", json={"grades": rows}, headers=world.h("grader"))


def test_gradebook_csv_opens_in_french_excel(client: TestClient, world: Any) -> None:
    """Is the CSV UTF-8 with a BOM, `;`-separated, with decimal commas and accents intact?"""
    _graded(client, world)
    response = client.get("/api/v1/cohorts/ct-2026/exports/gradebook.csv", headers=world.h("trainer"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["identifiant", "nom", "direction", "ct/a1", "ct/a2"]
    first = {r[0]: r for r in rows[1:]}["apprenant1"]
    assert first[3] == "1,5" and first[1] == "Camille Martin"


def test_csv_with_comma_and_without_bom(client: TestClient, world: Any) -> None:
    _graded(client, world)
    response = client.get(
        "/api/v1/cohorts/ct-2026/exports/grades.csv", params={"sep": ",", "bom": "false"}, headers=world.h("admin")
    )
    text = response.content.decode("utf-8")
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(r["identifiant"], r["exercice"], r["note"]) for r in rows} == {
        ("apprenant1", "ex02", "1.5"),
        ("apprenant2", "ex01", "1"),
    }


def test_xapi_statements_pseudonymise_the_actor(client: TestClient, world: Any) -> None:
    """Are events exported as xAPI statements whose actor is a stable pseudonym, never the username or name?"""
    _graded(client, world)
    body = client.get(
        "/api/v1/exports/xapi", params={"cohort": "ct-2026", "limit": 500}, headers=world.h("cedia")
    ).json()
    statements = body["statements"]
    assert statements and body["more"] is False
    text = json.dumps(statements)
    for secret in ("apprenant1", "apprenant2", "Camille", "Martin"):
        assert secret not in text
    completed = [s for s in statements if s["verb"]["id"].endswith("/completed")]
    assert len(completed) == 2
    names = {s["actor"]["account"]["name"] for s in completed}
    assert len(names) == 2 and all(len(n) == 24 for n in names)
    again = client.get(
        "/api/v1/exports/xapi", params={"cohort": "ct-2026", "limit": 500}, headers=world.h("cedia")
    ).json()
    assert again["statements"] == statements  # stable ids and pseudonyms


def test_roster_lists_roles_cohorts_and_trainers(client: TestClient, world: Any) -> None:
    """Does the roster give the hub each user's roles, the cohorts they learn in and those they train?"""
    users = {u["username"]: u for u in client.get("/api/v1/roster", headers=world.h("admin")).json()["users"]}
    assert users["apprenant1"]["roles"] == ["learner"]
    assert users["apprenant1"]["cohorts"] == ["ct-2026", "demo-2026"]
    assert users["formateur"]["trains"] == ["ct-2026", "demo-2026"]
    assert "admin" in users["admin"]["roles"]


def test_events_are_listed_with_filters(client: TestClient, world: Any) -> None:
    _graded(client, world)
    page = client.get("/api/v1/events", params={"verb": "completed"}, headers=world.h("admin")).json()
    assert page["total"] == 2 and {e["learner"] for e in page["items"]} == {"apprenant1", "apprenant2"}
