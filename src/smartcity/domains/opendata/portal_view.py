"""View models of the open data portal pages: search state and facet links, the preview
table, the chart (drawn as inline SVG on the server: no script, no CDN, it prints and
works on an air-gapped network), API examples, history and usage totals.

Pure functions of schemas: no database, no request state beyond the query string.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from smartcity.domains.opendata.enums import DownloadFormat, FieldType, OpenAccess, UsageChannel
from smartcity.domains.opendata.schemas import (
    DatasetRead,
    DatastoreResult,
    FacetCount,
    FieldSpec,
    ResourceRead,
    UsageDay,
)

PORTAL = "/opendata"

#: Query parameters of the filters, in the order the facets are shown, and the service's
#: facet each one narrows.
FACET_OF_FILTER: dict[str, str] = {
    "provider": "organization",
    "theme": "groups",
    "format": "res_format",
    "update_cycle": "update_cycle",
    "license_id": "license_id",
    "tags": "tags",
    "access": "access",
}
FILTER_KEYS = tuple(k for k in FACET_OF_FILTER if k != "access")
FACET_LABELS: dict[str, str] = {
    "provider": "提供单位",
    "theme": "主题",
    "format": "格式",
    "update_cycle": "更新周期",
    "license_id": "许可协议",
    "tags": "标签",
    "access": "开放类型",
}
#: Portal sort keys → (label, the service's sort).
SORTS: dict[str, tuple[str, str]] = {
    "": ("相关度", ""),
    "modified": ("最近更新", "metadata_modified desc"),
    "name": ("名称", "title asc"),
    "downloads": ("下载次数", "download_count desc"),
}


# ---------------------------------------------------------------- search


@dataclass(frozen=True)
class SearchState:
    """What the query string asks for, to build links that change one thing."""

    q: str
    filters: tuple[tuple[str, str], ...]
    sort: str

    @classmethod
    def from_request(cls, request: Request) -> SearchState:
        params = request.query_params
        filters = tuple(
            (key, value.strip())
            for key in FACET_OF_FILTER
            for value in dict.fromkeys(params.getlist(key))
            if value.strip()
        )
        sort = params.get("sort", "")
        return cls(
            q=params.get("q", "").strip()[:200],
            filters=filters,
            sort=sort if sort in SORTS else "",
        )

    def has(self, key: str, value: str) -> bool:
        return (key, value) in self.filters

    def url(
        self,
        *,
        toggle: tuple[str, str] | None = None,
        sort: str | None = None,
        keep_q_only: bool = False,
    ) -> str:
        items: list[tuple[str, str]] = []
        if self.q:
            items.append(("q", self.q))
        if not keep_q_only:
            filters = list(self.filters)
            if toggle is not None:
                if toggle in filters:
                    filters.remove(toggle)
                else:
                    filters.append(toggle)
            items += filters
            chosen = self.sort if sort is None else sort
            if chosen:
                items.append(("sort", chosen))
        return f"{PORTAL}?{urlencode(items)}" if items else PORTAL


@dataclass(frozen=True)
class FacetLink:
    value: str
    label: str
    count: int
    active: bool
    href: str


@dataclass(frozen=True)
class FacetPanel:
    name: str
    label: str
    values: list[FacetLink]


def facet_panels(state: SearchState, facets: Mapping[str, list[FacetCount]]) -> list[FacetPanel]:
    """One panel per filter with the hits' values and counts; a link toggles its value."""
    panels = []
    for key, facet in FACET_OF_FILTER.items():
        links = [
            FacetLink(
                value=value.name,
                label=value.display_name,
                count=value.count,
                active=state.has(key, value.name),
                href=state.url(toggle=(key, value.name)),
            )
            for value in facets.get(facet, [])
        ]
        panels.append(FacetPanel(name=key, label=FACET_LABELS[key], values=links))
    return panels


