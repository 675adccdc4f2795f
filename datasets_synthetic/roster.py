"""Employers' HR files for the PSC waves (`psc_roster`), with the discrepancies real files have.

A course reconciles this file with the mutual's contracts: mistyped NIRs (the key no longer matches), birth
dates that differ, agents listed twice, agents unknown to the mutual, and enrolled agents the file forgot.
The `discrepancy` column is the answer key for trainers.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datasets_synthetic import ids, nir
from datasets_synthetic.context import Chunk, Window, year_month
from datasets_synthetic.contracts import Contracts
from datasets_synthetic.params import Params
from datasets_synthetic.population import SEXES, Employers, People, first_names

DISCREPANCIES = ("nir_typo", "birth_date_mismatch", "duplicate_row", "not_in_mutual")
PER_CHUNK = 10**6


def _day_of_month(day: np.ndarray) -> np.ndarray:
    return day - day.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + 1


def swappable(day: np.ndarray) -> np.ndarray:
    """Dates whose day could be read as a month, and differs from it (swapping changes the date)."""
    _, month = year_month(day)
    dom = _day_of_month(day)
    return (dom <= 12) & (dom != month)


def swap_day_and_month(day: np.ndarray) -> np.ndarray:
    """03/07/1985 -> 07/03/1985: the classic HR-file error (only for `swappable` dates)."""
    year, month = year_month(day)
    dom = _day_of_month(day)
    first = ((year - 1970) * 12 + dom - 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return first + month - 1


def generate(
    params: Params,
    window: Window,
    chunk: Chunk,
    people: People,
    contracts: Contracts,
    employers: Employers,
    rng: np.random.Generator,
) -> dict[str, pa.Array | np.ndarray]:
    spec = params.contracts["psc_roster"]
    rates = spec["discrepancy_rates"]
    invited = np.flatnonzero(contracts.wave > 0)
    keep = rng.random(invited.size) >= rates["missing_from_roster"]
    agents = invited[keep]
    rows = contracts.subscriber_rows[agents]
    n = agents.size
    employer = people.employer[rows]
    wave = contracts.wave[agents]
    nirs = people.nir[rows].copy()
    birth = people.birth[rows].copy()
    sex = people.sex[rows]
    first = people.first_name[rows]
    last = people.last_name[rows]
    agent_number = people.number[rows]
    label = np.full(n, -1)

    typo = rng.random(n) < rates["nir_typo"]
    nirs[typo] = nir.mistype(nirs[typo], rng)  # the order number stays 000: still nobody's real NIR
    label[typo] = DISCREPANCIES.index("nir_typo")
    mismatch = ~typo & (rng.random(n) < rates["birth_date_mismatch"])
    swapped = mismatch & (rng.random(n) < spec["birth_date_swap_share"]) & swappable(birth)
    birth[swapped] = swap_day_and_month(birth[swapped])
    shifted = mismatch & ~swapped
    birth[shifted] += rng.choice(spec["birth_date_shift_days"], int(shifted.sum()))
    label[mismatch] = DISCREPANCIES.index("birth_date_mismatch")

    # Agents HR lists but the mutual has never heard of (recent hires): new synthetic NIRs from a reserved stream.
    extra = rng.binomial(max(n, 1), spec["not_in_mutual_rate"]) if n else 0
    if extra:
        female = rng.random(extra) < params.population["subscribers"]["female_share_active"]
        ages = spec["new_hire_age"]
        new_birth = window.reference - (rng.uniform(ages["min"], ages["max"], extra) * 365.25).astype(np.int64)
        year, month = year_month(new_birth)
        member_year, member_month = year_month(people.birth)
        new_nir = nir.make(
            sex_digit=np.where(female, 2, 1),
            birth_year=year,
            birth_month=month,
            stream=chunk.index,
            n_streams=chunk.n_chunks,
            taken=nir.buckets(people.sex + 1, member_year, member_month),  # sex digit: 1 M, 2 F
        )
        source = rng.integers(0, n, extra)  # same employer and wave as a listed colleague
        names = params.population["names"]
        nirs = np.concatenate([nirs, new_nir])
        birth = np.r_[birth, new_birth]
        sex = np.r_[sex, female.astype(np.int64)]
        first = np.r_[
            first,
            np.where(
                female,
                rng.integers(0, len(names["first_female"]), extra),
                rng.integers(0, len(names["first_male"]), extra),
            ),
        ]
        last = np.r_[last, rng.integers(0, len(names["last"]), extra)]
        employer = np.r_[employer, employer[source]]
        wave = np.r_[wave, wave[source]]
        # Matricules 9xxxxxxxx, unique across chunks: fewer new hires than members in a chunk, members < 10^8.
        agent_number = np.r_[agent_number, 900_000_000 + chunk.first_number + np.arange(extra)]
        label = np.r_[label, np.full(extra, DISCREPANCIES.index("not_in_mutual"))]

    total = label.size
    dup = np.flatnonzero((rng.random(total) < rates["duplicate_row"]) & (label == -1))
    order = np.r_[np.arange(total), dup]
    label = np.r_[label, np.full(dup.size, DISCREPANCIES.index("duplicate_row"))]
    label[dup] = DISCREPANCIES.index("duplicate_row")  # both copies are flagged
    # HR files sort by employer, wave and agent number.
    final = np.lexsort((agent_number[order], wave[order], employer[order]))
    pick = order[final]
    label = label[final]
    last_names = ids.plain(ids.take(params.population["names"]["last"], last[pick]))
    shout = pa.array(rng.random(pick.size) < spec["upper_case_last_name_share"])
    last_names = pc.if_else(shout, pc.utf8_upper(last_names), last_names)
    m = pick.size
    return {
        "roster_line_id": ids.prefixed("R", chunk.index * PER_CHUNK + np.arange(m), 10),
        "employer_id": ids.take(employers.ids, employer[pick]),
        "wave": wave[pick],
        "agent_number": ids.prefixed("AG", agent_number[pick], 9),
        "nir": ids.to_strings(nirs[pick]),
        "last_name": last_names,
        "first_name": first_names(params, sex[pick], first[pick]),
        "birth_date": birth[pick],
        "sex": ids.take(list(SEXES), sex[pick]),
        "discrepancy": ids.take(list(DISCREPANCIES), np.maximum(label, 0), valid=label >= 0),
    }
