"""What every domain generator needs to know about the run: the dates it covers and which chunk it is making."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from datasets_synthetic.params import Params, days


@dataclass(frozen=True)
class Window:
    """The period the claims cover: `months_before_year` months before 1 January of `year`, to 31 December."""

    year: int
    start: int  # days since epoch, inclusive
    end: int  # days since epoch, inclusive
    reference: int  # 1 January of `year`: ages and premiums are computed at this date

    @property
    def years(self) -> float:
        return (self.end - self.start + 1) / 365.25

    @classmethod
    def for_year(cls, year: int, params: Params) -> Window:
        months = int(params.claims["window"]["months_before_year"])
        first = dt.date(year - 1 - (months - 1) // 12, 12 - (months - 1) % 12, 1) if months else dt.date(year, 1, 1)
        return cls(year=year, start=days(first), end=days(dt.date(year, 12, 31)), reference=days(dt.date(year, 1, 1)))


@dataclass(frozen=True)
class Chunk:
    """One slice of the population, generated independently of the others (own seed, own files)."""

    index: int
    n_chunks: int
    members: int
    first_number: int  # global number of the chunk's first beneficiary (ids are unique across chunks)


def year_month(day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Calendar year and month (1-12) of each day number."""
    months = np.asarray(day, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months // 12 + 1970, months % 12 + 1


def age_at(birth: np.ndarray, day: np.ndarray | int) -> np.ndarray:
    """Age in completed years (close enough for tariffs and bands: 365.25-day years)."""
    return np.floor((np.asarray(day) - birth) / 365.25).astype(np.int64)
