"""The steps every exchange call shares (Art. 26), for ``exchange`` (lookup and batch),
``exchange_query`` (filtered query and change feed) and ``exchange_files`` (file mode):

- the rate limit per grant (``rate_limiter``, a sliding minute in this process);
- the call's log entry (``ExchangeCall``: what the exchange log needs so far; every
  outcome, served or refused, is appended as the call's last step);
- the grant checks (``begin_call`` / ``check_grant``): who calls, the case reference,
  the grant's organization, client, state, validity, rate and query mode;
- the prepared source of a resource (``prepared_source``: its table's reader and the
  masking inputs, kept while the stamps of table and entry are unchanged) and, per
  call, ``open_source``, which binds it to the call's session;
- masking by grade and personal flag (``plan_fields``, ``masker``) and a record's
  served values with provenance and the "disputed" flag (``record_values``).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn
from uuid import UUID

from sqlalchemy import Engine, Select, bindparam, select
from sqlalchemy.orm import Session

from smartcity.core.db.prebuilt import Prebuilt, Read, prefetch
from smartcity.core.db.stamps import Remembered, stamps_read_ahead
from smartcity.core.errors import AppError, AuthenticationRequiredError
from smartcity.core.identifiers import (
    is_valid_credit_code,
    mask_address,
    mask_all,
    mask_credit_code,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
)
from smartcity.core.pseudonyms import pseudonym, seal, unseal
from smartcity.core.security import SYSTEM, Actor, ActorKind
from smartcity.core.time import utcnow
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data.errors import InvalidKeyError, RecordNotFoundError
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.sharing import disputes
from smartcity.domains.sharing.enums import GrantState, QueryMode
from smartcity.domains.sharing.exchange_errors import (
    CaseReferenceRequiredError,
    ExchangeGrantNotFoundError,
    ExchangePermissionDeniedError,
    ExchangeRateLimitedError,
    ExchangeSourceUnavailableError,
    FieldNotGrantedError,
    GrantExpiredError,
    GrantRevokedError,
    GrantWrongClientError,
    GrantWrongOrganizationError,
    ModeNotGrantedError,
)
from smartcity.domains.sharing.exchange_schemas import ExchangeValueRead
from smartcity.domains.sharing.models import Grant
from smartcity.domains.sharing.permissions import SharingPermission
from smartcity.domains.sharing.service import log_writer
from smartcity.domains.sharing.service.exchange_log import LogDraft

MAX_CASE_REFERENCE = 100


# ---------------------------------------------------------------- rate limit


class SlidingWindowLimiter:
    """Calls per grant in the last ``window`` seconds, in this process (thread-safe)."""

    def __init__(self, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._calls: dict[UUID, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, grant_id: UUID, limit: int) -> int | None:
        """Count a call; ``None`` if allowed, else the seconds until one is."""
        now = self.clock()
        with self._lock:
            calls = self._calls.setdefault(grant_id, deque())
            horizon = now - self.window
            while calls and calls[0] <= horizon:
                calls.popleft()
            if len(calls) >= limit:
                return max(1, int(calls[0] + self.window - now + 0.999))
            calls.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()


rate_limiter = SlidingWindowLimiter()


# ---------------------------------------------------------------- masking


def masker(field_name: str, rule: str) -> Callable[[Any], str]:
    """The masking helper that fits the field: by its identifier rule, else its name
    (chosen once per field plan, not per value)."""
    if rule == "id_number":
        return mask_id_number
    if rule == "credit_code":
        return mask_credit_code
    if rule == "id_or_credit_code":
        return mask_id_or_credit_code
    if rule == "phone" or any(w in field_name for w in ("电话", "手机", "联系方式")):
        return mask_phone
    if "身份号码" in field_name or "身份证" in field_name:
        return mask_id_number
    if "信用代码" in field_name:
        return mask_credit_code
    if field_name.endswith("姓名") or field_name in {"名字", "联系人", "法定代表人"}:
        return mask_name
    if "地址" in field_name or "住址" in field_name or "住所" in field_name:
        return mask_address
    if "邮箱" in field_name or "电子邮件" in field_name:
        return mask_email
    return mask_generic


def mask_id_or_credit_code(value: Any) -> str:
    """A key that is either an ID number or a credit code, masked as the one it is."""
    return mask_credit_code(value) if is_valid_credit_code(str(value)) else mask_id_number(value)


def mask_generic(value: Any) -> str:
    """Anything else: every character masked (``mask`` with no known kind)."""
    return mask_all(value)


@dataclass(frozen=True, slots=True)
class FieldPlan:
    name: str
    rule: str
    masked: bool
    mask: Callable[[Any], str] = mask_generic
    """The field's masking helper (``masker``), used when ``masked``."""


