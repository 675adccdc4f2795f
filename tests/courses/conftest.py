"""Fixtures for the curriculum tests: the catalogue of assignments and an environment where nbgrader can grade them."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def grading_env(demo_dataset: Path) -> Iterator[Path]:
    """ACADEMY_DATASETS pointing at the shared demo dataset, and the venv's scripts on PATH (nbgrader runs alembic)."""
    saved = {k: os.environ.get(k) for k in ("ACADEMY_DATASETS", "PATH")}
    os.environ["ACADEMY_DATASETS"] = str(demo_dataset)
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    try:
        yield demo_dataset
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# Another seed and another size than the shared demo dataset: expected values must come from the data, not from
# numbers that only hold for one dataset.
OTHER_DATASET_MEMBERS = 800
OTHER_DATASET_SEED = 11


@pytest.fixture(scope="session")
def other_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second small dataset (other seed, other size), generated once per worker for the robustness test."""
    from datasets_synthetic import generate

    out = tmp_path_factory.mktemp("courses-other-dataset")
    generate(out=out, members=OTHER_DATASET_MEMBERS, seed=OTHER_DATASET_SEED, year=2025, force=True)
    return out
