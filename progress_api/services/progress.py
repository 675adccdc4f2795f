"""A learner's own progress: every assignment released to their cohorts (or graded), exercise by exercise with
feedback links and their trainers' grades and comments on written answers, and their competency profile (level
reached per competency of the framework). A written answer awaiting its grade is "à corriger": out of the scores
and ratios until graded, never counted as 0."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.crud.catalog import exercise_rows
from progress_api.crud.grading import EFFECTIVE
from progress_api.models.analytics import (
    AssignmentProgress,
    CompetencyProgress,
    ExerciseProgress,
    LearnerProgress,
)
from progress_api.models.catalog import Assignment, Competency, Course, Exercise, ExerciseCompetency, Release
from progress_api.models.common import to_utc, utcnow
from progress_api.models.grading import Grade, SelfCheck, Submission
from progress_api.models.people import Cohort, Enrolment, User
from progress_api.services.cache import Scope, cached


def learner_progress(
    db: Session, *, user: User, pass_ratio: float = 0.5, cohort_ids: frozenset[int] | None = None
) -> LearnerProgress:
    """The learner's progress; with `cohort_ids`, only through those cohorts (what a trainer of them may see:
    the work released to them, `api.access.Access.cohorts_for`). Cached per view (`cohort_ids` is in the key),
    invalidated by the learner's scope: their own writes and those of the cohorts they are enrolled in."""
    return cached(
        db,
        ("progress", user.id, pass_ratio, cohort_ids),
        lambda: _compute(db, user=user, pass_ratio=pass_ratio, cohort_ids=cohort_ids),
        scope=Scope(user_id=user.id),
    )


