"""The catalogue: competencies, courses, assignments and their exercises; every write is an idempotent upsert.

Releases to cohorts live in `crud/releases.py`, loading `courses/` from disk in `services/course_catalog.py`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.errors import conflict, invalid, not_found
from progress_api.crud.events import bump_version
from progress_api.models.catalog import (
    Assignment,
    AssignmentPublic,
    AssignmentUpsert,
    Competency,
    CompetencyIn,
    CompetencyLevel,
    CompetencyPublic,
    CompetencyRef,
    Course,
    CourseUpsert,
    Exercise,
    ExerciseCompetency,
    ExercisePublic,
    Release,
    UpsertResult,
)
from progress_api.models.grading import SelfCheck, Submission
from progress_api.models.people import Cohort

# --- competencies ----------------------------------------------------------------------------------------------


def upsert_competencies(db: Session, *, items: list[CompetencyIn]) -> UpsertResult:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise invalid(f"Compétence en double dans la requête : {item.id}")
        seen.add(item.id)
    existing = {c.slug: c for c in db.execute(select(Competency)).scalars()}
    created = updated = unchanged = 0
    for item in items:
        levels = [lv.model_dump() for lv in item.levels]
        current = existing.get(item.id)
        if current is None:
            db.add(Competency(slug=item.id, label=item.label, domain=item.domain, levels=levels))
            created += 1
        elif (current.label, current.domain, current.levels) != (item.label, item.domain, levels):
            current.label, current.domain, current.levels = item.label, item.domain, levels
            updated += 1
        else:
            unchanged += 1
    if created or updated:
        bump_version(db)
    db.flush()
    return UpsertResult(created=created, updated=updated, unchanged=unchanged)


def competency_public(c: Competency) -> CompetencyPublic:
    return CompetencyPublic(
        id=c.slug, label=c.label, domain=c.domain, levels=[CompetencyLevel(**lv) for lv in c.levels or []]
    )


def list_competencies(
    db: Session, *, limit: int, offset: int, domain: str | None = None, q: str | None = None
) -> tuple[int, list[Competency]]:
    stmt = select(Competency)
    if domain is not None:
        stmt = stmt.where(col(Competency.domain) == domain)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(func.lower(col(Competency.label)).like(like) | func.lower(col(Competency.slug)).like(like))
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(col(Competency.slug)).limit(limit).offset(offset)).scalars().all()
    return total, list(rows)


# --- courses and assignments -------------------------------------------------------------------------------------


def get_course(db: Session, *, slug: str) -> Course | None:
    return db.execute(select(Course).where(col(Course.slug) == slug)).scalars().first()


def require_course(db: Session, *, slug: str) -> Course:
    course = get_course(db, slug=slug)
    if course is None:
        raise not_found("Cours", slug)
    return course


def upsert_course(db: Session, *, slug: str, data: CourseUpsert) -> tuple[Course, bool]:
    """(course, created)."""
    course = get_course(db, slug=slug)
    if course is None:
        course = Course(slug=slug, title=data.title, order=data.order)
        db.add(course)
        db.flush()
        bump_version(db)
        return course, True
    if (course.title, course.order) != (data.title, data.order):
        course.title, course.order = data.title, data.order
        bump_version(db)
    db.flush()
    return course, False


def list_courses(db: Session, *, limit: int, offset: int, q: str | None = None) -> tuple[int, list[tuple[Course, int]]]:
    counts = select(col(Assignment.course_id), func.count().label("n")).group_by(col(Assignment.course_id)).subquery()
    stmt = select(Course, func.coalesce(counts.c.n, 0)).join(counts, counts.c.course_id == Course.id, isouter=True)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(func.lower(col(Course.title)).like(like) | func.lower(col(Course.slug)).like(like))
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(col(Course.order), col(Course.slug)).limit(limit).offset(offset)).all()
    return total, [(c, int(n)) for c, n in rows]


def get_assignment(db: Session, *, course: str, slug: str) -> Assignment | None:
    return (
        db.execute(
            select(Assignment)
            .join(Course, col(Course.id) == col(Assignment.course_id))
            .where(col(Course.slug) == course, col(Assignment.slug) == slug)
        )
        .scalars()
        .first()
    )


def require_assignment(db: Session, *, course: str, slug: str) -> Assignment:
    assignment = get_assignment(db, course=course, slug=slug)
    if assignment is None:
        raise not_found("Devoir", f"{course}/{slug}")
    return assignment


def _refs(raw: list[str | CompetencyRef]) -> list[CompetencyRef]:
    return [r if isinstance(r, CompetencyRef) else CompetencyRef(id=r) for r in raw]


def upsert_assignment(db: Session, *, course: Course, slug: str, data: AssignmentUpsert) -> tuple[Assignment, bool]:
    """Create or update an assignment and its exercises; exercises absent from `data` are removed (with grades)."""
    ids = [e.id for e in data.exercises]
    if len(ids) != len(set(ids)):
        raise invalid("Identifiants d'exercice en double dans le devoir.")
    wanted = {r.id for e in data.exercises for r in _refs(e.competencies)}
    competencies: dict[str, int] = {
        slug: cid
        for slug, cid in db.execute(
            select(col(Competency.slug), col(Competency.id)).where(col(Competency.slug).in_(wanted))
        )
        if cid is not None
    }
    unknown = sorted(wanted - competencies.keys())
    if unknown:
        raise invalid(
            "Compétences inconnues : enregistrez-les d'abord (PUT /competencies).", details={"unknown": unknown}
        )
    assignment = db.execute(
        select(Assignment).where(col(Assignment.course_id) == course.id, col(Assignment.slug) == slug)
    ).scalar_one_or_none()
    created = assignment is None
    if assignment is not None:
        wanted_public = AssignmentPublic(
            course=course.slug,
            id=slug,
            title=data.title,
            points=data.points,
            exercises=[
                ExercisePublic(
                    id=e.id,
                    max_score=e.max_score,
                    kind=e.kind,
                    competencies=sorted({r.id: r for r in _refs(e.competencies)}.values(), key=lambda r: r.id),
                )
                for e in data.exercises
            ],
        )
        if assignments_public(db, assignments=[(assignment, course.slug)])[0] == wanted_public:
            return assignment, False  # nothing changed: no write, cached analytics stay valid
    if assignment is None:
        assert course.id is not None
        assignment = Assignment(course_id=course.id, slug=slug, title=data.title, points=data.points)
        db.add(assignment)
        db.flush()
    else:
        assignment.title, assignment.points = data.title, data.points
    existing = {
        e.slug: e for e in db.execute(select(Exercise).where(col(Exercise.assignment_id) == assignment.id)).scalars()
    }
    for gone in set(existing) - set(ids):
        db.delete(existing.pop(gone))
    for position, item in enumerate(data.exercises):
        exercise = existing.get(item.id)
        if exercise is None:
            assert assignment.id is not None
            exercise = Exercise(assignment_id=assignment.id, slug=item.id)
            db.add(exercise)
        exercise.position, exercise.max_score, exercise.kind = position, item.max_score, item.kind
        db.flush()
        db.execute(delete(ExerciseCompetency).where(col(ExerciseCompetency.exercise_id) == exercise.id))
        for ref in {r.id: r for r in _refs(item.competencies)}.values():
            assert exercise.id is not None
            db.add(ExerciseCompetency(exercise_id=exercise.id, competency_id=competencies[ref.id], level=ref.level))
    bump_version(db)
    db.flush()
    return assignment, created


def exercise_rows(db: Session, *, assignment_ids: list[int]) -> list[tuple[int, int, str, float, str]]:
    """(assignment id, exercise id, slug, max_score, kind) of these assignments' exercises, in their order."""
    rows = db.execute(
        select(
            col(Exercise.assignment_id),
            col(Exercise.id),
            col(Exercise.slug),
            col(Exercise.max_score),
            col(Exercise.kind),
        )
        .where(col(Exercise.assignment_id).in_(assignment_ids))
        .order_by(col(Exercise.position))
    )
    return [(aid, eid or 0, slug, max_score, kind) for aid, eid, slug, max_score, kind in rows]


