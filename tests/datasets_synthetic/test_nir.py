"""NIR rules: valid keys (Corsica included), agreement with sex and birth date, uniqueness, never a real person's."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from datasets_synthetic import nir
from datasets_synthetic.schema import TABLES


def test_key_matches_python_stdnum_examples() -> None:
    """Does our key agree with python-stdnum's documented examples, including both Corsican départements?"""
    for number in ("295109912611193", "253072B07300470", "253072A07300443"):
        assert nir.is_valid(number)
        assert nir.key_of(number[:13]) == int(number[13:])
    assert not nir.is_valid("295109912611199")
    assert not nir.is_valid("253072C07300443")


def test_every_nir_is_valid_unique_and_agrees_with_sex_and_birth(tables: dict[str, pd.DataFrame]) -> None:
    people = tables["beneficiaries"]
    assert people.nir.str.len().eq(15).all()
    assert people.nir.map(nir.is_valid).all()
    assert people.nir.is_unique
    assert (people.nir.str[0] == people.sex.map({"M": "1", "F": "2"})).all()
    assert (people.nir.str[1:3].astype(int) == people.birth_date.dt.year % 100).all()
    assert (people.nir.str[3:5].astype(int) == people.birth_date.dt.month).all()


def test_no_nir_in_any_table_can_be_a_real_persons(tables: dict[str, pd.DataFrame]) -> None:
    """Real NIRs number births 001-999: every NIR of every table, deliberate typos included, has order number 000."""
    assert nir.ORDER_NUMBER == "000"
    holders = {name: [c.name for c in t.columns if "nir" in c.name] for name, t in TABLES.items()}
    holders = {name: columns for name, columns in holders.items() if columns}
    assert set(holders) == {"beneficiaries", "psc_roster"}, "a new table with a NIR must be checked here too"
    for name, columns in holders.items():
        for column in columns:
            values = tables[name][column]
            assert values.str.len().eq(15).all(), (name, column)
            assert (values.str[10:13] == nir.ORDER_NUMBER).all(), (name, column)
    assert tables["psc_roster"].discrepancy.eq("nir_typo").any(), "the typos are part of what is checked"


def test_corsican_and_overseas_births_appear_with_the_corsica_key_rule(tables: dict[str, pd.DataFrame]) -> None:
    numbers = tables["beneficiaries"].nir
    corsican = numbers[numbers.str[5:7].isin(["2A", "2B"])]
    assert len(corsican) > 0
    # The key is computed with 2A -> 19 and 2B -> 18; the plain-digit reading would not validate.
    for number in corsican.head(50):
        digits = number[:5] + {"2A": "19", "2B": "18"}[number[5:7]] + number[7:13]
        assert 97 - int(digits) % 97 == int(number[13:])
    assert numbers.str[5:8].isin(["971", "972", "973", "974", "976"]).any()


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=3000),
    streams=st.integers(min_value=1, max_value=40),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_nirs_stay_unique_across_chunks(n: int, streams: int, seed: int) -> None:
    """Chunks generated independently never collide, even when everyone is born in the same month."""
    rng = np.random.default_rng(seed)
    sex = rng.integers(1, 3, n)
    year = np.full(n, 1980)
    month = rng.integers(1, 3, n)
    made = [
        nir.make(sex_digit=sex, birth_year=year, birth_month=month, stream=s, n_streams=streams)
        for s in {0, streams - 1}
    ]
    rows = np.concatenate(made)
    as_text = [bytes(r).decode() for r in rows]
    assert len(set(as_text)) == len(as_text)
    assert all(nir.is_valid(t) for t in as_text[:200])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), n=st.integers(min_value=1, max_value=500))
def test_a_mistyped_nir_changes_one_digit_outside_the_order_number_and_fails_its_key(seed: int, n: int) -> None:
    """Typos (HR files) keep the 000 order number and the Corsican letters, and never pass the key check."""
    rng = np.random.default_rng(seed)
    made = nir.make(
        sex_digit=rng.integers(1, 3, n),
        birth_year=rng.integers(1930, 2025, n),
        birth_month=rng.integers(1, 13, n),
        stream=0,
        n_streams=1,
    )
    typo = nir.mistype(made, rng)
    changed = typo != made
    assert (changed.sum(axis=1) == 1).all()
    assert not changed[:, 10:13].any() and (typo[:, 10:13] == ord("0")).all()
    texts = [bytes(r).decode() for r in typo]
    assert not any(nir.is_valid(t) for t in texts)
    corsican = np.isin(made[:, 6], [ord("A"), ord("B")])
    assert (typo[corsican, 5:7] == made[corsican, 5:7]).all()


def test_a_second_batch_on_the_same_stream_ranks_after_the_first() -> None:
    """HR-file agents unknown to the mutual share their chunk's stream: `taken` keeps their NIRs distinct."""
    rng = np.random.default_rng(3)
    first_sex, second_sex = rng.integers(1, 3, 400), rng.integers(1, 3, 50)
    first = nir.make(
        sex_digit=first_sex, birth_year=np.full(400, 1985), birth_month=np.full(400, 5), stream=2, n_streams=7
    )
    second = nir.make(
        sex_digit=second_sex,
        birth_year=np.full(50, 1985),
        birth_month=np.full(50, 5),
        stream=2,
        n_streams=7,
        taken=nir.buckets(first_sex, np.full(400, 1985), np.full(400, 5)),
    )
    texts = [bytes(r).decode() for r in np.concatenate([first, second])]
    assert len(set(texts)) == 450 and all(nir.is_valid(t) for t in texts)
