"""Fixed-width identifier strings built in bulk with numpy (no Python loop per row).

Formatting millions of ids with f-strings dominates generation time at full scale, so ids are written as ASCII
digit matrices and handed to Arrow as one buffer.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ZERO = ord("0")


_QUADS = np.array([list(f"{i:04d}".encode("ascii")) for i in range(10000)], dtype=np.uint8)


def digits(numbers: np.ndarray, width: int) -> np.ndarray:
    """ASCII digit matrix (n, width) of non-negative integers, zero-padded on the left (4 digits per step)."""
    values = np.asarray(numbers, dtype=np.int64).copy()
    if values.size and (values.min() < 0 or values.max() >= 10**width):
        raise ValueError(f"numbers do not fit in {width} digits")
    out = np.empty((values.size, width), dtype=np.uint8)
    right = width
    while right > 0:
        step = min(4, right)
        out[:, right - step : right] = _QUADS[values % 10000][:, 4 - step :]
        values //= 10000
        right -= step
    return out


def constant(text: str, n: int) -> np.ndarray:
    """ASCII matrix (n, len(text)) repeating one string."""
    return np.broadcast_to(np.frombuffer(text.encode("ascii"), dtype=np.uint8), (n, len(text)))


def to_strings(chars: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Arrow string array from an ASCII matrix, one row per string; rows where `valid` is False become null."""
    chars = np.ascontiguousarray(chars, dtype=np.uint8)
    n, width = chars.shape
    offsets = np.arange(n + 1, dtype=np.int64) * width
    array = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes()))
    result = array.cast(pa.string())
    if valid is not None and not bool(np.all(valid)):
        result = pc.if_else(pa.array(valid), result, pa.scalar(None, pa.string()))
    return result


def prefixed(prefix: str, numbers: np.ndarray, width: int, valid: np.ndarray | None = None) -> pa.Array:
    """Ids like `B000001234`: a constant prefix and a zero-padded number."""
    n = len(numbers)
    return to_strings(np.concatenate([constant(prefix, n), digits(numbers, width)], axis=1), valid)


def take(pool: list[str] | pa.Array, index: np.ndarray, valid: np.ndarray | None = None) -> pa.DictionaryArray:
    """Strings chosen from a small pool by index, as a dictionary array (no string copied per row).

    Parquet writes dictionary arrays as its own dictionary encoding directly, and readers get plain strings back.
    """
    if isinstance(pool, list) and len(set(pool)) != len(pool):
        raise ValueError("a dictionary pool must not repeat values")
    dictionary = pool if isinstance(pool, pa.Array) else pa.array(pool, pa.string())
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    indices = pa.array(np.asarray(index, dtype=np.int32), pa.int32(), mask=mask)
    return pa.DictionaryArray.from_arrays(indices, dictionary)


def plain(array: pa.Array) -> pa.Array:
    """The same strings without dictionary encoding (for string kernels that need plain arrays)."""
    return array.cast(array.type.value_type) if pa.types.is_dictionary(array.type) else array


def luhn_digit(chars: np.ndarray) -> np.ndarray:
    """Luhn check digit (as ASCII) for each row of an ASCII digit matrix (used for RPPS numbers)."""
    values = chars.astype(np.int64) - ZERO
    width = values.shape[1]
    # Doubling starts from the rightmost payload digit, since the check digit will be appended after it.
    doubled = (width - 1 - np.arange(width)) % 2 == 0
    weighted = np.where(doubled, values * 2, values)
    weighted = np.where(weighted > 9, weighted - 9, weighted)
    return (ZERO + (10 - weighted.sum(axis=1) % 10) % 10).astype(np.uint8)
