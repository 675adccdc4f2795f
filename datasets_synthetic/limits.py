"""How many members the identifier formats can hold, computed before anything runs.

Three formats bound the size of a dataset:
- practitioner numbers have a 5-digit serial, so at most 100,000 providers, and providers scale with members;
- claim, e-mail and HR-file line ids give each chunk a fixed block (`CHUNK_ID_BLOCKS` chunks at most);
- synthetic NIRs: within one (sex, birth year, birth month) bucket, chunk c's k-th person takes slot
  `k × chunks + c` among the `nir.capacity()` birth places (the chunk's HR-file agents unknown to the mutual rank
  after its members), so the most crowded bucket of any chunk must fit.

The NIR bound is statistical (bucket counts are random): the densest bucket's share of people comes from the real
population model (a fixed-seed sample, plus a margin), and a Poisson tail bound over every bucket of every chunk
makes the chance that an accepted size still runs out of slots below `NIR_FAILURE_PROBABILITY`. HR-file agents
unknown to the mutual are counted as if they were as many more members as `not_in_mutual_rate` says (they are
fewer: the rate applies to invited agents only).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from datasets_synthetic import nir, population
from datasets_synthetic.context import Chunk, Window, year_month
from datasets_synthetic.params import Params

PRACTITIONER_SERIALS = 100_000  # 5-digit serial of the assurance-maladie practitioner number
CHUNK_ID_BLOCKS = 10_000  # claim ids `P` + 13 digits = chunk (4) + line (9); e-mails and HR lines alike
NIR_FAILURE_PROBABILITY = 1e-9
SAMPLE_PEOPLE = 200_000  # people drawn once to measure the densest birth bucket (≈ 0.1 s)
SAMPLE_MARGIN = 1.15  # the sample's densest share is itself an estimate (± 7 % at this size)
BUCKETS = 2 * 100 * 12  # sex × two-digit year × month


def pool_sizes(params: Params, members: int) -> list[int]:
    """Providers per pool for a dataset of `members` people (the one formula `practitioners.generate` uses)."""
    spec = params.practitioners
    return [max(int(spec["min_per_pool"]), round(p["per_10000"] * members / 10000)) for p in spec["pools"]]


_DENSEST: dict[tuple[object, ...], float] = {}


def densest_bucket_share(params: Params, year: int) -> float:
    """Share of people in the most crowded (sex, year, month) NIR bucket, measured on the population model.

    Cached per parameter files and year: the sample is the same whatever the seed asked for.
    """
    key = (*sorted(params.file_hashes.items()), year)
    if key not in _DENSEST:
        window = Window.for_year(year, params)
        sample = population.people(
            params,
            window,
            Chunk(0, 1, SAMPLE_PEOPLE, 0),
            population.employers(params),
            np.random.Generator(np.random.PCG64(20250101)),
        )
        birth_year, month = year_month(sample.birth)
        counts = np.bincount(sample.sex * 10000 + (birth_year % 100) * 100 + month)
        _DENSEST[key] = float(counts.max()) / SAMPLE_PEOPLE * SAMPLE_MARGIN
    return _DENSEST[key]


def poisson_bound(mean: float, tail: float) -> int:
    """Smallest k ≥ mean with P(X ≥ k) ≤ tail for X ~ Poisson(mean), by the Chernoff bound e^-m (e m / k)^k."""
    k = max(1, math.ceil(mean))
    while mean > 0 and k * (1 + math.log(mean / k)) - mean > math.log(tail):
        k += 1
    return k


def nir_fits(params: Params, members: int, chunk_members: int, year: int) -> bool:
    """Whether the most crowded NIR bucket of every chunk fits its slots (see the module docstring)."""
    n_chunks = -(-members // chunk_members)
    per_chunk = math.ceil(min(members, chunk_members) * (1 + params.contracts["psc_roster"]["not_in_mutual_rate"]))
    if per_chunk * n_chunks <= nir.capacity():
        return True  # even a chunk whose people were all born in one month would fit: no sample needed
    cases = BUCKETS * n_chunks
    worst = poisson_bound(densest_bucket_share(params, year) * per_chunk, NIR_FAILURE_PROBABILITY / cases)
    return worst * n_chunks <= nir.capacity()


def problem(params: Params, *, members: int, chunk_members: int, year: int) -> str | None:
    """Why `members` people cannot be generated with these identifier formats (None when they can)."""
    providers = sum(pool_sizes(params, members))
    if providers > PRACTITIONER_SERIALS:
        most = _largest(lambda m: sum(pool_sizes(params, m)) <= PRACTITIONER_SERIALS, members)
        return (
            f"{members:,} members need {providers:,} practitioners, but practitioner numbers have 5-digit serials "
            f"({PRACTITIONER_SERIALS:,} at most): generate at most {most:,} members"
        )
    n_chunks = -(-members // chunk_members)
    if n_chunks > CHUNK_ID_BLOCKS:
        return (
            f"{members:,} members make {n_chunks:,} chunks of {chunk_members:,}, but ids hold {CHUNK_ID_BLOCKS:,} "
            f"chunks: generate at most {CHUNK_ID_BLOCKS * chunk_members:,} members or use larger chunks"
        )
    if not nir_fits(params, members, chunk_members, year):
        most = _largest(lambda m: nir_fits(params, m, chunk_members, year), members)
        return (
            f"{members:,} members in chunks of {chunk_members:,} would run out of synthetic NIRs (order number 000 "
            f"leaves {nir.capacity():,} per sex, birth year and month, shared between chunks): generate at most "
            f"{most:,} members with these chunks, or use larger chunks"
        )
    return None


def _largest(fits: Callable[[int], bool], above: int) -> int:
    """Largest member count below `above` for which `fits` holds (bisection; every check is monotonic)."""
    low, high = 1, above
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low
