"""Schemas of the catalog: drafts, reads, search, versions, grades."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import Field, model_validator

from smartcity.core.schemas import QueryFilter, Schema
from smartcity.domains.catalog.enums import (
    BaseDatabase,
    ClassificationKind,
    DataType,
    EntryStatus,
    GradeCategory,
    Identifies,
    OpenType,
    ResourceFormat,
    ShareMode,
    ShareType,
    UpdateCycle,
    VersionState,
)

# 类/项/目/细目: a letter or digit class, then up to three dotted levels.
CATEGORY_CODE_PATTERN = r"^[A-Z0-9]{1,3}(\.[0-9A-Z]{1,8}){0,3}$"
RESOURCE_CODE_PATTERN = r"^[A-Z0-9]{1,3}(\.[0-9A-Z]{1,8}){0,3}/[0-9]{1,10}$"

CategoryCode = Annotated[
    str,
    Field(
        pattern=CATEGORY_CODE_PATTERN, max_length=32, description="类/项/目/细目代码，如 B.01.02"
    ),
]
ResourceCode = Annotated[
    str,
    Field(
        pattern=RESOURCE_CODE_PATTERN,
        max_length=64,
        description="资源代码：分类代码/顺序码，如 B.01.02/000001",
    ),
]
GradeCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,16}$", description="分级代码")]


class InformationItemData(Schema):
    """One information item (field) of a resource."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    data_type: DataType
    length: Annotated[int, Field(ge=1, le=1_000_000_000)] | None = None
    description: Annotated[str, Field(max_length=1000)] = ""
    grade_code: GradeCode
    identifies: Identifies = Identifies.none
    is_personal: bool = False
    is_sensitive: bool = False


class EntryDraft(Schema):
    """The full content of a catalog entry as a department compiles it.

    Shape is checked here; the rules that need the registry or the grading
    scheme (legal bases citable, base resources shared, personal data not open
    …) are checked by the service, which raises one ``catalog.*`` problem.
    """

    classification_kind: ClassificationKind
    base_database: BaseDatabase | None = None
    category_code: CategoryCode
    category_name: Annotated[str, Field(min_length=1, max_length=100)]
    resource_code: ResourceCode
    name: Annotated[str, Field(min_length=2, max_length=200)]
    provider_organization_id: UUID
    abstract: Annotated[str, Field(min_length=1, max_length=4000)]
    format: ResourceFormat
    items: Annotated[list[InformationItemData], Field(max_length=500)] = []
    update_cycle: UpdateCycle
    release_date: date | None = None
    related_resource_codes: Annotated[list[ResourceCode], Field(max_length=50)] = []
    source_system_id: UUID | None = None
    share_type: ShareType
    share_condition: Annotated[str, Field(max_length=2000)] = ""
    share_mode: ShareMode | None = None
    legal_basis_ids: Annotated[list[UUID], Field(max_length=20)] = []
    open_type: OpenType = OpenType.closed
    open_condition: Annotated[str, Field(max_length=2000)] = ""
    open_deidentified: bool = False
    deidentification_method: Annotated[str, Field(max_length=2000)] = ""

    @model_validator(mode="after")
    def _codes_and_items_fit_together(self) -> Self:
        if not self.resource_code.startswith(f"{self.category_code}/"):
            raise ValueError(
                f"资源代码 {self.resource_code} 应以分类代码 {self.category_code}/ 开头"
            )
        names = [item.name for item in self.items]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"信息项名称重复：{'、'.join(duplicates)}")
        self.legal_basis_ids = list(dict.fromkeys(self.legal_basis_ids))
        self.related_resource_codes = list(dict.fromkeys(self.related_resource_codes))
        return self

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready content, as versions store it and diffs compare it."""
        return self.model_dump(mode="json")


class ReviewDecision(Schema):
    opinion: Annotated[str, Field(max_length=2000)] = ""


class ReturnDecision(Schema):
    opinion: Annotated[str, Field(min_length=1, max_length=2000, description="退回意见（必填）")]


class Withdrawal(Schema):
    reason: Annotated[str, Field(min_length=1, max_length=2000, description="撤销原因")]


class GradeRead(Schema):
    code: str
    name: str
    rank: int
    category: GradeCategory
    description: str


class GradeCreate(Schema):
    code: GradeCode
    name: Annotated[str, Field(min_length=1, max_length=50)]
    rank: Annotated[int, Field(ge=1, le=1000)]
    category: GradeCategory
    description: Annotated[str, Field(max_length=2000)] = ""


class GradeUpdate(Schema):
    """Rename or describe a grade. Its code and rank stay: items and entries carry them."""

    name: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None


class InformationItemRead(Schema):
    id: UUID
    position: int
    name: str
    data_type: DataType
    length: int | None
    description: str
    grade_code: str
    identifies: Identifies
    is_personal: bool
    is_sensitive: bool


class LegalBasisCitation(Schema):
    id: UUID
    code: str
    citation: str
    repealed_date: date | None


class EntrySummary(Schema):
    """A row of a result list."""

    id: UUID
    resource_code: str
    name: str
    classification_kind: ClassificationKind
    base_database: BaseDatabase | None
    category_code: str
    category_name: str
    provider_organization_id: UUID
    abstract: str
    format: ResourceFormat
    update_cycle: UpdateCycle
    share_type: ShareType
    open_type: OpenType
    grade_code: str | None
    status: EntryStatus
    version: int
    published_at: datetime | None
    is_stale: bool


class EntryRead(EntrySummary):
    provider_name: str
    release_date: date | None
    related_resource_codes: list[str]
    source_system_id: UUID | None
    share_condition: str
    share_mode: ShareMode | None
    open_condition: str
    open_deidentified: bool
    deidentification_method: str
    grade: GradeRead | None
    items: list[InformationItemRead]
    legal_bases: list[LegalBasisCitation]
    first_published_at: datetime | None
    withdrawn_at: datetime | None
    withdrawal_reason: str
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _from_entry(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        return {
            **{name: getattr(value, name) for name in cls.model_fields if name != "provider_name"},
            "provider_name": value.provider.name,
        }


class VersionSummary(Schema):
    """One version in an entry's history: who drafted, submitted and reviewed it."""

    id: UUID
    entry_id: UUID
    number: int
    state: VersionState
    resource_code: str
    name: str
    provider_organization_id: UUID
    grade_code: str | None
    drafted_by_name: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    submitted_by_name: str
    reviewed_at: datetime | None
    reviewer_name: str
    review_opinion: str
    published_at: datetime | None


