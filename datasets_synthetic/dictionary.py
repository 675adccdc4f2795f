"""DICTIONNAIRE.md: the French data dictionary, rendered from the schema and the parameter files."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from datasets_synthetic import dictionary_rules as rules
from datasets_synthetic.dictionary_rules import pct
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
(caractères 11 à 13), y compris les NIR volontairement mal saisis du fichier RH `psc_roster` (l'erreur porte
sur un autre chiffre) : aucun ne peut donc être celui d'une personne réelle. Ces erreurs mises à part, ils restent
valides au sens du format et de la clé (y compris la règle corse), ce qui garde leur intérêt aux exercices de contrôle
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
        f"Générées par `datasets_synthetic` {manifest.version} (paquet `academie` {manifest.package_version}) "
        f"avec `--members {p['members']} --seed {p['seed']} "
        f"--year {p['year']} --format {p['format']}` ; "
        + rules.window_sentence(params, manifest.window["start"], manifest.window["end"]),
        "",
        'Lecture dans un notebook : `from datasets_synthetic import load` puis `load("claims")` '
        "(dates en `datetime64`, identifiants en texte, montants en euros).",
        "",
        "| table | lignes | contenu |",
        "|---|---:|---|",
    ]
    for name, table in TABLES.items():
        rows = f"{manifest.tables[name]['rows']:,}".replace(",", " ")  # French thousands separator
        lines.append(f"| `{name}` | {rows} | {table.description} |")
    lines.append("")
    for name, table in TABLES.items():
        lines += [f"## Table `{name}`", "", table.description, "", "| colonne | type | description |", "|---|---|---|"]
        for column in table.columns:
            null = " (peut être vide)" if column.nullable else ""
            lines.append(f"| `{column.name}` | {_type(column.type)}{null} | {column.description} |")
        lines.append("")
    lines += [
        NIR_SECTION,
        rules.money_section(params, manifest.window["start"], manifest.window["end"]),
        rules.population_section(params),
        rules.psc_section(params, manifest.window["start"], manifest.window["end"]),
        rules.fraud_section(params, manifest.fraud),
        _emails_section(params),
        REPRODUCIBILITY_SECTION,
        _sources_section(params),
    ]
    return "\n".join(lines).rstrip() + "\n"


REPRODUCIBILITY_SECTION = """\
## Reproductibilité

Même graine, mêmes paramètres, même version : fichiers identiques à l'octet près (`manifest.json` donne le
sha256 de chaque fichier et des fichiers de paramètres). Les personnes sont générées par lots (`chunk_members`,
25 000 par défaut) ; chaque lot a sa propre graine dérivée (`numpy.random.SeedSequence`), ce qui borne la mémoire
et rend le résultat indépendant du nombre de processus. Changer `chunk_members` change les données.
"""


def _emails_section(params: Params) -> str:
    teams = params.emails["teams"]
    rate = str(params.emails["emails_per_subscriber_per_year"]).replace(".", ",")
    rows = "\n".join(f"| `{key}` | {spec['label']} | {pct(spec['share'])} |" for key, spec in teams.items())
    return f"""\
## Courriels et équipes destinataires

Environ {rate} courriel par adhérent et par an, signés du nom de l'adhérent ; les agents invités à une
vague PSC écrivent plus souvent à la cellule PSC. Le nom de l'équipe
n'apparaît jamais dans le texte ; une partie du vocabulaire est commune à plusieurs équipes.

| `team` | équipe | part |
|---|---|---:|
{rows}
"""


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