def assignments_public(db: Session, *, assignments: list[tuple[Assignment, str]]) -> list[AssignmentPublic]:
    """Assignments with their exercises and competency links, three queries for the whole list."""
    ids = [a.id for a, _ in assignments]
    exercises: dict[int, list[Exercise]] = {}
    links: dict[int, list[CompetencyRef]] = {}
    if ids:
        ex_rows = db.execute(
            select(Exercise).where(col(Exercise.assignment_id).in_(ids)).order_by(col(Exercise.position))
        ).scalars()
        for ex in ex_rows:
            exercises.setdefault(ex.assignment_id, []).append(ex)
        link_rows = db.execute(
            select(col(ExerciseCompetency.exercise_id), col(Competency.slug), col(ExerciseCompetency.level))
            .join(Competency, col(Competency.id) == col(ExerciseCompetency.competency_id))
            .join(Exercise, col(Exercise.id) == col(ExerciseCompetency.exercise_id))
            .where(col(Exercise.assignment_id).in_(ids))
            .order_by(col(Competency.slug))
        )
        for ex_id, comp, level in link_rows:
            links.setdefault(ex_id, []).append(CompetencyRef(id=comp, level=level))
    return [
        AssignmentPublic(
            course=course_slug,
            id=a.slug,
            title=a.title,
            points=a.points,
            exercises=[
                ExercisePublic(id=e.slug, max_score=e.max_score, kind=e.kind, competencies=links.get(e.id or 0, []))
                for e in exercises.get(a.id or 0, [])
            ],
        )
        for a, course_slug in assignments
    ]


