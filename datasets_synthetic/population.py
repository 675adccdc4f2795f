"""Employers and insured people (subscribers, spouses, children): who they are, where they live, when they die."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from datasets_synthetic import ids, nir
from datasets_synthetic.context import Chunk, Window, age_at, year_month
from datasets_synthetic.params import Params, cents, days

ROLES = ("subscriber", "spouse", "child")
STATUSES = ("active", "retired", "dependant")
SEXES = ("M", "F")


@dataclass(frozen=True)
class Employers:
    """Employers as arrays (index = position) plus the published table."""

    psc_start: np.ndarray  # days
    employer_share_cents: np.ndarray
    break_even_cents: np.ndarray
    weight: np.ndarray
    ids: list[str]
    table: dict[str, pa.Array | np.ndarray]


def employers(params: Params) -> Employers:
    """One row per employer listed in employers.yaml (deterministic: no randomness needed)."""
    rate = float(params.employers["employer_share_rate"])
    names: list[str] = []
    rows: list[tuple[str, str, int, int, float]] = []
    for group in params.employers["groups"]:
        places = group["places"]
        for place in places:
            names.append(group["name_template"].format(place=place))
            rows.append(
                (
                    group["ministry"],
                    group["sector"],
                    days(str(group["psc_start_date"])),
                    cents(group["break_even_contribution_eur"]),
                    float(group["weight"]) / len(places),
                )
            )
    n = len(rows)
    break_even = np.array([r[3] for r in rows], dtype=np.int64)
    share = np.round(break_even * rate).astype(np.int64)
    weight = np.array([r[4] for r in rows])
    weight = weight / weight.sum()
    employer_ids = [f"E{i + 1:04d}" for i in range(n)]
    table: dict[str, pa.Array | np.ndarray] = {
        "employer_id": pa.array(employer_ids),
        "name": pa.array(names),
        "ministry": pa.array([r[0] for r in rows]),
        "sector": pa.array([r[1] for r in rows]),
        "psc_start_date": np.array([r[2] for r in rows], dtype=np.int64),
        "break_even_contribution_eur": break_even / 100,
        "employer_share_eur": share / 100,
        "headcount_weight": np.round(weight, 6),
    }
    psc_start = np.array([r[2] for r in rows], dtype=np.int64)
    return Employers(psc_start, share, break_even, weight, employer_ids, table)


@dataclass
class People:
    """One chunk of beneficiaries as parallel arrays (chunk-local index = position)."""

    number: np.ndarray  # global beneficiary number
    household: np.ndarray  # chunk-local household index (= index of the subscriber's row)
    role: np.ndarray  # index into ROLES
    sex: np.ndarray  # 0 M, 1 F
    birth: np.ndarray  # days
    death: np.ndarray  # days, -1 when alive at the end of the window
    departement: np.ndarray  # index into params.departement_codes
    commune: np.ndarray  # 1..communes_per_departement
    employer: np.ndarray  # employer index, -1 when none
    status: np.ndarray  # index into STATUSES
    chronic: np.ndarray
    first_name: np.ndarray
    last_name: np.ndarray
    nir: np.ndarray  # (n, 15) ASCII

    @property
    def size(self) -> int:
        return int(self.number.size)

    @property
    def subscriber_row(self) -> np.ndarray:
        return self.household


def _normal_share(spec: dict[str, float], low: float, high: float) -> float:
    """Share of a truncated normal (mean, sd, min, max) that falls in [low, high)."""

    def cdf(x: float) -> float:
        return 0.5 * (1 + math.erf((x - spec["mean"]) / (spec["sd"] * math.sqrt(2))))

    inside = cdf(spec["max"]) - cdf(spec["min"])
    return max(0.0, cdf(min(high, spec["max"])) - cdf(max(low, spec["min"]))) / inside


def expected_household_size(params: Params) -> float:
    """Mean people per subscriber implied by population.yaml (spouse, then children within the parenting ages)."""
    spec = params.population["subscribers"]
    size = 1.0
    for group, share in (("active", spec["active_share"]), ("retired", 1 - spec["active_share"])):
        parents = _normal_share(spec[f"{group}_age"], spec["parent_age"]["min"], spec["parent_age"]["max"])
        size += share * (spec["spouse_probability"][group] + spec["children_mean"][group] * parents)
    return size


def _truncated_normal(rng: np.random.Generator, spec: dict[str, float], n: int) -> np.ndarray:
    values = rng.normal(spec["mean"], spec["sd"], n)
    bad = (values < spec["min"]) | (values > spec["max"])
    while bad.any():  # redraw only the few outside the range (vectorised, terminates fast)
        values[bad] = rng.normal(spec["mean"], spec["sd"], int(bad.sum()))
        bad = (values < spec["min"]) | (values > spec["max"])
    return values


def _households(params: Params, n_members: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw subscribers and their dependants until exactly `n_members` people are covered."""
    spec = params.population["subscribers"]
    # Enough subscribers for n_members people in one draw (5 % spare, for the randomness of household sizes).
    n_sub = max(8, math.ceil(1.05 * n_members / expected_household_size(params)) + 16)
    while True:
        active = rng.random(n_sub) < spec["active_share"]
        age = np.where(
            active,
            _truncated_normal(rng, spec["active_age"], n_sub),
            _truncated_normal(rng, spec["retired_age"], n_sub),
        )
        female_share = np.where(active, spec["female_share_active"], spec["female_share_retired"])
        female = rng.random(n_sub) < female_share
        spouse = rng.random(n_sub) < np.where(
            active, spec["spouse_probability"]["active"], spec["spouse_probability"]["retired"]
        )
        parent_age = (age >= spec["parent_age"]["min"]) & (age < spec["parent_age"]["max"])
        children_mean = np.where(active, spec["children_mean"]["active"], spec["children_mean"]["retired"])
        children = np.where(parent_age, rng.poisson(children_mean), 0)
        sizes = 1 + spouse.astype(np.int64) + children
        total = np.cumsum(sizes)
        if total[-1] >= n_members:
            break
        n_sub *= 2
    last = int(np.searchsorted(total, n_members))  # household that reaches the target
    keep = slice(0, last + 1)
    sizes = sizes[keep].copy()
    sizes[-1] -= int(total[last] - n_members)  # drop the last household's youngest dependants to land exactly
    spouse_kept = spouse[keep] & (sizes >= 2)
    return {
        "active": active[keep],
        "age": age[keep],
        "female": female[keep],
        "spouse": spouse_kept,
        "sizes": sizes,
    }


