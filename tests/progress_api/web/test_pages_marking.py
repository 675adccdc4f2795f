"""« Réponses écrites à corriger »: a trainer grades written answers through the pages (a real session cookie,
real CSRF tokens), the learner's Markdown shown escaped, pages and previous/next for a large cohort."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.progress_api.web.conftest import csrf_of
from tests.progress_api.web.test_pages_scale import page_queries

Login = Callable[[str], TestClient]


def table(html: str) -> str:
    """The answers table of a listing page."""
    return html.split('id="reponses"')[1].split("</table>")[0]


BASE = "/promotions/demo-2026/reponses-ecrites"
XSS = '<script>alert("xss")</script> **Le biais** est <img src=x onerror=alert(1)> [lien](javascript:alert(1))'


def written_assignment(client: TestClient, demo: Any, *, learners: int) -> list[str]:
    """`c-ecrit/a01` (ex01 autograded 1 pt, ecrit01 written 2 pts) released to the demo cohort; every learner
    handed it in, ecrit01 awaiting a trainer (apprenant1's answer tries HTML injection)."""
    admin = demo.h("admin")
    assert client.put("/api/v1/courses/c-ecrit", json={"title": "Éthique", "order": 9}, headers=admin).is_success
    exercises = [
        {"id": "ex01", "max_score": 1, "kind": "auto"},
        {"id": "ecrit01", "max_score": 2, "kind": "manual"},
    ]
    body = {"title": "Biais et équité", "points": 3, "exercises": exercises}
    assert client.put("/api/v1/courses/c-ecrit/assignments/a01", json=body, headers=admin).is_success
    release = {"due_date": "2026-09-20T22:00:00Z", "released_at": "2026-09-07T08:00:00Z"}
    assert client.put("/api/v1/cohorts/demo-2026/releases/c-ecrit/a01", json=release, headers=admin).is_success
    extra = [f"learner{i:03d}" for i in range(max(0, learners - 5))]
    if extra:
        more = {"learners": [{"username": u, "display_name": f"Apprenant {u[-3:]}"} for u in extra]}
        assert client.post("/api/v1/cohorts/demo-2026/enrolments/bulk", json=more, headers=admin).is_success
    names = [f"apprenant{i}" for i in range(1, 6)][:learners] + extra
    rows = []
    for name in names:
        common = {
            "learner": name,
            "course": "c-ecrit",
            "assignment": "a01",
            "attempt": 1,
            "submitted_at": "2026-09-15T10:00:00Z",
            "graded_at": "2026-09-15T10:01:00Z",
            "feedback_url": None,
            "comment": None,
        }
        rows.append({**common, "exercise": "ex01", "score": 1, "max_score": 1, "kind": "auto"})
        answer = XSS if name == "apprenant1" else f"Réponse de {name}."
        rows.append(
            {**common, "exercise": "ecrit01", "score": None, "max_score": 2, "kind": "manual", "answer": answer}
        )
    response = client.post("/api/v1/ingest/grades", json={"grades": rows}, headers=demo.h("grader"))
    assert response.status_code == 200, response.text
    return names


def test_trainer_grades_an_answer_through_the_pages(client: TestClient, demo: Any, login: Login) -> None:
    """From the gradebook to the marking page: the answer escaped, CSRF checked, a score above the points refused
    with the typed comment kept, a valid grade recorded (author, time) and shown to the learner."""
    written_assignment(client, demo, learners=5)
    login("formateur")
    book = client.get("/promotions/demo-2026")
    assert f'href="{BASE}"' in book.text and "à corriger" in book.text
    overview = client.get(BASE)
    assert overview.status_code == 200 and "Biais et équité" in overview.text
    listing = client.get(f"{BASE}/c-ecrit/a01")
    assert listing.status_code == 200 and table(listing.text).count(">Corriger</a>") == 5
    first = re.search(rf'href="({BASE}/c-ecrit/a01/(\d+))\?statut=a-corriger"', table(listing.text))
    assert first is not None
    url, grade_id = first.group(1), int(first.group(2))
    page = client.get(url)
    assert page.status_code == 200
    answer = page.text.split('id="reponse"')[1].split("</section>")[0]
    assert "<script>" not in answer and "&lt;script&gt;" in answer  # raw HTML comes out escaped
    assert "<img" not in answer and 'href="javascript' not in answer
    assert "<strong>Le biais</strong>" in answer  # the Markdown itself is rendered
    assert 'max="2"' in page.text and 'id="suivante"' in page.text and 'id="precedente"' not in page.text
    token = csrf_of(page.text)

    forged = client.post(url, data={"score": "1", "comment": "x", "csrf_token": "0" * 64})
    assert forged.status_code == 403
    elsewhere = client.post(url.replace("/a01/", "/a99/"), data={"score": "1", "csrf_token": token})
    assert elsewhere.status_code == 404  # the answer is not in the assignment the URL names: nothing recorded
    too_much = client.post(url, data={"score": "3", "comment": "Mon commentaire détaillé", "csrf_token": token})
    assert too_much.status_code == 422 and "entre 0 et 2" in too_much.text
    assert "Mon commentaire détaillé" in too_much.text  # nothing the trainer typed is lost
    done = client.post(
        url, data={"score": "1,5", "comment": "Bonne analyse du biais.", "csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303 and re.search(
        rf"{BASE}/c-ecrit/a01/\d+\?statut=a-corriger&ok=1", done.headers["location"]
    )
    assert not done.headers["location"].startswith(f"{url}?")  # on to the next answer to grade

    graded = client.get(f"/api/v1/cohorts/demo-2026/written-answers/{grade_id}", headers=demo.h("trainer")).json()
    assert (graded["score"], graded["graded_by"], graded["comment"]) == (1.5, "formateur", "Bonne analyse du biais.")
    assert graded["history"][0]["at"] is not None
    learner_page = login("apprenant1").get("/moi")
    assert "Bonne analyse du biais." in learner_page.text and "1.5/2" in learner_page.text


def test_marking_pages_are_for_the_cohorts_trainers_and_admins(client: TestClient, demo: Any, login: Login) -> None:
    """A trainer of another cohort, a learner and CEDIA get 403; so does a POST without the right role."""
    written_assignment(client, demo, learners=5)
    for username in ("formateur2", "apprenant1", "cedia"):
        login(username)
        assert client.get(BASE).status_code == 403, username
        assert client.get(f"{BASE}/c-ecrit/a01").status_code == 403, username
    login("admin")
    assert client.get(f"{BASE}/c-ecrit/a01").status_code == 200
    assert client.get("/promotions/nexiste-pas/reponses-ecrites").status_code == 404


def test_a_large_cohort_is_paginated_with_previous_and_next(
    client: TestClient, demo: Any, login: Login, engine: Any
) -> None:
    """60 answers: pages of 25, the same number of statements per page, previous/next walk the whole list."""
    written_assignment(client, demo, learners=60)
    login("formateur")
    first = client.get(f"{BASE}/c-ecrit/a01")
    assert table(first.text).count(">Corriger</a>") == 25 and "Page 1 sur 3" in first.text
    last = client.get(f"{BASE}/c-ecrit/a01", params={"page": 3})
    assert table(last.text).count(">Corriger</a>") == 10
    assert page_queries(client, engine, f"{BASE}/c-ecrit/a01?page=2") == page_queries(
        client, engine, f"{BASE}/c-ecrit/a01?page=3"
    )
    ids = [int(i) for i in re.findall(rf"{BASE}/c-ecrit/a01/(\d+)\?statut", last.text)]
    middle = client.get(f"{BASE}/c-ecrit/a01/{ids[0]}")
    assert "Réponse 51 sur 60" in middle.text
    previous = re.search(rf'id="precedente" href="{BASE}/c-ecrit/a01/(\d+)', middle.text)
    following = re.search(rf'id="suivante" href="{BASE}/c-ecrit/a01/(\d+)', middle.text)
    assert previous is not None and following is not None and int(following.group(1)) == ids[1]
    end = client.get(f"{BASE}/c-ecrit/a01/{ids[-1]}")
    assert "Réponse 60 sur 60" in end.text and 'id="suivante"' not in end.text
