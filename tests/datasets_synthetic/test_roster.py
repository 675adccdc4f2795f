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
