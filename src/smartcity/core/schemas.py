"""Base classes for the Pydantic schemas of every domain."""

from __future__ import annotations

from collections.abc import Mapping
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


# Chinese wording of Pydantic's error types, for API problems and row reports.
VALIDATION_MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "不允许的字段",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "string_pattern_mismatch": "格式不正确",
    "int_parsing": "应为整数",
    "uuid_parsing": "应为有效的 UUID",
    "enum": "不是允许的取值",
    "literal_error": "不是允许的取值",
    "date_from_datetime_parsing": "应为日期 YYYY-MM-DD",
    "date_parsing": "应为日期 YYYY-MM-DD",
    "bool_parsing": "应为布尔值",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
}


def validation_message(error: Mapping[str, Any]) -> str:
    """A Chinese message for one Pydantic error (its own text when the type is unknown)."""
    return VALIDATION_MESSAGES.get(str(error.get("type")), str(error.get("msg", "")))
