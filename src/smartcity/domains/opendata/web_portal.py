"""The public open data portal (开放数据门户, Art. 29–31): search with facets, dataset pages
with metadata, field descriptions, a data preview, a chart, downloads, API examples,
update history and usage counts, and the providers' pages. No login is needed (Art. 31:
public information resources are opened to society); conditionally open data asks a
registered user to accept its terms first.

Every page calls the open data service; templates receive schemas and small view
models built here (``portal_view``), never ORM objects.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from smartcity.core.errors import AuthenticationRequiredError, InvalidInputError
from smartcity.core.http.deps import SessionDep
from smartcity.core.http.forms import FormDep, redirect, text
from smartcity.core.http.htmx import is_partial, render
from smartcity.core.http.templates import highlight
from smartcity.core.pagination import Page
from smartcity.core.security import Actor
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.opendata import portal_view as view
from smartcity.domains.opendata import service as opendata_service
from smartcity.domains.opendata.enums import (
    FIELD_TYPE_LABELS,
    OPEN_ACCESS_LABELS,
    RESOURCE_KIND_LABELS,
    OpenAccess,
    UsageChannel,
)
from smartcity.domains.opendata.errors import (
    InvalidQueryError,
    NoRowsError,
    ResourceNotFoundError,
    TermsNotAcceptedError,
)
from smartcity.domains.opendata.schemas import (
    DatasetRead,
    DatasetSearch,
    DatasetSummary,
    DatastoreQuery,
    DatastoreResult,
    ResourceRead,
)

router = APIRouter(include_in_schema=False)

PORTAL = "/opendata"
PAGE_SIZE = 10
PREVIEW_ROWS = 10
#: Rows read for the chart preview (the chart says so).
CHART_ROWS = 500
#: The most pages of search results a link may ask for (deep paging is for the API).
MAX_PAGE = 1000


def dataset_url(name: str) -> str:
    return f"{PORTAL}/datasets/{name}"


# ---------------------------------------------------------------- search


def _search_from(request: Request, page: int) -> DatasetSearch:
    """The search of the query string: ``q``, repeated facet parameters, ``sort`` and a
    page; unknown sort keys fall back to relevance."""
    params = request.query_params
    values: dict[str, object] = {
        key: [v for v in params.getlist(key) if v.strip()][:20] for key in view.FILTER_KEYS
    }
    values["q"] = params.get("q", "").strip()[:200]
    values["sort"] = view.SORTS.get(params.get("sort", ""), view.SORTS[""])[1]
    values["rows"] = PAGE_SIZE
    values["start"] = (page - 1) * PAGE_SIZE
    values["access"] = [a for a in params.getlist("access") if a in OpenAccess.__members__]
    return DatasetSearch.model_validate(values)


@router.get(PORTAL, response_class=HTMLResponse)
def portal_home(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    """The portal: Chinese search (two-character words such as 公交 are found), facets with
    counts, removable filters, sort and pages; htmx swaps the results, plain links work."""
    search = _search_from(request, page)
    result = opendata_service.search_datasets(session, actor=actor, query=search)
    state = view.SearchState.from_request(request)
    results_page: Page[DatasetSummary] = Page[DatasetSummary](
        items=result.results, total=result.count, page=page, size=PAGE_SIZE
    )
    return render(
        request,
        "opendata/portal_home.html",
        partial="opendata/portal__results.html",
        search=search,
        state=state,
        page=results_page,
        panels=view.facet_panels(state, result.facets),
        chips=view.chips(state, result.facets),
        sorts=view.sort_links(state),
        clear_url=state.url(keep_q_only=True),
        highlight=lambda value: highlight(value, search.q),
        themes=opendata_service.list_themes(session) if not is_partial(request) else [],
        access_labels=OPEN_ACCESS_LABELS,
    )


# ---------------------------------------------------------------- one dataset


def _may_use(session: Session, actor: Actor, dataset: DatasetRead) -> bool:
    """Whether to offer downloads: the service's rule (``ensure_may_use_data``) asked
    without raising, so the page can show the links or the way to the terms."""
    if dataset.access is OpenAccess.open:
        return True
    if opendata_service.may_manage(actor, dataset.provider_organization_id):
        return True
    return opendata_service.has_accepted_terms(session, actor=actor, dataset_id=dataset.id)


def _preview(session: Session, actor: Actor, resource: ResourceRead, page: int) -> view.Preview:
    """One page of a resource's rows for the preview table (not counted as API use)."""
    if not resource.datastore_active:
        return view.Preview(
            resource=resource, page=page, message="该资源是文件，没有可预览的数据行。"
        )
    try:
        result: DatastoreResult | None = opendata_service.datastore_search(
            session,
            actor=actor,
            resource_id=resource.id,
            query=DatastoreQuery(limit=PREVIEW_ROWS, offset=(page - 1) * PREVIEW_ROWS),
            count=False,
        )
    except (AuthenticationRequiredError, TermsNotAcceptedError):
        return view.Preview(
            resource=resource, page=page, message="有条件开放的数据：登录并接受使用条件后可预览。"
        )
    except NoRowsError:
        return view.Preview(resource=resource, page=page, message="该资源没有可预览的数据行。")
    return view.Preview(resource=resource, page=page, result=result, size=PREVIEW_ROWS)


