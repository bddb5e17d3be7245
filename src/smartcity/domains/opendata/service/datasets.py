"""Open datasets: access, creation, publication, withdrawal, metadata and usage.

Art. 29–31: public information resources are opened to society through the
portal; the public reads published datasets without logging in; a
conditionally open dataset's data is for registered users who accepted its
terms. Every change of a dataset is audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import (
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from smartcity.core.security import Actor, ensure_authenticated, ensure_permission
from smartcity.core.time import today_in_china, utcnow
from smartcity.domains.audit import service as audit
from smartcity.domains.opendata.enums import (
    LICENSES,
    DatasetState,
    OpenAccess,
    ResourceKind,
    UsageChannel,
)
from smartcity.domains.opendata.errors import (
    DatasetNotFoundError,
    InvalidDatasetError,
    ResourceNotFoundError,
    TermsNotAcceptedError,
)
from smartcity.domains.opendata.models import (
    OpenDataset,
    OpenResource,
    OpenUsage,
    TermsAcceptance,
)
from smartcity.domains.opendata.permissions import OpenDataPermission
from smartcity.domains.opendata.schemas import (
    NAME_PATTERN,
    DatasetCreate,
    DatasetRead,
    ResourceCreate,
    ResourceRead,
    UsageDay,
)
from smartcity.domains.opendata.service import datastore
from smartcity.domains.opendata.service.presentation import (
    dataset_read,
    resource_read,
    with_details,
)
from smartcity.domains.opendata.service.search import index_dataset, unindex_dataset

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
    dataset = session.scalars(with_details(statement)).one_or_none()
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
    return resource_read(_visible_resource(session, actor, resource_id))


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
        index_dataset(session, dataset)
    audit.record(
        session,
        actor=actor,
        action="opendata.resource.added",
        subject=resource,
        changes={"dataset": dataset.name, "rows": count, "format": resource.format},
        organization_id=dataset.provider_organization_id,
    )
    session.expire(dataset, ["resources"])
    return resource_read(resource)


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
    index_dataset(session, dataset)
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
    unindex_dataset(session, dataset.id)
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
            index_dataset(session, dataset)
        audit.record(
            session,
            actor=actor,
            action="opendata.dataset.updated",
            subject=dataset,
            changes=diff,
            organization_id=dataset.provider_organization_id,
        )
    return dataset_read(dataset)


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
