"""Correction and deletion requests of the data subjects (Art. 68: 公民、法人和其他组织
may have what is held about them corrected), routed to the source department.

- **Filing.** A bound subject files on a value of *his own* record, as "my data" shows
  it: the table must hold his record and (a correction) the field must be in it. The
  key is the binding's, never an input. The request goes to that field's source
  department (一数一源: ``SourcedValue.source_organization_id``); a deletion of a whole
  record to the table's provider. It is numbered ``GZ-<year>-<seq>`` and is due
  ``PrivacySettings.answer_working_days`` working days later on the platform's
  calendar, as sharing's deadlines are. One open request per value and kind. It may
  carry a few evidence files (``service_evidence``: PDF, JPEG, PNG by their content,
  size-limited), filed in the same transaction: a bad file files nothing.
- **Answer.** The source department's staff answer: corrected, partially (citing a
  registered legal basis for the part refused) or refused (citing one); the subject
  may withdraw while it is open. The coordinator and auditors see every request and
  the overdue ones. Every step is audited.
- **Disputed.** While a correction is open, the exchange serves the value with
  ``disputed: true``: ``disputed_values`` answers the exchange's one question per call
  (registered with sharing by the composition layer, ``smartcity.wiring``).

- **Applied.** A correction answered ``corrected`` is applied in the answer's
  transaction through base_data's own load (``_apply``): a one-row upsert file of the
  key and the corrected field, loaded in the source department's name, so history,
  provenance (department, load id, time), the change feed and the subscriptions'
  stale-value notices (``LoadCompleted``, after commit) follow as for any load. A
  deletion answered ``corrected`` (deleted) is a ``delete`` load of the key (whole
  record) or an upsert clearing the value (one field). A value the field's rules
  reject fails the answer and changes nothing (a savepoint); so does any other refusal
  of the load (a load of the table is running, the staff member may not load, the
  table is retired), as ``CorrectionNotAppliedError`` with a Chinese explanation the
  queue shows at the request. ``partially`` stays answer-only: what part was
  corrected is the department's own load.

Nothing here commits.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, selectinload

from smartcity.core.config import PrivacySettings
from smartcity.core.db import prebuilt
from smartcity.core.errors import AppError, PermissionDeniedError
from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import SYSTEM, Actor, ensure_authenticated
from smartcity.core.time import CHINA, utcnow
from smartcity.domains.audit import service as audit_service
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data.errors import LoadInProgressError
from smartcity.domains.base_data.schemas import LoadMode, OnError
from smartcity.domains.calendar import service as calendar_service
from smartcity.domains.privacy.enums import (
    ANSWER_STATES,
    DATA_REQUEST_KIND_LABELS,
    DATA_REQUEST_STATE_LABELS,
    DataRequestKind,
    DataRequestState,
)
from smartcity.domains.privacy.errors import (
    CorrectionNotAppliedError,
    DataRequestNotFoundError,
    DataRequestRefusalBasisError,
    DataRequestStateError,
    InvalidDataRequestError,
)
from smartcity.domains.privacy.models import DataRequest
from smartcity.domains.privacy.permissions import PrivacyPermission
from smartcity.domains.privacy.schemas import (
    DataRequestAnswer,
    DataRequestCreate,
    DataRequestFilter,
    DataRequestRead,
)
from smartcity.domains.privacy.service import _tables_holding, binding_of, mask_key, subject_kind_of
from smartcity.domains.privacy.service_evidence import (
    EvidenceUpload,
    check_evidence,
    evidence_reads,
)
from smartcity.domains.registry import service as registry_service
from smartcity.domains.sharing import service as sharing_service

PREFIX = "GZ"


# ---------------------------------------------------------------- reading


def _last_day(due_at: datetime) -> Any:
    return (due_at - timedelta(microseconds=1)).astimezone(CHINA).date()


def _read(
    session: Session, request: DataRequest, *, reveal_key: bool, now: datetime | None = None
) -> DataRequestRead:
    moment = now or utcnow()
    last_day = _last_day(request.due_at)
    open_ = request.state is DataRequestState.submitted
    days: int | None = None
    overdue = False
    label = DATA_REQUEST_STATE_LABELS[request.state]
    if open_:
        today = moment.astimezone(CHINA).date()
        days = calendar_service.working_days_between(
            session, start=today, end=last_day
        ).working_days
        overdue = moment >= request.due_at
        if overdue:
            label = f"已逾期 {abs(days)} 个工作日" if days else "已逾期"
        elif days == 0:
            label = "今日到期"
        else:
            label = f"剩余 {days} 个工作日"
    key = request.subject_key
    basis = request.refusal_basis
    return DataRequestRead(
        id=request.id,
        number=request.number,
        kind=request.kind,
        kind_label=DATA_REQUEST_KIND_LABELS[request.kind],
        subject_key=key if reveal_key else mask_key(key, subject_kind_of(key)),
        table_name=request.table_name,
        table_title=request.table_title,
        field_name=request.field_name,
        current_value=request.current_value,
        claimed_value=request.claimed_value,
        reason=request.reason,
        source_organization_id=request.source_organization_id,
        source_organization_name=request.source_organization.name,
        state=request.state,
        state_label=DATA_REQUEST_STATE_LABELS[request.state],
        submitted_at=request.submitted_at,
        due_at=request.due_at,
        due_date=last_day,
        working_days_left=days,
        overdue=overdue,
        clock_label=label,
        answered_at=request.answered_at,
        answered_by_name=request.answered_by_name,
        answer=request.answer,
        refusal_basis_id=request.refusal_basis_id,
        refusal_basis_citation=basis.citation if basis is not None else "",
        withdrawn_at=request.withdrawn_at,
        filed_by_name=request.filed_by_name,
        evidence=evidence_reads(request),
    )


def _loaded() -> Select[Any]:
    return select(DataRequest).options(
        selectinload(DataRequest.source_organization),
        selectinload(DataRequest.refusal_basis),
        selectinload(DataRequest.evidence),
    )


def _get(session: Session, request_id: UUID) -> DataRequest:
    request: DataRequest | None = session.scalars(
        _loaded().where(DataRequest.id == request_id)
    ).one_or_none()
    if request is None:
        raise DataRequestNotFoundError(request_id=request_id)
    return request


def _record(
    session: Session,
    actor: Actor,
    action: str,
    request: DataRequest,
    changes: dict[str, Any] | None = None,
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        subject=request,
        changes={"state": request.state.value, **(changes or {})},
        organization_id=request.source_organization_id,
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# ---------------------------------------------------------------- the subject


def file_request(
    session: Session,
    *,
    actor: Actor,
    data: DataRequestCreate,
    settings: PrivacySettings,
    evidence: Sequence[EvidenceUpload] = (),
) -> DataRequestRead:
    """File a correction of a value of the signed-in subject's own record, or a deletion
    request, addressed to the value's source department and due on the working-day
    clock (Art. 68), with its ``evidence`` files stored in the same transaction.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; NoSubjectBindingError;
        InvalidDataRequestError: a table not holding the subject's record, a field not in
        it, a correction claiming nothing or the current value, a deletion without a
        reason; DataRequestStateError: the same request is already open;
        InvalidEvidenceError, EvidenceTooLargeError: a file is refused (nothing is
        filed); CalendarYearUnknownError: the calendar cannot count the period.
    """
    binding = binding_of(session, actor)
    table_name = data.table_name.strip()
    field_name = data.field_name.strip()
    claimed = data.claimed_value.strip()
    reason = data.reason.strip()
    held = {
        str(getattr(table, "table_name", "")): (table, record)
        for table, record in _tables_holding(session, binding)
    }
    if table_name not in held:
        raise InvalidDataRequestError("“我的数据”中没有该数据表", field="table_name")
    table, record = held[table_name]
    values = getattr(record, "values", {})
    if data.kind is DataRequestKind.correction and not field_name:
        raise InvalidDataRequestError("请选择要更正的信息项", field="field_name")
    if field_name and field_name not in values:
        raise InvalidDataRequestError(
            f"您在该数据表中的记录没有信息项“{field_name}”", field="field_name"
        )
    sourced = values.get(field_name) if field_name else None
    current = _text(sourced.value) if sourced is not None else ""
    if data.kind is DataRequestKind.correction:
        if not claimed:
            raise InvalidDataRequestError("请填写正确的值", field="claimed_value")
        if claimed == current:
            raise InvalidDataRequestError("申请的值与现有的值相同", field="claimed_value")
    elif not reason:
        raise InvalidDataRequestError("删除申请须说明理由", field="reason")
    else:
        claimed = ""
    duplicate = session.scalar(
        select(DataRequest.number).where(
            DataRequest.subject_key == binding.subject_key,
            DataRequest.table_name == table_name,
            DataRequest.field_name == field_name,
            DataRequest.state == DataRequestState.submitted,
            DataRequest.kind == data.kind,
        )
    )
    if duplicate is not None:
        raise DataRequestStateError(
            f"该信息项已有待答复的{DATA_REQUEST_KIND_LABELS[data.kind]}申请 {duplicate}",
            number=duplicate,
        )
    files = check_evidence(evidence, settings)
    source_id: UUID = (
        sourced.source_organization_id
        if sourced is not None
        else getattr(table, "provider_organization_id")  # noqa: B009
    )
    now = utcnow()
    request = DataRequest(
        subject_key=binding.subject_key,
        kind=data.kind,
        table_name=table_name,
        table_title=str(getattr(table, "name", "")),
        field_name=field_name,
        current_value=current,
        claimed_value=claimed,
        reason=reason,
        source_organization_id=source_id,
        state=DataRequestState.submitted,
        submitted_at=now,
        due_at=calendar_service.compute_deadline(
            session, start=now, working_days=settings.answer_working_days
        ).due_at,
        filed_by_id=binding.user_id,
        filed_by_name=actor.name,
        evidence=files,
    )
    sharing_service.add_numbered(session, request, PREFIX)
    _record(
        session,
        actor,
        "privacy.request.filed",
        request,
        {
            "kind": request.kind.value,
            "subject": mask_key(binding.subject_key, binding.kind),
            "table": table_name,
            "field": field_name,
            "due_at": request.due_at.isoformat(),
            "evidence": [
                {"filename": f.filename, "media_type": f.media_type, "size": f.size, "sm3": f.sm3}
                for f in files
            ],
        },
    )
    return _read(session, _get(session, request.id), reveal_key=True)


def my_requests(session: Session, *, actor: Actor, page: PageParams) -> Page[DataRequestRead]:
    """The signed-in subject's requests, newest first, each with its clock.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; NoSubjectBindingError.
    """
    binding = binding_of(session, actor)
    statement = _loaded().where(DataRequest.subject_key == binding.subject_key)
    rows = paginate(
        session,
        statement.order_by(DataRequest.submitted_at.desc(), DataRequest.number.desc()),
        page,
    )
    return rows.map(lambda r: _read(session, r, reveal_key=True))


def withdraw_request(session: Session, *, actor: Actor, request_id: UUID) -> DataRequestRead:
    """Withdraw one's own open request (a disputed value is no longer disputed).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; NoSubjectBindingError;
        DataRequestNotFoundError (also: someone else's); DataRequestStateError.
    """
    binding = binding_of(session, actor)
    request = _get(session, request_id)
    if request.subject_key != binding.subject_key:
        raise DataRequestNotFoundError(request_id=request_id)
    _expect_open(request, "撤回")
    request.state = DataRequestState.withdrawn
    request.withdrawn_at = utcnow()
    session.flush()
    _record(session, actor, "privacy.request.withdrawn", request)
    return _read(session, request, reveal_key=True)


def _expect_open(request: DataRequest, step: str) -> None:
    if request.state is not DataRequestState.submitted:
        raise DataRequestStateError(
            f"申请 {request.number} 当前为「{DATA_REQUEST_STATE_LABELS[request.state]}」，"
            f"不能{step}",
            state=request.state.value,
        )


# ---------------------------------------------------------------- departments


def _sees_all(actor: Actor) -> bool:
    return actor.has(PrivacyPermission.read_requests)


def _ensure_queue_reader(actor: Actor) -> None:
    ensure_authenticated(actor)
    if not (_sees_all(actor) or actor.has(PrivacyPermission.answer)):
        raise PermissionDeniedError(f"缺少权限 {PrivacyPermission.answer}")


def request_queue(
    session: Session,
    *,
    actor: Actor,
    filters: DataRequestFilter,
    page: PageParams,
    now: datetime | None = None,
) -> Page[DataRequestRead]:
    """The requests a department must answer — those on fields it is the source of —
    or, for the coordinator and auditors, every department's; open ones first by due
    date, ``overdue_only`` those past their deadline.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError.
    """
    _ensure_queue_reader(actor)
    moment = now or utcnow()
    statement = _loaded()
    if not _sees_all(actor):
        statement = statement.where(DataRequest.source_organization_id == actor.organization_id)
    if filters.open_only or filters.overdue_only:
        statement = statement.where(DataRequest.state == DataRequestState.submitted)
    if filters.overdue_only:
        statement = statement.where(DataRequest.due_at <= moment)
    closed = DataRequest.state != DataRequestState.submitted
    rows = paginate(
        session,
        statement.order_by(closed, DataRequest.due_at.asc(), DataRequest.number),
        page,
    )
    return rows.map(lambda r: _read(session, r, reveal_key=_is_source(actor, r), now=moment))


def _is_source(actor: Actor, request: DataRequest) -> bool:
    return (
        actor.has(PrivacyPermission.answer)
        and actor.organization_id is not None
        and actor.organization_id == request.source_organization_id
    )


def get_request(session: Session, *, actor: Actor, request_id: UUID) -> DataRequestRead:
    """One request, for its source department or the coordinator.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; DataRequestNotFoundError.
    """
    _ensure_queue_reader(actor)
    request = _get(session, request_id)
    if not (_sees_all(actor) or _is_source(actor, request)):
        raise DataRequestNotFoundError(request_id=request_id)
    return _read(session, request, reveal_key=_is_source(actor, request))


def answer_request(
    session: Session, *, actor: Actor, request_id: UUID, data: DataRequestAnswer
) -> DataRequestRead:
    """The source department's answer: corrected, partially or refused, with its text;
    partially and refused cite a registered legal basis in force (Art. 68).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; DataRequestNotFoundError (not
        addressed to the actor's department); DataRequestStateError (not open);
        InvalidDataRequestError (outcome or text, or a value the field's rules reject);
        DataRequestRefusalBasisError; CorrectionNotAppliedError (the base data refused
        the load: nothing changed, the request stays open).
    """
    _ensure_queue_reader(actor)
    request = _get(session, request_id)
    if not _is_source(actor, request):
        raise DataRequestNotFoundError(request_id=request_id)
    _expect_open(request, "答复")
    if data.outcome not in ANSWER_STATES:
        raise InvalidDataRequestError("答复结果应为已更正、部分更正或不予更正", field="outcome")
    text = data.answer.strip()
    if not text:
        raise InvalidDataRequestError("请填写答复意见", field="answer")
    citation = ""
    basis_id: UUID | None = None
    if data.outcome is not DataRequestState.corrected:
        if data.refusal_basis_id is None:
            raise DataRequestRefusalBasisError(
                "不予更正（含部分不予更正）必须引用已登记的法律法规依据，不能只填写理由",
                field="refusal_basis_id",
            )
        try:
            basis = registry_service.ensure_citable(
                session, actor=actor, legal_basis_id=data.refusal_basis_id
            )
        except AppError as error:
            raise DataRequestRefusalBasisError(
                error.detail or "引用的法律法规依据未登记或不能引用", field="refusal_basis_id"
            ) from error
        basis_id, citation = basis.id, basis.citation
    load_id = (
        _apply(session, actor, request) if data.outcome is DataRequestState.corrected else None
    )
    request.state = data.outcome
    request.answer = text
    request.refusal_basis_id = basis_id
    request.answered_at = utcnow()
    request.answered_by_name = actor.name
    session.flush()
    session.refresh(request, ["refusal_basis"])
    _record(
        session,
        actor,
        "privacy.request.answered",
        request,
        {"outcome": data.outcome.value, "refusal_basis": citation, "load_id": load_id},
    )
    return _read(session, request, reveal_key=True)


def _csv(row: dict[str, str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def _apply(session: Session, actor: Actor, request: DataRequest) -> int:
    """Apply a request answered ``corrected`` to the base data by a one-row load in the
    source department's name (history, provenance, change feed and notices follow);
    the load's id. In a savepoint: a value the field's rules reject changes nothing.

    Raises:
        InvalidDataRequestError: the table is gone, or the load rejected the value;
        CorrectionNotAppliedError: base_data refused the load (running load, no
        permission to load, retired table …), its code in ``cause``.
    """
    table = next(
        (
            t
            for t in base_data_service.list_tables(session, actor=SYSTEM)
            if str(getattr(t, "table_name", "")) == request.table_name
        ),
        None,
    )
    keys = [f for f in getattr(table, "fields", []) if f.is_key and not f.retired]
    if table is None or len(keys) != 1:
        raise InvalidDataRequestError("该数据表已不存在或不能按主键更正，无法更正", field="outcome")
    row = {str(keys[0].name): request.subject_key}
    if request.kind is DataRequestKind.correction:
        mode = LoadMode.upsert
        row[request.field_name] = request.claimed_value
    elif request.field_name:
        mode = LoadMode.upsert  # deleting one value: the field is cleared
        row[request.field_name] = ""
    else:
        mode = LoadMode.delete
    filename = f"{request.number}.csv"
    target = f"信息项“{request.field_name}”" if request.field_name else "该记录"
    try:
        with session.begin_nested(), tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / filename
            path.write_bytes(_csv(row))
            started = base_data_service.start_load(
                session,
                actor=actor,
                table_id=table.id,
                mode=mode,
                on_error=OnError.reject,
                filename=filename,
                file_bytes=path.stat().st_size,
                organization_id=request.source_organization_id,
            )
            base_data_service.apply_load(session, actor=actor, load_id=started.id, path=path)
            return int(started.id)
    except base_data_service.LoadRejectedError as error:
        reasons = "；".join(dict.fromkeys(str(r["reason"]) for r in error.report.rows()))
        raise InvalidDataRequestError(
            f"{target}未能按申请更正：{reasons or error.detail}。数据未改变，申请仍待答复",
            field="outcome",
        ) from error
    except AppError as error:
        raise CorrectionNotAppliedError(
            f"{target}未能写入基础数据：{_refusal(error)}。数据未改变，申请仍待答复",
            field="outcome",
            cause=error.code,
        ) from error


def _refusal(error: AppError) -> str:
    """Why base_data refused the one-row load, as the answering staff member reads it."""
    if isinstance(error, LoadInProgressError):
        return "该数据表正在装载数据，请待装载结束后再答复"
    if isinstance(error, PermissionDeniedError):
        return "您的账号没有以本部门名义装载基础数据的权限，请由有装载权限的人员答复"
    return error.detail or error.title


# ---------------------------------------------------------------- disputes


_OPEN_CORRECTIONS = (
    DataRequest.table_name == bindparam("table_name"),
    DataRequest.state == DataRequestState.submitted,
    DataRequest.kind == DataRequestKind.correction,
)
_DISPUTED_KEY = prebuilt.Prebuilt(
    select(DataRequest.subject_key, DataRequest.field_name).where(
        DataRequest.subject_key == bindparam("key"), *_OPEN_CORRECTIONS
    )
)
"""Prebuilt: the exchange API asks on every call, mostly for one key."""
_DISPUTED_KEYS = select(DataRequest.subject_key, DataRequest.field_name).where(
    DataRequest.subject_key.in_(bindparam("keys", expanding=True)), *_OPEN_CORRECTIONS
)


def disputed_value_read(table_name: str, key: str) -> prebuilt.Read:
    """The read ``disputed_values`` makes for one key, for ``prebuilt.prefetch``."""
    return _DISPUTED_KEY, {"key": key, "table_name": table_name}


def disputed_values(session: Session, table_name: str, keys: Sequence[str]) -> set[tuple[str, str]]:
    """(subject key, field) pairs of ``table_name`` with an open correction, for the
    exchange's ``disputed`` flag: one query on the dispute index for all ``keys``."""
    if not keys:
        return set()
    if len(keys) == 1:
        rows = _DISPUTED_KEY.all(session, key=keys[0], table_name=table_name)
    else:
        rows = list(session.execute(_DISPUTED_KEYS, {"keys": list(keys), "table_name": table_name}))
    return {(str(row.subject_key), str(row.field_name)) for row in rows}
