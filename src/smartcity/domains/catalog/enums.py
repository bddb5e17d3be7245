"""Enumerations of the catalog shared with other domains (import, sharing, open data)."""

from __future__ import annotations

from enum import StrEnum


class ClassificationKind(StrEnum):
    """The three catalog families of the compilation guide (发改高技〔2017〕1272号)."""

    base = "base"
    thematic = "thematic"
    departmental = "departmental"


CLASSIFICATION_KIND_LABELS: dict[ClassificationKind, str] = {
    ClassificationKind.base: "基础信息资源",
    ClassificationKind.thematic: "主题信息资源",
    ClassificationKind.departmental: "部门信息资源",
}


class BaseDatabase(StrEnum):
    """The five base databases of Art. 23; their resources are shared unconditionally."""

    population = "population"
    legal_entity = "legal_entity"
    spatial_geography = "spatial_geography"
    macro_economy = "macro_economy"
    social_credit = "social_credit"


BASE_DATABASE_LABELS: dict[BaseDatabase, str] = {
    BaseDatabase.population: "人口",
    BaseDatabase.legal_entity: "法人",
    BaseDatabase.spatial_geography: "空间地理",
    BaseDatabase.macro_economy: "宏观经济",
    BaseDatabase.social_credit: "社会信用",
}


class ResourceFormat(StrEnum):
    """Format type of the compilation guide (codes 1–7)."""

    electronic_file = "electronic_file"
    spreadsheet = "spreadsheet"
    database = "database"
    image = "image"
    streaming_media = "streaming_media"
    self_describing = "self_describing"
    service_interface = "service_interface"


RESOURCE_FORMAT_LABELS: dict[ResourceFormat, str] = {
    ResourceFormat.electronic_file: "电子文件",
    ResourceFormat.spreadsheet: "电子表格",
    ResourceFormat.database: "数据库",
    ResourceFormat.image: "图形图像",
    ResourceFormat.streaming_media: "流媒体",
    ResourceFormat.self_describing: "自描述格式",
    ResourceFormat.service_interface: "服务接口",
}


class DataType(StrEnum):
    """Data type of an information item."""

    string = "string"
    integer = "integer"
    decimal = "decimal"
    date = "date"
    datetime = "datetime"
    boolean = "boolean"
    binary = "binary"
    geometry = "geometry"


DATA_TYPE_LABELS: dict[DataType, str] = {
    DataType.string: "字符型",
    DataType.integer: "整数型",
    DataType.decimal: "数值型",
    DataType.date: "日期型",
    DataType.datetime: "日期时间型",
    DataType.boolean: "布尔型",
    DataType.binary: "二进制",
    DataType.geometry: "空间几何",
}


class Identifies(StrEnum):
    """Whether an item identifies a natural person, a legal entity, or neither."""

    person = "person"
    legal_entity = "legal_entity"
    none = "none"


IDENTIFIES_LABELS: dict[Identifies, str] = {
    Identifies.person: "自然人",
    Identifies.legal_entity: "法人",
    Identifies.none: "否",
}


class UpdateCycle(StrEnum):
    realtime = "realtime"
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"
    quarterly = "quarterly"
    half_yearly = "half_yearly"
    yearly = "yearly"
    irregular = "irregular"


UPDATE_CYCLE_LABELS: dict[UpdateCycle, str] = {
    UpdateCycle.realtime: "实时",
    UpdateCycle.daily: "每日",
    UpdateCycle.weekly: "每周",
    UpdateCycle.monthly: "每月",
    UpdateCycle.quarterly: "每季度",
    UpdateCycle.half_yearly: "每半年",
    UpdateCycle.yearly: "每年",
    UpdateCycle.irregular: "不定期",
}


class ShareType(StrEnum):
    """Share type of 国发〔2016〕51号: sharing is the rule, not sharing the exception."""

    unconditional = "unconditional"
    conditional = "conditional"
    none = "none"


SHARE_TYPE_LABELS: dict[ShareType, str] = {
    ShareType.unconditional: "无条件共享",
    ShareType.conditional: "有条件共享",
    ShareType.none: "不予共享",
}

# Share types that must rest on a registered legal basis (51号; Shandong 2019 rules).
SHARE_TYPES_NEEDING_BASIS = frozenset({ShareType.conditional, ShareType.none})


class ShareMode(StrEnum):
    api = "api"
    query = "query"
    file = "file"
    table = "table"


SHARE_MODE_LABELS: dict[ShareMode, str] = {
    ShareMode.api: "接口",
    ShareMode.query: "查询",
    ShareMode.file: "文件",
    ShareMode.table: "库表",
}


class OpenType(StrEnum):
    """Open attribute (Art. 31): what the public may get."""

    open = "open"
    conditional = "conditional"
    closed = "closed"


OPEN_TYPE_LABELS: dict[OpenType, str] = {
    OpenType.open: "无条件开放",
    OpenType.conditional: "有条件开放",
    OpenType.closed: "不予开放",
}


class GradeCategory(StrEnum):
    """GB/T 43697-2024 categories, from low to high."""

    general = "general"
    important = "important"
    core = "core"


GRADE_CATEGORY_LABELS: dict[GradeCategory, str] = {
    GradeCategory.general: "一般数据",
    GradeCategory.important: "重要数据",
    GradeCategory.core: "核心数据",
}


class EntryStatus(StrEnum):
    """Where a catalog entry stands as a whole.

    ``draft``: never published (its content is its working version's);
    ``published``: in the catalog; ``withdrawn``: taken out by the coordinator,
    the row kept for the records and links that name it.
    """

    draft = "draft"
    published = "published"
    withdrawn = "withdrawn"


ENTRY_STATUS_LABELS: dict[EntryStatus, str] = {
    EntryStatus.draft: "未发布",
    EntryStatus.published: "已发布",
    EntryStatus.withdrawn: "已撤销",
}


class VersionState(StrEnum):
    """Where one version of an entry stands in review.

    draft → submitted → (returned → draft …) → published → superseded.
    """

    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    published = "published"
    superseded = "superseded"


VERSION_STATE_LABELS: dict[VersionState, str] = {
    VersionState.draft: "草稿",
    VersionState.submitted: "待审核",
    VersionState.returned: "已退回",
    VersionState.published: "现行版本",
    VersionState.superseded: "历史版本",
}

# Versions still being worked on: at most one per entry.
OPEN_VERSION_STATES = frozenset({VersionState.draft, VersionState.submitted, VersionState.returned})
# Versions anyone who can see the entry may see; the others stay with the provider.
PUBLIC_VERSION_STATES = frozenset({VersionState.published, VersionState.superseded})
