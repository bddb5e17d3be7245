"""The exchange log: one hash-chained entry per exchange API call (Art. 26; Art. 68).

Every call, served or refused, is written with who called (organization, API
client, user), the grant, the case reference, the data subjects' keys, the
fields, the result (``ok`` or the problem code), the number of records and the
latency; never the payload. Entries are chained with SM3 exactly like the audit
log (``core.hashchain``): each entry's hash covers its canonical fields and the
previous entry's hash, so ``verify_exchange_log`` finds any changed, deleted,
inserted or reordered entry. The table is append-only by trigger (migration
0008). The keys are also written to ``sharing_exchange_subject`` so "who looked
at my data" is one indexed query.

Design (the simplest that keeps the chain linear and loses nothing):

- **Appended in the caller's transaction, last.** ``exchange.lookup`` reads and
  masks first, then calls ``append`` as its final step, so the entry commits or
  rolls back with the response: a 200 never leaves without its entry (a failed
  commit becomes an error response), and there is no in-memory queue to lose on
  shutdown or crash. Refused calls are appended before the refusal is raised;
  the API edge renders ``ExchangeRefusal`` problems itself, so the request's
  transaction still commits and keeps the entry.
- **One writer at a time at the head.** PostgreSQL: ``pg_advisory_xact_lock``
  (a key of its own, not the audit chain's) before the head is read; it is held
  until commit, and since the append is the last step the lock covers only the
  INSERTs and the commit, while lookups themselves run in parallel. Under
  READ COMMITTED the head read after the lock sees the previous holder's commit.
  SQLite: writing transactions begin ``IMMEDIATE`` (``core.db.engine``), so the
  transaction already holds the database write lock; the exchange routes use a
  writing session even for GET (``api_exchange.get_exchange_session``), because
  a deferred read transaction cannot safely upgrade to write under concurrency.
- **Few statements.** Per call: the lock (PostgreSQL), one head read, one INSERT
  of the entry, one executemany of its subject keys. A background writer that
  batches many calls into one transaction would save the per-call commit; it is
  the next step if the benchmark needs it (it must then flush on shutdown and
  still log refusals).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Select, Table, and_, false, insert, not_, or_, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from smartcity.core.hashchain import (
    GENESIS,
    ChainRow,
    VerifyResult,
    clean,
    entry_hash,
    verify_rows,
)
from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import Actor, ActorKind, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.sharing.enums import QueryMode
from smartcity.domains.sharing.exchange_schemas import ExchangeLogFilter, ExchangeLogSide
from smartcity.domains.sharing.models import ExchangeLogEntry, ExchangeSubject, Grant
from smartcity.domains.sharing.permissions import SharingPermission
from smartcity.domains.sharing.schemas import ConcealedAccess

# Any constant serves, as long as every writer of this chain uses it and the audit
# chain does not (its key is 7_370_800_062).
_PG_LOCK_KEY = 7_370_800_026
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
SUBJECT_KEY_LENGTH = 32
_VERIFY_BATCH = 5_000

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


_ENTRY_TABLE = cast(Table, ExchangeLogEntry.__table__)
_SUBJECT_TABLE = cast(Table, ExchangeSubject.__table__)


@dataclass(frozen=True, slots=True)
class LogDraft:
    """What one call did, before it is chained."""

    actor: Actor
    operation: str
    result: str
    grant_id: UUID | str | None = None
    case_reference: str = ""
    resource: str = ""
    subject_keys: Sequence[str] = ()
    fields: Sequence[str] = ()
    records: int = 0
    latency_ms: int = 0


_ENTRY_COLUMNS = (
    "seq",
    "occurred_at",
    "consumer_organization_id",
    "client_id",
    "user_id",
    "grant_id",
    "case_reference",
    "operation",
    "resource",
    "subject_keys",
    "fields",
    "result",
    "records",
    "latency_ms",
    "prev_hash",
    "entry_hash",
)

_SUBJECT_COLUMNS = ("subject_key", "seq")

CANONICAL_COLUMNS = (
    "occurred_at",
    "consumer_organization_id",
    "client_id",
    "user_id",
    "grant_id",
    "case_reference",
    "operation",
    "resource",
    "subject_keys",
    "fields",
    "result",
    "records",
    "latency_ms",
)
"""The columns the hash covers, in order (numbers as their decimal text)."""


def canonical_fields(values: Mapping[str, object]) -> tuple[str, ...]:
    """An entry's fields in the fixed order the hash covers."""
    return tuple(str(values[name]) for name in CANONICAL_COLUMNS)


