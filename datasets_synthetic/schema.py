"""The published tables: column names, Arrow types and French descriptions (one source of truth).

The writer builds every file from these definitions (a generator that forgets or adds a column fails loudly),
the loader uses them to restore types from CSV, and `dictionary.py` renders DICTIONNAIRE.md from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

STRING = pa.string()
DATE = pa.date32()
MONEY = pa.float64()  # euros, rounded to the cent (computed in integer cents)


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    description: str
    nullable: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    chunked: bool = True  # one part file per generation chunk (else a single part)

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


C = Column

EMPLOYERS = Table(
    "employers",
    "Employeurs publics (services de l'État) des adhérents actifs, et démarrage de leur contrat collectif PSC.",
    (
        C("employer_id", STRING, "Identifiant de l'employeur (`E` + 4 chiffres)."),
        C("name", STRING, "Nom de l'employeur (académie, université, direction régionale…)."),
        C("ministry", STRING, "Ministère de rattachement."),
        C("sector", STRING, "Secteur : `education`, `higher_education`, `sport`, `ecology`, `agriculture`, `culture`."),
        C("psc_start_date", DATE, "Date d'effet du contrat collectif PSC de l'employeur (réforme de la PSC)."),
        C("break_even_contribution_eur", MONEY, "Cotisation d'équilibre mensuelle du contrat collectif (€)."),
        C(
            "employer_share_eur",
            MONEY,
            "Participation mensuelle de l'employeur par agent (€) : une part de la cotisation d'équilibre "
            "(taux dans la section PSC).",
        ),
        C("headcount_weight", pa.float64(), "Poids relatif de l'employeur dans les effectifs (paramètre de tirage)."),
    ),
    chunked=False,
)

BENEFICIARIES = Table(
    "beneficiaries",
    "Personnes protégées : adhérents (ouvrants droit) et leurs ayants droit (conjoints, enfants).",
    (
        C("beneficiary_id", STRING, "Identifiant de la personne protégée (`B` + 9 chiffres)."),
        C("subscriber_id", STRING, "Identifiant de l'adhérent du foyer (égal à `beneficiary_id` pour l'adhérent)."),
        C("role", STRING, "Rôle dans le foyer : `subscriber` (adhérent), `spouse` (conjoint), `child` (enfant)."),
        C(
            "nir",
            STRING,
            "NIR synthétique à 15 caractères (13 + clé) ; jamais celui d'une personne réelle (voir plus bas).",
        ),
        C("sex", STRING, "Sexe : `F` ou `M` (cohérent avec le 1er chiffre du NIR : 2 ou 1)."),
        C("birth_date", DATE, "Date de naissance (année et mois cohérents avec le NIR)."),
        C("death_date", DATE, "Date de décès pendant la période couverte, vide si la personne est en vie.", True),
        C("last_name", STRING, "Nom de famille (liste de noms courants, fictif)."),
        C("first_name", STRING, "Prénom (liste de prénoms courants, fictif)."),
        C("departement", STRING, "Département de résidence (code INSEE : `75`, `2A`, `974`…)."),
        C("commune", STRING, "Code commune de résidence à 5 caractères (illustratif, pas une vraie commune)."),
        C("employer_id", STRING, "Employeur de l'adhérent actif ; vide pour les retraités et les ayants droit.", True),
        C("status", STRING, "Statut : `active` (en activité), `retired` (retraité), `dependant` (ayant droit)."),
        C("chronic_condition", pa.bool_(), "Affection de longue durée (ALD) : soins liés remboursés à 100 %."),
    ),
)

CONTRACTS = Table(
    "contracts",
    "Contrats de complémentaire santé : individuels et collectifs PSC (un adhérent peut en avoir deux à la suite).",
    (
        C("contract_id", STRING, "Identifiant du contrat (`K` + 10 chiffres)."),
        C("subscriber_id", STRING, "Adhérent titulaire du contrat."),
        C("kind", STRING, "Nature : `individual` (contrat individuel) ou `collective_psc` (contrat collectif PSC)."),
        C("employer_id", STRING, "Employeur souscripteur (contrats collectifs) ; vide pour les individuels.", True),
        C("start_date", DATE, "Date d'effet."),
        C("end_date", DATE, "Date de fin (incluse), vide si le contrat court toujours.", True),
        C("coverage_level", STRING, "Niveau de garantie (`essentiel`… `integrale`, `psc_socle`, `psc_option_1/2`)."),
        C("covers_dependants", pa.bool_(), "Le contrat couvre-t-il les ayants droit du foyer ?"),
        C("monthly_premium_eur", MONEY, "Cotisation mensuelle totale du contrat (€), part employeur comprise."),
        C("employer_share_eur", MONEY, "Part mensuelle payée par l'employeur (€) ; 0 pour un contrat individuel."),
        C(
            "enrolment",
            STRING,
            "Adhésion : `chosen` (choisie), `automatic` (d'office, faute de réponse), "
            "`exempted` (contrat individuel conservé au titre d'une dispense).",
        ),
        C(
            "exemption_reason",
            STRING,
            "Motif de dispense : `individual_contract_until_term`, `spouse_collective_contract`.",
            True,
        ),
        C("wave", pa.int16(), "Vague d'affiliation PSC de l'agent (1, 2, 3…) ; vide hors PSC.", True),
        C("wave_opened_date", DATE, "Ouverture de la vague (envoi du lien personnel à l'agent).", True),
        C(
            "answer_date",
            DATE,
            "Date de réponse de l'agent (vide sans réponse dans le délai de sa vague).",
            True,
        ),
    ),
)

PRACTITIONERS = Table(
    "practitioners",
    "Professionnels et établissements de santé qui facturent des soins aux adhérents.",
    (
        C(
            "practitioner_id",
            STRING,
            "Numéro assurance maladie à 8 caractères : département (2), catégorie (1), numéro (5).",
        ),
        C("rpps", STRING, "Numéro RPPS à 11 chiffres (clé de Luhn) ; vide pour les établissements.", True),
        C(
            "category",
            STRING,
            "Catégorie : `doctor`, `pharmacy`, `laboratory`, `dentist`, `nurse`, `physiotherapist`, `optician`, "
            "`hearing_aid_provider`, `transport`, `establishment`.",
        ),
        C("specialty", STRING, "Spécialité des médecins (`general_practice`, `cardiology`…), vide sinon.", True),
        C("sector", STRING, "Secteur conventionnel : `1` (pas de dépassement), `2` (honoraires libres), `optam`."),
        C("departement", STRING, "Département d'exercice."),
    ),
    chunked=False,
)

CLAIMS = Table(
    "claims",
    "Prestations : une ligne par acte remboursé, sur le modèle de la table SNDS ER_PRS_F.",
    (
        C("claim_id", STRING, "Identifiant de la ligne de prestation (`P` + 13 chiffres)."),
        C("beneficiary_id", STRING, "Personne soignée."),
        C("practitioner_id", STRING, "Professionnel ou établissement exécutant."),
        C("care_date", DATE, "Date des soins (SNDS : EXE_SOI_DTD)."),
        C("paid_date", DATE, "Date de remboursement (mandatement)."),
        C("act_code", STRING, "Code de l'acte : NGAP (`G`, `AMI2`…), CCAM, CIP13, LPP ou NABM (illustratifs)."),
        C(
            "act_family",
            STRING,
            "Famille de soins : `gp`, `specialist`, `pharmacy`, `lab`, `nursing`, `physiotherapy`, `dental_care`, "
            "`dental_prosthesis`, `optics`, `hearing`, `hospital`, `transport`.",
        ),
        C("quantity", pa.int16(), "Quantité (boîtes, jours, aides auditives…) (SNDS : PRS_ACT_QTE)."),
        C("amount_billed", MONEY, "Montant facturé (€) = base de remboursement + dépassement (SNDS : PRS_PAI_MNT)."),
        C("reimbursement_base", MONEY, "Base de remboursement de la Sécurité sociale (€) (SNDS : BSE_REM_BSE)."),
        C("amo_rate", pa.float64(), "Taux de remboursement de l'assurance maladie obligatoire (0,7 = 70 %)."),
        C(
            "amo_paid",
            MONEY,
            "Versé par l'AMO (€) = base × taux − participation forfaitaire − franchise (SNDS : BSE_REM_MNT).",
        ),
        C(
            "flat_participation",
            MONEY,
            "Participation forfaitaire retenue (€), jamais prise en charge par la complémentaire.",
        ),
        C("deductible", MONEY, "Franchise médicale retenue (€), jamais prise en charge par la complémentaire."),
        C("extra_fees", MONEY, "Dépassement d'honoraires ou de tarif (€) au-delà de la base."),
        C("amc_paid", MONEY, "Versé par la complémentaire (la mutuelle) (€)."),
        C("out_of_pocket", MONEY, "Reste à charge de l'assuré (€)."),
        C("is_100_sante", pa.bool_(), "Équipement ou soin du panier 100 % Santé (reste à charge nul)."),
        C(
            "fraud_type",
            STRING,
            "Type de fraude injectée (étiquette d'apprentissage), vide pour une ligne normale : "
            "`phantom_billing`, `duplicate_billing`, `upcoding`, `impossible_volume`, `care_after_death`.",
            True,
        ),
    ),
)

EMAILS = Table(
    "emails",
    "Courriels entrants des adhérents, avec l'équipe destinataire (étiquette de routage).",
    (
        C("email_id", STRING, "Identifiant du courriel (`M` + 10 chiffres)."),
        C("subscriber_id", STRING, "Adhérent expéditeur."),
        C("received_at", pa.timestamp("s"), "Date et heure de réception."),
        C("subject", STRING, "Objet du courriel."),
        C("body", STRING, "Texte du courriel (français, fautes et accents manquants compris)."),
        C("team", STRING, "Équipe destinataire (étiquette) ; le nom de l'équipe n'apparaît jamais dans le texte."),
    ),
)

PSC_ROSTER = Table(
    "psc_roster",
    "Fichier RH transmis par les employeurs pour chaque vague PSC (à rapprocher des contrats de la mutuelle).",
    (
        C("roster_line_id", STRING, "Identifiant de la ligne du fichier (`R` + 10 chiffres)."),
        C("employer_id", STRING, "Employeur qui a transmis le fichier."),
        C("wave", pa.int16(), "Vague d'affiliation."),
        C("agent_number", STRING, "Matricule de l'agent chez l'employeur (`AG` + 9 chiffres)."),
        C("nir", STRING, "NIR déclaré par l'employeur (peut contenir une erreur de saisie)."),
        C("last_name", STRING, "Nom déclaré (parfois en majuscules ou sans accents)."),
        C("first_name", STRING, "Prénom déclaré."),
        C("birth_date", DATE, "Date de naissance déclarée (peut différer de celle de la mutuelle)."),
        C("sex", STRING, "Sexe déclaré : `F` ou `M`."),
        C(
            "discrepancy",
            STRING,
            "Corrigé pour le formateur : écart injecté (`nir_typo`, `birth_date_mismatch`, `duplicate_row`, "
            "`not_in_mutual`), vide si la ligne est conforme. Les agents affiliés absents du fichier "
            "(`missing_from_roster`) se trouvent par rapprochement.",
            True,
        ),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (EMPLOYERS, BENEFICIARIES, CONTRACTS, PRACTITIONERS, CLAIMS, EMAILS, PSC_ROSTER)
}
