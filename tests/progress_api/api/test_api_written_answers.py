"""Written answers (`ecrit01` of `ct/a1`, 2 points, kind manual): ingested pending with the learner's Markdown,
graded by the cohort's trainer through the JSON API, counted "à corriger" until then (see the `world` fixture)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from progress_api.models.grading import ManualGrade, WrittenAnswer
from tests.progress_api.conftest import grade_row

COHORT = "/api/v1/cohorts/ct-2026"
ANSWERS = f"{COHORT}/written-answers"
ANSWER = "La **mutuelle** doit vérifier le *biais* avant tout.\n\n- point 1\n- point 2"


def pending(learner: str, answer: str | None = ANSWER, **kw: Any) -> dict[str, Any]:
    """An `ecrit01` row awaiting a trainer: score null, the learner's answer."""
    row = grade_row(learner, "ecrit01", 0, 2, kind="manual", **kw)
    return {**row, "score": None, "answer": answer}


def ingest(client: TestClient, world: Any, rows: list[dict[str, Any]]) -> Any:
    return client.post("/api/v1/ingest/grades", json={"grades": rows}, headers=world.h("grader"))


@pytest.fixture
def submitted(client: TestClient, world: Any) -> Any:
    """apprenant1 and apprenant2 handed in a1: ex01 and ex02 autograded, ecrit01 awaiting a trainer."""
    rows = [
        grade_row("apprenant1", "ex01", 1, 1),
        grade_row("apprenant1", "ex02", 2, 2),
        pending("apprenant1"),
        grade_row("apprenant2", "ex01", 0, 1),
        grade_row("apprenant2", "ex02", 0, 2),
        pending("apprenant2", answer="Je ne sais pas."),
    ]
    assert ingest(client, world, rows).json() == {"created": 6, "updated": 0, "unchanged": 0}
    return world


def _count(db: Session, model: Any) -> int:
    db.expire_all()
    return int(db.execute(select(func.count()).select_from(model)).scalar_one())


def test_pending_answers_are_listed_to_grade_with_their_text(client: TestClient, submitted: Any, db: Session) -> None:
    """Are pending answers stored once per (learner, assignment, attempt, exercise) and listed for the trainer?"""
    page = client.get(ANSWERS, params={"status": "to_grade"}, headers=submitted.h("trainer")).json()
    assert page["total"] == 2
    first = page["items"][0]
    assert (first["learner"], first["exercise"], first["status"], first["max_score"]) == (
        "apprenant1",
        "ecrit01",
        "to_grade",
        2,
    )
    assert first["answer"] == ANSWER and first["score"] is None and first["graded_by"] is None
    assert _count(db, WrittenAnswer) == 2
    grade = client.get("/api/v1/grades/" + str(first["id"]), headers=submitted.h("trainer")).json()
    assert grade["to_grade"] is True and grade["score"] is None


def test_gradebook_counts_a_pending_answer_to_grade_not_zero_not_missing(client: TestClient, submitted: Any) -> None:
    """Is a pending answer "à corriger" in the gradebook and at-risk list, its points out of the ratio?"""
    book = client.get(f"{COHORT}/gradebook", headers=submitted.h("trainer")).json()
    rows = {r["username"]: r for r in book["rows"]}
    cell = rows["apprenant1"]["cells"][0]
    assert (cell["status"], cell["score"], cell["to_grade"], cell["graded_max"], cell["max_score"]) == (
        "graded",
        3,
        1,
        3,
        5,
    )
    assert rows["apprenant1"]["ratio"] == 1.0 and rows["apprenant1"]["to_grade"] == 1
    assert rows["apprenant1"]["missing"] == 1  # a2 only: a1 is handed in
    risk = client.get(f"{COHORT}/at-risk", params={"inactive_days": 3650}, headers=submitted.h("trainer")).json()
    reasons = {i["username"]: [r["code"] for r in i["reasons"]] for i in risk["items"]}
    assert "low_scores" not in reasons.get("apprenant1", [])  # 3/3 graded, not 3/5
    difficulty = client.get(f"{COHORT}/difficulty", headers=submitted.h("trainer")).json()["items"]
    ecrit = next(d for d in difficulty if d["exercise"] == "ecrit01")
    assert (ecrit["graded"], ecrit["to_grade"], ecrit["success_rate"]) == (0, 2, None)
    me = client.get("/api/v1/me/progress", headers=submitted.h("learner")).json()
    a1 = next(a for a in me["assignments"] if a["assignment"] == "a1")
    assert (a1["score"], a1["to_grade"], me["to_grade"], me["ratio"]) == (3, 1, 1, 1.0)
    assert next(e for e in a1["exercises"] if e["id"] == "ecrit01")["to_grade"] is True


