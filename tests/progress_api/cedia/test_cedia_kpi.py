"""CEDIA KPIs computed on a small known history, checked against numbers worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from progress_api.services.cedia_kpi import (
    MemberFacts,
    MemberRole,
    ProjectFacts,
    QuarterFlow,
    RosterRelay,
    StageEvent,
    funnel,
    learners_involved,
    projects_per_unit,
    quarter_of,
    relays_per_unit,
    throughput_per_quarter,
    time_in_stages,
)
from progress_api.services.cedia_rules import Stage

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


# Project 1: intake 10 d, qualification 20 d, coaching 60 d, delivery 30 d, then autonomy (day 120).
# Project 2: intake 4 d, qualification 30 d, then abandoned (day 34).
# Project 3: intake 20 d, then qualification, still there.
EVENTS = [
    StageEvent(1, None, Stage.intake, day(0)),
    StageEvent(1, Stage.intake, Stage.qualification, day(10)),
    StageEvent(1, Stage.qualification, Stage.coaching, day(30)),
    StageEvent(1, Stage.coaching, Stage.delivery, day(90)),
    StageEvent(1, Stage.delivery, Stage.autonomy, day(120)),
    StageEvent(2, None, Stage.intake, day(1)),
    StageEvent(2, Stage.intake, Stage.qualification, day(5)),
    StageEvent(2, Stage.qualification, Stage.abandoned, day(35)),
    StageEvent(3, None, Stage.intake, day(100)),
    StageEvent(3, Stage.intake, Stage.qualification, day(120)),
]


def test_funnel_lists_every_stage_in_order_with_zeros() -> None:
    result = dict(funnel([Stage.coaching, Stage.coaching, Stage.intake]))
    assert list(result) == [s for s in Stage]
    assert result[Stage.coaching] == 2 and result[Stage.intake] == 1 and result[Stage.delivery] == 0


def test_median_time_per_stage_uses_completed_stays() -> None:
    """Intake stays are 10, 4 and 20 days → median 10; qualification 20 and 30 → 25; one ongoing in qualification."""
    by_stage = {t.stage: t for t in time_in_stages(EVENTS)}
    assert by_stage[Stage.intake].median_days == 10.0
    assert by_stage[Stage.intake].completed_stays == 3
    assert by_stage[Stage.qualification].median_days == 25.0
    assert by_stage[Stage.qualification].ongoing == 1
    assert by_stage[Stage.coaching].median_days == 60.0
    assert by_stage[Stage.delivery].median_days == 30.0
    assert by_stage[Stage.autonomy].median_days is None
    assert by_stage[Stage.autonomy].ongoing == 1


def test_throughput_per_quarter_counts_first_delivery_and_fills_gaps() -> None:
    """Q1 2025: 2 started, 1 abandoned; Q2: 1 started, 1 delivered (day 90 = 6 April), 1 autonomous (day 120)."""
    assert quarter_of(day(90)) == "2025-T2"
    assert throughput_per_quarter(EVENTS) == [
        QuarterFlow("2025-T1", started=2, delivered=0, autonomous=0, abandoned=1),
        QuarterFlow("2025-T2", started=1, delivered=1, autonomous=1, abandoned=0),
    ]
    redelivered = [
        *EVENTS,
        StageEvent(1, Stage.autonomy, Stage.delivery, day(300)),
        StageEvent(1, Stage.delivery, Stage.autonomy, day(310)),
    ]
    flows = throughput_per_quarter(redelivered)
    assert [f.quarter for f in flows] == ["2025-T1", "2025-T2", "2025-T3", "2025-T4"]
    assert sum(f.delivered for f in flows) == 1  # a second delivery of the same project is not new throughput


def test_projects_per_unit_splits_active_and_autonomous() -> None:
    projects = [
        ProjectFacts(1, "Prestations", "nlp", Stage.autonomy),
        ProjectFacts(2, "Prestations", "forecasting", Stage.abandoned),
        ProjectFacts(3, "Prestations", "dataviz", Stage.coaching),
        ProjectFacts(4, "Actuariat", "forecasting", Stage.intake),
    ]
    result = projects_per_unit(projects)
    assert [(u.unit, u.total, u.active, u.autonomous) for u in result] == [
        ("Prestations", 3, 1, 1),
        ("Actuariat", 1, 1, 0),
    ]


def test_relays_count_distinct_people_against_triple_baseline() -> None:
    """Alice relays on two projects but counts once; a unit with no baseline still shows its relays."""
    members = [
        MemberFacts(1, "alice", "alice", MemberRole.data_relay, "Prestations"),
        MemberFacts(2, "alice", "alice", MemberRole.data_relay, "Prestations"),
        MemberFacts(2, "Bruno Petit", None, MemberRole.data_relay, "Prestations"),
        MemberFacts(3, "chloe", "chloe", MemberRole.learner, "Prestations"),
        MemberFacts(4, "dora", "dora", MemberRole.data_relay, "Finance"),
    ]
    result = {r.unit: r for r in relays_per_unit(members, baselines={"Prestations": 2, "Actuariat": 1})}
    assert (result["Prestations"].current, result["Prestations"].goal) == (2, 6)
    assert result["Prestations"].ratio == 2 / 6
    assert (result["Actuariat"].current, result["Actuariat"].goal) == (0, 3)
    assert result["Finance"].ratio is None


def test_learners_involved_are_known_academy_usernames() -> None:
    """Only usernames that exist among the academy's learners count, once each, whatever their role."""
    members = [
        MemberFacts(1, "alice", "alice", MemberRole.data_relay, "Prestations"),
        MemberFacts(2, "alice", "alice", MemberRole.alumni, "Prestations"),
        MemberFacts(2, "ext", "ext", MemberRole.business_expert, "Prestations"),
        MemberFacts(3, "Bruno", None, MemberRole.learner, "Prestations"),
        MemberFacts(3, "chloe", "chloe", MemberRole.learner, "Prestations"),
    ]
    result = learners_involved(members, academy_usernames={"alice", "chloe", "zoe"})
    assert result.learners == 2
    assert result.usernames == ["alice", "chloe"]
    assert result.projects_with_learners == 3


def test_relays_flagged_in_the_roster_count_once_with_project_relays() -> None:
    """Roster relays count even when on no project; a roster relay who is also a project relay counts once, in the
    unit the roster gives (their own direction), not the project's."""
    members = [
        MemberFacts(1, "alice", "alice", MemberRole.data_relay, "Prestations"),  # also flagged: Actuariat wins
        MemberFacts(2, "Bruno Petit", None, MemberRole.data_relay, "Prestations"),
        MemberFacts(3, "chloe", "chloe", MemberRole.learner, "Prestations"),  # flagged below, learner on the project
    ]
    roster = [RosterRelay("alice", "Actuariat"), RosterRelay("chloe", "Prestations"), RosterRelay("dora", "Finance")]
    result = {
        r.unit: (r.baseline, r.current, r.goal)
        for r in relays_per_unit(members, roster=roster, baselines={"Prestations": 2, "Actuariat": 1})
    }
    # Prestations: Bruno + chloe = 2 of 6; Actuariat: alice = 1 of 3; Finance: dora, no baseline.
    assert result == {"Actuariat": (1, 1, 3), "Finance": (0, 1, 0), "Prestations": (2, 2, 6)}
