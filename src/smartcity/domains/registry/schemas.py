"""Schemas of the registry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import Field, model_validator

from smartcity.core.schemas import QueryFilter, Schema
from smartcity.domains.registry.enums import (
    AssessmentResult,
    BackupArrangement,
    ChangeRequestStatus,
    CloudStatus,
    LegalLevel,
    OrganizationKind,
    SystemChangeKind,
    SystemLifecycle,
)

OrganizationCode = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$", description="目录编码：字母数字，1–32 位"),
]
DivisionCode = Annotated[str, Field(pattern=r"^(\d{6})?$", description="GB/T 2260 六位代码")]


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


class OrganizationFilter(QueryFilter):
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


class LegalBasisFilter(QueryFilter):
    q: Annotated[str, Field(max_length=100)] | None = None
    level: LegalLevel | None = None
    include_repealed: bool = False


# ---------------------------------------------------------------- information systems

SystemCode = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$",
        description="系统编码：字母、数字、点、横线、下划线，2–64 位",
    ),
]
DataObjectName = Annotated[str, Field(min_length=1, max_length=200)]
# RIHA describes a system by its main data objects, at most ten of them.
MAX_DATA_HOLDINGS = 10


class SystemContact(Schema):
    name: Annotated[str, Field(min_length=1, max_length=50)]
    role: Annotated[str, Field(max_length=50)] = ""
    phone: Annotated[str, Field(max_length=32)] = ""


class InformationSystemCreate(Schema):
    """Registration of a system: its full description as the owner states it."""

    owner_organization_id: UUID
    code: SystemCode
    name: Annotated[str, Field(min_length=2, max_length=200)]
    purpose: Annotated[str, Field(max_length=4000)] = ""
    legal_basis_ids: Annotated[list[UUID], Field(max_length=20)] = []
    legal_basis_note: Annotated[str, Field(max_length=2000)] = ""
    data_holdings: Annotated[list[DataObjectName], Field(max_length=MAX_DATA_HOLDINGS)] = []
    resources_used: Annotated[list[DataObjectName], Field(max_length=100)] = []
    user_count: Annotated[int, Field(ge=0, le=100_000_000)] = 0
    data_volume_gb: Annotated[float, Field(ge=0, le=1_000_000_000)] = 0.0
    contacts: Annotated[list[SystemContact], Field(max_length=10)] = []
    lifecycle_status: SystemLifecycle = SystemLifecycle.planned
    is_preexisting: bool = Field(
        default=False, description="原有系统：登记前已投入使用（第二十二条：应向云平台迁移）"
    )
    protection_level: Annotated[int, Field(ge=1, le=5, description="等级保护级别 1–5")]
    protection_assessed_date: date | None = None
    protection_assessment_result: AssessmentResult | None = None
    backup_arrangement: BackupArrangement = BackupArrangement.none
    backup_note: Annotated[str, Field(max_length=500)] = ""
    cloud_status: CloudStatus
    migration_planned_date: date | None = None
    exemption_legal_basis_id: UUID | None = None
    exemption_reason: Annotated[str, Field(max_length=2000)] = ""


# Fields of the PATCH body that may be sent as null; the others need a value when sent.
_NULLABLE_SYSTEM_FIELDS = frozenset(
    {
        "protection_assessed_date",
        "protection_assessment_result",
        "migration_planned_date",
        "exemption_legal_basis_id",
    }
)


class InformationSystemUpdate(Schema):
    """PATCH body: only fields present change. ``lifecycle_status`` may move between
    planned and building only; going into use, retirement and the data composition
    (``data_holdings``, ``resources_used``) change through change requests."""

    name: Annotated[str, Field(min_length=2, max_length=200)] | None = None
    purpose: Annotated[str, Field(max_length=4000)] | None = None
    legal_basis_ids: Annotated[list[UUID], Field(max_length=20)] | None = None
    legal_basis_note: Annotated[str, Field(max_length=2000)] | None = None
    data_holdings: Annotated[list[DataObjectName], Field(max_length=MAX_DATA_HOLDINGS)] | None = (
        None
    )
    resources_used: Annotated[list[DataObjectName], Field(max_length=100)] | None = None
    user_count: Annotated[int, Field(ge=0, le=100_000_000)] | None = None
    data_volume_gb: Annotated[float, Field(ge=0, le=1_000_000_000)] | None = None
    contacts: Annotated[list[SystemContact], Field(max_length=10)] | None = None
    lifecycle_status: SystemLifecycle | None = None
    protection_level: Annotated[int, Field(ge=1, le=5)] | None = None
    protection_assessed_date: date | None = None
    protection_assessment_result: AssessmentResult | None = None
    backup_arrangement: BackupArrangement | None = None
    backup_note: Annotated[str, Field(max_length=500)] | None = None
    cloud_status: CloudStatus | None = None
    migration_planned_date: date | None = None
    exemption_legal_basis_id: UUID | None = None
    exemption_reason: Annotated[str, Field(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _no_null_for_required_fields(self) -> Self:
        for name in self.model_fields_set - _NULLABLE_SYSTEM_FIELDS:
            if getattr(self, name) is None:
                raise ValueError(f"{name} 不能为 null")
        return self


class InformationSystemSummary(Schema):
    id: UUID
    code: str
    name: str
    owner_organization_id: UUID
    owner_name: str
    lifecycle_status: SystemLifecycle
    cloud_status: CloudStatus
    protection_level: int
    migration_planned_date: date | None
    approved_at: datetime | None
    updated_at: datetime


class SystemDifference(Schema):
    """One field whose current value differs from the last approved description."""

    field: str
    label: str
    approved: Any
    current: Any


class InformationSystemRead(InformationSystemSummary):
    purpose: str
    legal_bases: list[LegalBasisRead]
    legal_basis_note: str
    data_holdings: list[str]
    resources_used: list[str]
    user_count: int
    data_volume_gb: float
    contacts: list[SystemContact]
    is_preexisting: bool
    protection_assessed_date: date | None
    protection_assessment_result: AssessmentResult | None
    backup_arrangement: BackupArrangement
    backup_note: str
    exemption_legal_basis: LegalBasisRead | None
    exemption_reason: str
    composition_changed_at: datetime | None
    approved_snapshot: dict[str, Any] | None
    created_at: datetime
    differences: list[SystemDifference] = Field(
        default=[], description="当前描述与最近一次审核通过的描述之间的差异"
    )


class InformationSystemFilter(QueryFilter):
    q: Annotated[str, Field(max_length=50)] | None = Field(
        default=None, description="编码、名称、用途"
    )
    owner_organization_id: UUID | None = None
    lifecycle_status: SystemLifecycle | None = None
    cloud_status: CloudStatus | None = None
    protection_level: Annotated[int, Field(ge=1, le=5)] | None = None


class SystemChangeCreate(Schema):
    """A proposed change. ``composition_change`` carries the new ``data_holdings`` and/or
    ``resources_used``; the other kinds carry nothing but the reason."""

    kind: SystemChangeKind
    data_holdings: Annotated[list[DataObjectName], Field(max_length=MAX_DATA_HOLDINGS)] | None = (
        None
    )
    resources_used: Annotated[list[DataObjectName], Field(max_length=100)] | None = None
    reason: Annotated[str, Field(max_length=2000)] = ""


class ChangeDecision(Schema):
    opinion: Annotated[str, Field(max_length=2000)] = ""


class SystemChangeRequestRead(Schema):
    id: UUID
    system_id: UUID
    system_code: str
    system_name: str
    owner_organization_id: UUID
    owner_name: str
    kind: SystemChangeKind
    proposed_changes: dict[str, Any]
    reason: str
    status: ChangeRequestStatus
    requested_by_name: str
    created_at: datetime
    reviewer_name: str
    opinion: str
    decided_at: datetime | None


class SystemChangeRequestFilter(QueryFilter):
    status: ChangeRequestStatus | None = None
    kind: SystemChangeKind | None = None
    system_id: UUID | None = None
    owner_organization_id: UUID | None = None


class MigrationFigures(Schema):
    """Systems in use, being built or planned (not retired), by city-cloud status."""

    total: int = 0
    deployed: int = 0
    migrating: int = 0
    not_migrated: int = 0
    exempt: int = 0
    overdue: int = Field(default=0, description="迁移中且计划日期已过")
    rate: float | None = Field(
        default=None, description="迁移率 = 已部署 / (总数 − 豁免)；没有应迁移系统时为空"
    )


class DepartmentMigration(Schema):
    organization_id: UUID
    name: str
    figures: MigrationFigures


class CountyMigration(Schema):
    division_code: str
    organization_id: UUID
    name: str
    figures: MigrationFigures


class CloudDashboard(Schema):
    as_of: date
    city: MigrationFigures
    municipal: MigrationFigures
    county_total: MigrationFigures
    departments: list[DepartmentMigration]
    counties: list[CountyMigration]


class OverdueSystem(Schema):
    system_id: UUID
    system_code: str
    system_name: str
    organization_id: UUID
    organization_name: str
    cloud_status: CloudStatus
    migration_planned_date: date | None
    days_late: int | None = Field(description="计划日期至今的天数；未定计划日期时为空")
    working_days_late: int | None = Field(description="同上，按工作日（含调休）计；日历未知时为空")
    protection_level: int
    user_count: int


class OverdueReport(Schema):
    """Art. 70: systems of the city's departments and units still off the city cloud."""

    as_of: date
    scope_organizations: int = Field(description="承担第二十二条“市直部门、单位”职责的单位数")
    rows: list[OverdueSystem]
    note: str = ""