class VersionRead(VersionSummary):
    content: EntryDraft

    @model_validator(mode="before")
    @classmethod
    def _from_version(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        fields = {name: getattr(value, name) for name in cls.model_fields if name != "content"}
        return {**fields, "content": version_content(value)}


def version_content(version: Any) -> EntryDraft:
    """The draft a version holds, rebuilt from its columns and JSON snapshot."""
    names = EntryDraft.model_fields.keys() - {"items", "legal_basis_ids"}
    return EntryDraft.model_validate(
        {
            **{name: getattr(version, name) for name in names},
            "items": version.items,
            "legal_basis_ids": version.legal_basis_ids,
        }
    )


class ItemChange(Schema):
    name: str
    changes: dict[str, list[Any]]


class VersionDiff(Schema):
    """What changed from one version to another: fields as ``[old, new]``, items by name."""

    entry_id: UUID
    from_number: int
    to_number: int
    fields: dict[str, list[Any]]
    items_added: list[str]
    items_removed: list[str]
    items_changed: list[ItemChange]


class EntrySearch(QueryFilter):
    """Query parameters of the catalog search (every facet doubles as a filter)."""

    q: Annotated[str, Field(max_length=200, description="检索词（中文、英文或数字）")] = ""
    provider: UUID | None = Field(default=None, description="提供单位")
    kind: ClassificationKind | None = Field(default=None, description="目录类别")
    share_type: ShareType | None = None
    open_type: OpenType | None = None
    grade: Annotated[str, Field(max_length=16)] | None = Field(default=None, description="分级代码")
    format: ResourceFormat | None = None


class FacetValue(Schema):
    value: str
    label: str
    count: int


class Facet(Schema):
    name: str
    values: list[FacetValue]


class EntrySearchResult(Schema):
    """One page of hits, best first, with facet counts over all hits of the query."""

    items: list[EntrySummary]
    total: int
    page: int
    size: int
    facets: list[Facet]


class VersionFilter(QueryFilter):
    state: VersionState | None = None
    provider: UUID | None = None


class DraftProblem(Schema):
    """One rule a draft breaks, for import reports that list every problem of a row."""

    code: str
    field: str
    message: str


class ImportProblem(Schema):
    """One problem of a catalog workbook, where a compiler finds it in the spreadsheet.

    ``row`` is the spreadsheet's row (the header is row 1); ``sheet`` empty and
    ``row`` 0 mean the file as a whole. ``code`` names the catalog rule broken,
    when it is one (``catalog.legal-basis-required`` …).
    """

    sheet: str
    row: int
    column: str
    cell: str = ""
    value: str
    reason: str
    code: str = ""


class CatalogImportReport(Schema):
    """What an import did (or, in a dry run, would do): one workbook is all or nothing."""

    filename: str
    resources: int = Field(description="资源行数")
    items: int = Field(description="信息项行数")
    created: int = Field(description="新建的目录条目（草稿）")
    revised: int = Field(description="已发布条目的新版本（草稿）")
    updated: int = Field(description="修改的草稿")
    unchanged: int = Field(description="内容未变、未动的条目")
    dry_run: bool
    errors: list[ImportProblem] = []