def people(params: Params, window: Window, chunk: Chunk, employers: Employers, rng: np.random.Generator) -> People:
    """The chunk's beneficiaries, subscribers first within each household."""
    spec = params.population["subscribers"]
    hh = _households(params, chunk.members, rng)
    n_households = hh["sizes"].size
    starts = np.r_[0, np.cumsum(hh["sizes"])[:-1]]
    household = np.repeat(np.arange(n_households), hh["sizes"])
    n = household.size
    position = np.arange(n) - starts[household]
    has_spouse = hh["spouse"][household]
    role = np.where(position == 0, 0, np.where((position == 1) & has_spouse, 1, 2))

    sub_age = hh["age"][household]
    gap = spec["spouse_age_gap"]
    spouse_age = np.clip(
        sub_age + rng.normal(gap["mean"], gap["sd"], n), spec["spouse_age"]["min"], spec["spouse_age"]["max"]
    )
    # A child is younger than the parent by at least parent_min_age_at_birth (half a year of range at the least, so
    # that a very young parent's household still draws valid ages).
    child_max = np.clip(sub_age - spec["parent_min_age_at_birth"], 0.5, spec["child_max_age"])
    newborn = float(spec["newborn_years"])
    child_age = -newborn + rng.random(n) * (child_max + newborn)  # the youngest are born during the year
    age = np.where(role == 0, sub_age, np.where(role == 1, spouse_age, child_age))
    birth = (window.reference - np.floor(age * 365.25) - rng.integers(0, 365, n) * (role != 2)).astype(np.int64)
    birth = np.minimum(birth, window.end - 1)

    sub_female = hh["female"][household]
    opposite = rng.random(n) < spec["spouse_opposite_sex"]
    female = np.where(
        role == 0,
        sub_female,
        np.where(role == 1, np.where(opposite, ~sub_female, sub_female), rng.random(n) < spec["female_share_children"]),
    )
    status = np.where(role == 0, np.where(hh["active"][household], 0, 1), 2)

    # Mortality over the window: Gompertz annual probability, death date uniform within the window after birth.
    mortality = params.population["mortality"]
    current_age = np.maximum(age_at(birth, window.reference), 0)
    q = np.minimum(np.exp(mortality["a"] + mortality["b"] * current_age), mortality["q_max"])
    dies = rng.random(n) < 1 - (1 - q) ** window.years
    lower = np.maximum(window.start, birth + 1)
    death = np.where(dies, lower + np.floor(rng.random(n) * (window.end - lower)).astype(np.int64), -1)

    bands = params.population["chronic_condition"]["bands"]
    prevalence = np.asarray(params.population["chronic_condition"]["prevalence"])
    band = np.clip(np.searchsorted(bands, current_age, side="right") - 1, 0, len(prevalence) - 1)
    chronic = rng.random(n) < prevalence[band]

    dept_household = rng.choice(len(params.departement_codes), n_households, p=params.departement_weights)
    commune_household = rng.integers(1, params.population["communes_per_departement"] + 1, n_households)
    employer_household = np.where(hh["active"], rng.choice(len(employers.ids), n_households, p=employers.weight), -1)
    names = params.population["names"]
    last_household = rng.integers(0, len(names["last"]), n_households)
    own_last = (role == 1) & (rng.random(n) < spec["spouse_keeps_own_last_name"])
    last_name = np.where(own_last, rng.integers(0, len(names["last"]), n), last_household[household])
    first_name = np.where(
        female,
        rng.integers(0, len(names["first_female"]), n),
        rng.integers(0, len(names["first_male"]), n),
    )

    birth_year, birth_month = year_month(birth)
    nirs = nir.make(
        sex_digit=np.where(female, 2, 1),
        birth_year=birth_year,
        birth_month=birth_month,
        stream=chunk.index,
        n_streams=chunk.n_chunks,
    )
    return People(
        number=chunk.first_number + np.arange(n, dtype=np.int64),
        household=starts[household],
        role=role,
        sex=female.astype(np.int64),
        birth=birth,
        death=death,
        departement=dept_household[household],
        commune=commune_household[household],
        employer=np.where(role == 0, employer_household[household], -1),
        status=status,
        chronic=chronic,
        first_name=first_name,
        last_name=last_name,
        nir=nirs,
    )


