"""Gradebook and analytics of a cohort, cohort comparison, and learners' progress."""

from __future__ import annotations

import gzip
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from progress_api.api.deps import Access, PageDep, SessionDep, authorize
from progress_api.api.pagination import Page, page
from progress_api.crud import cohorts as cohorts_crud
from progress_api.crud import users as users_crud
from progress_api.models.analytics import (
    AtRisk,
    CohortSummary,
    ExerciseDifficulty,
    Gradebook,
    LateMissing,
    LearnerProgress,
)
from progress_api.models.common import utcnow
from progress_api.models.people import Cohort
from progress_api.services import analytics
from progress_api.services.cache import Scope, cached, cached_async
from progress_api.services.progress import learner_progress

router = APIRouter(tags=["analytics"])
Filter = Annotated[str | None, Query(max_length=100)]
PassRatio = Annotated[float, Query(ge=0, le=1, description="Score ratio that counts as a success.")]


def _minute() -> datetime:
    """Cache keys move every minute, so 'missing' appears soon after a due date passes without any write."""
    return utcnow().replace(second=0, microsecond=0)


@router.get("/cohorts/{cohort}/gradebook", response_model=Gradebook)
async def gradebook(
    db: SessionDep,
    request: Request,
    cohort: str,
    params: PageDep,
    _access: Annotated[Access, Depends(authorize("gradebook:read"))],
    course: Filter = None,
    q: Filter = None,
    business_unit: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The cohort × assignment matrix (latest attempt per cell), one page of learners."""
    now = _minute()

    def render() -> tuple[bytes, bytes]:
        row = cohorts_crud.require_cohort(db, slug=cohort)  # inside: a cache hit costs no cohort lookup
        facts = analytics.facts(db, cohort=row)
        columns, rows = analytics.gradebook_rows(facts, course=course, now=now)
        if q:
            needle = q.lower()
            rows = [r for r in rows if needle in r.username.lower() or needle in r.display_name.lower()]
        if business_unit is not None:
            rows = [r for r in rows if r.business_unit == business_unit]
        body = Gradebook(
            cohort=cohort,
            columns=analytics.gradebook_columns(columns),
            rows=rows[params.offset : params.offset + params.limit],
            total=len(rows),
            limit=params.limit,
            offset=params.offset,
        )
        raw = body.model_dump_json().encode()
        return raw, gzip.compress(raw, compresslevel=5)

    key = ("gradebook", cohort, course, q, business_unit, params.limit, params.offset, now)
    raw, packed = await cached_async(db, key, render, scope=Scope(cohort_slug=cohort))
    # The matrix is large (≈150 kB for 50 × 30) and served from cache: send it compressed once computed.
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return Response(content=packed, media_type="application/json", headers=headers)
    return Response(content=raw, media_type="application/json", headers={"Vary": "Accept-Encoding"})


@router.get("/cohorts/{cohort}/difficulty")
def exercise_difficulty(
    db: SessionDep,
    cohort: str,
    params: PageDep,
    _access: Annotated[Access, Depends(authorize("analytics:read"))],
    course: Filter = None,
    assignment: Filter = None,
    pass_ratio: PassRatio = 0.5,
) -> Page[ExerciseDifficulty]:
    """Per exercise: success rate, median score ratio, mean attempts, self-checks; hardest first."""
    row = cohorts_crud.require_cohort(db, slug=cohort)
    items = cached(
        db,
        ("difficulty", row.id, pass_ratio),
        lambda: analytics.difficulty(analytics.facts(db, cohort=row), pass_ratio=pass_ratio),
        scope=Scope(cohort_id=row.id),
    )
    items = [
        i
        for i in items
        if (course is None or i.course == course) and (assignment is None or i.assignment == assignment)
    ]
    return page(items[params.offset : params.offset + params.limit], total=len(items), params=params)


@router.get("/cohorts/{cohort}/late-missing")
def late_missing(
    db: SessionDep,
    cohort: str,
    params: PageDep,
    _access: Annotated[Access, Depends(authorize("analytics:read"))],
    status: Literal["late", "missing"] | None = None,
    course: Filter = None,
    learner: Filter = None,
) -> Page[LateMissing]:
    """Work handed in late or not handed in after the due date."""
    row = cohorts_crud.require_cohort(db, slug=cohort)
    now = _minute()
    items = cached(
        db,
        ("late", row.id, now),
        lambda: analytics.late_and_missing(analytics.facts(db, cohort=row), now=now),
        scope=Scope(cohort_id=row.id),
    )
    items = [
        i
        for i in items
        if (status is None or i.status == status)
        and (course is None or i.course == course)
        and (learner is None or i.username == learner)
    ]
    return page(items[params.offset : params.offset + params.limit], total=len(items), params=params)


@router.get("/cohorts/{cohort}/at-risk")
def learners_at_risk(
    db: SessionDep,
    cohort: str,
    params: PageDep,
    _access: Annotated[Access, Depends(authorize("analytics:read"))],
    low_score: PassRatio = 0.5,
    missing: Annotated[int, Query(ge=1, le=1000)] = 2,
    late: Annotated[int, Query(ge=1, le=1000)] = 3,
    inactive_days: Annotated[int, Query(ge=1, le=3650)] = 14,
    reason: Literal["low_scores", "missing_work", "late_work", "inactive"] | None = None,
) -> Page[AtRisk]:
    """Learners who need attention, with the reasons (low scores, missing or late work, no activity)."""
    row = cohorts_crud.require_cohort(db, slug=cohort)
    thresholds = analytics.RiskThresholds(low_score=low_score, missing=missing, late=late, inactive_days=inactive_days)
    now = _minute()
    items = cached(
        db,
        ("risk", row.id, thresholds, now),
        lambda: analytics.at_risk(analytics.facts(db, cohort=row), thresholds=thresholds, now=now),
        scope=Scope(cohort_id=row.id),
    )
    if reason is not None:
        items = [i for i in items if any(r.code == reason for r in i.reasons)]
    return page(items[params.offset : params.offset + params.limit], total=len(items), params=params)


@router.get("/analytics/cohorts")
def compare_cohorts(
    db: SessionDep,
    params: PageDep,
    access: Annotated[Access, Depends(authorize("analytics:read", query=("cohort",)))],
    cohort: Annotated[
        list[str] | None, Query(max_length=50, description="Cohorts to compare (default: all visible).")
    ] = None,
    programme: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[CohortSummary]:
    """One line per cohort: learners, released work, mean score, completion, lateness, learners at risk."""
    _, rows = cohorts_crud.list_cohorts(db, limit=1000, offset=0, only_ids=access.cohort_ids, programme=programme)
    if cohort:  # each requested cohort was checked against the caller's scope by `authorize`
        wanted = set(cohort)
        rows = [r for r in rows if r.slug in wanted]
    thresholds = analytics.RiskThresholds()
    now = _minute()

    def summarise(row: Cohort) -> CohortSummary:
        return cached(
            db,
            ("summary", row.id, now),
            lambda: analytics.summary(analytics.facts(db, cohort=row), thresholds=thresholds, now=now),
            scope=Scope(cohort_id=row.id),
        )

    items = [summarise(r) for r in rows[params.offset : params.offset + params.limit]]
    return page(items, total=len(rows), params=params)


@router.get("/learners/{username}/progress")
async def read_learner_progress(
    db: SessionDep,
    username: str,
    access: Annotated[Access, Depends(authorize("progress:read"))],
    pass_ratio: PassRatio = 0.5,
) -> LearnerProgress:
    """A learner's progress and competency profile (the learner themself, CEDIA, admins; a trainer sees the
    cohorts they train and the work released to them, nothing of the learner's other cohorts)."""
    user = users_crud.require_user(db, username=username)
    assert user.id is not None
    only = access.cohorts_for(user.id)
    return await cached_async(
        db,
        ("progress", user.id, pass_ratio, only),
        lambda: learner_progress(db, user=user, pass_ratio=pass_ratio, cohort_ids=only),
        scope=Scope(user_id=user.id),
    )


@router.get("/me/progress")
async def read_my_progress(
    db: SessionDep,
    access: Annotated[Access, Depends(authorize("progress:read"))],
    pass_ratio: PassRatio = 0.5,
) -> LearnerProgress:
    """The caller's own progress and competency profile (`progress:read` decided it: everyone reads their own)."""
    principal = access.principal
    user = users_crud.get_user(db, username=principal.username)
    if user is None:  # a hub user the service has not heard of yet: nothing released, nothing graded
        return LearnerProgress(
            username=principal.username,
            display_name=principal.display_name,
            cohorts=[],
            assignments=[],
            competencies=[],
            score=0,
            max_score=0,
            ratio=None,
            released=0,
            graded=0,
            missing=0,
            late=0,
            selfchecks=0,
            selfchecks_passed=0,
            last_activity=None,
        )
    return await cached_async(
        db,
        ("progress", user.id, pass_ratio, None),
        lambda: learner_progress(db, user=user, pass_ratio=pass_ratio),
        scope=Scope(user_id=user.id),
    )
