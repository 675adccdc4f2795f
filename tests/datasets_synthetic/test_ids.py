"""Bulk identifier strings: zero-padded digits, prefixes, dictionary pools, Luhn digits, nulls."""

from __future__ import annotations

import numpy as np
import pytest

from datasets_synthetic import ids


def test_digits_are_zero_padded_and_refuse_numbers_that_do_not_fit() -> None:
    out = ids.digits(np.array([0, 7, 123456, 99999999]), 8)
    assert [bytes(r).decode() for r in out] == ["00000000", "00000007", "00123456", "99999999"]
    with pytest.raises(ValueError, match="do not fit in 3 digits"):
        ids.digits(np.array([1000]), 3)
    with pytest.raises(ValueError, match="do not fit"):
        ids.digits(np.array([-1]), 3)


def test_prefixed_ids_and_nulls() -> None:
    array = ids.prefixed("B", np.array([1, 42]), 9, valid=np.array([True, False]))
    assert array.to_pylist() == ["B000000001", None]


def test_take_keeps_a_dictionary_and_refuses_a_pool_with_repeats() -> None:
    taken = ids.take(["a", "b"], np.array([1, 0, 1]), valid=np.array([True, True, False]))
    assert ids.plain(taken).to_pylist() == ["b", "a", None]
    with pytest.raises(ValueError, match="must not repeat"):
        ids.take(["a", "a"], np.array([0]))


def test_luhn_digit_matches_the_reference_example() -> None:
    body = np.frombuffer(b"7992739871", dtype=np.uint8).reshape(1, -1)
    assert chr(ids.luhn_digit(body)[0]) == "3"  # 79927398713 is the textbook Luhn-valid number