def _compute(db: Session, *, user: User, pass_ratio: float, cohort_ids: frozenset[int] | None) -> LearnerProgress:
    now = utcnow()
    enrolled = (
        select(col(Cohort.id), col(Cohort.slug))
        .join(Enrolment, col(Enrolment.cohort_id) == col(Cohort.id))
        .where(col(Enrolment.user_id) == user.id)
        .order_by(col(Cohort.slug))
    )
    if cohort_ids is not None:
        enrolled = enrolled.where(col(Cohort.id).in_(sorted(cohort_ids)))
    cohorts = list(db.execute(enrolled))
    in_cohorts: list[Any] = [cid for cid, _ in cohorts]
    # Released to one of the learner's cohorts (latest due date if several), or graded without a release
    # (unless the view is limited to some cohorts: then only what was released to them).
    due: dict[int, datetime | None] = {}
    for aid, d in db.execute(
        select(col(Release.assignment_id), func.max(col(Release.due_date)))
        .where(col(Release.cohort_id).in_(in_cohorts))
        .group_by(col(Release.assignment_id))
    ):
        due[aid] = to_utc(d) if d is not None else None
    grades: dict[int, dict[int, Any]] = defaultdict(dict)  # assignment -> exercise -> row of latest attempt
    latest: dict[int, tuple[int, bool]] = {}
    attempts: dict[int, set[int]] = defaultdict(set)
    last_activity: datetime | None = None
    rows = db.execute(
        select(
            col(Submission.assignment_id),
            col(Submission.attempt),
            col(Submission.submitted_at),
            col(Submission.late),
            col(Grade.exercise_id),
            EFFECTIVE,
            col(Grade.max_score),
            col(Grade.feedback_url),
            col(Grade.comment),
            col(Grade.manual_comment),
            col(Grade.manual_at),
            col(Grade.override_score).is_not(None),
        )
        .join(Grade, col(Grade.submission_id) == col(Submission.id))
        .where(col(Submission.user_id) == user.id)
        .where(col(Submission.assignment_id).in_(list(due)) if cohort_ids is not None else true())
        .order_by(col(Submission.attempt))
    )
    for (
        aid,
        attempt,
        submitted_at,
        late,
        eid,
        score,
        max_score,
        feedback,
        comment,
        review,
        reviewed_at,
        overridden,
    ) in rows:
        attempts[aid].add(attempt)
        if aid not in latest or attempt >= latest[aid][0]:
            if aid in latest and attempt > latest[aid][0]:
                grades[aid].clear()
            latest[aid] = (attempt, bool(late))
            grades[aid][eid] = (score, max_score, overridden, feedback, comment, review, reviewed_at)
        when = to_utc(submitted_at)
        last_activity = when if last_activity is None or when > last_activity else last_activity
    assignment_ids = sorted(set(due) | set(latest))
    meta = {
        aid: (course, slug, title)
        for aid, course, slug, title in db.execute(
            select(col(Assignment.id), col(Course.slug), col(Assignment.slug), col(Assignment.title))
            .join(Course, col(Course.id) == col(Assignment.course_id))
            .where(col(Assignment.id).in_(assignment_ids))
        )
    }
    order = {
        aid: i
        for i, aid in enumerate(
            db.execute(
                select(col(Assignment.id))
                .join(Course, col(Course.id) == col(Assignment.course_id))
                .where(col(Assignment.id).in_(assignment_ids))
                .order_by(col(Course.order), col(Course.slug), col(Assignment.slug))
            ).scalars()
        )
    }
    exercises: dict[Any, list[Any]] = defaultdict(list)
    for ex_aid, ex_id, slug, max_score, kind in exercise_rows(db, assignment_ids=assignment_ids):
        exercises[ex_aid].append((ex_id, slug, max_score, kind))
    items: list[AssignmentProgress] = []
    ratio_by_exercise: dict[int, float] = {}
    for aid in sorted(assignment_ids, key=lambda a: order.get(a, 0)):
        course, slug, title = meta[aid]
        got = grades.get(aid, {})
        ex_items = []
        for eid, ex_slug, ex_max, kind in exercises.get(aid, []):
            g = got.get(eid)
            if g is not None and g[0] is not None:
                ratio_by_exercise[eid] = g[0] / g[1] if g[1] else 1.0
            ex_items.append(
                ExerciseProgress(
                    id=ex_slug,
                    kind=kind,
                    score=g[0] if g else None,
                    max_score=ex_max,
                    overridden=bool(g and g[2]),
                    feedback_url=g[3] if g else None,
                    comment=g[4] if g else None,
                    to_grade=g is not None and g[0] is None,
                    trainer_comment=g[5] if g else None,
                    trainer_graded_at=to_utc(g[6]) if g and g[6] is not None else None,
                )
            )
        max_total = sum(e[2] for e in exercises.get(aid, []))
        scored = [g for g in got.values() if g[0] is not None]
        d = due.get(aid)
        if aid in latest:
            status = "late" if latest[aid][1] else "graded"
        else:
            status = "missing" if d is not None and d < now else "pending"
        items.append(
            AssignmentProgress(
                course=course,
                assignment=slug,
                title=title,
                due_date=d,
                status=status,
                score=round(sum(g[0] for g in scored), 4) if scored else None,
                max_score=max_total,
                attempts=len(attempts.get(aid, ())),
                late=status == "late",
                exercises=ex_items,
                to_grade=len(got) - len(scored),
            )
        )
    competencies = _competencies(
        db,
        exercise_ids=[e[0] for ex in exercises.values() for e in ex],
        ratios=ratio_by_exercise,
        pass_ratio=pass_ratio,
    )
    mine = col(SelfCheck.user_id) == user.id
    if cohort_ids is not None:
        mine = mine & col(SelfCheck.exercise_id).in_(
            select(col(Exercise.id)).where(col(Exercise.assignment_id).in_(list(due)))
        )
    checks, passed = db.execute(
        select(func.count(), func.sum(case((col(SelfCheck.passed), 1), else_=0))).where(mine)
    ).one()
    last_check = db.execute(select(func.max(col(SelfCheck.at))).where(mine)).scalar()
    if last_check is not None:
        last_check = to_utc(last_check)
        last_activity = last_check if last_activity is None or last_check > last_activity else last_activity
    graded = [i for i in items if i.score is not None]
    score = sum(i.score or 0.0 for i in graded)
    # Only the points of what is graded: an answer still to grade is neither 0 nor part of the denominator.
    max_score = sum(e.max_score for i in graded for e in i.exercises if e.score is not None)
    return LearnerProgress(
        username=user.username,
        display_name=user.display_name,
        cohorts=[slug for _, slug in cohorts],
        assignments=items,
        competencies=competencies,
        score=round(score, 4),
        max_score=max_score,
        ratio=round(score / max_score, 4) if max_score else None,
        released=len(due),
        graded=len(graded),
        missing=sum(i.status == "missing" for i in items),
        late=sum(i.status == "late" for i in items),
        selfchecks=int(checks or 0),
        selfchecks_passed=int(passed or 0),
        last_activity=last_activity,
        to_grade=sum(i.to_grade for i in items),
    )


def _competencies(
    db: Session, *, exercise_ids: list[int], ratios: dict[int, float], pass_ratio: float
) -> list[CompetencyProgress]:
    """Per competency: score ratio over its graded exercises, and the highest level of an exercise passed."""
    by_comp: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for eid, cid, level in db.execute(
        select(
            col(ExerciseCompetency.exercise_id), col(ExerciseCompetency.competency_id), col(ExerciseCompetency.level)
        ).where(col(ExerciseCompetency.exercise_id).in_(exercise_ids))
    ):
        by_comp[cid].append((eid, level))
    out = []
    for comp in db.execute(
        select(Competency).where(col(Competency.id).in_(list(by_comp))).order_by(col(Competency.slug))
    ).scalars():
        links = by_comp[comp.id or 0]
        graded = [(ratios[e], lv) for e, lv in links if e in ratios]
        reached = max((lv for r, lv in graded if r >= pass_ratio - 1e-9), default=0)
        levels = {int(lv["level"]): str(lv.get("label", "")) for lv in comp.levels or []}
        out.append(
            CompetencyProgress(
                id=comp.slug,
                label=comp.label,
                domain=comp.domain,
                exercises=len(links),
                graded=len(graded),
                ratio=round(sum(r for r, _ in graded) / len(graded), 4) if graded else None,
                level_reached=reached,
                max_level=max(levels, default=max((lv for _, lv in links), default=1)),
                level_label=levels.get(reached),
            )
        )
    return out
