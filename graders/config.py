"""Typed settings of the grading pipeline, read from `ACADEMY_*` environment variables (docs/interfaces.md)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SandboxLimits(BaseSettings):
    """Limits applied to every learner submission (and every self-check is not sandboxed: it runs in the learner's own
    kernel, which the hub already isolates)."""

    model_config = SettingsConfigDict(env_prefix="ACADEMY_SANDBOX_", extra="ignore")

    cell_timeout_s: float = 30.0
    total_timeout_s: float = 180.0
    # Per process: address space granted on top of what the warm interpreter already maps (RLIMIT_AS counts virtual
    # memory); per submission: the cap of its cgroup, all its processes together (resident memory, files in tmpfs).
    memory_mb: int = 2048
    max_processes: int = 32
    max_output_bytes: int = 256_000  # per cell, before truncation
    max_total_output_bytes: int = 2_000_000  # per notebook
    max_file_bytes: int = 50_000_000  # RLIMIT_FSIZE for files the learner writes in the private working copy
    workdir_mb: int = 256  # size of that working copy (a tmpfs), the course's data files included
    max_open_files: int = 256
    # First unprivileged uid; worker slot n runs as base_uid + n so RLIMIT_NPROC counts one submission only.
    base_uid: int = 61000


class GraderSettings(BaseSettings):
    """Where the grading pipeline reads and writes, and how it reaches the progress service."""

    model_config = SettingsConfigDict(env_prefix="ACADEMY_", extra="ignore")

    home: Path = Path("var")
    exchange: Path | None = None
    grading: Path | None = None
    datasets: Path | None = None
    courses_root: Path = Field(default_factory=lambda: Path(__file__).resolve().parent.parent / "courses")
    progress_url: str = "http://127.0.0.1:8001"
    grader_token: str | None = None
    # SQLAlchemy URL of nbgrader's gradebook; one SQLite file per course when unset (graders.coursedir.gradebook_url).
    gradebook_url: str | None = None
    workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1))
    # The hub's username -> uid map (written when every learner runs under their own uid); default under home.
    submitter_uids: Path | None = None
    # Template of the feedback link sent with each grade; {learner} {course} {assignment} {notebook} {timestamp}.
    feedback_url_template: str = "/user/{learner}/files/{course}/{assignment}/feedback/{timestamp}/{notebook}.html"

    @property
    def exchange_dir(self) -> Path:
        return (self.exchange or self.home / "exchange").resolve()

    @property
    def grading_dir(self) -> Path:
        return (self.grading or self.home / "grading").resolve()

    @property
    def submitter_uids_path(self) -> Path:
        return (self.submitter_uids or self.home / "hub" / "user_uids.json").resolve()

    @property
    def datasets_dir(self) -> Path:
        return (self.datasets or self.home / "datasets" / "demo").resolve()


@lru_cache
def get_settings() -> GraderSettings:
    """The settings from the environment (cached; tests build `GraderSettings(...)` themselves)."""
    return GraderSettings()
