"""Use cases of the audit log: record an event, browse, verify the chain, anchor its head.

``record()`` is called by every service of every domain that changes state, in
the same transaction as the change (Art. 62: security responsibility; Art. 68:
no tampering with information the platform holds). Nothing here commits.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Generator, Mapping
from contextlib import closing
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, event, or_, select, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction, configure_mappers

from smartcity.core.context import current_request
from smartcity.core.hashchain import (
    FORMAT_VERSION,
    GENESIS,
    SEPARATOR,
    ChainBreak,
    SerializedRow,
    Tampering,
    canonical,
    clean,
    entry_hash,
    verify_serialized,
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

_CHAIN_KEY = "smartcity.audit_chain"
# Any constant serves: all writers of the audit chain take the same advisory lock.
_PG_LOCK_KEY = 7_370_800_062
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
_VERIFY_BATCH = 20_000  # rows per SQLite read
_PIPELINE_BATCH = 2_000  # seq values per PostgreSQL range
_PIPELINE_DEPTH = 3  # PostgreSQL ranges queried ahead


_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _json(value: object) -> str:
    """Canonical JSON (what ``json.dumps`` with these options gives, minus building an
    encoder per call)."""
    return _JSON.encode(value)


def canonical_fields(
    *,
    occurred_at: datetime | str,
    actor_kind: str,
    actor_id: UUID | str | None,
    actor_name: str,
    organization_id: UUID | str | None,
    action: str,
    subject_type: str,
    subject_id: str,
    subject_label: str,
    changes: str,
    request_id: str,
    ip: str,
) -> tuple[str, ...]:
    """The event's fields in the fixed order the hash covers."""
    stamp = (
        occurred_at
        if isinstance(occurred_at, str)
        else (occurred_at.astimezone(UTC).strftime(TIMESTAMP_FORMAT))
    )
    return (
        stamp,
        actor_kind,
        str(actor_id) if actor_id else "",
        actor_name,
        str(organization_id) if organization_id else "",
        action,
        subject_type,
        subject_id,
        subject_label,
        changes,
        request_id,
        ip,
    )


class _Chain:
    """The chain as the current transaction extends it.

    ``seq``/``head`` is the last event, recorded or stored; ``pending`` holds the
    events recorded since the session's last flush as driver parameter rows, and
    ``first`` the first of them, which stands in the session so that a flush
    happens (see ``_write_pending``).
    """

    __slots__ = ("first", "head", "pending", "seq", "sqlite")

    def __init__(self, seq: int, head: str, *, sqlite: bool) -> None:
        self.seq = seq
        self.head = head
        self.sqlite = sqlite
        self.first: AuditEvent | None = None
        self.pending: list[tuple[Any, ...]] = []


