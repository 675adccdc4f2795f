"""Labelled fraud injected into the claims, at a known low prevalence (see data/fraud.yaml).

Practitioner-level schemes (who the fraudsters are, which days they bill impossible volumes) are planned once for
the whole dataset, so a scheme spans chunks the way it spans a real mutual's member file; each chunk then adds its
share of lines. Every injected line carries its `fraud_type` label; nothing else marks it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datasets_synthetic.claims import Lines, exposure
from datasets_synthetic.context import Chunk, Window
from datasets_synthetic.params import FAMILIES, Params
from datasets_synthetic.population import People
from datasets_synthetic.practitioners import Practitioners

FRAUD_TYPES = ("phantom_billing", "duplicate_billing", "upcoding", "impossible_volume", "care_after_death")


def code(name: str) -> int:
    """1-based label code stored in `Lines.fraud` (0 = no fraud)."""
    return FRAUD_TYPES.index(name) + 1


@dataclass(frozen=True)
class Plan:
    phantom: np.ndarray  # practitioner indices
    upcoders: np.ndarray
    volume_practitioner: np.ndarray  # one row per (fraudster, day)
    volume_day: np.ndarray
    volume_acts: np.ndarray
    members: int


def _pool_members(params: Params, practitioners: Practitioners, categories: list[str]) -> np.ndarray:
    pools = [i for i, (category, _) in enumerate(params.pools) if category in categories]
    return np.flatnonzero(np.isin(practitioners.pool, pools))


def plan(params: Params, window: Window, practitioners: Practitioners, members: int, rng: np.random.Generator) -> Plan:
    spec = params.fraud["types"]
    phantom_spec, volume_spec = spec["phantom_billing"], spec["impossible_volume"]
    candidates = _pool_members(params, practitioners, phantom_spec["practitioner_pools"])
    n_phantom = min(candidates.size, max(1, round(phantom_spec["fraudsters_per_10000_members"] * members / 10000)))
    phantom = np.sort(rng.choice(candidates, n_phantom, replace=False))

    gps = np.flatnonzero(practitioners.pool == params.pool_index("doctor", "general_practice"))
    n_up = min(gps.size, max(1, round(spec["upcoding"]["fraudster_share_of_gps"] * gps.size)))
    upcoders = np.sort(rng.choice(gps, n_up, replace=False))

    nurses = np.setdiff1d(_pool_members(params, practitioners, volume_spec["practitioner_pools"]), phantom)
    if nurses.size == 0:
        nurses = _pool_members(params, practitioners, volume_spec["practitioner_pools"])
    n_vol = min(nurses.size, max(1, round(volume_spec["fraudsters_per_10000_members"] * members / 10000)))
    volume = rng.choice(nurses, n_vol, replace=False)
    per_day = volume_spec["acts_per_day"]
    expected = members * params.fraud["expected_lines_per_member"] * window.years
    # No floor at one event: in a tiny dataset a single impossible day would dwarf the legitimate lines.
    events = round(volume_spec["share_of_lines"] * expected / ((per_day["min"] + per_day["max"]) / 2))
    who = volume[np.arange(events) % n_vol]
    day = rng.integers(window.start, window.end + 1, events)
    acts = rng.integers(per_day["min"], per_day["max"] + 1, events)
    return Plan(phantom, upcoders, who, day, acts, members)


def _variants_of_pool(params: Params, pool: np.ndarray, u: np.ndarray) -> np.ndarray:
    """An act of the practitioner's own pool, by catalogue weight (ignores age rules, as fraudsters do)."""
    acts = params.acts
    out = np.zeros(pool.size, dtype=np.int64)
    for p in np.unique(pool):
        candidates = np.flatnonzero(acts.pool == p)
        cdf = np.cumsum(acts.weight[candidates])
        rows = pool == p
        out[rows] = candidates[np.minimum(np.searchsorted(cdf / cdf[-1], u[rows]), candidates.size - 1)]
    return out


def _new_lines(
    person: np.ndarray, variant: np.ndarray, practitioner: np.ndarray, care: np.ndarray, label: str
) -> Lines:
    n = person.size
    return Lines(person, variant, practitioner, care, np.ones(n, dtype=np.int64), np.full(n, code(label)))


