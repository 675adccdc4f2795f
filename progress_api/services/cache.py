"""A small in-process cache for analytics, keyed by the data versions its value depends on.

Every write that analytics read bumps versions in its own transaction (`crud/events.py`), so a cached value is
valid exactly as long as the versions it was computed at are current: one indexed read per request instead of
recomputing a 500 × 30 matrix. With a `Scope` (a cohort, or a learner), the key holds only that scope's counters
and the "all" counter: a grade or a self-check in cohort A leaves cohort B's entries valid. Without one, the key is
the counter every write moves (always correct, flushed by any write). Entries are per database URL (tests run
many databases in one process) and bounded (LRU).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from progress_api.crud.events import current_version, scope_versions

T = TypeVar("T")
MAX_ENTRIES = 512

_entries: OrderedDict[Hashable, Any] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Scope:
    """What a cached value depends on: one cohort (by id or by slug) or one learner (and their cohorts)."""

    cohort_id: int | None = None
    cohort_slug: str | None = None
    user_id: int | None = None


def cached(db: Session, key: Hashable, compute: Callable[[], T], *, scope: Scope | None = None) -> T:
    """`compute()` once per (database, key, versions of `scope`)."""
    full_key, hit = peek(db, key, scope=scope)
    if hit is not _MISSING:
        return cast(T, hit)
    value = compute()
    store(full_key, value)
    return value


async def cached_async(db: Session, key: Hashable, compute: Callable[[], T], *, scope: Scope | None = None) -> T:
    """The same for async routes: a hit is answered on the event loop, a miss is computed in a worker thread."""
    full_key, hit = peek(db, key, scope=scope)
    if hit is not _MISSING:
        return cast(T, hit)
    value = await run_in_threadpool(compute)
    store(full_key, value)
    return value


_MISSING = object()


def peek(db: Session, key: Hashable, *, scope: Scope | None = None) -> tuple[Hashable, Any]:
    """(full key, cached value or _MISSING); costs one indexed read of the versions."""
    bind = db.get_bind()
    url = bind.engine.url if hasattr(bind, "engine") else ""
    if scope is None:
        versions: Hashable = current_version(db)
    else:
        versions = (
            scope,
            scope_versions(db, cohort_id=scope.cohort_id, cohort_slug=scope.cohort_slug, user_id=scope.user_id),
        )
    full_key = (str(url), versions, key)
    with _lock:
        if full_key in _entries:
            _entries.move_to_end(full_key)
            return full_key, _entries[full_key]
    return full_key, _MISSING


def store(full_key: Hashable, value: Any) -> None:
    with _lock:
        _entries[full_key] = value
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


def clear() -> None:
    with _lock:
        _entries.clear()