def _chain(session: Session) -> _Chain:
    """The chain's head, read once per transaction under the chain lock.

    SQLite writers already hold the database write lock (``BEGIN IMMEDIATE``);
    PostgreSQL writers take a transaction-scoped advisory lock, so two
    transactions can never both extend the same head.
    """
    cached: _Chain | None = session.info.get(_CHAIN_KEY)
    if cached is not None:
        return cached
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    row = session.execute(
        select(AuditEvent.seq, AuditEvent.entry_hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    chain = (
        _Chain(row[0], row[1], sqlite=dialect == "sqlite")
        if row is not None
        else _Chain(0, GENESIS, sqlite=dialect == "sqlite")
    )
    session.info[_CHAIN_KEY] = chain
    return chain


def _chain_head(session: Session) -> tuple[int, str]:
    """The last (seq, hash), including events recorded in this transaction."""
    chain = _chain(session)
    return chain.seq, chain.head


@event.listens_for(Session, "after_transaction_end")
def _forget_chain_head(session: Session, _transaction: SessionTransaction) -> None:
    """The transaction ended: another writer may extend the chain, so ask again next time.

    Events still unwritten belong to a rolled-back transaction (a commit flushes
    first), so they go with it.
    """
    session.info.pop(_CHAIN_KEY, None)


def subject_of(subject: object) -> tuple[str, str, str]:
    """(type, id, label) of an ORM object or a plain tuple."""
    subject_type = str(getattr(subject, "__tablename__", type(subject).__name__))
    subject_id = str(getattr(subject, "id", "") or "")
    label_attr = (
        getattr(subject, "audit_label", None)
        or getattr(subject, "name", None)
        or getattr(subject, "username", None)
        or ""
    )
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
    The event is written by the session's next flush (an explicit ``flush()``,
    an autoflush before a query, or the commit), and a rollback discards it with
    the change it describes. The returned ``AuditEvent`` carries every column;
    it is not kept in the session's identity map (``get_event`` loads a stored one).
    """
    kind, sid, slabel = subject_of(subject) if subject is not None else ("", "", "")
    chain = _chain(session)
    context = current_request()
    seq, prev = chain.seq + 1, chain.head
    occurred_at = utcnow()
    stamp = occurred_at.astimezone(UTC).strftime(TIMESTAMP_FORMAT)
    actor_id = actor.id
    org_id = organization_id if organization_id is not None else actor.organization_id
    actor_kind = actor.kind.value
    actor_name = clean(actor.name, 100)
    action = clean(action, 100)
    subject_type = clean(subject_type or kind, 64)
    sid = clean(str(subject_id) if subject_id is not None else sid, 64)
    slabel = clean(label if label is not None else slabel, 200)
    changes_json = _json(dict(changes or {}))
    request_id = clean(context.request_id, 64)
    ip = clean(context.ip, 64)
    digest = entry_hash(
        canonical_fields(
            occurred_at=stamp,
            actor_kind=actor_kind,
            actor_id=actor_id,
            actor_name=actor_name,
            organization_id=org_id,
            action=action,
            subject_type=subject_type,
            subject_id=sid,
            subject_label=slabel,
            changes=changes_json,
            request_id=request_id,
            ip=ip,
        ),
        prev,
    )
    event = _new_event(
        {
            "seq": seq,
            "occurred_at": occurred_at,
            "actor_kind": actor_kind,
            "actor_id": actor_id,
            "actor_name": actor_name,
            "organization_id": org_id,
            "action": action,
            "subject_type": subject_type,
            "subject_id": sid,
            "subject_label": slabel,
            "changes": changes_json,
            "request_id": request_id,
            "ip": ip,
            "prev_hash": prev,
            "entry_hash": digest,
        }
    )
    # Parameters for the driver, in ``_INSERT_COLUMNS`` order. On SQLite they are
    # what SQLAlchemy's types would store: the timestamp text (which is also the
    # text the hash covers) and UUIDs as 32 hex digits.
    common = (
        seq,
        actor_kind,
        actor_name,
        action,
        subject_type,
        sid,
        slabel,
        changes_json,
        request_id,
        ip,
        prev,
        digest,
    )
    if chain.sqlite:
        chain.pending.append(
            (
                *common,
                stamp,
                actor_id.hex if actor_id is not None else None,
                org_id.hex if org_id is not None else None,
            )
        )
    else:
        chain.pending.append((*common, occurred_at, actor_id, org_id))
    if chain.first is None:
        # The first event since the last flush joins the session as a pending
        # object, so the next flush (explicit, auto or at commit) happens and
        # runs ``_write_pending``, which writes all of them.
        session.add(event)
        chain.first = event
    chain.seq, chain.head = seq, digest
    return event


_EVENT_MAPPER = sa_inspect(AuditEvent)
_INSERT_COLUMNS = (
    "seq",
    "actor_kind",
    "actor_name",
    "action",
    "subject_type",
    "subject_id",
    "subject_label",
    "changes",
    "request_id",
    "ip",
    "prev_hash",
    "entry_hash",
    "occurred_at",
    "actor_id",
    "organization_id",
)
_INSERT_EVENTS = {
    style: f"INSERT INTO audit_event ({', '.join(_INSERT_COLUMNS)})"
    f" VALUES ({', '.join([mark] * len(_INSERT_COLUMNS))})"
    for style, mark in (("qmark", "?"), ("format", "%s"), ("pyformat", "%s"))
}


def _new_event(values: dict[str, Any]) -> AuditEvent:
    """A transient ``AuditEvent`` holding ``values``, built without per-attribute events.

    ``AuditEvent(**values)`` runs an instrumented ``setattr`` per column, about a
    third of ``record()``'s time; the ORM's own loader fills a new instance's
    ``__dict__`` directly, as here.
    """
    if not _EVENT_MAPPER.configured:
        configure_mappers()
    event: AuditEvent = _EVENT_MAPPER.class_manager.new_instance()
    event.__dict__.update(values)
    return event


@event.listens_for(Session, "before_flush")
def _write_pending(session: Session, _context: UOWTransaction, _instances: object) -> None:
    """Write the events recorded since the last flush: one executemany INSERT.

    The unit of work would spend more time per event than the database does
    (state bookkeeping for every object), and even Core's per-row parameter
    processing is a sizeable share: the events are immutable and their
    parameters ready, so they go straight to the driver. The first event, which
    only made the flush happen, leaves the session so that the unit of work
    does not insert it a second time.
    """
    chain: _Chain | None = session.info.get(_CHAIN_KEY)
    if chain is None or chain.first is None:
        return
    rows, first = chain.pending, chain.first
    chain.pending, chain.first = [], None
    if first in session.new:
        session.expunge(first)
    connection = session.connection(bind_arguments={"mapper": _EVENT_MAPPER})
    connection.exec_driver_sql(_INSERT_EVENTS[connection.dialect.paramstyle], rows)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as ``{field: [old, new]}``."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def visible_events(actor: Actor) -> Select[AuditEvent]:
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
        statement = statement.where(AuditEvent.action.startswith(filters.action, autoescape=True))
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
        statement = statement.where(
            or_(AuditEvent.subject_label.like(like), AuditEvent.actor_name.like(like))
        )
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
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_id == str(subject_id))
            .order_by(AuditEvent.seq)
        )
    )


_CHAIN_COLUMNS = (
    "seq, occurred_at, actor_kind, actor_id, actor_name, organization_id, action, subject_type,"
    " subject_id, subject_label, changes, request_id, ip, prev_hash, entry_hash"
)
_SQLITE_CHAIN = f"SELECT {_CHAIN_COLUMNS} FROM audit_event WHERE seq > ? ORDER BY seq LIMIT ?"
# PostgreSQL builds the canonical text itself (``canonical_fields`` + ``canonical``:
# UTC time with microseconds, UUIDs in their usual form, fields joined by the
# separator). PostgreSQL text cannot hold NUL, and ``concat_ws`` skips a NULL
# rather than writing an empty field, so any NULL in a NOT NULL column changes
# the text and is caught. Text comes back as the bytes the server sent (binary
# format), which are UTF-8 when the client encoding is; otherwise ``convert_to``
# makes them so. Functions are named with their schema, so that no function of
# the same name earlier on a role's search path can stand in for them.
assert FORMAT_VERSION.isalnum()
_POSTGRESQL_TEXT = (
    f"pg_catalog.concat_ws(pg_catalog.chr({ord(SEPARATOR)}), '{FORMAT_VERSION}',"
    " pg_catalog.to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),"
    " actor_kind, coalesce(actor_id::text, ''), actor_name,"
    " coalesce(organization_id::text, ''), action, subject_type, subject_id, subject_label,"
    " changes, request_id, ip, prev_hash)"
)
_POSTGRESQL_RANGE = (
    f"SELECT seq, {_POSTGRESQL_TEXT}, prev_hash, entry_hash"
    " FROM audit_event WHERE seq > %s AND seq <= %s ORDER BY seq"
)
_POSTGRESQL_RANGE_CONVERTED = (
    f"SELECT seq, pg_catalog.convert_to({_POSTGRESQL_TEXT}, 'UTF8'),"
    " pg_catalog.convert_to(prev_hash, 'UTF8'), pg_catalog.convert_to(entry_hash, 'UTF8')"
    " FROM audit_event WHERE seq > %s AND seq <= %s ORDER BY seq"
)


def _serialized_chain(session: Session, batch: int) -> Generator[list[SerializedRow], None, None]:
    """Stored events in seq order as ``(seq, canonical bytes, prev_hash, entry_hash)``.

    Read in keyset batches through the raw driver: the ORM (or even Core rows)
    would cost more per event than hashing it. Other databases than SQLite and
    PostgreSQL go through the portable reader.
    """
    dialect = session.get_bind().dialect.name
    driver = session.connection().connection.driver_connection
    if dialect == "sqlite":
        return _sqlite_chain(driver, batch)
    if dialect == "postgresql":
        return _postgresql_chain(driver, _PIPELINE_BATCH)
    return _portable_chain(session, batch)


class _DashedUuids(dict[bytes | None, bytes]):
    """SQLite stores ``Uuid`` as 32 hex digits; the canonical form has the dashes.

    Few distinct actors and organizations recur over millions of events, so
    each is formatted once.
    """

    def __missing__(self, value: bytes | None) -> bytes:
        if len(self) > 100_000:
            self.clear()
            self[None] = b""
        dashed = (
            _sqlite_uuid(value.decode("utf-8", "surrogateescape")).encode(
                "utf-8", "surrogateescape"
            )
            if value
            else b""
        )
        self[value] = dashed
        return dashed


def _sqlite_chain(driver: Any, batch: int) -> Generator[list[SerializedRow], None, None]:
    """Rows of ``sqlite3`` as stored bytes (no decoding and re-encoding), joined here.

    The stored timestamp text is already the canonical one (SQLAlchemy writes
    ``TIMESTAMP_FORMAT``). Joining in Python keeps every stored byte, where
    SQLite's string functions would stop at a NUL.
    """
    version = FORMAT_VERSION.encode()
    join = SEPARATOR.encode().join
    dashed = _DashedUuids({None: b""})
    after = -1
    while True:
        text_factory = driver.text_factory
        driver.text_factory = bytes
        try:
            rows = driver.execute(_SQLITE_CHAIN, (after, batch)).fetchall()
        finally:
            driver.text_factory = text_factory
        if not rows:
            return
        serialized: list[SerializedRow]
        try:
            serialized = [
                (
                    r[0],
                    join(
                        (
                            version,
                            r[1],
                            r[2],
                            dashed[r[3]],
                            r[4],
                            dashed[r[5]],
                            r[6],
                            r[7],
                            r[8],
                            r[9],
                            r[10],
                            r[11],
                            r[12],
                            r[13],
                        )
                    ),
                    r[13],
                    r[14],
                )
                for r in rows
            ]
        except TypeError:  # a value that is not text: serialize what is there, or give up
            serialized = [_sqlite_row_slowly(r, version) for r in rows]
        yield serialized
        after = rows[-1][0]


def _sqlite_row_slowly(r: tuple[Any, ...], version: bytes) -> SerializedRow:
    """A row holding a value that is not text (only tampering puts one there): numbers
    serialize as their digits, a NULL where text belongs fails the entry."""

    def text_of(value: object) -> bytes | None:
        if value is None or isinstance(value, bytes):
            return value
        return str(value).encode()

    def uuid_of(value: object) -> bytes | None:
        if value is None:
            return b""
        if isinstance(value, bytes):
            return _sqlite_uuid(value.decode("utf-8", "surrogateescape")).encode(
                "utf-8", "surrogateescape"
            )
        return text_of(value)

    values = [
        version,
        text_of(r[1]),
        text_of(r[2]),
        uuid_of(r[3]),
        text_of(r[4]),
        uuid_of(r[5]),
        *(text_of(v) for v in r[6:14]),
    ]
    present = [v for v in values if v is not None]
    data = SEPARATOR.encode().join(present) if len(present) == len(values) else None
    return r[0], data, text_of(r[13]) or b"", text_of(r[14]) or b""


def _postgresql_chain(driver: Any, batch: int) -> Generator[list[SerializedRow], None, None]:
    """Rows that PostgreSQL serialized, by ranges of ``seq``, a few queries ahead.

    In pipeline mode the server works on the next ranges (building their text in
    its own process) while this one is hashed. A range of ``seq`` is always an
    index range scan; ``seq > x ORDER BY seq LIMIT n`` was at times planned as a
    scan and sort of the whole table for every batch (statistics not yet updated
    after a bulk load, say). Rows appended meanwhile are read too: the walk goes
    on until the head stops moving. Nothing else may use the connection until
    the generator is closed.
    """
    import psycopg  # only PostgreSQL deployments need it loaded
    from psycopg.pq import Format

    utf8 = driver.info.encoding == "utf-8"
    sql = _POSTGRESQL_RANGE if utf8 else _POSTGRESQL_RANGE_CONVERTED
    as_bytes = driver.adapters.get_loader(driver.adapters.types["bytea"].oid, Format.BINARY)

    def cursor() -> Any:
        """A binary cursor that hands text over as bytes (on this cursor only)."""
        new = driver.cursor(binary=True)
        if utf8:
            for name in ("text", "varchar"):
                new.adapters.register_loader(name, as_bytes)
        return new

    rows: list[SerializedRow]
    if not psycopg.Pipeline.is_supported():  # libpq < 14: one range at a time
        low, high = _seq_bounds(driver)
        while low < high:
            with cursor() as current:
                rows = current.execute(sql, (low, low + batch)).fetchall()
            low += batch
            if rows:
                yield rows
            if low >= high:
                high = _seq_bounds(driver)[1]
        return
    low, high = _seq_bounds(driver)
    queued: deque[Any] = deque()
    with driver.pipeline():
        while True:
            while low < high and len(queued) < _PIPELINE_DEPTH:
                ahead = cursor()
                ahead.execute(sql, (low, low + batch))
                queued.append(ahead)
                low += batch
            if not queued:
                high = _seq_bounds(driver)[1]
                if low >= high:
                    return
                continue
            current = queued.popleft()
            rows = current.fetchall()
            current.close()
            if rows:
                yield rows


def _seq_bounds(driver: Any) -> tuple[int, int]:
    """(one less than the lowest ``seq``, the highest): the range to walk."""
    with driver.cursor() as cursor:
        low, high = cursor.execute(
            "SELECT pg_catalog.min(seq), pg_catalog.max(seq) FROM audit_event"
        ).fetchone()
    return (low - 1, high) if low is not None else (0, 0)


def _portable_chain(session: Session, batch: int) -> Generator[list[SerializedRow], None, None]:
    """Any database, through SQLAlchemy's typed columns: slower, exactly ``canonical_fields``."""
    table = AuditEvent.__table__
    columns = [table.c[name.strip()] for name in _CHAIN_COLUMNS.split(",")]
    after = -1
    while rows := session.execute(
        select(*columns).where(table.c.seq > after).order_by(table.c.seq).limit(batch)
    ).all():
        yield [
            (
                r[0],
                canonical(
                    canonical_fields(
                        occurred_at=r[1],
                        actor_kind=r[2],
                        actor_id=r[3],
                        actor_name=r[4],
                        organization_id=r[5],
                        action=r[6],
                        subject_type=r[7],
                        subject_id=r[8],
                        subject_label=r[9],
                        changes=r[10],
                        request_id=r[11],
                        ip=r[12],
                    ),
                    r[13],
                ),
                r[13].encode(),
                r[14].encode(),
            )
            for r in rows
        ]
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
            select(AuditEvent.seq).where(AuditEvent.entry_hash == hash_value)
        ).scalar()
        return int(found) if found is not None else None

    session.flush()  # events recorded in this transaction are part of the chain
    with closing(_serialized_chain(session, _VERIFY_BATCH)) as batches:
        result = verify_serialized(batches, locate_hash=locate, progress=progress)
    first_break = result.first_break
    anchors = list(session.scalars(select(AuditAnchor).order_by(AuditAnchor.seq)))
    if first_break is None:
        for anchor in anchors:
            stored = session.execute(
                select(AuditEvent.entry_hash).where(AuditEvent.seq == anchor.seq)
            ).scalar()
            if stored is None and anchor.seq > result.head_seq:
                first_break = ChainBreak(
                    anchor.seq,
                    Tampering.truncated,
                    f"第 {result.head_seq + 1} 条及以后的记录被删除"
                    f"（锚点记录到第 {anchor.seq} 条）",
                )
                break
            if stored != anchor.entry_hash:
                first_break = ChainBreak(
                    anchor.seq,
                    Tampering.modified,
                    f"第 {anchor.seq} 条记录与锚点哈希不符（链被重写）",
                )
                break
    return VerifyReport(
        ok=first_break is None,
        checked=result.checked,
        head_seq=result.head_seq,
        head_hash=result.head_hash,
        first_break=ChainBreakRead(
            seq=first_break.seq, kind=first_break.kind.value, message=first_break.message
        )
        if first_break
        else None,
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
    record(
        session,
        actor=actor,
        action="audit.anchor.recorded",
        subject_type="audit_anchor",
        subject_id=str(seq),
        label=f"链头 {seq}",
        changes={"seq": seq, "hash": head},
    )
    session.flush()
    return anchor


def chain_head(session: Session, *, actor: Actor) -> tuple[int, str]:
    """The current head (seq, hash), for copying out of the database."""
    ensure_permission(actor, AuditPermission.verify)
    row = session.execute(
        select(AuditEvent.seq, AuditEvent.entry_hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else (0, GENESIS)
