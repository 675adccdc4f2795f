"""Claims look like a French health mutual's: dated tariffs, volumes, age profile, life span, daily volumes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from datasets_synthetic import load

# Upper bounds for one provider's legitimate acts from our members in one day (a GP does ≈ 22 visits a day in all).
PLAUSIBLE_DAILY = {"doctor": 40, "nurse": 45, "physiotherapist": 35, "pharmacy": 150, "laboratory": 60, "dentist": 30}


def test_g_costs_26_50_before_2024_12_22_and_30_from_then(tables: dict[str, pd.DataFrame]) -> None:
    g = tables["claims"][tables["claims"].act_code == "G"]
    before = g[g.care_date < "2024-12-22"]
    after = g[g.care_date >= "2024-12-22"]
    assert len(before) > 100 and len(after) > 100, "the window must show both tariffs"
    assert (before.reimbursement_base == 26.50).all()
    assert (after.reimbursement_base == 30.00).all()


def test_claims_window_covers_the_last_quarter_of_the_previous_year(tables: dict[str, pd.DataFrame]) -> None:
    care = tables["claims"].care_date
    assert care.min() >= pd.Timestamp("2024-10-01")
    assert care.min() < pd.Timestamp("2024-10-08")
    assert care.max() <= pd.Timestamp("2025-12-31")
    assert (tables["claims"].paid_date > care).all()


def test_about_3_3_gp_visits_per_person_per_year(tables: dict[str, pd.DataFrame]) -> None:
    claims = tables["claims"]
    year = claims[(claims.care_date.dt.year == 2025) & claims.fraud_type.isna()]
    visits = year.act_code.isin(["G", "TCG"]).sum() / len(tables["beneficiaries"])
    assert 3.0 <= visits <= 3.6


def test_spending_rises_with_age(tables: dict[str, pd.DataFrame]) -> None:
    people = tables["beneficiaries"]
    age = (pd.Timestamp("2025-01-01") - people.birth_date).dt.days / 365.25
    band = pd.cut(age, [-1, 20, 40, 60, 75, 120], labels=["<20", "20-39", "40-59", "60-74", "75+"])
    spent = tables["claims"].groupby("beneficiary_id").amount_billed.sum()
    frame = pd.DataFrame({"band": band, "spent": spent.reindex(people.beneficiary_id).fillna(0).to_numpy()})
    per_person = frame.groupby("band", observed=True).spent.mean()
    assert per_person.is_monotonic_increasing, per_person
    assert per_person["75+"] > 2.5 * per_person["20-39"]


def test_no_care_before_birth_or_after_death_except_labelled_fraud(tables: dict[str, pd.DataFrame]) -> None:
    merged = tables["claims"].merge(tables["beneficiaries"], on="beneficiary_id")
    assert not (merged.care_date < merged.birth_date).any()
    after_death = merged[merged.care_date > merged.death_date]
    assert len(after_death) > 0
    assert (after_death.fraud_type == "care_after_death").all()


def test_practitioners_daily_volumes_are_plausible_except_labelled_fraud(tables: dict[str, pd.DataFrame]) -> None:
    claims = tables["claims"].merge(tables["practitioners"][["practitioner_id", "category"]], on="practitioner_id")
    legit = claims[claims.fraud_type.isna()]
    daily = legit.groupby(["category", "practitioner_id", "care_date"]).size().groupby("category").max()
    for category, limit in PLAUSIBLE_DAILY.items():
        assert daily[category] <= limit, (category, daily[category])
    everything = claims.groupby(["practitioner_id", "care_date"]).size()
    assert everything.max() >= 70, "impossible-volume fraud shows as a day no nurse could work"


def test_act_codes_families_and_providers_agree(tables: dict[str, pd.DataFrame]) -> None:
    claims = tables["claims"].merge(tables["practitioners"], on="practitioner_id")
    legit = claims[claims.fraud_type.isna()]
    gp = legit[legit.act_family == "gp"]
    assert (gp.specialty == "general_practice").all()
    assert (legit[legit.act_family == "pharmacy"].act_code.str.len() == 13).all()
    assert (legit[legit.act_family == "pharmacy"].category == "pharmacy").all()
    assert set(legit.act_family) == {
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
    }


def test_ids_are_unique_and_reference_existing_rows(tables: dict[str, pd.DataFrame]) -> None:
    claims = tables["claims"]
    assert claims.claim_id.is_unique
    assert claims.beneficiary_id.isin(tables["beneficiaries"].beneficiary_id).all()
    assert claims.practitioner_id.isin(tables["practitioners"].practitioner_id).all()


def test_dental_amo_rate_follows_the_date_70_then_60_percent(year_dataset: Callable[[int], Path]) -> None:
    """A 2024 window starts on 1 October 2023: dental care is reimbursed at 70 % before 15/10/2023, 60 % from then."""
    root = year_dataset(2024)
    claims = load("claims", root=root)
    dental = claims[claims.act_family.isin(["dental_care", "dental_prosthesis"]) & (claims.act_code != "TO90")]
    dental = dental[dental.amo_rate < 1]  # ALD care is at 100 % whatever the date
    before, after = dental[dental.care_date < "2023-10-15"], dental[dental.care_date >= "2023-10-15"]
    assert len(before) > 5 and len(after) > 100
    assert (before.amo_rate == 0.70).all() and (after.amo_rate == 0.60).all()
    header = (root / "DICTIONNAIRE.md").read_text(encoding="utf-8").split("\n\n")[1]
    assert "passe de 70 % à 60 % au 15/10/2023" in header
