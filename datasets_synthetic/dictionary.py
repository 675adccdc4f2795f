"""DICTIONNAIRE.md: the French data dictionary, rendered from the schema and the parameter files."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from datasets_synthetic.params import Params
from datasets_synthetic.schema import TABLES

if TYPE_CHECKING:
    from datasets_synthetic.generator import Manifest


def _type(t: pa.DataType) -> str:
    if pa.types.is_date32(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "date et heure"
    if pa.types.is_floating(t):
        return "décimal"
    if pa.types.is_integer(t):
        return "entier"
    if pa.types.is_boolean(t):
        return "booléen"
    return "texte"


NIR_SECTION = """\
## Le NIR synthétique : pourquoi il ne peut pas être celui d'une personne réelle

Un NIR compte 15 caractères : sexe (1 = homme, 2 = femme), année de naissance (2), mois de naissance (2),
lieu de naissance (5 : département sur 2 caractères et commune sur 3, ou département d'outre-mer sur 3 et commune
sur 2 ; la Corse s'écrit `2A` ou `2B`), **numéro d'ordre** (3) et clé (2). La clé vaut
`97 − (nombre à 13 chiffres modulo 97)`, où `2A` compte pour `19` et `2B` pour `18`.

**Garantie par construction** : l'INSEE numérote les naissances de 001 à 999 dans une commune et un mois donnés ;
le numéro d'ordre `000` n'est jamais attribué. **Tous les NIR de ce jeu de données ont le numéro d'ordre `000`**
(caractères 11 à 13) : aucun ne peut donc être celui d'une personne réelle. Ils restent par ailleurs valides au
sens du format et de la clé (y compris la règle corse), ce qui garde leur intérêt aux exercices de contrôle
(python-stdnum `fr.nir` les accepte). Chaque NIR est unique ; le sexe, l'année et le mois de naissance concordent
avec les colonnes `sex` et `birth_date`. Le lieu de naissance est tiré au hasard (il ne dit rien du département
de résidence).
"""


def render(params: Params, manifest: Manifest) -> str:
    p = manifest.parameters
    lines = [
        "# Dictionnaire des données synthétiques de l'Académie",
        "",
        "Données **entièrement synthétiques** d'une mutuelle santé française : aucune personne réelle. "
        f"Générées par `datasets_synthetic` {manifest.version} avec `--members {p['members']} --seed {p['seed']} "
        f"--year {p['year']} --format {p['format']}` ; prestations du {manifest.window['start']} au "
        f"{manifest.window['end']} (la fin de l'année précédente est incluse pour voir la revalorisation du G "
        "au 22/12/2024).",
        "",
        'Lecture dans un notebook : `from datasets_synthetic import load` puis `load("claims")` '
        "(dates en `datetime64`, identifiants en texte, montants en euros).",
        "",
        "| table | lignes | contenu |",
        "|---|---:|---|",
    ]
    for name, table in TABLES.items():
        lines.append(f"| `{name}` | {manifest.tables[name]['rows']:,} | {table.description} |".replace(",", " "))
    lines.append("")
    for name, table in TABLES.items():
        lines += [f"## Table `{name}`", "", table.description, "", "| colonne | type | description |", "|---|---|---|"]
        for column in table.columns:
            null = " (peut être vide)" if column.nullable else ""
            lines.append(f"| `{column.name}` | {_type(column.type)}{null} | {column.description} |")
        lines.append("")
    lines += [NIR_SECTION, _money_section(), _fraud_section(params), _sources_section(params)]
    return "\n".join(lines).rstrip() + "\n"


def _money_section() -> str:
    return """\
## Règles de calcul des montants (vérifiées au centime sur chaque ligne hors fraude)

- `amount_billed = reimbursement_base + extra_fees`
- `amo_paid = reimbursement_base × amo_rate − flat_participation − deductible` (jamais négatif : la retenue est
  limitée à ce que verse l'AMO sur la ligne)
- `amo_paid + amc_paid + out_of_pocket = amount_billed`
- La participation forfaitaire (1 € puis 2 € au 15/05/2024, consultations et biologie) et les franchises
  (0,50 € puis 1 € par boîte ou acte paramédical au 31/03/2024, 2 € puis 4 € par transport, plafonds
  journaliers) ne sont **jamais** payées par la complémentaire ; chacune est plafonnée à 50 € par personne et par
  année civile ; les moins de 18 ans en sont exonérés.
- Lignes `is_100_sante` : reste à charge nul (la complémentaire paie tout ce que l'AMO ne paie pas).
- Médecins de secteur 1 : aucun dépassement d'honoraires.
- Sans contrat complémentaire actif à la date des soins, `amc_paid` vaut 0.
- Tarifs datés : le `G` vaut 26,50 € avant le 22/12/2024 et 30 € à partir de cette date.
"""


def _fraud_section(params: Params) -> str:
    lines = [
        "## Fraudes étiquetées (`claims.fraud_type`)",
        "",
        "Injectées à faible prévalence (bien moins de 1 % des lignes) ; aucune colonne isolée ne les trahit.",
        "",
    ]
    descriptions = {
        "phantom_billing": "actes fictifs : séries d'actes infirmiers ou de kinésithérapie facturés à des adhérents "
        "qui n'ont jamais vu le professionnel (souvent hors de leur département)",
        "duplicate_billing": "double facturation : le même acte, même patient, même jour, payé quelques jours après",
        "upcoding": "surcotation : quelques généralistes facturent un avis ponctuel de consultant (`APC`) au lieu "
        "d'un `G`",
        "impossible_volume": "volume impossible : quelques infirmiers facturent 70 à 130 actes certains jours",
        "care_after_death": "soins après décès : délivrances et soins facturés après la `death_date` du bénéficiaire",
    }
    for key, text in descriptions.items():
        lines.append(f"- `{key}` : {text}.")
    return "\n".join(lines) + "\n"


def _sources_section(params: Params) -> str:
    lines = [
        "## Sources des paramètres",
        "",
        "Chaque taux, tarif et distribution vient d'un fichier versionné de `datasets_synthetic/data/` "
        "qui cite ses sources et signale honnêtement les valeurs inventées :",
        "",
    ]
    for name, content in (
        ("population.yaml", params.population),
        ("employers.yaml", params.employers),
        ("contracts.yaml", params.contracts),
        ("practitioners.yaml", params.practitioners),
        ("claims.yaml", params.claims),
        ("fraud.yaml", params.fraud),
        ("emails.yaml", params.emails),
    ):
        lines.append(f"- `{name}` : " + " ; ".join(str(s) for s in content["sources"]))
        if content.get("notes"):
            lines.append(f"  - Note : {str(content['notes']).strip()}")
    lines.append("- `acts.csv`, `tariffs.csv`, `departements.csv` : sources en tête de fichier.")
    return "\n".join(lines) + "\n"