def test_trainer_grades_an_answer_with_audit_trail_feedback_and_xapi(client: TestClient, submitted: Any) -> None:
    """Does grading record the score, the author and time, show the comment to the learner, refresh the
    gradebook and emit xAPI statements (the grade, then the assignment's full result)?"""
    h = submitted.h("trainer")
    answer_id = client.get(ANSWERS, params={"learner": "apprenant1"}, headers=h).json()["items"][0]["id"]
    client.get(f"{COHORT}/gradebook", headers=h)  # cached before the grade
    response = client.put(f"{ANSWERS}/{answer_id}", json={"score": 1.5, "comment": "Argument solide."}, headers=h)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["score"], body["manual_score"], body["graded_by"]) == ("graded", 1.5, 1.5, "formateur")
    assert body["graded_at"] is not None
    assert [(m["by"], m["old_score"], m["new_score"], m["comment"]) for m in body["history"]] == [
        ("formateur", None, 1.5, "Argument solide.")
    ]
    book = client.get(f"{COHORT}/gradebook", headers=h).json()
    cell = next(r for r in book["rows"] if r["username"] == "apprenant1")["cells"][0]
    assert (cell["score"], cell["to_grade"], cell["graded_max"]) == (4.5, 0, 5)
    me = client.get("/api/v1/me/progress", headers=submitted.h("learner")).json()
    ecrit = next(e for a in me["assignments"] for e in a["exercises"] if e["id"] == "ecrit01")
    assert (ecrit["score"], ecrit["to_grade"], ecrit["trainer_comment"]) == (1.5, False, "Argument solide.")
    statements = client.get(
        "/api/v1/exports/xapi", params={"cohort": "ct-2026", "limit": 500}, headers=submitted.h("admin")
    ).json()["statements"]
    scored = [s for s in statements if s["verb"]["id"].endswith("/scored")]
    assert scored[-1]["result"]["score"] == {"raw": 1.5, "max": 2.0, "scaled": 0.75}
    assert scored[-1]["result"]["success"] is True
    completed = [
        s for s in statements if s["verb"]["id"].endswith("/completed") and s["object"]["id"].endswith("/ct/a1")
    ]
    # First "completed" (at ingestion) is pending; the last one, after the grade, has the assignment's result.
    assert completed[0]["result"] == {"completion": True}
    assert completed[-1]["result"] == {
        "completion": True,
        "success": True,
        "score": {"raw": 4.5, "min": 0, "max": 5.0, "scaled": 0.9},
    }


def test_resent_pending_row_never_erases_the_trainers_grade(client: TestClient, submitted: Any, db: Session) -> None:
    """Does re-sending the pending rows change nothing, and a re-graded batch keep the trainer's grade?"""
    h = submitted.h("trainer")
    answer_id = client.get(ANSWERS, params={"learner": "apprenant1"}, headers=h).json()["items"][0]["id"]
    client.put(f"{ANSWERS}/{answer_id}", json={"score": 2, "comment": "Parfait"}, headers=h)
    again = ingest(client, submitted, [pending("apprenant1")])
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 1}
    regraded = {**pending("apprenant1"), "graded_at": "2026-09-11T08:00:00+00:00"}
    assert ingest(client, submitted, [regraded]).json() == {"created": 0, "updated": 1, "unchanged": 0}
    after = client.get(f"{ANSWERS}/{answer_id}", headers=h).json()
    assert (after["score"], after["status"], after["comment"]) == (2, "graded", "Parfait")
    new_text = {**regraded, "answer": ANSWER + "\n\nAjout."}
    assert ingest(client, submitted, [new_text]).json()["updated"] == 1
    assert client.get(f"{ANSWERS}/{answer_id}", headers=h).json()["answer"].endswith("Ajout.")
    assert _count(db, WrittenAnswer) == 2


