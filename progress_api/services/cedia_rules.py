"""CEDIA pipeline rules: stages, allowed transitions and the AI-governance gate before delivery.

Pure functions over plain values (no database), so the rules are tested once and shared by the API, the web
pages and the seeder. Messages are in French: they reach CEDIA staff as they are.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Protocol


class Stage(enum.StrEnum):
    """Where a coached project stands. The first five are the main path, in order."""

    intake = "intake"
    qualification = "qualification"
    coaching = "coaching"
    delivery = "delivery"
    autonomy = "autonomy"
    on_hold = "on_hold"
    abandoned = "abandoned"


MAIN_PATH: tuple[Stage, ...] = (Stage.intake, Stage.qualification, Stage.coaching, Stage.delivery, Stage.autonomy)
ALL_STAGES: tuple[Stage, ...] = (*MAIN_PATH, Stage.on_hold, Stage.abandoned)

STAGE_LABELS: dict[Stage, str] = {
    Stage.intake: "Demande",
    Stage.qualification: "Qualification",
    Stage.coaching: "Accompagnement",
    Stage.delivery: "Livraison",
    Stage.autonomy: "Autonomie",
    Stage.on_hold: "En pause",
    Stage.abandoned: "Abandonné",
}


class UseCase(enum.StrEnum):
    """Kinds of use case the CEDIA coaches (the board filters on them)."""

    nlp = "nlp"
    fraud_anomaly = "fraud_anomaly"
    forecasting = "forecasting"
    dataviz_bi = "dataviz_bi"
    genai = "genai"
    optimisation = "optimisation"
    other = "other"


USE_CASE_LABELS: dict[UseCase, str] = {
    UseCase.nlp: "Traitement du langage (NLP)",
    UseCase.fraud_anomaly: "Fraude et anomalies",
    UseCase.forecasting: "Prévision",
    UseCase.dataviz_bi: "Dataviz / BI",
    UseCase.genai: "IA générative",
    UseCase.optimisation: "Optimisation",
    UseCase.other: "Autre",
}


class RiskClass(enum.StrEnum):
    """EU AI Act risk classes (Regulation (EU) 2024/1689: art. 5 prohibited, art. 6 high, art. 50 limited)."""

    prohibited = "prohibited"
    high = "high"
    limited = "limited"
    minimal = "minimal"


RISK_LABELS: dict[RiskClass, str] = {
    RiskClass.prohibited: "Interdit",
    RiskClass.high: "Haut risque",
    RiskClass.limited: "Risque limité",
    RiskClass.minimal: "Risque minimal",
}


class Hosting(enum.StrEnum):
    """Where the project's data and models run; health data needs HDS-certified hosting or the sovereign cloud."""

    on_premise = "on_premise"
    hds = "hds"
    sovereign_cloud = "sovereign_cloud"
    public_cloud = "public_cloud"
    saas = "saas"


HOSTING_LABELS: dict[Hosting, str] = {
    Hosting.on_premise: "Centre de données interne",
    Hosting.hds: "Hébergeur certifié HDS",
    Hosting.sovereign_cloud: "Cloud souverain (SecNumCloud)",
    Hosting.public_cloud: "Cloud public",
    Hosting.saas: "Service SaaS externe",
}

HEALTH_DATA_HOSTING: frozenset[Hosting] = frozenset({Hosting.hds, Hosting.sovereign_cloud})


class ChecklistLike(Protocol):
    """The governance answers the gate reads (the table row and test fixtures both fit)."""

    @property
    def risk_class(self) -> RiskClass | None: ...
    @property
    def risk_justification(self) -> str: ...
    @property
    def personal_data(self) -> bool | None: ...
    @property
    def health_data(self) -> bool | None: ...
    @property
    def dpia_done(self) -> bool: ...
    @property
    def hosting(self) -> Hosting | None: ...
    @property
    def human_in_loop(self) -> str: ...
    @property
    def ethics_review_on(self) -> date | None: ...


@dataclass(frozen=True)
class Missing:
    """One checklist item that blocks delivery: a stable code for programs, a French message for people."""

    code: str
    message: str


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def missing_for_delivery(checklist: ChecklistLike | None) -> list[Missing]:
    """What the checklist still lacks before the project may enter delivery, for its risk class.

    Every class needs the risk class justified, the personal/health-data questions answered and a declared hosting
    that suits the data. Health data (or personal data in a high-risk system) needs a DPIA; limited and high risk need
    the human oversight described (AI Act art. 14 and 50); high risk needs a recorded ethics review. A prohibited
    practice (art. 5) never goes to delivery.
    """
    if checklist is None or checklist.risk_class is None:
        return [Missing("risk_class", "classe de risque AI Act non renseignée")]
    risk = RiskClass(checklist.risk_class)  # rows loaded from the database hold plain strings
    hosting = Hosting(checklist.hosting) if checklist.hosting is not None else None
    if risk is RiskClass.prohibited:
        return [Missing("prohibited", "pratique interdite par l'AI Act (art. 5) : le projet ne peut pas être livré")]
    missing: list[Missing] = []
    if _blank(checklist.risk_justification):
        missing.append(Missing("risk_justification", "justification de la classe de risque manquante"))
    if checklist.personal_data is None:
        missing.append(Missing("personal_data", "question « données personnelles ? » sans réponse"))
    if checklist.health_data is None:
        missing.append(Missing("health_data", "question « données de santé ? » sans réponse"))
    if checklist.health_data and checklist.personal_data is False:
        missing.append(
            Missing("personal_data", "incohérence : des données de santé sont des données personnelles (RGPD art. 9)")
        )
    needs_dpia = bool(checklist.health_data) or (bool(checklist.personal_data) and risk is RiskClass.high)
    if needs_dpia and not checklist.dpia_done:
        missing.append(Missing("dpia", "analyse d'impact (AIPD/DPIA) non réalisée"))
    if hosting is None:
        missing.append(Missing("hosting", "hébergement non renseigné"))
    elif checklist.health_data and hosting not in HEALTH_DATA_HOSTING:
        missing.append(
            Missing(
                "hosting",
                f"hébergement inadapté aux données de santé ({HOSTING_LABELS[hosting]}) : "
                "hébergeur certifié HDS ou cloud souverain requis",
            )
        )
    if risk in (RiskClass.high, RiskClass.limited) and _blank(checklist.human_in_loop):
        missing.append(Missing("human_in_loop", "contrôle humain (humain dans la boucle) non décrit"))
    if risk is RiskClass.high and checklist.ethics_review_on is None:
        missing.append(Missing("ethics_review", "revue éthique non enregistrée"))
    return missing


