"""Base classes for the Pydantic schemas of every domain."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, cast

from pydantic import BaseModel, ConfigDict, model_validator

PAGING_PARAMETERS = frozenset({"page", "size"})


class Schema(BaseModel):
    """Base of every schema: rejects unknown input, reads from ORM objects."""

    model_config = ConfigDict(from_attributes=True, extra="forbid", str_strip_whitespace=True)

    @classmethod
    def built(cls, fields: dict[str, Any]) -> Self:
        """An instance of values already of the fields' types, taking ``fields`` as its
        own: what ``model_construct`` makes, without its walk over every field's aliases
        and defaults — half the cost (1.2 against 2.6 µs), for schemas built by the
        thousand from typed values (each value an exchange lookup serves). No
        validation: for trusted values only. Fields other than exactly the schema's
        (one missing, or misnamed), or a schema with private attributes or a post-init
        hook, go through ``model_construct``."""
        if (
            fields.keys() != cls.__pydantic_fields__.keys()
            or cls.__pydantic_post_init__ is not None
            or cls.__private_attributes__
        ):
            return cast(Self, cls.model_construct(**fields))  # the plugin types it as Schema
        instance: Self = super().__new__(cls)
        _set = object.__setattr__
        _set(instance, "__dict__", fields)
        _set(instance, "__pydantic_fields_set__", set(fields))
        _set(instance, "__pydantic_extra__", None)
        _set(instance, "__pydantic_private__", None)
        return instance


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
