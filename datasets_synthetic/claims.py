"""Claim lines (one per act): who gets which care, when, from whom, at what price.

Vectorised throughout: per-person yearly rates by age band give Poisson counts per care family, lines are
expanded with `np.repeat`, and every attribute is drawn for all lines at once. Money (who pays what) is settled
afterwards in `money.py`, once fraud has been injected, so that yearly caps see every line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datasets_synthetic.context import Window, age_at
from datasets_synthetic.params import EXTRA_PROFILES, FAMILIES, Params
from datasets_synthetic.population import People
from datasets_synthetic.practitioners import Practitioners


@dataclass
class Lines:
    """Claim lines of one chunk as parallel arrays (person = chunk-local beneficiary row)."""

    person: np.ndarray
    variant: np.ndarray  # act variant index (params.acts)
    practitioner: np.ndarray
    care: np.ndarray  # days
    quantity: np.ndarray
    fraud: np.ndarray  # 0 = none, else index into FRAUD_TYPES (1-based)
    base: np.ndarray | None = None  # cents
    extra: np.ndarray | None = None  # cents
    amo_rate: np.ndarray | None = None
    paid: np.ndarray | None = None  # days

    @property
    def size(self) -> int:
        return int(self.person.size)

    def select(self, index: np.ndarray) -> Lines:
        def pick(values: np.ndarray | None) -> np.ndarray | None:
            return None if values is None else values[index]

        return Lines(
            self.person[index],
            self.variant[index],
            self.practitioner[index],
            self.care[index],
            self.quantity[index],
            self.fraud[index],
            pick(self.base),
            pick(self.extra),
            pick(self.amo_rate),
            pick(self.paid),
        )

    @staticmethod
    def concat(parts: list[Lines]) -> Lines:
        def join(name: str) -> np.ndarray:
            return np.concatenate([getattr(p, name) for p in parts])

        def join_optional(name: str) -> np.ndarray | None:
            values = [getattr(p, name) for p in parts]
            return None if any(v is None for v in values) else np.concatenate(values)

        return Lines(
            join("person"),
            join("variant"),
            join("practitioner"),
            join("care"),
            join("quantity"),
            join("fraud"),
            join_optional("base"),
            join_optional("extra"),
            join_optional("amo_rate"),
            join_optional("paid"),
        )


def exposure(people: People, window: Window) -> tuple[np.ndarray, np.ndarray]:
    """First and last day each person can receive care in the window (alive and born)."""
    lo = np.maximum(window.start, people.birth)
    hi = np.where(people.death >= 0, np.minimum(people.death, window.end), window.end)
    return lo, hi


def _choose_variants(
    params: Params, family: np.ndarray, age: np.ndarray, sex: np.ndarray, chronic: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Pick an act variant per line among those of its family allowed for the person's exact age, sex and ALD.

    acts.csv's age limits cut ages into segments within which the allowed acts do not change: lines are grouped by
    (family, segment, sex, chronic) and each group draws from its own weights (a loop over groups, not lines).
    """
    acts = params.acts
    cuts = np.unique(np.r_[acts.min_age, acts.max_age + 1])  # an act allows min_age <= age <= max_age
    segment = np.searchsorted(cuts, age, side="right")
    n_segments = cuts.size + 1
    key = ((family * n_segments + segment) * 2 + sex) * 2 + chronic.astype(np.int64)
    order = np.argsort(key, kind="stable")
    counts = np.bincount(key, minlength=len(FAMILIES) * n_segments * 4)
    bounds = np.r_[0, np.cumsum(counts)]
    variant = np.empty(family.size, dtype=np.int64)
    for k in np.flatnonzero(counts):
        f, rest = divmod(int(k), n_segments * 4)
        g, rest = divmod(rest, 4)
        s, ald = divmod(rest, 2)
        representative = cuts[g - 1] if g > 0 else cuts[0] - 1  # every age of segment g allows the same acts
        allowed = (acts.family == f) & (acts.min_age <= representative) & (acts.max_age >= representative)
        allowed &= (acts.sex == 0) | (acts.sex == (1 if s == 1 else 2))
        allowed &= ~acts.chronic_only | bool(ald)
        if not allowed.any():
            allowed = acts.family == f
        candidates = np.flatnonzero(allowed)
        cdf = np.cumsum(acts.weight[candidates])
        rows = order[bounds[k] : bounds[k + 1]]
        pick = np.searchsorted(cdf / cdf[-1], u[rows], side="right")
        variant[rows] = candidates[np.minimum(pick, candidates.size - 1)]
    return variant


