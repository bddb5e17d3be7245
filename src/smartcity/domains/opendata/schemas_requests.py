"""Schemas of requests to open a dataset (数据开放申请, Art. 31)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from smartcity.core.schemas import Schema
from smartcity.domains.opendata.enums_requests import DataRequestState

#: Longest description a request may carry (the form says so; longer is refused).
MAX_DESCRIPTION = 2000


class DataRequestCreate(Schema):
    """What a person asks for: a short title and a description are required; the rest is
    optional (no account, no captcha: the size of each field is limited instead)."""

    title: Annotated[str, Field(min_length=2, max_length=100, description="希望开放的数据")]
    description: Annotated[str, Field(min_length=5, max_length=MAX_DESCRIPTION)]
    purpose: Annotated[str, Field(max_length=500)] = ""
    provider_hint: Annotated[str, Field(max_length=100)] = ""
    requester_name: Annotated[str, Field(max_length=50)] = ""
    contact: Annotated[str, Field(max_length=100)] = ""


class DataRequestAnswer(Schema):
    """The coordinator's final answer: ``answered`` with a reply (where the data is, or
    when it will be opened) or ``declined`` with the reason."""

    decision: Literal["answered", "declined"]
    reply: Annotated[str, Field(min_length=2, max_length=2000)]


class DataRequestFilter(Schema):
    state: DataRequestState | None = None


class DataRequestRead(Schema):
    id: UUID
    number: str
    title: str
    description: str
    purpose: str
    provider_hint: str
    requester_name: str
    contact: str
    state: DataRequestState
    reply: str
    answered_at: datetime | None
    answered_by_name: str
    created_at: datetime


class DataRequestReceipt(Schema):
    """What the requester sees after filing: the number and state, not the contact."""

    id: UUID
    number: str
    title: str
    state: DataRequestState
    created_at: datetime
