"""Enums and labels of the open data portal that other code may use."""

from __future__ import annotations

from enum import StrEnum


class DatasetState(StrEnum):
    """Lifecycle of an open dataset. Only ``published`` datasets are public; a
    withdrawn dataset keeps its row (and its name) so old links answer 410-like
    "withdrawn" instead of a stranger's data."""

    draft = "draft"
    published = "published"
    withdrawn = "withdrawn"


DATASET_STATE_LABELS: dict[DatasetState, str] = {
    DatasetState.draft: "草稿",
    DatasetState.published: "已开放",
    DatasetState.withdrawn: "已撤回",
}


class OpenAccess(StrEnum):
    """How a dataset is open (Art. 31, the catalog's 开放属性): ``open`` to anyone,
    ``conditional`` downloadable only by registered users who accepted its terms."""

    open = "open"
    conditional = "conditional"


OPEN_ACCESS_LABELS: dict[OpenAccess, str] = {
    OpenAccess.open: "无条件开放",
    OpenAccess.conditional: "有条件开放",
}


class ResourceKind(StrEnum):
    """What a resource holds."""

    table = "table"  # record-level rows (明细数据)
    aggregate = "aggregate"  # statistical aggregates (统计数据)
    file = "file"  # a document or file without rows


RESOURCE_KIND_LABELS: dict[ResourceKind, str] = {
    ResourceKind.table: "明细数据",
    ResourceKind.aggregate: "统计数据",
    ResourceKind.file: "文件",
}


class FieldType(StrEnum):
    """Column types of a resource, named as CKAN's DataStore names them."""

    text = "text"
    int = "int"
    numeric = "numeric"
    date = "date"
    timestamp = "timestamp"
    bool = "bool"


FIELD_TYPE_LABELS: dict[FieldType, str] = {
    FieldType.text: "文本",
    FieldType.int: "整数",
    FieldType.numeric: "数值",
    FieldType.date: "日期",
    FieldType.timestamp: "日期时间",
    FieldType.bool: "布尔",
}


class UsageChannel(StrEnum):
    """How a dataset was used, counted per dataset per day."""

    download = "download"  # a file download (CSV, XLSX, JSON)
    api = "api"  # a data API call (datastore_search and the like)
    view = "view"  # a dataset page view


USAGE_CHANNEL_LABELS: dict[UsageChannel, str] = {
    UsageChannel.download: "下载",
    UsageChannel.api: "接口调用",
    UsageChannel.view: "浏览",
}


class DownloadFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


class ReleaseKind(StrEnum):
    """The form of an open release of a catalog entry (Art. 31)."""

    record = "record"  # record-level rows, de-identified; checked for k-anonymity
    statistical = "statistical"  # counts per group; small cells suppressed


RELEASE_KIND_LABELS: dict[ReleaseKind, str] = {
    ReleaseKind.record: "明细数据（去标识化）",
    ReleaseKind.statistical: "统计数据（汇总）",
}


class ReleaseState(StrEnum):
    """A release is prepared, checked (passed or failed) and, only if it passed,
    published; a failed release can never be published."""

    passed = "passed"
    failed = "failed"
    published = "published"
    discarded = "discarded"


RELEASE_STATE_LABELS: dict[ReleaseState, str] = {
    ReleaseState.passed: "检查通过",
    ReleaseState.failed: "检查未通过",
    ReleaseState.published: "已发布",
    ReleaseState.discarded: "已放弃",
}


class FieldTreatment(StrEnum):
    """What de-identification does to one field of a record-level release."""

    keep = "keep"  # published as is
    drop = "drop"  # removed (direct identifiers, sensitive values)
    year = "year"  # a date generalized to its year (quasi-identifier)
    district = "district"  # an address or division code generalized to its district
    prefix = "prefix"  # only the first characters kept (postal codes, codes)


FIELD_TREATMENT_LABELS: dict[FieldTreatment, str] = {
    FieldTreatment.keep: "保留",
    FieldTreatment.drop: "删除",
    FieldTreatment.year: "泛化为年份",
    FieldTreatment.district: "泛化为区县",
    FieldTreatment.prefix: "截取前缀",
}

#: Licences an open dataset may carry (CKAN ``license_id`` → title, URL).
LICENSES: dict[str, tuple[str, str]] = {
    "jining-open-data": ("济宁市公共数据开放许可协议", ""),
    "cc-by-4.0": (
        "知识共享署名 4.0 国际（CC BY 4.0）",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "cc-zero": ("CC0 公共领域贡献", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "odc-by": ("开放数据共享署名许可（ODC-BY）", "https://opendatacommons.org/licenses/by/"),
}
DEFAULT_LICENSE = "jining-open-data"
