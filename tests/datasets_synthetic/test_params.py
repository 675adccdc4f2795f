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


def test_every_dental_act_but_orthodontics_moves_from_70_to_60_percent_on_2023_10_15() -> None:
    acts = params.load().acts
    change = params.days("2023-10-15")
    for variant, family in enumerate(acts.family):
        code = acts.code[variant]
        if params.FAMILIES[family] not in ("dental_care", "dental_prosthesis") or code == "TO90":
            continue
        rows = acts.rate_code == acts.codes.index(code)
        schedule = dict(zip(acts.rate_from[rows].tolist(), acts.rate_value[rows].tolist(), strict=True))
        assert schedule.get(change) == 0.60 and 0.70 in schedule.values(), code
