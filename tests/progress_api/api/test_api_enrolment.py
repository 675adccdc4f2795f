"""Bulk enrolment from JSON and CSV: thousands of rows, idempotent, all-or-nothing, clear errors on bad files."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from progress_api.models.people import Enrolment, User


def _count(db: Session, model: Any) -> int:
    db.expire_all()
    return int(db.execute(select(func.count()).select_from(model)).scalar_one())


def test_bulk_json_enrols_thousands_once(client: TestClient, demo: Any, db: Session) -> None:
    """Are 3,000 learners enrolled in one call, and does the same call again enrol nobody new?"""
    learners = [
        {"username": f"user{i:05d}", "display_name": f"Personne {i}", "business_unit": "Direction des prestations"}
        for i in range(3000)
    ]
    first = client.post(
        "/api/v1/cohorts/demo-2026/enrolments/bulk", json={"learners": learners}, headers=demo.h("admin")
    )
    assert first.status_code == 200, first.text
    assert first.json() == {
        "rows": 3000,
        "users_created": 3000,
        "users_updated": 0,
        "enrolled": 3000,
        "already_enrolled": 0,
        "profiles_kept": 0,
        "notices": [],
    }
    again = client.post(
        "/api/v1/cohorts/demo-2026/enrolments/bulk", json={"learners": learners}, headers=demo.h("admin")
    )
    assert again.json() == {
        "rows": 3000,
        "users_created": 0,
        "users_updated": 0,
        "enrolled": 0,
        "already_enrolled": 3000,
        "profiles_kept": 0,
        "notices": [],
    }
    page = client.get(
        "/api/v1/cohorts/demo-2026/enrolments", params={"limit": 10, "q": "user0299"}, headers=demo.h("trainer")
    )
    assert page.json()["total"] == 10
    roles = client.get("/api/v1/users/user00001", headers=demo.h("admin")).json()["roles"]
    assert roles == ["learner"]


def test_one_bad_row_enrols_nobody(client: TestClient, demo: Any, db: Session) -> None:
    """Does a batch with an invalid username and a duplicate get 422 listing both rows, with nothing written?"""
    before = (_count(db, User), _count(db, Enrolment))
    learners = [{"username": "ok.one"}, {"username": "Pas Valide!"}, {"username": "ok.one"}]
    response = client.post(
        "/api/v1/cohorts/demo-2026/enrolments/bulk", json={"learners": learners}, headers=demo.h("admin")
    )
    assert response.status_code == 422
    errors = response.json()["error"]["details"]["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(1, "username"), (2, "username")]
    assert (_count(db, User), _count(db, Enrolment)) == before


def test_rows_failing_the_schema_get_the_same_per_row_report(client: TestClient, demo: Any, db: Session) -> None:
    """A row of the wrong type or with a too long field: `invalid_rows` {row, field, message}, like a bad username
    (one error shape for every bulk endpoint), and nobody enrolled; a body without `learners` is not a batch."""
    before = _count(db, Enrolment)
    learners = [{"username": "ok.two"}, "pas-un-objet", {"username": "ok.three", "email": "x" * 300}]
    url = "/api/v1/cohorts/demo-2026/enrolments/bulk"
    response = client.post(url, json={"learners": learners}, headers=demo.h("admin"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_rows" and error["details"]["rows"] == 3
    assert [(e["row"], e["field"]) for e in error["details"]["errors"]] == [(1, None), (2, "email")]
    assert all(e["message"] for e in error["details"]["errors"])
    assert _count(db, Enrolment) == before
    not_a_batch = client.post(url, json={"people": []}, headers=demo.h("admin"))
    assert not_a_batch.status_code == 422 and not_a_batch.json()["error"]["code"] == "validation_error"
    ragged = {"file": ("x.csv", b"username;display_name\r\na.b;A B;extra\r\n", "text/csv")}
    csv_error = client.post(url.replace("/bulk", "/csv"), files=ragged, headers=demo.h("admin")).json()["error"]
    assert csv_error["code"] == "invalid_rows" and csv_error["details"]["errors"][0]["row"] == 2


def test_french_excel_csv_with_bom_and_semicolons(client: TestClient, demo: Any) -> None:
    """Does a CSV saved by French Excel (BOM, `;`, French headers, accents) enrol its learners?"""
    text = "\ufeffidentifiant;nom;direction;métier\r\nmarie.curie;Marie Curie;Direction de l'actuariat;Actuaire\r\n"
    text += "leon.blum;Léon Blum;Direction financière;Contrôleur\r\n\r\n"
    files = {"file": ("promo.csv", text.encode("utf-8"), "text/csv")}
    response = client.post("/api/v1/cohorts/demo-2026/enrolments/csv", files=files, headers=demo.h("trainer"))
    assert response.status_code == 200, response.text
    assert response.json()["enrolled"] == 2
    user = client.get("/api/v1/users/leon.blum", headers=demo.h("admin")).json()
    assert user["display_name"] == "Léon Blum" and user["job_family"] == "Contrôleur"


def test_windows_1252_csv_is_read(client: TestClient, demo: Any) -> None:
    """Is a CSV in Windows-1252 (Excel's legacy French export) decoded, accents included?"""
    text = "username;display_name\r\nh.lefevre;Hélène Lefèvre\r\n"
    files = {"file": ("promo.csv", text.encode("cp1252"), "text/csv")}
    response = client.post("/api/v1/cohorts/demo-2026/enrolments/csv", files=files, headers=demo.h("admin"))
    assert response.status_code == 200, response.text
    assert client.get("/api/v1/users/h.lefevre", headers=demo.h("admin")).json()["display_name"] == "Hélène Lefèvre"


def test_broken_csv_gets_a_clear_422(client: TestClient, demo: Any, db: Session) -> None:
    """Do a binary file, a file without a username column, and a ragged line each get a 422 that says why?"""
    before = _count(db, Enrolment)
    cases = {
        b"\x89PNG\r\n\x1a\n\x00\x00": "CSV texte",
        b"nom;direction\r\nA;B\r\n": "username",
        b"username;display_name\r\na.b;A B;extra\r\n": "colonnes",
        b"": "vide",
    }
    for payload, needle in cases.items():
        files = {"file": ("x.csv", payload, "text/csv")}
        response = client.post("/api/v1/cohorts/demo-2026/enrolments/csv", files=files, headers=demo.h("admin"))
        assert response.status_code == 422, payload
        body = response.json()["error"]
        assert needle in (body["message"] + str(body["details"])), body
    assert _count(db, Enrolment) == before


def test_single_enrolment_and_unenrolment(client: TestClient, demo: Any) -> None:
    h = demo.h("admin")
    assert (
        client.post("/api/v1/cohorts/demo-2026/enrolments", json={"username": "solo"}, headers=h).json()["enrolled"]
        == 1
    )
    assert client.delete("/api/v1/cohorts/demo-2026/enrolments/solo", headers=h).status_code == 204
    assert client.delete("/api/v1/cohorts/demo-2026/enrolments/solo", headers=h).status_code == 404


def test_unknown_cohort_is_404_in_the_error_shape(client: TestClient, demo: Any) -> None:
    response = client.post("/api/v1/cohorts/nope/enrolments/bulk", json={"learners": []}, headers=demo.h("admin"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_cohort_crud_conflict_and_validation(client: TestClient, demo: Any) -> None:
    """Does creating an existing cohort give 409, and an end date before the start 422?"""
    h = demo.h("admin")
    body = {"slug": "promo-b", "name": "Promo B", "start_date": "2026-01-10", "end_date": "2026-03-01"}
    assert client.post("/api/v1/cohorts", json=body, headers=h).status_code == 201
    assert client.post("/api/v1/cohorts", json=body, headers=h).json()["error"]["code"] == "conflict"
    bad = client.patch("/api/v1/cohorts/promo-b", json={"end_date": "2025-01-01"}, headers=h)
    assert bad.status_code == 422
    listed = client.get("/api/v1/cohorts", params={"q": "promo-b"}, headers=h).json()
    assert [c["slug"] for c in listed["items"]] == ["promo-b"]
    kept = client.get("/api/v1/cohorts/promo-b", headers=h).json()
    assert kept["end_date"] == "2026-03-01"  # the refused PATCH left nothing behind