def first_names(params: Params, sex: np.ndarray, index: np.ndarray) -> pa.Array:
    """First names for (sex, index) pairs: women's and men's lists are separate pools."""
    names = params.population["names"]
    pool = names["first_male"] + names["first_female"]
    return ids.take(pool, np.where(sex == 1, len(names["first_male"]) + index, index))


def table(params: Params, people: People, employers: Employers) -> dict[str, pa.Array | np.ndarray]:
    """The published `beneficiaries` columns for one chunk."""
    dept_codes = params.departement_codes
    dept_chars = np.array([list(code.ljust(3).encode("ascii")) for code in dept_codes], dtype=np.uint8)
    two_char = np.array([len(code) == 2 for code in dept_codes])
    # Commune code: 2-char départements + 3 digits, overseas 3-char départements + 2 digits (INSEE shape).
    d = people.departement
    commune_digits = np.where(two_char[d][:, None], ids.digits(people.commune, 3), ids.digits(people.commune % 100, 3))
    commune_chars = np.where(
        two_char[d][:, None],
        np.concatenate([dept_chars[d][:, :2], commune_digits], axis=1),
        np.concatenate([dept_chars[d][:, :3], commune_digits[:, 1:]], axis=1),
    )
    return {
        "beneficiary_id": ids.prefixed("B", people.number, 9),
        "subscriber_id": ids.prefixed("B", people.number[people.household], 9),
        "role": ids.take(list(ROLES), people.role),
        "nir": ids.to_strings(people.nir),
        "sex": ids.take(list(SEXES), people.sex),
        "birth_date": people.birth,
        "death_date": np.ma.masked_less(people.death, 0),
        "last_name": ids.take(params.population["names"]["last"], people.last_name),
        "first_name": first_names(params, people.sex, people.first_name),
        "departement": ids.take(dept_codes, d),
        "commune": ids.to_strings(commune_chars),
        "employer_id": ids.take(employers.ids, np.maximum(people.employer, 0), valid=people.employer >= 0),
        "status": ids.take(list(STATUSES), people.status),
        "chronic_condition": people.chronic,
    }
