"""The CKAN actions the open data portal answers (Art. 31: 社会化开发利用).

Each action takes the request's parameters (already a dict), calls the open data
service and returns CKAN's ``result``; refusals are ``CkanError``s or the
service's ``AppError``s, which the router renders in CKAN's envelope. Only
read actions exist: publishing goes through the platform's own API with its
de-identification check, never through CKAN's ``package_create``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from smartcity.core.schemas import validation_message
from smartcity.core.security import Actor
from smartcity.domains.catalog.enums import UpdateCycle
from smartcity.domains.opendata import ckan
from smartcity.domains.opendata import service as opendata_service
from smartcity.domains.opendata.ckan import (
    CkanError,
    Criteria,
    Links,
    as_bool,
    as_int,
    as_json,
    as_list,
    as_str,
    id_param,
    search_query_error,
    validation_error,
)
from smartcity.domains.opendata.enums import LICENSES, OpenAccess, UsageChannel
from smartcity.domains.opendata.errors import InvalidQueryError
from smartcity.domains.opendata.schemas import (
    MAX_DATASTORE_LIMIT,
    MAX_SEARCH_ROWS,
    DatasetSearch,
    DatasetSearchResult,
    DatastoreQuery,
)

Params = Mapping[str, Any]
Action = Callable[[Session, Actor, Params, Links], Any]

SITE_TITLE = "济宁市公共数据开放平台"
SITE_DESCRIPTION = "《济宁市智慧城市促进条例》第二十九至三十一条：公共信息资源向社会开放。"


def _validation(error: ValidationError) -> CkanError:
    first = error.errors()[0]
    name = ".".join(str(p) for p in first.get("loc", ())) or "message"
    return validation_error(name, validation_message(first))


def _search(
    session: Session, actor: Actor, params: Params, *, facet_limit: int
) -> tuple[DatasetSearchResult | None, str]:
    """Run ``package_search``'s query; ``None`` when a condition can never hold."""
    rows = as_int(params, "rows", 10)
    if rows > MAX_SEARCH_ROWS:
        raise validation_error("rows", f"Must be less than or equal to {MAX_SEARCH_ROWS}")
    start = as_int(params, "start", 0)
    criteria = Criteria()
    ckan.add_criteria(criteria, as_str(params, "q"), "q")
    fq_list = as_list(params, "fq_list")
    for fq in [as_str(params, "fq"), *fq_list]:
        ckan.add_criteria(criteria, fq, "fq")
    sort = as_str(params, "sort")
    _resolve_exclusions(session, criteria)
    if criteria.impossible:
        return None, sort or "score desc, metadata_modified desc"
    try:
        query = DatasetSearch(
            q=" ".join(criteria.words),
            provider=criteria.filters.get("provider", []),
            theme=criteria.filters.get("theme", []),
            format=criteria.filters.get("format", []),
            update_cycle=criteria.filters.get("update_cycle", []),
            license_id=criteria.filters.get("license_id", []),
            tags=criteria.filters.get("tags", []),
            access=[OpenAccess(a) for a in criteria.filters.get("access", [])],
            modified_since=criteria.modified_since,
            rows=rows,
            start=start,
            sort=sort,
            facet_limit=facet_limit,
        )
    except ValidationError as error:
        raise _validation(error) from error
    try:
        result = opendata_service.search_datasets(session, actor=actor, query=query)
    except InvalidQueryError as error:
        # CKAN answers a bad sort as a Search Query Error (400), not a validation error.
        raise search_query_error(error.detail) from error
    return result, result.sort


def _universe(session: Session, target: str) -> list[tuple[str, set[str]]]:
    """Every value of a negatable filter: (the value the service takes, its keys)."""
    if target == "provider":
        return [
            (str(o.id), {str(o.id), o.code.lower(), o.name})
            for o in opendata_service.list_organizations(session)
        ]
    if target == "theme":
        themes = [(t.name, {t.name}) for t in opendata_service.list_themes(session)]
        return [*themes, ("", set())]  # a dataset without a theme is not in any group
    if target == "license_id":
        return [(key, {key}) for key in LICENSES]
    if target == "update_cycle":
        return [(c.value, {c.value}) for c in UpdateCycle]
    return [(a.value, {a.value}) for a in OpenAccess]


def _resolve_exclusions(session: Session, criteria: Criteria) -> None:
    """``-field:value`` as "one of the field's other values" (CKAN's fq negation)."""
    for target, excluded in criteria.excluded.items():
        unwanted = {v.strip().lower() for v in excluded} | set(excluded)
        if target in criteria.filters:
            kept = [v for v in criteria.filters[target] if v.lower() not in unwanted]
        else:
            kept = [value for value, keys in _universe(session, target) if not keys & unwanted]
        criteria.filters[target] = kept
        if not kept:
            criteria.impossible = True


