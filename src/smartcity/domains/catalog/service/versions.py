"""The version history of catalog entries: listing, one version, differences, the
review queue."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import Actor, ensure_permission
from smartcity.domains.audit import service as audit_service
from smartcity.domains.catalog.enums import PUBLIC_VERSION_STATES
from smartcity.domains.catalog.errors import VersionNotFoundError
from smartcity.domains.catalog.models import EntryVersion
from smartcity.domains.catalog.permissions import CatalogPermission
from smartcity.domains.catalog.schemas import (
    ItemChange,
    VersionDiff,
    VersionFilter,
    version_content,
)
from smartcity.domains.catalog.service.entries import get_entry, sees_unpublished


def list_versions(session: Session, *, actor: Actor, entry_id: UUID) -> list[EntryVersion]:
    """The entry's history, newest first. Versions in progress are shown only to the
    provider and the coordinator.

    Raises:
        AuthenticationRequiredError; EntryNotFoundError.
    """
    entry = get_entry(session, actor=actor, entry_id=entry_id)
    statement = select(EntryVersion).where(EntryVersion.entry_id == entry.id)
    if not sees_unpublished(actor, entry.provider_organization_id):
        statement = statement.where(EntryVersion.state.in_(PUBLIC_VERSION_STATES))
    return list(session.scalars(statement.order_by(EntryVersion.number.desc())))


def get_version(session: Session, *, actor: Actor, entry_id: UUID, number: int) -> EntryVersion:
    """One version of an entry the actor may see.

    Raises:
        AuthenticationRequiredError; EntryNotFoundError; VersionNotFoundError.
    """
    for version in list_versions(session, actor=actor, entry_id=entry_id):
        if version.number == number:
            return version
    raise VersionNotFoundError(f"第 {number} 版不存在", entry_id=entry_id, version=number)


def diff_versions(
    session: Session, *, actor: Actor, entry_id: UUID, from_number: int, to_number: int
) -> VersionDiff:
    """What changed between two versions: fields, and items added, removed or changed.

    Raises:
        AuthenticationRequiredError; EntryNotFoundError; VersionNotFoundError.
    """
    old = version_content(
        get_version(session, actor=actor, entry_id=entry_id, number=from_number)
    ).snapshot()
    new = version_content(
        get_version(session, actor=actor, entry_id=entry_id, number=to_number)
    ).snapshot()
    old_items = {item["name"]: item for item in old.pop("items")}
    new_items = {item["name"]: item for item in new.pop("items")}
    changed = [
        ItemChange(name=name, changes=audit_service.diff(old_items[name], new_items[name]))
        for name in new_items
        if name in old_items and old_items[name] != new_items[name]
    ]
    return VersionDiff(
        entry_id=entry_id,
        from_number=from_number,
        to_number=to_number,
        fields=audit_service.diff(old, new),
        items_added=[name for name in new_items if name not in old_items],
        items_removed=[name for name in old_items if name not in new_items],
        items_changed=changed,
    )


def visible_versions(actor: Actor) -> Select[EntryVersion]:
    """Versions the actor may list: every one for the coordinator, its own
    organization's otherwise."""
    ensure_permission(actor, CatalogPermission.read)
    statement = select(EntryVersion)
    if actor.has(CatalogPermission.read_all):
        return statement
    if actor.organization_id is None:
        return statement.where(EntryVersion.id.is_(None))
    return statement.where(EntryVersion.provider_organization_id == actor.organization_id)


def list_all_versions(
    session: Session, *, actor: Actor, filters: VersionFilter, page: PageParams
) -> Page[EntryVersion]:
    """Versions across entries, newest first: the coordinator's review queue
    (``state=submitted``) and a department's drafts.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError.
    """
    statement = visible_versions(actor)
    if filters.state is not None:
        statement = statement.where(EntryVersion.state == filters.state)
    if filters.provider is not None:
        statement = statement.where(EntryVersion.provider_organization_id == filters.provider)
    return paginate(
        session, statement.order_by(EntryVersion.updated_at.desc(), EntryVersion.id), page
    )
