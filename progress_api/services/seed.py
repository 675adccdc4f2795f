"""`academy api seed-demo`: an ordered list of idempotent seeders (the hub's `make up` runs it every time).

A seeder is `fn(db, settings) -> None`; it must look things up before creating them so that a second run changes
nothing. Issue 4 registers its CEDIA seeder with `register_seeder(seed_cedia)`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from progress_api.core.config import Settings
from progress_api.crud import cohorts as cohorts_crud
from progress_api.crud import users as users_crud
from progress_api.models.common import Role
from progress_api.services.cedia_seed import seed_cedia
from progress_api.services.course_catalog import load_course_catalog

Seeder = Callable[[Session, Settings], None]

DEMO_COHORT = "demo-2026"
# Units are those of services/cedia_units.yml, so a learner flagged as a data relay counts in the right unit.
DEMO_LEARNERS = [
    ("apprenant1", "Camille Martin", "Direction des prestations santé", "Gestionnaire prestations"),
    ("apprenant2", "Yanis Bernard", "Direction technique et actuariat", "Chargé d'études actuarielles"),
    ("apprenant3", "Léa Dubois", "Direction de la relation adhérents", "Conseillère adhérents"),
    (
        "apprenant4",
        "Hugo Lefèvre",
        "Direction des risques, de la conformité et de la lutte contre la fraude",
        "Contrôleur",
    ),
    ("apprenant5", "Inès Moreau", "Direction financière", "Contrôleuse de gestion"),
]
DEMO_TRAINER = ("formateur", "Sophie Laurent (formatrice)")
DEMO_CEDIA = ("cedia", "Marc Petit (CEDIA)")
DEMO_ADMIN = ("admin", "Administrateur démo")


def seed_people(db: Session, _settings: Settings) -> None:
    """The demo cohort, its learners, its trainer, a CEDIA coach and an admin."""
    trainer = users_crud.ensure_user(db, username=DEMO_TRAINER[0], display_name=DEMO_TRAINER[1], roles=[Role.trainer])
    users_crud.ensure_user(db, username=DEMO_CEDIA[0], display_name=DEMO_CEDIA[1], roles=[Role.cedia])
    users_crud.ensure_user(db, username=DEMO_ADMIN[0], display_name=DEMO_ADMIN[1], roles=[Role.admin])
    # A retraining programme runs the school year (September to June), so the demo cohort is running whenever the
    # demo is shown this year: an ended cohort would show no inactivity alerts and nothing due.
    start = date(2026, 9, 7)
    cohort = cohorts_crud.ensure_cohort(
        db,
        slug=DEMO_COHORT,
        name="Promotion démo 2026",
        programme="Parcours Data & IA — analyste",
        start_date=start,
        end_date=date(2027, 6, 25),
    )
    cohorts_crud.add_trainer(db, cohort=cohort, user=trainer)
    for username, name, unit, job in DEMO_LEARNERS:
        learner = users_crud.ensure_user(db, username=username, display_name=name, roles=[Role.learner])
        if learner.business_unit is None:
            learner.business_unit, learner.job_family = unit, job
        cohorts_crud.enrol(db, cohort=cohort, user=learner)


def seed_catalog(db: Session, _settings: Settings) -> None:
    """The catalogue from `courses/` (course.yml + competencies.yml) when it is there, the first course released."""
    load_course_catalog(db, release_to=cohorts_crud.get_cohort(db, slug=DEMO_COHORT))


SEEDERS: list[tuple[str, Seeder]] = [("people", seed_people), ("catalog", seed_catalog), ("cedia", seed_cedia)]


def register_seeder(seeder: Seeder, *, name: str | None = None) -> None:
    """Add a seeder (run after the ones already registered); registering twice is a no-op."""
    label = name or seeder.__name__
    if all(existing != label for existing, _ in SEEDERS):
        SEEDERS.append((label, seeder))


def seed_demo(db: Session, *, settings: Settings) -> list[str]:
    """Run every seeder in one transaction; returns their names in order."""
    done = []
    for name, seeder in SEEDERS:
        seeder(db, settings)
        db.flush()
        done.append(name)
    return done
