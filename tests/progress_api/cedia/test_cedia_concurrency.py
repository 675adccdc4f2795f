"""Two truly concurrent edits of the same version end with exactly one winner and one 409 (the conditional
UPDATE, not luck of timing), on SQLite and on PostgreSQL, where the CEDIA branch also migrates with `upgrade heads`."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy.orm import Session

from progress_api.core.db import make_engine, unmigrated_message
from progress_api.core.errors import ApiError
from progress_api.crud import cedia as crud
from progress_api.crud import cedia_plan as plan
from progress_api.models.cedia import (
    BlockerCreate,
    CediaProject,
    MilestoneCreate,
    MilestoneUpdate,
    ProjectCreate,
    ProjectUpdate,
    StageMove,
)


def race(url: str, project_id: int, change: object) -> list[str]:
    """Run `change(db, project)` in two threads that both read the project before either writes."""
    engine = make_engine(url)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker(actor: str) -> None:
        with Session(engine) as db:
            project = db.get(CediaProject, project_id)
            assert project is not None
            barrier.wait()
            try:
                change(db, project, actor)  # type: ignore[operator]
                db.commit()
                outcomes.append("ok")
            except ApiError as error:
                db.rollback()
                outcomes.append(error.code)

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("alice", "bruno")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    engine.dispose()
    return sorted(outcomes)


@pytest.mark.postgres
def test_cedia_branch_migrates_and_concurrent_edits_have_one_winner(fresh_pg_url: str) -> None:
    pg_url = fresh_pg_url
    engine = make_engine(pg_url)
    assert unmigrated_message(engine) is None  # both branches (progress and cedia) are at their heads
    with Session(engine) as db:
        project = crud.create_project(
            db, data=ProjectCreate(title="Projet partagé", unit="Direction financière"), actor="t"
        )
        db.commit()
        project_id = project.id
    assert project_id is not None

    def rename(db: Session, project: CediaProject, actor: str) -> None:
        crud.update_project(db, project=project, data=ProjectUpdate(version=1, title=f"Titre de {actor}"), actor=actor)

    assert race(pg_url, project_id, rename) == ["ok", "stale_version"]

    def advance(db: Session, project: CediaProject, actor: str) -> None:
        crud.move_stage(db, project=project, move=StageMove(to_stage="qualification", version=2), actor=actor)  # type: ignore[arg-type]

    assert race(pg_url, project_id, advance) == ["ok", "stale_version"]
    with Session(engine) as db:
        final = db.get(CediaProject, project_id)
        assert final is not None and final.version == 3 and final.stage == "qualification"
        _, events = crud.history(db, project_id=project_id, limit=10, offset=0)
        assert [e.kind for e in events] == ["stage", "field", "created"]  # one rename, one move: no lost update
    engine.dispose()


def test_same_race_has_one_winner_on_each_backend(settings: object) -> None:
    """SQLite serialises writers (busy timeout), PostgreSQL row-locks them; either way the loser's UPDATE … WHERE
    version = 1 then finds nothing."""
    url = settings.db_url  # type: ignore[attr-defined]
    engine = make_engine(url)
    with Session(engine) as db:
        project = crud.create_project(
            db, data=ProjectCreate(title="Projet partagé", unit="Direction financière"), actor="t"
        )
        db.commit()
        project_id = project.id
    engine.dispose()
    assert project_id is not None

    def rename(db: Session, project: CediaProject, actor: str) -> None:
        crud.update_project(db, project=project, data=ProjectUpdate(version=1, title=f"Titre de {actor}"), actor=actor)

    assert race(url, project_id, rename) == ["ok", "stale_version"]


def test_concurrent_milestone_edits_and_appends(settings: object) -> None:
    """Two edits of milestone version 1: one winner, one 409. Two blockers added at once: both kept, and the
    project's version went up by exactly two (the atomic increment loses no bump)."""
    url = settings.db_url  # type: ignore[attr-defined]
    engine = make_engine(url)
    with Session(engine) as db:
        data = ProjectCreate(
            title="Projet partagé",
            unit="Direction financière",
            milestones=[MilestoneCreate(title="Cadrage", due_on=date(2026, 10, 1))],
        )
        project = crud.create_project(db, data=data, actor="t")
        db.commit()
        project_id, milestone_id = project.id, plan.milestones(db, project_id=project.id or 0)[0].id
    assert project_id is not None and milestone_id is not None

    def retitle(db: Session, project: CediaProject, actor: str) -> None:
        update = MilestoneUpdate(version=1, title=f"Cadrage de {actor}")
        plan.update_milestone(db, project=project, milestone_id=milestone_id, data=update, actor=actor)

    assert race(url, project_id, retitle) == ["ok", "stale_version"]

    def add_blocker(db: Session, project: CediaProject, actor: str) -> None:
        plan.add_blocker(db, project=project, data=BlockerCreate(description=f"Blocage de {actor}"), actor=actor)

    assert race(url, project_id, add_blocker) == ["ok", "ok"]
    with Session(engine) as db:
        final = db.get(CediaProject, project_id)
        assert final is not None and final.version == 4  # 1, the retitle, two blockers
        assert len(plan.blockers(db, project_id=project_id)) == 2
    engine.dispose()
