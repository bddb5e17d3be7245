"""Open datasets: creation, publication, Chinese search with facets, lists and usage.

Art. 29–31: public information resources are opened to society through the
portal; the public reads published datasets without logging in; a
conditionally open dataset's data is for registered users who accepted its
terms. Every change of a dataset is audited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    func,
    insert,
    intersect,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from smartcity.core.search_text import document_terms, next_character, parse_query
from smartcity.core.security import Actor, ensure_authenticated, ensure_permission
from smartcity.core.time import today_in_china, utcnow
from smartcity.domains.audit import service as audit
from smartcity.domains.catalog.enums import UPDATE_CYCLE_LABELS, UpdateCycle
from smartcity.domains.opendata.enums import (
    LICENSES,
    OPEN_ACCESS_LABELS,
    DatasetState,
    OpenAccess,
    ResourceKind,
    UsageChannel,
)
from smartcity.domains.opendata.errors import (
    DatasetNotFoundError,
    InvalidDatasetError,
    InvalidQueryError,
    OrganizationNotFoundError,
    ResourceNotFoundError,
    TermsNotAcceptedError,
)
from smartcity.domains.opendata.models import (
    OpenDataset,
    OpenDatasetTag,
    OpenResource,
    OpenSearchTerm,
    OpenUsage,
    TermsAcceptance,
)
from smartcity.domains.opendata.permissions import OpenDataPermission
from smartcity.domains.opendata.schemas import (
    NAME_PATTERN,
    DatasetCreate,
    DatasetRead,
    DatasetSearch,
    DatasetSearchResult,
    DatasetSummary,
    FacetCount,
    FieldSpec,
    OrganizationRead,
    ResourceCreate,
    ResourceRead,
    ThemeRead,
    UsageDay,
)
from smartcity.domains.opendata.service import datastore
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

_SLUG_INVALID = re.compile(r"[^a-z0-9_-]+")


# --- presentation -------------------------------------------------------------------------


def organization_name(organization: Organization) -> str:
    """The CKAN-style URL name of a provider: its directory code as a slug."""
    slug = _SLUG_INVALID.sub("-", organization.code.lower()).strip("-")
    return slug if len(slug) >= 2 else f"org-{organization.id.hex[:12]}"


def license_title(license_id: str) -> str:
    return LICENSES.get(license_id, (license_id, ""))[0]


def update_cycle_label(cycle: str) -> str:
    try:
        return UPDATE_CYCLE_LABELS[UpdateCycle(cycle)]
    except ValueError:
        return cycle


def _resource_read(resource: OpenResource) -> ResourceRead:
    return ResourceRead(
        id=resource.id,
        dataset_id=resource.dataset_id,
        position=resource.position,
        name=resource.name,
        description=resource.description,
        format=resource.format,
        kind=resource.kind,
        fields=[FieldSpec.model_validate(f) for f in resource.fields],
        row_count=resource.row_count,
        datastore_active=bool(resource.table_name),
        release_id=resource.release_id,
        last_modified=resource.last_modified,
        created_at=resource.created_at,
    )


def _summary_data(dataset: OpenDataset) -> dict[str, Any]:
    resources = [_resource_read(r) for r in dataset.resources]
    formats = list(dict.fromkeys(r.format for r in resources))
    return {
        "id": dataset.id,
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.notes,
        "provider_organization_id": dataset.provider_organization_id,
        "provider_name": dataset.provider.name,
        "provider_code": dataset.provider.code,
        "organization_name": organization_name(dataset.provider),
        "theme_code": dataset.theme_code,
        "theme_name": dataset.theme_name,
        "tags": list(dataset.tags),
        "license_id": dataset.license_id,
        "license_title": license_title(dataset.license_id),
        "license_url": LICENSES.get(dataset.license_id, ("", ""))[1],
        "update_cycle": dataset.update_cycle,
        "update_cycle_label": update_cycle_label(dataset.update_cycle),
        "access": dataset.access,
        "access_terms": dataset.access_terms,
        "state": dataset.state,
        "entry_id": dataset.entry_id,
        "entry_version": dataset.entry_version,
        "resource_code": dataset.resource_code,
        "metadata_created": dataset.metadata_created,
        "metadata_modified": dataset.metadata_modified,
        "published_at": dataset.published_at,
        "download_count": dataset.download_count,
        "api_count": dataset.api_count,
        "view_count": dataset.view_count,
        "formats": formats,
        "resources": resources,
    }


def dataset_summary(dataset: OpenDataset) -> DatasetSummary:
    """``provider`` and ``resources`` must be loaded."""
    return DatasetSummary(**_summary_data(dataset))


def dataset_read(dataset: OpenDataset) -> DatasetRead:
    """``provider`` and ``resources`` must be loaded."""
    return DatasetRead(
        **_summary_data(dataset),
        withdrawn_at=dataset.withdrawn_at,
        withdrawal_reason=dataset.withdrawal_reason,
    )


# --- access -------------------------------------------------------------------------------


def may_manage(actor: Actor, provider_organization_id: UUID) -> bool:
    """The coordinator manages every dataset; a department admin its own."""
    if actor.has(OpenDataPermission.publish_any):
        return True
    return (
        actor.has(OpenDataPermission.publish) and actor.organization_id == provider_organization_id
    )


def _ensure_may_manage(actor: Actor, provider_organization_id: UUID) -> None:
    ensure_permission(actor, OpenDataPermission.publish)
    if not may_manage(actor, provider_organization_id):
        ensure_permission(actor, OpenDataPermission.publish_any)


def _with_details(statement: Select[OpenDataset]) -> Select[OpenDataset]:
    return statement.options(
        selectinload(OpenDataset.provider), selectinload(OpenDataset.resources)
    )


def _load(session: Session, actor: Actor, id_or_name: UUID | str) -> OpenDataset:
    statement = select(OpenDataset)
    key: UUID | None = id_or_name if isinstance(id_or_name, UUID) else None
    if key is None:
        try:
            key = UUID(str(id_or_name))
        except ValueError:
            key = None
    if key is not None:
        statement = statement.where(OpenDataset.id == key)
    else:
        statement = statement.where(OpenDataset.name == str(id_or_name).strip().lower())
    dataset = session.scalars(_with_details(statement)).one_or_none()
    if dataset is None:
        raise DatasetNotFoundError(f"开放数据集不存在：{id_or_name}")
    if dataset.state is not DatasetState.published and not may_manage(
        actor, dataset.provider_organization_id
    ):
        raise DatasetNotFoundError(f"开放数据集不存在：{id_or_name}")
    return dataset


def get_dataset(session: Session, *, actor: Actor, id_or_name: UUID | str) -> DatasetRead:
    """A dataset by id or ``name`` (CKAN ``package_show``). Anyone sees published
    datasets; drafts and withdrawn ones only their publisher and the coordinator.

    Raises:
        DatasetNotFoundError: no such dataset visible to the actor.
    """
    return dataset_read(_load(session, actor, id_or_name))


def get_resource(session: Session, *, actor: Actor, resource_id: UUID | str) -> ResourceRead:
    """A resource of a dataset the actor may see (CKAN ``resource_show``).

    Raises:
        ResourceNotFoundError: no such resource, or its dataset is not visible.
    """
    return _resource_read(_visible_resource(session, actor, resource_id))


def _visible_resource(session: Session, actor: Actor, resource_id: UUID | str) -> OpenResource:
    try:
        key = resource_id if isinstance(resource_id, UUID) else UUID(str(resource_id))
    except ValueError as error:
        raise ResourceNotFoundError(f"开放数据资源不存在：{resource_id}") from error
    resource = session.scalars(
        select(OpenResource)
        .where(OpenResource.id == key)
        .options(selectinload(OpenResource.dataset))
    ).one_or_none()
    if resource is None or (
        resource.dataset.state is not DatasetState.published
        and not may_manage(actor, resource.dataset.provider_organization_id)
    ):
        raise ResourceNotFoundError(f"开放数据资源不存在：{resource_id}")
    return resource


def ensure_may_use_data(session: Session, actor: Actor, dataset: OpenDataset) -> None:
    """Rows of a conditionally open dataset (有条件开放) go only to a registered user who
    accepted its terms (Art. 31); its publisher and the coordinator may always read.

    Raises:
        AuthenticationRequiredError: anonymous, for a conditional dataset.
        TermsNotAcceptedError: the user has not accepted the terms.
    """
    if dataset.access is OpenAccess.open or may_manage(actor, dataset.provider_organization_id):
        return
    ensure_authenticated(actor)
    accepted = actor.id is not None and session.scalar(
        select(TermsAcceptance.id).where(
            TermsAcceptance.dataset_id == dataset.id, TermsAcceptance.user_id == actor.id
        )
    )
    if not accepted:
        raise TermsNotAcceptedError(dataset_id=str(dataset.id), terms=dataset.access_terms)


def has_accepted_terms(session: Session, *, actor: Actor, dataset_id: UUID) -> bool:
    """Whether the actor accepted this dataset's terms (always true for an open one)."""
    if actor.id is None:
        return False
    return (
        session.scalar(
            select(TermsAcceptance.id).where(
                TermsAcceptance.dataset_id == dataset_id, TermsAcceptance.user_id == actor.id
            )
        )
        is not None
    )


