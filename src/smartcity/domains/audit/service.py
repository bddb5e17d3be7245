"""Use cases of the audit log: record an event, browse, verify the chain, anchor its head.

``record()`` is called by every service of every domain that changes state, in
the same transaction as the change (Art. 62: security responsibility; Art. 68:
no tampering with information the platform holds). Nothing here commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, event, or_, select, text
from sqlalchemy.orm import Session, SessionTransaction

from smartcity.core.context import current_request
from smartcity.core.hashchain import (
    GENESIS,
    ChainBreak,
    ChainRow,
    Tampering,
    clean,
    entry_hash,
    verify_rows,
)
from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.audit.errors import AuditEventNotFoundError
from smartcity.domains.audit.models import AuditAnchor, AuditEvent
from smartcity.domains.audit.permissions import AuditPermission
from smartcity.domains.audit.schemas import (
    AuditEventFilter,
    ChainBreakRead,
    VerifyReport,
)

_HEAD_KEY = "smartcity.audit_head"
# Any constant serves: all writers of the audit chain take the same advisory lock.
_PG_LOCK_KEY = 7_370_800_062
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)


def canonical_fields(
    *, occurred_at: datetime | str, actor_kind: str, actor_id: UUID | str | None,
    actor_name: str, organization_id: UUID | str | None, action: str, subject_type: str,
    subject_id: str, subject_label: str, changes: str, request_id: str, ip: str,
) -> tuple[str, ...]:
    """The event's fields in the fixed order the hash covers."""
    stamp = occurred_at if isinstance(occurred_at, str) else (
        occurred_at.astimezone(UTC).strftime(TIMESTAMP_FORMAT))
    return (
        stamp, actor_kind, str(actor_id) if actor_id else "", actor_name,
        str(organization_id) if organization_id else "", action, subject_type, subject_id,
        subject_label, changes, request_id, ip,
    )


