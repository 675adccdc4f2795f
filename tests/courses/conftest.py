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
