"""Schemas of prefill with consent (Art. 28): the service's request, the citizen's
preview and answer, and the one delivery of the approved values."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, model_validator

from smartcity.core.schemas import Schema
from smartcity.domains.onceonly.prefill_enums import PrefillBasis, PrefillState

MAX_EDITED_LENGTH = 500
"""An edited value is at most this many characters."""


class PrefillRequestCreate(Schema):
    """A service asks to prefill a form (by id or matter code) for a citizen."""

    form_id: UUID | None = Field(default=None, description="事项 id（与 form_code 二选一）")
    form_code: Annotated[str, Field(max_length=64)] | None = Field(
        default=None, description="事项编码（与 form_id 二选一）"
    )
    subject_key: Annotated[str, Field(min_length=1, max_length=32)] = Field(
        description="申请人的 18 位公民身份号码"
    )
    case_reference: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        description="所办理的事项（案卷号、办件编号等）"
    )
    purpose: Annotated[str, Field(max_length=500)] = Field(
        default="", description="用途，向申请人展示；默认为事项名称"
    )

    @model_validator(mode="after")
    def _one_form(self) -> PrefillRequestCreate:
        if (self.form_id is None) == (self.form_code is None):
            raise ValueError("请指定 form_id 或 form_code 之一")
        return self


class PrefillOfferedField(Schema):
    """A field the platform offers to prefill (no value: values need the consent)."""

    field_id: UUID | None
    label: str
    item_name: str
    source_organization: str
    basis: PrefillBasis


class PrefillRequestCreated(Schema):
    """The answer to a prefill request: where to send the citizen and which fields are
    offered. No personal value, and the same whether or not the platform holds the
    citizen's record."""

    id: UUID
    state: PrefillState
    form_id: UUID
    form_code: str
    form_name: str
    case_reference: str
    expires_at: datetime
    consent_url: str = Field(description="申请人确认授权的页面（须本人登录）")
    offered: list[PrefillOfferedField]


class PrefillItemView(Schema):
    """One offered field as the citizen sees it: the value the platform would send, its
    source and last update; after his answer, whether he approved and edited it."""

    id: UUID
    label: str
    item_name: str
    source_organization: str
    basis: PrefillBasis
    basis_label: str
    available: bool = Field(description="平台是否保存有该项数据")
    value: Any = None
    updated_at: datetime | None = None
    is_approved: bool
    is_edited: bool


class PrefillRequestView(Schema):
    """A prefill request as the citizen sees it."""

    id: UUID
    form_code: str
    form_name: str
    organization_name: str
    requested_by_name: str
    purpose: str
    case_reference: str
    state: PrefillState
    state_label: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    delivered_at: datetime | None
    revoked_at: datetime | None
    items: list[PrefillItemView]
    fingerprint: str = Field(
        default="", description="待确认时：所示数据的摘要，确认时回传（数据若已更新则拒绝）"
    )

    @property
    def is_open(self) -> bool:
        return self.state is PrefillState.pending


class PrefillSummary(Schema):
    """A row of "我的授权回填"."""

    id: UUID
    form_name: str
    organization_name: str
    case_reference: str
    state: PrefillState
    state_label: str
    created_at: datetime
    expires_at: datetime
    approved: int
    edited: int
    offered: int


class PrefillConsent(Schema):
    """The citizen's approval: the items he approves and, for some of them, the value he
    typed instead (申请人提供，未经核验)."""

    approved: Annotated[list[UUID], Field(max_length=200)]
    edits: dict[UUID, Annotated[str, Field(max_length=MAX_EDITED_LENGTH)]] = Field(
        default_factory=dict
    )
    fingerprint: Annotated[str, Field(max_length=64)] | None = Field(
        default=None, description="预览返回的 fingerprint；给出时，数据若已更新则拒绝"
    )


class PrefillValue(Schema):
    """One delivered value: ``verified`` when it comes from the platform (its source
    department and last update given), false when the citizen typed it."""

    field_id: UUID | None
    label: str
    item_name: str
    value: Any
    verified: bool
    source_organization: str | None
    source_organization_id: UUID | None
    updated_at: datetime | None


class PrefillDelivery(Schema):
    """The approved values of a prefill request, given once."""

    id: UUID
    form_id: UUID
    form_code: str
    case_reference: str
    delivered_at: datetime
    values: list[PrefillValue]
    withheld: list[str] = Field(default=[], description="已同意但授权已失效、不再提供的字段")
