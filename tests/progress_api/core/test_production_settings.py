"""Production refuses the development secret key and short keys at start (xAPI pseudonyms would be reversible),
with a message that says what to set; development keeps its default."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from progress_api.core.config import DEV_SECRET, InsecureSettings, Settings
from progress_api.main import create_app


def test_production_with_the_default_secret_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ACADEMY_PRODUCTION", "true")
    monkeypatch.delenv("ACADEMY_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="ACADEMY_SECRET_KEY is the development default"):
        Settings(home=tmp_path)


def test_production_with_a_short_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        ValidationError, match="ACADEMY_SECRET_KEY has 12 characters: use a random value of at least 32"
    ):
        Settings(home=tmp_path, production=True, secret_key="short-secret")


def test_settings_copied_into_production_are_refused_by_the_app(settings: Settings) -> None:
    """model_copy skips validators: create_app checks again."""
    with pytest.raises(InsecureSettings, match="development default"):
        create_app(settings.model_copy(update={"production": True, "secret_key": DEV_SECRET}))


def test_production_with_a_generated_secret_starts(settings: Settings) -> None:
    production = Settings(home=settings.home, production=True, secret_key=secrets.token_hex(32))
    with TestClient(create_app(production)) as client:
        assert client.get("/api/v1/health").status_code == 200
    assert Settings(home=settings.home).secret_key == DEV_SECRET  # development keeps its default


@pytest.mark.slow  # a real server process
def test_uvicorn_refuses_to_start_in_production_with_the_default_secret(settings: Settings) -> None:
    env = {**os.environ, "ACADEMY_HOME": str(settings.home), "ACADEMY_PRODUCTION": "true"}
    env.pop("ACADEMY_SECRET_KEY", None)
    command = [sys.executable, "-m", "uvicorn", "--factory", "progress_api.main:create_app", "--port", "1"]
    refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0
    assert "ACADEMY_SECRET_KEY is the development default" in refused.stderr
