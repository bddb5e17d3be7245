"""The exchange API's use case (Art. 26): serve base-database records as a grant allows.

``lookup`` checks, in this order, who calls (``sharing.exchange``), the case
reference, the grant (exists; the caller's organization; the bound API client;
not revoked; inside its validity), the rate, the number of keys, the query mode
(one key is ``lookup``, 2–1,000 keys ``batch``) and the fields, then reads the
values through base_data's ``RecordReader`` and masks them by grade and
personal flag. Every outcome, served or refused, is appended to the exchange
log (``exchange_log``) as the last step; refusals raise an ``ExchangeRefusal``
problem after logging. Anonymous callers get a plain 401 and are not logged
(otherwise anyone could fill the log).

The rate limit is a sliding window of one minute per grant **in this process**:
with several workers each one counts on its own, so the effective limit is
``rate_per_minute`` × workers. A shared counter (database or Redis) is needed
for an exact limit across processes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from uuid import UUID

from sqlalchemy.orm import Session

from smartcity.core.errors import AuthenticationRequiredError
from smartcity.core.geo import Datum
from smartcity.core.pseudonyms import pseudonym
from smartcity.core.security import Actor, ActorKind
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data.errors import InvalidKeyError, RecordNotFoundError
from smartcity.domains.sharing import disputes
from smartcity.domains.sharing.enums import QueryMode
from smartcity.domains.sharing.exchange_errors import (
    ExchangeInvalidKeyError,
    ExchangeRecordNotFoundError,
    FieldNotGrantedError,
    KeyCountError,
)
from smartcity.domains.sharing.exchange_schemas import (
    MAX_BATCH_KEYS,
    ExchangeRecordRead,
    ExchangeResultRead,
)
from smartcity.domains.sharing.service.exchange_core import (
    ExchangeCall,
    GrantTerms,
    SlidingWindowLimiter,
    check_caller,
    check_grant,
    check_mode,
    open_source,
    prefetch_lookup,
    rate_limiter,
    record_values,
)

__all__ = ["SlidingWindowLimiter", "lookup", "prefetch_lookup", "rate_limiter"]


def _operation(keys: Sequence[str]) -> str:
    return QueryMode.lookup.value if len(keys) == 1 else QueryMode.batch.value


def lookup(
    session: Session,
    *,
    actor: Actor,
    grant_id: UUID,
    case_reference: str | None,
    keys: Sequence[str],
    fields: Iterable[str] | None = None,
    datum: Datum | None = None,
) -> ExchangeResultRead:
    """Records by key under a grant, only the granted fields, masked as the grant says.

    One key is a single lookup (an unknown key is a 404); 2–1,000 keys a batch
    (unknown keys come back ``found: false``). ``fields`` defaults to every
    granted item. Every call is logged, refused ones with the problem code.

    Raises:
        AuthenticationRequiredError: anonymous (not logged).
        ExchangePermissionDeniedError; CaseReferenceRequiredError;
        ExchangeGrantNotFoundError; GrantWrongOrganizationError;
        GrantWrongClientError; GrantRevokedError; GrantExpiredError;
        ExchangeRateLimitedError; KeyCountError; ModeNotGrantedError;
        FieldNotGrantedError; ExchangeSourceUnavailableError;
        ExchangeInvalidKeyError; ExchangeRecordNotFoundError.
    """
    started = time.perf_counter()
    if actor.kind is ActorKind.anonymous:
        raise AuthenticationRequiredError()
    keys = list(keys)
    requested = list(dict.fromkeys(fields)) if fields is not None else None
    call = ExchangeCall(
        session,
        actor,
        _operation(keys),
        grant_id,
        (case_reference or "").strip(),
        keys[:MAX_BATCH_KEYS],
        requested or [],
        started,
    )
    check_caller(call)
    grant = check_grant(session, call)
    names = _check_request(call, grant, keys, requested)
    call.fields = names
    return _serve(session, call, grant, names, datum)


def _check_request(
    call: ExchangeCall, grant: GrantTerms, keys: Sequence[str], requested: list[str] | None
) -> list[str]:
    if not keys or len(keys) > MAX_BATCH_KEYS:
        call.refuse(KeyCountError(f"本次提交了 {len(keys)} 个主键", max_keys=MAX_BATCH_KEYS))
    check_mode(call, grant)
    if requested is None:
        return list(grant.items)
    outside = [name for name in requested if name not in grant.items]
    if outside or not requested:
        call.refuse(
            FieldNotGrantedError(
                f"未授权的信息项：{'、'.join(outside) or '（未指定）'}", fields=outside
            )
        )
    return requested


def _serve(
    session: Session, call: ExchangeCall, grant: GrantTerms, names: list[str], datum: Datum | None
) -> ExchangeResultRead:
    served = open_source(session, call, grant)
    reader = served.reader
    plans = served.plans(grant, names)
    records: list[ExchangeRecordRead] = []
    stored_datum = ""
    views: list[tuple[str, base_data_service.RecordView | None]] = []
    for key in call.keys:
        try:
            views.append((key, reader.get(key, datum=datum)))
        except InvalidKeyError as error:
            if call.operation == QueryMode.lookup:
                call.refuse(ExchangeInvalidKeyError(error.detail, key=key))
            views.append((key, None))
        except RecordNotFoundError:
            if call.operation == QueryMode.lookup:
                call.refuse(ExchangeRecordNotFoundError(key=key))
            views.append((key, None))
    found_keys = [view.key for _, view in views if view is not None]
    # The caller brought the keys, so they come back as brought, each with its ``ref``:
    # what the grant's queries, change feed and notifications name the record by
    # where it masks the key (``exchange_core.KeyShown``).
    secret = grant.pseudonym_key
    # One query for the whole call: which (key, field) has an open correction (Art. 68).
    disputed = disputes.disputed(session, call.resource, found_keys)
    # The answer is built without validation (``Schema.built``): every part is typed
    # already — the reader's values, the plan's masks, the call's checked inputs — and
    # a lookup is the API's hottest call. A key is shown stripped, as validation would.
    for key, view in views:
        if view is None:
            shown = key.strip()
            records.append(
                ExchangeRecordRead.built(
                    {"key": shown, "ref": pseudonym(secret, shown), "found": False, "values": {}}
                )
            )
            continue
        stored_datum = view.datum
        records.append(
            ExchangeRecordRead.built(
                {
                    "key": view.key,
                    "ref": pseudonym(secret, view.key),
                    "found": True,
                    "values": record_values(view, plans, disputed),
                }
            )
        )
    found = sum(1 for r in records if r.found)
    seq = call.log("ok", records=found)
    return ExchangeResultRead.built(
        {
            "grant_id": grant.id,
            "case_reference": call.case_reference,
            "datum": stored_datum,
            "fields": list(names),
            "found": found,
            "missing": len(records) - found,
            "records": records,
            "log_seq": seq,
        }
    )