def accept_terms(
    session: Session, *, actor: Actor, id_or_name: UUID | str, purpose: str = ""
) -> None:
    """Record that a registered user accepts a conditional dataset's terms (idempotent).

    Raises:
        AuthenticationRequiredError: anonymous.
        DatasetNotFoundError: no such published dataset.
    """
    ensure_authenticated(actor)
    ensure_permission(actor, OpenDataPermission.accept_terms)
    dataset = _load(session, actor, id_or_name)
    if actor.id is None or has_accepted_terms(session, actor=actor, dataset_id=dataset.id):
        return
    acceptance = TermsAcceptance(dataset_id=dataset.id, user_id=actor.id, purpose=purpose)
    session.add(acceptance)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="opendata.terms.accepted",
        subject=dataset,
        changes={"purpose": purpose},
    )


# --- writing ------------------------------------------------------------------------------


def create_dataset(session: Session, *, actor: Actor, data: DatasetCreate) -> DatasetRead:
    """A new draft dataset of the actor's department (any department for the coordinator).

    Raises:
        PermissionDeniedError: not a publisher of that department.
        InvalidDatasetError: the name is taken, the licence unknown, or the catalog entry
            already has a dataset (``field`` names the input).
    """
    _ensure_may_manage(actor, data.provider_organization_id)
    dataset = _new_dataset(session, data)
    audit.record(
        session,
        actor=actor,
        action="opendata.dataset.created",
        subject=dataset,
        changes={"name": data.name, "entry_id": str(data.entry_id) if data.entry_id else None},
    )
    return get_dataset(session, actor=actor, id_or_name=dataset.id)


