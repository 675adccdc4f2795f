"""THE access decision of the service, shared by the JSON API (`api.deps.authorize`) and the web pages
(`web.deps.Web.authorize`): one `POLICY` table, one scope per role, one check of the ids a request names.

- `POLICY` maps a permission to the roles that may use it; the granting role sets the scope: admin, CEDIA and the
  grader see everything their permission allows, a trainer the cohorts they train, a learner their own records.
- A trainer's reach over learners' *work* (grades, submissions, self-checks, events, progress) is narrower than
  "learners of my cohorts": only the work on assignments released to a cohort they train, for learners enrolled in
  that cohort (`crud.scope.WorkScope`). A learner shared with another cohort keeps that cohort's work private.
- `Access.check` looks at the ids a request names (`cohort`, `username`, `grade_id`) *before* anything else is
  looked up: out of scope is 403, whether the id exists or not (no existence oracle). Ids nested in one URL must
  belong together (the learner in the cohort, the grade the learner's and released to the cohort): a mismatch
  the caller may know about (a learner not in their own cohort, a grade of theirs under another name) is 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, literal, select
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.auth import Principal
from progress_api.core.errors import ApiError, forbidden
from progress_api.crud import users as users_crud
from progress_api.crud.scope import WorkScope
from progress_api.models.common import MAX_ROW_ID, Role
from progress_api.models.grading import Grade, Submission
from progress_api.models.people import Cohort, Enrolment, User

L, T, C, A, G = Role.learner, Role.trainer, Role.cedia, Role.admin, Role.grader

# permission -> roles that may use it. The scope comes from the role (see module docstring).
POLICY: dict[str, frozenset[Role]] = {
    "me:read": frozenset({L, T, C, A, G}),
    "users:read": frozenset({L, T, C, A}),
    "users:write": frozenset({A}),
    "cohorts:read": frozenset({T, C, A}),
    "cohorts:write": frozenset({A}),
    "enrolments:write": frozenset({T, A}),
    "catalog:read": frozenset({L, T, C, A, G}),
    "catalog:write": frozenset({A, G}),
    "catalog:delete": frozenset({A}),
    "releases:read": frozenset({T, C, A, G}),
    "releases:write": frozenset({T, A, G}),
    "grades:read": frozenset({L, T, C, A}),
    "grades:ingest": frozenset({A, G}),
    "grades:override": frozenset({T, A}),
    "answers:grade": frozenset({T, A}),
    "selfchecks:read": frozenset({L, T, C, A}),
    "selfchecks:write": frozenset({L, G}),
    "progress:read": frozenset({L, T, C, A}),
    "gradebook:read": frozenset({T, C, A}),
    "analytics:read": frozenset({T, C, A}),
    "exports:read": frozenset({T, C, A}),
    "events:read": frozenset({T, C, A}),
    "roster:read": frozenset({A}),
    "cedia:read": frozenset({T, C, A}),  # the CEDIA pipeline: trainers follow it, CEDIA staff run it
    "cedia:write": frozenset({C, A}),
}
UNRESTRICTED = frozenset({A, C, G})
MAX_ID = MAX_ROW_ID + 1  # ids at or beyond the database's integer range cannot exist


def not_in_cohort() -> ApiError:
    return ApiError(404, "not_found", "Cet apprenant n'est pas dans cette promotion.")


def grade_not_here(grade_id: int) -> ApiError:
    return ApiError(404, "not_found", f"Note introuvable dans cette promotion pour cet apprenant : {grade_id}")


def allows(principal: Principal, permission: str) -> bool:
    """Whether `principal`'s roles grant `permission` (the role half of the decision; `decide` adds the scope)."""
    return bool(principal.roles & POLICY[permission])


