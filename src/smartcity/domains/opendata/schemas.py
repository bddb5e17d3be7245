"""Schemas of the open data portal: datasets, resources, searches and datastore queries.

These are the shapes the CKAN-compatible Action API, DCAT and the portal pages
build on: ``DatasetRead`` carries everything ``package_show`` needs,
``DatasetSearchResult`` everything ``package_search`` needs (count, results,
facets), ``DatastoreResult`` everything ``datastore_search`` needs.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, field_validator

from smartcity.core.schemas import Schema
from smartcity.domains.opendata.enums import (
    DatasetState,
    FieldTreatment,
    FieldType,
    OpenAccess,
    ReleaseKind,
    ReleaseState,
    ResourceKind,
    UsageChannel,
)

#: CKAN's rule for a dataset ``name``: lower-case ASCII letters, digits, ``-`` and ``_``.
NAME_PATTERN = re.compile(r"^[a-z0-9_-]{2,100}$")
#: Most rows ``search_datasets`` returns at once (CKAN's ``ckan.search.rows_max``).
MAX_SEARCH_ROWS = 1000
#: Most records one datastore query returns (CKAN's ``ckan.datastore.search.rows_max``).
MAX_DATASTORE_LIMIT = 32_000

DatasetName = Annotated[
    str, Field(pattern=NAME_PATTERN.pattern, description="URL 标识（CKAN name）")
]


class FieldSpec(Schema):
    """One column of a resource (its data dictionary entry)."""

    id: Annotated[str, Field(min_length=1, max_length=100, description="字段标识")]
    title: Annotated[str, Field(max_length=100, description="中文名称")] = ""
    type: FieldType = FieldType.text
    description: Annotated[str, Field(max_length=1000)] = ""

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value.startswith("_"):
            raise ValueError("字段标识不能以下划线开头（_id 为行号保留）")
        return value


class ResourceCreate(Schema):
    """A resource to add to a dataset; its rows are passed separately."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=4000)] = ""
    format: Annotated[str, Field(min_length=1, max_length=16)] = "CSV"
    kind: ResourceKind = ResourceKind.table
    fields: Annotated[list[FieldSpec], Field(max_length=500)] = []

    @field_validator("fields")
    @classmethod
    def _unique_ids(cls, value: list[FieldSpec]) -> list[FieldSpec]:
        ids = [f.id for f in value]
        if len(ids) != len(set(ids)):
            raise ValueError("字段标识重复")
        return value


class ResourceRead(Schema):
    id: UUID
    dataset_id: UUID
    position: int
    name: str
    description: str
    format: str
    kind: ResourceKind
    fields: list[FieldSpec]
    row_count: int
    datastore_active: bool = Field(description="是否有可查询、可下载的数据行")
    release_id: UUID | None
    last_modified: datetime
    created_at: datetime


class DatasetCreate(Schema):
    """Metadata of a new open dataset. ``entry_id`` links it to the catalog entry it
    opens (one dataset per entry); datasets made by the demo or by tests may omit it."""

    name: DatasetName
    title: Annotated[str, Field(min_length=1, max_length=200)]
    notes: Annotated[str, Field(max_length=8000)] = ""
    provider_organization_id: UUID
    theme_code: Annotated[str, Field(max_length=32)] = ""
    theme_name: Annotated[str, Field(max_length=100)] = ""
    tags: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=50)
    ] = []
    license_id: Annotated[str, Field(max_length=32)] = "jining-open-data"
    update_cycle: Annotated[str, Field(max_length=16)] = "irregular"
    access: OpenAccess = OpenAccess.open
    access_terms: Annotated[str, Field(max_length=4000)] = ""
    entry_id: UUID | None = None
    entry_version: int = 1
    resource_code: Annotated[str, Field(max_length=64)] = ""


class DatasetWithdrawal(Schema):
    reason: Annotated[str, Field(min_length=1, max_length=2000, description="撤回原因")]


class DatasetSummary(Schema):
    """A dataset as lists and search results show it (with its resources)."""

    id: UUID
    name: str
    title: str
    notes: str
    provider_organization_id: UUID
    provider_name: str
    provider_code: str
    organization_name: str = Field(description="提供单位的 URL 标识（CKAN organization name）")
    theme_code: str
    theme_name: str
    tags: list[str]
    license_id: str
    license_title: str
    license_url: str
    update_cycle: str
    update_cycle_label: str
    access: OpenAccess
    access_terms: str
    state: DatasetState
    entry_id: UUID | None
    entry_version: int
    resource_code: str
    metadata_created: datetime
    metadata_modified: datetime
    published_at: datetime | None
    download_count: int
    api_count: int
    view_count: int
    formats: list[str]
    resources: list[ResourceRead]


class DatasetRead(DatasetSummary):
    withdrawn_at: datetime | None
    withdrawal_reason: str