@dataclass(frozen=True, slots=True)
class _Writes:
    """The chain's statements in one dialect's SQL, compiled once: the group writer
    appends every call's entry with them on the driver's connection, where SQLAlchemy's
    execution of a statement (about 100 µs) and of each row of an executemany cost
    more than SQLite's work."""

    lock: str | None
    head: str
    entry: str
    entry_order: tuple[str, ...] | None  # parameter order for positional drivers
    subject: str
    subject_order: tuple[str, ...] | None


_WRITES: dict[str, _Writes] = {}


def _writes(dialect: Dialect) -> _Writes:
    key = f"{dialect.name}+{dialect.driver}"
    held = _WRITES.get(key)
    if held is None:
        head = (
            select(ExchangeLogEntry.seq, ExchangeLogEntry.entry_hash)
            .order_by(ExchangeLogEntry.seq.desc())
            .limit(1)
            .compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        )
        entry = insert(_ENTRY_TABLE).compile(dialect=dialect, column_keys=list(_ENTRY_COLUMNS))
        subject = insert(_SUBJECT_TABLE).compile(
            dialect=dialect, column_keys=list(_SUBJECT_COLUMNS)
        )
        lock = (
            text("SELECT pg_advisory_xact_lock(:key)")
            .bindparams(key=_PG_LOCK_KEY)
            .compile(dialect=dialect, compile_kwargs={"literal_binds": True})
            .string
            if dialect.name == "postgresql"
            else None
        )
        held = _WRITES[key] = _Writes(
            lock=lock,
            head=head.string,
            entry=entry.string,
            entry_order=tuple(entry.positiontup) if entry.positiontup else None,
            subject=subject.string,
            subject_order=tuple(subject.positiontup) if subject.positiontup else None,
        )
    return held


def _parameters(
    rows: list[dict[str, object]], order: tuple[str, ...] | None
) -> list[dict[str, object]] | list[tuple[object, ...]]:
    if order is None:
        return rows
    return [tuple(row[name] for name in order) for row in rows]


def _subject_keys(keys: Sequence[str]) -> list[str]:
    """The keys as logged: cleaned, upper case (as ID numbers and credit codes are
    stored), cut to the index's width, each once, in order."""
    seen: dict[str, None] = {}
    for key in keys:
        cleaned = clean(str(key).strip().upper(), SUBJECT_KEY_LENGTH)
        if cleaned:
            seen.setdefault(cleaned, None)
    return list(seen)


def _row(draft: LogDraft, seq: int, prev: str) -> tuple[dict[str, object], list[str]]:
    """The entry's stored values (hash included) and its subject keys."""
    actor = draft.actor
    keys = _subject_keys(draft.subject_keys)
    values: dict[str, object] = {
        "seq": seq,
        "occurred_at": utcnow().astimezone(UTC).strftime(TIMESTAMP_FORMAT),
        "consumer_organization_id": str(actor.organization_id) if actor.organization_id else "",
        "client_id": str(actor.id) if actor.kind is ActorKind.api_client and actor.id else "",
        "user_id": str(actor.id) if actor.kind is ActorKind.user and actor.id else "",
        "grant_id": clean(str(draft.grant_id) if draft.grant_id else "", 36),
        "case_reference": clean(draft.case_reference, 100),
        "operation": clean(draft.operation, 16),
        "resource": clean(draft.resource, 63),
        "subject_keys": _JSON.encode(keys),
        "fields": _JSON.encode([clean(f, 100) for f in draft.fields]),
        "result": clean(draft.result, 64),
        "records": draft.records,
        "latency_ms": draft.latency_ms,
        "prev_hash": prev,
    }
    values["entry_hash"] = entry_hash(canonical_fields(values), prev)
    return values, keys