def _new_dataset(session: Session, data: DatasetCreate) -> OpenDataset:
    if data.license_id not in LICENSES:
        raise InvalidDatasetError(f"未知的许可协议：{data.license_id}", field="license_id")
    if session.scalar(select(OpenDataset.id).where(OpenDataset.name == data.name)):
        raise InvalidDatasetError(f"URL 标识已被使用：{data.name}", field="name")
    if data.entry_id is not None and session.scalar(
        select(OpenDataset.id).where(OpenDataset.entry_id == data.entry_id)
    ):
        raise InvalidDatasetError("该目录条目已有开放数据集", field="entry_id")
    now = utcnow()
    dataset = OpenDataset(
        **data.model_dump(exclude={"tags"}),
        tags=list(dict.fromkeys(data.tags)),
        state=DatasetState.draft,
        metadata_created=now,
        metadata_modified=now,
    )
    session.add(dataset)
    session.flush()
    return dataset


def find_dataset_id_by_entry(session: Session, entry_id: UUID) -> UUID | None:
    """The dataset opening this catalog entry, if any (whatever its state)."""
    return session.scalar(select(OpenDataset.id).where(OpenDataset.entry_id == entry_id))


def find_dataset_id_by_name(session: Session, name: str) -> UUID | None:
    return session.scalar(select(OpenDataset.id).where(OpenDataset.name == name))


