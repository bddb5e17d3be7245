"""Schemas of the once-only service: forms and their fields (the public read model the
prefill service uses), the checker's findings and rates, and the "asked again" cases."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field

from smartcity.core.schemas import QueryFilter, Schema
from smartcity.domains.onceonly.enums import (
    Availability,
    CaseState,
    FieldCollection,
    FormChannel,
)

FormCode = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$",
        description="字母、数字、点、下划线或连字符，2 至 64 位",
    ),
]

# ------------------------------------------------------------------------------ forms


class FormFieldWrite(Schema):
    """One field as a form is written: mapped (``entry_id`` + ``item_name``) or
    ``applicant_only`` with a reason. ``id`` keeps an existing field (and its id)."""

    id: UUID | None = None
    label: Annotated[str, Field(min_length=1, max_length=100)]
    entry_id: UUID | None = None
    item_name: Annotated[str, Field(max_length=100)] = ""
    applicant_only: bool = False
    applicant_only_reason: Annotated[str, Field(max_length=1000)] = ""
    collection: FieldCollection = FieldCollection.typed


class ServiceFormCreate(Schema):
    code: FormCode
    name: Annotated[str, Field(min_length=2, max_length=200)]
    organization_id: UUID | None = Field(
        default=None, description="办理部门；单位管理员可省略（即本单位）"
    )
    channel: FormChannel = FormChannel.online
    description: Annotated[str, Field(max_length=4000)] = ""
    fields: Annotated[list[FormFieldWrite], Field(max_length=200)] = []


class ServiceFormUpdate(Schema):
    """PATCH body: only what is present changes; ``fields``, when present, is the whole
    new list in order (fields with an ``id`` are kept and updated, the others created,
    the missing ones removed)."""

    name: Annotated[str, Field(min_length=2, max_length=200)] | None = None
    channel: FormChannel | None = None
    description: Annotated[str, Field(max_length=4000)] | None = None
    fields: Annotated[list[FormFieldWrite], Field(max_length=200)] | None = None


class FieldMapping(Schema):
    """Where the platform holds a field's value: the catalog entry and its information
    item, and, when the entry is a base-database resource made real, the base-data table
    and column with the item's one source department (一数一源)."""

    entry_id: UUID
    resource_code: str
    entry_name: str
    entry_status: str = Field(description="draft / published / withdrawn")
    share_type: str = Field(description="unconditional / conditional / none")
    provider_organization_id: UUID
    provider_name: str
    item_id: UUID | None = Field(description="None: the entry no longer has the item")
    item_name: str
    base_table: str | None = Field(default=None, description="bd_* table, if any")
    base_column: str | None = None
    source_organization_id: UUID | None = None


class FormFieldRead(Schema):
    id: UUID
    position: int
    label: str
    collection: FieldCollection
    applicant_only: bool
    applicant_only_reason: str
    mapping: FieldMapping | None


class ServiceFormSummary(Schema):
    id: UUID
    code: str
    name: str
    organization_id: UUID
    organization_name: str
    channel: FormChannel
    field_count: int
    updated_at: datetime


class ServiceFormRead(Schema):
    """A form with its fields in order and their catalog mappings."""

    id: UUID
    code: str
    name: str
    organization_id: UUID
    organization_name: str
    channel: FormChannel
    description: str
    fields: list[FormFieldRead]
    created_at: datetime
    updated_at: datetime


class ServiceFormFilter(QueryFilter):
    organization_id: UUID | None = None
    q: Annotated[str, Field(max_length=100)] = ""


# ------------------------------------------------------------------------------ checker


class FieldFinding(Schema):
    """The checker's verdict on one field: can the platform supply it, and is the
    applicant asked for it all the same (a once-only violation)?"""

    form_id: UUID
    form_code: str
    form_name: str
    organization_id: UUID
    organization_name: str
    field_id: UUID
    position: int
    label: str
    collection: FieldCollection
    availability: Availability
    is_violation: bool
    entry_id: UUID | None = None
    resource_code: str = ""
    entry_name: str = ""
    item_name: str = ""
    provider_name: str = ""
    share_type: str = ""
    grant_id: UUID | None = None
    grant_number: str = ""


class RateCounts(Schema):
    """Counts behind a once-only rate.

    ``available``: fields the platform can supply (the department's own published
    resource, an active grant of it, or an obtainable one: share type 无条件 or 有条件);
    ``asked_again``: those of them the applicant is asked to type or attach;
    ``rate`` = (available − asked_again) / available, None when nothing is available.
    """

    forms: int = 0
    fields: int = 0
    applicant_only: int = 0
    not_shared: int = 0
    unavailable: int = 0
    available: int = 0
    asked_again: int = 0
    asked_again_granted: int = 0
    rate: float | None = None


class DepartmentRate(RateCounts):
    organization_id: UUID
    organization_name: str


class FormCheck(Schema):
    form_id: UUID
    code: str
    name: str
    organization_id: UUID
    organization_name: str
    counts: RateCounts
    findings: list[FieldFinding]


class OnceOnlyReport(Schema):
    """The once-only report: the city-wide (or one department's) rate, the rates per
    department, and every violation with the resource (and grant) that would serve it."""

    generated_at: datetime
    scope: str = Field(description="city, or the department's name")
    totals: RateCounts
    departments: list[DepartmentRate]
    violations: list[FieldFinding]


# ------------------------------------------------------------------------------ cases


class CaseCreate(Schema):
    """我被重复索要材料: a form (and field) when known, else the department and matter in
    free text; which data; what happened."""

    form_id: UUID | None = None
    field_id: UUID | None = None
    department_text: Annotated[str, Field(max_length=200)] = ""
    matter_text: Annotated[str, Field(max_length=200)] = ""
    data_text: Annotated[str, Field(max_length=500)] = ""
    description: Annotated[str, Field(max_length=4000)] = ""


class CaseAnswer(Schema):
    """The coordinator's reply (resolve) or reason (dismiss)."""

    text: Annotated[str, Field(min_length=1, max_length=4000)]


class CaseFilter(QueryFilter):
    state: CaseState | None = None
    open_only: bool = False


class CaseRead(Schema):
    id: UUID
    number: str
    state: CaseState
    reporter_name: str
    form_id: UUID | None
    form_code: str
    form_name: str
    field_id: UUID | None
    field_label: str
    organization_id: UUID | None
    organization_name: str
    department_text: str
    matter_text: str
    data_text: str
    description: str
    submitted_at: datetime
    handling_at: datetime | None
    handled_by_name: str
    closed_at: datetime | None
    reply: str
    finding: FieldFinding | None = Field(
        default=None,
        description="The checker's finding on the field, when form and field are known",
    )


class FormChoice(Schema):
    """A form as the citizen's report picks it, with its field labels."""

    id: UUID
    code: str
    name: str
    organization_name: str
    fields: list[tuple[UUID, str]]
