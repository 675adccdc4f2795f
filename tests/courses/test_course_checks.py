"""The tolerant comparison helpers used by the notebooks' tests: lenient on form, strict on values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from courses.checks import (
    assert_close,
    assert_same_frame,
    assert_same_rows,
    assert_same_series,
    assert_same_set,
    by_month,
    to_series,
)


def test_assert_close_accepts_numpy_scalars_and_rounding() -> None:
    """Is a correct number accepted whatever its numeric type, and a wrong one rejected in French?"""
    assert_close(np.float32(10.004), 10.0)
    assert_close(np.int64(3), 3.0)
    assert_close(pd.Series([2.5]), 2.5)
    with pytest.raises(AssertionError, match="n'est pas la valeur attendue"):
        assert_close(10.5, 10.0, what="le total")
    with pytest.raises(AssertionError, match="doit être un nombre"):
        assert_close("10", 10.0)
    with pytest.raises(AssertionError, match="NaN"):
        assert_close(float("nan"), 1.0)


def test_series_comparison_ignores_order_dtype_and_index_name() -> None:
    """Is a per-group total accepted as a Series in any order, a DataFrame with the key column, or a dict?"""
    expected = pd.Series({"F": 10.0, "M": 5.0}).rename_axis("sex")
    assert_same_series(pd.Series({"M": 5, "F": 10}), expected)
    assert_same_series(pd.DataFrame({"sex": ["M", "F"], "total": [5.0, 10.0]}), expected)
    assert_same_series({"F": 10.0, "M": 5.0000001}, expected)
    assert_same_series(pd.Series({2024: 1.0, 2025: 2.0}), pd.Series({"2024": 1.0, "2025": 2.0}))


def test_series_comparison_reports_wrong_labels_values_and_order() -> None:
    """Does a wrong answer fail with a message that says what is wrong?"""
    expected = pd.Series({"a": 1.0, "b": 2.0})
    with pytest.raises(AssertionError, match="1 manquante"):
        assert_same_series(pd.Series({"a": 1.0}), expected)
    with pytest.raises(AssertionError, match=r"valeur\(s\) incorrecte"):
        assert_same_series(pd.Series({"a": 1.0, "b": 3.0}), expected)
    with pytest.raises(AssertionError, match="ordre"):
        assert_same_series(pd.Series({"b": 2.0, "a": 1.0}), expected, ordered=True)
    with pytest.raises(AssertionError, match="Series pandas"):
        assert_same_series([1.0, 2.0], expected)
    with pytest.raises(AssertionError, match="une seule colonne"):
        to_series(pd.DataFrame({"x": [1], "y": [2]}))


def test_series_comparison_handles_booleans_text_and_missing_values() -> None:
    """Are booleans vs 0/1, text values and NaN compared sensibly?"""
    assert_same_series(pd.Series({"x": True, "y": False}), pd.Series({"x": 1, "y": 0}))
    assert_same_series(pd.Series({"x": "oui", "y": None}), pd.Series({"x": "oui", "y": np.nan}))
    with pytest.raises(AssertionError):
        assert_same_series(pd.Series({"x": "non"}), pd.Series({"x": "oui"}))


def test_frame_comparison_ignores_column_order_row_order_and_index() -> None:
    """Is a correct table accepted with shuffled rows/columns, the key in the index, and extra columns?"""
    expected = pd.DataFrame({"team": ["a", "b", "c"], "n": [1, 2, 3], "share": [0.1, 0.2, 0.7]})
    shuffled = expected.iloc[[2, 0, 1]][["share", "team", "n"]].assign(extra=1)
    assert_same_frame(shuffled, expected)
    assert_same_frame(expected.set_index("team"), expected)
    assert_same_frame(expected.astype({"n": "float64"}), expected)
    with pytest.raises(AssertionError, match="en trop"):
        assert_same_frame(shuffled, expected, extra_columns=False)
    with pytest.raises(AssertionError, match="manquante"):
        assert_same_frame(expected.drop(columns="n"), expected)
    with pytest.raises(AssertionError, match="lignes"):
        assert_same_frame(expected.head(2), expected)
    with pytest.raises(AssertionError, match="« share »"):
        assert_same_frame(expected.assign(share=[0.7, 0.2, 0.1]), expected)


def test_set_comparison_ignores_order_and_duplicates() -> None:
    """Is a list of ids accepted as a set, a list or a Series, and a wrong one rejected?"""
    assert_same_set(pd.Series(["b", "a", "a"]), ["a", "b"])
    with pytest.raises(AssertionError, match="1 manquant"):
        assert_same_set({"a"}, ["a", "b"])
    with pytest.raises(AssertionError, match="doit être une liste"):
        assert_same_set("ab", ["a", "b"])


def test_by_month_accepts_periods_timestamps_and_text() -> None:
    """Is a monthly series labelled the same whether indexed by Period, month-start Timestamp or text?"""
    periods = pd.Series([1.0, 2.0], index=pd.PeriodIndex(["2025-01", "2025-02"], freq="M"))
    stamps = pd.Series([1.0, 2.0], index=pd.to_datetime(["2025-01-01", "2025-02-01"]))
    text = pd.Series([1.0, 2.0], index=["2025-01", "2025-02"])
    for series in (periods, stamps, text):
        assert list(by_month(series).index) == ["2025-01", "2025-02"]
    with pytest.raises(AssertionError, match="indexé par mois"):
        by_month(pd.Series([1.0], index=["pas une date"]))


def test_series_and_frame_comparisons_accept_category_and_narrow_integer_dtypes() -> None:
    """Is a correct answer accepted with category labels or values, int32 counts or a category key column?"""
    expected = pd.Series({"a": 1.0, "b": 2.0})
    assert_same_series(pd.Series({"a": 1, "b": 2}, dtype="int32"), expected)
    assert_same_series(pd.Series([1.0, 2.0], index=pd.CategoricalIndex(["a", "b"])), expected)
    assert_same_series(pd.Series({"a": "x", "b": "y"}).astype("category"), pd.Series({"a": "x", "b": "y"}))
    frame = pd.DataFrame({"k": ["a", "b"], "v": [1, 2]})
    assert_same_frame(frame.astype({"k": "category", "v": "int32"}), frame)
    with pytest.raises(AssertionError, match="« v »"):
        assert_same_frame(frame.assign(v=[1, 3]).astype({"k": "category"}), frame)


def test_row_comparison_matches_a_series_on_its_labels_and_an_array_by_position() -> None:
    """Is a per-row answer accepted in another row order, as an array, with 0/1 for booleans, and a wrong row named?"""
    expected = pd.Series([True, False, True, False], index=[10, 11, 12, 13])
    assert_same_rows(expected.iloc[::-1], expected)
    assert_same_rows(np.array([1, 0, 1, 0]), expected)
    assert_same_rows(expected.reset_index(drop=True), expected)  # index reset, order kept: matched by position
    assert_same_rows(expected.to_frame("alerte"), expected)
    with pytest.raises(AssertionError, match=r"1 valeur\(s\) incorrecte\(s\) sur 4, par exemple aux lignes \[13\]"):
        assert_same_rows([True, False, True, True], expected, what="alerte")
    with pytest.raises(AssertionError, match="4 attendues, 3 obtenues"):
        assert_same_rows(expected.head(3), expected)
    with pytest.raises(AssertionError, match="une valeur par ligne"):
        assert_same_rows(0.5, expected)
    texts = pd.Series(["bonjour", "merci"], index=["m1", "m2"])
    assert_same_rows(["bonjour", "merci"], texts)
    with pytest.raises(AssertionError, match="incorrecte"):
        assert_same_rows(["bonjour merci", "merci"], texts)
    amounts = pd.Series([19.0, 0.0, 7.35])
    assert_same_rows(amounts.astype("float32") + 0.004, amounts)


def test_frame_comparison_on_index_aligns_rows_and_ignores_column_order_and_dtype() -> None:
    """Is a table with one row per row of another accepted in another row or column order, and in float32?"""
    expected = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0, 1, 0]}, index=[5, 6, 7])
    assert_same_frame(expected.iloc[[2, 0, 1]][["b", "a"]].astype("float32"), expected, on_index=True)
    with pytest.raises(AssertionError, match="mêmes lignes"):
        assert_same_frame(expected.reset_index(drop=True), expected, on_index=True)
    with pytest.raises(AssertionError, match="« a »"):
        assert_same_frame(expected.assign(a=[1.0, 2.0, 4.0]), expected, on_index=True)
    with pytest.raises(AssertionError, match="manquante"):
        assert_same_frame(expected.drop(columns="b"), expected, on_index=True)
