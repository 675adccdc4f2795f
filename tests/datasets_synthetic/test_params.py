"""Every number comes from a versioned data file that names its sources."""

from __future__ import annotations

import numpy as np

from datasets_synthetic import params


def test_every_data_file_names_its_sources_and_date() -> None:
    p = params.load()
    for content in (p.population, p.employers, p.contracts, p.practitioners, p.claims, p.fraud, p.emails):
        assert content["sources"] and content["as_of"] and content["notes"]
    for name in params.CSV_FILES:
        assert params.read_text(f"{name}.csv").startswith("# ")


def test_every_act_has_a_tariff_and_known_family_and_pool() -> None:
    acts = params.load().acts
    assert set(acts.codes) == set(acts.code)
    assert set(np.unique(acts.tariff_code)) == set(range(len(acts.codes)))
    assert (acts.amo_rate >= 0).all() and (acts.amo_rate <= 1).all()


def test_g_tariff_schedule_matches_the_2024_revaluation() -> None:
    acts = params.load().acts
    g = acts.codes.index("G")
    rows = acts.tariff_code == g
    schedule = dict(zip(acts.tariff_from[rows].tolist(), acts.tariff_cents[rows].tolist(), strict=True))
    assert schedule[params.days("2023-11-01")] == 2650
    assert schedule[params.days("2024-12-22")] == 3000
