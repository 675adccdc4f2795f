"""The course catalogue on disk (`courses/*/course.yml`, `courses/competencies.yml`) loaded into the service:
what `academy api seed-demo` runs, so a fresh platform knows every course without the grader."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from progress_api.crud.catalog import (
    require_assignment,
    upsert_assignment,
    upsert_competencies,
    upsert_course,
)
from progress_api.crud.releases import has_release, upsert_release
from progress_api.models.catalog import AssignmentUpsert, CompetencyIn, CompetencyLevel, CourseUpsert, ExerciseIn
from progress_api.models.people import Cohort

log = logging.getLogger(__name__)


def load_course_catalog(db: Session, *, root: object = None, release_to: Cohort | None = None) -> int:
    """Upsert competencies, courses and assignments from `courses/` YAML (via `courses.manifest`); returns courses.

    With `release_to`, the first course's assignments are released to that cohort (due = cohort start + offset).
    A missing or invalid catalogue is logged and skipped: seeding must not fail because a course is being written.
    """
    try:
        from courses.manifest import default_root, load_catalog, load_competencies

        base = Path(str(root)) if root is not None else default_root()
        competencies = load_competencies(base)
        courses = load_catalog(base)
    except Exception as exc:  # ManifestError, ImportError or a half-written file from another part
        log.warning("course catalogue not loaded: %s", exc)
        return 0
    upsert_competencies(
        db,
        items=[
            CompetencyIn(
                id=c.id,
                label=c.label,
                domain=c.domain,
                levels=[CompetencyLevel(level=lv.level, label=lv.label) for lv in c.levels],
            )
            for c in competencies.values()
        ],
    )
    for course in sorted(courses, key=lambda c: (c.order, c.id)):
        row, _ = upsert_course(db, slug=course.id, data=CourseUpsert(title=course.title, order=course.order))
        for assignment in course.assignments:
            upsert_assignment(
                db,
                course=row,
                slug=assignment.id,
                data=AssignmentUpsert(
                    title=assignment.title,
                    points=assignment.points,
                    exercises=[
                        ExerciseIn(id=e.id, max_score=e.points, kind=e.kind, competencies=list(e.competencies))
                        for e in assignment.exercises
                    ],
                ),
            )
    if release_to is not None and courses:
        first = min(courses, key=lambda c: (c.order, c.id))
        for assignment in first.assignments:
            a = require_assignment(db, course=first.id, slug=assignment.id)
            if (
                release_to.id is not None
                and a.id is not None
                and has_release(db, cohort_id=release_to.id, assignment_id=a.id)
            ):
                continue
            due = None
            if release_to.start_date is not None:
                start = datetime(release_to.start_date.year, release_to.start_date.month, release_to.start_date.day)
                due = start + timedelta(days=assignment.due_offset_days, hours=23, minutes=59)
            upsert_release(db, cohort=release_to, assignment=a, due_date=due, released_at=None)
    return len(courses)