def list_assignments(
    db: Session, *, limit: int, offset: int, course: str | None = None, q: str | None = None
) -> tuple[int, list[tuple[Assignment, str]]]:
    stmt = select(Assignment, col(Course.slug)).join(Course, col(Course.id) == col(Assignment.course_id))
    if course is not None:
        stmt = stmt.where(col(Course.slug) == course)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(func.lower(col(Assignment.title)).like(like) | func.lower(col(Assignment.slug)).like(like))
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(
        stmt.order_by(col(Course.order), col(Course.slug), col(Assignment.slug)).limit(limit).offset(offset)
    ).all()
    return total, [(a, c) for a, c in rows]


# --- deletions (admin): refused while something depends on the entry -------------------------------------------


def _usage(db: Session, *, assignment_ids: list[int]) -> dict[str, Any]:
    """What depends on these assignments: releases (cohort slugs), handed-in work, learners' self-checks."""
    if not assignment_ids:
        return {}
    cohorts = sorted(
        db.execute(
            select(col(Cohort.slug))
            .join(Release, col(Release.cohort_id) == col(Cohort.id))
            .where(col(Release.assignment_id).in_(assignment_ids))
            .distinct()
        ).scalars()
    )
    submissions = db.execute(
        select(func.count()).select_from(Submission).where(col(Submission.assignment_id).in_(assignment_ids))
    ).scalar_one()
    selfchecks = db.execute(
        select(func.count())
        .select_from(SelfCheck)
        .join(Exercise, col(Exercise.id) == col(SelfCheck.exercise_id))
        .where(col(Exercise.assignment_id).in_(assignment_ids))
    ).scalar_one()
    usage: dict[str, Any] = {}
    if cohorts:
        usage["released_to"] = cohorts
    if submissions:
        usage["submissions"] = int(submissions)
    if selfchecks:
        usage["selfchecks"] = int(selfchecks)
    return usage


def _refuse(what: str, usage: dict[str, Any]) -> None:
    parts = []
    if "released_to" in usage:
        parts.append(f"publié pour {len(usage['released_to'])} promotion(s) ({', '.join(usage['released_to'][:5])})")
    if "submissions" in usage:
        parts.append(f"{usage['submissions']} rendu(s) noté(s)")
    if "selfchecks" in usage:
        parts.append(f"{usage['selfchecks']} auto-vérification(s) d'apprenants")
    raise conflict(
        f"Impossible de supprimer {what} : {' et '.join(parts)}. Retirez d'abord les publications ; le travail des "
        "apprenants (notes, auto-vérifications) n'est jamais supprimé avec le catalogue.",
        usage,
    )


def delete_assignment(db: Session, *, assignment: Assignment, course: str) -> None:
    """Delete an assignment and its exercises; 409 while it is released to a cohort or has graded work."""
    assert assignment.id is not None
    usage = _usage(db, assignment_ids=[assignment.id])
    if usage:
        _refuse(f"le devoir {course}/{assignment.slug}", usage)
    db.delete(assignment)
    bump_version(db)
    db.flush()


def delete_course(db: Session, *, course: Course) -> None:
    """Delete a course and its assignments; 409 while one of them is released or has graded work."""
    ids = list(db.execute(select(col(Assignment.id)).where(col(Assignment.course_id) == course.id)).scalars())
    usage = _usage(db, assignment_ids=[i for i in ids if i is not None])
    if usage:
        _refuse(f"le cours {course.slug}", usage)
    db.delete(course)
    bump_version(db)
    db.flush()


def delete_competency(db: Session, *, slug: str) -> None:
    """Delete a competency of the framework; 409 while exercises train it (the profile of who did them uses it)."""
    competency = db.execute(select(Competency).where(col(Competency.slug) == slug)).scalars().first()
    if competency is None:
        raise not_found("Compétence", slug)
    users = db.execute(
        select(col(Course.slug), col(Assignment.slug), col(Exercise.slug))
        .select_from(ExerciseCompetency)
        .join(Exercise, col(Exercise.id) == col(ExerciseCompetency.exercise_id))
        .join(Assignment, col(Assignment.id) == col(Exercise.assignment_id))
        .join(Course, col(Course.id) == col(Assignment.course_id))
        .where(col(ExerciseCompetency.competency_id) == competency.id)
        .order_by(col(Course.slug), col(Assignment.slug), col(Exercise.slug))
    ).all()
    if users:
        names = [f"{c}/{a}/{e}" for c, a, e in users]
        raise conflict(
            f"Impossible de supprimer la compétence {slug} : {len(names)} exercice(s) l'évaluent "
            f"({', '.join(names[:5])}{'…' if len(names) > 5 else ''}). Retirez-la d'abord de ces devoirs.",
            {"exercises": names[:50]},
        )
    db.delete(competency)
    bump_version(db)
    db.flush()