class DatasetSearch(Schema):
    """A dataset search (CKAN ``package_search``): ``q`` is cut by the Chinese tokenizer
    (every two-character word is found); each list filter matches any of its values
    (OR), except ``tags``, which must all be present (AND); filters combine with AND."""

    q: Annotated[str, Field(max_length=200)] = ""
    provider: list[str] = Field(default=[], description="提供单位：id、代码或 URL 标识")
    theme: list[str] = Field(default=[], description="主题分类代码")
    format: list[str] = Field(default=[], description="资源格式，如 CSV")
    update_cycle: list[str] = []
    license_id: list[str] = []
    tags: list[str] = []
    access: list[OpenAccess] = []
    modified_since: datetime | None = Field(default=None, description="metadata_modified ≥")
    rows: Annotated[int, Field(ge=0, le=MAX_SEARCH_ROWS)] = 10
    start: Annotated[int, Field(ge=0)] = 0
    sort: Annotated[str, Field(max_length=200)] = ""
    facet_limit: Annotated[int, Field(ge=-1, le=1000)] = 50


class FacetCount(Schema):
    name: str = Field(description="取值（代码或标识）")
    display_name: str
    count: int


class DatasetSearchResult(Schema):
    """``count`` is the number of all hits; ``facets`` maps a facet name
    (``organization``, ``groups`` (themes), ``tags``, ``res_format``, ``license_id``,
    ``update_cycle``, ``access``) to its values, most frequent first."""

    count: int
    results: list[DatasetSummary]
    facets: dict[str, list[FacetCount]]
    sort: str


class OrganizationRead(Schema):
    """A provider of open data (CKAN organization)."""

    id: UUID
    name: str = Field(description="URL 标识")
    code: str
    title: str
    description: str
    package_count: int


class ThemeRead(Schema):
    """A theme (CKAN group): the catalog's classification of the datasets."""

    name: str
    title: str
    package_count: int


class DatastoreQuery(Schema):
    """A datastore query (CKAN ``datastore_search``).

    ``filters``: field id → value or list of values (equality / any of);
    ``q``: text every hit contains in some text field (case-insensitive), or a dict
    field id → text; ``fields``: the fields returned (default all); ``sort``:
    ``"field [asc|desc], ..."``; ``include_total``: count every match.
    """

    filters: dict[str, Any] = {}
    q: str | dict[str, str] = ""
    fields: list[str] | None = None
    sort: Annotated[str, Field(max_length=500)] = ""
    limit: Annotated[int, Field(ge=0, le=MAX_DATASTORE_LIMIT)] = 100
    offset: Annotated[int, Field(ge=0)] = 0
    include_total: bool = True


class DatastoreField(Schema):
    id: str
    type: str
    title: str = ""
    description: str = ""


class DatastoreResult(Schema):
    """One page of records. Each record has ``_id`` (1-based row number) and the
    requested fields, with JSON values: text, int, float, ISO date/time text, bool."""

    resource_id: UUID
    fields: list[DatastoreField]
    records: list[dict[str, Any]]
    total: int | None
    limit: int
    offset: int
    sort: str


class UsageDay(Schema):
    day: str
    channel: UsageChannel
    count: int


class TermsAcceptanceCreate(Schema):
    purpose: Annotated[str, Field(max_length=2000)] = ""


# --- releases (Art. 31) -----------------------------------------------------------------


class FieldPlan(Schema):
    """How one information item is treated in a release."""

    name: str
    role: str = Field(description="direct / quasi / sensitive / plain")
    treatment: FieldTreatment
    reason: str = ""


class ReleasePrepare(Schema):
    """A release to prepare from a published catalog entry: record-level (k-anonymity
    on the quasi-identifiers, default k = 5) or statistical (counts per group, cells
    below ``min_cell`` suppressed, default 10). ``treatments`` overrides the default
    treatment of fields by name (a direct identifier can never be kept)."""

    entry_id: UUID
    kind: ReleaseKind = ReleaseKind.record
    k: Annotated[int, Field(ge=2, le=1000)] = 5
    min_cell: Annotated[int, Field(ge=1, le=10_000)] = 10
    group_by: Annotated[list[str], Field(max_length=10)] = []
    treatments: dict[str, FieldTreatment] = {}


class CheckResult(Schema):
    passed: bool
    k_required: int | None = None
    k_found: int | None = None
    small_classes: int = 0
    rows_in_small_classes: int = 0
    min_cell: int | None = None
    suppressed_cells: int = 0
    violations: list[str] = []


class ReleaseRead(Schema):
    id: UUID
    entry_id: UUID
    entry_version: int
    kind: ReleaseKind
    state: ReleaseState
    k: int
    min_cell: int
    group_by: list[str]
    plan: list[FieldPlan]
    result: CheckResult
    row_count: int
    source_name: str
    prepared_by_name: str
    dataset_id: UUID | None
    published_at: datetime | None
    created_at: datetime
    fields: list[FieldSpec] = []
    preview: list[dict[str, Any]] = []


class ReleasePublish(Schema):
    """Metadata of the dataset a checked release becomes (defaults from the entry)."""

    name: DatasetName | None = None
    tags: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=50)
    ] = []
    license_id: Annotated[str, Field(max_length=32)] = "jining-open-data"
    access_terms: Annotated[str, Field(max_length=4000)] = ""