def inject(
    params: Params,
    plan: Plan,
    window: Window,
    chunk: Chunk,
    people: People,
    lines: Lines,
    practitioners: Practitioners,
    rng: np.random.Generator,
) -> Lines:
    """Add phantom, impossible-volume and after-death lines, and upcode some GP visits (before pricing)."""
    spec = params.fraud["types"]
    lo, hi = exposure(people, window)
    adult = people.birth < window.start - int(params.population["adult_age"] * 365.25)
    whole_window = (lo <= window.start) & (hi >= window.end) & adult
    eligible = np.flatnonzero(whole_window)
    parts = [lines]
    expected_lines = chunk.members * params.fraud["expected_lines_per_member"] * window.years

    # Phantom billing: series of acts billed to members who never met the provider.
    series_spec = spec["phantom_billing"]["series_length"]
    mean_len = (series_spec["min"] + series_spec["max"]) / 2
    n_series = rng.poisson(spec["phantom_billing"]["share_of_lines"] * expected_lines / mean_len)
    if n_series and eligible.size and plan.phantom.size:
        length = rng.integers(series_spec["min"], series_spec["max"] + 1, n_series)
        series = np.repeat(np.arange(n_series), length)
        step = np.arange(series.size) - np.repeat(np.cumsum(length) - length, length)
        fraudster = rng.choice(plan.phantom, n_series)[series]
        person = rng.choice(eligible, n_series)[series]
        gap = spec["phantom_billing"]["days_between_acts"]
        longest = (series_spec["max"] - 1) * gap["max"]  # the longest series still ends inside the window
        start = rng.integers(window.start, window.end - longest, n_series)[series]
        care = start + step * rng.integers(gap["min"], gap["max"] + 1, series.size)
        variant = _variants_of_pool(params, practitioners.pool[fraudster], rng.random(series.size))
        parts.append(_new_lines(person, variant, fraudster, care, "phantom_billing"))

    # Impossible daily volume: this chunk's share of each planned (fraudster, day).
    if plan.volume_day.size and eligible.size:
        share = chunk.members / plan.members
        count = rng.binomial(plan.volume_acts, min(1.0, share))
        who = np.repeat(plan.volume_practitioner, count)
        day = np.repeat(plan.volume_day, count)
        person = rng.choice(eligible, who.size)
        variant = _variants_of_pool(params, practitioners.pool[who], rng.random(who.size))
        parts.append(_new_lines(person, variant, who, day, "impossible_volume"))

    # Care after death: someone keeps using a deceased member's card.
    after = spec["care_after_death"]
    dead = np.flatnonzero((people.death >= 0) & (people.death < window.end - 3))
    dead = dead[rng.random(dead.size) < after["share_of_deceased"]]
    if dead.size:
        k = rng.integers(after["lines"]["min"], after["lines"]["max"] + 1, dead.size)
        person = np.repeat(dead, k)
        room = np.minimum(window.end - people.death[person], after["within_days_of_death"])
        care = people.death[person] + 1 + (rng.random(person.size) * room).astype(np.int64)
        families = [FAMILIES.index(f) for f in after["families"]]
        family_pool = np.array([params.acts.pool[np.flatnonzero(params.acts.family == f)[0]] for f in families])
        pool = family_pool[rng.integers(0, len(families), person.size)]
        practitioner = practitioners.pick(
            pool, people.departement[person], np.ones(person.size, bool), rng.random(person.size)
        )
        variant = _variants_of_pool(params, pool, rng.random(person.size))
        parts.append(_new_lines(person, variant, practitioner, care, "care_after_death"))

    result = Lines.concat(parts)
    # Upcoding: some visits of a few GPs billed as an expert consultation.
    up = spec["upcoding"]
    target = params.acts.code.index(up["upcoded_act"])
    gp_family = params.acts.family[result.variant] == FAMILIES.index("gp")
    chosen = np.isin(result.practitioner, plan.upcoders) & gp_family & (result.fraud == 0)
    wanted = up["share_of_lines"] * result.size / max(1, int(chosen.sum()))
    chosen &= rng.random(result.size) < min(up["max_upcoded_share_of_their_visits"], wanted)
    result.variant = np.where(chosen, target, result.variant)
    result.fraud = np.where(chosen, code("upcoding"), result.fraud)
    return result


def duplicate(params: Params, lines: Lines, rng: np.random.Generator) -> Lines:
    """Bill some priced lines a second time, paid a few days later (after pricing, so amounts are identical)."""
    assert lines.paid is not None
    legit = np.flatnonzero(lines.fraud == 0)
    n = min(legit.size, rng.poisson(params.fraud["types"]["duplicate_billing"]["share_of_lines"] * lines.size))
    if n == 0:
        return lines
    copies = lines.select(np.sort(rng.choice(legit, n, replace=False)))
    delay = params.fraud["types"]["duplicate_billing"]["paid_days_after_original"]
    copies.paid = copies.paid + rng.integers(delay["min"], delay["max"] + 1, n)
    copies.fraud = np.full(n, code("duplicate_billing"))
    return Lines.concat([lines, copies])