def chips(state: SearchState, facets: Mapping[str, list[FacetCount]]) -> list[tuple[str, str, str]]:
    """The active filters as (facet label, value label, link that removes it); a filter
    with no hit left keeps its raw value as label."""
    labels = {
        (key, value.name): value.display_name
        for key, facet in FACET_OF_FILTER.items()
        for value in facets.get(facet, [])
    }
    return [
        (FACET_LABELS[key], labels.get((key, value), value), state.url(toggle=(key, value)))
        for key, value in state.filters
    ]


def sort_links(state: SearchState) -> list[tuple[str, str, bool]]:
    return [(label, state.url(sort=key), key == state.sort) for key, (label, _) in SORTS.items()]


# ---------------------------------------------------------------- preview table


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    return str(value)


@dataclass
class Preview:
    """One page of a resource's rows, or why there is none."""

    resource: ResourceRead
    page: int
    result: DatastoreResult | None = None
    size: int = 10
    message: str = ""

    @property
    def pages(self) -> int:
        total = self.result.total if self.result and self.result.total else 0
        return max(1, math.ceil(total / self.size))

    @property
    def columns(self) -> list[tuple[str, str]]:
        if self.result is None:
            return []
        return [(f.id, "行号" if f.id == "_id" else (f.title or f.id)) for f in self.result.fields]

    @property
    def rows(self) -> list[list[str]]:
        if self.result is None:
            return []
        ids = [f.id for f in self.result.fields]
        return [[cell(record.get(i)) for i in ids] for record in self.result.records]


# ---------------------------------------------------------------- chart

#: The chart's "y": the number of rows per category instead of a numeric field.
COUNT = "__count__"
_NUMERIC = {FieldType.int, FieldType.numeric}
_TEMPORAL = {FieldType.date, FieldType.timestamp}
_CATEGORY = {FieldType.text, FieldType.bool, FieldType.int, *_TEMPORAL}
MAX_BARS = 20


@dataclass
class ChartChoice:
    """The columns of a chart and what the user may choose from."""

    resource: ResourceRead
    x: str = ""
    y: str = ""
    temporal: bool = False
    x_options: list[tuple[str, str]] = field(default_factory=list)
    y_options: list[tuple[str, str]] = field(default_factory=list)
    message: str = ""

    def label(self, field_id: str) -> str:
        for value, label in (*self.x_options, *self.y_options):
            if value == field_id:
                return label
        return field_id


def _label(spec: FieldSpec) -> str:
    return spec.title or spec.id


#: Words of a field name that mark an identifier: summing or grouping by it says nothing.
_IDENTIFIER_WORDS = ("代码", "编码", "编号", "号码", "证号", "序号", "标识")
_IDENTIFIER_TOKENS = {"id", "code", "no", "number", "serial"}
#: Words of an integer field that hold a year: a time axis, not a quantity.
_YEAR_WORDS = ("年度", "年份")
_YEAR_TOKENS = {"year", "yr"}
#: Words of a text field that make a good category.
_CATEGORY_WORDS = ("区县", "区划名称", "县", "区", "类别", "类型", "行业", "状态", "等级", "性质")


def _words(spec: FieldSpec) -> str:
    return f"{spec.id} {spec.title}".lower()


def _tokens(spec: FieldSpec) -> set[str]:
    """Latin words of the id and title (``line_no`` → line, no), matched whole so that
    ``humidity`` is not an ``id``."""
    return set(re.split(r"[^a-z0-9]+", _words(spec))) - {""}


def _is_identifier(spec: FieldSpec) -> bool:
    words = _words(spec)
    return any(w in words for w in _IDENTIFIER_WORDS) or bool(_tokens(spec) & _IDENTIFIER_TOKENS)


def _is_year(spec: FieldSpec) -> bool:
    if spec.type is not FieldType.int:
        return False
    return any(w in _words(spec) for w in _YEAR_WORDS) or bool(_tokens(spec) & _YEAR_TOKENS)