# ---------------------------------------------------------------- the prepared source

_SOURCE_TTL = 60.0
"""Seconds a prepared source is kept even when its stamps are unchanged: what the
stamps do not cover (a source department's name shown as provenance) is at most
this old."""


@dataclass(frozen=True, slots=True)
class PreparedSource:
    """What serving a resource needs, prepared once for many calls: its table's reader
    and the masking inputs (each item's grade and personal flag, the grade ranks).
    Kept per database and entry while the stamps of the table
    (``base_data.table_stamp_query``) and of the entry's masking
    (``catalog.masking_stamp_query``) are unchanged: a new table definition, a new
    published version of the entry or a changed grading scheme prepares it anew,
    so masking never runs on an old plan."""

    stamp: tuple[object, ...]
    prepared: float
    reader: base_data_service.RecordReader
    rules: dict[str, str]
    items: dict[str, tuple[str, bool]]
    ranks: dict[str, int]
    plans: dict[tuple[int, bool, tuple[str, ...]], list[FieldPlan]] = field(default_factory=dict)
    """Field plans already made, by (clearance, personal_clear, names): a plan
    depends on nothing else while the stamps hold."""


_prepared: dict[tuple[Engine, UUID], PreparedSource] = {}


def _database_key(session: Session) -> Engine:
    """The database, by its engine: hashed by identity (a ``URL`` hashes its rendered
    text, 3 µs a call)."""
    return session.get_bind().engine


def _prepare(
    session: Session, table_id: UUID, entry_id: UUID, stamp: tuple[object, ...]
) -> PreparedSource:
    """Read the table's definition and the entry's items in a session of their own on
    the caller's connection (same transaction): the prepared objects are not the
    caller's, so its rollback or commit cannot expire them."""
    with Session(bind=session.connection()) as side:
        reader = base_data_service.RecordReader(side, actor=SYSTEM, table=table_id)
        entry = catalog_service.get_entry(side, actor=SYSTEM, entry_id=entry_id)
        items = {item.name: (item.grade_code, item.is_personal) for item in entry.items}
        ranks = {g.code: g.rank for g in catalog_service.list_grades(side, actor=SYSTEM)}
    rules = {f.name: str(f.rule.value) for f in reader.fields}
    return PreparedSource(stamp, time.monotonic(), reader, rules, items, ranks)


def _stamps() -> Select[*tuple[Any, ...]]:
    """The table's and the masking's stamps side by side: one row (each side is at most
    one), none when the entry has no table."""
    table = base_data_service.table_stamp_query().subquery("table_stamp")
    masking = catalog_service.masking_stamp_query().subquery("masking_stamp")
    return select(*table.c, *masking.c)


_STAMPS = Remembered(Prebuilt(_stamps(), converted=False))
"""Built once: every exchange call checks its prepared source with it (remembered on
the lookups' held connections while the tables it reads are unchanged:
``core.db.stamps``)."""


def prepared_source(session: Session, entry_id: UUID) -> PreparedSource | None:
    """The entry's prepared source (None: it has no table), checked against its stamps:
    one light query per call instead of reading the table and the entry."""
    row = _STAMPS.first(session, entry_id=entry_id)
    if row is None:
        return None
    stamp = tuple(row)
    key = (_database_key(session), entry_id)
    held = _prepared.get(key)
    if held is None or held.stamp != stamp or time.monotonic() - held.prepared > _SOURCE_TTL:
        held = _prepared[key] = _prepare(session, UUID(str(stamp[0])), entry_id, stamp)
    return held


def plan_fields(
    source: PreparedSource | None, grant: GrantTerms, names: Sequence[str]
) -> list[FieldPlan]:
    """Which of ``names`` are masked: graded above the grant's clearance, or personal
    without ``personal_clear``. An item the catalog no longer grades is masked."""
    if source is None:
        return _plan_fields(None, grant.clearance_rank, grant.personal_clear, names)
    key = (grant.clearance_rank, grant.personal_clear, tuple(names))
    plans = source.plans.get(key)
    if plans is None:
        if len(source.plans) >= _MAX_PLANS:
            source.plans.clear()
        plans = source.plans[key] = _plan_fields(source, *key)
    return plans


_MAX_PLANS = 256