def add_resource(
    session: Session,
    *,
    actor: Actor,
    dataset_id: UUID,
    data: ResourceCreate,
    rows: Iterable[Sequence[Any]] = (),
    release_id: UUID | None = None,
    adopt_table: tuple[str, int] | None = None,
) -> ResourceRead:
    """Add a resource and load its rows (sequences in field order) into a new physical
    table; a file resource (``kind=file``) has no table. ``adopt_table`` (name, row
    count) makes an existing row table (a checked release's) the resource's instead.
    The dataset's ``metadata_modified`` moves.

    Raises:
        DatasetNotFoundError / PermissionDeniedError: as for managing the dataset.
        InvalidQueryError: a value does not fit its field's type (nothing is added).
    """
    dataset = _load(session, actor, dataset_id)
    _ensure_may_manage(actor, dataset.provider_organization_id)
    position = len(dataset.resources)
    table_name = ""
    count = 0
    if adopt_table is not None:
        # A checked release's rows are already in their table: it becomes the resource's.
        table_name, count = adopt_table
    elif data.kind is not ResourceKind.file:
        table_name = datastore.new_table_name()
        datastore.create_table(session, table_name, data.fields)
        count = datastore.insert_rows(session, table_name, data.fields, rows)
    now = utcnow()
    resource = OpenResource(
        dataset_id=dataset.id,
        position=position,
        name=data.name,
        description=data.description,
        format=data.format.upper(),
        kind=data.kind,
        fields=[f.model_dump(mode="json") for f in data.fields],
        row_count=count,
        table_name=table_name,
        release_id=release_id,
        last_modified=now,
    )
    session.add(resource)
    dataset.metadata_modified = now
    session.flush()
    if dataset.state is DatasetState.published:
        _index(session, dataset)
    audit.record(
        session,
        actor=actor,
        action="opendata.resource.added",
        subject=resource,
        changes={"dataset": dataset.name, "rows": count, "format": resource.format},
        organization_id=dataset.provider_organization_id,
    )
    session.expire(dataset, ["resources"])
    return _resource_read(resource)


def remove_resource(session: Session, *, actor: Actor, resource_id: UUID) -> None:
    """Remove a resource and drop its row table (a new release replaces the old one).

    Raises:
        ResourceNotFoundError / PermissionDeniedError.
    """
    resource = _visible_resource(session, actor, resource_id)
    dataset = resource.dataset
    _ensure_may_manage(actor, dataset.provider_organization_id)
    datastore.drop_table(session, resource.table_name)
    session.delete(resource)
    dataset.metadata_modified = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="opendata.resource.removed",
        subject_type="OpenResource",
        subject_id=resource.id,
        label=resource.name,
        changes={"dataset": dataset.name},
        organization_id=dataset.provider_organization_id,
    )


