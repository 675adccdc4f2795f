"""Written answers of a cohort: the trainers (of that cohort) and admins read them and grade them.

Permission `answers:grade` (trainer, admin) in `api.access.POLICY`; `authorize` checks `cohort` and `grade_id`
before anything is looked up: a trainer of another cohort gets 403, and the answer must be the work of a learner
of the cohort on an assignment released to it (`crud.scope.WorkScope`), else 403 for a trainer, 404 for an admin.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from progress_api.api.deps import Access, PageDep, SessionDep, authorize
from progress_api.api.pagination import Page, page
from progress_api.crud import answers as crud
from progress_api.crud.cohorts import require_cohort
from progress_api.models.common import MAX_ROW_ID
from progress_api.models.grading import WrittenAnswerDetail, WrittenAnswerGradeIn, WrittenAnswerPublic

ANSWERS_PERMISSION = "answers:grade"

router = APIRouter(prefix="/cohorts/{cohort}/written-answers", tags=["written answers"])
Filter = Annotated[str | None, Query(max_length=100)]
GradeId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="The grade id of the answer.")]


@router.get("")
def list_written_answers(
    db: SessionDep,
    cohort: str,
    params: PageDep,
    _access: Annotated[Access, Depends(authorize(ANSWERS_PERMISSION))],
    course: Filter = None,
    assignment: Filter = None,
    status: Annotated[Literal["to_grade", "graded"] | None, Query(description="Default: both.")] = None,
    learner: Filter = None,
    exercise: Filter = None,
) -> Page[WrittenAnswerPublic]:
    """The cohort's written answers (latest attempt of each learner), exercise by exercise, learner by learner."""
    total, items = crud.list_answers(
        db,
        cohort=require_cohort(db, slug=cohort),
        limit=params.limit,
        offset=params.offset,
        course=course,
        assignment=assignment,
        status=status,
        learner=learner,
        exercise=exercise,
    )
    return page(items, total=total, params=params)


@router.get("/{grade_id}")
def read_written_answer(
    db: SessionDep,
    cohort: str,
    grade_id: GradeId,
    _access: Annotated[Access, Depends(authorize(ANSWERS_PERMISSION))],
) -> WrittenAnswerDetail:
    """One answer with the history of its grades (who, when, old and new score, comment)."""
    return crud.get_answer(db, cohort=require_cohort(db, slug=cohort), grade_id=grade_id)


@router.put("/{grade_id}")
def grade_written_answer(
    db: SessionDep,
    cohort: str,
    grade_id: GradeId,
    data: WrittenAnswerGradeIn,
    access: Annotated[Access, Depends(authorize(ANSWERS_PERMISSION))],
) -> WrittenAnswerDetail:
    """Grade the answer (0 ≤ score ≤ the exercise's points) with an optional comment shown to the learner.

    Sending the same grade again changes nothing; a re-sent grading batch never erases it."""
    row = require_cohort(db, slug=cohort)
    crud.grade_answer(
        db, cohort=row, grade_id=grade_id, score=data.score, comment=data.comment, by_user_id=access.principal.user_id
    )
    db.commit()
    return crud.get_answer(db, cohort=row, grade_id=grade_id)
