"""Trainer pages: their cohorts, a cohort's gradebook (sortable, paginated, colour scale), the grade distribution
and per-exercise difficulty charts, learners at risk with the reasons, exports, and a learner's grades with the
override form (a reason is mandatory; the core keeps the audit trail).

Everything reads the core's gradebook service (`services.analytics`, one cached facts load per cohort), so a
500-learner cohort costs the same handful of queries as a 5-learner one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import Response

from progress_api.api.access import Access
from progress_api.core.errors import ApiError
from progress_api.crud import cohorts as cohorts_crud
from progress_api.crud import grading as grading_crud
from progress_api.crud import users as users_crud
from progress_api.models.analytics import AtRisk, ExerciseDifficulty, GradebookRow
from progress_api.models.common import MAX_ROW_ID, utcnow
from progress_api.models.people import Cohort
from progress_api.services import analytics
from progress_api.services.cache import Scope, cached
from progress_api.services.progress import learner_progress
from progress_api.web import charts
from progress_api.web.deps import Web, WebDep
from progress_api.web.pages_dashboard import CACHE, SIZE, png_response

router = APIRouter(prefix="/promotions", tags=["pages"], include_in_schema=False)

PAGE = 50
RISK_PAGE = 25  # learners at risk per page, under the gradebook
Slug = Annotated[str, Path(max_length=100)]
SortKey = Annotated[str, Query(max_length=20, pattern=r"^(nom|moyenne|manquants|retards|d\d{1,3})$")]


def _minute() -> datetime:
    """Cached analyses are keyed by the minute (as the API does), so 'missing' appears soon after a due date."""
    return utcnow().replace(second=0, microsecond=0)


def _analysis(
    web: Web, cohort: Cohort, course: str = ""
) -> tuple[list[analytics.Column], list[GradebookRow], list[AtRisk], list[ExerciseDifficulty]]:
    """Columns, rows (of `course` only, when given), at-risk learners and exercise difficulty of a cohort, computed
    once per version of the cohort's data and minute (the cache keys and scope of the at-risk and difficulty API
    routes, so pages and API share the work). At-risk stays cohort-wide: a learner falling behind in another course
    is still at risk."""
    assert cohort.id is not None
    now = _minute()
    facts = analytics.facts(web.db, cohort=cohort)
    scope = Scope(cohort_id=cohort.id)  # a write in another cohort leaves these valid
    columns, rows = cached(
        web.db,
        ("web-rows", cohort.id, course, now),
        lambda: analytics.gradebook_rows(facts, course=course or None, now=now),
        scope=scope,
    )
    thresholds = analytics.RiskThresholds()
    risk = cached(
        web.db,
        ("risk", cohort.id, thresholds, now),
        lambda: analytics.at_risk(facts, thresholds=thresholds, now=now),
        scope=scope,
    )
    hard = cached(
        web.db, ("difficulty", cohort.id, 0.5), lambda: analytics.difficulty(facts, pass_ratio=0.5), scope=scope
    )
    if course:
        hard = [d for d in hard if d.course == course]
    return columns, rows, risk, hard


def _courses(web: Web, cohort: Cohort) -> list[str]:
    """The courses released to the cohort, in the gradebook's column order (the course filter's choices)."""
    return list(dict.fromkeys(c.course for c in analytics.facts(web.db, cohort=cohort).columns))


def _query(**params: str | int) -> str:
    """A query string of the non-empty parameters, encoded (a search text may hold & or #)."""
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def _cohort(
    web: Web,
    slug: str,
    permission: str = "gradebook:read",
    *,
    username: str | None = None,
    grade_id: int | None = None,
) -> tuple[Access, Cohort] | Response:
    """The visitor's access to this cohort (and the learner/grade of the URL) and the cohort itself, decided by the
    API's `decide`; a refusal page otherwise (the same 403 for a cohort not theirs as for one that does not exist)."""
    access = web.authorize(permission, cohort=slug, username=username, grade_id=grade_id)
    if isinstance(access, Response):
        return access
    cohort = cohorts_crud.get_cohort(web.db, slug=slug)
    if cohort is None:  # only an unrestricted visitor gets this far with an unknown slug
        return web.render("error.html", status_code=404, title="Introuvable", message=f"Promotion introuvable : {slug}")
    return access, cohort


@router.get("")
def cohorts_page(web: WebDep, page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    access = web.authorize("gradebook:read")
    if isinstance(access, Response):
        return access
    total, rows = cohorts_crud.list_cohorts(web.db, limit=20, offset=(page - 1) * 20, only_ids=access.cohort_ids)
    thresholds = analytics.RiskThresholds()
    summaries = [analytics.summary(analytics.facts(web.db, cohort=c), thresholds=thresholds) for c in rows]
    return web.render(
        "trainer/cohorts.html",
        nav="cohorts",
        cohorts=summaries,
        page={"number": page, "pages": max(1, -(-total // 20)), "total": total},
        base_url=web.url("/promotions?"),
    )


def _sorted(rows: list[GradebookRow], key: str, order: str) -> list[GradebookRow]:
    reverse = order == "desc"
    if key == "nom":
        return sorted(rows, key=lambda r: (r.display_name or r.username).lower(), reverse=reverse)
    if key == "manquants":
        return sorted(rows, key=lambda r: r.missing, reverse=reverse)
    if key == "retards":
        return sorted(rows, key=lambda r: r.late, reverse=reverse)
    if key.startswith("d"):
        index = int(key[1:])

        def cell_ratio(r: GradebookRow) -> float:
            if index >= len(r.cells):
                return -1.0
            score, max_score = r.cells[index].score, r.cells[index].max_score
            return score / max_score if score is not None and max_score else -1.0

        return sorted(rows, key=cell_ratio, reverse=reverse)
    return sorted(rows, key=lambda r: r.ratio if r.ratio is not None else -1.0, reverse=reverse)


@router.get("/{cohort}")
def gradebook_page(
    web: WebDep,
    cohort: Slug,
    tri: SortKey = "nom",
    ordre: Literal["asc", "desc"] = "asc",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    q: Annotated[str, Query(max_length=100)] = "",
    cours: Annotated[str, Query(max_length=100)] = "",
    risque: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    decided = _cohort(web, cohort)
    if isinstance(decided, Response):
        return decided
    _, found = decided
    columns, rows, at_risk, difficulty = _analysis(web, found, cours)
    if q:
        rows = [r for r in rows if q.lower() in r.username.lower() or q.lower() in r.display_name.lower()]
    rows = _sorted(rows, tri, ordre)
    total = len(rows)
    hardest = [d for d in difficulty if d.success_rate is not None][:10]
    api = web.url(f"/api/v1/cohorts/{cohort}")
    here = f"/promotions/{cohort}?"
    course_filter = f"?{_query(course=cours)}" if cours else ""
    return web.render(
        "trainer/gradebook.html",
        nav="cohorts",
        cohort=found,
        columns=analytics.gradebook_columns(columns),
        rows=rows[(page - 1) * PAGE : page * PAGE],
        sort={"key": tri, "order": ordre, "q": q, "course": cours},
        sort_url=web.url(here + _query(q=q, cours=cours, risque=risque) + "&"),
        courses=_courses(web, found),
        page={"number": page, "pages": max(1, -(-total // PAGE)), "total": total},
        base_url=web.url(here + _query(tri=tri, ordre=ordre, q=q, cours=cours, risque=risque) + "&"),
        at_risk=at_risk[(risque - 1) * RISK_PAGE : risque * RISK_PAGE],
        at_risk_page={"number": risque, "pages": max(1, -(-len(at_risk) // RISK_PAGE)), "total": len(at_risk)},
        at_risk_url=web.url(here + _query(tri=tri, ordre=ordre, q=q, cours=cours, page=page) + "&"),
        hardest=hardest,
        charts={
            "distribution": web.url(f"/promotions/{cohort}/graphiques/distribution.png{course_filter}"),
            "difficulty": web.url(f"/promotions/{cohort}/graphiques/difficulte.png{course_filter}"),
        },
        exports={
            "gradebook": f"{api}/exports/gradebook.csv{course_filter}",
            "grades": f"{api}/exports/grades.csv{course_filter}",
            "xapi": web.url(f"/api/v1/exports/xapi?{_query(cohort=cohort)}"),
        },
    )


@router.get("/{cohort}/graphiques/{name}.png")
def gradebook_chart(
    web: WebDep,
    cohort: Slug,
    name: Literal["distribution", "difficulte"],
    course: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    decided = _cohort(web, cohort)
    if isinstance(decided, Response):
        return decided
    _, rows, _, difficulty = _analysis(web, decided[1], course)
    if name == "distribution":
        values = [round(r.ratio * 100, 1) for r in rows if r.ratio is not None]
        draw = charts.histogram("Répartition des moyennes", values, xlabel="moyenne sur les devoirs rendus (%)")
        return png_response(web.request, CACHE.get_or_render(f"dist:{cohort}:{course}", values, draw, size=SIZE))
    items = [d for d in difficulty if d.success_rate is not None][:40]
    labels = [f"{d.assignment[:12]}/{d.exercise}" for d in items]
    rates = [round((d.success_rate or 0) * 100, 1) for d in items]
    draw = charts.difficulty_bars("Taux de réussite par exercice (les plus difficiles d'abord)", labels, rates)
    key = f"diff:{cohort}:{course}"
    return png_response(web.request, CACHE.get_or_render(key, [labels, rates], draw, size=(6.0, 3.6)))


@router.get("/{cohort}/apprenants/{username}")
def learner_grades_page(
    web: WebDep, cohort: Slug, username: Annotated[str, Path(max_length=100)], ok: str = ""
) -> Response:
    decided = _cohort(web, cohort, username=username)
    if isinstance(decided, Response):
        return decided
    return _learner_page(web, *decided, username, ok="Note corrigée." if ok else None)


def _learner_page(
    web: Web, access: Access, cohort: Cohort, username: str, status_code: int = 200, **extra: Any
) -> Response:
    """A learner's work in this cohort only (what was released to it), whoever looks: the page is the cohort's."""
    assert cohort.id is not None
    user = users_crud.require_user(web.db, username=username)  # `decide` checked the enrolment
    scope = access.work_in(cohort.id)
    _, grades = grading_crud.list_grades(web.db, limit=1000, offset=0, learner=username, scope=scope)
    return web.render(
        "trainer/learner.html",
        status_code=status_code,
        nav="cohorts",
        cohort=cohort,
        progress=learner_progress(web.db, user=user, cohort_ids=frozenset({cohort.id})),
        grades=grades,
        can_override=web.can("grades:override"),
        **extra,
    )


@router.post("/{cohort}/apprenants/{username}/notes/{grade_id}")
def override_form(
    web: WebDep,
    cohort: Slug,
    username: Annotated[str, Path(max_length=100)],
    grade_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    score: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    # One decision for the whole URL: the trainer's cohort, the learner in it, the grade theirs and released to it.
    decided = _cohort(web, cohort, "grades:override", username=username, grade_id=grade_id)
    if isinstance(decided, Response):
        return decided
    access, found = decided
    if not web.csrf_ok(csrf_token):
        return web.csrf_failed()
    try:
        if len(reason.strip()) < 3:
            raise ApiError(
                422, "validation_error", "Le motif de la correction est obligatoire (3 caractères au moins)."
            )
        try:
            value = float(score.replace(",", ".")) if score.strip() else None
        except ValueError:
            raise ApiError(422, "validation_error", f"Note illisible : « {score} ».") from None
        grading_crud.override_grade(
            web.db, grade_id=grade_id, score=value, reason=reason.strip(), by_user_id=access.principal.user_id
        )
        web.db.commit()
    except ApiError as exc:
        web.db.rollback()
        return _learner_page(web, access, found, username, status_code=exc.status, error={"message": exc.message})
    return web.redirect(f"/promotions/{cohort}/apprenants/{username}?ok=1")
