"""Trainer and learner pages: gradebook (sort, colours, charts, at-risk, exports), overrides, my progress."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.progress_api.web.conftest import build_gradebook, csrf_of

Login = Callable[[str], TestClient]


def test_trainer_gradebook_sorts_colours_and_links_exports(client: TestClient, demo: Any, login: Login) -> None:
    book = build_gradebook(client, demo, learners=12)
    login("formateur")
    cohorts = client.get("/promotions")
    assert cohorts.status_code == 200 and "Promotion démo 2026" in cohorts.text
    page = client.get(f"/promotions/{book.cohort}", params={"tri": "moyenne", "ordre": "desc"})
    assert page.status_code == 200
    names = re.findall(r"/apprenants/([a-z0-9]+)\">", page.text.split('id="gradebook"')[1].split("</table>")[0])
    assert len(names) == 12
    assert '<span class="muted small">apprenant1</span>' in page.text  # the hub login shown next to the name
    ratios = [
        float(v.replace(",", ".")) for v in re.findall(r">(\d+(?:,\d+)?)\u202f%</td>", page.text.split("</table>")[0])
    ]
    assert ratios == sorted(ratios, reverse=True)  # sorted by average, best first
    assert "hsl(" in page.text  # the colour scale
    for export in ("/exports/gradebook.csv", "/exports/grades.csv"):
        assert export in page.text
        href = re.search(rf'href="([^"]*{re.escape(export)})"', page.text).group(1)  # type: ignore[union-attr]
        csv = client.get(href)  # the API accepts the page's session cookie
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    for chart in ("distribution", "difficulte"):
        png = client.get(f"/promotions/{book.cohort}/graphiques/{chart}.png")
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def test_at_risk_learners_are_listed_with_reasons(client: TestClient, demo: Any, login: Login) -> None:
    build_gradebook(client, demo, learners=5)
    # Inactivity is flagged only while the cohort runs: keep the demo cohort running whatever today's date.
    running = {"start_date": "2026-01-05", "end_date": "2099-12-31"}
    assert client.patch("/api/v1/cohorts/demo-2026", json=running, headers=demo.h("admin")).status_code == 200
    page = login("formateur").get("/promotions/demo-2026")
    section = page.text.split('id="a-surveiller"')[1].split("</section>")[0]
    assert "Aucune activité depuis" in section  # everyone last submitted in January 2026


def test_other_trainer_and_learner_cannot_open_the_gradebook(client: TestClient, demo: Any, login: Login) -> None:
    """A trainer of another cohort gets the same 403 as for a cohort that does not exist; a learner gets 403."""
    build_gradebook(client, demo, learners=5)
    login("formateur2")
    assert client.get("/promotions/demo-2026").status_code == 403
    assert client.get("/promotions/nexiste-pas").status_code == 403
    login("apprenant1")
    assert client.get("/promotions/demo-2026").status_code == 403


def test_override_needs_a_reason_and_is_applied(client: TestClient, demo: Any, login: Login) -> None:
    build_gradebook(client, demo, learners=5)
    login("formateur")
    page = client.get("/promotions/demo-2026/apprenants/apprenant1")
    assert page.status_code == 200
    action = re.search(r'action="(/promotions/demo-2026/apprenants/apprenant1/notes/(\d+))"', page.text)
    assert action is not None
    url, grade_id = action.group(1), action.group(2)
    token = csrf_of(page.text)
    refused = client.post(url, data={"score": "1", "reason": "", "csrf_token": token})
    assert refused.status_code == 422 and "motif de la correction est obligatoire" in refused.text
    applied = client.post(url, data={"score": "1", "reason": "Réponse juste, test trop strict", "csrf_token": token})
    assert applied.status_code == 200 and "Note corrigée" in applied.text and "corrigée" in applied.text
    grade = client.get(f"/api/v1/grades/{grade_id}", headers=demo.h("trainer")).json()
    assert grade["overridden"] is True and grade["score"] == 1
    history = client.get(f"/api/v1/grades/{grade_id}/overrides", headers=demo.h("trainer")).json()
    assert history["items"][0]["reason"] == "Réponse juste, test trop strict"


def test_cedia_reads_gradebooks_but_cannot_override(client: TestClient, demo: Any, login: Login) -> None:
    build_gradebook(client, demo, learners=5)
    login("cedia")
    page = client.get("/promotions/demo-2026/apprenants/apprenant1")
    assert page.status_code == 200 and "/notes/" not in page.text


def test_learner_sees_own_progress_competencies_and_feedback(client: TestClient, demo: Any, login: Login) -> None:
    build_gradebook(client, demo, learners=5)
    page = login("apprenant1").get("/moi")
    assert page.status_code == 200
    assert "Ma progression" in page.text and "Premiers pas" in page.text
    assert "Bases de Python" in page.text  # competency profile
    assert "Bien vu" in page.text  # feedback comment
    assert "apprenant2" not in page.text
