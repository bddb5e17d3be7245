"""Use cases of the data subject's rights (Art. 68: 公民、法人和其他组织 may know and have
corrected what is held about them; 掌握公众信息的单位 may not disclose it unlawfully).

- **Bindings.** A user's subject key (公民身份号码 or 统一社会信用代码) is recorded by the
  platform — in production by the real-name login, here by an administrator — and
  validated (GB 11643 / GB 32100). It is never taken from the user's input, so no
  request can ask about someone else's key, and nothing reveals whether a key exists.
- **My data.** Every base-data table keyed by the subject's kind of key is read by key
  (``base_data_service.RecordReader``) with each value's source department and last
  update; the catalog's other published resources whose information items identify a
  subject of his kind (a natural person, a legal entity), kept by their provider
  department, with their update cycle and last update (``catalog_service``); and every
  exchange call that touched the key, from the exchange log's subject index, plus every
  successful file extract of a table holding the record (file extracts log no keys),
  newest first, paged — the "who looked at my data" of Estonia's Data Tracker.
- **Lawful deferrals.** The coordinator may hide an organization's access (narrowed to a
  grant, a case reference or a subject) until a date, citing a registered legal basis.
  A deferral hides exactly the calls made from its start date (default: the day it is
  recorded; an earlier start is the coordinator's decision under the same basis, and
  audited) while it is in force: calls before the start stay visible. The dates are
  checked when the log is read, so calls reappear the day after the end date with no
  job to run. An end date is required, not in the past, and at most one
  year ahead (``MAX_DEFERRAL``); a longer deferral is a new, separately audited decision.

The platform reads the base databases and the log on the subject's behalf (``SYSTEM``)
once the binding has said whose key it is.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from smartcity.core.errors import NotFoundError
from smartcity.core.identifiers import (
    is_valid_credit_code,
    is_valid_id_number,
    mask_credit_code,
    mask_id_number,
)
from smartcity.core.pagination import Page, PageParams
from smartcity.core.security import (
    SYSTEM,
    Actor,
    ActorKind,
    ensure_authenticated,
    ensure_permission,
)
from smartcity.core.time import CHINA, today_in_china
from smartcity.domains.audit import service as audit_service
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data.errors import InvalidKeyError, RecordNotFoundError
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import UPDATE_CYCLE_LABELS, Identifies
from smartcity.domains.identity import service as identity_service
from smartcity.domains.privacy.enums import KEY_RULES, SubjectKind
from smartcity.domains.privacy.errors import (
    BindingUserNotFoundError,
    DeferralEndedError,
    DeferralNotFoundError,
    InvalidDeferralError,
    InvalidSubjectKeyError,
    NoSubjectBindingError,
)
from smartcity.domains.privacy.models import AccessDeferral, SubjectBinding
from smartcity.domains.privacy.permissions import PrivacyPermission
from smartcity.domains.privacy.schemas import (
    DeferralCreate,
    DeferralRead,
    HeldRecord,
    HeldResource,
    HeldValue,
    MyCallRead,
    MyRecordsRead,
)
from smartcity.domains.registry import service as registry_service
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing.enums import QUERY_MODE_LABELS, QueryMode
from smartcity.domains.sharing.schemas import ConcealedAccess

MAX_DEFERRAL_DAYS = 366
"""A deferral ends at most one year after the day it is recorded (366 days covers a leap
year); it may be renewed by recording a new one, with its own basis and audit trail."""
BULK_LABEL = "批量下载（含全部记录）"
RESULT_OK = "成功"
OTHER_OPERATION_LABELS = {"prefill": "经您同意回填办事表单"}
"""Exchange-log operations other than the exchange API's query modes (the once-only
service's delivery of a consented prefill, Art. 28)."""
RESULT_REFUSED = "已拒绝，未提供数据"


# ---------------------------------------------------------------- keys and bindings


def subject_kind_of(key: str) -> SubjectKind:
    """The kind of a valid key; raises InvalidSubjectKeyError for anything else."""
    cleaned = key.strip().upper()
    if is_valid_id_number(cleaned):
        return SubjectKind.citizen
    if is_valid_credit_code(cleaned):
        return SubjectKind.enterprise
    raise InvalidSubjectKeyError(
        "应为有效的 18 位公民身份号码（GB 11643）或统一社会信用代码（GB 32100）", field="key"
    )


def mask_key(key: str, kind: SubjectKind) -> str:
    return mask_id_number(key) if kind is SubjectKind.citizen else mask_credit_code(key)