def treating_gp(params: Params, people: People, practitioners: Practitioners, rng: np.random.Generator) -> np.ndarray:
    """Each person's own GP (médecin traitant), in their département when there is one."""
    gp_pool = params.pool_index("doctor", "general_practice")
    n = people.size
    return practitioners.pick(np.full(n, gp_pool), people.departement, np.ones(n, bool), rng.random(n))


def draw(
    params: Params, window: Window, people: People, practitioners: Practitioners, rng: np.random.Generator
) -> Lines:
    """Legitimate care: counts per person and family, then dates, acts, providers and quantities."""
    spec = params.claims
    n = people.size
    lo, hi = exposure(people, window)
    years = np.maximum(hi - lo + 1, 0) / 365.25
    age = np.maximum(age_at(people.birth, window.reference), 0)
    band = np.clip(np.searchsorted(spec["age_bands"], age, side="right") - 1, 0, len(spec["age_bands"]) - 2)
    frequency = np.array([spec["frequency"][f] for f in FAMILIES])  # (families, bands)
    shape = float(spec["frailty_gamma_shape"])
    frailty = rng.gamma(shape, 1 / shape, n) * np.where(
        people.death >= 0, params.population["mortality"]["decedent_spending_multiplier"], 1.0
    )
    ald_family = np.isin(np.arange(len(FAMILIES)), [FAMILIES.index(f) for f in spec["ald_families"]])
    multiplier = np.where(people.chronic[:, None] & ald_family[None, :], spec["chronic_multiplier"], 1.0)
    rate = frequency[:, band].T * (years * frailty)[:, None] * multiplier
    counts = rng.poisson(rate)
    cell = np.repeat(np.arange(n * len(FAMILIES)), counts.ravel())
    person, family = np.divmod(cell, len(FAMILIES))
    size = person.size

    span = hi[person] - lo[person] + 1
    care = lo[person] + np.minimum((rng.random(size) * span).astype(np.int64), span - 1)
    sunday = ((care + 3) % 7 == 6) & (rng.random(size) > spec["sunday_keep_share"])
    care = np.where(
        sunday & (care + 1 <= hi[person]), care + 1, np.where(sunday & (care - 1 >= lo[person]), care - 1, care)
    )

    age_at_care = np.maximum(age_at(people.birth[person], care), 0)
    variant = _choose_variants(
        params, family, age_at_care, people.sex[person], people.chronic[person], rng.random(size)
    )
    pool = params.acts.pool[variant]
    local = rng.random(size) < params.practitioners["local_share"]
    practitioner = practitioners.pick(pool, people.departement[person], local, rng.random(size))
    own_gp = treating_gp(params, people, practitioners, rng)
    use_own = (family == FAMILIES.index("gp")) & (rng.random(size) < params.practitioners["treating_gp_share"])
    practitioner = np.where(use_own, own_gp[person], practitioner)
    qmin, qmax = params.acts.qty_min[variant], params.acts.qty_max[variant]
    quantity = qmin + np.minimum((rng.random(size) * (qmax - qmin + 1)).astype(np.int64), qmax - qmin)
    return Lines(person, variant, practitioner, care, quantity, np.zeros(size, dtype=np.int64))


