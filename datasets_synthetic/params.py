"""Every rate, tariff and distribution the generator uses, read from the versioned files under `data/`.

Modules receive a `Params` object explicitly (never a global), so a test can build variants and the manifest can
record which data files (by sha256) produced a dataset.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

DATA_PACKAGE = "datasets_synthetic.data"
YAML_FILES = ("population", "employers", "contracts", "practitioners", "claims", "fraud", "emails")
CSV_FILES = ("departements", "acts", "tariffs", "amo_rates")
EPOCH = dt.date(1970, 1, 1)


def days(value: dt.date | str) -> int:
    """Days since 1970-01-01 (the internal date representation: plain integers vectorise well)."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return (value - EPOCH).days


def read_text(name: str) -> str:
    return resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def read_csv(name: str) -> list[dict[str, str]]:
    lines = [line for line in read_text(name).splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@dataclass(frozen=True)
class Acts:
    """The act catalogue as parallel arrays (one entry per act variant), plus tariffs by code and date."""

    code: list[str]
    family: np.ndarray  # family index into FAMILIES
    label: list[str]
    pool: np.ndarray  # practitioner pool index
    weight: np.ndarray
    amo_rate: np.ndarray
    qty_min: np.ndarray
    qty_max: np.ndarray
    flat_participation: np.ndarray
    deductible: np.ndarray  # index into DEDUCTIBLE_KINDS
    extra_profile: np.ndarray  # index into EXTRA_PROFILES
    is_100_sante: np.ndarray
    price_limit_cents: np.ndarray
    min_age: np.ndarray
    max_age: np.ndarray
    sex: np.ndarray  # 0 any, 1 women only, 2 men only
    chronic_only: np.ndarray  # only prescribed to people with a chronic condition (ALD)
    base_spread: np.ndarray
    code_index: np.ndarray  # index into `codes`
    codes: list[str]
    tariff_code: np.ndarray  # per tariff row: code index
    tariff_from: np.ndarray  # per tariff row: day
    tariff_cents: np.ndarray
    rate_code: np.ndarray  # per dated AMO-rate row (amo_rates.csv): code index
    rate_from: np.ndarray
    rate_value: np.ndarray


FAMILIES = (
    "gp",
    "specialist",
    "pharmacy",
    "lab",
    "nursing",
    "physiotherapy",
    "dental_care",
    "dental_prosthesis",
    "optics",
    "hearing",
    "hospital",
    "transport",
)
DEDUCTIBLE_KINDS = ("none", "unit", "paramedical", "transport")
EXTRA_PROFILES = ("none", "doctor", "dental_prosthesis", "optics", "hearing")


@dataclass(frozen=True)
class Params:
    """All generator inputs read from the package data files."""

    population: dict[str, Any]
    employers: dict[str, Any]
    contracts: dict[str, Any]
    practitioners: dict[str, Any]
    claims: dict[str, Any]
    fraud: dict[str, Any]
    emails: dict[str, Any]
    departement_codes: list[str]
    departement_names: list[str]
    departement_weights: np.ndarray
    pools: list[tuple[str, str | None]]  # (category, specialty)
    acts: Acts
    file_hashes: dict[str, str] = field(default_factory=dict)

    def pool_index(self, category: str, specialty: str | None = None) -> int:
        return self.pools.index((category, specialty))


def cents(value: float | str) -> int:
    return round(float(value) * 100)


def _acts(
    rows: list[dict[str, str]],
    tariffs: list[dict[str, str]],
    rates: list[dict[str, str]],
    pools: list[tuple[str, str | None]],
) -> Acts:
    codes = sorted({row["act_code"] for row in rows})
    known = set(codes)
    unknown_rates = {r["act_code"] for r in rates} - known
    if unknown_rates:
        raise ValueError(f"amo_rates.csv names acts that acts.csv does not list: {sorted(unknown_rates)}")
    rate_rows = sorted((codes.index(r["act_code"]), days(r["valid_from"]), float(r["amo_rate"])) for r in rates)
    tariff_rows = sorted(
        (codes.index(t["act_code"]), days(t["valid_from"]), cents(t["tariff_eur"]))
        for t in tariffs
        if t["act_code"] in known
    )
    missing = known - {t["act_code"] for t in tariffs}
    if missing:
        raise ValueError(f"acts without a tariff in tariffs.csv: {sorted(missing)}")

    def ints(key: str) -> np.ndarray:
        return np.array([int(r[key]) for r in rows], dtype=np.int64)

    def floats(key: str) -> np.ndarray:
        return np.array([float(r[key] or 0) for r in rows], dtype=np.float64)

    return Acts(
        code=[r["act_code"] for r in rows],
        family=np.array([FAMILIES.index(r["family"]) for r in rows], dtype=np.int64),
        label=[r["label_fr"] for r in rows],
        pool=np.array([pools.index((r["category"], r["specialty"] or None)) for r in rows], dtype=np.int64),
        weight=floats("weight"),
        amo_rate=floats("amo_rate"),
        qty_min=ints("qty_min"),
        qty_max=ints("qty_max"),
        flat_participation=ints("flat_participation").astype(bool),
        deductible=np.array([DEDUCTIBLE_KINDS.index(r["deductible"]) for r in rows], dtype=np.int64),
        extra_profile=np.array([EXTRA_PROFILES.index(r["extra_profile"]) for r in rows], dtype=np.int64),
        is_100_sante=ints("is_100_sante").astype(bool),
        price_limit_cents=np.array([cents(r["price_limit_eur"] or 0) for r in rows], dtype=np.int64),
        min_age=ints("min_age"),
        max_age=ints("max_age"),
        sex=np.array([{"": 0, "F": 1, "M": 2}[r["sex"]] for r in rows], dtype=np.int64),
        chronic_only=np.array([r["chronic"] == "1" for r in rows], dtype=bool),
        base_spread=floats("base_spread"),
        code_index=np.array([codes.index(r["act_code"]) for r in rows], dtype=np.int64),
        codes=codes,
        tariff_code=np.array([t[0] for t in tariff_rows], dtype=np.int64),
        tariff_from=np.array([t[1] for t in tariff_rows], dtype=np.int64),
        tariff_cents=np.array([t[2] for t in tariff_rows], dtype=np.int64),
        rate_code=np.array([r[0] for r in rate_rows], dtype=np.int64),
        rate_from=np.array([r[1] for r in rate_rows], dtype=np.int64),
        rate_value=np.array([r[2] for r in rate_rows], dtype=np.float64),
    )


@cache
def load() -> Params:
    """Read and check every data file once per process."""
    loaded = {name: yaml.safe_load(read_text(f"{name}.yaml")) for name in YAML_FILES}
    for name, content in loaded.items():
        if not content.get("sources"):
            raise ValueError(f"data/{name}.yaml must name its sources")
    departements = read_csv("departements.csv")
    pools = [(p["category"], p["specialty"]) for p in loaded["practitioners"]["pools"]]
    acts = _acts(read_csv("acts.csv"), read_csv("tariffs.csv"), read_csv("amo_rates.csv"), pools)
    hashes = {}
    for name in [f"{n}.yaml" for n in YAML_FILES] + [f"{n}.csv" for n in CSV_FILES]:
        hashes[name] = hashlib.sha256(read_text(name).encode("utf-8")).hexdigest()
    weights = np.array([float(d["population_k"]) for d in departements])
    return Params(
        population=loaded["population"],
        employers=loaded["employers"],
        contracts=loaded["contracts"],
        practitioners=loaded["practitioners"],
        claims=loaded["claims"],
        fraud=loaded["fraud"],
        emails=loaded["emails"],
        departement_codes=[d["code"] for d in departements],
        departement_names=[d["name"] for d in departements],
        departement_weights=weights / weights.sum(),
        pools=pools,
        acts=acts,
        file_hashes=hashes,
    )


def dated_cents(schedule: list[dict[str, Any]], day: np.ndarray) -> np.ndarray:
    """Amount (cents) in force on each day, from a schedule of {from, eur} rows."""
    rows = sorted((days(str(r["from"])), cents(r["eur"])) for r in schedule)
    starts = np.array([r[0] for r in rows])
    amounts = np.array([r[1] for r in rows], dtype=np.int64)
    return amounts[np.clip(np.searchsorted(starts, day, side="right") - 1, 0, None)]
