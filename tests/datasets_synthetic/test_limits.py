"""Size limits of the identifier formats: an impossible size is refused before anything runs, a possible one fits."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from datasets_synthetic import DatasetError, generate, limits, nir, params, population, practitioners
from datasets_synthetic.context import Chunk, Window, year_month


def test_more_members_than_practitioner_serials_allow_is_refused_with_the_limit(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"5-digit serials .* at most 20,040,833 members"):
        generate(out=tmp_path / "d", members=25_000_000)
    assert list(tmp_path.iterdir()) == [], "refused before anything is written"


def test_the_largest_accepted_size_gets_unique_practitioner_numbers() -> None:
    """At the computed ceiling every practitioner still gets a unique 5-digit serial; one member more does not fit."""
    p = params.load()
    most = 20_040_833
    assert sum(limits.pool_sizes(p, most)) <= limits.PRACTITIONER_SERIALS < sum(limits.pool_sizes(p, most + 1))
    made = practitioners.generate(p, most, np.random.default_rng(0))
    assert made.size <= limits.PRACTITIONER_SERIALS
    assert len(set(made.table["practitioner_id"].to_pylist())) == made.size


def test_small_chunks_that_would_run_out_of_nirs_or_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"run out of synthetic NIRs.*at most 4,589,000 members"):
        generate(out=tmp_path / "d", members=5_000_000, chunk_members=1000)
    with pytest.raises(DatasetError, match=r"ids hold 10,000 chunks"):
        generate(out=tmp_path / "d", members=10_001_000, chunk_members=1000)
    assert list(tmp_path.iterdir()) == []


def test_chunks_at_the_accepted_nir_limit_get_their_nirs_and_stay_within_the_bound() -> None:
    """Chunks of a dataset at the NIR ceiling (4,589 chunks of 1,000) are generated without running out of slots."""
    p = params.load()
    n_chunks = 4589
    assert limits.nir_fits(p, n_chunks * 1000, 1000, 2025) and not limits.nir_fits(
        p, n_chunks * 1000 + 1000, 1000, 2025
    )
    window = Window.for_year(2025, p)
    employers = population.employers(p)
    tail = limits.NIR_FAILURE_PROBABILITY / (limits.BUCKETS * n_chunks)
    bound = limits.poisson_bound(limits.densest_bucket_share(p, 2025) * 1000 * 1.02, tail)
    for index in range(0, n_chunks, 153):  # 30 chunks spread over the dataset
        chunk = Chunk(index, n_chunks, 1000, index * 1000)
        people = population.people(p, window, chunk, employers, np.random.default_rng(index))
        birth_year, month = year_month(people.birth)
        assert np.bincount(nir.buckets(people.sex + 1, birth_year, month)).max() < bound
        assert len({bytes(row) for row in people.nir}) == people.size


@pytest.mark.parametrize("mean", [0.3, 4.0, 35.0, 400.0])
@pytest.mark.parametrize("tail", [1e-3, 1e-12])
def test_poisson_bound_is_a_true_upper_quantile_and_not_absurdly_loose(mean: float, tail: float) -> None:
    k = limits.poisson_bound(mean, tail)
    log_pmf = [j * math.log(mean) - mean - math.lgamma(j + 1) for j in range(k, k + 2000)]
    assert sum(math.exp(v) for v in log_pmf) <= tail
    assert k <= mean + 12 * math.sqrt(mean) + 40
