"""Pages of share requests and grants: queues, the request form, the coordinator's check,
the provider's answer, grants and refusal statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings, SharingSettings
from smartcity.core.pagination import PageParams
from smartcity.core.time import CHINA, freeze_time
from smartcity.domains.catalog.enums import ShareType
from smartcity.domains.catalog.models import CatalogEntry
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing.enums import RequestState
from smartcity.domains.sharing.models import ShareRequest
from smartcity.domains.sharing.schemas import (
    GrantFilter,
    RequestRole,
    ShareRequestCreate,
    ShareRequestFilter,
)
from tests.factories.catalog import make_legal_basis, provider_of
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization
from tests.factories.sharing import department_staff, make_department, make_shared_entry

HTML = {"accept": "text/html"}
# Friday 6 March 2026, 10:00 in Jining
FRIDAY = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)


def _as(
    client: TestClient,
    session: Session,
    settings: Settings,
    role: Role,
    organization: Organization | None = None,
) -> None:
    if role is Role.coordinator:
        organization = coordinator_organization(session)
    login(client, session, make_user(session, organization=organization, roles=[role]), settings)


def _form(entry: CatalogEntry, **values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "entry_id": str(entry.id),
        "items": ["姓名", "住址"],
        "purpose": "核验申请人身份和居住地址",
        "scenario": "居住证办理",
        "query_modes": ["lookup"],
        "requested_months": "6",
        "expected_volume": "1000",
    }
    data.update(values)
    return data


def _state(request: ShareRequest) -> RequestState:
    return request.state  # read afresh (mypy narrows attributes across calls)


def _made_by(session: Session, consumer: Organization) -> list[ShareRequest]:
    actor = department_staff(session, consumer)
    page = sharing_service.list_requests(
        session,
        actor=actor,
        filters=ShareRequestFilter(role=RequestRole.made),
        page=PageParams(page=1, size=50),
    )
    return list(page.items)


class TestAccess:
    def test_anonymous_visitors_are_sent_to_login(self, client: TestClient) -> None:
        for path in ("/sharing", "/sharing/new", "/sharing/grants", "/sharing/refusals"):
            response = client.get(path, headers=HTML, follow_redirects=False)
            assert response.status_code == 303, (path, response.text)
            assert response.headers["location"].startswith("/login?next=")

    def test_citizens_are_refused(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.citizen)
        for path in ("/sharing", "/sharing/new", "/sharing/grants", "/sharing/refusals"):
            response = client.get(path, headers=HTML)
            assert response.status_code == 403, (path, response.text)
        assert "数据共享" not in client.get("/calendar", headers=HTML).text

    def test_auditor_reads_everything_but_requests_nothing(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.auditor, make_department(session))
        page = client.get("/sharing")
        assert page.status_code == 200, page.text
        assert "全部申请" in page.text
        assert "待审查" not in page.text
        assert client.get("/sharing/grants").status_code == 200
        assert client.get("/sharing/refusals").status_code == 200
        assert client.get("/sharing/new").status_code == 403


class TestRequestForm:
    def test_department_submits_a_request(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        entry = make_shared_entry(session, share_type=ShareType.conditional)
        consumer = make_department(session)
        _as(client, session, settings, Role.org_staff, consumer)
        page = client.get("/sharing/new", params={"entry": str(entry.id)})
        assert page.status_code == 200, page.text
        assert "公民身份号码" in page.text
        assert 'name="csrf_token"' in page.text
        assert "数据共享" in page.text  # the nav link

        response = client.post("/sharing/new", data=_form(entry), follow_redirects=False)

        assert response.status_code == 303, response.text
        [created] = _made_by(session, consumer)
        assert response.headers["location"] == f"/sharing/requests/{created.id}?done=submitted"
        assert created.items == ["姓名", "住址"]
        assert created.state is RequestState.compliance_check
        detail = client.get(response.headers["location"])
        assert "共享申请已提交" in detail.text
        assert "剩余 2 个工作日" in detail.text or "剩余" in detail.text
        mine = client.get("/sharing")
        assert created.number in mine.text
        assert "合规审查中" in mine.text

    def test_errors_are_shown_in_chinese_and_nothing_is_saved(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        entry = make_shared_entry(session)
        consumer = make_department(session)
        _as(client, session, settings, Role.org_staff, consumer)

        missing = client.post("/sharing/new", data=_form(entry, scenario="", items=[]))
        assert missing.status_code == 422, missing.text
        assert "必填" in missing.text
        assert "至少选择 1 项" in missing.text

        months = client.post("/sharing/new", data=_form(entry, requested_months="99"))
        assert months.status_code == 422
        assert "不能大于 36" in months.text

        own = make_shared_entry(session, provider=consumer)
        mine = client.post("/sharing/new", data=_form(own))
        assert mine.status_code == 422
        assert "无需申请" in mine.text
        assert _made_by(session, consumer) == []

    def test_without_an_entry_the_form_offers_shareable_entries(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.org_staff, make_department(session))
        page = client.get("/sharing/new")
        assert page.status_code == 200, page.text
        assert "选择资源" in page.text
        fragment = client.get("/sharing/new", params={"q": "x"}, headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        assert 'id="entry-results"' in fragment.text
        assert "<html" not in fragment.text


class TestDecisions:
    def _submitted(
        self, client: TestClient, session: Session, settings: Settings
    ) -> tuple[CatalogEntry, Organization, ShareRequest]:
        entry = make_shared_entry(session, share_type=ShareType.conditional)
        consumer = make_department(session)
        _as(client, session, settings, Role.org_staff, consumer)
        client.post("/sharing/new", data=_form(entry), follow_redirects=False)
        [request] = _made_by(session, consumer)
        return entry, consumer, request

    def test_check_and_partial_answer_through_the_pages(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        entry, consumer, request = self._submitted(client, session, settings)
        url = f"/sharing/requests/{request.id}"
        # the requester cannot check
        assert "合规审查</h2>" not in client.get(url).text
        assert client.post(f"{url}/check", data={"passed": "1"}).status_code == 403

        _as(client, session, settings, Role.coordinator)
        queue = client.get("/sharing")
        assert request.number in queue.text
        assert "待审查" in queue.text
        assert "审查通过" in client.get(url).text
        response = client.post(
            f"{url}/check", data={"passed": "1", "opinion": "用途明确"}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        session.refresh(request)
        assert request.state is RequestState.provider_review

        _as(client, session, settings, Role.org_admin, provider_of(session, entry))
        queue = client.get("/sharing")
        assert request.number in queue.text
        assert "待答复" in queue.text
        page = client.get(url)
        assert "提交答复" in page.text
        basis = make_legal_basis(session, title="《济宁市户籍信息管理规定》")

        # A partial answer without a basis: the Chinese error, nothing changed.
        refused = client.post(f"{url}/answer", data={"granted_items": ["姓名"], "opinion": "x"})
        assert refused.status_code == 422, refused.text
        assert "必须引用已登记的法律法规依据" in refused.text
        session.refresh(request)
        assert request.state is RequestState.provider_review
        assert request.answered_at is None

        answered = client.post(
            f"{url}/answer",
            data={
                "granted_items": ["姓名"],
                "refusal_basis_id": str(basis.id),
                "opinion": "住址不予共享",
            },
            follow_redirects=False,
        )
        assert answered.status_code == 303, answered.text
        session.refresh(request)
        assert _state(request) is RequestState.partially_granted
        assert request.granted_items == ["姓名"]

        _as(client, session, settings, Role.org_staff, consumer)
        page = client.get(url)
        assert "部分同意共享" in page.text
        assert "《济宁市户籍信息管理规定》" in page.text
        assert 'id="clock"' not in page.text
        grants = client.get("/sharing/grants")
        assert grants.status_code == 200
        assert "本部门获得的授权" in grants.text
        assert "姓名" in grants.text
        assert "撤销理由" not in grants.text  # the consumer cannot revoke
        refusals = client.get("/sharing/refusals")
        assert "《济宁市户籍信息管理规定》" in refusals.text
        assert "<th>占比</th>" in refusals.text or ">占比<" in refusals.text
        row = refusals.text.split("《济宁市户籍信息管理规定》", 1)[1].split("</tr>", 1)[0]
        assert row.count("<td>") == 2  # its count and its share
        assert "%" in row

    def test_failed_check_without_basis_changes_nothing(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _, _, request = self._submitted(client, session, settings)
        url = f"/sharing/requests/{request.id}"
        _as(client, session, settings, Role.coordinator)
        response = client.post(f"{url}/check", data={"passed": "0", "opinion": "用途不明确"})
        assert response.status_code == 422, response.text
        assert "必须引用已登记的法律法规依据" in response.text
        assert "用途不明确" in response.text  # what was typed stays on the form
        session.refresh(request)
        assert request.state is RequestState.compliance_check
        assert request.checked_at is None
        assert request.check_opinion == ""

        basis = make_legal_basis(session)
        response = client.post(
            f"{url}/check",
            data={"passed": "0", "opinion": "用途不明确", "basis_id": str(basis.id)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        session.refresh(request)
        assert _state(request) is RequestState.refused

    def test_requester_withdraws(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _, _, request = self._submitted(client, session, settings)
        url = f"/sharing/requests/{request.id}"
        assert "撤回申请" in client.get(url).text
        response = client.post(f"{url}/withdraw", data={"reason": "不再需要"})
        assert response.status_code == 200, response.text  # followed to the page
        assert "共享申请已撤回" in response.text
        session.refresh(request)
        assert request.state is RequestState.withdrawn

    def test_other_departments_do_not_see_the_request(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _, _, request = self._submitted(client, session, settings)
        _as(client, session, settings, Role.org_admin, make_department(session))
        assert client.get(f"/sharing/requests/{request.id}").status_code == 404


class TestGrants:
    def test_provider_renews_and_revokes(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        entry = make_shared_entry(session)
        consumer = make_department(session)
        _as(client, session, settings, Role.org_staff, consumer)
        client.post("/sharing/new", data=_form(entry), follow_redirects=False)
        [request] = _made_by(session, consumer)
        _as(client, session, settings, Role.coordinator)
        client.post(f"/sharing/requests/{request.id}/check", data={"passed": "1"})
        session.refresh(request)
        assert request.state is RequestState.granted  # unconditional: granted at once

        _as(client, session, settings, Role.org_admin, provider_of(session, entry))
        page = client.get("/sharing/grants")
        assert "本部门提供的授权" in page.text
        assert "撤销理由" in page.text
        grant = sharing_service.list_grants(
            session,
            actor=department_staff(session, consumer),
            filters=GrantFilter(),
            page=PageParams(page=1, size=5),
        ).items[0]
        before = grant.valid_until
        renewed = client.post(f"/sharing/grants/{grant.id}/renew", data={"months": "3"})
        assert "共享授权已续期" in renewed.text
        session.refresh(grant)
        assert grant.valid_until > before
        empty = client.post(f"/sharing/grants/{grant.id}/revoke", data={"reason": ""})
        assert empty.status_code == 422
        assert "撤销授权须填写理由" in empty.text
        revoked = client.post(f"/sharing/grants/{grant.id}/revoke", data={"reason": "停止使用"})
        assert "共享授权已撤销" in revoked.text
        session.refresh(grant)
        assert grant.state.value == "revoked"


def _submitted_friday(session: Session) -> ShareRequest:
    """A conditional request submitted on Friday 6 March 2026: checked by Tuesday 10."""
    entry = make_shared_entry(session, share_type=ShareType.conditional)
    with freeze_time(FRIDAY):
        return sharing_service.submit_request(
            session,
            actor=department_staff(session, make_department(session)),
            data=ShareRequestCreate(
                entry_id=entry.id, items=["姓名"], purpose="核验身份", scenario="居住证办理"
            ),
            settings=SharingSettings(),
        )


def _section(html: str, section_id: str) -> str:
    return html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


class TestClockOnThePages:
    def test_a_reminded_request_shows_when_and_that_it_is_due_soon(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        request = _submitted_friday(session)
        _as(client, session, settings, Role.coordinator)
        monday = datetime(2026, 3, 9, 8, 30, tzinfo=CHINA)
        assert request in sharing_service.remind_due(session, settings=settings.sharing, now=monday)
        with freeze_time(monday + timedelta(hours=2)):
            detail = client.get(f"/sharing/requests/{request.id}")
            queue = client.get("/sharing")
        assert detail.status_code == 200, detail.text
        clock = _section(detail.text, "clock")
        assert "剩余 1 个工作日" in clock
        assert "即将到期" in clock
        assert "已提醒 03-09 08:30" in clock
        assert "2026-03-09 08:30 · 已提醒主管部门：合规审查即将到期" in detail.text
        assert queue.status_code == 200, queue.text
        row = queue.text.split(request.number, 1)[1].split("</tr>", 1)[0]
        assert "即将到期" in row
        assert "已提醒 03-09 08:30" in row

        with freeze_time(datetime(2026, 3, 11, 9, 0, tzinfo=CHINA)):
            late = client.get(f"/sharing/requests/{request.id}")
        clock = _section(late.text, "clock")
        assert "已逾期 1 个工作日" in clock
        assert "即将到期" not in clock
        assert "已提醒 03-09 08:30" in clock

    def test_a_request_not_yet_due_soon_shows_neither(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        request = _submitted_friday(session)
        _as(client, session, settings, Role.coordinator)
        with freeze_time(FRIDAY):
            detail = client.get(f"/sharing/requests/{request.id}")
        assert "剩余 2 个工作日" in detail.text
        assert "即将到期" not in detail.text
        assert "已提醒" not in detail.text


class TestConfiguredClock:
    @pytest.fixture
    def settings(self) -> Settings:
        return Settings(
            environment="test",
            sharing=SharingSettings(
                check_working_days=5, answer_working_days=20, remind_working_days_before=3
            ),
        )

    def test_pages_state_and_apply_the_configured_periods(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        entry = make_shared_entry(session, share_type=ShareType.conditional)
        consumer = make_department(session)
        _as(client, session, settings, Role.org_staff, consumer)
        form = client.get("/sharing/new", params={"entry": str(entry.id)})
        assert "由提供部门在 20 个工作日内答复" in form.text
        with freeze_time(FRIDAY):
            response = client.post("/sharing/new", data=_form(entry), follow_redirects=False)
            queue = client.get("/sharing")
        assert response.status_code == 303, response.text
        [created] = _made_by(session, consumer)
        # five working days after Friday 6 March: Friday 13 March, to 24:00 in Jining
        assert created.check_due_at == datetime(2026, 3, 13, 23, 59, 59, 999999, tzinfo=CHINA)
        assert "在 5 个工作日内完成合规审查" in queue.text
        assert "在 20 个工作日内答复" in queue.text
        assert "到期前 3 个工作日提醒" in queue.text
        row = queue.text.split(created.number, 1)[1].split("</tr>", 1)[0]
        assert "剩余 5 个工作日" in row
        with freeze_time(datetime(2026, 3, 10, 9, 0, tzinfo=CHINA)):  # Tuesday: 3 left
            page = client.get(f"/sharing/requests/{created.id}").text
        assert "即将到期" in _section(page, "clock")
