"""Dataset search (Art. 31): Chinese postings, filters, facets, sort; the public lists.

Postings (``opendata_search_term``) hold the terms of ``core.search_text`` (CJK bigrams,
jieba words, ASCII words) of every published dataset with a weight per field; a query's
bigrams and words are all required (an ``INTERSECT`` of posting lists) and its score is
the sum of the weights of the terms it matched. Facets are ``GROUP BY`` counts over all
hits."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    cast,
    delete,
    func,
    insert,
    intersect,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from smartcity.core.search_text import document_terms, next_character, parse_query
from smartcity.core.security import Actor
from smartcity.domains.opendata.enums import (
    OPEN_ACCESS_LABELS,
    DatasetState,
    OpenAccess,
)
from smartcity.domains.opendata.errors import (
    InvalidQueryError,
    OrganizationNotFoundError,
)
from smartcity.domains.opendata.models import (
    OpenDataset,
    OpenDatasetTag,
    OpenResource,
    OpenSearchTerm,
)
from smartcity.domains.opendata.schemas import (
    DatasetSearch,
    DatasetSearchResult,
    DatasetSummary,
    FacetCount,
    OrganizationRead,
    ThemeRead,
)
from smartcity.domains.opendata.service.presentation import (
    dataset_summary,
    license_title,
    organization_name,
    update_cycle_label,
    with_details,
)
from smartcity.domains.registry.models import Organization

# Weights of the fields a dataset is found by: title > tags > theme and field names
# > slug > provider > notes (a hit in the title ranks first, as CKAN's qf title^4).
TITLE_WEIGHT = 10
TAG_WEIGHT = 5
NAME_WEIGHT = 4
FIELD_WEIGHT = 3
THEME_WEIGHT = 3
PROVIDER_WEIGHT = 2
NOTES_WEIGHT = 1

FACETS = ("organization", "groups", "tags", "res_format", "license_id", "update_cycle", "access")

# --- search index ---------------------------------------------------------------------------


def dataset_postings(dataset: OpenDataset) -> dict[str, int]:
    """Terms and weights of a dataset (``provider`` and ``resources`` loaded)."""
    fields: list[tuple[int, frozenset[str]]] = [
        (TITLE_WEIGHT, document_terms(dataset.title)),
        (TAG_WEIGHT, frozenset().union(*[document_terms(t) for t in dataset.tags])),
        (NAME_WEIGHT, document_terms(dataset.name.replace("-", " ").replace("_", " "))),
        (THEME_WEIGHT, document_terms(dataset.theme_name)),
        (PROVIDER_WEIGHT, document_terms(dataset.provider.name)),
        (NOTES_WEIGHT, document_terms(dataset.notes)),
    ]
    field_terms: set[str] = set()
    for resource in dataset.resources:
        field_terms |= document_terms(resource.name)
        for spec in resource.fields:
            field_terms |= document_terms(f"{spec.get('title', '')} {spec.get('id', '')}")
    fields.append((FIELD_WEIGHT, frozenset(field_terms)))
    weights: dict[str, int] = {}
    for weight, terms in fields:
        for term in terms:
            weights[term] = weights.get(term, 0) + weight
    return weights


def index_dataset(session: Session, dataset: OpenDataset) -> None:
    """(Re)write a published dataset's postings and tag index, in the same transaction."""
    _FACET_CACHE.invalidate()
    session.expire(dataset, ["resources"])
    dataset = session.scalars(
        with_details(select(OpenDataset).where(OpenDataset.id == dataset.id))
    ).one()
    unindex_dataset(session, dataset.id)
    rows = [
        {"term": term, "dataset_id": dataset.id, "weight": weight}
        for term, weight in dataset_postings(dataset).items()
    ]
    if rows:
        session.execute(insert(OpenSearchTerm), rows)
    tags = list(dict.fromkeys(dataset.tags))
    if tags:
        session.execute(
            insert(OpenDatasetTag), [{"dataset_id": dataset.id, "tag": t} for t in tags]
        )


