"""Base classes for the Pydantic schemas of every domain."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

PAGING_PARAMETERS = frozenset({"page", "size"})


class Schema(BaseModel):
    """Base of every schema: rejects unknown input, reads from ORM objects."""

    model_config = ConfigDict(from_attributes=True, extra="forbid", str_strip_whitespace=True)


class QueryFilter(Schema):
    """Query parameters of a paged list.

    FastAPI hands the whole query string to a ``Query()`` model, so the paging
    parameters (which belong to ``PageParams``) arrive here too; they are dropped
    rather than refused, while any other unknown parameter is still an error.
    """

    @model_validator(mode="before")
    @classmethod
    def _without_paging(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in PAGING_PARAMETERS}
        return data