def test_grading_twice_the_same_writes_one_audit_row(client: TestClient, submitted: Any, db: Session) -> None:
    h = submitted.h("admin")
    answer_id = client.get(ANSWERS, headers=h).json()["items"][0]["id"]
    for _ in range(2):
        assert client.put(f"{ANSWERS}/{answer_id}", json={"score": 1}, headers=h).status_code == 200
    assert _count(db, ManualGrade) == 1
    changed = client.put(f"{ANSWERS}/{answer_id}", json={"score": 0.5, "comment": "Revu"}, headers=h).json()
    assert [(m["old_score"], m["new_score"]) for m in changed["history"]] == [(None, 1), (1, 0.5)]


def test_bad_grades_are_refused_with_a_clear_message(client: TestClient, submitted: Any) -> None:
    """Above the exercise's points, negative, or on something that is not a written answer: 422 / 404."""
    h = submitted.h("trainer")
    items = client.get(ANSWERS, headers=h).json()["items"]
    over = client.put(f"{ANSWERS}/{items[0]['id']}", json={"score": 3}, headers=h)
    assert over.status_code == 422 and "entre 0 et 2" in over.json()["error"]["message"]
    assert client.put(f"{ANSWERS}/{items[0]['id']}", json={"score": -1}, headers=h).status_code == 422
    auto = client.get("/api/v1/grades", params={"exercise": "ex01", "learner": "apprenant1"}, headers=h).json()
    not_written = client.put(f"{ANSWERS}/{auto['items'][0]['id']}", json={"score": 1}, headers=h)
    assert not_written.status_code == 404
    override = client.post(
        f"/api/v1/grades/{items[0]['id']}/overrides", json={"score": 1, "reason": "pas encore noté"}, headers=h
    )
    assert override.status_code == 409 and "Réponses écrites" in override.json()["error"]["message"]


def test_trainer_of_another_cohort_gets_403_and_other_cohorts_answers_404(client: TestClient, submitted: Any) -> None:
    """Is the list and the grading of answers confined to the cohorts one trains (admin: everywhere)?"""
    items = client.get(ANSWERS, headers=submitted.h("admin")).json()["items"]
    other = submitted.h("other_trainer")
    assert client.get(ANSWERS, headers=other).status_code == 403
    assert client.put(f"{ANSWERS}/{items[0]['id']}", json={"score": 1}, headers=other).status_code == 403
    assert client.get(ANSWERS, headers=submitted.h("learner")).status_code == 403
    assert client.get(ANSWERS, headers=submitted.h("cedia")).status_code == 403
    # apprenant4 is in demo-2026 only: their answer is not one of ct-2026's.
    ingest(client, submitted, [pending("apprenant4")])
    theirs = client.get(
        "/api/v1/cohorts/demo-2026/written-answers", params={"learner": "apprenant4"}, headers=submitted.h("trainer")
    )
    answer_id = theirs.json()["items"][0]["id"]
    assert client.put(f"{ANSWERS}/{answer_id}", json={"score": 1}, headers=submitted.h("admin")).status_code == 404


def test_ingest_rejects_rows_that_disagree_with_the_catalogue(client: TestClient, world: Any, db: Session) -> None:
    """Null score on an autograded row, a manual row for an autograded exercise, a max_score that differs from the
    catalogue's, an answer on an autograded exercise, a too long answer: one error each, nothing written."""
    rows = [
        {**grade_row("apprenant1", "ex01", 0, 1), "score": None},
        {**grade_row("apprenant1", "ex02", 0, 2, kind="manual"), "score": None},
        grade_row("apprenant2", "ex02", 1, 3),
        {**grade_row("apprenant2", "ex01", 1, 1), "answer": "texte"},
        pending("apprenant3", answer="x" * 20_001),
        pending("apprenant1"),
    ]
    response = ingest(client, world, rows)
    assert response.status_code == 422
    errors = response.json()["error"]["details"]["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(4, "answer")]  # schema errors first, alone
    response = ingest(client, world, rows[:4] + rows[5:])
    errors = response.json()["error"]["details"]["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(0, "score"), (1, "kind"), (2, "max_score"), (3, "answer")]
    assert "catalogue (2)" in errors[2]["message"]
    assert _count(db, WrittenAnswer) == 0
