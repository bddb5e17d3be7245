"""Catalog entries: who sees what, drafting, new versions, the stale list.

A department drafts an entry of its own organization (``rules`` checks the
content); a published entry never changes in place, only through a new version
that ``review`` publishes after the coordinator's approval. Nothing here
commits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from smartcity.core.errors import PermissionDeniedError
from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit_service
from smartcity.domains.catalog.enums import (
    OPEN_VERSION_STATES,
    EntryStatus,
    Identifies,
    VersionState,
)
from smartcity.domains.catalog.errors import (
    EntryNotEditableError,
    EntryNotFoundError,
    VersionPendingError,
)
from smartcity.domains.catalog.models import (
    STALE_AFTER,
    CatalogEntry,
    EntryVersion,
    InformationItem,
)
from smartcity.domains.catalog.permissions import CatalogPermission
from smartcity.domains.catalog.schemas import (
    EntryDraft,
    version_content,
)
from smartcity.domains.catalog.service.rules import ensure_valid, entry_grade_code
from smartcity.domains.registry.models import InformationSystem, LegalBasis

# Columns of ``EntryContent`` that come straight from a draft.
CONTENT_FIELDS = (
    "classification_kind",
    "base_database",
    "category_code",
    "category_name",
    "name",
    "provider_organization_id",
    "abstract",
    "format",
    "update_cycle",
    "release_date",
    "related_resource_codes",
    "source_system_id",
    "share_type",
    "share_condition",
    "share_mode",
    "open_type",
    "open_condition",
    "open_deidentified",
    "deidentification_method",
)


# --- visibility ---------------------------------------------------------------------------


def sees_unpublished(actor: Actor, provider_organization_id: UUID) -> bool:
    """Drafts, returned versions and withdrawn entries stay with their provider and the
    coordinator."""
    return actor.has(CatalogPermission.read_all) or (
        actor.organization_id is not None and actor.organization_id == provider_organization_id
    )


def visible_entries(actor: Actor) -> Select[CatalogEntry]:
    """Entries the actor may see: published ones, plus every entry of its own organization
    (all of them for the coordinator).

    Raises:
        AuthenticationRequiredError: anonymous actor.
        PermissionDeniedError: no catalog permission at all.
    """
    ensure_permission(actor, CatalogPermission.read)
    statement = select(CatalogEntry)
    if actor.has(CatalogPermission.read_all):
        return statement
    published = CatalogEntry.status == EntryStatus.published
    if actor.organization_id is None:
        return statement.where(published)
    return statement.where(
        or_(published, CatalogEntry.provider_organization_id == actor.organization_id)
    )


def _with_details(statement: Select[CatalogEntry]) -> Select[CatalogEntry]:
    return statement.options(
        selectinload(CatalogEntry.items),
        selectinload(CatalogEntry.legal_bases),
        selectinload(CatalogEntry.provider),
        selectinload(CatalogEntry.source_system),
        selectinload(CatalogEntry.grade),
    )


def get_entry(
    session: Session, *, actor: Actor, entry_id: UUID, for_update: bool = False
) -> CatalogEntry:
    """One entry the actor may see, with items, legal bases, provider, grade and source
    system loaded. Missing and invisible entries raise the same error.

    Raises:
        AuthenticationRequiredError; EntryNotFoundError.
    """
    statement = _with_details(visible_entries(actor).where(CatalogEntry.id == entry_id))
    if for_update:
        statement = statement.with_for_update()
    entry = session.scalars(statement).one_or_none()
    if entry is None:
        raise EntryNotFoundError(entry_id=entry_id)
    return entry


def find_entry_by_code(session: Session, resource_code: str) -> CatalogEntry | None:
    """The entry with this resource code, whatever its status (for imports)."""
    return session.scalars(
        select(CatalogEntry).where(CatalogEntry.resource_code == resource_code)
    ).one_or_none()


def published_base_entries(session: Session) -> list[UUID]:
    """Ids of the published entries of the five base databases (Art. 23), by resource code."""
    return list(
        session.scalars(
            select(CatalogEntry.id)
            .where(
                CatalogEntry.status == EntryStatus.published,
                CatalogEntry.base_database.is_not(None),
            )
            .order_by(CatalogEntry.resource_code)
        ).all()
    )


def find_published_entry(
    session: Session, *, name: str, provider_organization_id: UUID
) -> CatalogEntry | None:
    """The published entry of this name from this provider (for demo data and imports)."""
    return session.scalars(
        select(CatalogEntry)
        .where(
            CatalogEntry.status == EntryStatus.published,
            CatalogEntry.name == name,
            CatalogEntry.provider_organization_id == provider_organization_id,
        )
        .order_by(CatalogEntry.resource_code)
        .limit(1)
    ).one_or_none()


def get_entries(session: Session, entry_ids: Sequence[UUID]) -> list[CatalogEntry]:
    """Entries by id, in the given order, with their source system loaded (for lists):
    one query (the system joined, a many-to-one)."""
    if not entry_ids:
        return []
    rows = session.scalars(
        select(CatalogEntry)
        .where(CatalogEntry.id.in_(entry_ids))
        .options(joinedload(CatalogEntry.source_system))
    ).all()
    by_id = {entry.id: entry for entry in rows}
    return [by_id[entry_id] for entry_id in entry_ids if entry_id in by_id]


def get_entries_with_items(session: Session, entry_ids: Collection[UUID]) -> list[CatalogEntry]:
    """Entries by id, whatever their status, with items and provider loaded, ordered by
    resource code (for other domains that map their fields to information items and
    must see an entry's status and share type: the once-only form registry)."""
    if not entry_ids:
        return []
    return list(
        session.scalars(
            select(CatalogEntry)
            .where(CatalogEntry.id.in_(list(entry_ids)))
            .options(selectinload(CatalogEntry.items), selectinload(CatalogEntry.provider))
            .order_by(CatalogEntry.resource_code)
        ).all()
    )


def published_items(session: Session) -> list[tuple[UUID, str, str, str]]:
    """Every information item of the published entries as (entry id, resource code,
    entry name, item name), by resource code and item position: the choices of forms
    that map their fields to catalog items (one query)."""
    rows = session.execute(
        select(CatalogEntry.id, CatalogEntry.resource_code, CatalogEntry.name, InformationItem.name)
        .join(InformationItem, InformationItem.entry_id == CatalogEntry.id)
        .where(CatalogEntry.status == EntryStatus.published)
        .order_by(CatalogEntry.resource_code, InformationItem.position)
    ).all()
    return [(entry_id, code, name, item) for entry_id, code, name, item in rows]


def published_entries_identifying(session: Session, identifies: Identifies) -> list[CatalogEntry]:
    """The published entries with an information item that identifies a subject of this
    kind (a natural person or a legal entity), with their items and provider loaded, by
    resource code: the catalog's side of a data subject's "my data" (Art. 68). Two
    queries whatever the number of entries."""
    having = select(InformationItem.entry_id).where(InformationItem.identifies == identifies)
    return list(
        session.scalars(
            select(CatalogEntry)
            .where(CatalogEntry.status == EntryStatus.published, CatalogEntry.id.in_(having))
            .options(selectinload(CatalogEntry.items), selectinload(CatalogEntry.provider))
            .order_by(CatalogEntry.resource_code)
        ).all()
    )


# --- drafting -----------------------------------------------------------------------------


def ensure_may_draft(actor: Actor, provider_organization_id: UUID) -> None:
    if actor.has(CatalogPermission.draft_any):
        return
    ensure_permission(actor, CatalogPermission.draft)
    if actor.organization_id != provider_organization_id:
        raise PermissionDeniedError("只能编制本单位的目录条目", permission=CatalogPermission.draft)


def _fill_version(
    session: Session, version: EntryVersion, data: EntryDraft, *, actor: Actor
) -> None:
    for name in CONTENT_FIELDS:
        setattr(version, name, getattr(data, name))
    snapshot = data.snapshot()
    version.resource_code = data.resource_code
    version.items = snapshot["items"]
    version.legal_basis_ids = snapshot["legal_basis_ids"]
    version.grade_code = entry_grade_code(session, data)
    version.drafted_by_id = actor.id
    version.drafted_by_name = actor.name


def apply_content(session: Session, entry: CatalogEntry, data: EntryDraft) -> None:
    """Make ``data`` the entry's live content: columns, grade, items and legal bases.

    Items are matched by name, so an item that a version keeps keeps its id.
    ``entry.items`` and ``entry.legal_bases`` must be loaded.
    """
    for name in CONTENT_FIELDS:
        setattr(entry, name, getattr(data, name))
    entry.resource_code = data.resource_code
    entry.grade_code = entry_grade_code(session, data)
    existing = {item.name: item for item in entry.items}
    kept: list[InformationItem] = []
    for position, item_data in enumerate(data.items, start=1):
        item = existing.pop(item_data.name, None) or InformationItem(name=item_data.name)
        item.position = position
        for key, value in item_data.model_dump(exclude={"name"}).items():
            setattr(item, key, value)
        kept.append(item)
    entry.items = kept
    if data.legal_basis_ids:
        bases = session.scalars(
            select(LegalBasis).where(LegalBasis.id.in_(data.legal_basis_ids))
        ).all()
        order = {basis_id: n for n, basis_id in enumerate(data.legal_basis_ids)}
        entry.legal_bases = sorted(bases, key=lambda basis: order[basis.id])
    else:
        entry.legal_bases = []


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entry: CatalogEntry,
    version: EntryVersion | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    details = dict(changes or {})
    if version is not None:
        details.setdefault("version", version.number)
    audit_service.record(
        session,
        actor=actor,
        action=action,
        subject=entry,
        changes=details,
        organization_id=entry.provider_organization_id,
    )


def create_draft(session: Session, *, actor: Actor, data: EntryDraft) -> EntryVersion:
    """Start a new catalog entry as a draft (version 1) of the actor's organization.

    Until its first publication the entry shows the draft's content to its
    provider and the coordinator; nobody else sees it.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError (drafting for another
        organization); ResourceCodeTakenError; the content rules of ``ensure_valid``.
    """
    ensure_may_draft(actor, data.provider_organization_id)
    ensure_valid(session, actor=actor, data=data, entry=None)
    entry = CatalogEntry(status=EntryStatus.draft, version=0, items=[], legal_bases=[])
    apply_content(session, entry, data)
    session.add(entry)
    session.flush()
    version = EntryVersion(entry_id=entry.id, number=1, state=VersionState.draft)
    _fill_version(session, version, data, actor=actor)
    session.add(version)
    session.flush()
    record(
        session,
        actor=actor,
        action="catalog.entry.drafted",
        entry=entry,
        version=version,
        changes={"resource_code": entry.resource_code, "name": entry.name},
    )
    session.flush()
    return version


def open_version(
    session: Session, entry_id: UUID, *, for_update: bool = False
) -> EntryVersion | None:
    """The entry's version in progress (draft, submitted or returned), if any."""
    statement = select(EntryVersion).where(
        EntryVersion.entry_id == entry_id, EntryVersion.state.in_(OPEN_VERSION_STATES)
    )
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).one_or_none()


