"""A small in-process cache for analytics, keyed by the database's data version.

Every write that analytics read bumps `data_version` in its own transaction, so a cached value is valid exactly as
long as the version it was computed at is current: one indexed one-row read per request instead of recomputing a
500 × 30 matrix. Entries are per database URL (tests run many databases in one process) and bounded (LRU).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from progress_api.crud.events import current_version

T = TypeVar("T")
MAX_ENTRIES = 512

_entries: OrderedDict[Hashable, Any] = OrderedDict()
_lock = threading.Lock()


def cached(db: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` once per (database, key, data version)."""
    full_key, hit = peek(db, key)
    if hit is not _MISSING:
        return cast(T, hit)
    value = compute()
    store(full_key, value)
    return value


async def cached_async(db: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """The same for async routes: a hit is answered on the event loop, a miss is computed in a worker thread."""
    full_key, hit = peek(db, key)
    if hit is not _MISSING:
        return cast(T, hit)
    value = await run_in_threadpool(compute)
    store(full_key, value)
    return value


_MISSING = object()


def peek(db: Session, key: Hashable) -> tuple[Hashable, Any]:
    """(full key, cached value or _MISSING); costs one indexed read of the data version."""
    bind = db.get_bind()
    url = bind.engine.url if hasattr(bind, "engine") else ""
    full_key = (str(url), current_version(db), key)
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