def _x_rank(spec: FieldSpec) -> int:
    """Lower is a better default for the chart's grouping."""
    if spec.type in _TEMPORAL:
        return 0
    if _is_year(spec):
        return 1
    if spec.type in {FieldType.text, FieldType.bool} and not _is_identifier(spec):
        return 2 if any(word in _words(spec) for word in _CATEGORY_WORDS) else 3
    if spec.type in {FieldType.text, FieldType.bool}:
        return 4
    return 5


def chart_choice(resource: ResourceRead, x: str, y: str) -> ChartChoice:
    """The chart's columns: the user's choice when it is one of the options; else, for
    ``x``, a date or time field (a line over time), a year, a category such as the
    county, or the first text field (bars); for ``y`` the first quantity (a numeric
    field that is neither a year nor an identifier), or the row count."""
    choice = ChartChoice(resource=resource)
    if not resource.datastore_active:
        choice.message = "该资源是文件，没有可绘制的数据。"
        return choice
    fields = resource.fields
    categories = [f for f in fields if f.type in _CATEGORY]
    choice.x_options = [(f.id, _label(f)) for f in categories]
    if not categories:
        choice.message = "该资源没有可作为分类或时间的字段。"
        return choice
    by_id = {f.id: f for f in fields}
    default_x = min(categories, key=_x_rank).id
    choice.x = x if x in by_id and by_id[x] in categories else default_x
    numeric = [f for f in fields if f.type in _NUMERIC and f.id != choice.x]
    quantities = [f for f in numeric if not _is_year(f) and not _is_identifier(f)]
    choice.y_options = [(f.id, _label(f)) for f in numeric] + [(COUNT, "记录数")]
    default_y = quantities[0].id if quantities else COUNT
    choice.y = y if y in dict(choice.y_options) else default_y
    spec = by_id[choice.x]
    choice.temporal = spec.type in _TEMPORAL or _is_year(spec)
    return choice


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


@dataclass
class Chart:
    """A chart ready for the template: bars or a line in a 640 × 300 SVG box."""

    choice: ChartChoice
    kind: str = ""
    bars: list[Bar] = field(default_factory=list)
    points: str = ""
    dots: list[tuple[float, float, str, str]] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    data: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""

    width: int = 640
    height: int = 300
    left: int = 64
    right: int = 12
    top: int = 16
    bottom: int = 70

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def title(self) -> str:
        c = self.choice
        return f"{c.label(c.y)}（按{c.label(c.x)}）"


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _nice_step(span: float) -> float:
    raw = span / 4 if span > 0 else 1
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return float(factor * magnitude)
    return float(10 * magnitude)


def _short(label: str, n: int = 8) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def aggregate(choice: ChartChoice, records: Iterable[Mapping[str, Any]]) -> list[tuple[str, float]]:
    """``y`` summed (or rows counted) per value of ``x``, in first-seen order."""
    sums: dict[str, float] = {}
    for record in records:
        key = cell(record.get(choice.x)) or "（空）"
        if choice.y == COUNT:
            sums[key] = sums.get(key, 0) + 1
            continue
        value = record.get(choice.y)
        if isinstance(value, int | float) and not isinstance(value, bool):
            sums[key] = sums.get(key, 0) + float(value)
        else:
            sums.setdefault(key, 0)
    return list(sums.items())


