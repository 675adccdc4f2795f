"""CEDIA tests start from the core's demo world (people, cohort, tokens) but an empty CEDIA portfolio, so that
every count they check is their own."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from progress_api.models.cedia import CediaCoach, CediaProject, CediaRelay


@pytest.fixture
def demo(demo: Any, db: Session) -> Any:
    """The core's `demo` fixture without the demo CEDIA projects and roster relays its seeder adds (cascades clear
    the projects' rows)."""
    db.execute(delete(CediaProject))
    db.execute(delete(CediaCoach))
    db.execute(delete(CediaRelay))
    db.commit()
    return demo
