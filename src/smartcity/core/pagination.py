"""Pages of results: one shape for every list in the API and the UI."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
U = TypeVar("U")

MAX_PAGE_SIZE = 200


class PageParams(BaseModel):
    """Which page the caller wants."""

    model_config = ConfigDict(extra="forbid")

    page: int = Field(default=1, ge=1, le=1_000_000)
    size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


class Page(BaseModel, Generic[T]):
    """One page of items with the total count."""

    items: list[T]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    def map(self, fn: Callable[[Any], U]) -> Page[U]:
        return Page[U](
            items=[fn(item) for item in self.items],
            total=self.total,
            page=self.page,
            size=self.size,
        )


def paginate(session: Session, statement: Select[Any], params: PageParams) -> Page[Any]:
    """Run ``statement`` for one page and count all its rows."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows: Sequence[Any] = session.scalars(statement.limit(params.size).offset(params.offset)).all()
    return Page[Any](items=list(rows), total=total or 0, page=params.page, size=params.size)