def unindex_dataset(session: Session, dataset_id: UUID) -> None:
    _FACET_CACHE.invalidate()
    session.execute(delete(OpenSearchTerm).where(OpenSearchTerm.dataset_id == dataset_id))
    session.execute(delete(OpenDatasetTag).where(OpenDatasetTag.dataset_id == dataset_id))


# --- search ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Sort:
    text: str
    uses_score: bool


#: CKAN sort keys → columns of the ``hits`` CTE.
_SORT_KEYS: dict[str, str] = {
    "metadata_modified": "metadata_modified",
    "metadata_created": "metadata_created",
    "name": "name",
    "title_string": "title",
    "title": "title",
    "id": "id",
    "download_count": "download_count",
    "api_count": "api_count",
    "views_recent": "view_count",
    "views_total": "view_count",
}


def _order_by(sort: str, hits: Any, *, has_score: bool) -> tuple[list[ColumnElement[Any]], str]:
    text = sort.strip() or "score desc, metadata_modified desc"
    order: list[ColumnElement[Any]] = []
    for item in text.split(","):
        parts = item.split()
        if not parts or len(parts) > 2:
            raise InvalidQueryError(f"排序条件无法识别：{item.strip()}", field="sort")
        key = parts[0]
        direction = parts[1].lower() if len(parts) == 2 else "asc"
        if direction not in {"asc", "desc"}:
            raise InvalidQueryError(f"排序方向只能是 asc 或 desc：{item.strip()}", field="sort")
        if key == "score":
            if has_score:
                order.append(hits.c.score.desc() if direction == "desc" else hits.c.score.asc())
            continue
        name = _SORT_KEYS.get(key)
        if name is None:
            raise InvalidQueryError(f"不支持的排序字段：{key}", field="sort")
        column = hits.c[name]
        order.append(column.desc() if direction == "desc" else column.asc())
    order.append(hits.c.id.asc())
    return order, text


def _provider_ids(session: Session, values: Sequence[str]) -> list[UUID]:
    """Organizations named by id, directory code or URL name."""
    wanted = {v.strip().lower() for v in values if v.strip()}
    found: list[UUID] = []
    for organization in session.scalars(
        select(Organization).where(
            Organization.id.in_(select(OpenDataset.provider_organization_id).distinct())
        )
    ):
        keys = {str(organization.id), organization.code.lower(), organization_name(organization)}
        if keys & wanted:
            found.append(organization.id)
    return found


@dataclass(frozen=True, slots=True)
class _Matching:
    """A search's published datasets: ``scored`` selects their ids with a ``score``
    column when the query has words (for the page's order), ``plain`` the same ids
    without scoring (for the total and facets: no sum over postings), ``score`` the
    score column (None without words)."""

    scored: Select[Any]
    plain: Select[Any]
    score: Any | None
    everything: bool = False  # no words, no filters: every published dataset


