"""PSC: collective contracts from each employer's start date, employer share, waves, automatic enrolment, exemptions."""

from __future__ import annotations

import pandas as pd


def psc(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    contracts = tables["contracts"]
    return contracts[contracts.kind == "collective_psc"].merge(
        tables["employers"], on="employer_id", suffixes=("", "_employer")
    )


def test_collective_contracts_start_on_their_employers_psc_date(tables: dict[str, pd.DataFrame]) -> None:
    collective = psc(tables)
    assert len(collective) > 50
    assert (collective.start_date == collective.psc_start_date).all()
    assert collective.psc_start_date.max() <= pd.Timestamp("2025-12-31")


def test_employer_share_is_half_of_the_break_even_contribution(tables: dict[str, pd.DataFrame]) -> None:
    employers = tables["employers"]
    ratio = employers.employer_share_eur / employers.break_even_contribution_eur
    assert ratio.between(0.495, 0.505).all()
    collective = psc(tables)
    assert (collective.employer_share_eur == collective.employer_share_eur_employer).all()
    assert (collective.monthly_premium_eur >= collective.break_even_contribution_eur).all()
    individual = tables["contracts"][tables["contracts"].kind == "individual"]
    assert (individual.employer_share_eur == 0).all()


def test_waves_open_before_the_start_and_agents_answer_within_21_days(tables: dict[str, pd.DataFrame]) -> None:
    waved = tables["contracts"][tables["contracts"].wave.notna()].merge(
        tables["employers"], on="employer_id", how="left", suffixes=("", "_e")
    )
    assert set(waved.wave.astype(int)) == {1, 2, 3}
    answered = waved[waved.answer_date.notna()]
    delay = (answered.answer_date - answered.wave_opened_date).dt.days
    assert delay.between(0, 20).all()
    collective = waved[waved.kind == "collective_psc"]
    assert (collective.wave_opened_date < collective.start_date).all()


def test_non_responders_are_enrolled_automatically_without_options_or_dependants(
    tables: dict[str, pd.DataFrame],
) -> None:
    collective = psc(tables)
    automatic = collective[collective.enrolment == "automatic"]
    assert len(automatic) > 0
    assert automatic.answer_date.isna().all()
    assert (automatic.coverage_level == "psc_socle").all()
    assert (~automatic.covers_dependants).all()
    chosen = collective[collective.enrolment == "chosen"]
    assert chosen.answer_date.notna().all() and chosen.coverage_level.nunique() > 1


def test_exempted_agents_keep_their_individual_contract(tables: dict[str, pd.DataFrame]) -> None:
    contracts = tables["contracts"]
    exempted = contracts[contracts.enrolment == "exempted"]
    assert len(exempted) > 0
    assert (exempted.kind == "individual").all()
    assert exempted.exemption_reason.notna().all()
    assert not exempted.subscriber_id.isin(contracts[contracts.kind == "collective_psc"].subscriber_id).any()


def test_switching_agents_leave_their_individual_contract_the_day_before(tables: dict[str, pd.DataFrame]) -> None:
    contracts = tables["contracts"]
    both = contracts[contracts.kind == "individual"].merge(
        contracts[contracts.kind == "collective_psc"], on="subscriber_id", suffixes=("_ind", "_col")
    )
    assert len(both) > 0
    assert (both.end_date_ind <= both.start_date_col - pd.Timedelta(days=1)).all()


def test_every_subscriber_has_exactly_one_individual_contract(tables: dict[str, pd.DataFrame]) -> None:
    contracts = tables["contracts"]
    people = tables["beneficiaries"]
    individual = contracts[contracts.kind == "individual"]
    assert individual.subscriber_id.is_unique
    assert set(individual.subscriber_id) == set(people[people.role == "subscriber"].beneficiary_id)
    assert contracts.contract_id.is_unique
    assert (contracts.end_date.isna() | (contracts.end_date >= contracts.start_date)).all()


def test_contract_dates_stay_consistent_years_after_the_psc_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A 2030 dataset: every employer switched years before the window, contracts still end after they start."""
    from datasets_synthetic import generate, load

    generate(out=tmp_path / "d", members=2000, seed=5, year=2030)
    contracts = load("contracts", root=tmp_path / "d")
    assert (contracts.end_date.isna() | (contracts.end_date >= contracts.start_date)).all()
    assert (contracts.kind == "collective_psc").sum() > 100