def draw_chart(
    choice: ChartChoice, records: Sequence[Mapping[str, Any]], *, limit: int, total: int
) -> Chart:
    """Bars per category (the ``MAX_BARS`` largest) or a line over time."""
    chart = Chart(choice=choice, kind="line" if choice.temporal else "bar")
    series = aggregate(choice, records)
    if not series:
        choice.message = "没有数据行可绘制。"
        return chart
    if chart.kind == "bar" and len(series) > MAX_BARS:
        series = sorted(series, key=lambda item: item[1], reverse=True)[:MAX_BARS]
        chart.note = f"只显示数值最大的 {MAX_BARS} 类。"
    if total > limit:
        chart.note = (chart.note + f"按前 {limit} 行（共 {total} 行）绘制。").strip()
    chart.data = [(label, _number(value)) for label, value in series]
    values = [value for _, value in series]
    low, high = min(0.0, *values), max(0.0, *values)
    step = _nice_step(high - low)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step if high > 0 else step if low == 0 else 0.0
    plot_h = chart.plot_bottom - chart.top
    plot_w = chart.plot_right - chart.left

    def y_of(value: float) -> float:
        return round(chart.plot_bottom - (value - low) / (high - low) * plot_h, 1)

    tick = low
    while tick <= high + step / 2:
        chart.ticks.append((y_of(tick), _number(tick)))
        tick += step
    n = len(series)
    slot = plot_w / n
    zero = y_of(0.0)
    if chart.kind == "bar":
        width = max(2.0, slot * 0.7)
        for i, (label, value) in enumerate(series):
            top = y_of(value)
            chart.bars.append(
                Bar(
                    x=round(chart.left + i * slot + (slot - width) / 2, 1),
                    y=min(top, zero),
                    width=round(width, 1),
                    height=round(max(abs(zero - top), 0.5), 1),
                    label=label,
                    value=_number(value),
                )
            )
        every = max(1, math.ceil(n / 12))
        chart.x_labels = [
            (round(chart.left + i * slot + slot / 2, 1), _short(label))
            for i, (label, _) in enumerate(series)
            if i % every == 0
        ]
    else:
        xs = [
            round(chart.left + (i * plot_w / (n - 1) if n > 1 else plot_w / 2), 1) for i in range(n)
        ]
        chart.points = " ".join(f"{x},{y_of(v)}" for x, (_, v) in zip(xs, series, strict=True))
        chart.dots = [
            (x, y_of(v), label, _number(v)) for x, (label, v) in zip(xs, series, strict=True)
        ]
        every = max(1, math.ceil(n / 6))
        chart.x_labels = [
            (xs[i], _short(label, 10)) for i, (label, _) in enumerate(series) if i % every == 0
        ]
    return chart


# ---------------------------------------------------------------- downloads, API, history


@dataclass(frozen=True)
class ResourceBlock:
    resource: ResourceRead
    preview: Preview
    chart: Chart
    downloads: list[tuple[str, str, str]]


DOWNLOAD_LABELS: dict[DownloadFormat, tuple[str, str]] = {
    DownloadFormat.csv: ("CSV", "UTF-8 带 BOM，Excel 可直接打开"),
    DownloadFormat.xlsx: ("XLSX", "Excel 工作簿"),
    DownloadFormat.json: ("JSON", "按字段标识的记录数组"),
}


def download_url(resource_id: object, fmt: DownloadFormat) -> str:
    """The download endpoint of the open data API (streamed, counted as a download)."""
    return f"/api/v1/opendata/resources/{resource_id}/download?format={fmt.value}"


def download_links(resource: ResourceRead) -> list[tuple[str, str, str]]:
    if not resource.datastore_active:
        return []
    return [
        (label, hint, download_url(resource.id, fmt))
        for fmt, (label, hint) in DOWNLOAD_LABELS.items()
    ]


@dataclass(frozen=True)
class ApiExample:
    title: str
    curl: str
    python: str


