"""Settings of the data part (one typed class, read from `ACADEMY_*` environment variables)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class DataSettings(BaseSettings):
    """`ACADEMY_HOME` (default `./var`) and `ACADEMY_DATASETS` (default `$ACADEMY_HOME/datasets/demo`)."""

    model_config = SettingsConfigDict(env_prefix="ACADEMY_", extra="ignore")

    home: Path = Path("var")
    datasets: Path | None = None

    @property
    def dataset_root(self) -> Path:
        return self.datasets if self.datasets is not None else self.home / "datasets" / "demo"


def get_settings() -> DataSettings:
    """Fresh settings each call: notebooks and tests may change the environment between calls."""
    return DataSettings()
