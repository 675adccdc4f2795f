"""Which learners' work a caller may see, as SQL conditions the crud functions add to their queries.

`api/access.py` decides who gets which `WorkScope`; this module only turns it into SQL. The rule for trainers: a
piece of work (grade, submission, self-check, event) of a learner is in scope when the learner is enrolled in one
of the scope's cohorts AND its assignment was released to that same cohort. Being enrolled in a trainer's cohort
therefore never opens the learner's work from another cohort (issue 3: a trainer sees the cohorts they train).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, and_, cast, exists, false, func, literal, or_, select
from sqlalchemy.orm import Mapped
from sqlmodel import col

from progress_api.models.catalog import Assignment, Course, Release
from progress_api.models.events import Event
from progress_api.models.grading import Grade, Submission
from progress_api.models.people import Cohort, Enrolment

# The event log's object ids (see the writers in crud/ and services/ingest.py): a cohort slug, "course/assignment",
# "course/assignment/exercise" or a grade id.
COHORT_OBJECTS = ("cohort",)
WORK_OBJECTS = ("assignment", "exercise")
GRADE_OBJECTS = ("grade",)


@dataclass(frozen=True)
class WorkScope:
    """Work of learners enrolled in `cohort_ids` on assignments released to that cohort, plus `user_id`'s own."""

    cohort_ids: frozenset[int] = frozenset()
    user_id: int | None = None

    def work(self, user_id: Mapped[int], assignment_id: Mapped[int]) -> ColumnElement[bool]:
        """True for the rows whose (learner, assignment) is in scope."""
        parts: list[ColumnElement[bool]] = []
        if self.cohort_ids:
            parts.append(
                exists(
                    select(literal(1))
                    .select_from(Enrolment)
                    .join(Release, col(Release.cohort_id) == col(Enrolment.cohort_id))
                    .where(
                        col(Enrolment.user_id) == user_id,
                        col(Release.assignment_id) == assignment_id,
                        col(Enrolment.cohort_id).in_(sorted(self.cohort_ids)),
                    )
                )
            )
        if self.user_id is not None:
            parts.append(user_id == self.user_id)
        return or_(*parts) if parts else false()

    def events(self) -> ColumnElement[bool]:
        """True for the events in scope: enrolments in the scope's cohorts, work released there, their grades."""
        parts: list[ColumnElement[bool]] = []
        if self.user_id is not None:
            parts.append(col(Event.user_id) == self.user_id)
        if self.cohort_ids:
            ids = sorted(self.cohort_ids)
            enrolled = (
                select(literal(1))
                .select_from(Enrolment)
                .join(Cohort, col(Cohort.id) == col(Enrolment.cohort_id))
                .where(
                    col(Enrolment.user_id) == col(Event.user_id),
                    col(Enrolment.cohort_id).in_(ids),
                    col(Cohort.slug) == col(Event.object_id),
                )
            )
            key = col(Course.slug) + "/" + col(Assignment.slug)
            released = (
                select(literal(1))
                .select_from(Enrolment)
                .join(Release, col(Release.cohort_id) == col(Enrolment.cohort_id))
                .join(Assignment, col(Assignment.id) == col(Release.assignment_id))
                .join(Course, col(Course.id) == col(Assignment.course_id))
                .where(
                    col(Enrolment.user_id) == col(Event.user_id),
                    col(Enrolment.cohort_id).in_(ids),
                    or_(
                        col(Event.object_id) == key,
                        func.substr(col(Event.object_id), 1, func.length(key) + 1) == key + "/",
                    ),
                )
            )
            graded = (
                select(literal(1))
                .select_from(Grade)
                .join(Submission, col(Submission.id) == col(Grade.submission_id))
                .where(
                    cast(col(Grade.id), String) == col(Event.object_id),
                    WorkScope(self.cohort_ids).work(col(Submission.user_id), col(Submission.assignment_id)),
                )
            )
            parts += [
                and_(col(Event.object_type).in_(COHORT_OBJECTS), exists(enrolled)),
                and_(col(Event.object_type).in_(WORK_OBJECTS), exists(released)),
                and_(col(Event.object_type).in_(GRADE_OBJECTS), exists(graded)),
            ]
        return or_(*parts) if parts else false()
