"""Who pays what on each claim line: mandatory scheme (AMO), the mutual (AMC) and the insured person.

All amounts are integer cents, so the published identities hold to the cent:
amount_billed = reimbursement_base + extra_fees; amo_paid = base × rate − flat_participation − deductible;
amo_paid + amc_paid + out_of_pocket = amount_billed. Flat participations and deductibles are withheld from the
mandatory reimbursement (never from the complementary), capped per line at what the AMO pays, per day for
paramedical acts and transport, and at 50 € per beneficiary and calendar year each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datasets_synthetic.claims import Lines
from datasets_synthetic.context import age_at, year_month
from datasets_synthetic.contracts import NO_END, Cover, levels
from datasets_synthetic.params import DEDUCTIBLE_KINDS, EXTRA_PROFILES, Params, cents, dated_cents
from datasets_synthetic.population import People
from datasets_synthetic.practitioners import SECTORS, Practitioners


@dataclass
class Settlement:
    amo_gross: np.ndarray
    amo_paid: np.ndarray
    flat_participation: np.ndarray
    deductible: np.ndarray
    amc_paid: np.ndarray
    out_of_pocket: np.ndarray
    is_100_sante: np.ndarray


def cap_running(group_start: np.ndarray, amounts: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Amounts allowed when each contiguous group may total at most `cap` (taken in row order)."""
    total = np.cumsum(amounts)
    first = np.maximum.accumulate(np.where(group_start, np.arange(amounts.size), 0))
    before = total - amounts - (total[first] - amounts[first])
    return np.clip(cap - before, 0, amounts)


def _starts(*keys: np.ndarray) -> np.ndarray:
    change = np.zeros(keys[0].size, dtype=bool)
    if keys[0].size:
        change[0] = True
    for key in keys:
        change[1:] |= key[1:] != key[:-1]
    return change


def settle(params: Params, lines: Lines, people: People, cover: Cover, practitioners: Practitioners) -> Settlement:
    assert lines.base is not None and lines.extra is not None and lines.amo_rate is not None
    acts = params.acts
    co = params.claims["co_payments"]
    v = lines.variant
    base, extra, care = lines.base, lines.extra, lines.care
    # Half-up rounding in integer arithmetic (rates in basis points), so the identity is exact to the cent.
    rate_bp = np.round(lines.amo_rate * 10000).astype(np.int64)
    amo_gross = (base * rate_bp + 5000) // 10000
    adult = age_at(people.birth[lines.person], care) >= co["exempt_under_age"]

    fp = np.where(acts.flat_participation[v] & adult, dated_cents(co["flat_participation"], care), 0)
    kind = acts.deductible[v]
    unit = dated_cents(co["deductible_unit"], care)
    ded = np.select(
        [
            kind == DEDUCTIBLE_KINDS.index("unit"),
            kind == DEDUCTIBLE_KINDS.index("paramedical"),
            kind == DEDUCTIBLE_KINDS.index("transport"),
        ],
        [unit * lines.quantity, unit, dated_cents(co["deductible_transport"], care)],
        0,
    )
    ded = np.where(adult, ded, 0)
    fp = np.minimum(fp, amo_gross)
    ded = np.minimum(ded, amo_gross - fp)

    # Caps in chronological order per person: daily (paramedical, transport), then yearly (each 50 €). One sort by
    # (person, day, kind) serves both: days and years are contiguous within a person.
    day = care - (int(care.min()) if care.size else 0)
    order = np.argsort((lines.person * (1 << 17) + day) * 4 + kind, kind="stable")
    p, c, k = lines.person[order], care[order], kind[order]
    daily_cap = np.select(
        [k == DEDUCTIBLE_KINDS.index("paramedical"), k == DEDUCTIBLE_KINDS.index("transport")],
        [dated_cents(co["paramedical_daily_cap"], c), dated_cents(co["transport_daily_cap"], c)],
        2**40,
    )
    ded_daily = cap_running(_starts(p, c, k), ded[order], daily_cap)
    year, _ = year_month(c)
    yearly = np.full(lines.size, cents(co["yearly_cap_eur"]))
    by_year = _starts(p, year)
    fp_final = np.empty_like(fp)
    fp_final[order] = cap_running(by_year, fp[order], yearly)
    ded_final = np.empty_like(ded)
    ded_final[order] = cap_running(by_year, ded_daily, yearly)

    amo_paid = amo_gross - fp_final - ded_final

    # Complementary cover at the care date: first segment (individual), else second (collective).
    person = lines.person
    in1 = (cover.start1[person] <= care) & (care <= cover.end1[person])
    in2 = (cover.start2[person] <= care) & (care <= np.minimum(cover.end2[person], NO_END))
    covered = in1 | in2
    level = np.where(in1, cover.level1[person], cover.level2[person])
    names = levels(params)
    amc_spec = params.contracts["amc_cover"]

    def by_level(key: str) -> np.ndarray:
        return np.array([float(amc_spec[key][name]) for name in names])[level]

    profile = acts.extra_profile[v]
    sector = practitioners.sector[lines.practitioner]
    doctor_pct = np.where(
        sector == SECTORS.index("optam"), by_level("doctor_optam_pct"), by_level("doctor_non_optam_pct")
    )
    allowed = np.select(
        [
            profile == EXTRA_PROFILES.index("doctor"),
            profile == EXTRA_PROFILES.index("dental_prosthesis"),
            profile == EXTRA_PROFILES.index("optics"),
            profile == EXTRA_PROFILES.index("hearing"),
        ],
        [
            base * doctor_pct / 100,
            base * by_level("dental_prosthesis_pct") / 100,
            by_level("optics_cap_eur") * 100,
            by_level("hearing_cap_eur") * 100 * lines.quantity,
        ],
        0,
    )
    sante = acts.is_100_sante[v] & covered
    covered_extra = np.where(sante, extra, np.minimum(extra, np.floor(allowed).astype(np.int64)))
    amc = np.where(covered, base - amo_gross + covered_extra, 0)
    out_of_pocket = base + extra - amo_paid - amc
    return Settlement(amo_gross, amo_paid, fp_final, ded_final, amc, out_of_pocket, sante)