def append_many(session: Session, drafts: Sequence[LogDraft]) -> list[int]:
    """Chain ``drafts``, in order, into the caller's transaction; their ``seq`` numbers.

    One lock and head read for all of them, then the entries and their subject keys
    (one statement on PostgreSQL, two ``executemany`` on SQLite): the group writer
    (``log_writer``) appends a whole queue this way. On PostgreSQL it takes the
    chain's lock, held until the transaction ends, so call it as the last step of a
    transaction. The statements run on the driver's connection in the session's
    transaction (``_writes``), after the session's pending changes are flushed.
    """
    if not drafts:
        return []
    if session.new or session.dirty or session.deleted:
        session.flush()
    connection = session.connection()
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        return append_on_driver(cursor, connection.dialect, drafts)
    finally:
        cursor.close()


def append_on_driver(cursor: Any, dialect: Dialect, drafts: Sequence[LogDraft]) -> list[int]:
    """``append_many`` on a DB-API cursor, in its connection's current transaction (the
    caller began it, and commits it)."""
    writes = _writes(dialect)
    if writes.lock is not None:
        cursor.execute(writes.lock)
        cursor.fetchall()
    cursor.execute(writes.head)
    head = cursor.fetchone()
    seq, prev = (int(head[0]), str(head[1])) if head is not None else (0, GENESIS)
    entries: list[dict[str, object]] = []
    subjects: list[dict[str, object]] = []
    for draft in drafts:
        seq += 1
        values, keys = _row(draft, seq, prev)
        prev = str(values["entry_hash"])
        entries.append(values)
        subjects.extend({"subject_key": key, "seq": seq} for key in keys)
    if writes.entry_order is None and cursor.__class__.__module__.split(".")[0] == "psycopg":
        _insert_in_one(cursor, entries, subjects)
    else:  # SQLite's driver loops in C over its prepared statement
        cursor.executemany(writes.entry, _parameters(entries, writes.entry_order))
        if subjects:
            cursor.executemany(writes.subject, _parameters(subjects, writes.subject_order))
    return [int(str(values["seq"])) for values in entries]


def _insert_in_one(
    cursor: Any, entries: list[dict[str, object]], subjects: list[dict[str, object]]
) -> None:
    """The entries and their subject keys in one statement, one round trip (psycopg's
    ``executemany`` is a round of protocol messages per row): multi-row ``VALUES``,
    the entries' INSERT in a ``WITH`` (the keys' foreign key is checked at the end of
    the statement, when the entries are in). The text, with PostgreSQL's ``$n``
    placeholders, is made once per batch shape and sent as it is (psycopg's
    ``RawCursor``): psycopg would otherwise convert its hundreds of ``%s`` on every
    batch, as it caches conversions only for statements of at most 50 parameters."""
    import psycopg

    parameters = [row[name] for row in entries for name in _ENTRY_COLUMNS]
    parameters += [row[name] for row in subjects for name in _SUBJECT_COLUMNS]
    with psycopg.RawCursor(cursor.connection) as raw:
        raw.execute(_insert_text(len(entries), len(subjects)), parameters)


@lru_cache(maxsize=512)
def _insert_text(entries: int, subjects: int) -> str:
    """``_insert_in_one``'s statement for a batch of ``entries`` entries with ``subjects``
    subject keys."""
    numbers = itertools.count(1)

    def values(table: str, columns: tuple[str, ...], rows: int) -> str:
        tuples = ("(" + ", ".join(f"${next(numbers)}" for _ in columns) + ")" for _ in range(rows))
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join(tuples)}"

    statement = values(_ENTRY_TABLE.name, _ENTRY_COLUMNS, entries)
    if subjects:
        statement = f"WITH chained AS ({statement}) " + values(
            _SUBJECT_TABLE.name, _SUBJECT_COLUMNS, subjects
        )
    return statement


