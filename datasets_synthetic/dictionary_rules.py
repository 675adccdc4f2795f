"""The sections of DICTIONNAIRE.md that state domain figures, rendered from the parameter files and the manifest.

No amount, date or rate is written here as text: tariffs come from tariffs.csv, co-payments from claims.yaml,
fraud schemes from fraud.yaml, PSC dates from employers.yaml, and what happened (window, fraud prevalence) from
the manifest of the dataset being described. A trainer who edits a data file gets a dictionary that says so.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import numpy as np

from datasets_synthetic.params import EPOCH, FAMILIES, Params, cents, days

CATEGORY_FR = {
    "doctor": "médecins",
    "pharmacy": "pharmacies",
    "laboratory": "laboratoires",
    "dentist": "dentistes",
    "nurse": "infirmiers",
    "physiotherapist": "kinésithérapeutes",
    "optician": "opticiens",
    "hearing_aid_provider": "audioprothésistes",
    "transport": "transporteurs",
    "establishment": "établissements",
}
FAMILY_FR = {
    "gp": "médecine générale",
    "specialist": "spécialistes",
    "pharmacy": "médicaments",
    "lab": "biologie",
    "nursing": "soins infirmiers",
    "physiotherapy": "kinésithérapie",
    "dental_care": "soins dentaires",
    "dental_prosthesis": "prothèses dentaires",
    "optics": "optique",
    "hearing": "audiologie",
    "hospital": "hospitalisation",
    "transport": "transports",
}


def euros(value_cents: int) -> str:
    """2650 -> "26,50 €"; whole euros without decimals: 200 -> "2 €"."""
    whole, rest = divmod(int(value_cents), 100)
    text = f"{whole:,}".replace(",", " ")
    return f"{text},{rest:02d} €" if rest else f"{text} €"


def date_fr(day: int | str | dt.date) -> str:
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    elif isinstance(day, int | np.integer):
        day = EPOCH + dt.timedelta(days=int(day))
    return day.strftime("%d/%m/%Y")


def pct(share: float, digits: int = 0) -> str:
    """A share written the French way: 0.012 -> "1,2 %"."""
    return f"{share * 100:.{digits}f} %".replace(".", ",")


def and_join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def dated(rows: list[tuple[int, int]], start: int, end: int) -> str:
    """(first day, cents) rows over [start, end]: "2 €", or "1 € puis 2 € au 15/05/2024" when it changes within."""
    ordered = sorted(rows)
    in_force = [(d, c) for d, c in ordered if d <= start][-1:] + [(d, c) for d, c in ordered if start < d <= end]
    if not in_force:
        in_force = ordered[:1]
    parts = [euros(in_force[0][1])] + [f"{euros(c)} au {date_fr(d)}" for d, c in in_force[1:]]
    return " puis ".join(parts)


def schedule(rows: list[dict[str, Any]], start: int, end: int) -> str:
    """A claims.yaml schedule of {from, eur} rows over [start, end] (see `dated`)."""
    return dated([(days(str(r["from"])), cents(r["eur"])) for r in rows], start, end)


def tariff_rows(params: Params, code: str) -> list[tuple[int, int]]:
    """(first day, cents) of each tariff of an act code, in date order."""
    acts = params.acts
    index = acts.codes.index(code)
    rows = acts.tariff_code == index
    return list(zip(acts.tariff_from[rows].tolist(), acts.tariff_cents[rows].tolist(), strict=True))


def tariff_changes(params: Params, start: int, end: int) -> list[tuple[str, int, int, int]]:
    """(code, day, old cents, new cents) for every tariff change of tariffs.csv inside [start, end]."""
    changes = []
    for code in params.acts.codes:
        rows = tariff_rows(params, code)
        for (_, before), (day, after) in itertools.pairwise(rows):
            if start < day <= end and before != after:
                changes.append((code, day, before, after))
    return sorted(changes, key=lambda c: (c[1], c[0]))


def rate_changes(params: Params, start: int, end: int) -> list[tuple[int, float, float, list[str]]]:
    """(day, old rate, new rate, codes) for every AMO rate change of amo_rates.csv inside [start, end]."""
    acts = params.acts
    grouped: dict[tuple[int, float, float], list[str]] = {}
    for index, code in enumerate(acts.codes):
        rows = acts.rate_code == index
        schedule_ = list(zip(acts.rate_from[rows].tolist(), acts.rate_value[rows].tolist(), strict=True))
        for (_, before), (day, after) in itertools.pairwise(schedule_):
            if start < day <= end and before != after:
                grouped.setdefault((day, before, after), []).append(code)
    return [(day, old, new, codes) for (day, old, new), codes in sorted(grouped.items())]


def window_sentence(params: Params, start: str, end: str) -> str:
    """What the claims window shows: the tariff changes it spans (the G's first) and AMO rate changes, or none."""
    first, last = days(start), days(end)
    changes = tariff_changes(params, first, last)
    rates = [
        f"le taux AMO de {and_join([f'`{c}`' for c in codes])} passe de {pct(old)} à {pct(new)} au {date_fr(day)}"
        for day, old, new, codes in rate_changes(params, first, last)
    ]
    head = f"prestations du {date_fr(start)} au {date_fr(last)}"
    extra = f" ; {' ; '.join(rates)} (voir `amo_rates.csv`)" if rates else ""
    if not changes:
        g = dated(tariff_rows(params, "G"), first, last)
        return f"{head} ; aucun tarif de `tariffs.csv` ne change sur cette période (le `G` y vaut {g}){extra}."
    changes.sort(key=lambda c: (c[0] != "G", c[1]))
    described = [f"`{code}` {euros(old)} → {euros(new)} au {date_fr(day)}" for code, day, old, new in changes]
    shown = described[:4] + ([f"et {len(described) - 4} autres"] if len(described) > 4 else [])
    return f"{head}, ce qui montre les revalorisations {', '.join(shown)} (voir `tariffs.csv`){extra}."


def money_section(params: Params, start: str, end: str) -> str:
    co = params.claims["co_payments"]
    first, last = days(start), days(end)
    acts = params.acts
    fp_families = sorted({int(f) for f in acts.family[acts.flat_participation]})
    fp_labels = and_join([FAMILY_FR[FAMILIES[f]] for f in fp_families])
    g = dated(tariff_rows(params, "G"), first, last)
    return f"""\
## Règles de calcul des montants (vérifiées au centime sur chaque ligne hors fraude)

- `amount_billed = reimbursement_base + extra_fees`
- `amo_paid = reimbursement_base × amo_rate − flat_participation − deductible`, le produit étant arrondi au
  centime le plus proche (demi-centime arrondi au centime supérieur) ; jamais négatif : la retenue est limitée à
  ce que verse l'AMO sur la ligne. Un contrôle en flottants doit donc tolérer un écart d'au plus 0,005 €.
- `amo_paid + amc_paid + out_of_pocket = amount_billed`
- La participation forfaitaire ({schedule(co["flat_participation"], first, last)} par acte : {fp_labels}) et les
  franchises ({schedule(co["deductible_unit"], first, last)} par boîte ou acte paramédical, au plus
  {schedule(co["paramedical_daily_cap"], first, last)} par jour pour les actes paramédicaux ;
  {schedule(co["deductible_transport"], first, last)} par transport, au plus
  {schedule(co["transport_daily_cap"], first, last)} par jour) ne sont **jamais** payées par la complémentaire ;
  chacune est plafonnée à {euros(cents(co["yearly_cap_eur"]))} par personne et par année civile ; les moins de
  {co["exempt_under_age"]} ans en sont exonérés.
- Lignes `is_100_sante` : reste à charge nul (la complémentaire paie tout ce que l'AMO ne paie pas).
- Médecins de secteur 1 : aucun dépassement d'honoraires.
- Sans contrat complémentaire actif à la date des soins, `amc_paid` vaut 0.
- Tarifs datés (`tariffs.csv`) : sur la période, le `G` vaut {g}.
"""


def psc_section(params: Params, start: str, end: str) -> str:
    col = params.contracts["collective_psc"]
    roster = params.contracts["psc_roster"]
    rates = roster["discrepancy_rates"]
    last = days(end)
    starts: dict[str, list[str]] = {}
    for group in params.employers["groups"]:
        starts.setdefault(str(group["psc_start_date"]), []).append(group["ministry"])
    dated = []
    for day, ministries in sorted(starts.items()):
        state = "déjà en vigueur à la fin de la période" if days(day) <= last else "après la période"
        dated.append(f"{date_fr(day)} ({and_join(ministries)} ; {state})")
    return f"""\
## Réforme de la protection sociale complémentaire (PSC)

- Chaque employeur a une date d'effet (`employers.psc_start_date`) ; ses agents actifs sont invités en
  {col["waves"]["count"]} vagues espacées de {col["waves"]["spacing_days"]} jours avant cette date et ont
  {col["waves"]["answer_days"]} jours pour répondre.
- Réponse (environ {pct(col["answer_share"])}) : contrat collectif `chosen` au niveau choisi, ayants droit
  ajoutés le plus souvent. Pas de réponse : adhésion `automatic` au socle (`{col["levels"][0]}`), sans option ni
  ayant droit (ceux-ci perdent leur couverture). Dispense (environ {pct(col["exemption_share"])}) : le contrat
  individuel est conservé (`enrolment = exempted`, motif dans `exemption_reason`).
- Le contrat individuel de l'agent qui bascule prend fin la veille de la date d'effet du contrat collectif.
- L'employeur paie {pct(params.employers["employer_share_rate"])} de la cotisation d'équilibre
  (`employer_share_eur`).
- `psc_roster` : le fichier RH de chaque employeur, avec des écarts injectés à rapprocher des contrats :
  NIR mal saisi (environ {pct(rates["nir_typo"], 1)}, un chiffre changé hors numéro d'ordre : clé invalide),
  date de naissance différente ({pct(rates["birth_date_mismatch"], 1)} : quelques jours d'écart, ou jour et mois
  inversés), doublons ({pct(rates["duplicate_row"], 1)}), agents inconnus de la mutuelle
  ({pct(roster["not_in_mutual_rate"])}) et agents affiliés absents du fichier ({pct(rates["missing_from_roster"])}).
  Les noms sont parfois en majuscules.
- Dates d'effet des contrats collectifs : {" ; ".join(dated)}. Seuls les employeurs dont la date d'effet tombe
  avant la fin de la période ont des contrats collectifs dans ce jeu de données.
"""


FRAUD_TEXT = {
    "phantom_billing": "actes fictifs : séries de {series_length[min]} à {series_length[max]} actes "
    "({pools}) facturés à des adhérents qui n'ont jamais vu le professionnel (souvent hors de leur département)",
    "duplicate_billing": "double facturation : le même acte, même patient, même jour, payé "
    "{paid_days_after_original[min]} à {paid_days_after_original[max]} jours après l'original",
    "upcoding": "surcotation : quelques généralistes facturent `{upcoded_act}` au lieu d'une consultation "
    "ordinaire, pour au plus {max_share} de leurs consultations",
    "impossible_volume": "volume impossible : quelques {pools} facturent {acts_per_day[min]} à "
    "{acts_per_day[max]} actes certains jours",
    "care_after_death": "soins après décès : {families} facturés dans les {within_days_of_death} jours qui suivent "
    "la `death_date` du bénéficiaire",
}


def fraud_section(params: Params, prevalence: dict[str, Any]) -> str:
    types = params.fraud["types"]
    lines = [
        "## Fraudes étiquetées (`claims.fraud_type`)",
        "",
        f"Injectées à faible prévalence : {_count(prevalence['lines'])} lignes, soit {pct(prevalence['share'], 2)} "
        "des lignes de prestations de ce jeu de données ; aucune colonne isolée ne les trahit.",
        "",
        "| `fraud_type` | schéma | lignes | part des lignes |",
        "|---|---|---:|---:|",
    ]
    for key, realised in prevalence["by_type"].items():
        spec = types[key]
        slots = {
            **spec,
            "pools": and_join([CATEGORY_FR[p] for p in spec.get("practitioner_pools", [])] or ["-"]),
            "families": and_join([FAMILY_FR[f] for f in spec.get("families", [])] or ["-"]),
            "max_share": pct(spec.get("max_upcoded_share_of_their_visits", 0)),
        }
        text = FRAUD_TEXT[key].format(**slots)
        lines.append(f"| `{key}` | {text} | {_count(realised['lines'])} | {pct(realised['share'], 3)} |")
    return "\n".join(lines) + "\n"


def _count(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def population_section(params: Params) -> str:
    spec = params.population["subscribers"]
    months = params.claims["window"]["months_before_year"]
    target = params.claims["calibration"]
    anchors = and_join(
        [f"{euros(cents(eur))} {_ages(band)}" for band, eur in target["spending_per_person_year_eur"].items()]
    )
    gp = f"{target['gp_visits_per_person_year']}".replace(".", ",")
    return f"""\
## Population et période

- Adhérents actifs (agents de l'État, surtout de l'Éducation nationale) : âge moyen visé
  {spec["active_age"]["mean"]:.0f} ans, {pct(spec["female_share_active"])} de femmes ; retraités
  ({pct(1 - spec["active_share"])} des adhérents) ; conjoints et enfants (jusqu'à {spec["child_max_age"]} ans) en
  ayants droit.
- Les prestations couvrent les {months} derniers mois de l'année précédente et toute l'année `--year`. Aucun
  soin avant la naissance ni après le décès (sauf fraude étiquetée `care_after_death`).
- Fréquences et montants calibrés sur les repères publiés : environ {gp} consultations de généraliste par
  personne et par an ; dépense annuelle par personne d'environ {anchors} (DREES) ; l'assurance maladie
  obligatoire paie environ {pct(target["amo_share_of_billed"])} des montants facturés. Forte dépense l'année du
  décès ; personnes en ALD remboursées à 100 % sur la plupart de leurs soins médicaux.
- Chacun a un médecin traitant (la plupart de ses consultations de généraliste) et consulte surtout dans son
  département.
"""


def _ages(band: str) -> str:
    """ "6-10" -> "de 6 à 10 ans", "85+" -> "à partir de 85 ans"."""
    if band.endswith("+"):
        return f"à partir de {band[:-1]} ans"
    low, high = band.split("-")
    return f"de {low} à {high} ans"