def _filtered_ids(session: Session, query: DatasetSearch) -> _Matching:
    """The published datasets matching the query's words and filters."""
    conditions: list[ColumnElement[bool]] = [OpenDataset.state == DatasetState.published]
    if query.provider:
        conditions.append(
            OpenDataset.provider_organization_id.in_(_provider_ids(session, query.provider))
        )
    if query.theme:
        conditions.append(OpenDataset.theme_code.in_(query.theme))
    if query.update_cycle:
        conditions.append(OpenDataset.update_cycle.in_(query.update_cycle))
    if query.license_id:
        conditions.append(OpenDataset.license_id.in_(query.license_id))
    if query.access:
        conditions.append(OpenDataset.access.in_(query.access))
    if query.modified_since is not None:
        conditions.append(OpenDataset.metadata_modified >= query.modified_since)
    for tag in query.tags:
        conditions.append(
            OpenDataset.id.in_(select(OpenDatasetTag.dataset_id).where(OpenDatasetTag.tag == tag))
        )
    if query.format:
        formats = [f.upper() for f in query.format]
        # A probe of each candidate's formats on (dataset_id, format): most resources
        # share a few formats, so a list of every CSV resource's dataset would be long.
        conditions.append(
            select(OpenResource.id)
            .where(OpenResource.dataset_id == OpenDataset.id, OpenResource.format.in_(formats))
            .exists()
        )
    parsed = parse_query(query.q)
    if not query.q.strip() or parsed.is_empty:
        plain = select(OpenDataset.id).where(*conditions)
        return _Matching(plain, plain, None, everything=len(conditions) == 1)
    clauses: list[Select[Any]] = [
        select(OpenSearchTerm.dataset_id).where(OpenSearchTerm.term == term)
        for term in parsed.required
    ]
    clauses += [
        select(OpenSearchTerm.dataset_id).where(
            OpenSearchTerm.term >= character, OpenSearchTerm.term < next_character(character)
        )
        for character in parsed.characters
    ]
    hits = clauses[0] if len(clauses) == 1 else intersect(*clauses)
    scored_terms: list[ColumnElement[bool]] = [
        OpenSearchTerm.term.in_([*parsed.required, *parsed.optional])
    ]
    scored_terms += [
        and_(OpenSearchTerm.term >= c, OpenSearchTerm.term < next_character(c))
        for c in parsed.characters
    ]
    if len(parsed.required) == 1 and not parsed.characters and not parsed.optional:
        # One term, nothing optional: its postings are the hits and their scores (one
        # posting per dataset and term), with no intersection to probe and no sum.
        scores = (
            select(OpenSearchTerm.dataset_id, OpenSearchTerm.weight.label("score"))
            .where(OpenSearchTerm.term == parsed.required[0])
            .subquery()
        )
    else:
        scores = (
            select(OpenSearchTerm.dataset_id, func.sum(OpenSearchTerm.weight).label("score"))
            .where(or_(*scored_terms), OpenSearchTerm.dataset_id.in_(hits))
            .group_by(OpenSearchTerm.dataset_id)
            .subquery()
        )
    statement = (
        select(OpenDataset.id, scores.c.score)
        .join(scores, scores.c.dataset_id == OpenDataset.id)
        .where(*conditions)
    )
    plain = select(OpenDataset.id).where(OpenDataset.id.in_(hits), *conditions)
    return _Matching(statement, plain, scores.c.score)


