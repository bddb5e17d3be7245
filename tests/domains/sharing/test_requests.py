"""Share requests (Art. 27): the three paths, the working-day clock, refusals that cite
a registered basis, partial grants, withdrawal, escalation, grants' lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from smartcity.core.config import SharingSettings
from smartcity.core.errors import PermissionDeniedError
from smartcity.core.security import Actor
from smartcity.core.time import CHINA, freeze_time
from smartcity.domains.audit import service as audit_service
from smartcity.domains.catalog.enums import ShareType
from smartcity.domains.catalog.models import CatalogEntry
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing.enums import GrantState, QueryMode, RequestState
from smartcity.domains.sharing.errors import (
    GrantRevokedError,
    InvalidShareRequestError,
    NotYourRequestError,
    OwnResourceError,
    RefusalBasisRequiredError,
    RequestStateError,
    ShareRequestNotFoundError,
)
from smartcity.domains.sharing.models import ShareRequest
from smartcity.domains.sharing.schemas import ShareRequestCreate
from tests.factories.catalog import catalog_coordinator, citizen, make_legal_basis, provider_of
from tests.factories.sharing import department_staff, make_department, make_shared_entry


def _end_of(year: int, month: int, day: int) -> datetime:
    """24:00 of a day in Jining, as the calendar gives a deadline."""
    return datetime(year, month, day, 23, 59, 59, 999999, tzinfo=CHINA)


# Friday 6 March 2026, 10:00 in Jining
FRIDAY = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
# Thursday 24 September 2026, before the Mid-Autumn and National Day holidays
BEFORE_HOLIDAYS = datetime(2026, 9, 24, 2, 0, tzinfo=UTC)
SETTINGS = SharingSettings()  # the regulation's 2 and 10 working days, reminded 1 before


def _submit(session: Session, entry: CatalogEntry, actor: Actor, **values: Any) -> ShareRequest:
    data: dict[str, Any] = {
        "entry_id": entry.id,
        "items": ["姓名", "公民身份号码"],
        "purpose": "核验申请人身份",
        "scenario": "居住证办理",
        "query_modes": [QueryMode.lookup],
        "requested_months": 12,
        "expected_volume": 500,
    }
    data.update(values)
    return sharing_service.submit_request(
        session, actor=actor, data=ShareRequestCreate.model_validate(data), settings=SETTINGS
    )


def _state(request: ShareRequest) -> RequestState:
    return request.state  # read afresh (mypy narrows attributes across calls)


@pytest.fixture
def consumer(session: Session) -> Organization:
    return make_department(session)


@pytest.fixture
def requester(session: Session, consumer: Organization) -> Actor:
    return department_staff(session, consumer)


@pytest.fixture
def coordinator(session: Session) -> Actor:
    return catalog_coordinator(session)


def _provider_admin(session: Session, entry: CatalogEntry) -> Actor:
    return department_staff(session, provider_of(session, entry), Role.org_admin)


def test_unconditional_path_grants_after_the_check_and_notifies_the_provider(
    session: Session, requester: Actor, coordinator: Actor
) -> None:
    entry = make_shared_entry(session, share_type=ShareType.unconditional)
    with freeze_time(FRIDAY):
        request = _submit(session, entry, requester)
        assert request.number.startswith("GX-2026-")
        assert _state(request) is RequestState.compliance_check
        # two working days after Friday: Monday and Tuesday, to 24:00 in Jining
        assert request.check_due_at == _end_of(2026, 3, 10)
        clock = sharing_service.request_clock(session, request, settings=SETTINGS)
        assert clock.label == "剩余 2 个工作日"
        sharing_service.check_request(
            session,
            actor=coordinator,
            request_id=request.id,
            passed=True,
            opinion="符合",
            settings=SETTINGS,
        )
    assert _state(request) is RequestState.granted
    assert request.granted_items == ["姓名", "公民身份号码"]
    page = sharing_service.list_grants(
        session,
        actor=requester,
        filters=sharing_service_filters(),
        page=_page(),
    )
    (grant,) = page.items
    assert grant.number.startswith("SQ-2026-")
    assert grant.items == ["姓名", "公民身份号码"]
    assert grant.clearance_rank == 3  # G2 and G3 granted
    assert grant.personal_clear is False
    assert grant.rate_per_minute == 600
    assert grant.valid_until == datetime(2027, 3, 6, 2, 0, tzinfo=UTC)
    assert audit_service.actions_for(session, subject_id=request.id) == [
        "sharing.request.submitted",
        "sharing.request.checked",
    ]
    assert audit_service.actions_for(session, subject_id=grant.id) == ["sharing.grant.created"]
    assert "sharing.provider.notified" in audit_service.actions_for(
        session, subject_id=entry.provider_organization_id
    )


def sharing_service_filters(**values: Any) -> Any:
    from smartcity.domains.sharing.schemas import GrantFilter

    return GrantFilter.model_validate(values)


def _page() -> Any:
    from smartcity.core.pagination import PageParams

    return PageParams(page=1, size=20)


def test_not_shared_entry_is_refused_at_once_with_its_legal_basis(
    session: Session, requester: Actor
) -> None:
    entry = make_shared_entry(session, share_type=ShareType.none)
    request = _submit(session, entry, requester)
    assert _state(request) is RequestState.refused
    assert request.refusal_basis_id is not None
    assert request.closed_at is not None
    assert audit_service.actions_for(session, subject_id=request.id) == [
        "sharing.request.submitted",
        "sharing.request.refused",
    ]
    (count,) = [
        c
        for c in sharing_service.refusals_by_basis(session)
        if c.legal_basis_id == request.refusal_basis_id
    ]
    assert count.refusals == 1
    counts = sharing_service.refusals_by_basis(session)
    total = sum(c.refusals for c in counts)
    assert count.share == round(1 / total, 4)
    assert sum(c.share for c in counts) == pytest.approx(1, abs=0.001)


def test_conditional_path_across_the_holidays_and_a_partial_answer(
    session: Session, requester: Actor, coordinator: Actor
) -> None:
    entry = make_shared_entry(session, share_type=ShareType.conditional)
    basis = make_legal_basis(session)
    with freeze_time(BEFORE_HOLIDAYS):
        request = _submit(session, entry, requester, items=["姓名", "公民身份号码", "住址"])
    # 25–27 September is the Mid-Autumn holiday: Monday 28 and Tuesday 29
    assert request.check_due_at == _end_of(2026, 9, 29)
    with freeze_time(datetime(2026, 9, 29, 2, 0, tzinfo=UTC)):
        sharing_service.check_request(
            session, actor=coordinator, request_id=request.id, passed=True, settings=SETTINGS
        )
    assert _state(request) is RequestState.provider_review
    # 30 Sep, (National Day 1–7 Oct), 8, 9, Saturday 10 (make-up), 12–16, 19 October
    assert request.answer_due_at == _end_of(2026, 10, 19)
    admin = _provider_admin(session, entry)
    with freeze_time(datetime(2026, 10, 8, 2, 0, tzinfo=UTC)):
        assert (
            sharing_service.request_clock(session, request, settings=SETTINGS).label
            == "剩余 8 个工作日"
        )
        with pytest.raises(RefusalBasisRequiredError):
            sharing_service.answer_request(
                session,
                actor=admin,
                request_id=request.id,
                granted_items=["姓名"],
                opinion="住址不宜共享",
            )
        sharing_service.answer_request(
            session,
            actor=admin,
            request_id=request.id,
            granted_items=["姓名", "公民身份号码"],
            opinion="住址不宜共享",
            refusal_basis_id=basis.id,
        )
    assert _state(request) is RequestState.partially_granted
    assert request.granted_items == ["姓名", "公民身份号码"]
    assert request.refusal_basis_id == basis.id
    assert audit_service.actions_for(session, subject_id=request.id) == [
        "sharing.request.submitted",
        "sharing.request.checked",
        "sharing.request.answered",
    ]


def test_refusal_needs_a_registered_basis(
    session: Session, requester: Actor, coordinator: Actor
) -> None:
    entry = make_shared_entry(session, share_type=ShareType.conditional)
    request = _submit(session, entry, requester)
    with pytest.raises(RefusalBasisRequiredError) as error:
        sharing_service.check_request(
            session,
            actor=coordinator,
            request_id=request.id,
            passed=False,
            opinion="理由充分",
            settings=SETTINGS,
        )
    assert "法律法规依据" in str(error.value.detail)
    with pytest.raises(RefusalBasisRequiredError):
        sharing_service.check_request(
            session,
            actor=coordinator,
            request_id=request.id,
            passed=False,
            basis_id=entry.id,  # not a registered basis
            settings=SETTINGS,
        )
    basis = make_legal_basis(session)
    sharing_service.check_request(
        session,
        actor=coordinator,
        request_id=request.id,
        passed=False,
        basis_id=basis.id,
        settings=SETTINGS,
    )
    assert _state(request) is RequestState.refused
    assert request.refusal_basis_id == basis.id


def test_provider_refuses_everything_with_a_basis(
    session: Session, requester: Actor, coordinator: Actor
) -> None:
    entry = make_shared_entry(session, share_type=ShareType.conditional)
    request = _submit(session, entry, requester)
    sharing_service.check_request(
        session, actor=coordinator, request_id=request.id, passed=True, settings=SETTINGS
    )
    admin = _provider_admin(session, entry)
    with pytest.raises(RefusalBasisRequiredError):
        sharing_service.answer_request(
            session, actor=admin, request_id=request.id, granted_items=[]
        )
    basis = make_legal_basis(session)
    sharing_service.answer_request(
        session, actor=admin, request_id=request.id, granted_items=[], refusal_basis_id=basis.id
    )
    assert _state(request) is RequestState.refused
    assert request.granted_items == []


def test_request_rules(session: Session, requester: Actor, consumer: Organization) -> None:
    entry = make_shared_entry(session)
    with pytest.raises(InvalidShareRequestError):
        _submit(session, entry, requester, items=["不存在的项"])
    own = make_shared_entry(session, provider=consumer)
    with pytest.raises(OwnResourceError):
        _submit(session, own, requester)
    with pytest.raises(PermissionDeniedError):
        _submit(session, entry, citizen(session))
    other = make_department(session)
    with pytest.raises(NotYourRequestError):
        _submit(session, entry, requester, consumer_organization_id=other.id)


def test_coordinator_may_request_for_another_department(
    session: Session, coordinator: Actor, consumer: Organization
) -> None:
    entry = make_shared_entry(session)
    request = _submit(session, entry, coordinator, consumer_organization_id=consumer.id)
    assert request.consumer_organization_id == consumer.id


def test_only_the_provider_answers(
    session: Session, requester: Actor, coordinator: Actor, consumer: Organization
) -> None:
    entry = make_shared_entry(session, share_type=ShareType.conditional)
    request = _submit(session, entry, requester)
    sharing_service.check_request(
        session, actor=coordinator, request_id=request.id, passed=True, settings=SETTINGS
    )
    stranger = department_staff(session, make_department(session), Role.org_admin)
    with pytest.raises(ShareRequestNotFoundError):
        sharing_service.answer_request(
            session, actor=stranger, request_id=request.id, granted_items=["姓名"]
        )
    consumer_admin = department_staff(session, consumer, Role.org_admin)
    with pytest.raises(NotYourRequestError):
        sharing_service.answer_request(
            session, actor=consumer_admin, request_id=request.id, granted_items=["姓名"]
        )
    with pytest.raises(PermissionDeniedError):
        sharing_service.check_request(
            session, actor=requester, request_id=request.id, passed=True, settings=SETTINGS
        )


def test_withdraw(session: Session, requester: Actor) -> None:
    entry = make_shared_entry(session)
    request = _submit(session, entry, requester)
    sharing_service.withdraw_request(
        session, actor=requester, request_id=request.id, reason="不再需要"
    )
    assert _state(request) is RequestState.withdrawn
    with pytest.raises(RequestStateError):
        sharing_service.withdraw_request(session, actor=requester, request_id=request.id)
    assert audit_service.actions_for(session, subject_id=request.id)[-1] == (
        "sharing.request.withdrawn"
    )


def test_escalation_and_order_to_supply(
    session: Session, requester: Actor, coordinator: Actor
) -> None:
    entry = make_shared_entry(session, share_type=ShareType.conditional)
    with freeze_time(FRIDAY):
        request = _submit(session, entry, requester)
        sharing_service.check_request(
            session, actor=coordinator, request_id=request.id, passed=True, settings=SETTINGS
        )
    # ten working days after Friday 6 March: Friday 20 March
    assert request.answer_due_at == _end_of(2026, 3, 20)
    on_time = sharing_service.escalate_overdue(
        session, now=datetime(2026, 3, 20, 15, 0, tzinfo=UTC)
    )
    assert request not in on_time
    late = datetime(2026, 3, 24, 2, 0, tzinfo=UTC)  # Tuesday: two working days late
    assert request in sharing_service.escalate_overdue(session, now=late)
    assert _state(request) is RequestState.escalated
    assert request.escalated_at == late
    clock = sharing_service.request_clock(session, request, now=late, settings=SETTINGS)
    assert clock.overdue
    assert clock.working_days_left == -2
    assert clock.label == "已逾期 2 个工作日，主管部门协调中"
    sharing_service.order_supply(
        session, actor=coordinator, request_id=request.id, opinion="非因法定事由不得拒绝"
    )
    assert _state(request) is RequestState.granted
    assert audit_service.actions_for(session, subject_id=request.id) == [
        "sharing.request.submitted",
        "sharing.request.checked",
        "sharing.request.escalated",
        "sharing.request.ordered",
    ]


def test_revoke_and_renew(session: Session, requester: Actor, coordinator: Actor) -> None:
    entry = make_shared_entry(session)
    with freeze_time(FRIDAY):
        request = _submit(session, entry, requester, legal_basis_id=make_legal_basis(session).id)
        sharing_service.check_request(
            session, actor=coordinator, request_id=request.id, passed=True, settings=SETTINGS
        )
        grant = sharing_service.list_grants(
            session, actor=requester, filters=sharing_service_filters(), page=_page()
        ).items[0]
        assert grant.personal_clear is True
        with pytest.raises(NotYourRequestError):
            sharing_service.renew_grant(session, actor=requester, grant_id=grant.id, months=6)
        admin = _provider_admin(session, entry)
        sharing_service.renew_grant(session, actor=admin, grant_id=grant.id, months=6)
    assert grant.valid_until == datetime(2027, 9, 6, 2, 0, tzinfo=UTC)
    sharing_service.revoke_grant(session, actor=coordinator, grant_id=grant.id, reason="用途变更")
    assert grant.state is GrantState.revoked
    with pytest.raises(GrantRevokedError):
        sharing_service.renew_grant(session, actor=coordinator, grant_id=grant.id, months=6)
    assert audit_service.actions_for(session, subject_id=grant.id) == [
        "sharing.grant.created",
        "sharing.grant.renewed",
        "sharing.grant.revoked",
    ]


def test_lists_by_role(session: Session, requester: Actor, coordinator: Actor) -> None:
    from smartcity.domains.sharing.schemas import ShareRequestFilter

    entry = make_shared_entry(session, share_type=ShareType.conditional)
    request = _submit(session, entry, requester)
    admin = _provider_admin(session, entry)

    def ids(actor: Actor, **values: Any) -> list[Any]:
        page = sharing_service.list_requests(
            session, actor=actor, filters=ShareRequestFilter.model_validate(values), page=_page()
        )
        return [r.id for r in page.items]

    assert ids(requester, role="made") == [request.id]
    assert ids(requester, role="received") == []
    assert ids(admin, role="received") == [request.id]
    assert request.id in ids(coordinator, role="all", state="compliance_check")
    stranger = department_staff(session, make_department(session))
    assert ids(stranger, role="all") == []
    with pytest.raises(ShareRequestNotFoundError):
        sharing_service.get_request(session, actor=stranger, request_id=request.id)


def test_escalation_task(database: Any) -> None:
    from smartcity.domains.sharing import tasks

    assert isinstance(tasks.escalate_overdue(database, now=FRIDAY), list)