class TransitionKind(enum.StrEnum):
    """What a stage change means; the history and the KPIs read it."""

    forward = "forward"
    back = "back"
    hold = "hold"
    resume = "resume"
    abandon = "abandon"
    reopen = "reopen"


class TransitionRefused(Exception):
    """A stage change the rules refuse; `code` is stable, `message` is French, `missing` lists checklist gaps."""

    def __init__(self, code: str, message: str, missing: list[Missing] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.missing = missing or []


def _label(stage: Stage) -> str:
    return STAGE_LABELS[stage]


def _require_reason(reason: str | None, why: str) -> None:
    if _blank(reason):
        raise TransitionRefused("reason_required", f"Un motif est obligatoire pour {why}.")


def _main_move(current: Stage, target: Stage, reason: str | None) -> TransitionKind:
    step = MAIN_PATH.index(target) - MAIN_PATH.index(current)
    if step == 1:
        return TransitionKind.forward
    if step > 1:
        following = MAIN_PATH[MAIN_PATH.index(current) + 1]
        raise TransitionRefused(
            "skip_not_allowed",
            f"Impossible de sauter une étape : après « {_label(current)} » vient « {_label(following)} ».",
        )
    _require_reason(reason, f"revenir de « {_label(current)} » à « {_label(target)} »")
    return TransitionKind.back


def check_transition(
    *,
    current: Stage,
    target: Stage,
    reason: str | None,
    checklist: ChecklistLike | None,
    held_from: Stage | None = None,
) -> TransitionKind:
    """Decide whether `current → target` is allowed; raise `TransitionRefused` saying why not.

    `held_from` is the main stage a paused project left: resuming goes back there (or earlier, with a reason).
    Entering delivery, by any path, passes the governance gate.
    """
    if target == current:
        raise TransitionRefused("same_stage", f"Le projet est déjà à l'étape « {_label(current)} ».")
    kind = _classify(current=current, target=target, reason=reason, held_from=held_from)
    if target is Stage.delivery:
        missing = missing_for_delivery(checklist)
        if missing:
            items = " ; ".join(item.message for item in missing)
            raise TransitionRefused(
                "checklist_incomplete",
                f"Passage en « Livraison » refusé, checklist de gouvernance IA incomplète : {items}.",
                missing,
            )
    return kind


def _classify(*, current: Stage, target: Stage, reason: str | None, held_from: Stage | None) -> TransitionKind:
    if current is Stage.abandoned:
        if target is not Stage.intake:
            raise TransitionRefused(
                "closed", "Un projet abandonné ne peut être relancé qu'en le remettant à l'étape « Demande »."
            )
        _require_reason(reason, "relancer un projet abandonné")
        return TransitionKind.reopen
    if target in (Stage.on_hold, Stage.abandoned):
        if current is Stage.autonomy:
            raise TransitionRefused(
                "finished", "Un projet en autonomie est terminé : il ne peut être ni mis en pause ni abandonné."
            )
        if target is Stage.abandoned:
            _require_reason(reason, "abandonner un projet")
            return TransitionKind.abandon
        _require_reason(reason, "mettre un projet en pause")
        return TransitionKind.hold
    if current is Stage.on_hold:
        resume_to = held_from or Stage.intake
        if target == resume_to:
            return TransitionKind.resume
        if MAIN_PATH.index(target) > MAIN_PATH.index(resume_to):
            raise TransitionRefused(
                "skip_not_allowed",
                f"Un projet en pause reprend à l'étape « {_label(resume_to)} » (ou avant, avec un motif).",
            )
        _require_reason(reason, f"reprendre le projet avant l'étape « {_label(resume_to)} »")
        return TransitionKind.back
    return _main_move(current, target, reason)


def allowed_targets(*, current: Stage, held_from: Stage | None = None) -> list[Stage]:
    """Stages a user may try from `current`, for the board's move menu (reasons and the gate are checked later)."""
    targets: list[Stage] = []
    for target in ALL_STAGES:
        try:
            _classify(current=current, target=target, reason="x", held_from=held_from)
        except TransitionRefused:
            continue
        if target != current:
            targets.append(target)
    return targets