def _chart(session: Session, actor: Actor, resource: ResourceRead, x: str, y: str) -> view.Chart:
    """The chart of a resource: ``y`` (a numeric field, or the row count) by ``x`` (a
    category or time field), summed over the first ``CHART_ROWS`` rows."""
    choice = view.chart_choice(resource, x, y)
    if choice.message:
        return view.Chart(choice=choice)
    fields = [choice.x] if choice.y == view.COUNT else [choice.x, choice.y]
    sort = f'"{choice.x}" asc' if choice.temporal else ""
    try:
        result = opendata_service.datastore_search(
            session,
            actor=actor,
            resource_id=resource.id,
            query=DatastoreQuery(fields=fields, sort=sort, limit=CHART_ROWS),
            count=False,
        )
    except (AuthenticationRequiredError, TermsNotAcceptedError):
        choice.message = "有条件开放的数据：登录并接受使用条件后可查看图表。"
        choice.x_options = []  # nothing to choose from before the terms are accepted
        return view.Chart(choice=choice)
    except InvalidQueryError:
        # A field id the datastore's sort syntax cannot quote: no chart rather than no page.
        choice.message = "该字段无法用于绘制图表，请选择其他字段。"
        return view.Chart(choice=choice)
    return view.draw_chart(choice, result.records, limit=CHART_ROWS, total=resource.row_count)


def _dataset_context(
    request: Request,
    session: Session,
    actor: Actor,
    dataset: DatasetRead,
) -> dict[str, Any]:
    params = request.query_params
    selected = params.get("r", "")
    try:
        preview_page = max(1, min(int(params.get("pp", "1")), 100_000))
    except ValueError:
        preview_page = 1
    blocks = []
    for resource in dataset.resources:
        chosen = str(resource.id) == selected
        blocks.append(
            view.ResourceBlock(
                resource=resource,
                preview=_preview(session, actor, resource, preview_page if chosen else 1),
                chart=_chart(
                    session,
                    actor,
                    resource,
                    params.get("x", "") if chosen else "",
                    params.get("y", "") if chosen else "",
                ),
                downloads=view.download_links(resource),
            )
        )
    base = str(request.base_url).rstrip("/")
    usage = opendata_service.usage_by_day(session, actor=actor, id_or_name=dataset.id, days=30)
    return {
        "dataset": dataset,
        "blocks": blocks,
        "may_use": _may_use(session, actor, dataset),
        "accepted": dataset.access is OpenAccess.conditional
        and opendata_service.has_accepted_terms(session, actor=actor, dataset_id=dataset.id),
        "api": view.api_examples(base, dataset),
        "jsonld": view.schema_org(base, dataset),
        "history": view.history(dataset),
        "usage": view.usage_totals(usage),
        "access_labels": OPEN_ACCESS_LABELS,
        "kind_labels": RESOURCE_KIND_LABELS,
        "type_labels": FIELD_TYPE_LABELS,
        "login_url": "/login?" + urlencode({"next": dataset_url(dataset.name)}),
    }


