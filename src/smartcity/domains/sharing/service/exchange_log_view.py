"""The exchange log as its page shows it (Art. 26): each visible entry with the consumer
department's name, the calling user or API client, and the grant's number when the
reader may see that grant.

Subject keys: the coordinator, auditors and the resource's provider read them as
logged. A department reading its own calls as consumer sees in clear only the keys it
brought (a lookup's, a batch's); the keys of a query, the change feed or a file — the
records the platform chose — are masked, as the grant may have masked them in the
answer (``exchange_core.KeyShown``): the log must not give back what the API hid.

The log stores ids as text (``str(uuid)``) while the tables they point to use ``Uuid``
columns, so the ids of one page are turned into ``UUID`` values here and looked up with
``IN``: the same on SQLite and PostgreSQL, and one query per kind of name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from smartcity.core.pagination import Page, PageParams
from smartcity.core.security import Actor
from smartcity.domains.identity.models import ApiClient, User
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing.enums import QueryMode
from smartcity.domains.sharing.exchange_schemas import (
    ExchangeLogEntryRead,
    ExchangeLogFilter,
    ExchangeLogLine,
)
from smartcity.domains.sharing.models import ExchangeLogEntry, Grant
from smartcity.domains.sharing.permissions import SharingPermission
from smartcity.domains.sharing.schemas import ConcealedAccess, SubjectCallRead
from smartcity.domains.sharing.service.exchange_core import KEY_SEPARATOR, mask_id_or_credit_code
from smartcity.domains.sharing.service.exchange_log import (
    TIMESTAMP_FORMAT,
    calls_on_subject,
    list_log,
    provided_grant_ids,
)

_BROUGHT = frozenset({QueryMode.lookup.value, QueryMode.batch.value})
"""Operations whose subject keys the caller brought itself."""


def _uuids(texts: Iterable[str]) -> list[UUID]:
    """The valid UUIDs among ``texts``, each once (a forged or empty id is skipped)."""
    found: dict[UUID, None] = {}
    for text in texts:
        try:
            found.setdefault(UUID(text), None)
        except ValueError:
            continue
    return list(found)


def _names(
    session: Session,
    key: InstrumentedAttribute[UUID],
    name: InstrumentedAttribute[str],
    texts: Iterable[str],
) -> dict[str, str]:
    ids = _uuids(texts)
    if not ids:
        return {}
    return {str(row[0]): row[1] for row in session.execute(select(key, name).where(key.in_(ids)))}


def _grant_numbers(session: Session, actor: Actor, texts: Iterable[str]) -> dict[str, str]:
    """Numbers of the grants the actor may see (its department's, as consumer or
    provider; all for ``sharing.read_all``): a refused call on someone else's grant
    does not reveal that grant's number."""
    ids = _uuids(texts)
    if not ids:
        return {}
    statement = select(Grant.id, Grant.number).where(Grant.id.in_(ids))
    if not actor.has(SharingPermission.read_all):
        own = actor.organization_id
        statement = statement.where(
            (Grant.consumer_organization_id == own) | (Grant.provider_organization_id == own)
        )
    return {str(row[0]): row[1] for row in session.execute(statement)}


def _masked_for(session: Session, actor: Actor, entries: Sequence[ExchangeLogEntry]) -> set[int]:
    """The entries whose subject keys ``actor`` reads masked (see the module docstring):
    those it sees only as the consumer, of operations whose keys it did not bring."""
    if actor.has(SharingPermission.read_all) or all(e.operation in _BROUGHT for e in entries):
        return set()
    own = actor.organization_id
    provided = set(provided_grant_ids(session, own)) if own is not None else set()
    return {e.seq for e in entries if e.operation not in _BROUGHT and e.grant_id not in provided}


def _mask_key(key: str) -> str:
    return KEY_SEPARATOR.join(mask_id_or_credit_code(part) for part in key.split(KEY_SEPARATOR))


def _entry_read(entry: ExchangeLogEntry, masked: set[int]) -> ExchangeLogEntryRead:
    read = ExchangeLogEntryRead.of(entry)
    if entry.seq in masked:
        read.subject_keys = [_mask_key(key) for key in read.subject_keys]
    return read


