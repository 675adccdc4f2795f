"""Portfolio read models of the CEDIA: the KPIs (facts from a few queries fed to the pure functions of
`cedia_kpi`) and the board (a bounded number of cards per stage, with a constant number of queries).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from progress_api.crud import cedia as crud
from progress_api.crud.cedia_relays import roster_relays
from progress_api.crud.cedia_team import academy_usernames
from progress_api.models.cedia import CediaBlocker, CediaEvent, CediaMember, CediaProject
from progress_api.services import cedia_kpi as kpi
from progress_api.services.cedia_rules import ALL_STAGES, STAGE_LABELS, Stage, allowed_targets
from progress_api.services.cedia_rules import missing_for_delivery as gate

UNITS_FILE = Path(__file__).with_name("cedia_units.yml")


@dataclass(frozen=True)
class UnitsReference:
    as_of: date
    goal_factor: int
    baselines: dict[str, int]


@lru_cache(maxsize=4)
def load_units(path: Path = UNITS_FILE) -> UnitsReference:
    """The business units and their data-relay baselines (a versioned data file with its source)."""
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return UnitsReference(
        as_of=date.fromisoformat(str(raw["as_of"])),
        goal_factor=int(raw["goal_factor"]),
        baselines={str(u["name"]): int(u["relays"]) for u in raw["units"]},
    )


# --- KPIs ----------------------------------------------------------------------------------------------------


class StageCount(BaseModel):
    stage: Stage
    label: str
    count: int


class StageDuration(BaseModel):
    stage: Stage
    label: str
    median_days: float | None
    completed_stays: int
    ongoing: int


class QuarterOut(BaseModel):
    quarter: str
    started: int
    delivered: int
    autonomous: int
    abandoned: int


class UnitOut(BaseModel):
    unit: str
    total: int
    active: int
    autonomous: int


class RelayOut(BaseModel):
    unit: str
    baseline: int
    current: int
    goal: int
    ratio: float | None


class RelaysOut(BaseModel):
    goal_factor: int
    baseline_as_of: date
    total_baseline: int
    total_current: int
    total_goal: int
    units: list[RelayOut]


class LearnersOut(BaseModel):
    learners: int
    usernames: list[str]
    projects_with_learners: int


class PortfolioKpis(BaseModel):
    projects: int
    funnel: list[StageCount]
    time_in_stages: list[StageDuration]
    throughput: list[QuarterOut]
    per_unit: list[UnitOut]
    relays: RelaysOut
    learners_involved: LearnersOut


def portfolio_kpis(db: Session, *, units: UnitsReference | None = None) -> PortfolioKpis:
    """Every KPI of the dashboard, from six queries whatever the number of projects.

    Archived projects (withdrawn, e.g. duplicates) count nowhere: neither their stage, history nor team.
    """
    units = units or load_units()
    live = select(col(CediaProject.id)).where(col(CediaProject.archived_at).is_(None))
    projects = [
        kpi.ProjectFacts(pid or 0, unit, use_case, Stage(stage))
        for pid, unit, use_case, stage in db.execute(
            select(
                col(CediaProject.id), col(CediaProject.unit), col(CediaProject.use_case), col(CediaProject.stage)
            ).where(col(CediaProject.archived_at).is_(None))
        )
    ]
    events = [
        kpi.StageEvent(pid, Stage(src) if src else None, Stage(str(dst)), at)
        for pid, src, dst, at in db.execute(
            select(
                col(CediaEvent.project_id), col(CediaEvent.from_value), col(CediaEvent.to_value), col(CediaEvent.at)
            ).where(col(CediaEvent.kind).in_(("created", "stage")), col(CediaEvent.project_id).in_(live))
        )
    ]
    members = [
        kpi.MemberFacts(pid, username or name, username, kpi.MemberRole(role), unit)
        for pid, name, username, role, unit in db.execute(
            select(
                col(CediaMember.project_id),
                col(CediaMember.display_name),
                col(CediaMember.username),
                col(CediaMember.role),
                col(CediaMember.unit),
            ).where(col(CediaMember.project_id).in_(live))
        )
    ]
    involved = kpi.learners_involved(
        members, academy_usernames=academy_usernames(db, usernames=[m.username for m in members if m.username])
    )
    roster = [kpi.RosterRelay(username, unit) for username, unit in roster_relays(db)]
    relays = kpi.relays_per_unit(members, roster=roster, baselines=units.baselines, factor=units.goal_factor)
    return PortfolioKpis(
        projects=len(projects),
        funnel=[StageCount(stage=s, label=STAGE_LABELS[s], count=n) for s, n in kpi.funnel(p.stage for p in projects)],
        time_in_stages=[
            StageDuration(
                stage=t.stage,
                label=STAGE_LABELS[t.stage],
                median_days=t.median_days,
                completed_stays=t.completed_stays,
                ongoing=t.ongoing,
            )
            for t in kpi.time_in_stages(events)
        ],
        throughput=[QuarterOut(**vars(q)) for q in kpi.throughput_per_quarter(events)],
        per_unit=[UnitOut(**vars(u)) for u in kpi.projects_per_unit(projects)],
        relays=RelaysOut(
            goal_factor=units.goal_factor,
            baseline_as_of=units.as_of,
            total_baseline=sum(r.baseline for r in relays),
            total_current=sum(r.current for r in relays),
            total_goal=sum(r.goal for r in relays),
            units=[
                RelayOut(unit=r.unit, baseline=r.baseline, current=r.current, goal=r.goal, ratio=r.ratio)
                for r in relays
            ],
        ),
        learners_involved=LearnersOut(**vars(involved)),
    )


# --- the board -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    id: int
    title: str
    unit: str
    use_case: str
    stage: Stage
    version: int
    coaches: list[str]
    open_blockers: int
    checklist_ok: bool
    targets: list[Stage]
    reason: str = ""  # why a paused or abandoned project stopped (the comment of its last move)


@dataclass(frozen=True)
class Column:
    stage: Stage
    total: int
    cards: list[Card]


def board(
    db: Session,
    *,
    per_column: int,
    unit: str | None = None,
    use_case: str | None = None,
    coach: str | None = None,
) -> list[Column]:
    """Every stage with its project count and its `per_column` most recently changed cards (five queries)."""
    filtered = crud.filtered_projects(unit=unit, use_case=use_case, coach=coach)
    matching = filtered.subquery()
    counts: dict[str, int] = {
        stage: int(n) for stage, n in db.execute(select(matching.c.stage, func.count()).group_by(matching.c.stage))
    }
    rank = (
        func.row_number()
        .over(
            partition_by=col(CediaProject.stage), order_by=(col(CediaProject.updated_at).desc(), col(CediaProject.id))
        )
        .label("rank")
    )
    ranked = filtered.add_columns(rank).subquery()
    project = aliased(CediaProject, ranked)
    rows = list(db.execute(select(project).where(ranked.c.rank <= per_column)).scalars())
    ids = [p.id for p in rows if p.id is not None]
    coaches = crud.coaches_of(db, project_ids=ids)
    checklists = crud.checklists_of(db, project_ids=ids)
    blockers: Counter[int] = (
        Counter(
            dict(
                db.execute(
                    select(col(CediaBlocker.project_id), func.count())
                    .where(col(CediaBlocker.project_id).in_(ids), col(CediaBlocker.resolved_at).is_(None))
                    .group_by(col(CediaBlocker.project_id))
                ).all()
            )
        )
        if ids
        else Counter()
    )
    stopped = [p.id for p in rows if p.id is not None and p.stage in (Stage.on_hold.value, Stage.abandoned.value)]
    reasons = _last_move_comments(db, project_ids=stopped)
    cards: dict[Stage, list[Card]] = {stage: [] for stage in ALL_STAGES}
    for p in sorted(rows, key=lambda r: (r.updated_at, r.id or 0), reverse=True):
        assert p.id is not None
        stage = Stage(p.stage)
        cards[stage].append(
            Card(
                id=p.id,
                title=p.title,
                unit=p.unit,
                use_case=p.use_case,
                stage=stage,
                version=p.version,
                coaches=coaches.get(p.id, []),
                open_blockers=blockers.get(p.id, 0),
                checklist_ok=not gate(checklists[p.id]),
                targets=allowed_targets(current=stage, held_from=Stage(p.held_from) if p.held_from else None),
                reason=reasons.get(p.id, ""),
            )
        )
    return [Column(stage, int(counts.get(stage.value, 0)), cards[stage]) for stage in ALL_STAGES]


def _last_move_comments(db: Session, *, project_ids: list[int]) -> dict[int, str]:
    """The comment of each project's latest stage change, in one query."""
    if not project_ids:
        return {}
    latest = (
        select(func.max(col(CediaEvent.id)))
        .where(col(CediaEvent.project_id).in_(project_ids), col(CediaEvent.kind) == "stage")
        .group_by(col(CediaEvent.project_id))
    )
    rows = db.execute(select(col(CediaEvent.project_id), col(CediaEvent.comment)).where(col(CediaEvent.id).in_(latest)))
    return {pid: comment for pid, comment in rows}


def units_in_use(db: Session) -> list[str]:
    """Units of the reference file plus any other unit a project uses (for the board's filter)."""
    used = set(db.execute(select(col(CediaProject.unit)).distinct()).scalars())
    return sorted(set(load_units().baselines) | used)
