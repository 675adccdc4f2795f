"""Trainer pages « Réponses écrites à corriger »: a cohort's written answers, assignment by assignment, and the
marking page of one answer (the learner's Markdown rendered safely, the points, a score bounded by them, a
comment for the learner, previous/next). Trainers of the cohort and admins (permission `answers:grade`).

The learner's text is rendered by markdown-it with raw HTML off (every tag comes out escaped), images off (no
request to a third-party server when a trainer opens an answer) and `javascript:`-style links refused by
markdown-it's link validation; links get `rel="nofollow noopener noreferrer"`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from progress_api.api.routes.answers import ANSWERS_PERMISSION, GradeId
from progress_api.core.errors import ApiError
from progress_api.crud import answers as answers_crud
from progress_api.crud import cohorts as cohorts_crud
from progress_api.crud.answers import AnswerStatus
from progress_api.models.grading import WrittenAnswerDetail
from progress_api.models.people import Cohort
from progress_api.web.deps import Web, WebDep

router = APIRouter(prefix="/promotions/{cohort}/reponses-ecrites", tags=["pages"], include_in_schema=False)

PAGE = 25
Slug = Annotated[str, Path(max_length=100)]
Statut = Literal["a-corriger", "corrigees", "toutes"]
STATUSES: dict[str, AnswerStatus | None] = {"a-corriger": "to_grade", "corrigees": "graded", "toutes": None}


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).disable("image")

    def link_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
        return str(self.renderToken(tokens, idx, options, env))

    md.add_render_rule("link_open", link_open)
    return md


_MD = _markdown()


def render_answer(text: str | None) -> Markup | None:
    """The learner's Markdown as safe HTML (no raw HTML, no images)."""
    # Marked safe for Jinja because markdown-it, with html off, has escaped every tag and attribute itself.
    return Markup(_MD.render(text)) if text else None


def _cohort(web: Web, slug: str, grade_id: int | None = None) -> Cohort | Response:
    """The cohort when the visitor grades it, decided by the API's `api.access.decide` (`Web.authorize`) with the
    ids of the URL: a trainer of another cohort gets 403 (the same whether the cohort exists or not), and an answer
    must be the work of a learner of the cohort on an assignment released to it (else 403 for a trainer, 404 for
    an admin)."""
    decided = web.authorize(ANSWERS_PERMISSION, cohort=slug, grade_id=grade_id)
    if isinstance(decided, Response):
        return decided
    cohort = cohorts_crud.get_cohort(web.db, slug=slug)
    if cohort is None:  # only an unrestricted visitor (an admin) gets this far with an unknown slug
        return web.render("error.html", status_code=404, title="Introuvable", message=f"Promotion : {slug}")
    return cohort


@router.get("")
def answers_overview(web: WebDep, cohort: Slug) -> Response:
    """Per released assignment: written answers to grade and graded."""
    found = _cohort(web, cohort)
    if isinstance(found, Response):
        return found
    return web.render(
        "trainer/answers.html",
        nav="cohorts",
        cohort=found,
        assignments=answers_crud.answer_counts(web.db, cohort=found),
        listing=None,
    )


