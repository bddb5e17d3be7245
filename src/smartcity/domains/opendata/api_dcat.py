"""DCAT-AP export of the open data catalog (Art. 30–31), as ckanext-dcat serves it.

- ``/catalog.ttl``, ``/catalog.jsonld``, ``/catalog.rdf``: the catalog, 100 datasets
  a page (``?page=``, ``SMARTCITY_OPENDATA__DCAT_PAGE_SIZE``), most recently modified
  first, with ``hydra:PagedCollection`` links; ``?modified_since=`` for incremental
  harvests;
- ``/dataset/{id or name}.ttl|.jsonld|.rdf``: one dataset;
- ``/api/v1/opendata/datasets/{id or name}/dcat?format=ttl|jsonld|rdf``: the same
  under the platform's API.

Public (no login), rate-limited like the rest of the open data API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from smartcity.core.errors import NotFoundError, TooManyRequestsError
from smartcity.core.http.deps import SessionDep, SettingsDep
from smartcity.core.http.problems import problem_responses
from smartcity.domains.opendata import dcat
from smartcity.domains.opendata import service as opendata_service
from smartcity.domains.opendata.deps import OpenDataActorDep
from smartcity.domains.opendata.errors import DatasetNotFoundError
from smartcity.domains.opendata.schemas import DatasetSearch

router = APIRouter(tags=["opendata-dcat"])
api_router = APIRouter(prefix="/opendata", tags=["opendata"])

Extension = Literal["ttl", "jsonld", "rdf"]
_RDF_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "DCAT-AP（Turtle、JSON-LD 或 RDF/XML）",
        "content": {media: {} for _fmt, media in dcat.FORMATS.values()},
    },
}


def _urls(request: Request) -> dcat.Urls:
    return dcat.Urls(str(request.base_url).rstrip("/"))


def _rdf(body: bytes, extension: str) -> Response:
    return Response(body, media_type=dcat.FORMATS[extension][1])


def _extension(value: str) -> str:
    if value not in dcat.FORMATS:
        raise NotFoundError(f"不支持的格式：{value}（可用 ttl、jsonld、rdf）")
    return value


@router.get(
    "/catalog.{extension}",
    response_class=Response,
    responses={**_RDF_RESPONSES, **problem_responses(NotFoundError, TooManyRequestsError)},
)
def catalog(
    extension: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: OpenDataActorDep,
    page: Annotated[int, Query(ge=1, le=1_000_000, description="页码，从 1 开始")] = 1,
    modified_since: Annotated[
        datetime | None, Query(description="只列出此时间之后修改的数据集（ISO 8601）")
    ] = None,
) -> Response:
    """One page of the open data catalog as DCAT-AP (``hydra:PagedCollection`` paging)."""
    extension = _extension(extension)
    per_page = settings.opendata.dcat_page_size
    query = DatasetSearch(
        rows=per_page,
        start=(page - 1) * per_page,
        sort="metadata_modified desc",
        modified_since=modified_since,
        facet_limit=0,
    )
    result = opendata_service.search_datasets(session, actor=actor, query=query)
    urls = _urls(request)
    carried = {"modified_since": modified_since.isoformat()} if modified_since else {}
    page_url = f"{urls.base_url}/catalog.{extension}?" + urlencode(carried | {"page": "PAGE"})
    paging = dcat.Paging(
        page=page,
        per_page=per_page,
        total=result.count,
        page_url=page_url.replace("PAGE", "{page}"),
    )
    graph = dcat.catalog_graph(
        result.results, urls, paging, modified=opendata_service.latest_modified(session)
    )
    return _rdf(dcat.serialize(graph, extension), extension)


@router.get(
    "/dataset/{id_or_name}.{extension}",
    response_class=Response,
    responses={**_RDF_RESPONSES, **problem_responses(DatasetNotFoundError, TooManyRequestsError)},
)
def dataset(
    id_or_name: str,
    extension: str,
    request: Request,
    session: SessionDep,
    actor: OpenDataActorDep,
) -> Response:
    """One dataset as DCAT-AP (as ckanext-dcat's ``/dataset/{id}.ttl``)."""
    extension = _extension(extension)
    found = opendata_service.get_dataset(session, actor=actor, id_or_name=id_or_name)
    return _rdf(dcat.serialize(dcat.dataset_graph(found, _urls(request)), extension), extension)


@api_router.get(
    "/datasets/{id_or_name}/dcat",
    response_class=Response,
    responses={**_RDF_RESPONSES, **problem_responses(DatasetNotFoundError, TooManyRequestsError)},
)
def dataset_dcat(
    id_or_name: str,
    request: Request,
    session: SessionDep,
    actor: OpenDataActorDep,
    format: Annotated[Extension, Query(description="ttl、jsonld 或 rdf")] = "jsonld",
) -> Response:
    """One dataset as DCAT-AP under the platform's API."""
    found = opendata_service.get_dataset(session, actor=actor, id_or_name=id_or_name)
    return _rdf(dcat.serialize(dcat.dataset_graph(found, _urls(request)), format), format)


_NEGOTIATED = {
    "text/turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdf",
}


def _negotiated(request: Request) -> str | None:
    """The RDF serialization the ``Accept`` header asks for, if any (first match wins)."""
    for part in request.headers.get("accept", "").split(","):
        extension = _NEGOTIATED.get(part.split(";")[0].strip().lower())
        if extension:
            return extension
    return None


@router.get(
    "/dataset/{id_or_name}",
    response_class=Response,
    responses={303: {"description": "门户数据集页"}, **_RDF_RESPONSES},
)
def dataset_uri(
    id_or_name: str, request: Request, session: SessionDep, actor: OpenDataActorDep
) -> Response:
    """A dataset's URI (the subject of its DCAT triples): RDF for RDF clients
    (``Accept``), otherwise a redirect to its portal page."""
    found = opendata_service.get_dataset(session, actor=actor, id_or_name=id_or_name)
    extension = _negotiated(request)
    if extension is None:
        return RedirectResponse(f"/opendata/datasets/{found.name}", status_code=303)
    return _rdf(dcat.serialize(dcat.dataset_graph(found, _urls(request)), extension), extension)
