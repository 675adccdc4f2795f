"""Demo CEDIA portfolio: the 13 projects accompanied in the centre's first year and the 16 planned ones.

Titles, units and use cases are plausible for a French health mutual; people and dates are invented. Histories
are backdated (deterministically) so that the dashboard's medians and quarters have something to show, and
the checklists of delivered projects are complete (the gate would have refused them otherwise). Idempotent: a
project whose title exists is left alone.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.config import Settings
from progress_api.crud.cedia_team import coach_by_name
from progress_api.models.cedia import (
    CediaBlocker,
    CediaChecklist,
    CediaEvent,
    CediaMember,
    CediaMilestone,
    CediaProject,
    CediaProjectCoach,
    CediaRelay,
)
from progress_api.models.people import User
from progress_api.services.cedia_kpi import MemberRole
from progress_api.services.cedia_rules import MAIN_PATH, USE_CASE_LABELS, Hosting, RiskClass, Stage, UseCase

PRESTATIONS = "Direction des prestations santé"
ADHERENTS = "Direction de la relation adhérents"
ACTUARIAT = "Direction technique et actuariat"
FRAUDE = "Direction des risques, de la conformité et de la lutte contre la fraude"
PSC = "Direction des contrats collectifs et de la PSC"
MARKETING = "Direction commerciale et marketing"
FINANCE = "Direction financière"
RH = "Direction des ressources humaines"
SOCIAL = "Direction de l'action sociale et de la prévention"
DSI = "Direction des systèmes d'information"

COACHES = ("Marc Petit", "Nadia Benali", "Julien Moreau", "Aïcha Diallo")
CEDIA_START = datetime(2024, 9, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Demo:
    title: str
    unit: str
    use_case: UseCase
    stage: Stage
    risk: RiskClass = RiskClass.minimal
    personal: bool = False
    health: bool = False
    hosting: Hosting = Hosting.on_premise
    value: str = ""
    reason: str = ""


ACCOMPANIED = [
    Demo(
        "Tri automatique des e-mails entrants",
        ADHERENTS,
        UseCase.nlp,
        Stage.autonomy,
        RiskClass.limited,
        True,
        True,
        Hosting.sovereign_cloud,
        "1,5 million d'e-mails par an routés vers la bonne équipe sans tri manuel",
    ),
    Demo(
        "Détection de la fraude à la facturation optique",
        FRAUDE,
        UseCase.fraud_anomaly,
        Stage.autonomy,
        RiskClass.high,
        True,
        True,
        Hosting.hds,
        "Indus évités avant paiement, contrôles ciblés",
    ),
    Demo(
        "Prévision des dépenses de santé par poste",
        ACTUARIAT,
        UseCase.forecasting,
        Stage.autonomy,
        value="Provisions et tarifs ajustés chaque trimestre",
    ),
    Demo(
        "Tableau de bord des délais de remboursement",
        PRESTATIONS,
        UseCase.dataviz_bi,
        Stage.autonomy,
        value="Délais suivis par centre de gestion, alertes au-delà de 5 jours",
    ),
    Demo(
        "Cartographie des compétences data",
        RH,
        UseCase.dataviz_bi,
        Stage.autonomy,
        RiskClass.minimal,
        True,
        value="Repérer les futurs relais data dans chaque direction",
    ),
    Demo(
        "Assistant de réponse aux réclamations (IA générative)",
        ADHERENTS,
        UseCase.genai,
        Stage.delivery,
        RiskClass.limited,
        True,
        True,
        Hosting.sovereign_cloud,
        "Brouillons de réponse relus par les conseillers",
    ),
    Demo(
        "Réconciliation des fichiers employeurs PSC",
        PSC,
        UseCase.optimisation,
        Stage.delivery,
        RiskClass.minimal,
        True,
        value="Écarts entre fichiers employeurs et contrats détectés avant chaque vague d'affiliation",
    ),
    Demo(
        "Détection des doublons de prestations",
        PRESTATIONS,
        UseCase.fraud_anomaly,
        Stage.delivery,
        RiskClass.high,
        True,
        True,
        Hosting.hds,
        "Double paiements évités",
    ),
    Demo(
        "Score d'attrition des adhérents individuels",
        MARKETING,
        UseCase.forecasting,
        Stage.coaching,
        RiskClass.limited,
        True,
        value="Actions de fidélisation ciblées",
    ),
    Demo(
        "Synthèse des comptes rendus de commissions sociales",
        SOCIAL,
        UseCase.genai,
        Stage.coaching,
        RiskClass.high,
        True,
        True,
        Hosting.public_cloud,
        "Instruction des aides plus rapide",
    ),
    Demo(
        "Prévision des appels au centre de relation",
        ADHERENTS,
        UseCase.forecasting,
        Stage.coaching,
        value="Plannings des conseillers ajustés à la charge",
    ),
    Demo(
        "Contrôle qualité automatisé des feuilles de soins",
        PRESTATIONS,
        UseCase.fraud_anomaly,
        Stage.on_hold,
        RiskClass.limited,
        True,
        True,
        Hosting.hds,
        reason="En attente de l'accès aux données du SNDS",
    ),
    Demo(
        "Analyse des arrêts de travail (prévoyance)",
        ACTUARIAT,
        UseCase.forecasting,
        Stage.abandoned,
        RiskClass.high,
        True,
        True,
        reason="Historique de données insuffisant, sponsor réaffecté",
    ),
]

PLANNED = [
    Demo("Chatbot d'orientation des adhérents", ADHERENTS, UseCase.genai, Stage.qualification),
    Demo("Détection des anomalies de cotisations", FINANCE, UseCase.fraud_anomaly, Stage.qualification),
    Demo("Classification des pièces justificatives", PRESTATIONS, UseCase.nlp, Stage.qualification),
    Demo("Suivi des vagues d'affiliation PSC", PSC, UseCase.dataviz_bi, Stage.qualification),
    Demo("Tableau de bord du 100 % Santé", PRESTATIONS, UseCase.dataviz_bi, Stage.qualification),
    Demo("Prévision de trésorerie", FINANCE, UseCase.forecasting, Stage.intake),
    Demo("Tarification des garanties surcomplémentaires", ACTUARIAT, UseCase.forecasting, Stage.intake),
    Demo("Détection de la fraude au tiers payant en pharmacie", FRAUDE, UseCase.fraud_anomaly, Stage.intake),
    Demo("Analyse de sentiment des enquêtes de satisfaction", MARKETING, UseCase.nlp, Stage.intake),
    Demo("Prévision des effectifs des centres de gestion", RH, UseCase.forecasting, Stage.intake),
    Demo("Aide à l'instruction des aides sociales", SOCIAL, UseCase.other, Stage.intake),
    Demo("Recherche documentaire dans les accords collectifs (IA générative)", PSC, UseCase.genai, Stage.intake),
    Demo("Optimisation des tournées de contrôle", FRAUDE, UseCase.optimisation, Stage.intake),
    Demo("Prédiction des incidents du système d'information", DSI, UseCase.other, Stage.intake),
    Demo("Prévision du reste à charge par profil d'adhérent", ACTUARIAT, UseCase.forecasting, Stage.intake),
    Demo("Détection des courriers urgents", ADHERENTS, UseCase.nlp, Stage.intake),
]

# (display name, username or None, role): the demo learners come from the core seeder (apprenant1..5).
TEAMS: dict[int, list[tuple[str, str | None, MemberRole]]] = {
    0: [("Léa Dubois", "apprenant3", MemberRole.alumni), ("Karim Haddad", None, MemberRole.data_relay)],
    1: [("Hugo Lefèvre", "apprenant4", MemberRole.data_relay), ("Sandrine Morel", None, MemberRole.business_expert)],
    2: [("Yanis Bernard", "apprenant2", MemberRole.data_relay), ("Élodie Caron", None, MemberRole.data_relay)],
    3: [("Camille Martin", "apprenant1", MemberRole.data_relay)],
    4: [("Thomas Girard", None, MemberRole.data_relay)],
    5: [("Léa Dubois", "apprenant3", MemberRole.data_relay), ("Nathalie Blanc", None, MemberRole.business_expert)],
    6: [("Olivier Perrin", None, MemberRole.data_relay)],
    7: [("Camille Martin", "apprenant1", MemberRole.learner), ("Sophie Renard", None, MemberRole.data_relay)],
    8: [("Julie Fabre", None, MemberRole.data_relay)],
    9: [("Mehdi Saïdi", None, MemberRole.business_expert)],
    10: [("Inès Moreau", "apprenant5", MemberRole.learner), ("Karim Haddad", None, MemberRole.data_relay)],
    11: [("Paul Roux", None, MemberRole.data_relay)],
}


def _history(rng: random.Random, start: datetime, demo: Demo) -> list[tuple[Stage | None, Stage, datetime, str]]:
    """Backdated stage changes from intake to the demo's stage (through coaching for a pause, qualification for
    an abandon)."""
    typical = {
        Stage.intake: (5, 20),
        Stage.qualification: (15, 40),
        Stage.coaching: (40, 110),
        Stage.delivery: (20, 60),
    }
    last_main = {Stage.on_hold: Stage.coaching, Stage.abandoned: Stage.qualification}.get(demo.stage, demo.stage)
    path = MAIN_PATH[: MAIN_PATH.index(last_main) + 1]
    events: list[tuple[Stage | None, Stage, datetime, str]] = [(None, Stage.intake, start, demo.title)]
    at = start
    for before, after in itertools.pairwise(path):
        at += timedelta(days=rng.randint(*typical[before]), hours=rng.randint(0, 8))
        events.append((before, after, at, ""))
    if demo.stage in (Stage.on_hold, Stage.abandoned):
        at += timedelta(days=rng.randint(10, 30))
        events.append((last_main, demo.stage, at, demo.reason))
    return events


def _checklist(project_id: int, demo: Demo, *, complete: bool) -> CediaChecklist:
    return CediaChecklist(
        project_id=project_id,
        risk_class=demo.risk if complete or demo.stage is Stage.coaching else None,
        risk_justification=f"Usage : {demo.value or demo.title}" if complete else "",
        personal_data=demo.personal,
        health_data=demo.health,
        dpia_done=complete and (demo.health or (demo.personal and demo.risk is RiskClass.high)),
        hosting=demo.hosting,
        human_in_loop="Chaque décision est validée par un gestionnaire" if complete else "",
        ethics_review_on=date(2025, 3, 12) if complete and demo.risk is RiskClass.high else None,
    )


def _add_project(db: Session, rng: random.Random, demo: Demo, *, start: datetime, team_index: int | None) -> None:
    events = _history(rng, start, demo)
    project = CediaProject(
        title=demo.title,
        unit=demo.unit,
        sponsor=rng.choice(["Claire Fontaine", "Bernard Lemoine", "Isabelle Garnier", "Patrick Chevalier"]),
        description=f"{USE_CASE_LABELS[demo.use_case]} pour la {demo.unit[:1].lower()}{demo.unit[1:]}.",
        use_case=demo.use_case.value,
        expected_value=demo.value,
        stage=demo.stage.value,
        held_from=Stage.coaching.value if demo.stage is Stage.on_hold else None,
        version=len(events),
        created_by="cedia",
        created_at=start,
        updated_at=events[-1][2],
    )
    db.add(project)
    db.flush()
    assert project.id is not None
    reached_delivery = demo.stage in (Stage.delivery, Stage.autonomy)
    db.add(_checklist(project.id, demo, complete=reached_delivery))
    for src, dst, at, comment in events:
        kind = "created" if src is None else "stage"
        db.add(
            CediaEvent(
                project_id=project.id,
                at=at,
                actor="cedia",
                kind=kind,
                field=None if src is None else ("forward" if dst in MAIN_PATH else "hold"),
                from_value=src.value if src else None,
                to_value=dst.value,
                comment=comment,
            )
        )
    coach = coach_by_name(db, name=COACHES[rng.randrange(len(COACHES))])
    db.add(CediaProjectCoach(project_id=project.id, coach_id=coach.id))  # type: ignore[arg-type]
    for name, username, role in TEAMS.get(team_index, []) if team_index is not None else []:
        db.add(CediaMember(project_id=project.id, display_name=name, username=username, role=role, unit=demo.unit))
    if team_index is not None:
        milestones = [
            ("Cadrage validé", 30),
            ("Preuve de concept présentée au sponsor", 120),
            ("Mise en production", 220),
        ]
        done = {Stage.coaching: 1, Stage.delivery: 2, Stage.autonomy: 3, Stage.on_hold: 1}.get(demo.stage, 0)
        for i, (title, offset) in enumerate(milestones):
            due = (start + timedelta(days=offset)).date()
            db.add(CediaMilestone(project_id=project.id, title=title, due_on=due, done_on=due if i < done else None))
        if demo.stage in (Stage.coaching, Stage.on_hold):
            db.add(
                CediaBlocker(
                    project_id=project.id,
                    description="Accès aux données de production à obtenir (habilitations)",
                    opened_by="cedia",
                    opened_at=events[-1][2],
                )
            )


# Learners flagged as data relays in the roster (not on a project as relays): the KPI counts them too.
ROSTER_RELAYS = [("apprenant5", FINANCE, date(2025, 9, 1)), ("apprenant4", FRAUDE, date(2025, 11, 3))]


def _seed_roster_relays(db: Session) -> None:
    flagged = set(db.execute(select(col(CediaRelay.user_id))).scalars())
    for username, unit, since in ROSTER_RELAYS:
        user_id = db.execute(select(col(User.id)).where(col(User.username) == username)).scalar_one_or_none()
        if user_id is not None and user_id not in flagged:
            db.add(CediaRelay(user_id=user_id, unit=unit, since=since, designated_by="cedia"))


def seed_cedia(db: Session, _settings: Settings) -> None:
    """The demo portfolio (29 projects) and two roster relays; what exists is skipped, so a second run changes
    nothing."""
    existing = set(db.execute(select(col(CediaProject.title))).scalars())
    rng = random.Random(2024)
    for i, demo in enumerate(ACCOMPANIED):
        start = CEDIA_START + timedelta(days=i * 26)
        if demo.title not in existing:
            _add_project(db, rng, demo, start=start, team_index=i)
    for i, demo in enumerate(PLANNED):
        start = datetime(2025, 10, 1, 9, 0, tzinfo=UTC) + timedelta(days=i * 19)
        if demo.title not in existing:
            _add_project(db, rng, demo, start=start, team_index=None)
    _seed_roster_relays(db)
    db.flush()