def search_datasets(session: Session, *, actor: Actor, query: DatasetSearch) -> DatasetSearchResult:
    """Published datasets matching ``q`` and the filters, best first, with the facet
    counts of all hits (CKAN ``package_search``). Public: no login needed.

    ``q`` is cut by the Chinese tokenizer: its two-character grams and ASCII words are
    all required; a hit in the title weighs most, then tags, field names, notes.

    Two statements whatever the facets: one ``UNION ALL`` of ``GROUP BY``s over the hits
    (a materialized CTE, computed once, read from ``ix_opendata_dataset_facets`` and
    only intersecting postings, not scoring them) gives the total and every facet, and
    one ordered ``LIMIT`` gives the page's ids. Without words or filters the facets are
    ``GROUP BY``s over the ``(column, state)`` indexes instead (``_catalog_parts``).

    Raises:
        InvalidQueryError: an unknown sort key or direction.
    """
    del actor  # published datasets are public (Art. 31); kept for a uniform signature
    matching = _filtered_ids(session, query)
    score = matching.score
    score_column = (score if score is not None else literal(0)).label("score")
    # The facets read only these columns: with ``ix_opendata_dataset_facets`` (state, id
    # and them) the hits are read from that index, never from the table rows; and they
    # need no score, so the postings are only intersected, not summed.
    facet_hits = (
        matching.plain.with_only_columns(
            OpenDataset.id.label("id"),
            OpenDataset.provider_organization_id.label("provider"),
            OpenDataset.theme_code.label("theme"),
            OpenDataset.update_cycle.label("update_cycle"),
            OpenDataset.license_id.label("license_id"),
            OpenDataset.access.label("access"),
        )
        .cte("hits")
        .prefix_with("MATERIALIZED")
    )
    hits = matching.scored.with_only_columns(
        OpenDataset.id.label("id"),
        score_column,
        OpenDataset.metadata_modified.label("metadata_modified"),
        OpenDataset.metadata_created.label("metadata_created"),
        OpenDataset.name.label("name"),
        OpenDataset.title.label("title"),
        OpenDataset.download_count.label("download_count"),
        OpenDataset.api_count.label("api_count"),
        OpenDataset.view_count.label("view_count"),
    ).subquery("hits")
    order, sort_text = _order_by(query.sort, hits, has_score=score is not None)
    key = _FACET_CACHE.key(session, query)
    cached = _FACET_CACHE.get(key)
    if cached is None:
        cached = _facets(session, None if matching.everything else facet_hits, query.facet_limit)
        _FACET_CACHE.put(key, cached)
    count, facets = cached
    results: list[DatasetSummary] = []
    if query.rows and count > query.start:
        page_ids = list(
            session.scalars(
                select(hits.c.id).order_by(*order).limit(query.rows).offset(query.start)
            )
        )
        datasets = {
            d.id: d
            for d in session.scalars(
                with_details(select(OpenDataset).where(OpenDataset.id.in_(page_ids)))
            )
        }
        results = [dataset_summary(datasets[i]) for i in page_ids]
    return DatasetSearchResult(count=count, results=results, facets=facets, sort=sort_text)


class _FacetCache:
    """The total and facets of recent searches (the portal's home page and its common
    filters repeat), keyed by the query without its page and sort, and by a version of
    the published datasets: this process's count of index writes (a publication,
    withdrawal or change here, even one rolled back later, starts a new version) and
    the newest ``metadata_modified`` with the number of published datasets (a change
    made by another process). The page itself is always read fresh."""

    def __init__(self, size: int = 256) -> None:
        self._entries: OrderedDict[tuple[Any, ...], tuple[int, dict[str, list[FacetCount]]]]
        self._entries = OrderedDict()
        self._size = size
        self._generation = 0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def key(self, session: Session, query: DatasetSearch) -> tuple[Any, ...]:
        newest, published = session.execute(
            select(
                func.max(OpenDataset.metadata_modified),
                select(func.count())
                .where(OpenDataset.state == DatasetState.published)
                .scalar_subquery(),
            )
        ).one()
        filters = query.model_dump_json(exclude={"rows", "start", "sort"})
        return (self._generation, newest, published, filters)

    def get(self, key: tuple[Any, ...]) -> tuple[int, dict[str, list[FacetCount]]] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], value: tuple[int, dict[str, list[FacetCount]]]) -> None:
        with self._lock:
            if key[0] != self._generation:
                return
            self._entries[key] = value
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


_FACET_CACHE = _FacetCache()


_SINGLE_FACETS = {
    "organization": "provider",
    "groups": "theme",
    "update_cycle": "update_cycle",
    "license_id": "license_id",
    "access": "access",
}


def _label(text: str) -> Any:
    return literal(text, String)


_FACET_COLUMNS = {
    "provider": OpenDataset.provider_organization_id,
    "theme": OpenDataset.theme_code,
    "update_cycle": OpenDataset.update_cycle,
    "license_id": OpenDataset.license_id,
    "access": OpenDataset.access,
}