def package_search(session: Session, actor: Actor, params: Params, links: Links) -> Any:
    """Datasets matching ``q`` and ``fq`` (Chinese two-character words are found), with
    ``rows`` (≤ 1000), ``start``, ``sort`` and the facets asked in ``facet.field``."""
    facet_fields = as_list(params, "facet.field")
    facet_limit = as_int(params, "facet.limit", ckan.FACET_LIMIT_DEFAULT, minimum=-1)
    facet_limit = min(facet_limit, 1000)
    mincount = as_int(params, "facet.mincount", 1)
    if not as_bool(params, "facet", True):
        facet_fields = []
    # No facet asked, none wanted (CKAN's default): 0 lets the service skip their work.
    result, sort = _search(session, actor, params, facet_limit=facet_limit if facet_fields else 0)
    if result is None:
        flat, structured = ckan.search_facets({}, facet_fields, mincount)
        return {
            "count": 0,
            "results": [],
            "facets": flat,
            "search_facets": structured,
            "sort": sort,
        }
    flat, structured = ckan.search_facets(result.facets, facet_fields, mincount)
    return {
        "count": result.count,
        "results": [ckan.package_dict(d, links) for d in result.results],
        "facets": flat,
        "search_facets": structured,
        "sort": sort,
    }


def package_show(session: Session, actor: Actor, params: Params, links: Links) -> Any:
    """One dataset by ``id`` or ``name``; counted as an API use of it."""
    dataset = opendata_service.get_dataset(session, actor=actor, id_or_name=id_param(params))
    opendata_service.record_usage(session, dataset_id=dataset.id, channel=UsageChannel.api)
    return ckan.package_dict(dataset, links)


def package_list(session: Session, actor: Actor, params: Params, links: Links) -> Any:
    """Names of all published datasets (the whole catalog unless ``limit`` is given:
    ``ckanapi dump --all`` needs every name in one answer)."""
    limit_value = params.get("limit")
    limit = None if limit_value in (None, "") else as_int(params, "limit", 0)
    offset = as_int(params, "offset", 0)
    return opendata_service.list_dataset_names(session, limit=limit, offset=offset)


def current_package_list_with_resources(
    session: Session, actor: Actor, params: Params, links: Links
) -> Any:
    """Package dicts, most recently modified first; ``limit`` defaults to 10 (≤ 1000)."""
    limit = min(as_int(params, "limit", 10), MAX_SEARCH_ROWS)
    offset = as_int(params, "offset", 0)
    query = DatasetSearch(rows=limit, start=offset, sort="metadata_modified desc", facet_limit=0)
    result = opendata_service.search_datasets(session, actor=actor, query=query)
    return [ckan.package_dict(d, links) for d in result.results]


def _list_window(params: Params, all_fields: bool) -> tuple[int, int]:
    cap = ckan.LIST_ALL_FIELDS_MAX if all_fields else ckan.LIST_MAX
    return min(as_int(params, "limit", cap), cap), as_int(params, "offset", 0)


def _sorted(items: list[Any], params: Params, key_name: str) -> list[Any]:
    sort = as_str(params, "sort", "name asc").strip() or "name asc"
    parts = sort.split()
    key = parts[0]
    direction = parts[1].lower() if len(parts) > 1 else "asc"
    if key not in {"name", "title", "package_count"} or direction not in {"asc", "desc"}:
        raise validation_error("sort", f"Invalid sort: {sort}")
    return sorted(items, key=lambda i: getattr(i, key), reverse=direction == "desc")


def organization_list(session: Session, actor: Actor, params: Params, links: Links) -> Any:
    """Providers of published datasets: names, or dicts with ``all_fields`` (≤ 25)."""
    all_fields = as_bool(params, "all_fields", False)
    organizations = opendata_service.list_organizations(session)
    query = as_str(params, "q").strip().lower()
    if query:
        organizations = [
            o for o in organizations if query in o.name.lower() or query in o.title.lower()
        ]
    wanted = as_list(params, "organizations")
    if wanted:
        organizations = [o for o in organizations if o.name in wanted]
    organizations = _sorted(organizations, params, "name")
    limit, offset = _list_window(params, all_fields)
    window = organizations[offset : offset + limit]
    if all_fields:
        return [ckan.organization_read_dict(o, links) for o in window]
    return [o.name for o in window]


def organization_show(session: Session, actor: Actor, params: Params, links: Links) -> Any:
    """One provider by id, code or name; ``include_datasets`` adds its packages (≤ 1000)."""
    organization = opendata_service.get_organization(session, id_param(params))
    body = ckan.organization_read_dict(organization, links)
    if as_bool(params, "include_datasets", False):
        query = DatasetSearch(
            provider=[str(organization.id)], rows=MAX_SEARCH_ROWS, sort="name asc", facet_limit=0
        )
        result = opendata_service.search_datasets(session, actor=actor, query=query)
        body["packages"] = [ckan.package_dict(d, links) for d in result.results]
    return body


