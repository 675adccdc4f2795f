"""CEDIA portfolio KPIs as pure functions over plain facts (no database), so the numbers are tested on a fixture.

Inputs are small frozen dataclasses the CRUD layer builds from a handful of queries; outputs are what the API
returns and the dashboard charts draw.
"""

from __future__ import annotations

import enum
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from progress_api.services.cedia_rules import ALL_STAGES, Stage

GOAL_FACTOR = 3  # the CEDIA's stated goal: triple the number of data relays in the business teams


class MemberRole(enum.StrEnum):
    """A team member's part in a project; learners and alumni come from the academy, relays from the business."""

    learner = "learner"
    alumni = "alumni"
    data_relay = "data_relay"
    business_expert = "business_expert"


MEMBER_ROLE_LABELS: dict[MemberRole, str] = {
    MemberRole.learner: "Apprenant·e de l'académie",
    MemberRole.alumni: "Ancien·ne de l'académie",
    MemberRole.data_relay: "Relais data",
    MemberRole.business_expert: "Expert·e métier",
}


@dataclass(frozen=True)
class ProjectFacts:
    id: int
    unit: str
    use_case: str
    stage: Stage


@dataclass(frozen=True)
class StageEvent:
    """One entry of a project's history: it entered `to_stage` at `at` (from None when created)."""

    project_id: int
    from_stage: Stage | None
    to_stage: Stage
    at: datetime


@dataclass(frozen=True)
class MemberFacts:
    project_id: int
    person: str  # username when known, otherwise the display name: identifies one person across projects
    username: str | None
    role: MemberRole
    unit: str


@dataclass(frozen=True)
class RosterRelay:
    """A learner flagged as a data relay in the roster, with the unit they relay for."""

    username: str
    unit: str


@dataclass(frozen=True)
class StageTime:
    stage: Stage
    median_days: float | None  # None when no project has left this stage yet
    completed_stays: int
    ongoing: int


@dataclass(frozen=True)
class QuarterFlow:
    quarter: str  # "2025-T1"
    started: int
    delivered: int
    autonomous: int
    abandoned: int


@dataclass(frozen=True)
class UnitCount:
    unit: str
    total: int
    active: int
    autonomous: int


@dataclass(frozen=True)
class RelayProgress:
    unit: str
    baseline: int
    current: int
    goal: int

    @property
    def ratio(self) -> float | None:
        """Share of the goal reached (1.0 = tripled); None when the unit had no baseline to triple."""
        return self.current / self.goal if self.goal else None


@dataclass(frozen=True)
class LearnerInvolvement:
    learners: int
    usernames: list[str]
    projects_with_learners: int


def funnel(stages: Iterable[Stage]) -> list[tuple[Stage, int]]:
    """Projects per current stage, every stage listed in pipeline order (zeros included)."""
    counts = Counter(stages)
    return [(stage, counts.get(stage, 0)) for stage in ALL_STAGES]


def _by_project(events: Iterable[StageEvent]) -> dict[int, list[StageEvent]]:
    grouped: dict[int, list[StageEvent]] = defaultdict(list)
    for event in events:
        grouped[event.project_id].append(event)
    for items in grouped.values():
        items.sort(key=lambda e: e.at)
    return grouped


def time_in_stages(events: Iterable[StageEvent]) -> list[StageTime]:
    """Median days spent per stay in each stage, over completed stays; the current stays are counted as ongoing.

    Only finished stays enter the median, so a young pipeline does not look faster than it is.
    """
    stays: dict[Stage, list[float]] = defaultdict(list)
    ongoing: Counter[Stage] = Counter()
    for history in _by_project(events).values():
        for event, following in zip(history, [*history[1:], None], strict=True):
            if following is None:
                ongoing[event.to_stage] += 1
            else:
                stays[event.to_stage].append((following.at - event.at).total_seconds() / 86400)
    return [
        StageTime(
            stage=stage,
            median_days=round(statistics.median(stays[stage]), 1) if stays[stage] else None,
            completed_stays=len(stays[stage]),
            ongoing=ongoing.get(stage, 0),
        )
        for stage in ALL_STAGES
    ]


