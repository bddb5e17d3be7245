"""``Schema.built``: what ``model_construct`` makes, for trusted values, faster."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from pydantic import PrivateAttr

from smartcity.core.schemas import Schema
from smartcity.domains.sharing.exchange_schemas import ExchangeValueRead


def _fields() -> dict[str, Any]:
    return {
        "value": "**",
        "masked": True,
        "disputed": False,
        "source_organization": "济宁市公安局",
        "source_organization_id": uuid4(),
        "updated_at": datetime(2026, 12, 1, 8, 30, tzinfo=UTC),
    }


def test_built_is_what_model_construct_makes() -> None:
    fields = _fields()
    built = ExchangeValueRead.built(dict(fields))
    constructed = ExchangeValueRead.model_construct(**fields)

    assert built == constructed
    assert built.model_dump_json() == constructed.model_dump_json()
    assert built.model_fields_set == constructed.model_fields_set
    assert built.model_dump() == fields
    built.value = "*"  # an ordinary instance: assignment and copies work
    assert built.model_copy().value == "*"


def test_missing_fields_take_their_defaults_through_model_construct() -> None:
    fields = _fields()
    del fields["disputed"]

    built = ExchangeValueRead.built(fields)

    assert built.disputed is False
    assert "disputed" not in built.model_fields_set


def test_a_misnamed_field_is_not_taken_as_given() -> None:
    fields = _fields()
    fields["disputd"] = fields.pop("disputed")  # as many fields, one misnamed

    built = ExchangeValueRead.built(fields)

    assert built.disputed is False  # the default, as model_construct gives it
    assert "disputed" not in built.model_fields_set


def test_a_schema_with_private_attributes_gets_them() -> None:
    class WithPrivate(Schema):
        name: str
        _seen: int = PrivateAttr(default=0)

    built = WithPrivate.built({"name": "甲"})

    assert built._seen == 0
    assert built.name == "甲"