def _plan_fields(
    source: PreparedSource | None, clearance_rank: int, personal_clear: bool, names: Sequence[str]
) -> list[FieldPlan]:
    plans = []
    for name in names:
        item = source.items.get(name) if source is not None else None
        if item is None:
            masked = True
        else:
            grade_code, personal = item
            rank = source.ranks.get(grade_code) if source is not None else None
            masked = rank is None or rank > clearance_rank or (personal and not personal_clear)
        rule = source.rules.get(name, "none") if source is not None else "none"
        plans.append(FieldPlan(name, rule, masked, masker(name, rule)))
    return plans


# ---------------------------------------------------------------- the call


@dataclass
class ExchangeCall:
    """What the log needs to know about the call so far."""

    session: Session
    actor: Actor
    operation: str
    grant_id: UUID
    case_reference: str
    keys: Sequence[str]
    fields: Sequence[str]
    started: float
    resource: str = ""

    def log(self, result: str, records: int = 0) -> int:
        return log_writer.append(
            self.session,
            LogDraft(
                actor=self.actor,
                operation=self.operation,
                result=result,
                grant_id=self.grant_id,
                case_reference=self.case_reference,
                resource=self.resource,
                subject_keys=self.keys,
                fields=self.fields,
                records=records,
                latency_ms=int((time.perf_counter() - self.started) * 1000),
            ),
        )

    def refuse(self, error: AppError) -> NoReturn:
        self.log(error.code)
        raise error


@dataclass(frozen=True, slots=True)
class GrantTerms:
    """What an exchange call needs of its grant: the terms it is checked and served by
    (a plain snapshot read with one prebuilt statement, not the ORM entity)."""

    id: UUID
    number: str
    entry_id: UUID
    consumer_organization_id: UUID
    consumer_client_id: UUID | None
    items: list[str]
    query_modes: list[str]
    clearance_rank: int
    personal_clear: bool
    rate_per_minute: int
    valid_from: datetime
    valid_until: datetime
    state: GrantState
    revocation_reason: str
    pseudonym_key: str

    @classmethod
    def of(cls, grant: Grant) -> GrantTerms:
        """The terms of a grant already loaded as an entity."""
        return cls(*(getattr(grant, name) for name in cls.__slots__))


_GRANT_TERMS = Remembered(
    Prebuilt(
        select(*(getattr(Grant, name) for name in GrantTerms.__slots__)).where(
            Grant.id == bindparam("grant_id")
        )
    )
)
"""Built once: every exchange call reads its grant (remembered on the lookups' held
connections while the grants are unchanged: ``core.db.stamps``; its state, validity
and bindings are checked on every call all the same)."""


def check_grant(session: Session, call: ExchangeCall) -> GrantTerms:
    """The call's grant, or the call refused: it exists, belongs to the caller's
    organization (and API client, when bound to one), is not revoked, is inside its
    validity, and the rate allows one more call."""
    actor = call.actor
    row = _GRANT_TERMS.first(session, grant_id=call.grant_id)
    grant = None if row is None else GrantTerms(*row)
    if grant is None:
        call.refuse(ExchangeGrantNotFoundError(grant_id=str(call.grant_id)))
    _remember_entry(grant)
    if actor.kind is not ActorKind.system and grant.consumer_organization_id != (
        actor.organization_id
    ):
        call.refuse(GrantWrongOrganizationError(grant_id=str(grant.id)))
    if grant.consumer_client_id is not None and not (
        actor.kind is ActorKind.api_client and actor.id == grant.consumer_client_id
    ):
        call.refuse(
            GrantWrongClientError(
                "该授权限定由指定的接入系统（API 客户端）调用", grant_id=str(grant.id)
            )
        )
    if grant.state is GrantState.revoked:
        call.refuse(GrantRevokedError(grant_id=str(grant.id), reason=grant.revocation_reason))
    now = utcnow()
    if not grant.valid_from <= now < grant.valid_until:
        call.refuse(
            GrantExpiredError(
                f"授权有效期为 {grant.valid_from:%Y-%m-%d} 至 {grant.valid_until:%Y-%m-%d}",
                grant_id=str(grant.id),
                valid_from=grant.valid_from,
                valid_until=grant.valid_until,
            )
        )
    retry = rate_limiter.acquire(grant.id, grant.rate_per_minute)
    if retry is not None:
        call.refuse(
            ExchangeRateLimitedError(
                f"该授权每分钟最多调用 {grant.rate_per_minute} 次",
                rate_per_minute=grant.rate_per_minute,
                retry_after_seconds=retry,
            )
        )
    return grant