def update_draft(
    session: Session, *, actor: Actor, entry_id: UUID, data: EntryDraft
) -> EntryVersion:
    """Replace the content of the entry's draft (or returned) version.

    A returned version becomes a draft again. The live content of a published
    entry is never touched here: that is what new versions are for.

    Raises:
        EntryNotFoundError; PermissionDeniedError; EntryNotEditableError (published
        entry without a version in progress, or a version under review); the
        content rules of ``ensure_valid``.
    """
    entry = get_entry(session, actor=actor, entry_id=entry_id, for_update=True)
    ensure_may_draft(actor, entry.provider_organization_id)
    version = open_version(session, entry.id, for_update=True)
    if version is None or version.state is VersionState.submitted:
        raise EntryNotEditableError(
            "已发布的条目不能直接修改，请创建新版本后提交审核"
            if version is None
            else "版本正在审核中，不能修改",
            entry_id=entry.id,
        )
    ensure_valid(session, actor=actor, data=data, entry=entry)
    before = version_content(version).snapshot()
    _fill_version(session, version, data, actor=actor)
    version.state = VersionState.draft
    if entry.status is EntryStatus.draft:
        apply_content(session, entry, data)
    session.flush()
    record(
        session,
        actor=actor,
        action="catalog.entry.revised",
        entry=entry,
        version=version,
        changes=audit_service.diff(before, data.snapshot()),
    )
    session.flush()
    return version


