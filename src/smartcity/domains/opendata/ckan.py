"""Translation between CKAN's Action API and the open data service (Art. 31).

CKAN (https://docs.ckan.org/en/latest/api/) is what existing open data clients
and harvesters speak: the ``ckanapi`` client, ``ckanext-harvest``, data.gouv.fr's
``udata-ckan``, R's ``ckanr``. This module turns their parameters into service
queries and the service's answers into CKAN's dicts, without rules of its own:

- parameters arrive as strings (GET) or JSON values (POST) and are coerced as
  CKAN's validators coerce them (``"5"`` → 5, ``"true"`` → True); unknown keys are
  ignored, because ``ckanapi dump`` sends extra ones;
- ``q`` and ``fq`` understand the Lucene subset clients send: ``field:value``,
  ``field:"quoted value"``, ``a AND b`` (or juxtaposed), ``a OR b`` between values of
  one field, ``metadata_modified:[ISO TO *]``; anything else is a
  ``Search Query Error`` saying what is not supported, never a silent wrong answer;
- errors become CKAN's ``{"__type": ..., "message": ...}`` with CKAN's statuses.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from smartcity.core.errors import (
    AppError,
    AuthenticationRequiredError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    TooManyRequestsError,
)
from smartcity.domains.opendata.enums import DatasetState, OpenAccess
from smartcity.domains.opendata.schemas import (
    MAX_DATASTORE_LIMIT,
    MAX_SEARCH_ROWS,
    DatasetSummary,
    DatastoreResult,
    FacetCount,
    OrganizationRead,
    ResourceRead,
    ThemeRead,
)

#: What ``status_show`` reports as ``ckan_version``: the API behaviour we follow.
CKAN_COMPATIBLE_VERSION = "2.10.0"
#: CKAN's caps on list actions (``ckan.group_and_organization_list_max`` and
#: ``…_all_fields_max``).
LIST_MAX = 1000
LIST_ALL_FIELDS_MAX = 25
FACET_LIMIT_DEFAULT = 50
DATASTORE_LIMIT_DEFAULT = 100
#: A stable namespace for the ids of things CKAN gives ids but we key by name (tags).
_TAG_NAMESPACE = uuid.UUID("6f1c7a52-3c55-4c1e-9a4e-5f1d2b7e0c11")

MEDIA_TYPES = {
    "CSV": "text/csv",
    "JSON": "application/json",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "XLS": "application/vnd.ms-excel",
    "PDF": "application/pdf",
    "ZIP": "application/zip",
    "XML": "application/xml",
    "GEOJSON": "application/geo+json",
    "SHP": "application/x-shapefile",
    "HTML": "text/html",
    "TXT": "text/plain",
    "API": "application/json",
}


# --- errors ---------------------------------------------------------------------------------


class CkanError(Exception):
    """A refusal in CKAN's shape: the HTTP status and the ``error`` object."""

    def __init__(
        self, status: int, error: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(error.get("message") or error.get("__type"))
        self.status = status
        self.error = error
        self.headers = headers or {}


def not_found(detail: str = "") -> CkanError:
    return CkanError(
        404,
        {"__type": "Not Found Error", "message": f"Not found: {detail}" if detail else "Not found"},
    )


def validation_error(field_name: str, message: str) -> CkanError:
    """CKAN's ``ValidationError``: 409 with ``{field: [message]}``."""
    return CkanError(409, {field_name: [message], "__type": "Validation Error"})


def search_query_error(message: str) -> CkanError:
    return CkanError(
        400, {"__type": "Search Query Error", "message": f"Search Query is invalid: {message}"}
    )


def unknown_action(name: str) -> CkanError:
    return CkanError(
        400, {"__type": "Bad Request", "message": f"Bad request - Action name not known: {name}"}
    )


def from_app_error(error: AppError) -> CkanError:
    """A service refusal as CKAN reports its counterpart."""
    detail = error.detail
    if isinstance(error, TooManyRequestsError):
        retry = error.extensions.get("retry_after_seconds")
        headers = {"Retry-After": str(retry)} if isinstance(retry, int) else None
        return CkanError(
            429,
            {"__type": "Rate Limit Error", "message": f"Too many requests: {detail}"},
            headers,
        )
    if isinstance(error, NotFoundError):
        return not_found(detail)
    if isinstance(error, AuthenticationRequiredError | PermissionDeniedError):
        return CkanError(
            403, {"__type": "Authorization Error", "message": f"Access denied: {detail}"}
        )
    if isinstance(error, InvalidInputError):
        field_name = error.extensions.get("field")
        return validation_error(str(field_name) if field_name else "message", detail)
    return CkanError(409, {"__type": "Validation Error", "message": [detail]})


# --- parameters -------------------------------------------------------------------------------


def as_int(params: Mapping[str, Any], name: str, default: int, *, minimum: int = 0) -> int:
    """An integer parameter as CKAN's ``int_validator`` reads it.

    Raises:
        CkanError: Validation Error when not an integer or below ``minimum``.
    """
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise validation_error(name, "Invalid integer")
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError as error:
        raise validation_error(name, "Invalid integer") from error
    if number < minimum:
        raise validation_error(name, f"Must be a natural number (≥ {minimum})")
    return number


def as_bool(params: Mapping[str, Any], name: str, default: bool) -> bool:
    """A boolean parameter as CKAN's ``asbool`` reads it."""
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "yes", "on", "y", "t", "1"}:
        return True
    if text in {"false", "no", "off", "n", "f", "0"}:
        return False
    raise validation_error(name, f"Invalid boolean: {value}")