def bind_subject(session: Session, *, actor: Actor, username: str, key: str) -> SubjectBinding:
    """Bind ``username`` to his ID number or its credit code (replacing an earlier key).

    Raises:
        PermissionDeniedError (no ``privacy.bind``); BindingUserNotFoundError;
        InvalidSubjectKeyError.
    """
    ensure_permission(actor, PrivacyPermission.bind)
    kind = subject_kind_of(key)
    cleaned = key.strip().upper()
    user = identity_service.find_user_by_username(session, username.strip())
    if user is None:
        raise BindingUserNotFoundError(f"用户 {username} 不存在", username=username)
    binding = session.scalars(
        select(SubjectBinding).where(SubjectBinding.user_id == user.id)
    ).one_or_none()
    before = (binding.kind.value, mask_key(binding.subject_key, binding.kind)) if binding else None
    if binding is None:
        binding = SubjectBinding(user_id=user.id, subject_key=cleaned, kind=kind)
        session.add(binding)
    binding.subject_key = cleaned
    binding.kind = kind
    binding.bound_by_name = actor.name
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="privacy.binding.set",
        subject=binding,
        changes={
            "user": user.username,
            "binding": [list(before) if before else None, [kind.value, mask_key(cleaned, kind)]],
        },
    )
    return binding


def binding_for_user(session: Session, user_id: UUID) -> SubjectBinding | None:
    """The user's binding, if any (for the platform's own use: demo, login)."""
    return session.scalars(
        select(SubjectBinding).where(SubjectBinding.user_id == user_id)
    ).one_or_none()


def binding_of(session: Session, actor: Actor) -> SubjectBinding:
    """The signed-in user's binding: whose data "my data" shows.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; NoSubjectBindingError (not a
        person's account, or not bound yet).
    """
    ensure_authenticated(actor)
    ensure_permission(actor, PrivacyPermission.own_data)
    binding = (
        session.scalars(
            select(SubjectBinding).where(SubjectBinding.user_id == actor.id)
        ).one_or_none()
        if actor.kind is ActorKind.user and actor.id is not None
        else None
    )
    if binding is None:
        raise NoSubjectBindingError(
            "本账号尚未绑定公民身份号码或统一社会信用代码，无法确认您的身份，"
            "因此不能显示个人数据。请通过实名认证登录，或联系平台管理员办理绑定。"
        )
    return binding


# ---------------------------------------------------------------- my data


def _tables_holding(session: Session, binding: SubjectBinding) -> list[tuple[Any, Any]]:
    """(table, record) for each base-data table keyed by the subject's kind of key that
    holds a record of the subject."""
    rules = KEY_RULES[binding.kind]
    found: list[tuple[Any, Any]] = []
    for table in base_data_service.list_tables(session, actor=SYSTEM):
        keys = [f for f in table.fields if f.is_key and not f.retired]
        if len(keys) != 1 or keys[0].rule.value not in rules:
            continue
        reader = base_data_service.RecordReader(session, actor=SYSTEM, table=table.id)
        try:
            record = reader.get(binding.subject_key)
        except (RecordNotFoundError, InvalidKeyError):
            continue
        found.append((table, record))
    return found


_IDENTIFIES: dict[SubjectKind, Identifies] = {
    SubjectKind.citizen: Identifies.person,
    SubjectKind.enterprise: Identifies.legal_entity,
}


def _catalog_holdings(session: Session, binding: SubjectBinding) -> list[HeldResource]:
    """Published catalog resources with an item identifying a subject of the binding's
    kind, other than base-data tables: those were read by key, so they are listed with
    their values when they hold the subject's record and hold nothing of his otherwise."""
    tables = {
        getattr(table, "entry_id", None)
        for table in base_data_service.list_tables(session, actor=SYSTEM)
    }
    identifies = _IDENTIFIES[binding.kind]
    return [
        HeldResource(
            resource_code=entry.resource_code,
            name=entry.name,
            provider_name=entry.provider.name,
            update_cycle=UPDATE_CYCLE_LABELS[entry.update_cycle],
            updated_at=entry.published_at,
            items=[
                item.name
                for item in sorted(entry.items, key=lambda i: i.position)
                if item.identifies is identifies or item.is_personal
            ],
        )
        for entry in catalog_service.published_entries_identifying(session, identifies)
        if entry.id not in tables
    ]


def my_records(session: Session, *, actor: Actor) -> MyRecordsRead:
    """The base-data records the platform holds about the signed-in subject, each value
    with its source department and last update, and the catalog's other resources on
    subjects of his kind with their provider department, update cycle and last update
    (Art. 68).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; NoSubjectBindingError.
    """
    binding = binding_of(session, actor)
    records: list[HeldRecord] = []
    for table, record in _tables_holding(session, binding):
        values = getattr(record, "values", {})
        records.append(
            HeldRecord(
                table_name=str(getattr(table, "table_name", "")),
                table_title=str(getattr(table, "name", "")),
                base_database=str(getattr(table, "base_database", "")),
                provider_name=str(getattr(getattr(table, "provider", None), "name", "")),
                values=[
                    HeldValue(
                        field=name,
                        value=value.value,
                        source_name=value.source_name,
                        updated_at=value.updated_at,
                    )
                    for name, value in values.items()
                ],
            )
        )
    return MyRecordsRead(
        kind=binding.kind,
        subject_key_masked=mask_key(binding.subject_key, binding.kind),
        records=records,
        resources=_catalog_holdings(session, binding),
    )