def api_examples(base: str, dataset: DatasetRead) -> list[ApiExample]:
    """curl and ``ckanapi`` calls of this dataset against this server (CKAN Action API)."""
    action = f"{base}/api/3/action"
    examples = [
        ApiExample(
            title="数据集元数据（package_show）",
            curl=f"curl {shlex.quote(f'{action}/package_show?id={dataset.name}')}",
            python=(
                "from ckanapi import RemoteCKAN\n\n"
                f"portal = RemoteCKAN({base!r})\n"
                f"dataset = portal.action.package_show(id={dataset.name!r})\n"
                'print(dataset["title"], len(dataset["resources"]))'
            ),
        )
    ]
    for resource in dataset.resources:
        if not resource.datastore_active:
            continue
        first = next((f.id for f in resource.fields if f.type is FieldType.text), "")
        q = json.dumps({"resource_id": str(resource.id), "limit": 5}, ensure_ascii=False)
        examples.append(
            ApiExample(
                title=f"数据行（datastore_search）：{resource.name}",
                curl=(
                    f"curl -X POST {shlex.quote(f'{action}/datastore_search')} \\\n"
                    f"  -H 'Content-Type: application/json' \\\n  -d {shlex.quote(q)}"
                ),
                python=(
                    "from ckanapi import RemoteCKAN\n\n"
                    f"portal = RemoteCKAN({base!r})\n"
                    "page = portal.action.datastore_search(\n"
                    f"    resource_id={str(resource.id)!r}, limit=5"
                    + (f", sort={f'{first} asc'!r}" if first else "")
                    + "\n)\n"
                    'for record in page["records"]:\n    print(record)'
                ),
            )
        )
    return examples


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    label: str


def history(dataset: DatasetRead) -> list[HistoryItem]:
    """What the dataset records about its changes, newest first: creation, publication,
    each resource added and its rows last loaded, the latest metadata change."""
    items = [HistoryItem(dataset.metadata_created, "创建数据集")]
    if dataset.published_at is not None:
        items.append(HistoryItem(dataset.published_at, "发布到开放数据门户"))
    for resource in dataset.resources:
        checked = "（经去标识化检查发布）" if resource.release_id is not None else ""
        items.append(HistoryItem(resource.created_at, f"新增资源“{resource.name}”{checked}"))
        if resource.last_modified > resource.created_at:
            items.append(
                HistoryItem(
                    resource.last_modified,
                    f"资源“{resource.name}”数据更新（{resource.row_count} 行）",
                )
            )
    latest = max(item.at for item in items)
    if dataset.metadata_modified > latest:
        items.append(HistoryItem(dataset.metadata_modified, "元数据更新"))
    return sorted(items, key=lambda item: item.at, reverse=True)


def usage_totals(days: Sequence[UsageDay]) -> dict[str, int]:
    """Uses in the last 30 days by channel (``download``, ``api``, ``view``)."""
    totals = {channel.value: 0 for channel in UsageChannel}
    for day in days:
        totals[day.channel.value] += day.count
    return totals


def schema_org(base: str, dataset: DatasetRead) -> dict[str, Any]:
    """The dataset as schema.org ``Dataset`` JSON-LD for the page head (what dataset
    search engines read; the DCAT export is the catalog's full RDF)."""
    page = f"{base}{PORTAL}/datasets/{dataset.name}"
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": page,
        "url": page,
        "identifier": str(dataset.id),
        "name": dataset.title,
        "description": dataset.notes or dataset.title,
        "keywords": list(dataset.tags),
        "license": dataset.license_url or dataset.license_title,
        "isAccessibleForFree": True,
        "creator": {"@type": "Organization", "name": dataset.provider_name},
        "dateCreated": dataset.metadata_created.isoformat(),
        "dateModified": dataset.metadata_modified.isoformat(),
        "inLanguage": "zh-CN",
    }
    if dataset.access is OpenAccess.conditional:
        # Its files need a registered user who accepted the terms: no direct links.
        data["conditionsOfAccess"] = dataset.access_terms or "注册用户接受使用条件后获取"
        return data
    distributions = [
        {
            "@type": "DataDownload",
            "name": f"{resource.name}（{label}）",
            "encodingFormat": label.lower(),
            "contentUrl": f"{base}{href}",
        }
        for resource in dataset.resources
        for label, _hint, href in download_links(resource)
    ]
    if distributions:
        data["distribution"] = distributions
    return data
