"""Tolerant comparisons for the course notebooks' tests (imported by the notebooks as `courses.checks`).

A correct answer may differ from the reference in ways that do not matter: float rounding, column order,
index (a column or the index), dtype (int vs float, category vs str), row order. These helpers accept
those variations and fail with a French message a learner can act on. They only need pandas/numpy, so
they run in the grading sandbox, which has the installed packages but nothing else of the repository.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "assert_close",
    "assert_same_frame",
    "assert_same_rows",
    "assert_same_series",
    "assert_same_set",
    "reference",
    "to_series",
]

DEFAULT_REL = 1e-6
DEFAULT_ABS = 0.01  # one cent: money is the usual unit in these courses


_REFERENCE_CACHE: dict[str, pd.DataFrame] = {}


def reference(table: str) -> pd.DataFrame:
    """A fresh copy of a published table, for tests to compute expected values from.

    Tests never trust the learner's variables for the expected side: a learner may have filtered or modified
    `claims` in place. The table is read once per kernel through the public loader, then copied (cheap under
    pandas copy-on-write).
    """
    if table not in _REFERENCE_CACHE:
        from datasets_synthetic import load

        _REFERENCE_CACHE[table] = load(table)
    return _REFERENCE_CACHE[table].copy()


_COMPUTED: dict[str, Any] = {}


def cached(key: str, compute: Callable[[], Any]) -> Any:
    """An expected value computed once per kernel (e.g. a reference model several test cells audit)."""
    if key not in _COMPUTED:
        _COMPUTED[key] = compute()
    return _COMPUTED[key]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool | np.bool_)


def assert_close(
    actual: Any, expected: Any, *, what: str = "la valeur", rel: float = DEFAULT_REL, abs_tol: float = DEFAULT_ABS
) -> None:
    """Assert two numbers are equal up to rounding; `what` names the quantity in the French message."""
    if isinstance(actual, pd.Series | pd.DataFrame) and actual.size == 1:
        actual = actual.to_numpy().ravel()[0]
    if not _is_number(actual):
        raise AssertionError(f"{what} doit être un nombre, pas {type(actual).__name__} ({actual!r}).")
    if math.isnan(float(actual)):
        raise AssertionError(f"{what} vaut NaN : vérifiez les valeurs manquantes ou une division par zéro.")
    if not math.isclose(float(actual), float(expected), rel_tol=rel, abs_tol=abs_tol):
        raise AssertionError(f"{what} n'est pas la valeur attendue (obtenu {float(actual):.4f}).")


def assert_same_set(actual: Iterable[Any], expected: Iterable[Any], *, what: str = "la liste") -> None:
    """Assert two collections hold the same distinct elements (order and duplicates ignored)."""
    if isinstance(actual, str | bytes) or not isinstance(actual, Iterable):
        raise AssertionError(f"{what} doit être une liste (ou un ensemble, une Series…), pas {type(actual).__name__}.")
    got = {str(v) for v in actual}
    want = {str(v) for v in expected}
    missing, extra = want - got, got - want
    if missing or extra:
        raise AssertionError(
            f"{what} ne contient pas les bons éléments : {len(missing)} manquant(s), {len(extra)} en trop"
            + (f" (par exemple {sorted(extra)[:3]} en trop)" if extra else "")
            + "."
        )


def to_series(obj: Any, *, index_name: Hashable | None = None, what: str = "le résultat") -> pd.Series:
    """Turn an answer into a Series: a Series, a dict, or a DataFrame with one value column.

    A DataFrame may carry the labels either in its index or in a column named `index_name`
    (what `groupby(...).sum().reset_index()` gives), so both shapes are accepted.
    """
    if isinstance(obj, pd.Series):
        return obj
    if isinstance(obj, Mapping):
        return pd.Series(dict(obj))
    if isinstance(obj, pd.DataFrame):
        frame = obj
        if index_name is not None and index_name in frame.columns:
            frame = frame.set_index(index_name)
        if frame.shape[1] == 1:
            return frame.iloc[:, 0]
        raise AssertionError(
            f"{what} doit avoir une seule colonne de valeurs (il en a {frame.shape[1]} : {list(frame.columns)})."
        )
    raise AssertionError(f"{what} doit être une Series pandas (ou un dict), pas {type(obj).__name__}.")


def _as_numbers(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    return pd.to_numeric(values, errors="coerce")


def _values_equal(got: pd.Series, want: pd.Series, *, rel: float, abs_tol: float) -> pd.Series:
    """Element-wise equality: numbers with a tolerance, anything else as text; NaN equals NaN."""
    both_na = got.isna().to_numpy() & want.isna().to_numpy()
    w_num = _as_numbers(want)
    numeric = want.notna().to_numpy() & w_num.notna().to_numpy()
    if numeric.any():
        g = _as_numbers(got).to_numpy(dtype=float, na_value=np.nan)
        w = w_num.to_numpy(dtype=float, na_value=np.nan)
        close = np.isclose(g, w, rtol=rel, atol=abs_tol)
    else:
        close = np.zeros(len(want), dtype=bool)
    if numeric.all():  # no text to compare: skip the (slow, on long columns) conversion to strings
        return pd.Series(both_na | close, index=want.index)
    g_text = got.astype("string").reset_index(drop=True)
    w_text = want.astype("string").reset_index(drop=True)
    text = (g_text == w_text).fillna(False).to_numpy(dtype=bool)
    return pd.Series(both_na | np.where(numeric, close, text), index=want.index)


def assert_same_series(
    actual: Any,
    expected: pd.Series,
    *,
    what: str = "le résultat",
    rel: float = DEFAULT_REL,
    abs_tol: float = DEFAULT_ABS,
    ordered: bool = False,
) -> None:
    """Assert a labelled result (e.g. a total per team) matches, whatever its dtype, index name or order."""
    got = to_series(actual, index_name=expected.index.name, what=what)
    got = got.set_axis(got.index.map(str))
    want = expected.set_axis(expected.index.map(str))
    if got.index.has_duplicates:
        raise AssertionError(f"{what} contient des étiquettes en double : regroupez une seule fois par catégorie.")
    missing = want.index.difference(got.index)
    extra = got.index.difference(want.index)
    if len(missing) or len(extra):
        raise AssertionError(
            f"{what} n'a pas les bonnes étiquettes : {len(missing)} manquante(s)"
            + (f" (ex. {list(missing[:3])})" if len(missing) else "")
            + f", {len(extra)} en trop"
            + (f" (ex. {list(extra[:3])})" if len(extra) else "")
            + "."
        )
    if ordered and list(got.index) != list(want.index):
        raise AssertionError(f"{what} n'est pas dans l'ordre demandé.")
    ok = _values_equal(got.reindex(want.index), want, rel=rel, abs_tol=abs_tol)
    if not ok.all():
        bad = list(ok.index[~ok.to_numpy()][:3])
        raise AssertionError(f"{what} : {int((~ok).sum())} valeur(s) incorrecte(s), par exemple pour {bad}.")


def assert_same_frame(
    actual: Any,
    expected: pd.DataFrame,
    *,
    what: str = "le tableau",
    key: list[str] | None = None,
    rel: float = DEFAULT_REL,
    abs_tol: float = DEFAULT_ABS,
    extra_columns: bool = True,
    on_index: bool = False,
) -> None:
    """Assert a table matches on the expected columns, ignoring column order, index and row order.

    Columns the learner kept in the index (after a groupby) are brought back as columns. Rows are matched
    after sorting on `key` (default: every expected column), or on the index labels with `on_index` (a table
    with one row per row of another, e.g. a model's features). `extra_columns` allows additional columns.
    """
    if not isinstance(actual, pd.DataFrame):
        raise AssertionError(f"{what} doit être un DataFrame pandas, pas {type(actual).__name__}.")
    got = actual
    index_names = [n for n in got.index.names if n is not None]
    if any(n in expected.columns and n not in got.columns for n in index_names):
        got = got.reset_index()
    missing = [c for c in expected.columns if c not in got.columns]
    if missing:
        raise AssertionError(f"{what} : colonne(s) manquante(s) {missing} (colonnes présentes : {list(got.columns)}).")
    if not extra_columns:
        extra = [c for c in got.columns if c not in expected.columns]
        if extra:
            raise AssertionError(f"{what} : colonne(s) en trop {extra}.")
    if len(got) != len(expected):
        raise AssertionError(f"{what} devrait avoir {len(expected)} lignes, il en a {len(got)}.")
    if on_index:
        if not got.index.sort_values().equals(expected.index.sort_values()):
            raise AssertionError(
                f"{what} n'a pas les mêmes lignes (index) que la table de départ : ne la triez pas "
                "et ne réinitialisez pas son index."
            )
        got, want = got.loc[expected.index], expected
    else:
        # Floats make poor sort keys (rounding can swap rows): sort on the other columns when there are some.
        sort_cols = key or [c for c in expected.columns if not pd.api.types.is_float_dtype(expected[c])]
        sort_cols = sort_cols or list(expected.columns)

        def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
            frame = frame[list(expected.columns)].copy()
            keys = pd.DataFrame({c: frame[c].astype("string") for c in sort_cols})
            order = keys.sort_values(sort_cols, na_position="last").index
            return frame.loc[order].reset_index(drop=True)

        got, want = _sorted(got), _sorted(expected)
    for column in expected.columns:
        ok = _values_equal(got[column], want[column], rel=rel, abs_tol=abs_tol)
        if not ok.all():
            raise AssertionError(f"{what} : la colonne « {column} » a {int((~ok).sum())} valeur(s) incorrecte(s).")


def assert_same_rows(
    actual: Any,
    expected: pd.Series,
    *,
    what: str = "le résultat",
    rel: float = DEFAULT_REL,
    abs_tol: float = DEFAULT_ABS,
) -> None:
    """Assert a result with one value per row of a table (a mask, a recomputed amount, a cleaned text) matches.

    A Series (or one-column DataFrame) is matched on its index labels, so the same values in another row order
    pass; one whose index was reset is matched by position. An array or a list is matched by position, in the
    expected order (what `predict_proba` or `.to_numpy()` give). Booleans equal 0/1, int32 equals int64.
    """
    if isinstance(actual, pd.DataFrame):
        actual = to_series(actual, what=what)
    if isinstance(actual, str | bytes | Mapping) or not hasattr(actual, "__len__"):
        raise AssertionError(
            f"{what} doit avoir une valeur par ligne (une Series ou un tableau), pas {type(actual).__name__}."
        )
    if len(actual) != len(expected):
        raise AssertionError(
            f"{what} doit avoir une valeur par ligne : {len(expected)} attendues, {len(actual)} obtenues."
        )
    if isinstance(actual, pd.Series) and actual.index.is_unique and actual.index.isin(expected.index).all():
        got = actual.reindex(expected.index)
    else:
        values = actual.to_numpy() if isinstance(actual, pd.Series) else np.asarray(actual)
        if values.ndim != 1:
            raise AssertionError(f"{what} doit être une seule colonne de valeurs (ici {values.ndim} dimensions).")
        got = pd.Series(values, index=expected.index)
    ok = _values_equal(got, expected, rel=rel, abs_tol=abs_tol)
    if not ok.all():
        bad = list(ok.index[~ok.to_numpy()][:3])
        raise AssertionError(
            f"{what} : {int((~ok).sum())} valeur(s) incorrecte(s) sur {len(expected)}, par exemple aux lignes {bad}."
        )


def by_month(obj: Any, *, what: str = "le résultat") -> pd.Series:
    """A monthly series re-labelled "YYYY-MM", whether the learner indexed it by Period, Timestamp or text."""
    series = to_series(obj, what=what)
    try:
        labels = pd.to_datetime(pd.Index(series.index).astype(str)).to_period("M").astype(str)
    except (ValueError, TypeError) as exc:
        raise AssertionError(f'{what} doit être indexé par mois (par exemple avec .dt.to_period("M")).') from exc
    return series.set_axis(labels)
