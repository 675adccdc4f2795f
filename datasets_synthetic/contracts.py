"""Complementary-health contracts: individual cover, then PSC collective contracts with enrolment waves.

Each subscriber has an individual contract; active agents of an employer whose PSC contract has started (or whose
waves have opened) are invited in one of the employer's waves: those who answer choose a level (and may add their
dependants), non-responders are enrolled automatically with no options and no dependants, and a few are exempted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from datasets_synthetic import ids
from datasets_synthetic.context import Window, age_at
from datasets_synthetic.params import Params, cents
from datasets_synthetic.population import Employers, People

KINDS = ("individual", "collective_psc")
ENROLMENTS = ("chosen", "automatic", "exempted")
EXEMPTIONS = ("individual_contract_until_term", "spouse_collective_contract")
NO_END = 2**40  # "open-ended" sentinel for date arithmetic


def levels(params: Params) -> list[str]:
    """Every coverage level, individual then collective (the index used by the claims' cover lookup)."""
    return list(params.contracts["individual"]["levels"]) + list(params.contracts["collective_psc"]["levels"])


@dataclass
class Contracts:
    """Per-subscriber contract segments (at most an individual one, then a collective one) and per-agent PSC data."""

    subscriber_rows: np.ndarray  # chunk-local row of each subscriber
    ind_start: np.ndarray
    ind_end: np.ndarray  # NO_END when open
    ind_level: np.ndarray
    ind_enrolment: np.ndarray
    exemption: np.ndarray  # -1 none
    col_start: np.ndarray  # NO_END when no collective contract
    col_end: np.ndarray
    col_level: np.ndarray
    col_enrolment: np.ndarray
    col_dependants: np.ndarray
    wave: np.ndarray  # 0 when not invited
    wave_opened: np.ndarray
    answer: np.ndarray  # -1 when no answer
    ind_premium_cents: np.ndarray
    col_premium_cents: np.ndarray
    col_share_cents: np.ndarray


def _premium_per_person(params: Params, level: np.ndarray, age: np.ndarray) -> np.ndarray:
    spec = params.contracts["individual"]
    table = np.array([spec["premium_eur"][name] for name in spec["levels"]])
    band = np.clip(np.searchsorted(spec["age_bands"], age, side="right") - 1, 0, table.shape[1] - 1)
    return np.round(table[level, band] * 100).astype(np.int64)


def generate(
    params: Params, window: Window, people: People, employers: Employers, rng: np.random.Generator
) -> Contracts:
    spec_ind = params.contracts["individual"]
    spec_col = params.contracts["collective_psc"]
    n_ind_levels = len(spec_ind["levels"])
    subs = np.flatnonzero(people.role == 0)
    n = subs.size

    seniority = rng.uniform(spec_ind["start_years_before"]["min"], spec_ind["start_years_before"]["max"], n)
    adult = people.birth[subs] + int(params.population["adult_age"] * 365.25)
    ind_start = np.maximum(window.start - np.floor(seniority * 365.25).astype(np.int64), adult)
    ind_start = np.minimum(ind_start, window.end)
    ind_level = rng.choice(n_ind_levels, n, p=spec_ind["level_weights"])
    ind_end = np.full(n, NO_END, dtype=np.int64)
    terminated = rng.random(n) < 1 - (1 - spec_ind["yearly_termination_rate"]) ** window.years
    ind_end = np.where(terminated, window.start + np.floor(rng.random(n) * (window.end - window.start)), ind_end)
    ind_end = np.maximum(ind_end, ind_start).astype(np.int64)

    # PSC: active agents of employers whose first wave opens before the end of the window.
    waves = spec_col["waves"]
    employer = people.employer[subs]
    start = np.where(employer >= 0, employers.psc_start[np.maximum(employer, 0)], NO_END)
    wave = rng.integers(1, waves["count"] + 1, n)
    opened = start - (waves["count"] - wave + 1) * waves["spacing_days"]
    death = people.death[subs]
    alive_at_wave = (death < 0) | (death > opened)
    margin = int(spec_col["individual_contract_days_before_wave"])
    of_age = adult <= opened - margin  # agents hired after the waves (later years) are left out of this model
    invited = (employer >= 0) & (opened <= window.end) & alive_at_wave & (ind_end >= opened) & of_age
    # An invited agent already held an individual contract when the wave opened (even for waves long before the
    # window, as in a dataset for a year well after the employer's PSC start).
    ind_start = np.where(invited, np.minimum(ind_start, opened - margin), ind_start)
    outcome = rng.random(n)
    exempted = invited & (outcome < spec_col["exemption_share"])
    answered = invited & ~exempted & (outcome < spec_col["exemption_share"] + spec_col["answer_share"])
    automatic = invited & ~exempted & ~answered
    answer = np.where(answered | exempted, opened + rng.integers(0, waves["answer_days"], n), -1)

    reasons = params.contracts["collective_psc"]["exemption_reasons"]
    reason = np.where(exempted, rng.choice(len(EXEMPTIONS), n, p=[reasons[r] for r in EXEMPTIONS]), -1)
    collective = answered | automatic
    # Joining the collective contract (or leaving for a spouse's) ends the individual contract the day before.
    switch = collective | (reason == 1)
    ind_end = np.where(switch, np.minimum(ind_end, start - 1), ind_end)
    ind_enrolment = np.where(exempted, 2, 0)

    col_level = np.where(
        answered,
        n_ind_levels + rng.choice(len(spec_col["levels"]), n, p=spec_col["level_weights_when_chosen"]),
        n_ind_levels,
    )
    has_dependants = np.bincount(people.household, minlength=people.size)[subs] > 1
    col_dependants = answered & has_dependants & (rng.random(n) < spec_col["covers_dependants_when_chosen"])
    col_start = np.where(collective, start, NO_END)
    col_end = np.where(collective & (death >= 0), np.maximum(death, start), NO_END)
    ind_end = np.where((death >= 0) & (death < ind_end), np.maximum(death, ind_start), ind_end)

    # Premiums: individual = sum over covered people of the per-person price for their age band.
    ages = np.maximum(age_at(people.birth, window.reference), 0)
    level_of_person = ind_level[np.searchsorted(subs, people.household)]
    per_person = _premium_per_person(params, level_of_person, ages)
    ind_premium = np.bincount(people.household, weights=per_person, minlength=people.size)[subs].astype(np.int64)

    kids = np.bincount(people.household, weights=people.role == 2, minlength=people.size)[subs]
    spouses = np.bincount(people.household, weights=people.role == 1, minlength=people.size)[subs]
    option = np.array([cents(spec_col["option_extra_eur"][lv]) for lv in spec_col["levels"]])
    emp = np.maximum(employer, 0)
    col_premium = (
        employers.break_even_cents[emp]
        + option[col_level - n_ind_levels]
        + col_dependants
        * (spouses * cents(spec_col["dependant_eur"]["spouse"]) + kids * cents(spec_col["dependant_eur"]["child"]))
    ).astype(np.int64)
    return Contracts(
        subscriber_rows=subs,
        ind_start=ind_start,
        ind_end=ind_end,
        ind_level=ind_level,
        ind_enrolment=ind_enrolment,
        exemption=reason,
        col_start=col_start,
        col_end=col_end,
        col_level=col_level,
        col_enrolment=np.where(answered, 0, 1),
        col_dependants=col_dependants,
        wave=np.where(invited, wave, 0),
        wave_opened=opened,
        answer=answer,
        ind_premium_cents=ind_premium,
        col_premium_cents=col_premium,
        col_share_cents=employers.employer_share_cents[emp],
    )


def table(
    params: Params, people: People, contracts: Contracts, employers: Employers
) -> dict[str, pa.Array | np.ndarray]:
    """The published `contracts` rows: each subscriber's individual contract, then any collective one."""
    c = contracts
    has_col = c.col_start < NO_END
    sub_numbers = people.number[c.subscriber_rows]
    # Rows: all individual contracts, then collective ones; contract number = 2 * subscriber number + kind.
    number = np.r_[2 * sub_numbers, 2 * sub_numbers[has_col] + 1]
    kind = np.r_[np.zeros(c.subscriber_rows.size, np.int64), np.ones(int(has_col.sum()), np.int64)]
    order = np.argsort(number, kind="stable")
    sub = np.r_[sub_numbers, sub_numbers[has_col]][order]
    employer = np.r_[np.full(c.subscriber_rows.size, -1), people.employer[c.subscriber_rows][has_col]][order]
    start = np.r_[c.ind_start, c.col_start[has_col]][order]
    end = np.r_[c.ind_end, c.col_end[has_col]][order]
    level = np.r_[c.ind_level, c.col_level[has_col]][order]
    dependants = np.r_[np.ones(c.subscriber_rows.size, bool), c.col_dependants[has_col]][order]
    premium = np.r_[c.ind_premium_cents, c.col_premium_cents[has_col]][order]
    share = np.r_[np.zeros(c.subscriber_rows.size, np.int64), c.col_share_cents[has_col]][order]
    enrolment = np.r_[c.ind_enrolment, c.col_enrolment[has_col]][order]
    exemption = np.r_[c.exemption, np.full(int(has_col.sum()), -1)][order]
    invited = c.wave > 0
    # Wave data sits on the row the wave produced: the collective contract, or the individual one kept by exemption.
    ind_wave = np.where(invited & ~has_col, c.wave, 0)
    wave = np.r_[ind_wave, c.wave[has_col]][order]
    opened = np.r_[c.wave_opened, c.wave_opened[has_col]][order]
    answer = np.r_[c.answer, c.answer[has_col]][order]
    kind = kind[order]
    return {
        "contract_id": ids.prefixed("K", number[order], 10),
        "subscriber_id": ids.prefixed("B", sub, 9),
        "kind": ids.take(list(KINDS), kind),
        "employer_id": ids.take(employers.ids, np.maximum(employer, 0), valid=employer >= 0),
        "start_date": start,
        "end_date": np.ma.masked_array(end, mask=end >= NO_END),
        "coverage_level": ids.take(levels(params), level),
        "covers_dependants": dependants,
        "monthly_premium_eur": premium / 100,
        "employer_share_eur": share / 100,
        "enrolment": ids.take(list(ENROLMENTS), enrolment),
        "exemption_reason": ids.take(list(EXEMPTIONS), np.maximum(exemption, 0), valid=exemption >= 0),
        "wave": np.ma.masked_array(wave, mask=wave == 0),
        "wave_opened_date": np.ma.masked_array(opened, mask=wave == 0),
        "answer_date": np.ma.masked_array(answer, mask=(wave == 0) | (answer < 0)),
    }


@dataclass
class Cover:
    """Per-beneficiary complementary cover: up to two segments (start, end, level) for the claims lookup."""

    start1: np.ndarray
    end1: np.ndarray
    level1: np.ndarray
    start2: np.ndarray
    end2: np.ndarray
    level2: np.ndarray


def cover(people: People, contracts: Contracts) -> Cover:
    """Dependants are covered by the individual contract, and by the collective one only when it includes them."""
    c = contracts
    sub_index = np.searchsorted(c.subscriber_rows, people.household)
    is_sub = people.role == 0
    col_ok = is_sub | c.col_dependants[sub_index]
    return Cover(
        start1=c.ind_start[sub_index],
        end1=c.ind_end[sub_index],
        level1=c.ind_level[sub_index],
        start2=np.where(col_ok, c.col_start[sub_index], NO_END),
        end2=c.col_end[sub_index],
        level2=c.col_level[sub_index],
    )
