"""Pydantic schemas of share requests and grants."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import Field, field_validator

from smartcity.core.schemas import QueryFilter, Schema
from smartcity.domains.sharing.enums import GrantState, QueryMode, RequestPath, RequestState

MAX_MONTHS = 36
Items = Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=500)]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


class ShareRequestCreate(Schema):
    """What a department asks for (Art. 27)."""

    entry_id: UUID
    items: Annotated[Items, Field(min_length=1)]
    purpose: Annotated[str, Field(min_length=1, max_length=2000)]
    scenario: Annotated[str, Field(min_length=1, max_length=200)]
    legal_basis_id: UUID | None = None
    query_modes: Annotated[list[QueryMode], Field(min_length=1, max_length=5)] = [QueryMode.lookup]
    requested_months: Annotated[int, Field(ge=1, le=MAX_MONTHS)] = 12
    expected_volume: Annotated[int, Field(ge=0, le=100_000_000)] = 0
    consumer_organization_id: UUID | None = Field(
        default=None, description="The coordinator may request for another department."
    )
    consumer_client_id: UUID | None = None

    @field_validator("items")
    @classmethod
    def _items(cls, value: list[str]) -> list[str]:
        return _unique(value)

    @field_validator("query_modes")
    @classmethod
    def _modes(cls, value: list[QueryMode]) -> list[QueryMode]:
        return list(dict.fromkeys(value))


class CheckDecision(Schema):
    """The coordinator's compliance check; a failed check cites a legal basis."""

    passed: bool
    opinion: Annotated[str, Field(max_length=2000)] = ""
    basis_id: UUID | None = None


class AnswerDecision(Schema):
    """The provider's answer (or the coordinator's order): the items granted; the rest
    are refused, citing ``refusal_basis_id``."""

    granted_items: Items = []
    opinion: Annotated[str, Field(max_length=2000)] = ""
    refusal_basis_id: UUID | None = None

    @field_validator("granted_items")
    @classmethod
    def _items(cls, value: list[str]) -> list[str]:
        return _unique(value)


class WithdrawInput(Schema):
    reason: Annotated[str, Field(max_length=2000)] = ""


class RevokeInput(Schema):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class RenewInput(Schema):
    months: Annotated[int, Field(ge=1, le=MAX_MONTHS)] = 12


class RequestRole(StrEnum):
    made = "made"  # requests my department made
    received = "received"  # requests addressed to my department
    all = "all"  # every request (coordinator, auditor)


class ShareRequestFilter(QueryFilter):
    role: RequestRole = RequestRole.made
    state: RequestState | None = None
    open_only: bool = False


class GrantFilter(QueryFilter):
    role: RequestRole = RequestRole.made
    state: GrantState | None = None


class RequestClock(Schema):
    """What the request waits for and how long is left, in working days."""

    waiting_for: str  # "compliance_check", "provider_answer", "coordinator", ""
    due_at: datetime | None
    due_date: date | None
    working_days_left: int | None  # negative when overdue
    overdue: bool
    due_soon: bool  # within the reminder window, not yet overdue
    reminded_at: datetime | None  # when the reminder for this deadline went out
    label: str


class ShareRequestRead(Schema):
    id: UUID
    number: str
    entry_id: UUID
    provider_organization_id: UUID
    consumer_organization_id: UUID
    consumer_client_id: UUID | None
    requested_by_name: str
    items: list[str]
    granted_items: list[str]
    purpose: str
    scenario: str
    legal_basis_id: UUID | None
    query_modes: list[str]
    requested_months: int
    expected_volume: int
    path: RequestPath
    state: RequestState
    submitted_at: datetime
    check_due_at: datetime | None
    checked_at: datetime | None
    checked_by_name: str
    check_opinion: str
    answer_due_at: datetime | None
    answered_at: datetime | None
    answered_by_name: str
    answer_opinion: str
    refusal_basis_id: UUID | None
    check_reminded_at: datetime | None
    answer_reminded_at: datetime | None
    escalated_at: datetime | None
    closed_at: datetime | None


class ShareRequestDetail(ShareRequestRead):
    clock: RequestClock


class GrantRead(Schema):
    id: UUID
    number: str
    request_id: UUID
    entry_id: UUID
    provider_organization_id: UUID
    consumer_organization_id: UUID
    consumer_client_id: UUID | None
    items: list[str]
    purpose: str
    scenario: str
    query_modes: list[str]
    clearance_rank: int
    personal_clear: bool
    rate_per_minute: int
    valid_from: datetime
    valid_until: datetime
    state: GrantState
    revoked_at: datetime | None
    revocation_reason: str


class RefusalCount(Schema):
    legal_basis_id: UUID
    citation: str
    refusals: int
    share: float  # of all refusals counted, 0–1


class EscalationReport(Schema):
    escalated: list[str]


class ConcealedAccess(Schema):
    """Calls left out of a data subject's view of the exchange log (a lawful deferral,
    Art. 68): the organization's calls, narrowed to one grant and/or one case reference
    when given, and to the calls made at or after ``since`` when given."""

    organization_id: UUID
    grant_id: UUID | None = None
    case_reference: str = ""
    since: datetime | None = None


class SubjectCallRead(Schema):
    """One exchange call as the data subject sees it ("who looked at my data", Art. 68)."""

    seq: int
    occurred: datetime | None = Field(default=None, description="调用时间")
    organization_name: str = Field(default="", description="调用单位")
    operation: str
    resource: str = Field(default="", description="基础数据表")
    purpose: str = Field(default="", description="共享授权的用途")
    scenario: str = Field(default="", description="共享授权服务的事项")
    case_reference: str
    result: str = Field(description="ok，或拒绝时的问题代码")
    records: int
    bulk: bool = Field(
        default=False,
        description="文件交换（批量下载）：下载了整张表，包括本人的记录，日志不逐一记录主体",
    )
