"""Schemas of the registry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from smartcity.domains.registry.enums import LegalLevel, OrganizationKind

OrganizationCode = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$", description="目录编码：字母数字，1–32 位"),
]
DivisionCode = Annotated[str, Field(pattern=r"^(\d{6})?$", description="GB/T 2260 六位代码")]


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid", str_strip_whitespace=True)


class OrganizationCreate(Schema):
    code: OrganizationCode
    name: Annotated[str, Field(min_length=2, max_length=100)]
    short_name: Annotated[str, Field(max_length=50)] = ""
    kind: OrganizationKind
    parent_id: UUID | None = None
    division_code: DivisionCode = ""
    zone_code: Annotated[str, Field(max_length=16)] = ""
    credit_code: Annotated[str, Field(max_length=18)] | None = None
    credit_code_override_reason: Annotated[str, Field(max_length=500)] = ""
    address: Annotated[str, Field(max_length=200)] = ""
    phone: Annotated[str, Field(max_length=32)] = ""
    website: Annotated[str, Field(max_length=200)] = ""
    description: Annotated[str, Field(max_length=4000)] = ""
    sort_order: int = 0


class OrganizationUpdate(Schema):
    """PATCH body: only fields present change."""

    name: Annotated[str, Field(min_length=2, max_length=100)] | None = None
    short_name: Annotated[str, Field(max_length=50)] | None = None
    kind: OrganizationKind | None = None
    parent_id: UUID | None = None
    division_code: DivisionCode | None = None
    zone_code: Annotated[str, Field(max_length=16)] | None = None
    credit_code: Annotated[str, Field(max_length=18)] | None = None
    credit_code_override_reason: Annotated[str, Field(max_length=500)] | None = None
    address: Annotated[str, Field(max_length=200)] | None = None
    phone: Annotated[str, Field(max_length=32)] | None = None
    website: Annotated[str, Field(max_length=200)] | None = None
    description: Annotated[str, Field(max_length=4000)] | None = None
    sort_order: int | None = None
    is_active: bool | None = None


class DutyWrite(Schema):
    article: Annotated[int, Field(ge=1, le=74)]
    named_body: Annotated[str, Field(min_length=1, max_length=100)]
    note: Annotated[str, Field(max_length=500)] = ""


class DutyRead(Schema):
    article: int
    named_body: str
    note: str


class OrganizationSummary(Schema):
    id: UUID
    code: str
    name: str
    short_name: str
    kind: OrganizationKind
    parent_id: UUID | None
    division_code: str
    credit_code: str | None
    is_coordinator: bool
    is_active: bool


class OrganizationRead(OrganizationSummary):
    zone_code: str
    credit_code_override_reason: str
    address: str
    phone: str
    website: str
    description: str
    sort_order: int
    created_at: datetime
    updated_at: datetime
    duties: list[DutyRead] = []


class OrganizationFilter(Schema):
    q: Annotated[str, Field(max_length=50)] | None = Field(
        default=None, description="名称、简称、编码、信用代码"
    )
    kind: OrganizationKind | None = None
    parent_id: UUID | None = None
    division_code: Annotated[str, Field(max_length=6)] | None = None
    include_inactive: bool = False


class OrganizationNode(Schema):
    id: UUID
    code: str
    name: str
    kind: OrganizationKind
    is_coordinator: bool
    children: list[OrganizationNode] = []


class ResponsibleOrganization(Schema):
    article: int
    named_body: str
    duty: str
    organizations: list[OrganizationSummary]


class RowError(Schema):
    row: int = Field(description="文件中的行号（表头为第 1 行）")
    column: str
    value: str
    message: str


class ImportReport(Schema):
    format: str
    encoding: str | None
    rows: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    errors: list[RowError] = []


class LegalBasisCreate(Schema):
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    title: Annotated[str, Field(min_length=2, max_length=200)]
    article: Annotated[str, Field(min_length=1, max_length=50, description="如：第三十四条")]
    level: LegalLevel
    issuer: Annotated[str, Field(max_length=100)] = ""
    document_number: Annotated[str, Field(max_length=100)] = ""
    excerpt: Annotated[str, Field(max_length=4000)] = ""
    url: Annotated[str, Field(max_length=300)] = ""
    effective_date: date | None = None
    repealed_date: date | None = None


class LegalBasisUpdate(Schema):
    """PATCH body; the code is permanent because records cite it."""

    title: Annotated[str, Field(min_length=2, max_length=200)] | None = None
    article: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    level: LegalLevel | None = None
    issuer: Annotated[str, Field(max_length=100)] | None = None
    document_number: Annotated[str, Field(max_length=100)] | None = None
    excerpt: Annotated[str, Field(max_length=4000)] | None = None
    url: Annotated[str, Field(max_length=300)] | None = None
    effective_date: date | None = None
    repealed_date: date | None = None


class LegalBasisRead(Schema):
    id: UUID
    code: str
    title: str
    article: str
    citation: str
    level: LegalLevel
    issuer: str
    document_number: str
    excerpt: str
    url: str
    effective_date: date | None
    repealed_date: date | None


class LegalBasisFilter(Schema):
    q: Annotated[str, Field(max_length=100)] | None = None
    level: LegalLevel | None = None
    include_repealed: bool = False
