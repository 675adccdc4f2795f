"""Free-text search of CEDIA titles and names, the same on SQLite and PostgreSQL.

SQL `lower()` folds only ASCII on SQLite (and depends on the collation on PostgreSQL), so "équipe" would miss
"Équipe" on one backend and not the other. Titles are few (hundreds), so the ids matching a query are found in
Python with case and accents folded, and the caller filters on those ids.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


def fold(text: str) -> str:
    """Lower case without accents: « Équipe » and « equipe » compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def matching_ids(db: Session, *, id_column: Any, text_column: Any, q: str, where: Any = None) -> list[int]:
    """Ids whose text contains `q`, ignoring case and accents."""
    needle = fold(q.strip())
    stmt = select(id_column, text_column)
    if where is not None:
        stmt = stmt.where(where)
    return [row_id for row_id, text in db.execute(stmt) if needle in fold(text)]