def list_log_entries(
    session: Session, *, actor: Actor, filters: ExchangeLogFilter, page: PageParams
) -> Page[ExchangeLogEntryRead]:
    """A page of ``list_log`` (newest first, what the actor may see), its subject keys
    as the actor may read them.

    Raises:
        AuthenticationRequiredError / PermissionDeniedError: as ``list_log``.
    """
    result = list_log(session, actor=actor, filters=filters, page=page)
    masked = _masked_for(session, actor, result.items)
    return result.map(lambda entry: _entry_read(entry, masked))


def _occurred(stamp: str) -> datetime | None:
    try:
        return datetime.strptime(stamp, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:  # a tampered entry is still listed; verification names it
        return None


def _lines(
    session: Session, actor: Actor, entries: Iterable[ExchangeLogEntry]
) -> list[ExchangeLogLine]:
    """``entries`` with the names behind their ids."""
    rows = list(entries)
    organizations = _names(
        session, Organization.id, Organization.name, (e.consumer_organization_id for e in rows)
    )
    callers = {
        **_names(session, User.id, User.display_name, (e.user_id for e in rows)),
        **_names(session, ApiClient.id, ApiClient.name, (e.client_id for e in rows)),
    }
    grants = _grant_numbers(session, actor, (e.grant_id for e in rows))
    masked = _masked_for(session, actor, rows)
    out: list[ExchangeLogLine] = []
    for entry in rows:
        base: dict[str, Any] = _entry_read(entry, masked).model_dump()
        out.append(
            ExchangeLogLine(
                **base,
                occurred=_occurred(entry.occurred_at),
                consumer_organization_name=organizations.get(entry.consumer_organization_id, ""),
                caller_name=callers.get(entry.user_id or entry.client_id, ""),
                grant_number=grants.get(entry.grant_id, ""),
            )
        )
    return out


def list_log_lines(
    session: Session, *, actor: Actor, filters: ExchangeLogFilter, page: PageParams
) -> Page[ExchangeLogLine]:
    """A page of ``list_log`` (newest first, what the actor may see), with names.

    Raises:
        AuthenticationRequiredError / PermissionDeniedError: as ``list_log``.
    """
    result = list_log(session, actor=actor, filters=filters, page=page)
    return Page[ExchangeLogLine](
        items=_lines(session, actor, result.items),
        total=result.total,
        page=result.page,
        size=result.size,
    )


def subject_calls(
    session: Session,
    subject_key: str,
    *,
    resources: Sequence[str] = (),
    concealed: Sequence[ConcealedAccess] = (),
    page: PageParams,
) -> Page[SubjectCallRead]:
    """A page of ``calls_on_subject`` as the data subject sees it (Art. 68): the calling
    organization's name, the grant's purpose and matter, the case reference, the result;
    file extracts marked ``bulk``. No grant numbers, users or other subjects' keys.
    """
    result = calls_on_subject(
        session, subject_key, resources=resources, concealed=concealed, page=page
    )
    rows = list(result.items)
    organizations = _names(
        session, Organization.id, Organization.name, (e.consumer_organization_id for e in rows)
    )
    ids = _uuids(e.grant_id for e in rows)
    grants = (
        {
            str(row[0]): (row[1], row[2])
            for row in session.execute(
                select(Grant.id, Grant.purpose, Grant.scenario).where(Grant.id.in_(ids))
            )
        }
        if ids
        else {}
    )
    items = [
        SubjectCallRead(
            seq=entry.seq,
            occurred=_occurred(entry.occurred_at),
            organization_name=organizations.get(entry.consumer_organization_id, ""),
            operation=entry.operation,
            resource=entry.resource,
            purpose=grants.get(entry.grant_id, ("", ""))[0],
            scenario=grants.get(entry.grant_id, ("", ""))[1],
            case_reference=entry.case_reference,
            result=entry.result,
            records=entry.records,
            bulk=entry.operation == QueryMode.file.value,
        )
        for entry in rows
    ]
    return Page[SubjectCallRead](
        items=items, total=result.total, page=result.page, size=result.size
    )
