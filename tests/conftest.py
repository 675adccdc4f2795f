"""Fixtures shared by every part's tests.

Part-specific fixtures live in `tests/<part>/conftest.py`; only what several parts need is here:
free loopback ports, the PostgreSQL admin URL, the Chromium path, and one small synthetic dataset
generated once per test run (shared by the xdist workers through a file lock).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.process import free_port

# Small enough to generate in a few seconds, large enough for every table and fraud type to appear.
TEST_DATASET_MEMBERS = 3000
TEST_DATASET_SEED = 7


@pytest.fixture
def port() -> int:
    """A free loopback port for a server the test starts itself."""
    return free_port()


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """Admin URL of a PostgreSQL server (from ACADEMY_TEST_POSTGRES_URL); tests create and drop their own DB."""
    url = os.environ.get("ACADEMY_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL tests need ACADEMY_TEST_POSTGRES_URL (set by .ci/run when 127.0.0.1:5432 answers)")
    return url


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of Debian's Chromium for Playwright's `executable_path`; skips when it is not installed."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("browser tests need Debian's chromium (`apt-get install chromium`; .ci/run installs it)")
    return path


def generator_fingerprint() -> str:
    """A digest of the generator's code and data files: a dataset made by another version is never reused."""
    import datasets_synthetic

    root = Path(datasets_synthetic.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".yaml", ".yml", ".csv"}:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@pytest.fixture(scope="session")
def demo_dataset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A small synthetic dataset, generated once per run and shared by all xdist workers (read-only for tests)."""
    from datasets_synthetic import generate

    # Under xdist the parent is the run's own directory; without it, it is shared by every run (and every
    # checkout) of this user, hence the fingerprint in the name.
    name = f"dataset-{TEST_DATASET_MEMBERS}-{TEST_DATASET_SEED}-{generator_fingerprint()}"
    shared = tmp_path_factory.getbasetemp().parent / name
    with open(str(shared) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "manifest.json").exists():
            generate(out=shared, members=TEST_DATASET_MEMBERS, seed=TEST_DATASET_SEED, year=2025, force=True)
        fcntl.flock(lock, fcntl.LOCK_UN)
    yield shared