def _chain_head(session: Session) -> tuple[int, str]:
    """The last (seq, hash), read once per transaction under the chain lock.

    SQLite writers already hold the database write lock (``BEGIN IMMEDIATE``);
    PostgreSQL writers take a transaction-scoped advisory lock, so two
    transactions can never both extend the same head.
    """
    cached = session.info.get(_HEAD_KEY)
    if cached is not None:
        head: tuple[int, str] = cached
        return head
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    row = session.execute(
        select(AuditEvent.seq, AuditEvent.entry_hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    head = (row[0], row[1]) if row is not None else (0, GENESIS)
    session.info[_HEAD_KEY] = head
    return head


@event.listens_for(Session, "after_transaction_end")
def _forget_chain_head(session: Session, _transaction: SessionTransaction) -> None:
    """The transaction ended: another writer may extend the chain, so ask again next time."""
    session.info.pop(_HEAD_KEY, None)


def subject_of(subject: object) -> tuple[str, str, str]:
    """(type, id, label) of an ORM object or a plain tuple."""
    subject_type = str(getattr(subject, "__tablename__", type(subject).__name__))
    subject_id = str(getattr(subject, "id", "") or "")
    label_attr = getattr(subject, "audit_label", None) or getattr(subject, "name", None) \
        or getattr(subject, "username", None) or ""
    return subject_type, subject_id, str(label_attr)


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    subject: object | None = None,
    subject_type: str | None = None,
    subject_id: str | UUID | None = None,
    label: str | None = None,
    changes: Mapping[str, Any] | None = None,
    organization_id: UUID | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction.

    ``changes`` maps field names to ``[old, new]`` pairs (or any JSON value). The
    request id and address come from the request context set by middleware.
    The event is added to the session; the caller's ``flush()`` writes it, and
    a rollback discards it with the change it describes.
    """
    kind, sid, slabel = subject_of(subject) if subject is not None else ("", "", "")
    seq, prev = _chain_head(session)
    context = current_request()
    event = AuditEvent(
        seq=seq + 1,
        occurred_at=utcnow(),
        actor_kind=actor.kind.value,
        actor_id=actor.id,
        actor_name=clean(actor.name, 100),
        organization_id=organization_id if organization_id is not None
        else actor.organization_id,
        action=clean(action, 100),
        subject_type=clean(subject_type or kind, 64),
        subject_id=clean(str(subject_id) if subject_id is not None else sid, 64),
        subject_label=clean(label if label is not None else slabel, 200),
        changes=_json(dict(changes or {})),
        request_id=clean(context.request_id, 64),
        ip=clean(context.ip, 64),
        prev_hash=prev,
    )
    event.entry_hash = entry_hash(_fields_of(event), prev)
    session.add(event)
    session.info[_HEAD_KEY] = (event.seq, event.entry_hash)
    return event


def _fields_of(event: AuditEvent) -> tuple[str, ...]:
    return canonical_fields(
        occurred_at=event.occurred_at, actor_kind=event.actor_kind, actor_id=event.actor_id,
        actor_name=event.actor_name, organization_id=event.organization_id,
        action=event.action, subject_type=event.subject_type, subject_id=event.subject_id,
        subject_label=event.subject_label, changes=event.changes,
        request_id=event.request_id, ip=event.ip,
    )


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as ``{field: [old, new]}``."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def visible_events(actor: Actor) -> Select[tuple[AuditEvent]]:
    """Events the actor may read: all for auditors and the coordinator, else its own
    organization's."""
    statement = select(AuditEvent)
    if actor.has(AuditPermission.read_all):
        return statement
    ensure_permission(actor, AuditPermission.read_own)
    return statement.where(AuditEvent.organization_id == actor.organization_id)


def list_events(
    session: Session, *, actor: Actor, filters: AuditEventFilter, page: PageParams
) -> Page[AuditEvent]:
    """A page of events, newest first, filtered.

    Raises:
        AuthenticationRequiredError / PermissionDeniedError: no audit permission.
    """
    statement = visible_events(actor)
    if filters.action:
        statement = statement.where(AuditEvent.action.startswith(filters.action,
                                                                 autoescape=True))
    if filters.actor_id:
        statement = statement.where(AuditEvent.actor_id == filters.actor_id)
    if filters.organization_id:
        statement = statement.where(AuditEvent.organization_id == filters.organization_id)
    if filters.subject_type:
        statement = statement.where(AuditEvent.subject_type == filters.subject_type)
    if filters.subject_id:
        statement = statement.where(AuditEvent.subject_id == filters.subject_id)
    if filters.since:
        statement = statement.where(AuditEvent.occurred_at >= filters.since)
    if filters.until:
        statement = statement.where(AuditEvent.occurred_at < filters.until)
    if filters.q:
        like = f"%{filters.q}%"
        statement = statement.where(or_(
            AuditEvent.subject_label.like(like), AuditEvent.actor_name.like(like)))
    return paginate(session, statement.order_by(AuditEvent.seq.desc()), page)


def get_event(session: Session, *, actor: Actor, seq: int) -> AuditEvent:
    """One event the actor may read.

    Raises:
        AuditEventNotFoundError: no such event, or not visible to the actor.
    """
    event = session.scalars(visible_events(actor).where(AuditEvent.seq == seq)).one_or_none()
    if event is None:
        raise AuditEventNotFoundError(f"审计记录 {seq} 不存在", seq=seq)
    return event


def actions_for(session: Session, *, subject_id: str | UUID) -> list[str]:
    """Actions recorded for one subject, oldest first (used by tests and detail pages)."""
    return list(session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_id == str(subject_id))
        .order_by(AuditEvent.seq)))


