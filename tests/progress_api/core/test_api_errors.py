"""The one error handler turns values the database refuses (driver OverflowError, DataError) into a clear 422."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from progress_api.core.errors import install_error_handlers


def _app(engine: Engine, statement: str, value: object) -> FastAPI:
    """A route that hands `value` straight to the real driver, as an unbounded parameter once did."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/probe")
    def probe() -> dict[str, int]:
        with engine.begin() as conn:
            conn.execute(text(statement), {"v": value})
        return {"ok": 1}

    return app


def test_an_out_of_range_integer_reaching_the_driver_is_a_422(engine: Engine) -> None:
    """SQLite's driver raises OverflowError beyond int64, PostgreSQL a DataError beyond int32: both are 422."""
    statement = "INSERT INTO cedia_coaches (id, name) VALUES (:v, 'x')"
    with TestClient(_app(engine, statement, 2**70), raise_server_exceptions=False) as client:
        response = client.get("/probe")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "out_of_range"
    assert "rien n'a été enregistré" in response.json()["error"]["message"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM cedia_coaches")).scalar() == 0


def test_an_int32_overflow_on_an_integer_column(engine: Engine) -> None:
    """2**40 fits SQLite's INTEGER but not PostgreSQL's: stored on one, a 422 (never a 500) on the other."""
    statement = "INSERT INTO cedia_coaches (id, name) VALUES (:v, 'x')"
    with TestClient(_app(engine, statement, 2**40), raise_server_exceptions=False) as client:
        response = client.get("/probe")
    expected = 200 if engine.dialect.name == "sqlite" else 422
    assert response.status_code == expected, response.text