_grant_entries: dict[UUID, UUID] = {}
"""Each grant's entry, as calls read it (a grant's entry never changes): what
``prefetch_lookup`` needs to read the stamps before the grant."""
_MAX_GRANT_ENTRIES = 10_000


def _remember_entry(grant: GrantTerms) -> None:
    if grant.id not in _grant_entries:
        if len(_grant_entries) >= _MAX_GRANT_ENTRIES:
            _grant_entries.clear()
        _grant_entries[grant.id] = grant.entry_id


def prefetch_lookup(session: Session, *, token: Read | None, grant_id: UUID, key: str) -> None:
    """Read ahead, as one statement (``prebuilt.prefetch``), what a single-key lookup
    reads: the watched tables' stamps (``core.db.stamps``), the caller's token
    (``token``: identity's read of it), the grant and — once this process has served
    the grant — the stamps of its resource, the record and the key's disputes. The
    token, the grant and the resource's stamps are left out where this process
    remembers them. Against PostgreSQL that is one round trip instead of several;
    each step then takes its rows as if it had read them itself, so the checks are
    unchanged and the record is served only once they pass, and a read that turns out
    different (another key text, a new table, a remembered answer gone stale) simply
    runs on its own."""
    ahead = [
        *stamps_read_ahead(session),
        token,
        _GRANT_TERMS.read_ahead(session, grant_id=grant_id),
    ]
    many: Read | None = None
    entry_id = _grant_entries.get(grant_id)
    if entry_id is not None:
        ahead.append(_STAMPS.read_ahead(session, entry_id=entry_id))
        held = _prepared.get((_database_key(session), entry_id))
        if held is not None and (found := held.reader.read_of(key)) is not None:
            record, text = found
            ahead.append(record)
            many = disputes.read_for(held.reader.base.table_name, text)
    prefetch(session, [read for read in ahead if read is not None], many)


# ---------------------------------------------------------------- the call's steps


def begin_call(
    session: Session,
    *,
    actor: Actor,
    operation: QueryMode,
    grant_id: UUID,
    case_reference: str | None,
    fields: Sequence[str],
) -> tuple[ExchangeCall, GrantTerms]:
    """The caller, the case reference, the grant and the mode, as ``lookup`` checks
    them, for a call whose mode does not depend on its keys (query, changes, file)."""
    if actor.kind is ActorKind.anonymous:
        raise AuthenticationRequiredError()
    call = ExchangeCall(
        session,
        actor,
        operation.value,
        grant_id,
        (case_reference or "").strip(),
        [],
        list(fields),
        time.perf_counter(),
    )
    check_caller(call)
    grant = check_grant(session, call)
    check_mode(call, grant)
    return call, grant


def check_caller(call: ExchangeCall) -> None:
    """The ``sharing.exchange`` permission and a case reference of 1–100 characters."""
    if not call.actor.has(SharingPermission.exchange):
        call.refuse(ExchangePermissionDeniedError(f"缺少权限 {SharingPermission.exchange}"))
    if not call.case_reference or len(call.case_reference) > MAX_CASE_REFERENCE:
        call.refuse(
            CaseReferenceRequiredError(
                f"请在 X-Case-Reference 中注明所办理的事项（1–{MAX_CASE_REFERENCE} 字）"
            )
        )


def check_mode(call: ExchangeCall, grant: GrantTerms) -> None:
    """The call's operation is one of the grant's query modes."""
    if call.operation not in grant.query_modes:
        call.refuse(
            ModeNotGrantedError(
                f"授权的查询方式为：{'、'.join(grant.query_modes) or '无'}",
                mode=call.operation,
                granted_modes=list(grant.query_modes),
            )
        )


def check_fields(call: ExchangeCall, grant: GrantTerms, names: Iterable[str], *, what: str) -> None:
    """Every one of ``names`` is a granted item (``what``: how the message names them)."""
    outside = [name for name in names if name not in grant.items]
    if outside:
        call.refuse(FieldNotGrantedError(f"未授权的{what}：{'、'.join(outside)}", fields=outside))


@dataclass(frozen=True, slots=True)
class Served:
    """The grant's resource as this call serves it: the prepared source and its reader
    bound to the call's session."""

    source: PreparedSource
    reader: base_data_service.RecordReader

    def plans(self, grant: GrantTerms, names: Sequence[str]) -> list[FieldPlan]:
        return plan_fields(self.source, grant, names)