def _catalog_parts() -> list[Any]:
    """The total and facets of every published dataset (a search without words or
    filters: the portal's home page, a harvester's first page). Each single facet is
    a ``GROUP BY`` over its ``(column, state)`` index, read in order without sorting;
    tags from the tag index (it holds published datasets only); formats from the
    ``(format, dataset_id)`` index, probing each dataset's state."""
    published = OpenDataset.state == DatasetState.published
    return [
        select(_label("count"), _label(""), func.count()).where(published),
        *[
            select(_label(facet), cast(_FACET_COLUMNS[column], String), func.count())
            .where(published)
            .group_by(_FACET_COLUMNS[column])
            for facet, column in _SINGLE_FACETS.items()
        ],
        select(_label("tags"), OpenDatasetTag.tag, func.count()).group_by(OpenDatasetTag.tag),
        select(
            _label("res_format"),
            OpenResource.format,
            func.count(OpenResource.dataset_id.distinct()),
        )
        .join(OpenDataset, OpenDataset.id == OpenResource.dataset_id)
        .where(published)
        .group_by(OpenResource.format),
    ]


def _facets(
    session: Session, hits: Any | None, limit: int
) -> tuple[int, dict[str, list[FacetCount]]]:
    """The number of hits and every facet, from one statement over the hits (None:
    every published dataset, read from the facet indexes)."""
    label = _label
    parts: list[Any] = (
        _catalog_parts()
        if hits is None
        else [
            select(label("count"), label(""), func.count()).select_from(hits),
            *[
                select(label(facet), cast(hits.c[column], String), func.count())
                .select_from(hits)
                .group_by(hits.c[column])
                for facet, column in _SINGLE_FACETS.items()
            ],
            # LEFT JOIN from the hits: SQLite then loops over the hits and probes the tags'
            # primary key, instead of scanning every tag (PostgreSQL plans either way).
            select(label("tags"), OpenDatasetTag.tag, func.count())
            .select_from(hits)
            .outerjoin(OpenDatasetTag, hits.c.id == OpenDatasetTag.dataset_id)
            .group_by(OpenDatasetTag.tag),
            select(
                label("res_format"),
                OpenResource.format,
                func.count(OpenResource.dataset_id.distinct()),
            )
            .select_from(hits)
            .outerjoin(OpenResource, hits.c.id == OpenResource.dataset_id)
            .group_by(OpenResource.format),
        ]
    )
    counts: dict[str, list[tuple[str, int]]] = {facet: [] for facet in FACETS}
    total = 0
    for facet, value, n in session.execute(union_all(*parts)):
        if facet == "count":
            total = int(n)
        elif value is not None and value != "":
            counts[facet].append((str(value), int(n)))
    cap = None if limit < 0 else limit
    for facet in counts:
        counts[facet].sort(key=lambda pair: (-pair[1], pair[0]))
        counts[facet] = counts[facet][:cap]
    providers = {UUID(v) for v, _ in counts["organization"]}
    organizations = {
        o.id: o for o in session.scalars(select(Organization).where(Organization.id.in_(providers)))
    }
    themes = [v for v, _ in counts["groups"]]
    # One dataset's name of each theme (the index on theme_code finds it), rather than
    # a GROUP BY that reads every dataset of the theme.
    theme_names: dict[str, str] = (
        dict(
            zip(
                themes,
                session.execute(
                    select(
                        *[
                            select(OpenDataset.theme_name)
                            .where(OpenDataset.theme_code == code)
                            .limit(1)
                            .scalar_subquery()
                            for code in themes
                        ]
                    )
                ).one(),
                strict=True,
            )
        )
        if themes
        else {}
    )
    facets: dict[str, list[FacetCount]] = {
        "organization": [
            FacetCount(
                name=organization_name(organizations[UUID(v)]),
                display_name=organizations[UUID(v)].name,
                count=n,
            )
            for v, n in counts["organization"]
            if UUID(v) in organizations
        ],
        "groups": [
            FacetCount(name=v, display_name=theme_names.get(v) or v, count=n)
            for v, n in counts["groups"]
        ],
        "tags": [FacetCount(name=v, display_name=v, count=n) for v, n in counts["tags"]],
        "res_format": [
            FacetCount(name=v, display_name=v, count=n) for v, n in counts["res_format"]
        ],
        "license_id": [
            FacetCount(name=v, display_name=license_title(v), count=n)
            for v, n in counts["license_id"]
        ],
        "update_cycle": [
            FacetCount(name=v, display_name=update_cycle_label(v), count=n)
            for v, n in counts["update_cycle"]
        ],
        "access": [
            FacetCount(name=v, display_name=OPEN_ACCESS_LABELS[OpenAccess(v)], count=n)
            for v, n in counts["access"]
        ],
    }
    return total, facets


