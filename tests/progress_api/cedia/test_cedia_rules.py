"""The CEDIA pipeline rules: no skipping, reasons for going back, pausing and abandoning, the governance gate."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pytest

from progress_api.services.cedia_rules import (
    Hosting,
    RiskClass,
    Stage,
    TransitionKind,
    TransitionRefused,
    allowed_targets,
    check_transition,
    missing_for_delivery,
)


@dataclass(frozen=True)
class Checklist:
    risk_class: RiskClass | None = RiskClass.minimal
    risk_justification: str = "Tableau de bord interne, aucune décision automatisée"
    personal_data: bool | None = False
    health_data: bool | None = False
    dpia_done: bool = False
    hosting: Hosting | None = Hosting.on_premise
    human_in_loop: str = ""
    ethics_review_on: date | None = None


COMPLETE_HIGH = Checklist(
    risk_class=RiskClass.high,
    risk_justification="Aide à la décision sur des remboursements (annexe III)",
    personal_data=True,
    health_data=True,
    dpia_done=True,
    hosting=Hosting.hds,
    human_in_loop="Chaque alerte est revue par un gestionnaire avant toute action",
    ethics_review_on=date(2025, 3, 12),
)


def codes(checklist: Checklist | None) -> list[str]:
    return [item.code for item in missing_for_delivery(checklist)]


def test_forward_one_step_is_allowed_without_reason() -> None:
    """Can a project move from intake to qualification with no comment?"""
    kind = check_transition(current=Stage.intake, target=Stage.qualification, reason=None, checklist=None)
    assert kind is TransitionKind.forward


def test_skipping_a_stage_is_refused_and_names_the_next_stage() -> None:
    """Is intake → coaching refused, with a message naming 'Qualification' as the next step?"""
    with pytest.raises(TransitionRefused) as err:
        check_transition(current=Stage.intake, target=Stage.coaching, reason="pressé", checklist=None)
    assert err.value.code == "skip_not_allowed"
    assert "Qualification" in err.value.message


def test_going_back_needs_a_reason() -> None:
    """Is coaching → qualification refused without a reason and accepted with one?"""
    with pytest.raises(TransitionRefused) as err:
        check_transition(current=Stage.coaching, target=Stage.qualification, reason="  ", checklist=None)
    assert err.value.code == "reason_required"
    kind = check_transition(
        current=Stage.coaching, target=Stage.qualification, reason="Périmètre à revoir", checklist=None
    )
    assert kind is TransitionKind.back


def test_same_stage_is_refused() -> None:
    with pytest.raises(TransitionRefused) as err:
        check_transition(current=Stage.coaching, target=Stage.coaching, reason=None, checklist=None)
    assert err.value.code == "same_stage"


def test_abandon_and_hold_need_a_reason() -> None:
    """Do abandoning and pausing both need a reason?"""
    for target in (Stage.abandoned, Stage.on_hold):
        with pytest.raises(TransitionRefused) as err:
            check_transition(current=Stage.coaching, target=target, reason="", checklist=None)
        assert err.value.code == "reason_required"
    kind = check_transition(current=Stage.coaching, target=Stage.abandoned, reason="Sponsor parti", checklist=None)
    assert kind is TransitionKind.abandon


def test_paused_project_resumes_where_it_left_or_earlier_with_reason() -> None:
    """Does a paused coaching project resume in coaching freely, earlier with a reason, never later?"""
    assert (
        check_transition(
            current=Stage.on_hold, target=Stage.coaching, reason=None, checklist=None, held_from=Stage.coaching
        )
        is TransitionKind.resume
    )
    with pytest.raises(TransitionRefused) as err:
        check_transition(
            current=Stage.on_hold, target=Stage.qualification, reason=None, checklist=None, held_from=Stage.coaching
        )
    assert err.value.code == "reason_required"
    with pytest.raises(TransitionRefused) as err:
        check_transition(
            current=Stage.on_hold,
            target=Stage.delivery,
            reason="x",
            checklist=COMPLETE_HIGH,
            held_from=Stage.coaching,
        )
    assert err.value.code == "skip_not_allowed"


def test_abandoned_project_only_reopens_at_intake_with_reason() -> None:
    with pytest.raises(TransitionRefused) as err:
        check_transition(current=Stage.abandoned, target=Stage.coaching, reason="relance", checklist=None)
    assert err.value.code == "closed"
    kind = check_transition(current=Stage.abandoned, target=Stage.intake, reason="Nouveau sponsor", checklist=None)
    assert kind is TransitionKind.reopen


def test_autonomous_project_cannot_be_paused() -> None:
    with pytest.raises(TransitionRefused) as err:
        check_transition(current=Stage.autonomy, target=Stage.on_hold, reason="x", checklist=None)
    assert err.value.code == "finished"


def test_allowed_targets_from_coaching() -> None:
    """Does the board offer only the legal moves from coaching (back, next, pause, abandon)?"""
    assert allowed_targets(current=Stage.coaching) == [
        Stage.intake,
        Stage.qualification,
        Stage.delivery,
        Stage.on_hold,
        Stage.abandoned,
    ]
    assert allowed_targets(current=Stage.abandoned) == [Stage.intake]


def test_delivery_refused_without_checklist_lists_what_is_missing() -> None:
    """Does entering delivery with no checklist fail with the risk class named as missing?"""
    with pytest.raises(TransitionRefused) as err:
        check_transition(current=Stage.coaching, target=Stage.delivery, reason=None, checklist=None)
    assert err.value.code == "checklist_incomplete"
    assert [m.code for m in err.value.missing] == ["risk_class"]
    assert "classe de risque" in err.value.message


def test_complete_high_risk_checklist_opens_delivery() -> None:
    kind = check_transition(current=Stage.coaching, target=Stage.delivery, reason=None, checklist=COMPLETE_HIGH)
    assert kind is TransitionKind.forward


def test_high_risk_lists_each_missing_item_exactly() -> None:
    """A high-risk health project missing DPIA, HDS hosting, oversight and ethics review: are exactly those listed?"""
    gaps = replace(
        COMPLETE_HIGH, dpia_done=False, hosting=Hosting.public_cloud, human_in_loop="", ethics_review_on=None
    )
    assert codes(gaps) == ["dpia", "hosting", "human_in_loop", "ethics_review"]
    with pytest.raises(TransitionRefused) as err:
        check_transition(current=Stage.coaching, target=Stage.delivery, reason=None, checklist=gaps)
    assert "HDS" in err.value.message and "revue éthique" in err.value.message


def test_requirements_depend_on_risk_class() -> None:
    """Minimal risk needs no oversight or ethics review; limited needs oversight; high needs both."""
    bare = Checklist(human_in_loop="", ethics_review_on=None)
    assert codes(bare) == []
    assert codes(replace(bare, risk_class=RiskClass.limited)) == ["human_in_loop"]
    assert codes(replace(bare, risk_class=RiskClass.high)) == ["human_in_loop", "ethics_review"]


def test_prohibited_practice_never_reaches_delivery() -> None:
    assert codes(replace(COMPLETE_HIGH, risk_class=RiskClass.prohibited)) == ["prohibited"]


def test_health_data_needs_certified_or_sovereign_hosting_and_dpia() -> None:
    """At minimal risk, health data on premises without DPIA is refused; sovereign cloud with DPIA passes."""
    health = Checklist(personal_data=True, health_data=True, hosting=Hosting.on_premise)
    assert codes(health) == ["dpia", "hosting"]
    assert codes(replace(health, dpia_done=True, hosting=Hosting.sovereign_cloud)) == []


def test_unanswered_questions_and_inconsistency_are_reported() -> None:
    blank = Checklist(risk_justification=" ", personal_data=None, health_data=None, hosting=None)
    assert codes(blank) == ["risk_justification", "personal_data", "health_data", "hosting"]
    odd = Checklist(personal_data=False, health_data=True, dpia_done=True, hosting=Hosting.hds)
    assert codes(odd) == ["personal_data"]


def test_gate_reads_rows_that_hold_plain_strings() -> None:
    """Rows loaded from the database hold 'high', not RiskClass.high: are the class rules still applied?"""
    from types import SimpleNamespace

    row = SimpleNamespace(**{**vars(COMPLETE_HIGH), "risk_class": "high", "hosting": "public_cloud"})
    row.ethics_review_on = None
    assert codes(row) == ["hosting", "ethics_review"]  # type: ignore[arg-type]
