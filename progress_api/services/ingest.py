"""Bulk grade ingestion: validate everything, then write with a handful of set-based statements in one transaction.

Idempotent per (learner, course, assignment, attempt, exercise): re-sending a batch reports every row `unchanged`
and writes nothing. 100,000 grades take a few seconds on SQLite because rows go through executemany (Core
`insert`/`update` with lists of parameters), never through ORM objects one by one.

A written answer (`kind: manual`) may come with `score: null` (awaiting a trainer) and its Markdown `answer`,
stored in `written_answers`. The trainer's grade lives in other columns (`grades.manual_*`) that ingestion never
writes, so a re-sent pending row cannot erase it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.errors import ApiError
from progress_api.crud.events import bump_scopes
from progress_api.crud.grading import completion_results
from progress_api.crud.releases import recompute_lateness
from progress_api.models.catalog import Assignment, Course, Exercise
from progress_api.models.common import table_of, to_utc, utcnow
from progress_api.models.events import Event
from progress_api.models.grading import Grade, GradeIn, IngestResult, Submission, WrittenAnswer
from progress_api.models.people import User

CHUNK = 500  # ids per IN (...) clause: far below SQLite's and PostgreSQL's parameter limits
MAX_ERRORS = 200  # per-row errors reported (the batch fails as a whole anyway)
SCORE_EPSILON = 1e-9
# Core tables, not ORM entities: executemany without per-row ORM bookkeeping.
SUBMISSIONS: Table = table_of(Submission)
GRADES: Table = table_of(Grade)
EVENTS: Table = table_of(Event)
ANSWERS: Table = table_of(WrittenAnswer)
GRADE_COLUMNS = ("score", "max_score", "kind", "graded_at", "feedback_url", "comment")


def bulk_write(
    db: Session, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]], *, where: str = ""
) -> None:
    """INSERT (or, with `where="id"`, UPDATE ... WHERE id=) many rows through the driver's executemany.

    This skips SQLAlchemy's per-row parameter processing, the main cost at 100,000 rows; values must already be
    in the driver's form (see `db_time`).
    """
    if not rows:
        return
    conn = db.connection()
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    if where:
        sets = ", ".join(f"{quote(c)} = {mark}" for c in columns)
        sql = f"UPDATE {quote(table.name)} SET {sets} WHERE {quote(where)} = {mark}"
    else:
        names = ", ".join(quote(c) for c in columns)
        sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join([mark] * len(columns))})"
    conn.exec_driver_sql(sql, rows)


def db_time(db: Session) -> Callable[[datetime], Any]:
    """How a UTC timestamp goes to the driver: SQLAlchemy's SQLite text format, or an aware datetime.

    Memoised: a batch repeats the same few timestamps (one per submission) thousands of times.
    """
    memo: dict[datetime, Any] = {}
    sqlite = db.get_bind().dialect.name == "sqlite"

    def convert(value: datetime) -> Any:
        out = memo.get(value)
        if out is None:
            utc = to_utc(value)
            out = memo[value] = utc.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else utc
        return out

    return convert


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _resolve_catalog(db: Session, pairs: set[tuple[str, str]]) -> tuple[dict[tuple[str, str], Any], dict[Any, Any]]:
    """(course, assignment) -> assignment id, and (assignment id, exercise) -> (exercise id, max_score, kind)."""
    courses = {c for c, _ in pairs}
    rows = db.execute(
        select(col(Course.slug), col(Assignment.slug), col(Assignment.id))
        .join(Assignment, col(Assignment.course_id) == col(Course.id))
        .where(col(Course.slug).in_(courses))
    )
    assignments = {(c, a): aid for c, a, aid in rows if (c, a) in pairs}
    exercises: dict[Any, Any] = {}
    for ids in chunks(list(assignments.values())):
        for aid, slug, eid, max_score, kind in db.execute(
            select(
                col(Exercise.assignment_id),
                col(Exercise.slug),
                col(Exercise.id),
                col(Exercise.max_score),
                col(Exercise.kind),
            ).where(col(Exercise.assignment_id).in_(ids))
        ):
            exercises[(aid, slug)] = (eid, max_score, kind)
    return assignments, exercises


def _resolve_users(db: Session, names: set[str]) -> dict[str, Any]:
    users: dict[str, Any] = {}
    for part in chunks(sorted(names)):
        for name, uid in db.execute(select(col(User.username), col(User.id)).where(col(User.username).in_(part))):
            users[name] = uid
    return users


def ingest_grades(db: Session, *, grades: Sequence[GradeIn]) -> IngestResult:
    """Validate and write a batch; raises ApiError(422) with per-row errors and writes nothing if any row is bad."""
    users = _resolve_users(db, {g.learner for g in grades})
    assignments, exercises = _resolve_catalog(db, {(g.course, g.assignment) for g in grades})

    errors: list[dict[str, Any]] = []
    rows: dict[tuple[int, int, int, int], tuple[int, GradeIn]] = {}  # (user, assignment, attempt, exercise)

    def fail(index: int, field: str, message: str) -> None:
        if len(errors) < MAX_ERRORS:
            errors.append({"row": index, "field": field, "message": message})

    for index, g in enumerate(grades):
        uid = users.get(g.learner)
        aid = assignments.get((g.course, g.assignment))
        if uid is None:
            fail(index, "learner", f"apprenant inconnu : {g.learner}")
            continue
        if aid is None:
            fail(index, "assignment", f"devoir inconnu : {g.course}/{g.assignment} (enregistrez-le d'abord)")
            continue
        exercise = exercises.get((aid, g.exercise))
        if exercise is None:
            fail(index, "exercise", f"exercice inconnu dans {g.course}/{g.assignment} : {g.exercise}")
            continue
        problem = _row_problem(g, exercise)
        if problem is not None:
            fail(index, *problem)
            continue
        key = (uid, aid, g.attempt, exercise[0])
        previous = rows.get(key)
        if previous is not None and previous[1] != g:
            fail(index, "exercise", f"ligne en double (déjà en ligne {previous[0]}) avec des valeurs différentes")
            continue
        rows[key] = (index, g)
    if errors:
        raise ApiError(
            422,
            "invalid_rows",
            f"{len(errors)} ligne(s) invalide(s) : rien n'a été enregistré.",
            {"errors": errors, "rows": len(grades)},
        )
    if not rows:
        return IngestResult(created=0, updated=0, unchanged=0)

    submission_ids = _upsert_submissions(db, rows)
    created, updated, unchanged, touched = _upsert_grades(db, rows, submission_ids)
    if created or updated:
        recompute_lateness(db, assignment_ids=sorted({a for _, a, _ in submission_ids}))
        results = completion_results(db, submission_ids=[submission_ids[key] for key in touched])
        stamp = db_time(db)
        bulk_write(
            db,
            EVENTS,
            ("at", "user_id", "verb", "object_type", "object_id", "result"),
            [
                (
                    stamp(g.graded_at),
                    uid,
                    "completed",
                    "assignment",
                    f"{g.course}/{g.assignment}",
                    json.dumps({"attempt": attempt, **results.get(submission_ids[(uid, aid, attempt)], {})}),
                )
                for (uid, aid, attempt), g in touched.items()
            ],
        )
        bump_scopes(db, user_ids={uid for uid, _, _ in touched})
    db.flush()
    return IngestResult(created=created, updated=updated, unchanged=unchanged)


def _row_problem(g: GradeIn, exercise: tuple[int, float, str]) -> tuple[str, str] | None:
    """(field, French message) when a row disagrees with the catalogue or with itself, else None."""
    _eid, max_score, kind = exercise
    if abs(g.max_score - max_score) > 1e-6:
        return (
            "max_score",
            f"barème {g.max_score:g} différent de celui du catalogue ({max_score:g}) pour "
            f"{g.course}/{g.assignment}/{g.exercise} : réenregistrez le devoir (PUT …/assignments/…)",
        )
    if g.score is None:
        if g.kind != "manual":
            return "score", "note absente : seule une réponse écrite (kind « manual ») peut attendre un formateur"
        if kind != "manual":
            return "kind", f"{g.exercise} est autocorrigé d'après le catalogue : sa note est obligatoire"
    elif not 0 <= g.score <= g.max_score + SCORE_EPSILON:
        return "score", f"note hors bornes : {g.score} / {g.max_score}"
    if g.answer is not None and kind != "manual":
        return "answer", f"réponse écrite envoyée pour {g.exercise}, exercice autocorrigé d'après le catalogue"
    return None


def _upsert_submissions(
    db: Session, rows: dict[tuple[int, int, int, int], tuple[int, GradeIn]]
) -> dict[tuple[int, int, int], int]:
    """Insert missing submissions, move `submitted_at` when the grader says so; returns key -> submission id."""
    wanted: dict[tuple[int, int, int], Any] = {}
    for (uid, aid, attempt, _eid), (_i, g) in rows.items():
        key = (uid, aid, attempt)
        if key not in wanted or g.submitted_at < wanted[key]:
            wanted[key] = g.submitted_at
    existing = _load_submissions(db, wanted)
    new = [
        {"user_id": u, "assignment_id": a, "attempt": n, "submitted_at": at, "late": False}
        for (u, a, n), at in wanted.items()
        if (u, a, n) not in existing
    ]
    moved = [
        {"sid": existing[key][0], "at": at} for key, at in wanted.items() if key in existing and existing[key][1] != at
    ]
    if new:
        db.execute(insert(SUBMISSIONS), new)
    if moved:
        db.execute(
            update(SUBMISSIONS).where(SUBMISSIONS.c.id == bindparam("sid")).values(submitted_at=bindparam("at")),
            moved,
        )
    if new:
        existing = _load_submissions(db, wanted)
    return {key: sid for key, (sid, _at) in existing.items()}


def _load_submissions(db: Session, wanted: dict[tuple[int, int, int], Any]) -> dict[tuple[int, int, int], tuple]:
    found: dict[tuple[int, int, int], tuple] = {}
    assignment_ids = sorted({a for _, a, _ in wanted})
    user_ids = sorted({u for u, _, _ in wanted})
    for a_ids in chunks(assignment_ids):
        for u_ids in chunks(user_ids):
            stmt = select(
                col(Submission.id),
                col(Submission.user_id),
                col(Submission.assignment_id),
                col(Submission.attempt),
                col(Submission.submitted_at),
            ).where(col(Submission.assignment_id).in_(a_ids), col(Submission.user_id).in_(u_ids))
            for sid, uid, aid, attempt, at in db.execute(stmt):
                if (uid, aid, attempt) in wanted:
                    found[(uid, aid, attempt)] = (sid, at)
    return found


def _upsert_grades(
    db: Session,
    rows: dict[tuple[int, int, int, int], tuple[int, GradeIn]],
    submission_ids: dict[tuple[int, int, int], int],
) -> tuple[int, int, int, dict[tuple[int, int, int], GradeIn]]:
    existing: dict[tuple[int, int], tuple] = {}
    for part in chunks(sorted(set(submission_ids.values()))):
        stmt = select(
            col(Grade.id),
            col(Grade.submission_id),
            col(Grade.exercise_id),
            col(Grade.score),
            col(Grade.max_score),
            col(Grade.kind),
            col(Grade.graded_at),
            col(Grade.feedback_url),
            col(Grade.comment),
        ).where(col(Grade.submission_id).in_(part))
        for gid, sid, eid, *stored in db.execute(stmt):
            existing[(sid, eid)] = (gid, tuple(stored))
    # Stored answers, only for the (few) rows that carry one: written answers, not the autograded bulk.
    answered: dict[tuple[int, int], str] = {
        (submission_ids[(u, a, n)], e): g.answer for (u, a, n, e), (_i, g) in rows.items() if g.answer is not None
    }
    stored_answers = _load_answers(db, [existing[k][0] for k in answered if k in existing])
    stamp = db_time(db)
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    touched: dict[tuple[int, int, int], GradeIn] = {}
    unchanged = 0
    for (uid, aid, attempt, eid), (_i, g) in rows.items():
        sid = submission_ids[(uid, aid, attempt)]
        score = float(g.score) if g.score is not None else None
        values: tuple[Any, ...] = (score, float(g.max_score), g.kind, g.graded_at, g.feedback_url, g.comment)
        current = existing.get((sid, eid))
        new_answer = g.answer is not None and (current is None or stored_answers.get(current[0]) != g.answer)
        if current is not None and current[1] == values and not new_answer:
            unchanged += 1
            continue
        out = (values[0], values[1], values[2], stamp(values[3]), values[4], values[5])
        if current is None:
            inserts.append((sid, eid, *out))
        else:
            updates.append((*out, current[0]))
        touched[(uid, aid, attempt)] = g
    bulk_write(db, GRADES, ("submission_id", "exercise_id", *GRADE_COLUMNS), inserts)
    bulk_write(db, GRADES, GRADE_COLUMNS, updates, where="id")
    if answered:
        _write_answers(db, answered, stored_answers)
    return len(inserts), len(updates), unchanged, touched


def _load_answers(db: Session, grade_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for part in chunks(sorted(grade_ids)):
        stmt = select(col(WrittenAnswer.grade_id), col(WrittenAnswer.answer)).where(
            col(WrittenAnswer.grade_id).in_(part)
        )
        found.update({gid: text for gid, text in db.execute(stmt)})
    return found


def _write_answers(db: Session, answered: dict[tuple[int, int], str], stored: dict[int, str]) -> None:
    """Insert or replace the answers whose text differs from what is stored (grade ids looked up after insert)."""
    ids: dict[tuple[int, int], int] = {}
    for part in chunks(sorted({sid for sid, _ in answered})):
        stmt = select(col(Grade.id), col(Grade.submission_id), col(Grade.exercise_id)).where(
            col(Grade.submission_id).in_(part)
        )
        for gid, sid, eid in db.execute(stmt):
            if gid is not None and (sid, eid) in answered:
                ids[(sid, eid)] = gid
    now = db_time(db)(utcnow())
    new = [(ids[k], text, now) for k, text in answered.items() if ids[k] not in stored]
    changed = [(text, now, ids[k]) for k, text in answered.items() if ids[k] in stored and stored[ids[k]] != text]
    bulk_write(db, ANSWERS, ("grade_id", "answer", "received_at"), new)
    bulk_write(db, ANSWERS, ("answer", "received_at"), changed, where="grade_id")
