"""Spending looks like the reference: per-person totals by age, the mandatory scheme's share, GP visits, loss ratio.

Targets live in claims.yaml (`calibration`, with their sources); the measured figures are in the README. A dataset
of 30,000 people is large enough for the 85+ band (≈ 700 people) to be within a few per cent of its expectation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from datasets_synthetic import params

YEAR = 2025
LINES_PER_MEMBER_BEFORE = 21.56  # claim lines per member over the window before the recalibration (200,000 members)
BANDS = {"6-10": (6, 11), "41-45": (41, 46), "66-70": (66, 71), "85+": (85, 200)}


def person_years(people: pd.DataFrame) -> np.ndarray:
    """Years of YEAR each person was alive (born before or during it, dead during it or not)."""
    start = people.birth_date.clip(lower=pd.Timestamp(YEAR, 1, 1))
    end = people.death_date.fillna(pd.Timestamp(YEAR, 12, 31)).clip(upper=pd.Timestamp(YEAR, 12, 31))
    return np.clip((end - start).dt.days.to_numpy() + 1, 0, None) / 365


def test_spending_per_person_by_age_matches_the_reference(calibration_dataset: dict[str, pd.DataFrame]) -> None:
    target = params.load().claims["calibration"]
    claims, people = calibration_dataset["claims"], calibration_dataset["beneficiaries"]
    legit = claims[(claims.care_date.dt.year == YEAR) & claims.fraud_type.isna()]
    spent = legit.groupby("beneficiary_id").amount_billed.sum().reindex(people.beneficiary_id).fillna(0).to_numpy()
    age = (pd.Timestamp(YEAR, 1, 1) - people.birth_date).dt.days.to_numpy() / 365.25
    years = person_years(people)
    achieved = {}
    for name, (low, high) in BANDS.items():
        band = (age >= low) & (age < high)
        achieved[name] = spent[band].sum() / years[band].sum()
    tolerance = target["spending_tolerance"]
    for name, expected in target["spending_per_person_year_eur"].items():
        assert abs(achieved[name] / expected - 1) <= tolerance, (name, round(achieved[name]), expected)
    assert achieved["85+"] > achieved["66-70"] > achieved["41-45"] > achieved["6-10"]


def test_the_mandatory_scheme_pays_about_79_percent_and_gp_visits_stay_at_3_3(
    calibration_dataset: dict[str, pd.DataFrame],
) -> None:
    target = params.load().claims["calibration"]
    claims, people = calibration_dataset["claims"], calibration_dataset["beneficiaries"]
    legit = claims[(claims.care_date.dt.year == YEAR) & claims.fraud_type.isna()]
    assert abs(legit.amo_paid.sum() / legit.amount_billed.sum() - target["amo_share_of_billed"]) <= 0.03
    visits = legit.act_code.isin(["G", "TCG"]).sum() / person_years(people).sum()
    assert abs(visits - target["gp_visits_per_person_year"]) <= 0.3


def test_amounts_not_line_counts_carry_the_spending(calibration_dataset: dict[str, pd.DataFrame]) -> None:
    """At most 25 % more claim lines per member than before the recalibration; drugs and hospital carry the money."""
    claims, people = calibration_dataset["claims"], calibration_dataset["beneficiaries"]
    assert len(claims) / len(people) <= 1.25 * LINES_PER_MEMBER_BEFORE
    legit = claims[(claims.care_date.dt.year == YEAR) & claims.fraud_type.isna()]
    by_family = legit.groupby("act_family").amount_billed.sum() / person_years(people).sum()
    assert by_family["hospital"] > 0.4 * by_family.sum()  # ≈ 47 % of care consumption nationally
    assert 250 <= by_family["pharmacy"] <= 600  # ≈ 490 € of retail drugs per inhabitant, fewer for a younger mix


def test_individual_premiums_give_a_plausible_loss_ratio(calibration_dataset: dict[str, pd.DataFrame]) -> None:
    """Premiums were recalibrated with the spending: the individual portfolio's AMC loss ratio stays near 0.78."""
    claims, people, contracts = (calibration_dataset[n] for n in ("claims", "beneficiaries", "contracts"))
    first, last = pd.Timestamp(YEAR, 1, 1), pd.Timestamp(YEAR, 12, 31)
    individual = contracts[contracts.kind == "individual"]
    start = individual.start_date.clip(lower=first)
    end = individual.end_date.fillna(last).clip(upper=last)
    months = ((end.dt.year - start.dt.year) * 12 + end.dt.month - start.dt.month + 1).where(end >= start, 0)
    premiums = (individual.monthly_premium_eur * months).sum()
    legit = claims[(claims.care_date.dt.year == YEAR) & claims.fraud_type.isna()]
    lines = legit.merge(people[["beneficiary_id", "subscriber_id"]], on="beneficiary_id").merge(
        individual[["subscriber_id", "start_date", "end_date"]], on="subscriber_id"
    )
    running = (lines.start_date <= lines.care_date) & (lines.end_date.isna() | (lines.care_date <= lines.end_date))
    assert 0.65 <= lines[running].amc_paid.sum() / premiums <= 0.9
