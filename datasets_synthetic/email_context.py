"""What each e-mail's sender can write about: household, contracts, PSC wave and claims, as per-e-mail arrays.

An intent of data/emails.yaml is only written by a sender it fits (`requires`), and its slots are filled from the
sender's own records: a claim of the household (act, date, amounts), the contract in force, the employer's PSC
dates, a child's first name. Everything is computed for all e-mails of a chunk at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from datasets_synthetic.claims import Lines
from datasets_synthetic.context import Window, age_at
from datasets_synthetic.contracts import NO_END, Contracts
from datasets_synthetic.fraud import FRAUD_TYPES
from datasets_synthetic.money import Settlement
from datasets_synthetic.params import FAMILIES, Params
from datasets_synthetic.population import People

REQUIREMENTS = (
    "active",
    "retired",
    "child",
    "young_child",
    "newborn",
    "spouse",
    "no_spouse",
    "spouse_deceased",
    "invited",
    "not_invited",
    "automatic",
    "collective",
    "individual",
    "senior_active",
    "chronic",
    "seniority",
    "claim",
)


@dataclass(frozen=True)
class Senders:
    """Per-e-mail facts about the sender's household (index = e-mail)."""

    row: np.ndarray  # chunk-local row of the subscriber
    sub: np.ndarray  # index into contracts' subscriber arrays
    lo: np.ndarray  # first day the sender can write (of age, in the window)
    hi: np.ndarray  # last day (window end or death)
    flags: dict[str, np.ndarray]
    child: np.ndarray  # a child of the household (row), -1 when none
    young_child: np.ndarray
    newborn: np.ndarray
    spouse: np.ndarray
    deceased_spouse: np.ndarray


def _random_member(people: People, mask: np.ndarray, households: np.ndarray, u: np.ndarray) -> np.ndarray:
    """For each household row, a random member row satisfying `mask` (-1 when there is none)."""
    rows = np.flatnonzero(mask)
    rows = rows[np.argsort(people.household[rows], kind="stable")]
    counts = np.bincount(people.household[rows], minlength=people.size)
    starts = np.cumsum(counts) - counts
    k = counts[households]
    chosen = starts[households] + np.minimum((u * k).astype(np.int64), np.maximum(k - 1, 0))
    return np.where(k > 0, rows[np.minimum(chosen, max(rows.size - 1, 0))] if rows.size else -1, -1)


def senders(
    params: Params,
    window: Window,
    people: People,
    contracts: Contracts,
    sender: np.ndarray,
    rng: np.random.Generator,
) -> Senders:
    spec = params.emails
    row = contracts.subscriber_rows[sender]
    n = sender.size
    lo = np.maximum(window.start, people.birth[row] + int(params.population["adult_age"] * 365.25))
    hi = np.where(people.death[row] >= 0, np.minimum(people.death[row], window.end), window.end)
    alive_in_window = (people.death < 0) | (people.death >= window.start)
    age = age_at(people.birth, window.reference)
    child = _random_member(people, (people.role == 2) & alive_in_window, row, rng.random(n))
    ages = spec["young_child_age"]
    young = _random_member(people, (people.role == 2) & (age >= ages["min"]) & (age <= ages["max"]), row, rng.random(n))
    newborn = _random_member(people, (people.role == 2) & (people.birth >= window.start), row, rng.random(n))
    spouse = _random_member(people, (people.role == 1) & alive_in_window, row, rng.random(n))
    widowed = _random_member(people, (people.role == 1) & (people.death >= window.start), row, rng.random(n))
    status = people.status[row]
    invited = contracts.wave[sender] > 0
    collective = contracts.col_start[sender] < NO_END
    household_chronic = np.bincount(people.household, weights=people.chronic, minlength=people.size)[row] > 0
    seniority = (window.reference - contracts.ind_start[sender]) / 365.25
    flags = {
        "active": status == 0,
        "retired": status == 1,
        "child": child >= 0,
        "young_child": young >= 0,
        "newborn": (newborn >= 0) & (people.birth[np.maximum(newborn, 0)] <= hi),
        "spouse": spouse >= 0,
        "no_spouse": (spouse < 0) & (widowed < 0),
        "spouse_deceased": (widowed >= 0) & (people.death[np.maximum(widowed, 0)] <= hi),
        "invited": invited & (contracts.wave_opened[sender] <= hi),
        "not_invited": (status == 0) & ~invited,
        "automatic": collective & (contracts.col_enrolment[sender] == 1) & (contracts.col_start[sender] <= hi),
        "collective": collective & (contracts.col_start[sender] <= hi),
        "individual": invited,  # every invited agent held an individual contract when the wave opened
        "senior_active": (status == 0) & (age[row] >= spec["senior_active_age"]),
        "chronic": household_chronic,
        "seniority": seniority >= spec["seniority_years_min"],
    }
    return Senders(row, sender, lo, hi, flags, child, young, newborn, spouse, widowed)


