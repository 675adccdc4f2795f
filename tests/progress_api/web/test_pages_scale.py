"""Pages stay cheap at scale: the number of SQL statements per page does not grow with projects or learners."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from progress_api.crud import cedia as crud
from progress_api.models.cedia import ProjectCreate
from tests.progress_api.web.conftest import build_gradebook

Login = Callable[[str], TestClient]


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def add_projects(db: Session, n: int) -> None:
    units = ["Direction financière", "Direction des prestations santé", "Direction technique et actuariat"]
    for i in range(n):
        data = ProjectCreate(title=f"Projet {i}", unit=units[i % 3], use_case="nlp", coaches=[f"Coach {i % 7}"])
        crud.create_project(db, data=data, actor="cedia")
    db.commit()


AUTH_TABLES = ("FROM api_tokens", "FROM user_roles")


def page_queries(client: TestClient, engine: Engine, url: str) -> int:
    """Statements one page load runs, without the caller lookup (constant, and memoised for a few seconds by the
    core, so whether it shows up depends on timing, not on the page)."""
    with counting(engine) as statements:
        response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    return sum(not any(table in s for table in AUTH_TABLES) for s in statements)


def test_board_and_dashboard_queries_do_not_grow_with_projects(
    client: TestClient, demo: Any, login: Login, db: Session, engine: Engine
) -> None:
    """29 demo projects, then 229: the board, list and dashboard run the same number of statements (no N+1)."""
    login("cedia")
    small = {url: page_queries(client, engine, url) for url in ("/cedia", "/cedia/projets", "/cedia/portefeuille")}
    add_projects(db, 200)
    large = {url: page_queries(client, engine, url) for url in small}
    assert large == small
    assert small["/cedia"] <= 15
    board = client.get("/cedia")
    assert board.text.count('<article class="card"') <= 7 * 25  # bounded cards, the rest behind "autres…"
    assert "autre(s)…" in board.text


def test_gradebook_queries_do_not_grow_with_learners(
    client: TestClient, demo: Any, login: Login, engine: Engine
) -> None:
    """The gradebook page of a 500-learner cohort costs what a 20-learner one does, and shows one page of 50."""
    build_gradebook(client, demo, learners=20)
    login("formateur")
    small = page_queries(client, engine, "/promotions/demo-2026?tri=moyenne")
    build_gradebook(client, demo, learners=500)
    large = page_queries(client, engine, "/promotions/demo-2026?tri=moyenne&ordre=desc")
    assert large == small and small >= 5  # the facts load really ran (not an all-cached page)
    page = client.get("/promotions/demo-2026")
    assert "Page 1 sur 10" in page.text and page.text.count("/apprenants/") >= 50