def publish_dataset(session: Session, *, actor: Actor, dataset_id: UUID) -> DatasetRead:
    """Make a dataset public and searchable (published again after a withdrawal).

    Raises:
        DatasetNotFoundError / PermissionDeniedError.
    """
    dataset = _load(session, actor, dataset_id)
    _ensure_may_manage(actor, dataset.provider_organization_id)
    old = dataset.state
    now = utcnow()
    dataset.state = DatasetState.published
    dataset.published_at = dataset.published_at or now
    dataset.withdrawn_at = None
    dataset.withdrawal_reason = ""
    dataset.metadata_modified = now
    session.flush()
    _index(session, dataset)
    audit.record(
        session,
        actor=actor,
        action="opendata.dataset.published",
        subject=dataset,
        changes={"state": [old.value, DatasetState.published.value]},
        organization_id=dataset.provider_organization_id,
    )
    return dataset_read(dataset)


def withdraw_dataset(
    session: Session, *, actor: Actor, dataset_id: UUID, reason: str
) -> DatasetRead:
    """Take a dataset off the portal with a reason; its name stays taken.

    Raises:
        DatasetNotFoundError / PermissionDeniedError.
        InvalidDatasetError: no reason.
    """
    if not reason.strip():
        raise InvalidDatasetError("请填写撤回原因", field="reason")
    dataset = _load(session, actor, dataset_id)
    _ensure_may_manage(actor, dataset.provider_organization_id)
    old = dataset.state
    now = utcnow()
    dataset.state = DatasetState.withdrawn
    dataset.withdrawn_at = now
    dataset.withdrawal_reason = reason.strip()
    dataset.metadata_modified = now
    _unindex(session, dataset.id)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="opendata.dataset.withdrawn",
        subject=dataset,
        changes={"state": [old.value, DatasetState.withdrawn.value], "reason": reason.strip()},
        organization_id=dataset.provider_organization_id,
    )
    return dataset_read(dataset)