def _iter_chain(session: Session, batch: int = 20_000) -> Iterator[ChainRow]:
    """Stored events in seq order, read in keyset batches through the raw driver.

    The ORM would build an object per row; verification reads millions of rows
    and needs only their text.
    """
    connection = session.connection()
    is_sqlite = connection.dialect.name == "sqlite"
    sql = text(
        "SELECT seq, occurred_at, actor_kind, actor_id, actor_name, organization_id, action,"
        " subject_type, subject_id, subject_label, changes, request_id, ip, prev_hash,"
        " entry_hash FROM audit_event WHERE seq > :after ORDER BY seq LIMIT :batch"
    )
    after = -1
    while True:
        rows = connection.execute(sql, {"after": after, "batch": batch}).all()
        if not rows:
            return
        for r in rows:
            if is_sqlite:
                stamp = r[1] if isinstance(r[1], str) else r[1].strftime(TIMESTAMP_FORMAT)
                actor_id = _sqlite_uuid(r[3])
                org_id = _sqlite_uuid(r[5])
            else:
                stamp = r[1].astimezone(UTC).strftime(TIMESTAMP_FORMAT)
                actor_id = str(r[3]) if r[3] else ""
                org_id = str(r[5]) if r[5] else ""
            yield ChainRow(r[0], (stamp, r[2], actor_id, r[4], org_id, r[6], r[7], r[8], r[9],
                                  r[10], r[11], r[12]), r[13], r[14])
        after = rows[-1][0]


def _sqlite_uuid(value: str | None) -> str:
    """SQLAlchemy stores ``Uuid`` on SQLite as 32 hex characters without dashes."""
    if not value:
        return ""
    if len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return value


def verify_chain(
    session: Session, *, actor: Actor, progress: Callable[[int], None] | None = None
) -> VerifyReport:
    """Recompute the whole chain and name the first event that was modified, deleted,
    inserted or reordered; then check the recorded anchors against it.

    Raises:
        PermissionDeniedError: the actor may not verify the log.
    """
    ensure_permission(actor, AuditPermission.verify)

    def locate(hash_value: str) -> int | None:
        found = session.execute(
            select(AuditEvent.seq).where(AuditEvent.entry_hash == hash_value)).scalar()
        return int(found) if found is not None else None

    result = verify_rows(_iter_chain(session), locate_hash=locate, progress=progress)
    first_break = result.first_break
    anchors = list(session.scalars(select(AuditAnchor).order_by(AuditAnchor.seq)))
    if first_break is None:
        for anchor in anchors:
            stored = session.execute(select(AuditEvent.entry_hash).where(
                AuditEvent.seq == anchor.seq)).scalar()
            if stored is None and anchor.seq > result.head_seq:
                first_break = ChainBreak(anchor.seq, Tampering.truncated,
                                         f"第 {result.head_seq + 1} 条及以后的记录被删除"
                                         f"（锚点记录到第 {anchor.seq} 条）")
                break
            if stored != anchor.entry_hash:
                first_break = ChainBreak(anchor.seq, Tampering.modified,
                                         f"第 {anchor.seq} 条记录与锚点哈希不符（链被重写）")
                break
    return VerifyReport(
        ok=first_break is None,
        checked=result.checked,
        head_seq=result.head_seq,
        head_hash=result.head_hash,
        first_break=ChainBreakRead(seq=first_break.seq, kind=first_break.kind.value,
                                   message=first_break.message) if first_break else None,
        anchors_checked=len(anchors),
    )


def anchor_head(session: Session, *, actor: Actor, note: str = "") -> AuditAnchor:
    """Record the current head of the chain as an anchor (and audit that it did).

    Raises:
        PermissionDeniedError: the actor may not verify the log.
    """
    ensure_permission(actor, AuditPermission.verify)
    seq, head = _chain_head(session)
    anchor = AuditAnchor(seq=seq, entry_hash=head, note=clean(note, 200))
    session.add(anchor)
    record(session, actor=actor, action="audit.anchor.recorded", subject_type="audit_anchor",
           subject_id=str(seq), label=f"链头 {seq}", changes={"seq": seq, "hash": head})
    session.flush()
    return anchor


def chain_head(session: Session, *, actor: Actor) -> tuple[int, str]:
    """The current head (seq, hash), for copying out of the database."""
    ensure_permission(actor, AuditPermission.verify)
    row = session.execute(
        select(AuditEvent.seq, AuditEvent.entry_hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else (0, GENESIS)