@router.get(PORTAL + "/datasets/{name}", response_class=HTMLResponse)
def dataset_page(request: Request, name: str, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """One dataset: metadata, open type, field descriptions, preview table and chart per
    resource, downloads (CSV with BOM, XLSX, JSON), API examples, history and usage.
    A full page view counts as one view of the dataset."""
    dataset = opendata_service.get_dataset(session, actor=actor, id_or_name=name)
    opendata_service.record_usage(session, dataset_id=dataset.id, channel=UsageChannel.view)
    dataset = dataset.model_copy(update={"view_count": dataset.view_count + 1})
    return render(
        request,
        "opendata/portal_dataset.html",
        errors={},
        **_dataset_context(request, session, actor, dataset),
    )


def _resource_of(dataset: DatasetRead, resource_id: UUID) -> ResourceRead:
    for resource in dataset.resources:
        if resource.id == resource_id:
            return resource
    raise ResourceNotFoundError(f"开放数据资源不存在：{resource_id}")


@router.get(
    PORTAL + "/datasets/{name}/resources/{resource_id}/preview", response_class=HTMLResponse
)
def resource_preview(
    request: Request,
    name: str,
    resource_id: UUID,
    session: SessionDep,
    actor: ActorDep,
    pp: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """One page of the preview table (the htmx fragment; a plain request gets the page)."""
    dataset = opendata_service.get_dataset(session, actor=actor, id_or_name=name)
    resource = _resource_of(dataset, resource_id)
    if not is_partial(request):
        return redirect(
            request, f"{dataset_url(dataset.name)}?r={resource.id}&pp={pp}#preview-{resource.id}"
        )
    return render(
        request,
        "opendata/portal__preview.html",
        preview=_preview(session, actor, resource, pp),
        dataset=dataset,
        type_labels=FIELD_TYPE_LABELS,
    )


@router.get(PORTAL + "/datasets/{name}/resources/{resource_id}/chart", response_class=HTMLResponse)
def resource_chart(
    request: Request,
    name: str,
    resource_id: UUID,
    session: SessionDep,
    actor: ActorDep,
    x: Annotated[str, Query(max_length=100)] = "",
    y: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The chart of a resource for the chosen columns (htmx fragment; a plain request
    gets the dataset page with the choice)."""
    dataset = opendata_service.get_dataset(session, actor=actor, id_or_name=name)
    resource = _resource_of(dataset, resource_id)
    if not is_partial(request):
        query = urlencode({"r": str(resource.id), "x": x, "y": y})
        return redirect(request, f"{dataset_url(dataset.name)}?{query}#chart-{resource.id}")
    return render(
        request,
        "opendata/portal__chart.html",
        chart=_chart(session, actor, resource, x, y),
        dataset=dataset,
    )


@router.post(PORTAL + "/datasets/{name}/accept-terms", response_class=HTMLResponse)
def accept_terms(
    request: Request, name: str, session: SessionDep, actor: ActorDep, form: FormDep
) -> Response:
    """A signed-in user accepts a conditionally open dataset's terms (Art. 31), with an
    optional purpose; audited by the service. Anonymous users are sent to the login."""
    dataset = opendata_service.get_dataset(session, actor=actor, id_or_name=name)
    if not actor.is_authenticated:
        return redirect(request, "/login?" + urlencode({"next": dataset_url(dataset.name)}))
    purpose = text(form, "purpose")
    if len(purpose) > 2000:
        context = _dataset_context(request, session, actor, dataset)
        return render(
            request,
            "opendata/portal_dataset.html",
            status_code=422,
            errors={"purpose": "用途最多 2000 个字符"},
            **context,
        )
    opendata_service.accept_terms(session, actor=actor, id_or_name=dataset.id, purpose=purpose)
    return redirect(request, dataset_url(dataset.name) + "#access")


# ---------------------------------------------------------------- providers


@router.get(PORTAL + "/organizations", response_class=HTMLResponse)
def organization_list(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """The providers of open data with their dataset counts."""
    del actor
    organizations = opendata_service.list_organizations(session)
    return render(
        request,
        "opendata/portal_organizations.html",
        organizations=organizations,
        total=sum(o.package_count for o in organizations),
    )


@router.get(PORTAL + "/organizations/{name}", response_class=HTMLResponse)
def organization_page(
    request: Request,
    name: str,
    session: SessionDep,
    actor: ActorDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    """One provider and its published datasets, newest change first."""
    organization = opendata_service.get_organization(session, name)
    try:
        result = opendata_service.search_datasets(
            session,
            actor=actor,
            query=DatasetSearch(
                provider=[organization.name],
                rows=PAGE_SIZE,
                start=(page - 1) * PAGE_SIZE,
                sort="metadata_modified desc",
                facet_limit=20,
            ),
        )
    except InvalidQueryError as error:  # pragma: no cover - fixed, valid query
        raise InvalidInputError(error.detail) from error
    return render(
        request,
        "opendata/portal_organization.html",
        partial="opendata/portal__org_results.html",
        organization=organization,
        page=Page[DatasetSummary](
            items=result.results, total=result.count, page=page, size=PAGE_SIZE
        ),
        themes=result.facets.get("groups", []),
        access_labels=OPEN_ACCESS_LABELS,
        search_url=PORTAL + "?" + urlencode({"provider": organization.name}),
    )
