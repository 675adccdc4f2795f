"""Synthetic NIR (French social security numbers): valid keys, unique, and never a real person's.

A real NIR is sex (1) + birth year (2) + birth month (2) + birth place (5: département and commune, or 3 + 2
overseas) + order number (3) + key (2), where key = 97 - (13-digit number mod 97) and Corsica's 2A/2B count as
19/18 for the key. INSEE numbers births 001 to 999 within a commune and month, so the order number 000 is never
given to anyone: every synthetic NIR uses 000, which guarantees by construction that none is a real person's
while format and key checks (python-stdnum's `fr.nir` accepts them) stay meaningful.

Uniqueness without coordination between chunks: within one (sex, year, month) bucket, the k-th person of chunk c
gets slot k * n_streams + c (n_streams = number of chunks; a chunk's HR-file agents unknown to the mutual rank after
its members), mapped to a birth place through a bijection of [0, P) (P prime) that depends on the
bucket, so birth places look scattered and two people never share a NIR.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from datasets_synthetic import ids

ORDER_NUMBER = "000"
OVERSEAS = ("971", "972", "973", "974", "976")


@cache
def birth_places() -> tuple[np.ndarray, np.ndarray]:
    """All birth places as (5-char ASCII matrix, numeric value used for the key), truncated to a prime count."""
    departements = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B"]
    chars: list[str] = [d + f"{c:03d}" for d in departements for c in range(1, 1000)]
    chars += [d + f"{c:02d}" for d in OVERSEAS for c in range(1, 100)]
    count = _largest_prime_at_most(len(chars))
    chars = chars[:count] if count == len(chars) else _spread(chars, count)
    matrix = np.frombuffer("".join(chars).encode("ascii"), dtype=np.uint8).reshape(-1, 5)
    numeric = np.array([int(p.replace("2A", "19", 1).replace("2B", "18", 1)) for p in chars], dtype=np.int64)
    return matrix, numeric


def _spread(items: list[str], count: int) -> list[str]:
    """Drop a few items evenly (keeps every département present) to reach a prime count."""
    drop = set(np.linspace(0, len(items) - 1, len(items) - count).round().astype(int).tolist())
    return [item for i, item in enumerate(items) if i not in drop]


def _largest_prime_at_most(n: int) -> int:
    candidate = n
    while any(candidate % p == 0 for p in range(2, int(candidate**0.5) + 1)):
        candidate -= 1
    return candidate


def capacity() -> int:
    """How many distinct NIRs one (sex, birth year, birth month) bucket can hold."""
    return len(birth_places()[1])


def buckets(sex_digit: np.ndarray, birth_year: np.ndarray, birth_month: np.ndarray) -> np.ndarray:
    """The (sex, two-digit year, month) bucket of each person: NIRs are unique within a bucket by their place."""
    return sex_digit.astype(np.int64) * 10000 + (birth_year.astype(np.int64) % 100) * 100 + birth_month.astype(np.int64)


def make(
    *,
    sex_digit: np.ndarray,
    birth_year: np.ndarray,
    birth_month: np.ndarray,
    stream: int,
    n_streams: int,
    taken: np.ndarray | None = None,
) -> np.ndarray:
    """15-char ASCII matrix of NIRs for one chunk (`stream` in [0, n_streams)); unique across all streams.

    `taken` lists the buckets (see `buckets`) of NIRs this stream already gave out: new ones rank after them, so a
    second batch of the same chunk (the HR file's unknown agents) shares the chunk's stream without a collision.
    """
    places, numeric_places = birth_places()
    prime = len(numeric_places)
    n = sex_digit.size
    yy = birth_year.astype(np.int64) % 100
    bucket = buckets(sex_digit, birth_year, birth_month)
    order = np.argsort(bucket, kind="stable")
    sorted_bucket = bucket[order]
    starts = np.r_[True, sorted_bucket[1:] != sorted_bucket[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - first
    if taken is not None and taken.size:
        used = np.sort(taken)
        rank += np.searchsorted(used, bucket, side="right") - np.searchsorted(used, bucket, side="left")
    slot = rank * n_streams + stream
    if slot.size and int(slot.max()) >= prime:
        raise ValueError("too many people born in the same month for unique synthetic NIRs; generate fewer members")
    multiplier = 1 + (bucket * 2654435761) % (prime - 1)
    offset = (bucket * 40503) % prime
    place = (multiplier * slot + offset) % prime
    number = (
        sex_digit.astype(np.int64) * 10**12
        + yy * 10**10
        + birth_month.astype(np.int64) * 10**8
        + numeric_places[place] * 1000
    )
    key = 97 - number % 97
    return np.concatenate(
        [
            ids.digits(sex_digit, 1),
            ids.digits(yy, 2),
            ids.digits(birth_month, 2),
            places[place],
            ids.constant(ORDER_NUMBER, n),
            ids.digits(key, 2),
        ],
        axis=1,
    )


# Character positions a data-entry typo may change: every digit but the order number (positions 10-12), so a
# mistyped NIR still carries `000` and cannot be anyone's real number either.
ORDER_POSITIONS = slice(10, 13)


def mistype(chars: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One digit of each NIR replaced by another, anywhere but in the order number (a copy; key no longer matches).

    Any single-digit change of the 13-digit number changes it by d × 10^k, never a multiple of the prime 97, and a
    changed key digit cannot be the right key: so every mistyped NIR fails the key check. The `2` of Corsica's
    `2A`/`2B` is left alone (changing it would not be a digit typo but a format error).
    """
    out = np.array(chars, dtype=np.uint8, copy=True)
    n = out.shape[0]
    if n == 0:
        return out
    allowed = (out >= ord("0")) & (out <= ord("9"))
    allowed[:, ORDER_POSITIONS] = False
    allowed[:, 5] &= allowed[:, 6]  # "2A"/"2B": the 2 goes with its letter
    position = np.argmax(rng.random(out.shape) * allowed, axis=1)  # uniform among the allowed positions
    rows = np.arange(n)
    current = out[rows, position].astype(np.int64) - ord("0")
    out[rows, position] = (ord("0") + (current + rng.integers(1, 10, n)) % 10).astype(np.uint8)
    return out


def key_of(nir13: str) -> int:
    """The NIR key of a 13-character number (Corsica rule included): a reference implementation for tests and docs."""
    digits = nir13[:5] + nir13[5:7].replace("2A", "19").replace("2B", "18") + nir13[7:13]
    return 97 - int(digits) % 97


def is_valid(nir: str) -> bool:
    """True when a 15-character NIR has the right shape and key."""
    if len(nir) != 15 or not (nir[:5] + nir[7:]).isdigit():
        return False
    if not (nir[5:7].isdigit() or nir[5:7] in ("2A", "2B")):
        return False
    return key_of(nir[:13]) == int(nir[13:])
