"""Synthetic French health-insurance data for the academy: generator, loader and data dictionary.

from datasets_synthetic import generate, load
generate(out="var/datasets/demo", members=20000, seed=42, year=2025)
claims = load("claims", root="var/datasets/demo")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from datasets_synthetic.generator import VERSION, Manifest, generate, verify
from datasets_synthetic.schema import TABLES
from datasets_synthetic.writer import DatasetError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TABLES", "VERSION", "DatasetError", "Manifest", "generate", "load", "verify"]


def load(table: str, *, root: Path | str | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """Read table `table` of the dataset at `root` (default: `ACADEMY_DATASETS`) as a pandas DataFrame.

    pandas is imported on first use, not with the package: the generator's worker processes never need it.
    """
    from datasets_synthetic.loader import load as load_table

    return load_table(table, root=root, columns=columns)
