"""Review and publication: a department submits, the coordinator approves or returns.

Approval is the only way content reaches the live entry: the version's
snapshot replaces the entry's columns, items and legal bases, the version
number moves on, the previous version is kept as ``superseded``, and the
search index follows in the same transaction. Every step is audited on the
entry. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from smartcity.core import events
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.catalog.enums import EntryStatus, VersionState
from smartcity.domains.catalog.errors import (
    EntryNotFoundError,
    InvalidTransitionError,
    OpinionRequiredError,
)
from smartcity.domains.catalog.events import EntryPublished, EntryWithdrawn
from smartcity.domains.catalog.models import CatalogEntry, EntryVersion
from smartcity.domains.catalog.permissions import CatalogPermission
from smartcity.domains.catalog.schemas import version_content
from smartcity.domains.catalog.service.entries import (
    apply_content,
    ensure_may_draft,
    get_entry,
    open_version,
    record,
)
from smartcity.domains.catalog.service.rules import ensure_valid
from smartcity.domains.catalog.service.search import index_entries, unindex_entry


def _version_in(
    session: Session, entry: CatalogEntry, states: set[VersionState], step: str
) -> EntryVersion:
    version = open_version(session, entry.id, for_update=True)
    if version is None or version.state not in states:
        current = version.state.value if version is not None else "none"
        raise InvalidTransitionError(
            f"没有可{step}的版本（当前：{current}）", entry_id=entry.id, version_state=current
        )
    return version


def _submit(session: Session, *, actor: Actor, entry: CatalogEntry) -> EntryVersion:
    version = _version_in(session, entry, {VersionState.draft, VersionState.returned}, "提交")
    ensure_valid(
        session, actor=actor, data=version_content(version), entry=entry, for_submission=True
    )
    version.state = VersionState.submitted
    version.submitted_at = utcnow()
    version.submitted_by_name = actor.name
    record(session, actor=actor, action="catalog.entry.submitted", entry=entry, version=version)
    return version


def submit_entry(session: Session, *, actor: Actor, entry_id: UUID) -> EntryVersion:
    """Send the entry's draft (or returned) version to the coordinator for review.

    The content rules are checked again, and the entry needs at least one item.

    Raises:
        EntryNotFoundError; PermissionDeniedError; InvalidTransitionError (no draft);
        the content rules of ``ensure_valid``.
    """
    entry = get_entry(session, actor=actor, entry_id=entry_id, for_update=True)
    ensure_may_draft(actor, entry.provider_organization_id)
    version = _submit(session, actor=actor, entry=entry)
    session.flush()
    return version


def _reviewable(session: Session, *, actor: Actor, entry_id: UUID) -> CatalogEntry:
    ensure_permission(actor, CatalogPermission.review)
    return get_entry(session, actor=actor, entry_id=entry_id, for_update=True)


def _publish(
    session: Session, *, actor: Actor, entry: CatalogEntry, version: EntryVersion, opinion: str
) -> None:
    """Make the submitted version the live entry (re-checking the rules: a legal basis
    may have been repealed since the draft was saved)."""
    content = version_content(version)
    ensure_valid(session, actor=actor, data=content, entry=entry, for_submission=True)
    now = utcnow()
    previous = session.scalars(
        select(EntryVersion).where(
            EntryVersion.entry_id == entry.id, EntryVersion.state == VersionState.published
        )
    ).all()
    for old in previous:
        old.state = VersionState.superseded
    version.state = VersionState.published
    version.reviewed_at = now
    version.reviewer_id = actor.id
    version.reviewer_name = actor.name
    version.review_opinion = opinion
    version.published_at = now
    was = entry.status
    apply_content(session, entry, content)
    entry.version = version.number
    entry.status = EntryStatus.published
    entry.published_at = now
    entry.first_published_at = entry.first_published_at or now
    entry.withdrawn_at = None
    entry.withdrawal_reason = ""
    events.publish(
        session,
        EntryPublished(
            entry.id,
            entry.version,
            entry.base_database.value if entry.base_database is not None else None,
        ),
    )
    record(
        session,
        actor=actor,
        action="catalog.entry.approved",
        entry=entry,
        version=version,
        changes={"opinion": opinion} if opinion else None,
    )
    record(
        session,
        actor=actor,
        action="catalog.entry.published",
        entry=entry,
        version=version,
        changes={"status": [was.value, EntryStatus.published.value]},
    )


def approve_entry(
    session: Session, *, actor: Actor, entry_id: UUID, opinion: str = ""
) -> CatalogEntry:
    """Approve the submitted version and publish it (coordinator).

    Raises:
        PermissionDeniedError; EntryNotFoundError; InvalidTransitionError (nothing
        submitted); the content rules of ``ensure_valid``.
    """
    entry = _reviewable(session, actor=actor, entry_id=entry_id)
    version = _version_in(session, entry, {VersionState.submitted}, "审核")
    _publish(session, actor=actor, entry=entry, version=version, opinion=opinion.strip())
    session.flush()
    index_entries(session, [entry])
    session.flush()
    return entry


def return_entry(session: Session, *, actor: Actor, entry_id: UUID, opinion: str) -> EntryVersion:
    """Return the submitted version to its department with an opinion (coordinator).

    Raises:
        PermissionDeniedError; EntryNotFoundError; OpinionRequiredError;
        InvalidTransitionError (nothing submitted).
    """
    entry = _reviewable(session, actor=actor, entry_id=entry_id)
    if not opinion.strip():
        raise OpinionRequiredError(field="opinion")
    version = _version_in(session, entry, {VersionState.submitted}, "退回")
    version.state = VersionState.returned
    version.reviewed_at = utcnow()
    version.reviewer_id = actor.id
    version.reviewer_name = actor.name
    version.review_opinion = opinion.strip()
    record(
        session,
        actor=actor,
        action="catalog.entry.returned",
        entry=entry,
        version=version,
        changes={"opinion": version.review_opinion},
    )
    session.flush()
    return version


def withdraw_entry(session: Session, *, actor: Actor, entry_id: UUID, reason: str) -> CatalogEntry:
    """Take a published entry out of the catalog (coordinator). The row, its versions
    and its items stay; it leaves the search at once.

    Raises:
        PermissionDeniedError; EntryNotFoundError; InvalidTransitionError (not published).
    """
    entry = _reviewable(session, actor=actor, entry_id=entry_id)
    if entry.status is not EntryStatus.published:
        raise InvalidTransitionError(
            "只能撤销已发布的条目", entry_id=entry.id, entry_status=entry.status.value
        )
    entry.status = EntryStatus.withdrawn
    entry.withdrawn_at = utcnow()
    entry.withdrawal_reason = reason.strip()
    unindex_entry(session, entry.id)
    events.publish(
        session,
        EntryWithdrawn(
            entry.id, entry.base_database.value if entry.base_database is not None else None
        ),
    )
    record(
        session,
        actor=actor,
        action="catalog.entry.withdrawn",
        entry=entry,
        changes={"reason": entry.withdrawal_reason},
    )
    session.flush()
    return entry


def publish_many(
    session: Session, *, actor: Actor, entry_ids: Sequence[UUID], opinion: str = ""
) -> list[CatalogEntry]:
    """Submit and approve the open versions of many entries at once (seeding, imports
    run by the coordinator or the system). Each entry is audited exactly as one by
    one; the search index is written in bulk.

    Raises:
        PermissionDeniedError; EntryNotFoundError; InvalidTransitionError; the content
        rules of ``ensure_valid``: one bad entry publishes none (the caller's
        transaction rolls back).
    """
    ensure_permission(actor, CatalogPermission.review)
    entries = session.scalars(
        select(CatalogEntry)
        .where(CatalogEntry.id.in_(entry_ids))
        .options(selectinload(CatalogEntry.items), selectinload(CatalogEntry.legal_bases))
    ).all()
    by_id = {entry.id: entry for entry in entries}
    published = []
    for entry_id in entry_ids:
        entry = by_id.get(entry_id)
        if entry is None:
            raise EntryNotFoundError(entry_id=entry_id)
        version = open_version(session, entry.id)
        if version is not None and version.state is not VersionState.submitted:
            version = _submit(session, actor=actor, entry=entry)
        version = _version_in(session, entry, {VersionState.submitted}, "发布")
        _publish(session, actor=actor, entry=entry, version=version, opinion=opinion)
        published.append(entry)
    session.flush()
    index_entries(session, published)
    session.flush()
    return published
