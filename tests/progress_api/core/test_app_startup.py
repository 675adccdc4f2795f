"""The app refuses to start on an unmigrated database, whoever starts it (TestClient, `uvicorn --factory`), and
says to run `academy api migrate`; a database that is only unreachable does not stop the start (503 per request)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from hub.process import free_port, wait_http
from progress_api.core.config import Settings
from progress_api.core.db import UnmigratedDatabase, upgrade
from progress_api.main import create_app


def test_the_app_refuses_an_unmigrated_database_at_start_up(tmp_path: Path) -> None:
    with (
        pytest.raises(UnmigratedDatabase, match="Run `academy api migrate` first"),
        TestClient(create_app(Settings(home=tmp_path))),
    ):
        pass


@pytest.mark.slow  # two real server processes
def test_uvicorn_factory_refuses_an_unmigrated_database_then_serves_once_migrated(tmp_path: Path) -> None:
    """The hub's service and the browser tests run `uvicorn --factory progress_api.main:create_app`."""
    port = free_port()
    env = {**os.environ, "ACADEMY_HOME": str(tmp_path)}
    env.pop("ACADEMY_DATABASE_URL", None)
    command = [sys.executable, "-m", "uvicorn", "--factory", "progress_api.main:create_app", "--port", str(port)]
    refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0
    assert "not migrated" in refused.stderr and "Run `academy api migrate` first" in refused.stderr
    upgrade(f"sqlite:///{tmp_path / 'progress.db'}")
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v1/health", timeout=60)
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/health").json() == {"status": "ok"}
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_an_unreachable_database_does_not_stop_the_start(tmp_path: Path) -> None:
    """Nothing listens on the PostgreSQL port: the app starts and answers 503 where the database is needed."""
    settings = Settings(home=tmp_path, database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/academy")
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/health").status_code == 200
        answer = client.get("/api/v1/me", headers={"Authorization": "Bearer some-token"})
        assert answer.status_code == 503 and answer.json()["error"]["code"] == "unavailable"