@router.get("/{course}/{assignment}")
def answers_list(
    web: WebDep,
    cohort: Slug,
    course: Slug,
    assignment: Slug,
    statut: Statut = "a-corriger",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    ok: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """One page of an assignment's answers, exercise by exercise, learner by learner."""
    found = _cohort(web, cohort)
    if isinstance(found, Response):
        return found
    total, items = answers_crud.list_answers(
        web.db,
        cohort=found,
        course=course,
        assignment=assignment,
        status=STATUSES[statut],
        limit=PAGE,
        offset=(page - 1) * PAGE,
    )
    base = f"/promotions/{cohort}/reponses-ecrites/{course}/{assignment}"
    return web.render(
        "trainer/answers.html",
        nav="cohorts",
        cohort=found,
        assignments=answers_crud.answer_counts(web.db, cohort=found),
        listing={"course": course, "assignment": assignment, "statut": statut, "answers": items, "base": base},
        page={"number": page, "pages": max(1, -(-total // PAGE)), "total": total},
        base_url=web.url(f"{base}?statut={statut}&"),
        ok="Note enregistrée : plus aucune réponse à corriger dans ce devoir." if ok else None,
    )


def _in_assignment(web: Web, cohort: Cohort, course: str, assignment: str, grade_id: int) -> WrittenAnswerDetail | None:
    """The answer when it is one of the cohort's for this assignment (the URL says which), else None."""
    try:
        answer = answers_crud.get_answer(web.db, cohort=cohort, grade_id=grade_id)
    except ApiError:
        return None
    return answer if (answer.course, answer.assignment) == (course, assignment) else None


def _marking_page(
    web: Web,
    cohort: Cohort,
    course: str,
    assignment: str,
    grade_id: int,
    statut: Statut,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    answer = _in_assignment(web, cohort, course, assignment, grade_id)
    if answer is None:
        return web.render(
            "error.html", status_code=404, title="Introuvable", message="Cette réponse n'est pas dans ce devoir."
        )
    ids = answers_crud.answer_ids(web.db, cohort=cohort, course=course, assignment=assignment, status=STATUSES[statut])
    position = ids.index(grade_id) if grade_id in ids else None
    base = f"/promotions/{cohort.slug}/reponses-ecrites/{course}/{assignment}"
    return web.render(
        "trainer/answer.html",
        status_code=status_code,
        nav="cohorts",
        cohort=cohort,
        answer=answer,
        rendered=render_answer(answer.answer),
        statut=statut,
        base=base,
        previous=ids[position - 1] if position is not None and position > 0 else None,
        next=ids[position + 1] if position is not None and position + 1 < len(ids) else None,
        position={"number": (position or 0) + 1, "total": len(ids), "listed": position is not None},
        **extra,
    )


@router.get("/{course}/{assignment}/{grade_id}")
def marking_page(
    web: WebDep,
    cohort: Slug,
    course: Slug,
    assignment: Slug,
    grade_id: GradeId,
    statut: Statut = "a-corriger",
    ok: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    found = _cohort(web, cohort, grade_id)
    if isinstance(found, Response):
        return found
    return _marking_page(web, found, course, assignment, grade_id, statut, ok="Note enregistrée." if ok else None)


@router.post("/{course}/{assignment}/{grade_id}")
def grade_form(
    web: WebDep,
    cohort: Slug,
    course: Slug,
    assignment: Slug,
    grade_id: GradeId,
    statut: Statut = "a-corriger",
    score: Annotated[str, Form(max_length=20)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Record the grade, then go to the next answer still to grade (or back to the list when none is left)."""
    found = _cohort(web, cohort, grade_id)
    if isinstance(found, Response):
        return found
    if not web.csrf_ok(csrf_token):
        return web.csrf_failed()
    try:
        if _in_assignment(web, found, course, assignment, grade_id) is None:
            raise ApiError(404, "not_found", "Cette réponse n'est pas dans ce devoir.")
        try:
            value = float(score.strip().replace(",", "."))
        except ValueError:
            raise ApiError(422, "validation_error", f"Note illisible : « {score} » (un nombre, par ex. 1,5).") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ApiError(422, "validation_error", "La note doit être un nombre fini.")
        answers_crud.grade_answer(
            web.db,
            cohort=found,
            grade_id=grade_id,
            score=value,
            comment=comment,
            by_user_id=web.principal.user_id if web.principal else None,
        )
        web.db.commit()
    except ApiError as exc:
        web.db.rollback()
        # What the trainer typed comes back in the form: nothing is lost.
        return _marking_page(
            web,
            found,
            course,
            assignment,
            grade_id,
            statut,
            status_code=exc.status,
            error={"message": exc.message},
            typed={"score": score, "comment": comment},
        )
    everything = answers_crud.answer_ids(web.db, cohort=found, course=course, assignment=assignment)
    pending = set(
        answers_crud.answer_ids(web.db, cohort=found, course=course, assignment=assignment, status="to_grade")
    )
    after = everything[everything.index(grade_id) + 1 :] + everything if grade_id in everything else everything
    following = next((i for i in after if i in pending), None)
    base = f"/promotions/{cohort}/reponses-ecrites/{course}/{assignment}"
    if following is None:
        return web.redirect(f"{base}?statut=toutes&ok=1")
    return web.redirect(f"{base}/{following}?statut={statut}&ok=1")
