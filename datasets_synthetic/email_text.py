"""Vectorised French text building for the e-mails: templates with slots, amounts, dates, and the noise of real mail.

Everything works on whole Arrow string arrays: one kernel call per template, per misspelling or per noise kind,
never a Python loop over e-mails.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datasets_synthetic import ids
from datasets_synthetic.context import year_month

SLOT = re.compile(r"\{(\w+)\}")
LOWER = (ord("a"), ord("z"))


def fill(templates: list[str], index: np.ndarray, slots: dict[str, pa.Array]) -> pa.Array:
    """Strings `templates[index[i]]` with `{slot}` replaced by `slots[slot][i]`, one Arrow join per template used."""
    n = index.size
    if n == 0:
        return pa.array([], pa.string())
    order = np.argsort(index, kind="stable")
    used, starts = np.unique(index[order], return_index=True)
    bounds = np.r_[starts, n]
    pieces: list[pa.Array] = []
    for k, t in enumerate(used):
        rows = order[bounds[k] : bounds[k + 1]]
        take = pa.array(rows)
        parts: list[pa.Array | str] = []
        for j, chunk in enumerate(SLOT.split(templates[int(t)])):
            if j % 2:
                parts.append(slots[chunk].take(take))
            elif chunk:
                parts.append(chunk)
        if not any(isinstance(p, pa.Array) for p in parts):
            pieces.append(pa.array(["".join(str(p) for p in parts)] * rows.size, pa.string()))
        else:
            pieces.append(pc.binary_join_element_wise(*parts, ""))
    combined = pa.concat_arrays([p.cast(pa.string()) for p in pieces])
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    return combined.take(pa.array(inverse))


def pick(pool: list[str], rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, len(pool), n)


def euros(value_cents: np.ndarray) -> pa.Array:
    """Amounts the French way without the unit: 123456 -> "1234,56"."""
    value_cents = np.asarray(value_cents, dtype=np.int64)
    return pc.binary_join_element_wise(
        pc.cast(pa.array(value_cents // 100), pa.string()), ids.to_strings(ids.digits(value_cents % 100, 2)), ","
    )


def dates(day: np.ndarray) -> pa.Array:
    """dd/mm/yyyy of each day number."""
    day = np.asarray(day, dtype=np.int64)
    year, month = year_month(day)
    month_start = day.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    slash = ids.constant("/", day.size)
    return ids.to_strings(
        np.concatenate(
            [ids.digits(day - month_start + 1, 2), slash, ids.digits(month, 2), slash, ids.digits(year, 4)], axis=1
        )
    )


def on_subset(text: pa.Array, mask: np.ndarray, change: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """`change` applied to the masked texts only (string kernels then cost what the subset costs)."""
    chosen = np.flatnonzero(mask)
    if chosen.size == 0:
        return text
    kept = np.flatnonzero(~np.asarray(mask, dtype=bool))
    changed = change(text.take(pa.array(chosen))).cast(pa.string())
    merged = pa.concat_arrays([text.take(pa.array(kept)).cast(pa.string()), changed])
    position = np.empty(len(text), dtype=np.int64)
    position[np.r_[kept, chosen]] = np.arange(len(text))
    return merged.take(pa.array(position))


def strip_accents(text: pa.Array, mask: np.ndarray) -> pa.Array:
    """The texts of `mask` without any accent (typed on a keyboard without them, or in a hurry)."""
    return on_subset(text, mask, lambda t: pc.replace_substring_regex(pc.utf8_normalize(t, "NFD"), r"\p{Mn}", ""))


def misspell(text: pa.Array, pairs: list[list[str]], mask: np.ndarray) -> pa.Array:
    """The texts of `mask` with every listed word misspelt, as a hurried writer would (one call per pair)."""

    def change(subset: pa.Array) -> pa.Array:
        for right, wrong in pairs:
            subset = pc.replace_substring(subset, right, wrong)
        return subset

    return on_subset(text, mask, change)


def swap_letters(text: pa.Array, mask: np.ndarray, count: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """Up to `count` typos per masked text: two adjacent lowercase ASCII letters swapped (UTF-8 stays valid)."""
    text = pa.array(text, pa.large_string()) if not isinstance(text, pa.LargeStringArray) else text
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset : text.offset + len(text) + 1]
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8).copy()
    rows = np.repeat(np.flatnonzero(mask), count[mask])
    if rows.size:
        start, length = offsets[rows], offsets[rows + 1] - offsets[rows]
        at = start + (rng.random(rows.size) * np.maximum(length - 1, 1)).astype(np.int64)
        at = at[(length > 1)]
        left, right = data[at], data[np.minimum(at + 1, data.size - 1)]
        ok = (left >= LOWER[0]) & (left <= LOWER[1]) & (right >= LOWER[0]) & (right <= LOWER[1]) & (left != right)
        # Only inside words that start with a lowercase letter: names, ids and amounts stay as they were.
        letter = ((data | 0x20) >= LOWER[0]) & ((data | 0x20) <= LOWER[1]) | (data >= 0x80)
        first = np.maximum.accumulate(np.where(letter, -1, np.arange(data.size))) + 1
        word_start = data[np.minimum(first[at], data.size - 1)]
        ok &= (word_start >= LOWER[0]) & (word_start <= LOWER[1])
        at = at[ok]
        # Duplicate positions (two typos drawn at the same place) would swap back: keep each position once.
        at = np.unique(at)
        at = at[np.r_[True, np.diff(at) > 1]]  # and never two overlapping swaps
        data[at], data[at + 1] = data[at + 1].copy(), data[at].copy()
    rebuilt = pa.LargeStringArray.from_buffers(
        len(text), pa.py_buffer((offsets - offsets[0]).astype(np.int64)), pa.py_buffer(data[offsets[0] :])
    )
    return rebuilt.cast(pa.string())
