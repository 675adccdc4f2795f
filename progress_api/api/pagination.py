"""The envelope of every list answer: `{"items", "total", "limit", "offset"}`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from pydantic import BaseModel

from progress_api.api.deps import PageParams

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def page(items: Sequence[T], *, total: int, params: PageParams) -> Page[T]:
    return Page[T](items=list(items), total=total, limit=params.limit, offset=params.offset)