def _start_of(day: date) -> datetime:
    """00:00 of ``day`` in Beijing, as an aware instant."""
    return datetime.combine(day, time.min, tzinfo=CHINA)


def _concealed(session: Session, subject_key: str) -> list[ConcealedAccess]:
    """The deferrals in force today that apply to ``subject_key``, each hiding the calls
    made from 00:00 (Beijing) of its start date on."""
    rows = session.scalars(
        select(AccessDeferral).where(
            AccessDeferral.ends_on >= today_in_china(),
            or_(AccessDeferral.subject_key == "", AccessDeferral.subject_key == subject_key),
        )
    )
    return [
        ConcealedAccess(
            organization_id=d.organization_id,
            grant_id=d.grant_id,
            case_reference=d.case_reference,
            since=_start_of(d.starts_on),
        )
        for d in rows
    ]


def my_calls(session: Session, *, actor: Actor, page: PageParams) -> Page[MyCallRead]:
    """Who looked at my data: every exchange call that touched the subject's key, and
    every successful file extract of a table holding the subject's record, newest first;
    calls under a lawful deferral in force are left out until it ends (Art. 68).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; NoSubjectBindingError.
    """
    binding = binding_of(session, actor)
    resources = [
        str(getattr(table, "table_name", "")) for table, _ in _tables_holding(session, binding)
    ]
    calls = sharing_service.subject_calls(
        session,
        binding.subject_key,
        resources=resources,
        concealed=_concealed(session, binding.subject_key),
        page=page,
    )
    return calls.map(
        lambda call: MyCallRead(
            occurred=call.occurred,
            organization_name=call.organization_name or "（单位不详）",
            operation=call.operation,
            operation_label=(
                BULK_LABEL
                if call.bulk
                else QUERY_MODE_LABELS.get(QueryMode(call.operation), call.operation)
                if call.operation in QueryMode.__members__
                else OTHER_OPERATION_LABELS.get(call.operation, call.operation)
            ),
            resource=call.resource,
            purpose=call.purpose,
            scenario=call.scenario,
            case_reference=call.case_reference,
            result=call.result,
            result_label=RESULT_OK if call.result == "ok" else RESULT_REFUSED,
            bulk=call.bulk,
        )
    )


# ---------------------------------------------------------------- lawful deferrals


def _one_year_after(day: date) -> date:
    return day + timedelta(days=MAX_DEFERRAL_DAYS)


def _read(deferral: AccessDeferral, organization_name: str, citation: str) -> DeferralRead:
    key = deferral.subject_key
    return DeferralRead(
        id=deferral.id,
        organization_id=deferral.organization_id,
        organization_name=organization_name,
        grant_id=deferral.grant_id,
        case_reference=deferral.case_reference,
        subject_key_masked=mask_key(key, subject_kind_of(key)) if key else "",
        legal_basis_id=deferral.legal_basis_id,
        legal_basis_citation=citation,
        starts_on=deferral.starts_on,
        ends_on=deferral.ends_on,
        active=deferral.ends_on >= today_in_china(),
        reason=deferral.reason,
        created_by_name=deferral.created_by_name,
        created_at=deferral.created_at,
    )