@dataclass(frozen=True)
class ClaimPool:
    """Claim lines an intent may be about, grouped by household for a vectorised random pick."""

    lines: np.ndarray  # line indices, sorted by household
    start: np.ndarray  # per chunk-local row: first position in `lines` of the household's lines
    count: np.ndarray


@dataclass
class ClaimIndex:
    """The chunk's claim lines sorted once by household, with what intents filter on (shared by every pool)."""

    order: np.ndarray
    household: np.ndarray
    family: np.ndarray
    fraud: np.ndarray
    left_to_pay: np.ndarray
    writable: np.ndarray  # care on or before the last day the subscriber can write
    size: int  # people in the chunk
    pools: dict[tuple[object, ...], ClaimPool] = field(default_factory=dict)  # intents with the same filter share


def claim_index(params: Params, people: People, lines: Lines, settled: Settlement, hi_of_row: np.ndarray) -> ClaimIndex:
    household = people.household[lines.person]
    order = np.argsort(household, kind="stable")
    h = household[order]
    return ClaimIndex(
        order=order,
        household=h,
        family=params.acts.family[lines.variant[order]],
        fraud=lines.fraud[order],
        left_to_pay=settled.out_of_pocket[order] > 0,
        writable=lines.care[order] <= hi_of_row[h],
        size=people.size,
    )


def claim_pool(index: ClaimIndex, intent: dict[str, Any]) -> ClaimPool:
    """Lines of the requested families (and fraud kind, and left-to-pay) the subscriber could write about."""
    families = intent.get("claim_families")
    fraud_names = intent.get("fraud")
    key = (tuple(families or ()), tuple(fraud_names or ()), bool(intent.get("with_out_of_pocket")))
    if key in index.pools:
        return index.pools[key]
    mask = index.writable.copy()
    if families:
        wanted = np.zeros(len(FAMILIES), dtype=bool)
        wanted[[FAMILIES.index(f) for f in families]] = True
        mask &= wanted[index.family]
    if fraud_names:
        wanted = np.zeros(len(FRAUD_TYPES) + 1, dtype=bool)
        wanted[[FRAUD_TYPES.index(f) + 1 for f in fraud_names]] = True
        mask &= wanted[index.fraud]
    else:
        mask &= index.fraud == 0  # members write about care they received (phantom care has its own intent)
    if intent.get("with_out_of_pocket"):
        mask &= index.left_to_pay
    count = np.bincount(index.household[mask], minlength=index.size)
    index.pools[key] = ClaimPool(index.order[mask], np.cumsum(count) - count, count)
    return index.pools[key]


def pick_claims(pool: ClaimPool, row: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A random line of each sender's household from the pool (-1 when the household has none)."""
    k = pool.count[row]
    if pool.lines.size == 0:
        return np.full(row.size, -1)
    at = pool.start[row] + np.minimum((u * k).astype(np.int64), np.maximum(k - 1, 0))
    return np.where(k > 0, pool.lines[np.minimum(at, pool.lines.size - 1)], -1)