def as_str(params: Mapping[str, Any], name: str, default: str = "") -> str:
    value = params.get(name)
    if value is None:
        return default
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def as_json(params: Mapping[str, Any], name: str) -> Any:
    """A parameter that may be a JSON value or a JSON-encoded string (GET)."""
    value = params.get(name)
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in {"{", "["}:
            try:
                return json.loads(text)
            except json.JSONDecodeError as error:
                raise validation_error(name, f"Could not parse as valid JSON: {error}") from error
    return value


def as_list(params: Mapping[str, Any], name: str) -> list[str]:
    """A list parameter given as a list, a JSON-encoded list or one bare value."""
    value = as_json(params, name)
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def id_param(params: Mapping[str, Any], name: str = "id") -> str:
    value = params.get(name)
    if value is None or str(value).strip() == "":
        raise validation_error(name, "Missing value")
    return str(value).strip()


# --- q and fq ---------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<op>AND|OR|&&|\|\|)(?=\s|$)
      | (?P<neg>[-!+])?(?P<field>[A-Za-z_][A-Za-z0-9_.]*):
        (?: "(?P<quoted>(?:[^"\\]|\\.)*)"
          | \[(?P<range>[^\]]*)\]
          | (?P<value>[^\s"()\[\]]+) )
      | "(?P<phrase>(?:[^"\\]|\\.)*)"
      | (?P<word>[^\s"()\[\]]+)
    )""",
    re.VERBOSE,
)

#: ``fq`` fields → the service's filter names.
FILTER_FIELDS = {
    "organization": "provider",
    "owner_org": "provider",
    "groups": "theme",
    "tags": "tags",
    "res_format": "format",
    "license_id": "license_id",
    "update_cycle": "update_cycle",
    "access": "access",
}
#: Fields every public dataset satisfies with this value (CKAN adds them itself).
_CONSTANT_FIELDS = {
    "capacity": "public",
    "state": "active",
    "dataset_type": "dataset",
    "type": "dataset",
}


@dataclass
class Term:
    field: str | None
    value: str
    negated: bool = False
    is_range: bool = False


@dataclass
class Criteria:
    """What ``q`` and ``fq`` ask for, in the service's terms."""

    words: list[str] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    modified_since: datetime | None = None
    impossible: bool = False  # a condition no dataset meets (an empty answer)
    #: ``-field:value`` conditions, resolved against the field's values by the caller
    excluded: dict[str, list[str]] = field(default_factory=dict)


#: Filters whose values are a known, small set, so ``-field:value`` can be answered as
#: "any other value" (ckanext-harvest's ``-organization:x``).
NEGATABLE = {"provider", "theme", "license_id", "update_cycle", "access"}


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def tokenize(text: str, parameter: str) -> list[Term | str]:
    """Terms and the operators ``AND``/``OR`` between them.

    Raises:
        CkanError: Search Query Error for text outside the supported subset.
    """
    items: list[Term | str] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            rest = text[position:].strip()
            raise search_query_error(
                f"{parameter} 中无法识别的部分：{rest[:50]}（不支持括号与未闭合的引号）"
            )
        position = match.end()
        if match.group("op"):
            items.append("OR" if match.group("op") in {"OR", "||"} else "AND")
        elif match.group("field"):
            if match.group("range") is not None:
                value, is_range = match.group("range"), True
            elif match.group("quoted") is not None:
                value, is_range = _unescape(match.group("quoted")), False
            else:
                value, is_range = _unescape(match.group("value")), False
            items.append(
                Term(match.group("field"), value, match.group("neg") in {"-", "!"}, is_range)
            )
        elif match.group("phrase") is not None:
            items.append(Term(None, _unescape(match.group("phrase"))))
        else:
            word = match.group("word")
            if word in {"NOT", "!"}:
                raise search_query_error(f"{parameter} 不支持排除条件（NOT、-字段:值）")
            items.append(Term(None, word))
    return items


def _groups(items: list[Term | str], parameter: str) -> list[list[Term]]:
    """The conjunction of disjunctions the items say (AND binds looser than OR here,
    as ``a OR b c`` means ``(a OR b) AND c`` in the default-AND query parser)."""
    groups: list[list[Term]] = []
    pending_or = False
    expect_term = True
    for item in items:
        if isinstance(item, str):
            if expect_term:
                raise search_query_error(f"{parameter} 中 {item} 前缺少条件")
            pending_or = item == "OR"
            expect_term = True
            continue
        if pending_or and groups:
            groups[-1].append(item)
        else:
            groups.append([item])
        pending_or = False
        expect_term = False
    if items and expect_term:
        raise search_query_error(f"{parameter} 以运算符结尾")
    return groups


def _since(range_text: str, parameter: str) -> datetime:
    parts = range_text.split()
    if len(parts) != 3 or parts[1] != "TO" or parts[2] not in {"*", "NOW"}:
        raise search_query_error(
            f"{parameter} 的时间范围只支持 [起始时间 TO *] 或 [起始时间 TO NOW]：[{range_text}]"
        )
    start = parts[0]
    if start == "*":
        return datetime(1970, 1, 1, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
    except ValueError as error:
        raise search_query_error(f"{parameter} 中的时间不是 ISO 8601：{start}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _exclude(criteria: Criteria, group: list[Term], parameter: str) -> None:
    term = group[0]
    target = FILTER_FIELDS.get(term.field or "")
    if len(group) > 1 or target not in NEGATABLE or term.is_range:
        fields = "、".join(k for k, v in FILTER_FIELDS.items() if v in NEGATABLE)
        raise search_query_error(f"{parameter} 的排除条件只支持单个取值，字段限于 {fields}")
    criteria.excluded.setdefault(target, []).append(term.value)


def add_criteria(criteria: Criteria, text: str, parameter: str) -> None:
    """Add what ``q`` or one ``fq`` says to ``criteria``.

    Raises:
        CkanError: Search Query Error for an unsupported field, negation, range or
            an ``OR`` across fields.
    """
    if text.strip() in {"", "*:*", '""', "''"}:
        return
    for group in _groups(tokenize(text, parameter), parameter):
        if any(term.negated for term in group):
            _exclude(criteria, group, parameter)
            continue
        fields = {term.field for term in group}
        if len(group) > 1 and (len(fields) > 1 or None in fields):
            raise search_query_error(f"{parameter} 中的 OR 只能连接同一字段的取值")
        name = group[0].field
        if name is None:
            criteria.words.extend(term.value for term in group)
            continue
        if name == "metadata_modified":
            if len(group) > 1 or not group[0].is_range:
                raise search_query_error(f"{parameter} 中 metadata_modified 只支持时间范围")
            since = _since(group[0].value, parameter)
            if criteria.modified_since is None or since > criteria.modified_since:
                criteria.modified_since = since
            continue
        if any(term.is_range for term in group):
            raise search_query_error(f"{parameter} 中字段 {name} 不支持范围条件")
        if name == "text":
            criteria.words.extend(term.value for term in group)
            continue
        if name in _CONSTANT_FIELDS:
            if all(term.value not in {_CONSTANT_FIELDS[name], "*"} for term in group):
                criteria.impossible = True
            continue
        target = FILTER_FIELDS.get(name)
        if target is None:
            supported = "、".join([*FILTER_FIELDS, "metadata_modified", "text"])
            raise search_query_error(f"{parameter} 中不支持的字段：{name}（支持 {supported}）")
        values = [term.value for term in group]
        if target == "tags":
            if len(values) > 1:
                raise search_query_error(f"{parameter} 中 tags 不支持 OR（多个标签须同时满足）")
            criteria.filters.setdefault("tags", []).append(values[0])
            continue
        if target == "access" and any(v not in {a.value for a in OpenAccess} for v in values):
            raise search_query_error(f"{parameter} 中 access 只能是 open 或 conditional")
        if target == "format":
            values = [v.upper() for v in values]
        if target in criteria.filters:
            # Two conditions on one single-valued field: both must hold.
            kept = [v for v in criteria.filters[target] if v in values]
            criteria.filters[target] = kept
            if not kept:
                criteria.impossible = True
        else:
            criteria.filters[target] = values


# --- dicts ------------------------------------------------------------------------------------


def iso(moment: datetime | None) -> str | None:
    """CKAN's timestamps: ISO 8601 in UTC without a zone."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat()


_STATES = {
    DatasetState.published: "active",
    DatasetState.draft: "draft",
    DatasetState.withdrawn: "deleted",
}


@dataclass(frozen=True, slots=True)
class Links:
    """Where the portal serves things, for the URLs in CKAN's dicts."""

    base_url: str

    def dataset_page(self, name: str) -> str:
        return f"{self.base_url}/opendata/datasets/{name}"

    def download(self, resource_id: Any) -> str:
        return f"{self.base_url}/api/v1/opendata/resources/{resource_id}/download?format=csv"

    def organization_page(self, name: str) -> str:
        return f"{self.base_url}/opendata/organizations/{name}"

    def action(self, name: str) -> str:
        return f"{self.base_url}/api/3/action/{name}"


def tag_dict(name: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(_TAG_NAMESPACE, name)),
        "name": name,
        "display_name": name,
        "state": "active",
        "vocabulary_id": None,
    }


def organization_dict(
    organization_id: Any, name: str, title: str, description: str = "", **extra: Any
) -> dict[str, Any]:
    return {
        "id": str(organization_id),
        "name": name,
        "title": title,
        "display_name": title,
        "description": description,
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        **extra,
    }


def group_dict(theme: ThemeRead | tuple[str, str], **extra: Any) -> dict[str, Any]:
    name, title = (theme.name, theme.title) if isinstance(theme, ThemeRead) else theme
    return {
        "id": name,
        "name": name,
        "title": title,
        "display_name": title,
        "description": "",
        "type": "group",
        "is_organization": False,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        **extra,
    }


def resource_dict(
    resource: ResourceRead, links: Links, *, dataset_name: str = ""
) -> dict[str, Any]:
    """CKAN's resource dict; a table's ``url`` is its CSV download, a file's the dataset page."""
    fmt = resource.format.upper()
    url = (
        links.download(resource.id)
        if resource.datastore_active
        else links.dataset_page(dataset_name or str(resource.dataset_id))
    )
    return {
        "id": str(resource.id),
        "package_id": str(resource.dataset_id),
        "name": resource.name,
        "description": resource.description,
        "format": fmt,
        "url": url,
        "url_type": None,
        "resource_type": "file",
        "mimetype": "text/csv" if resource.datastore_active else MEDIA_TYPES.get(fmt),
        "mimetype_inner": None,
        "size": None,
        "hash": "",
        "created": iso(resource.created_at),
        "last_modified": iso(resource.last_modified),
        "metadata_modified": iso(resource.last_modified),
        "position": resource.position,
        "state": "active",
        "cache_url": None,
        "cache_last_updated": None,
        "datastore_active": resource.datastore_active,
        "row_count": resource.row_count,
        "kind": resource.kind.value,
    }


def package_dict(dataset: DatasetSummary, links: Links) -> dict[str, Any]:
    """CKAN's package dict with every key ``ckanapi``, ``ckanext-harvest`` and
    ``udata-ckan`` read (§3.5 and §4 of the reference)."""
    resources = [resource_dict(r, links, dataset_name=dataset.name) for r in dataset.resources]
    groups = [group_dict((dataset.theme_code, dataset.theme_name or dataset.theme_code))]
    extras = {
        "access": dataset.access.value,
        "access_terms": dataset.access_terms,
        "catalog_entry_id": str(dataset.entry_id) if dataset.entry_id else "",
        "language": "zh",
        "provider_code": dataset.provider_code,
        "resource_code": dataset.resource_code,
        "theme": dataset.theme_name,
        "update_cycle": dataset.update_cycle,
        "update_cycle_label": dataset.update_cycle_label,
    }
    return {
        "id": str(dataset.id),
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.notes,
        "url": links.dataset_page(dataset.name),
        "version": str(dataset.entry_version),
        "author": dataset.provider_name,
        "author_email": "",
        "maintainer": dataset.provider_name,
        "maintainer_email": "",
        "license_id": dataset.license_id,
        "license_title": dataset.license_title,
        "license_url": dataset.license_url,
        "isopen": dataset.access is OpenAccess.open,
        "type": "dataset",
        "state": _STATES[dataset.state],
        "private": False,
        "owner_org": str(dataset.provider_organization_id),
        "organization": organization_dict(
            dataset.provider_organization_id, dataset.organization_name, dataset.provider_name
        ),
        "groups": groups if dataset.theme_code else [],
        "tags": [tag_dict(t) for t in dataset.tags],
        "num_tags": len(dataset.tags),
        "resources": resources,
        "num_resources": len(resources),
        "extras": [{"key": k, "value": v} for k, v in sorted(extras.items())],
        "metadata_created": iso(dataset.metadata_created),
        "metadata_modified": iso(dataset.metadata_modified),
        "creator_user_id": None,
        "relationships_as_subject": [],
        "relationships_as_object": [],
    }


def organization_read_dict(organization: OrganizationRead, links: Links) -> dict[str, Any]:
    return organization_dict(
        organization.id,
        organization.name,
        organization.title,
        organization.description,
        package_count=organization.package_count,
        code=organization.code,
        url=links.organization_page(organization.name),
    )


def search_facets(
    facets: Mapping[str, Sequence[FacetCount]], fields: Sequence[str], mincount: int
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, Any]]]:
    """CKAN's ``facets`` (flat, deprecated) and ``search_facets`` for the asked fields;
    each asked field is present, items sorted by ``display_name`` descending as CKAN does."""
    flat: dict[str, dict[str, int]] = {}
    structured: dict[str, dict[str, Any]] = {}
    for name in fields:
        items = [f for f in facets.get(name, []) if f.count >= mincount]
        flat[name] = {f.name: f.count for f in items}
        structured[name] = {
            "title": name,
            "items": sorted(
                ({"name": f.name, "display_name": f.display_name, "count": f.count} for f in items),
                key=lambda item: item["display_name"],
                reverse=True,
            ),
        }
    return flat, structured