def update_metadata(
    session: Session,
    *,
    actor: Actor,
    dataset_id: UUID,
    changes: dict[str, Any],
) -> DatasetRead:
    """Change title, notes, tags, licence, theme, update cycle, access or terms.

    Raises:
        DatasetNotFoundError / PermissionDeniedError.
        InvalidDatasetError: an unknown field or licence.
    """
    allowed = {
        "title",
        "notes",
        "tags",
        "license_id",
        "theme_code",
        "theme_name",
        "update_cycle",
        "access",
        "access_terms",
        "entry_version",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidDatasetError(f"不可修改的字段：{', '.join(sorted(unknown))}", field="changes")
    if "license_id" in changes and changes["license_id"] not in LICENSES:
        raise InvalidDatasetError(f"未知的许可协议：{changes['license_id']}", field="license_id")
    dataset = _load(session, actor, dataset_id)
    _ensure_may_manage(actor, dataset.provider_organization_id)
    diff: dict[str, list[Any]] = {}
    for key, value in changes.items():
        old = getattr(dataset, key)
        if key == "tags":
            value = list(dict.fromkeys(value))
        if key == "access":
            value = OpenAccess(value)
        if old != value:
            diff[key] = [
                str(old) if key == "access" else old,
                str(value) if key == "access" else value,
            ]
            setattr(dataset, key, value)
    if diff:
        dataset.metadata_modified = utcnow()
        session.flush()
        if dataset.state is DatasetState.published:
            _index(session, dataset)
        audit.record(
            session,
            actor=actor,
            action="opendata.dataset.updated",
            subject=dataset,
            changes=diff,
            organization_id=dataset.provider_organization_id,
        )
    return dataset_read(dataset)


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


def _index(session: Session, dataset: OpenDataset) -> None:
    """(Re)write a published dataset's postings and tag index, in the same transaction."""
    session.expire(dataset, ["resources"])
    dataset = session.scalars(
        _with_details(select(OpenDataset).where(OpenDataset.id == dataset.id))
    ).one()
    _unindex(session, dataset.id)
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


def _unindex(session: Session, dataset_id: UUID) -> None:
    session.execute(delete(OpenSearchTerm).where(OpenSearchTerm.dataset_id == dataset_id))
    session.execute(delete(OpenDatasetTag).where(OpenDatasetTag.dataset_id == dataset_id))


# --- search ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Sort:
    text: str
    uses_score: bool


_SORT_KEYS: dict[str, Any] = {
    "metadata_modified": OpenDataset.metadata_modified,
    "metadata_created": OpenDataset.metadata_created,
    "name": OpenDataset.name,
    "title_string": OpenDataset.title,
    "title": OpenDataset.title,
    "id": OpenDataset.id,
    "download_count": OpenDataset.download_count,
    "api_count": OpenDataset.api_count,
    "views_recent": OpenDataset.view_count,
    "views_total": OpenDataset.view_count,
}


def _order_by(sort: str, score: Any | None) -> tuple[list[ColumnElement[Any]], str]:
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
            if score is not None:
                order.append(score.desc() if direction == "desc" else score.asc())
            continue
        column = _SORT_KEYS.get(key)
        if column is None:
            raise InvalidQueryError(f"不支持的排序字段：{key}", field="sort")
        order.append(column.desc() if direction == "desc" else column.asc())
    order.append(OpenDataset.id.asc())
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


def _filtered_ids(session: Session, query: DatasetSearch) -> tuple[Select[Any], Any | None]:
    """The statement of matching published dataset ids (with a ``score`` column when
    the query has words) and the score column."""
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
        conditions.append(
            OpenDataset.id.in_(
                select(OpenResource.dataset_id).where(OpenResource.format.in_(formats))
            )
        )
    parsed = parse_query(query.q)
    if not query.q.strip() or parsed.is_empty:
        return select(OpenDataset.id).where(*conditions), None
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
    return statement, scores.c.score


def search_datasets(session: Session, *, actor: Actor, query: DatasetSearch) -> DatasetSearchResult:
    """Published datasets matching ``q`` and the filters, best first, with the facet
    counts of all hits (CKAN ``package_search``). Public: no login needed.

    ``q`` is cut by the Chinese tokenizer: its two-character grams and ASCII words are
    all required; a hit in the title weighs most, then tags, field names, notes.

    Raises:
        InvalidQueryError: an unknown sort key or direction.
    """
    del actor  # published datasets are public (Art. 31); kept for a uniform signature
    matching, score = _filtered_ids(session, query)
    order, sort_text = _order_by(query.sort, score)
    ids_subquery = matching.with_only_columns(OpenDataset.id).scalar_subquery()
    count = int(session.scalar(select(func.count()).select_from(matching.subquery())) or 0)
    results: list[DatasetSummary] = []
    if query.rows and count > query.start:
        page_ids = list(
            session.scalars(
                matching.with_only_columns(OpenDataset.id)
                .order_by(*order)
                .limit(query.rows)
                .offset(query.start)
            )
        )
        datasets = {
            d.id: d
            for d in session.scalars(
                _with_details(select(OpenDataset).where(OpenDataset.id.in_(page_ids)))
            )
        }
        results = [dataset_summary(datasets[i]) for i in page_ids]
    facets = _facets(session, ids_subquery, query.facet_limit) if count else {f: [] for f in FACETS}
    return DatasetSearchResult(count=count, results=results, facets=facets, sort=sort_text)


def _facets(session: Session, ids: Any, limit: int) -> dict[str, list[FacetCount]]:
    cap = None if limit < 0 else limit

    def grouped(column: Any, count: Any, *where: Any) -> list[tuple[Any, int]]:
        statement = (
            select(column, count)
            .where(*where)
            .group_by(column)
            .order_by(count.desc(), column.asc())
        )
        if cap is not None:
            statement = statement.limit(cap)
        return [(value, int(n)) for value, n in session.execute(statement)]

    n = func.count()
    in_ids = OpenDataset.id.in_(ids)
    facets: dict[str, list[FacetCount]] = {}
    organizations = grouped(OpenDataset.provider_organization_id, n, in_ids)
    names = {
        o.id: o
        for o in session.scalars(
            select(Organization).where(Organization.id.in_([v for v, _ in organizations]))
        )
    }
    facets["organization"] = [
        FacetCount(name=organization_name(names[v]), display_name=names[v].name, count=c)
        for v, c in organizations
    ]
    themes = grouped(OpenDataset.theme_code, n, in_ids)
    theme_names: dict[str, str] = {
        code: name
        for code, name in session.execute(
            select(OpenDataset.theme_code, func.max(OpenDataset.theme_name))
            .where(OpenDataset.theme_code.in_([v for v, _ in themes]))
            .group_by(OpenDataset.theme_code)
        )
    }
    facets["groups"] = [
        FacetCount(name=v, display_name=theme_names.get(v) or v, count=c) for v, c in themes if v
    ]
    facets["tags"] = [
        FacetCount(name=v, display_name=v, count=c)
        for v, c in grouped(OpenDatasetTag.tag, n, OpenDatasetTag.dataset_id.in_(ids))
    ]
    facets["res_format"] = [
        FacetCount(name=v, display_name=v, count=c)
        for v, c in grouped(
            OpenResource.format,
            func.count(OpenResource.dataset_id.distinct()),
            OpenResource.dataset_id.in_(ids),
        )
    ]
    facets["license_id"] = [
        FacetCount(name=v, display_name=license_title(v), count=c)
        for v, c in grouped(OpenDataset.license_id, n, in_ids)
    ]
    facets["update_cycle"] = [
        FacetCount(name=v, display_name=update_cycle_label(v), count=c)
        for v, c in grouped(OpenDataset.update_cycle, n, in_ids)
    ]
    facets["access"] = [
        FacetCount(name=str(v), display_name=OPEN_ACCESS_LABELS[OpenAccess(v)], count=c)
        for v, c in grouped(OpenDataset.access, n, in_ids)
    ]
    return facets


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


# --- usage ------------------------------------------------------------------------------------

_COUNTERS = {
    UsageChannel.download: OpenDataset.download_count,
    UsageChannel.api: OpenDataset.api_count,
    UsageChannel.view: OpenDataset.view_count,
}


def record_usage(
    session: Session, *, dataset_id: UUID, channel: UsageChannel, count: int = 1
) -> None:
    """Count a use of a dataset (today, Beijing time): one upsert of the day's row and
    one increment of the dataset's total, both atomic in SQL (concurrent downloads
    are all counted). Not audited: usage is statistics, not a change."""
    day = today_in_china()
    dialect = session.get_bind().dialect.name
    insert_ = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_(OpenUsage).values(
        dataset_id=dataset_id, day=day, channel=channel, count=count
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["dataset_id", "day", "channel"],
            set_={"count": OpenUsage.count + literal(count)},
        )
    )
    counter = _COUNTERS[channel]
    session.execute(
        update(OpenDataset)
        .where(OpenDataset.id == dataset_id)
        .values({counter.key: counter + count})
    )


def usage_by_day(
    session: Session, *, actor: Actor, id_or_name: UUID | str, days: int = 30
) -> list[UsageDay]:
    """A dataset's usage per day and channel, newest first (public, like the totals).

    Raises:
        DatasetNotFoundError: no such visible dataset.
    """
    dataset = _load(session, actor, id_or_name)
    rows = session.execute(
        select(OpenUsage.day, OpenUsage.channel, OpenUsage.count)
        .where(OpenUsage.dataset_id == dataset.id)
        .order_by(OpenUsage.day.desc(), OpenUsage.channel)
        .limit(days * len(UsageChannel))
    ).all()
    return [UsageDay(day=d.isoformat(), channel=c, count=n) for d, c, n in rows]


def valid_name(name: str) -> bool:
    """Whether ``name`` is a CKAN-style dataset name."""
    return NAME_PATTERN.fullmatch(name) is not None