def create_version(
    session: Session, *, actor: Actor, entry_id: UUID, data: EntryDraft
) -> EntryVersion:
    """Start a new version of a published (or withdrawn) entry: a full snapshot that is
    submitted and reviewed like the first one. The live entry stays as it is until
    the coordinator approves.

    Raises:
        EntryNotFoundError; PermissionDeniedError; VersionPendingError (a version is
        already in progress); EntryNotEditableError (never published: edit its draft);
        the content rules of ``ensure_valid``.
    """
    entry = get_entry(session, actor=actor, entry_id=entry_id, for_update=True)
    ensure_may_draft(actor, entry.provider_organization_id)
    pending = open_version(session, entry.id)
    if pending is not None:
        raise VersionPendingError(
            f"第 {pending.number} 版尚未完成审核", entry_id=entry.id, version=pending.number
        )
    if entry.status is EntryStatus.draft:
        raise EntryNotEditableError("条目尚未发布，请直接修改草稿", entry_id=entry.id)
    ensure_valid(session, actor=actor, data=data, entry=entry)
    number = (
        session.scalar(
            select(func.max(EntryVersion.number)).where(EntryVersion.entry_id == entry.id)
        )
        or 0
    ) + 1
    version = EntryVersion(entry_id=entry.id, number=number, state=VersionState.draft)
    _fill_version(session, version, data, actor=actor)
    session.add(version)
    session.flush()
    record(session, actor=actor, action="catalog.entry.drafted", entry=entry, version=version)
    session.flush()
    return version


# --- stale entries ------------------------------------------------------------------------


def list_stale_entries(
    session: Session, *, actor: Actor, page: PageParams, provider: UUID | None = None
) -> Page[CatalogEntry]:
    """Published entries whose source system changed its data composition more than 15
    days ago without a publication since (国发〔2016〕51号: update within 15 days).
    Oldest change first.

    Raises:
        AuthenticationRequiredError.
    """
    statement = (
        visible_entries(actor)
        .join(InformationSystem, InformationSystem.id == CatalogEntry.source_system_id)
        .where(
            CatalogEntry.status == EntryStatus.published,
            and_(
                InformationSystem.composition_changed_at.is_not(None),
                InformationSystem.composition_changed_at > CatalogEntry.published_at,
                InformationSystem.composition_changed_at < utcnow() - STALE_AFTER,
            ),
        )
        .options(selectinload(CatalogEntry.source_system))
        .order_by(InformationSystem.composition_changed_at, CatalogEntry.resource_code)
    )
    if provider is not None:
        statement = statement.where(CatalogEntry.provider_organization_id == provider)
    return paginate(session, statement, page)
