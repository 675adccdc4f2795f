"""The roster for the hub: every user with roles, cohorts learnt in and cohorts trained, in four queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.models.people import Cohort, CohortTrainer, Enrolment, User, UserRole


def roster(db: Session) -> list[dict[str, Any]]:
    users: dict[Any, dict[str, Any]] = {
        uid: {"username": name, "display_name": dn, "roles": [], "cohorts": [], "trains": []}
        for uid, name, dn in db.execute(
            select(col(User.id), col(User.username), col(User.display_name)).order_by(col(User.username))
        )
    }
    for uid, role in db.execute(select(col(UserRole.user_id), col(UserRole.role)).order_by(col(UserRole.role))):
        users[uid]["roles"].append(role)
    for uid, slug in db.execute(
        select(col(Enrolment.user_id), col(Cohort.slug))
        .join(Cohort, col(Cohort.id) == col(Enrolment.cohort_id))
        .order_by(col(Cohort.slug))
    ):
        users[uid]["cohorts"].append(slug)
    for uid, slug in db.execute(
        select(col(CohortTrainer.user_id), col(Cohort.slug))
        .join(Cohort, col(Cohort.id) == col(CohortTrainer.cohort_id))
        .order_by(col(Cohort.slug))
    ):
        users[uid]["trains"].append(slug)
    return list(users.values())