@dataclass(frozen=True)
class Access:
    """What the caller may see for this request: everything, some cohorts, or only themselves."""

    principal: Principal
    cohort_ids: frozenset[int] | None  # None: every cohort
    learner_id: int | None  # set: only this learner's own records

    @property
    def unrestricted(self) -> bool:
        return self.cohort_ids is None and self.learner_id is None

    def allows(self, permission: str) -> bool:
        """Whether the caller's roles grant `permission` at all (for choices inside a route, e.g. profile updates)."""
        return allows(self.principal, permission)

    @property
    def work(self) -> WorkScope | None:
        """The learners' work the caller may see (None: all of it)."""
        if self.unrestricted:
            return None
        if self.learner_id is not None:
            return WorkScope(user_id=self.learner_id)
        return WorkScope(cohort_ids=self.cohort_ids or frozenset(), user_id=self.principal.user_id)

    def work_in(self, cohort_id: int) -> WorkScope:
        """The work of one cohort (its learners, what was released to it); `check(cohort=...)` said it is visible."""
        return WorkScope(cohort_ids=frozenset({cohort_id}))

    def cohorts_for(self, user_id: int) -> frozenset[int] | None:
        """The cohorts through which the caller sees `user_id`'s work (None: all of it, for their own records or an
        unrestricted caller)."""
        if self.unrestricted or user_id in (self.learner_id, self.principal.user_id):
            return None
        return self.cohort_ids or frozenset()

    def visible_user_ids(self, db: Session) -> set[int] | None:
        """Users whose profile the caller may see (None: all): themselves, or the learners of the cohorts they train."""
        if self.learner_id is not None:
            return {self.learner_id}
        if self.cohort_ids is None:
            return None
        rows = db.execute(select(col(Enrolment.user_id)).where(col(Enrolment.cohort_id).in_(self.cohort_ids)))
        ids = {r for (r,) in rows}
        if self.principal.user_id is not None:
            ids.add(self.principal.user_id)
        return ids

    def check(
        self,
        db: Session,
        *,
        cohort: str | None = None,
        username: str | None = None,
        grade_id: int | str | None = None,
        cohorts: Iterable[str] = (),
    ) -> None:
        """Raise 403 (out of scope) or 404 (in scope but not nested as the URL says); see the module docstring.

        An unrestricted caller naming nothing nested costs no query (admins' gradebook reads stay query-free here).
        """
        named = [x for x in (cohort, username, grade_id) if x is not None]
        if self.unrestricted and len(named) < 2:  # nothing out of scope, nothing nested to match
            return
        for slug in cohorts:
            self._cohort_id(db, slug)
        cohort_id = self._cohort_id(db, cohort) if cohort is not None else None
        if username is not None:
            self._check_user(db, username, cohort_id, nested=cohort is not None)
        if grade_id is not None:
            self._check_grade(db, grade_id, username=username, cohort_id=cohort_id, nested=cohort is not None)

    def _cohort_id(self, db: Session, slug: str) -> int | None:
        """The cohort's id; 403 when out of scope. None only for an unrestricted caller naming an unknown cohort
        (the route answers its own 404)."""
        if self.unrestricted:
            return db.execute(select(col(Cohort.id)).where(col(Cohort.slug) == slug)).scalar_one_or_none()
        if not self.cohort_ids:
            raise forbidden()
        found = db.execute(select(col(Cohort.id)).where(col(Cohort.slug) == slug)).scalar_one_or_none()
        if found is None or found not in self.cohort_ids:
            raise forbidden("Cette promotion ne fait pas partie des vôtres.")
        return found

    def _check_user(self, db: Session, username: str, cohort_id: int | None, *, nested: bool) -> None:
        if not nested:
            if self.unrestricted or username == self.principal.username:
                return
            target = users_crud.get_user(db, username=username)
            visible = self.visible_user_ids(db)
            if target is None or visible is None or target.id not in visible:
                raise forbidden()
            return
        if cohort_id is None:
            return  # unrestricted caller, unknown cohort: the route's 404
        member = db.execute(
            select(col(Enrolment.id))
            .join(User, col(User.id) == col(Enrolment.user_id))
            .where(col(User.username) == username, col(Enrolment.cohort_id) == cohort_id)
        ).first()
        if member is None:  # the cohort is in scope and its members are listed to the caller: nothing to hide
            raise not_in_cohort()

    def _check_grade(
        self, db: Session, grade_id: int | str, *, username: str | None, cohort_id: int | None, nested: bool
    ) -> None:
        try:
            number = int(grade_id)
        except ValueError:
            raise forbidden() from None
        if not 1 <= number < MAX_ID:
            if self.unrestricted:
                return  # the route validates the range and answers 404/422
            raise forbidden()
        scope = self.work_in(cohort_id) if cohort_id is not None else self.work
        visible: ColumnElement[bool] = (
            literal(True) if scope is None else scope.work(col(Submission.user_id), col(Submission.assignment_id))
        )
        row = db.execute(
            select(col(User.username), visible)
            .select_from(Grade)
            .join(Submission, col(Submission.id) == col(Grade.submission_id))
            .join(User, col(User.id) == col(Submission.user_id))
            .where(col(Grade.id) == number)
        ).first()
        if row is None:
            if self.unrestricted and not nested:
                return  # the route's 404
            raise grade_not_here(number) if self.unrestricted else forbidden()
        owner, in_scope = row
        if not in_scope:
            raise grade_not_here(number) if self.unrestricted else forbidden()
        if username is not None and owner != username:
            raise grade_not_here(number)


def decide(
    db: Session,
    principal: Principal,
    permission: str,
    *,
    cohort: str | None = None,
    username: str | None = None,
    grade_id: int | str | None = None,
    cohorts: Iterable[str] = (),
) -> Access:
    """The caller's `Access` for `permission`, after checking the ids the request names; raises 403/404."""
    allowed = POLICY[permission]
    granting = principal.roles & allowed
    if not granting:
        raise forbidden("Votre rôle ne permet pas cette action.")
    if granting & UNRESTRICTED:
        access = Access(principal, None, None)
    elif Role.trainer in granting:
        trained = users_crud.trained_cohort_ids(db, user_id=principal.user_id) if principal.user_id else set()
        access = Access(principal, frozenset(trained), None)
    else:
        access = Access(principal, frozenset(), principal.user_id if principal.user_id is not None else -1)
    access.check(db, cohort=cohort, username=username, grade_id=grade_id, cohorts=cohorts)
    return access