def group_list(session: Session, actor: Actor, params: Params, links: Links) -> Any:
    """Themes (主题分类) of published datasets as CKAN groups."""
    all_fields = as_bool(params, "all_fields", False)
    themes = _sorted(opendata_service.list_themes(session), params, "name")
    wanted = as_list(params, "groups")
    if wanted:
        themes = [t for t in themes if t.name in wanted]
    limit, offset = _list_window(params, all_fields)
    window = themes[offset : offset + limit]
    if all_fields:
        return [ckan.group_dict(t, package_count=t.package_count) for t in window]
    return [t.name for t in window]


def group_show(session: Session, actor: Actor, params: Params, links: Links) -> Any:
    """One theme by its code."""
    key = id_param(params)
    for theme in opendata_service.list_themes(session):
        if theme.name == key:
            return ckan.group_dict(theme, package_count=theme.package_count)
    raise ckan.not_found(f"主题分类不存在：{key}")


def tag_list(session: Session, actor: Actor, params: Params, links: Links) -> Any:
    """Tags of published datasets (``query`` filters by substring); dicts with ``all_fields``."""
    query = as_str(params, "query") or as_str(params, "q")
    tags = opendata_service.list_tags(session, query=query.strip())
    if as_bool(params, "all_fields", False):
        return [ckan.tag_dict(t) for t in tags]
    return tags


def resource_show(session: Session, actor: Actor, params: Params, links: Links) -> Any:
    """One resource by id."""
    resource = opendata_service.get_resource(session, actor=actor, resource_id=id_param(params))
    return ckan.resource_dict(resource, links)


def status_show(session: Session, actor: Actor, params: Params, links: Links) -> Any:
    """What this site is, as CKAN describes itself."""
    return {
        "site_title": SITE_TITLE,
        "site_description": SITE_DESCRIPTION,
        "site_url": links.base_url,
        "ckan_version": ckan.CKAN_COMPATIBLE_VERSION,
        "locale_default": "zh_Hans_CN",
        "extensions": ["datastore", "dcat"],
        "error_emails_to": None,
        "metadata_modified": ckan.iso(opendata_service.latest_modified(session)),
    }


def datastore_search(session: Session, actor: Actor, params: Params, links: Links) -> Any:
    """One page of a resource's records: ``filters`` (a JSON object), ``q`` (text or an
    object of field → text), ``fields``, ``sort``, ``limit`` (≤ 32,000), ``offset``,
    ``include_total``, ``records_format`` (``objects`` or ``lists``); counted as an API
    use of the dataset (by the service)."""
    resource_id = id_param(params, "resource_id") if "resource_id" in params else id_param(params)
    limit = as_int(params, "limit", ckan.DATASTORE_LIMIT_DEFAULT)
    if limit > MAX_DATASTORE_LIMIT:
        raise validation_error("limit", f"Must be less than or equal to {MAX_DATASTORE_LIMIT}")
    filters = as_json(params, "filters") or {}
    if not isinstance(filters, dict):
        raise validation_error("filters", "Not a JSON object")
    q = as_json(params, "q") or ""
    if not isinstance(q, str | dict):
        raise validation_error("q", "Must be text or a JSON object")
    fields_value = as_json(params, "fields")
    if isinstance(fields_value, str):
        fields: list[str] | None = [f.strip() for f in fields_value.split(",") if f.strip()]
    elif isinstance(fields_value, list):
        fields = [str(f) for f in fields_value]
    else:
        fields = None
    records_format = as_str(params, "records_format", "objects") or "objects"
    if records_format not in {"objects", "lists"}:
        raise validation_error("records_format", "Only objects and lists are supported")
    sort_value = as_json(params, "sort")
    sort = ", ".join(sort_value) if isinstance(sort_value, list) else as_str(params, "sort")
    try:
        query = DatastoreQuery(
            filters=filters,
            q={str(k): str(v) for k, v in q.items()} if isinstance(q, dict) else q,
            fields=fields or None,
            sort=sort,
            limit=limit,
            offset=as_int(params, "offset", 0),
            include_total=as_bool(params, "include_total", True),
        )
    except ValidationError as error:
        raise _validation(error) from error
    result = opendata_service.datastore_search(
        session, actor=actor, resource_id=resource_id, query=query
    )
    shown = {k: v for k, v in params.items() if k != "resource_id" and k != "id"}
    return ckan.datastore_dict(
        result,
        {"resource_id": str(result.resource_id), **shown},
        "/api/3/action/datastore_search",
        lists=records_format == "lists",
    )


def help_show(session: Session, actor: Actor, params: Params, links: Links) -> Any:
    """What an action does (the ``help`` link of every answer points here)."""
    name = id_param(params, "name")
    action = ACTIONS.get(name)
    if action is None:
        raise ckan.not_found(f"Action function not found: {name}")
    return " ".join((action.__doc__ or "").split())


ACTIONS: dict[str, Action] = {
    "help_show": help_show,
    "package_search": package_search,
    "package_show": package_show,
    "package_list": package_list,
    "current_package_list_with_resources": current_package_list_with_resources,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "group_show": group_show,
    "tag_list": tag_list,
    "resource_show": resource_show,
    "status_show": status_show,
    "datastore_search": datastore_search,
}