def open_source(session: Session, call: ExchangeCall, grant: GrantTerms) -> Served:
    """The grant's resource, or the call refused when it has no table."""
    source = prepared_source(session, grant.entry_id)
    if source is None:
        call.refuse(ExchangeSourceUnavailableError(grant_id=str(grant.id)))
    reader = source.reader.bind(session)
    call.resource = reader.base.table_name
    return Served(source, reader)


def record_values(
    view: base_data_service.RecordView,
    plans: Sequence[FieldPlan],
    disputed: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
) -> dict[str, ExchangeValueRead]:
    """A record's planned values, masked and with provenance (source department, last
    update); ``disputed`` (key, field) pairs are flagged (Art. 68, ``sharing.disputes``)."""
    values: dict[str, ExchangeValueRead] = {}
    for plan in plans:
        sourced = view.values.get(plan.name)
        if sourced is None:
            continue
        value = sourced.value
        if plan.masked and value is not None:
            value = plan.mask(value)
        # Built without validation: every part comes typed from the reader and the
        # plan, and a lookup builds one per value.
        values[plan.name] = ExchangeValueRead.built(
            {
                "value": value,
                "masked": plan.masked,
                "disputed": (view.key, plan.name) in disputed,
                "source_organization": sourced.source_name,
                "source_organization_id": sourced.source_organization_id,
                "updated_at": sourced.updated_at,
            }
        )
    return values


KEY_SEPARATOR = "|"


@dataclass(frozen=True, slots=True)
class KeyShown:
    """How a grant's answers show record keys (Art. 26: masked by grade, like values).

    The key is an item of the resource (an ID number, a credit code): where the grant
    masks one of the key's items — graded above its clearance, personal without
    ``personal_clear``, or not granted at all — a query, the change feed and a
    notification must not list the keys in clear, or they would hand out exactly what
    the grant masks. There each record carries ``ref``, the key's pseudonym under the
    grant's own secret (``core.pseudonyms``: stable, so a consumer matches records
    across answers and keys its copy by it; unlinkable across grants), ``key`` is
    shown masked by the items' maskers, and a cursor's key is sealed. A lookup or a
    batch echoes the keys its caller brought, with their ``ref``."""

    masked: bool
    secret: str
    masks: tuple[Callable[[Any], str], ...]

    def ref(self, key: str) -> str:
        """The record's pseudonym under the grant."""
        return pseudonym(self.secret, key)

    def shown(self, key: str) -> str:
        """The key as a query or the change feed shows it: clear, or masked part by part."""
        if not self.masked:
            return key
        parts = key.split(KEY_SEPARATOR)
        if len(parts) != len(self.masks):
            return mask_generic(key)
        return KEY_SEPARATOR.join(m(p) for m, p in zip(self.masks, parts, strict=True))

    def identifier(self, key: str) -> str:
        """What identifies the record to the consumer: the key where it is shown clear,
        else ``ref``."""
        return self.ref(key) if self.masked else key

    def seal(self, key: str, context: str) -> str:
        """A key to put in a cursor: itself, or sealed (``~`` and the sealed text)."""
        return f"{SEALED_MARK}{seal(self.secret, key, context)}" if self.masked else key

    def unseal(self, text: str, context: str) -> str:
        """A cursor's key back (``ValueError``: sealed by someone else, altered, or clear
        where the grant masks the key)."""
        if text.startswith(SEALED_MARK):
            return unseal(self.secret, text[len(SEALED_MARK) :], context)
        if self.masked:
            raise ValueError("a clear key in a cursor of a grant that masks keys")
        return text


SEALED_MARK = "~"


def key_shown(source: PreparedSource, grant: GrantTerms) -> KeyShown:
    """How ``grant`` shows the keys of ``source``'s records."""
    names = [f.name for f in source.reader.data.key_fields]
    plans = plan_fields(source, grant, names)
    hidden = [p for p in plans if p.masked or p.name not in grant.items]
    return KeyShown(bool(hidden), grant.pseudonym_key, tuple(p.mask for p in plans))


def key_text(parts: Sequence[Any]) -> str:
    """A composite key as the API shows it (parts joined by ``|``)."""
    return KEY_SEPARATOR.join(str(p) for p in parts)


def read_record(
    reader: base_data_service.RecordReader, parts: Sequence[Any]
) -> base_data_service.RecordView | None:
    """The record of a key read from the table (None: deleted since)."""
    try:
        return reader.get(tuple(str(p) for p in parts))
    except (InvalidKeyError, RecordNotFoundError):
        return None
