"""The insured population looks like the mutual's: ages, sexes, households, retirees and dependants."""

from __future__ import annotations

import pandas as pd


def ages(people: pd.DataFrame) -> pd.Series:
    return (pd.Timestamp("2025-01-01") - people.birth_date).dt.days / 365.25


def test_exactly_the_requested_number_of_people(tables: dict[str, pd.DataFrame], demo_dataset) -> None:  # type: ignore[no-untyped-def]
    assert len(tables["beneficiaries"]) == 3000
    assert tables["beneficiaries"].beneficiary_id.is_unique


def test_active_members_are_in_their_low_forties_and_seven_in_ten_are_women(tables: dict[str, pd.DataFrame]) -> None:
    people = tables["beneficiaries"]
    active = people[people.status == "active"]
    assert 40 <= ages(active).mean() <= 46
    assert 0.64 <= (active.sex == "F").mean() <= 0.76


def test_retirees_spouses_and_children_are_present(tables: dict[str, pd.DataFrame]) -> None:
    people = tables["beneficiaries"]
    assert set(people.status) == {"active", "retired", "dependant"}
    assert set(people.role) == {"subscriber", "spouse", "child"}
    assert (people[people.role != "subscriber"].status == "dependant").all()
    assert ages(people[people.role == "child"]).max() <= 25
    assert ages(people[people.status == "retired"]).min() >= 59


def test_households_point_to_their_subscriber(tables: dict[str, pd.DataFrame]) -> None:
    people = tables["beneficiaries"]
    subscribers = people[people.role == "subscriber"]
    assert (subscribers.subscriber_id == subscribers.beneficiary_id).all()
    assert people.subscriber_id.isin(subscribers.beneficiary_id).all()
    household = people.merge(
        subscribers[["beneficiary_id", "departement"]],
        left_on="subscriber_id",
        right_on="beneficiary_id",
        suffixes=("", "_sub"),
    )
    assert (household.departement == household.departement_sub).all()


def test_only_active_subscribers_have_an_employer(tables: dict[str, pd.DataFrame]) -> None:
    people = tables["beneficiaries"]
    assert people[people.status == "active"].employer_id.notna().all()
    assert people[people.status != "active"].employer_id.isna().all()
    assert people.employer_id.dropna().isin(tables["employers"].employer_id).all()


def test_some_people_die_and_chronic_conditions_rise_with_age(tables: dict[str, pd.DataFrame]) -> None:
    people = tables["beneficiaries"]
    assert people.death_date.notna().sum() > 5
    assert (people.death_date.dropna() >= pd.Timestamp("2024-10-01")).all()
    old = people[ages(people) >= 60].chronic_condition.mean()
    young = people[ages(people) < 40].chronic_condition.mean()
    assert old > 3 * young


def test_communes_belong_to_the_departement(tables: dict[str, pd.DataFrame]) -> None:
    people = tables["beneficiaries"]
    assert people.commune.str.len().eq(5).all()
    assert (people.commune.str[:2] == people.departement.str[:2]).all()
