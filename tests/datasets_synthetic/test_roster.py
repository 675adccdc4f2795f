"""The employers' HR files carry the discrepancies a PSC reconciliation course needs, and only those."""

from __future__ import annotations

import pandas as pd

from datasets_synthetic import nir


def test_roster_lists_invited_agents_with_labelled_discrepancies(tables: dict[str, pd.DataFrame]) -> None:
    roster = tables["psc_roster"]
    assert len(roster) > 50
    clean = roster[roster.discrepancy.isna()]
    people = tables["beneficiaries"].set_index("nir")
    matched = people.loc[clean.nir]
    assert (matched.birth_date.to_numpy() == clean.birth_date.to_numpy()).all()
    assert (matched.sex.to_numpy() == clean.sex.to_numpy()).all()
    assert (matched.employer_id.to_numpy() == clean.employer_id.to_numpy()).all()


def test_mistyped_nirs_fail_the_key_check(tables: dict[str, pd.DataFrame]) -> None:
    roster = tables["psc_roster"]
    typos = roster[roster.discrepancy == "nir_typo"]
    assert len(typos) > 0
    assert not typos.nir.map(nir.is_valid).any()
    assert roster[roster.discrepancy != "nir_typo"].nir.map(nir.is_valid).all()


def test_unknown_agents_duplicates_and_missing_agents_are_findable(tables: dict[str, pd.DataFrame]) -> None:
    roster = tables["psc_roster"]
    known = set(tables["beneficiaries"].nir)
    unknown = roster[roster.discrepancy == "not_in_mutual"]
    assert len(unknown) > 0 and not unknown.nir.isin(known).any()
    assert unknown.nir.map(nir.is_valid).all() and (unknown.nir.str[10:13] == "000").all()
    duplicates = roster[roster.discrepancy == "duplicate_row"]
    assert len(duplicates) > 0 and duplicates.agent_number.duplicated(keep=False).all()
    contracts = tables["contracts"]
    invited = set(contracts[contracts.wave.notna()].subscriber_id)
    listed = set(tables["beneficiaries"].set_index("nir").reindex(roster.nir).beneficiary_id.dropna())
    assert invited - listed, "a few enrolled agents are missing from the HR file"
    assert len(invited - listed) < 0.1 * len(invited)


def test_agent_numbers_are_ag_and_nine_digits_as_documented(tables: dict[str, pd.DataFrame]) -> None:
    from datasets_synthetic.schema import PSC_ROSTER

    assert tables["psc_roster"].agent_number.str.fullmatch(r"AG\d{9}").all()
    assert "`AG` + 9 chiffres" in next(c.description for c in PSC_ROSTER.columns if c.name == "agent_number")


def test_birth_date_mismatches_are_a_few_days_off_or_day_and_month_swapped(
    calibration_dataset: dict[str, pd.DataFrame],
) -> None:
    roster, people = calibration_dataset["psc_roster"], calibration_dataset["beneficiaries"]
    wrong = roster[roster.discrepancy == "birth_date_mismatch"].merge(
        people[["nir", "birth_date"]], on="nir", suffixes=("", "_mutual")
    )
    assert len(wrong) > 10
    days_off = (wrong.birth_date - wrong.birth_date_mutual).dt.days.abs()
    swapped = (
        (wrong.birth_date.dt.day == wrong.birth_date_mutual.dt.month)
        & (wrong.birth_date.dt.month == wrong.birth_date_mutual.dt.day)
        & (wrong.birth_date.dt.year == wrong.birth_date_mutual.dt.year)
    )
    assert ((days_off.between(1, 3)) | swapped).all()
    assert swapped.sum() >= 2 and (days_off.between(1, 3) & ~swapped).sum() >= 2


def test_swapping_day_and_month_is_exact() -> None:
    import numpy as np

    from datasets_synthetic import params, roster

    day = np.array([params.days("1985-07-03"), params.days("2001-12-11"), params.days("1990-05-20")])
    assert roster.swappable(day).tolist() == [True, True, False]
    assert roster.swap_day_and_month(day[:2]).tolist() == [params.days("1985-03-07"), params.days("2001-11-12")]