def datastore_dict(
    result: DatastoreResult, params: Mapping[str, Any], action_path: str, *, lists: bool
) -> dict[str, Any]:
    """CKAN's ``datastore_search`` result with ``_links`` to this page and the next."""
    fields = [
        {"id": f.id, "type": f.type, "info": {"label": f.title, "notes": f.description}}
        for f in result.fields
    ]
    records: list[Any] = result.records
    if lists:
        ids = [f.id for f in result.fields]
        records = [[record.get(i) for i in ids] for record in result.records]
    carried = {
        key: (json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value)
        for key, value in params.items()
        if key not in {"offset"} and value is not None
    }
    start = f"{action_path}?{urlencode(carried)}"
    following = f"{action_path}?{urlencode({**carried, 'offset': result.offset + result.limit})}"
    body: dict[str, Any] = {
        "resource_id": str(result.resource_id),
        "fields": fields,
        "records": records,
        "records_format": "lists" if lists else "objects",
        "limit": result.limit,
        "offset": result.offset,
        "sort": result.sort,
        "filters": params.get("filters") or {},
        "include_total": result.total is not None,
        "_links": {"start": start, "next": following},
    }
    if result.total is not None:
        body["total"] = result.total
        body["total_was_estimated"] = False
    return body


__all__ = [
    "CKAN_COMPATIBLE_VERSION",
    "DATASTORE_LIMIT_DEFAULT",
    "FACET_LIMIT_DEFAULT",
    "LIST_ALL_FIELDS_MAX",
    "LIST_MAX",
    "MAX_DATASTORE_LIMIT",
    "MAX_SEARCH_ROWS",
    "CkanError",
    "Criteria",
    "Links",
    "add_criteria",
    "from_app_error",
    "package_dict",
]
