"""Providers: 8-character assurance-maladie numbers with the right category digit, Luhn-valid RPPS, plausible pools."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datasets_synthetic import limits, params, practitioners

# Assurance maladie: digit 3 of the practitioner number (practitioners.yaml names the same reference).
CATEGORY_DIGIT = {
    "establishment": "0",
    "doctor": "1",
    "pharmacy": "2",
    "laboratory": "3",
    "dentist": "4",
    "nurse": "6",
    "physiotherapist": "7",
}


def luhn_valid(number: str) -> bool:
    """The Luhn check, written independently of ids.luhn_digit: double every second digit from the right."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def test_luhn_reference_examples() -> None:
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")


def test_practitioner_ids_are_8_characters_departement_category_and_serial(tables: dict[str, pd.DataFrame]) -> None:
    providers = tables["practitioners"]
    ids = providers.practitioner_id
    assert ids.str.len().eq(8).all() and ids.is_unique
    assert ids.str[2:].str.fullmatch(r"\d{6}").all()
    assert (ids.str[:2] == providers.departement.str[:2]).all(), "digits 1-2: the département (overseas: 97)"
    for category, digit in CATEGORY_DIGIT.items():
        assert (ids[providers.category == category].str[2] == digit).all(), category


def test_rpps_are_11_digits_with_a_luhn_key_and_absent_for_establishments(tables: dict[str, pd.DataFrame]) -> None:
    providers = tables["practitioners"]
    people = providers[providers.category != "establishment"]
    assert people.rpps.str.fullmatch(r"10\d{9}").all()
    assert people.rpps.map(luhn_valid).all() and people.rpps.is_unique
    assert providers[providers.category == "establishment"].rpps.isna().all()


def test_pools_scale_with_members_and_sectors_follow_the_reference() -> None:
    p = params.load()
    made = practitioners.generate(p, 200_000, np.random.default_rng(1))
    assert made.size == sum(limits.pool_sizes(p, 200_000))
    assert np.bincount(made.pool).tolist() == limits.pool_sizes(p, 200_000)
    gps = made.pool == p.pool_index("doctor", "general_practice")
    assert 0.9 < (made.sector[gps] == practitioners.SECTORS.index("1")).mean() < 0.97  # ≈ 94 % of GPs in sector 1
    assert (made.sector[made.pool == p.pool_index("pharmacy")] == 0).all()


def test_local_choice_stays_in_the_departement_when_a_provider_is_there() -> None:
    p = params.load()
    made = practitioners.generate(p, 50_000, np.random.default_rng(2))
    n = 5000
    rng = np.random.default_rng(3)
    pool = np.full(n, p.pool_index("doctor", "general_practice"))
    departement = rng.integers(0, len(p.departement_codes), n)
    chosen = made.pick(pool, departement, np.ones(n, bool), rng.random(n))
    present = made.group_count[pool, departement] > 0
    assert (made.departement[chosen][present] == departement[present]).all()
    assert (made.pool[chosen] == pool).all()