def append(session: Session, draft: LogDraft) -> int:
    """Chain one entry (and its subject keys) into the caller's transaction; its ``seq``.

    Call it as the last step of a use case: on PostgreSQL it takes the chain's
    lock, held until the transaction ends.
    """
    return append_many(session, [draft])[0]


# ---------------------------------------------------------------- reading


def provided_grant_ids(session: Session, organization_id: UUID) -> list[str]:
    """The ids of the grants ``organization_id`` provides, as the log stores them.

    ``ExchangeLogEntry.grant_id`` is the text of a UUID while ``Grant.id`` is a ``Uuid``
    column (hex on SQLite, native on PostgreSQL), so the ids are read and turned into
    text here rather than compared in SQL: the same on both backends, and a department
    provides at most a few hundred grants.
    """
    ids = session.scalars(select(Grant.id).where(Grant.provider_organization_id == organization_id))
    return [str(grant_id) for grant_id in ids]


def ensure_log_reader(actor: Actor) -> None:
    """The coordinator and auditors (``sharing.read_all``), and departments' members who
    call the exchange API (``sharing.exchange``) or answer for its resources
    (``sharing.answer``).

    Raises:
        AuthenticationRequiredError: anonymous. PermissionDeniedError: anyone else.
    """
    if not any(
        actor.has(p)
        for p in (SharingPermission.read_all, SharingPermission.exchange, SharingPermission.answer)
    ):
        ensure_permission(actor, SharingPermission.exchange)


def visible_log(
    session: Session, actor: Actor, *, side: ExchangeLogSide | None = None
) -> Select[ExchangeLogEntry]:
    """Entries the actor may read: all for the coordinator and auditors
    (``sharing.read_all``); for a department, its own calls (as consumer) and every
    call made under the grants of its resources (as provider, Art. 26: the provider
    knows who uses its data and for what matter).

    ``side`` narrows to one of the two, relative to the actor's organization (for the
    coordinator too: its own department's calls, or calls on its department's grants).

    Raises:
        AuthenticationRequiredError / PermissionDeniedError: none of ``sharing.read_all``,
        ``sharing.exchange`` or ``sharing.answer``.
    """
    ensure_log_reader(actor)
    statement = select(ExchangeLogEntry)
    if side is None and actor.has(SharingPermission.read_all):
        return statement
    own = actor.organization_id
    if own is None:
        return statement.where(false())
    as_consumer = ExchangeLogEntry.consumer_organization_id == str(own)
    if side == ExchangeLogSide.consumer:
        return statement.where(as_consumer)
    provided = provided_grant_ids(session, own)
    as_provider = ExchangeLogEntry.grant_id.in_(provided) if provided else false()
    if side == ExchangeLogSide.provider:
        return statement.where(as_provider)
    return statement.where(or_(as_consumer, as_provider))


def list_log(
    session: Session, *, actor: Actor, filters: ExchangeLogFilter, page: PageParams
) -> Page[ExchangeLogEntry]:
    """A page of entries, newest first (``visible_log`` says which).

    Raises:
        AuthenticationRequiredError / PermissionDeniedError: none of ``sharing.read_all``,
        ``sharing.exchange`` or ``sharing.answer``.
    """
    statement = visible_log(session, actor, side=filters.side)
    if filters.grant_id:
        statement = statement.where(ExchangeLogEntry.grant_id == str(filters.grant_id))
    if filters.consumer_organization_id:
        statement = statement.where(
            ExchangeLogEntry.consumer_organization_id == str(filters.consumer_organization_id)
        )
    if filters.subject_key:
        subject_seqs = select(ExchangeSubject.seq).where(
            ExchangeSubject.subject_key == filters.subject_key.strip().upper()
        )
        statement = statement.where(ExchangeLogEntry.seq.in_(subject_seqs))
    if filters.result:
        statement = statement.where(ExchangeLogEntry.result == filters.result)
    if filters.operation:
        statement = statement.where(ExchangeLogEntry.operation == filters.operation)
    if filters.case_reference:
        statement = statement.where(ExchangeLogEntry.case_reference == filters.case_reference)
    if filters.since:
        statement = statement.where(ExchangeLogEntry.occurred_at >= _stamp(filters.since))
    if filters.until:
        statement = statement.where(ExchangeLogEntry.occurred_at < _stamp(filters.until))
    return paginate(session, statement.order_by(ExchangeLogEntry.seq.desc()), page)


