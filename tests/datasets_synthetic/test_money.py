"""Money rules on every claim line, to the cent, and the co-payment caps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datasets_synthetic import load
from datasets_synthetic.money import cap_running


def cents(series: pd.Series) -> np.ndarray:
    return np.round(series.to_numpy(dtype=float) * 100).astype(np.int64)


def test_amounts_reconcile_to_the_cent_on_every_non_fraud_line(tables: dict[str, pd.DataFrame]) -> None:
    claims = tables["claims"]
    lines = claims[claims.fraud_type.isna()]
    billed, base, extra = cents(lines.amount_billed), cents(lines.reimbursement_base), cents(lines.extra_fees)
    amo, amc, oop = cents(lines.amo_paid), cents(lines.amc_paid), cents(lines.out_of_pocket)
    fp, ded = cents(lines.flat_participation), cents(lines.deductible)
    rate_bp = np.round(lines.amo_rate.to_numpy() * 10000).astype(np.int64)
    assert (billed == base + extra).all()
    # base × rate rounded half-up to the cent, minus what is withheld.
    assert (amo == (base * rate_bp + 5000) // 10000 - fp - ded).all()
    assert (amo + amc + oop == billed).all()
    assert (amo >= 0).all() and (amc >= 0).all() and (oop >= 0).all()
    # And within a cent with plain float arithmetic, the way a learner will check it.
    assert (
        lines.reimbursement_base * lines.amo_rate - lines.flat_participation - lines.deductible - lines.amo_paid
    ).abs().max() <= 0.0051


def test_flat_participation_and_deductibles_are_never_paid_by_the_complementary(
    tables: dict[str, pd.DataFrame],
) -> None:
    claims = tables["claims"]
    assert (claims.out_of_pocket + 1e-9 >= claims.flat_participation + claims.deductible).all()
    assert claims.flat_participation.gt(0).any() and claims.deductible.gt(0).any()


def test_each_co_payment_is_capped_at_50_euros_per_beneficiary_and_year(tables: dict[str, pd.DataFrame]) -> None:
    claims = tables["claims"]
    yearly = claims.groupby(["beneficiary_id", claims.care_date.dt.year])[["flat_participation", "deductible"]].sum()
    assert yearly.max().max() <= 50.0 + 1e-9
    assert (yearly >= 49.99).any().any(), "heavy users should reach the cap"


def test_under_18s_pay_neither_flat_participation_nor_deductibles(tables: dict[str, pd.DataFrame]) -> None:
    merged = tables["claims"].merge(tables["beneficiaries"][["beneficiary_id", "birth_date"]], on="beneficiary_id")
    young = merged[(merged.care_date - merged.birth_date).dt.days < 17 * 365]
    assert len(young) > 0
    assert (young.flat_participation == 0).all() and (young.deductible == 0).all()


def test_100_sante_lines_leave_nothing_to_pay(tables: dict[str, pd.DataFrame]) -> None:
    claims = tables["claims"]
    sante = claims[claims.is_100_sante]
    assert len(sante) > 0
    assert (sante.out_of_pocket == 0).all()
    assert set(sante.act_family) <= {"optics", "dental_prosthesis", "hearing"}


def test_sector_1_doctors_bill_no_extra_fees(tables: dict[str, pd.DataFrame]) -> None:
    merged = tables["claims"].merge(tables["practitioners"], on="practitioner_id")
    doctors = merged[merged.category == "doctor"]
    assert (doctors[doctors.sector == "1"].extra_fees == 0).all()
    assert (doctors[doctors.sector == "2"].extra_fees > 0).any()


def test_the_complementary_pays_only_under_a_running_contract(tables: dict[str, pd.DataFrame]) -> None:
    """A line is paid by the AMC exactly when a contract of the household covers that person on the care date."""
    claims = tables["claims"][["claim_id", "beneficiary_id", "care_date", "amc_paid", "amo_rate", "extra_fees"]]
    people = tables["beneficiaries"][["beneficiary_id", "subscriber_id", "role"]]
    contracts = tables["contracts"][["subscriber_id", "kind", "start_date", "end_date", "covers_dependants"]]
    merged = claims.merge(people, on="beneficiary_id").merge(contracts, on="subscriber_id")
    running = (merged.start_date <= merged.care_date) & (merged.end_date.isna() | (merged.care_date <= merged.end_date))
    running &= (merged.role == "subscriber") | merged.covers_dependants
    covered = merged[running].claim_id.unique()
    uncovered = claims[~claims.claim_id.isin(covered)]
    assert len(uncovered) > 0, "some lines fall outside any contract (automatic enrolment drops dependants)"
    assert (uncovered.amc_paid == 0).all()
    copay = claims[claims.claim_id.isin(covered) & ((claims.amo_rate < 1) | (claims.extra_fees > 0))]
    assert (copay.amc_paid > 0).mean() > 0.95


def test_cap_running_allows_up_to_the_cap_in_order() -> None:
    starts = np.array([True, False, False, True, False])
    amounts = np.array([30, 30, 30, 60, 10])
    allowed = cap_running(starts, amounts, np.full(5, 50))
    assert allowed.tolist() == [30, 20, 0, 50, 0]


@pytest.mark.parametrize("year", [2024, 2026])
def test_money_identities_and_caps_hold_for_other_years(year_dataset: Callable[[int], Path], year: int) -> None:
    """Other years move the window across tariff and co-payment changes: the identities still hold to the cent."""
    claims = load("claims", root=year_dataset(year))
    lines = claims[claims.fraud_type.isna()]
    billed, base, extra = cents(lines.amount_billed), cents(lines.reimbursement_base), cents(lines.extra_fees)
    amo, amc, oop = cents(lines.amo_paid), cents(lines.amc_paid), cents(lines.out_of_pocket)
    rate_bp = np.round(lines.amo_rate.to_numpy() * 10000).astype(np.int64)
    assert (billed == base + extra).all() and (amo + amc + oop == billed).all()
    assert (amo == (base * rate_bp + 5000) // 10000 - cents(lines.flat_participation) - cents(lines.deductible)).all()
    yearly = claims.groupby(["beneficiary_id", claims.care_date.dt.year])[["flat_participation", "deductible"]].sum()
    assert yearly.max().max() <= 50.0 + 1e-9
    g = claims[(claims.act_code == "G") & (claims.care_date >= "2023-11-01")]
    expected = np.where(g.care_date < "2024-12-22", 26.50, 30.00)
    assert (g.reimbursement_base.to_numpy() == expected).all()