# --- lists ------------------------------------------------------------------------------------


def list_dataset_names(session: Session, *, limit: int | None = None, offset: int = 0) -> list[str]:
    """Names of every published dataset, by name (CKAN ``package_list``; unbounded by
    default because ``ckanapi dump`` needs the whole list)."""
    statement = (
        select(OpenDataset.name)
        .where(OpenDataset.state == DatasetState.published)
        .order_by(OpenDataset.name)
        .offset(offset)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.scalars(statement))


def list_organizations(session: Session) -> list[OrganizationRead]:
    """Providers with at least one published dataset and their counts, by name
    (CKAN ``organization_list``)."""
    counts = (
        select(OpenDataset.provider_organization_id, func.count().label("n"))
        .where(OpenDataset.state == DatasetState.published)
        .group_by(OpenDataset.provider_organization_id)
        .subquery()
    )
    rows = session.execute(
        select(Organization, counts.c.n).join(
            counts, counts.c.provider_organization_id == Organization.id
        )
    ).all()
    result = [
        OrganizationRead(
            id=o.id,
            name=organization_name(o),
            code=o.code,
            title=o.name,
            description=o.description,
            package_count=int(n),
        )
        for o, n in rows
    ]
    return sorted(result, key=lambda o: o.name)


def get_organization(session: Session, id_or_name: str) -> OrganizationRead:
    """One provider by id, directory code or URL name (CKAN ``organization_show``).

    Raises:
        OrganizationNotFoundError: no provider of open data with that key.
    """
    key = id_or_name.strip().lower()
    for organization in list_organizations(session):
        if key in {str(organization.id), organization.code.lower(), organization.name}:
            return organization
    raise OrganizationNotFoundError(f"数据提供单位不存在：{id_or_name}")


def list_themes(session: Session) -> list[ThemeRead]:
    """Themes (CKAN groups) of published datasets with their counts, by code."""
    rows = session.execute(
        select(OpenDataset.theme_code, func.max(OpenDataset.theme_name), func.count())
        .where(OpenDataset.state == DatasetState.published, OpenDataset.theme_code != "")
        .group_by(OpenDataset.theme_code)
        .order_by(OpenDataset.theme_code)
    ).all()
    return [
        ThemeRead(name=code, title=name or code, package_count=int(n)) for code, name, n in rows
    ]


def list_tags(session: Session, *, query: str = "", limit: int | None = None) -> list[str]:
    """Tags of published datasets, by name (CKAN ``tag_list``); ``query`` filters by
    substring."""
    statement = (
        select(OpenDatasetTag.tag)
        .join(OpenDataset, OpenDataset.id == OpenDatasetTag.dataset_id)
        .where(OpenDataset.state == DatasetState.published)
        .distinct()
        .order_by(OpenDatasetTag.tag)
    )
    if query:
        statement = statement.where(OpenDatasetTag.tag.contains(query, autoescape=True))
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.scalars(statement))


def latest_modified(session: Session) -> datetime | None:
    """When a published dataset last changed (for ``status_show`` and caching)."""
    return session.scalar(
        select(func.max(OpenDataset.metadata_modified)).where(
            OpenDataset.state == DatasetState.published
        )
    )