def create_deferral(session: Session, *, actor: Actor, data: DeferralCreate) -> DeferralRead:
    """Record a lawful deferral: the organization's matching calls made from
    ``starts_on`` (default today; Beijing dates) stay hidden from the data subjects
    through ``ends_on``, then appear by themselves. Calls before the start are not
    hidden: reaching back is an explicit, audited earlier start under the same basis.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError (no ``privacy.defer``);
        InvalidDeferralError: no organization, legal basis or end date; an unknown or
        repealed basis; an end date in the past or more than a year ahead; a start after
        the end date; a grant not of that organization; an invalid subject key.
    """
    ensure_permission(actor, PrivacyPermission.defer)
    if data.organization_id is None:
        raise InvalidDeferralError("请选择被延迟告知的单位", field="organization_id")
    if data.legal_basis_id is None:
        raise InvalidDeferralError("延迟告知必须载明法律依据", field="legal_basis_id")
    if data.ends_on is None:
        raise InvalidDeferralError("延迟告知必须载明截止日期", field="ends_on")
    today = today_in_china()
    if data.ends_on < today:
        raise InvalidDeferralError("截止日期不能早于今天", field="ends_on")
    if data.ends_on > _one_year_after(today):
        raise InvalidDeferralError(
            f"延迟告知最长一年（{MAX_DEFERRAL_DAYS} 天）；期满仍需延迟的，请重新登记",
            field="ends_on",
        )
    starts_on = data.starts_on or today
    if starts_on > data.ends_on:
        raise InvalidDeferralError("开始日期不能晚于截止日期", field="starts_on")
    try:
        organization = registry_service.get_organization(
            session, actor=actor, organization_id=data.organization_id
        )
    except NotFoundError as error:
        raise InvalidDeferralError("单位不存在", field="organization_id") from error
    try:
        basis = registry_service.get_legal_basis(
            session, actor=actor, legal_basis_id=data.legal_basis_id
        )
    except NotFoundError as error:
        raise InvalidDeferralError("法律依据不在登记的依据库中", field="legal_basis_id") from error
    if basis.repealed_date is not None and basis.repealed_date <= today:
        raise InvalidDeferralError("该法律依据已废止", field="legal_basis_id")
    if data.grant_id is not None:
        try:
            grant = sharing_service.get_grant(session, actor=actor, grant_id=data.grant_id)
        except NotFoundError as error:
            raise InvalidDeferralError("共享授权不存在", field="grant_id") from error
        if grant.consumer_organization_id != organization.id:
            raise InvalidDeferralError("该共享授权不属于所选单位", field="grant_id")
    subject_key = data.subject_key.strip().upper()
    if subject_key:
        try:
            subject_kind_of(subject_key)
        except InvalidSubjectKeyError as error:
            raise InvalidDeferralError(
                "数据主体应为有效的公民身份号码或统一社会信用代码", field="subject_key"
            ) from error
    deferral = AccessDeferral(
        organization_id=organization.id,
        grant_id=data.grant_id,
        case_reference=data.case_reference.strip(),
        subject_key=subject_key,
        legal_basis_id=basis.id,
        starts_on=starts_on,
        ends_on=data.ends_on,
        reason=data.reason.strip(),
        created_by_name=actor.name,
    )
    session.add(deferral)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="privacy.deferral.created",
        subject=deferral,
        changes={
            "organization": organization.name,
            "grant_id": str(data.grant_id) if data.grant_id else "",
            "case_reference": deferral.case_reference,
            "subject": mask_key(subject_key, subject_kind_of(subject_key)) if subject_key else "",
            "legal_basis": basis.citation,
            "starts_on": deferral.starts_on.isoformat(),
            "ends_on": deferral.ends_on.isoformat(),
        },
        organization_id=organization.id,
    )
    return _read(deferral, organization.name, basis.citation)


def end_deferral(session: Session, *, actor: Actor, deferral_id: UUID, reason: str) -> DeferralRead:
    """End a deferral early, when its ground has lapsed (the investigation is closed):
    the calls it hid appear to the data subjects from today (Art. 68). Its end date
    becomes yesterday; the date it had and the reason are kept in the audit log.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError (no ``privacy.defer``);
        InvalidDeferralError: no reason; DeferralNotFoundError; DeferralEndedError.
    """
    ensure_permission(actor, PrivacyPermission.defer)
    reason = reason.strip()
    if not reason:
        raise InvalidDeferralError("请说明提前结束延迟告知的理由", field="reason")
    deferral = session.scalars(
        select(AccessDeferral)
        .options(
            selectinload(AccessDeferral.organization), selectinload(AccessDeferral.legal_basis)
        )
        .where(AccessDeferral.id == deferral_id)
    ).one_or_none()
    if deferral is None:
        raise DeferralNotFoundError(deferral_id=str(deferral_id))
    today = today_in_china()
    if deferral.ends_on < today:
        raise DeferralEndedError(f"该延迟告知已于 {deferral.ends_on.isoformat()} 结束")
    before = deferral.ends_on
    deferral.ends_on = today - timedelta(days=1)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="privacy.deferral.ended",
        subject=deferral,
        changes={
            "ends_on": [before.isoformat(), deferral.ends_on.isoformat()],
            "reason": reason,
        },
        organization_id=deferral.organization_id,
    )
    return _read(deferral, deferral.organization.name, deferral.legal_basis.citation)


def list_deferrals(session: Session, *, actor: Actor) -> list[DeferralRead]:
    """Every deferral, those in force first, then by end date (newest first).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError (no ``privacy.read_deferrals``).
    """
    ensure_permission(actor, PrivacyPermission.read_deferrals)
    rows = session.scalars(
        select(AccessDeferral)
        .options(
            selectinload(AccessDeferral.organization), selectinload(AccessDeferral.legal_basis)
        )
        .order_by(AccessDeferral.ends_on.desc(), AccessDeferral.created_at.desc())
    ).all()
    out = [_read(d, d.organization.name, d.legal_basis.citation) for d in rows]
    return sorted(out, key=lambda d: not d.active)