def tariff_cents(params: Params, variant: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Reimbursement base per unit in force on each day for each line's act code."""
    acts = params.acts
    code = acts.code_index[variant]
    big = 10**6
    keys = acts.tariff_code * big + acts.tariff_from
    row = np.searchsorted(keys, code * big + day, side="right") - 1
    if row.size and (row.min() < 0 or np.any(acts.tariff_code[np.maximum(row, 0)] != code)):
        raise ValueError("a claim falls before the first tariff of its act: extend tariffs.csv")
    return acts.tariff_cents[row]


def amo_rate_on(params: Params, variant: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Mandatory-scheme rate in force on each day: acts.csv's rate, unless amo_rates.csv dates a change for the code."""
    acts = params.acts
    rate = acts.amo_rate[variant]
    if acts.rate_code.size == 0:
        return rate
    code = acts.code_index[variant]
    big = 10**6
    keys = acts.rate_code * big + acts.rate_from
    row = np.searchsorted(keys, code * big + day, side="right") - 1
    dated = (row >= 0) & (acts.rate_code[np.maximum(row, 0)] == code)
    return np.where(dated, acts.rate_value[np.maximum(row, 0)], rate)


def _lognormal_where(mask: np.ndarray, sigma: np.ndarray | float, rng: np.random.Generator) -> np.ndarray:
    """Mean-one lognormal factors on the masked lines (1 elsewhere): random draws only where they are used."""
    out = np.ones(mask.size)
    k = int(mask.sum())
    s = sigma[mask] if isinstance(sigma, np.ndarray) else sigma
    out[mask] = np.exp(rng.normal(0, 1, k) * s - np.square(s) / 2)
    return out


def price(params: Params, lines: Lines, people: People, practitioners: Practitioners, rng: np.random.Generator) -> None:
    """Bases, extra fees, mandatory-scheme rates and payment dates (in place)."""
    acts = params.acts
    spec = params.claims
    size = lines.size
    v = lines.variant
    spread = acts.base_spread[v]
    factor = _lognormal_where(spread > 0, spread, rng)  # hospital stays, transport, imaging vary per line
    base = np.round(tariff_cents(params, v, lines.care) * lines.quantity * factor).astype(np.int64)

    extra = np.zeros(size, dtype=np.float64)
    profile = acts.extra_profile[v]
    fees = spec["extra_fees"]
    doctor = profile == EXTRA_PROFILES.index("doctor")
    sector = practitioners.sector[lines.practitioner]
    noise = _lognormal_where(doctor, float(fees["doctor_sigma"]), rng)
    u = rng.random(size)  # one draw serves the three sectors: a line has one sector
    for code, name in enumerate(("1", "2", "optam")):
        rule = fees["doctor"][name]
        charged = doctor & (sector == code) & (u < rule["probability"])
        extra = np.where(charged, base * rule["mean_share"] * noise, extra)
    for name in ("dental_prosthesis", "optics", "hearing"):
        rule = fees[name]
        mask = profile == EXTRA_PROFILES.index(name)
        draw_ln = _lognormal_where(mask, float(rule["sigma"]), rng)
        amount = base * rule["mean_share"] if "mean_share" in rule else rule["mean_eur"] * 100 * lines.quantity
        extra = np.where(mask, amount * draw_ln, extra)
    sante = acts.is_100_sante[v]
    extra = np.where(sante, acts.price_limit_cents[v] * lines.quantity - base, extra)
    lines.base = base
    lines.extra = np.maximum(np.round(extra), 0).astype(np.int64)

    ald_families = [FAMILIES.index(f) for f in spec["ald_families"]]
    ald = (
        people.chronic[lines.person]
        & np.isin(acts.family[v], ald_families)
        & (rng.random(size) < spec["ald_line_share"])
    )
    rate = amo_rate_on(params, v, lines.care)
    lines.amo_rate = np.where(ald & (rate > 0), 1.0, rate)

    delay_spec = spec["paid_delay_mean_days"]
    mean = np.full(size, float(delay_spec["default"]))
    for name in ("pharmacy", "hospital"):
        mean = np.where(acts.family[v] == FAMILIES.index(name), float(delay_spec[name]), mean)
    delay = 1 + rng.poisson(mean)
    paper = rng.random(size) < spec["paper_claim_share"]
    extra_days = spec["paper_claim_extra_days"]
    delay[paper] += rng.integers(extra_days["min"], extra_days["max"] + 1, int(paper.sum()))
    lines.paid = lines.care + delay