def quarter_of(moment: datetime) -> str:
    return f"{moment.year}-T{(moment.month - 1) // 3 + 1}"


def _quarters_between(first: str, last: str) -> list[str]:
    year, q = int(first[:4]), int(first[-1])
    out = []
    while True:
        label = f"{year}-T{q}"
        out.append(label)
        if label == last:
            return out
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)


def throughput_per_quarter(events: Iterable[StageEvent]) -> list[QuarterFlow]:
    """Per calendar quarter: projects started, first entries into delivery and autonomy, abandons.

    A project delivered twice (after going back) counts once, in the quarter of its first delivery. Quarters with
    nothing happening are listed too, so a chart's axis has no gaps.
    """
    started: Counter[str] = Counter()
    delivered: Counter[str] = Counter()
    autonomous: Counter[str] = Counter()
    abandoned: Counter[str] = Counter()
    quarters: set[str] = set()
    for history in _by_project(events).values():
        seen: set[Stage] = set()
        for event in history:
            quarter = quarter_of(event.at)
            quarters.add(quarter)
            if event.from_stage is None:
                started[quarter] += 1
            elif event.to_stage is Stage.abandoned:
                abandoned[quarter] += 1
            elif event.to_stage in (Stage.delivery, Stage.autonomy) and event.to_stage not in seen:
                (delivered if event.to_stage is Stage.delivery else autonomous)[quarter] += 1
            seen.add(event.to_stage)
    if not quarters:
        return []
    return [
        QuarterFlow(q, started[q], delivered[q], autonomous[q], abandoned[q])
        for q in _quarters_between(min(quarters), max(quarters))
    ]


def projects_per_unit(projects: Iterable[ProjectFacts]) -> list[UnitCount]:
    """Projects per business unit: total, still active (not paused, abandoned or autonomous), autonomous."""
    total: Counter[str] = Counter()
    active: Counter[str] = Counter()
    done: Counter[str] = Counter()
    for project in projects:
        total[project.unit] += 1
        if project.stage is Stage.autonomy:
            done[project.unit] += 1
        elif project.stage not in (Stage.on_hold, Stage.abandoned):
            active[project.unit] += 1
    return [
        UnitCount(unit, n, active[unit], done[unit]) for unit, n in sorted(total.items(), key=lambda x: (-x[1], x[0]))
    ]


def relays_per_unit(
    members: Iterable[MemberFacts],
    *,
    baselines: Mapping[str, int],
    factor: int = GOAL_FACTOR,
    roster: Iterable[RosterRelay] = (),
) -> list[RelayProgress]:
    """Distinct data relays per unit against baseline × factor: learners flagged in the roster, plus the projects'
    data-relay members. A person counts once: on several projects, or both flagged and on a project (then in the
    roster's unit, their own direction)."""
    people: dict[str, set[str]] = defaultdict(set)
    flagged: set[str] = set()
    for relay in roster:
        person = relay.username.strip().casefold()
        flagged.add(person)
        people[relay.unit].add(person)
    for member in members:
        person = member.person.strip().casefold()
        if member.role is MemberRole.data_relay and person not in flagged:
            people[member.unit].add(person)
    units = sorted(set(baselines) | set(people))
    return [
        RelayProgress(unit, baselines.get(unit, 0), len(people[unit]), baselines.get(unit, 0) * factor)
        for unit in units
    ]


def learners_involved(members: Iterable[MemberFacts], *, academy_usernames: Iterable[str]) -> LearnerInvolvement:
    """Distinct academy learners (known usernames of the progress service) in projects, whatever their role."""
    known = set(academy_usernames)
    usernames: set[str] = set()
    projects: set[int] = set()
    for member in members:
        if member.username and member.username in known:
            usernames.add(member.username)
            projects.add(member.project_id)
    return LearnerInvolvement(len(usernames), sorted(usernames), len(projects))
