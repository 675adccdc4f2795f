"""Care providers (doctors, pharmacies, nurses… and establishments), generated once for the whole dataset.

Their number per pool scales with the member count so that each provider's volume coming from the mutual's members
stays plausible; claims pick providers in the member's own département when one exists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from datasets_synthetic import ids, limits
from datasets_synthetic.params import Params

SECTORS = ("1", "2", "optam")


@dataclass(frozen=True)
class Practitioners:
    """Providers sorted by (pool, département), with lookup tables for vectorised choice."""

    pool: np.ndarray
    departement: np.ndarray
    sector: np.ndarray  # index into SECTORS
    group_start: np.ndarray  # (n_pools, n_departements)
    group_count: np.ndarray
    pool_start: np.ndarray
    pool_count: np.ndarray
    table: dict[str, pa.Array | np.ndarray]

    @property
    def size(self) -> int:
        return int(self.pool.size)

    def pick(self, pool: np.ndarray, departement: np.ndarray, local: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Provider index for each request: in the département when `local` and one exists, else nationwide."""
        count = self.group_count[pool, departement]
        use_local = local & (count > 0)
        start = np.where(use_local, self.group_start[pool, departement], self.pool_start[pool])
        size = np.where(use_local, count, self.pool_count[pool])
        return start + np.minimum((u * size).astype(np.int64), size - 1)


def generate(params: Params, members: int, rng: np.random.Generator) -> Practitioners:
    spec = params.practitioners
    n_dept = len(params.departement_codes)
    pools, depts, sectors = [], [], []
    for index, (pool, count) in enumerate(zip(spec["pools"], limits.pool_sizes(params, members), strict=True)):
        dept = np.sort(rng.choice(n_dept, count, p=params.departement_weights))
        pools.append(np.full(count, index))
        depts.append(dept)
        sectors.append(rng.choice(len(SECTORS), count, p=pool["sectors"]))
    pool_arr = np.concatenate(pools)
    dept_arr = np.concatenate(depts)
    sector_arr = np.concatenate(sectors)
    n = pool_arr.size
    n_pools = len(spec["pools"])
    key = pool_arr * n_dept + dept_arr
    counts = np.bincount(key, minlength=n_pools * n_dept).reshape(n_pools, n_dept)
    group_start = (np.cumsum(counts.ravel()) - counts.ravel()).reshape(n_pools, n_dept)
    pool_count = counts.sum(axis=1)
    pool_start = np.cumsum(pool_count) - pool_count

    # Identifier: département (2 chars; overseas "97"), category digit, then a 5-digit serial unique overall.
    dept_prefix = np.array([list(code[:2].encode("ascii")) for code in params.departement_codes], dtype=np.uint8)
    digit = np.array([ord(p["digit"]) for p in spec["pools"]], dtype=np.uint8)
    if n > limits.PRACTITIONER_SERIALS:  # generator.validate refuses such sizes first, with the limit in the message
        raise ValueError("too many practitioners for 5-digit serials")
    serial = (np.arange(n) * 7919 + 10007) % 100000  # scattered but unique (7919 is coprime with 100000)
    id_chars = np.concatenate([dept_prefix[dept_arr], digit[pool_arr][:, None], ids.digits(serial, 5)], axis=1)
    # RPPS: "10" + 8 digits (a bijection of the index, so unique) + Luhn check digit; none for establishments.
    body = np.concatenate([ids.constant("10", n), ids.digits((np.arange(n) * 48271 + 1234567) % 10**8, 8)], axis=1)
    rpps_chars = np.concatenate([body, ids.luhn_digit(body)[:, None]], axis=1)
    categories = [p["category"] for p in spec["pools"]]
    specialties = [p["specialty"] or "" for p in spec["pools"]]
    has_specialty = np.array([bool(s) for s in specialties])[pool_arr]
    category_names = sorted(set(categories))
    specialty_names = sorted(set(specialties))
    category_of_pool = np.array([category_names.index(c) for c in categories])
    specialty_of_pool = np.array([specialty_names.index(s) for s in specialties])
    table: dict[str, pa.Array | np.ndarray] = {
        "practitioner_id": ids.to_strings(id_chars),
        "rpps": ids.to_strings(rpps_chars, valid=np.array(categories)[pool_arr] != "establishment"),
        "category": ids.take(category_names, category_of_pool[pool_arr]),
        "specialty": ids.take(specialty_names, specialty_of_pool[pool_arr], valid=has_specialty),
        "sector": ids.take(list(SECTORS), sector_arr),
        "departement": ids.take(params.departement_codes, dept_arr),
    }
    return Practitioners(pool_arr, dept_arr, sector_arr, group_start, counts, pool_start, pool_count, table)