def calls_on_subject(
    session: Session,
    subject_key: str,
    *,
    resources: Sequence[str] = (),
    concealed: Sequence[ConcealedAccess] = (),
    page: PageParams,
) -> Page[ExchangeLogEntry]:
    """Every call that touched ``subject_key``, newest first ("who looked at my data",
    Art. 68): the calls whose subjects include the key (the ``ExchangeSubject`` index),
    and, since a file extract logs no keys, every successful ``file`` call on one of
    ``resources`` (the tables holding the subject's record). Calls matching one of
    ``concealed`` (lawful deferrals: organization, grant, case, made since its start)
    are left out.

    No actor: the caller has established that the key is the reader's own (the privacy
    domain takes it from the reader's binding, never from input).
    """
    key = subject_key.strip().upper()[:SUBJECT_KEY_LENGTH]
    touched = ExchangeLogEntry.seq.in_(
        select(ExchangeSubject.seq).where(ExchangeSubject.subject_key == key)
    )
    condition: ColumnElement[bool] = touched
    if resources:
        extracts = and_(
            ExchangeLogEntry.operation == QueryMode.file.value,
            ExchangeLogEntry.result == "ok",
            ExchangeLogEntry.resource.in_(list(resources)),
        )
        condition = or_(touched, extracts)
    statement = select(ExchangeLogEntry).where(condition)
    for hidden in concealed:
        parts = [ExchangeLogEntry.consumer_organization_id == str(hidden.organization_id)]
        if hidden.grant_id is not None:
            parts.append(ExchangeLogEntry.grant_id == str(hidden.grant_id))
        if hidden.case_reference:
            parts.append(ExchangeLogEntry.case_reference == hidden.case_reference)
        if hidden.since is not None:
            parts.append(ExchangeLogEntry.occurred_at >= _stamp(hidden.since))
        statement = statement.where(not_(and_(*parts)))
    return paginate(session, statement.order_by(ExchangeLogEntry.seq.desc()), page)


def _stamp(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def subject_keys_of(session: Session, seq: int) -> list[str]:
    """The subject index rows of one entry."""
    return list(
        session.scalars(
            select(ExchangeSubject.subject_key)
            .where(ExchangeSubject.seq == seq)
            .order_by(ExchangeSubject.subject_key)
        )
    )


# ---------------------------------------------------------------- verification


_CHAIN_COLUMNS = (
    ExchangeLogEntry.seq,
    *(getattr(ExchangeLogEntry, name) for name in CANONICAL_COLUMNS),
    ExchangeLogEntry.prev_hash,
    ExchangeLogEntry.entry_hash,
)


def _chain_rows(session: Session) -> Iterator[ChainRow]:
    """Stored entries in ``seq`` order, in keyset batches, as plain column values (a
    tampered value of another type is serialized as its text and so fails its hash)."""
    after = 0
    while True:
        batch = session.execute(
            select(*_CHAIN_COLUMNS)
            .where(ExchangeLogEntry.seq > after)
            .order_by(ExchangeLogEntry.seq)
            .limit(_VERIFY_BATCH)
        ).all()
        if not batch:
            return
        for row in batch:
            yield ChainRow(
                row[0],
                tuple("" if v is None else str(v) for v in row[1:-2]),
                str(row[-2]),
                str(row[-1]),
            )
        after = batch[-1][0]


def verify_exchange_log(session: Session, *, actor: Actor) -> VerifyResult:
    """Walk the chain and name the first changed, deleted, inserted or reordered entry.

    Raises:
        AuthenticationRequiredError / PermissionDeniedError: no ``sharing.read_all``.
    """
    ensure_permission(actor, SharingPermission.read_all)

    def locate(digest: str) -> int | None:
        return session.scalar(
            select(ExchangeLogEntry.seq).where(ExchangeLogEntry.entry_hash == digest)
        )

    return verify_rows(_chain_rows(session), locate_hash=locate)
