"""Pages of the audit log: the filtered list, one event, verifying the chain."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.pagination import PageParams
from smartcity.core.time import today_in_china
from smartcity.domains.audit import service as audit_service
from smartcity.domains.audit import web as audit_web
from smartcity.domains.audit.schemas import (
    AuditEventFilter,
    AuditEventRead,
    ChainBreakRead,
    VerifyReport,
)
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.models import User
from smartcity.domains.identity.permissions import Role
from smartcity.domains.identity.schemas import UserCreate, UserUpdate
from tests.factories.identity import actor_of, login, make_user
from tests.factories.registry import coordinator_organization, make_organization

HX = {"HX-Request": "true"}


@pytest.fixture
def web(client: TestClient) -> TestClient:
    client.headers["accept"] = "text/html"
    return client


class World:
    def __init__(self, session: Session) -> None:
        self.ours = make_organization(session, name="济宁市审计测试甲局")
        self.theirs = make_organization(session, name="济宁市审计测试乙局")
        self.our_admin = make_user(session, organization=self.ours, roles=[Role.org_admin])
        their_admin = make_user(session, organization=self.theirs, roles=[Role.org_admin])
        self.zhang = identity_service.create_user(
            session,
            actor=actor_of(self.our_admin),
            data=UserCreate(
                username="zhang.san",
                display_name="张三",
                organization_id=self.ours.id,
                password="Strong-Passw0rd!",
            ),
        )
        identity_service.update_user(
            session,
            actor=actor_of(self.our_admin),
            user_id=self.zhang.id,
            data=UserUpdate(display_name="张三丰"),
        )
        self.wang = identity_service.create_user(
            session,
            actor=actor_of(their_admin),
            data=UserCreate(
                username="wang.wu",
                display_name="王五",
                organization_id=self.theirs.id,
                roles=[Role.org_admin, Role.org_staff],
                password="Strong-Passw0rd!",
            ),
        )


@pytest.fixture
def world(session: Session) -> World:
    return World(session)


def _coordinator(session: Session, web: TestClient, settings: Settings) -> User:
    user = make_user(
        session, organization=coordinator_organization(session), roles=[Role.coordinator]
    )
    login(web, session, user, settings)
    return user


class TestEventList:
    def test_coordinator_sees_every_organization(
        self, web: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        _coordinator(session, web, settings)
        response = web.get("/audit/events")
        assert response.status_code == 200
        assert "张三" in response.text
        assert "王五" in response.text
        assert "创建用户" in response.text
        assert "校验审计链" in response.text

    def test_org_admin_sees_its_own_organization_only(
        self, web: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        login(web, session, world.our_admin, settings)
        response = web.get("/audit/events")
        assert response.status_code == 200
        assert "张三" in response.text
        assert "王五" not in response.text
        assert "校验审计链" not in response.text

    def test_staff_are_forbidden_and_anonymous_sent_to_login(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        assert web.get("/audit/events", follow_redirects=False).status_code == 303
        login(web, session, make_user(session, organization=make_organization(session)), settings)
        assert web.get("/audit/events").status_code == 403

    def test_htmx_gets_only_the_table(
        self, web: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        _coordinator(session, web, settings)
        response = web.get("/audit/events?action=identity.user.", headers=HX)
        assert response.text.lstrip().startswith('<div id="event-table">')
        assert "<html" not in response.text

    @pytest.mark.parametrize(
        ("params", "shown", "hidden"),
        [
            ({"action": "identity.user.updated"}, "张三丰", "王五"),
            ({"q": "王五"}, "王五", "张三"),
            ({"subject_type": "identity_user", "q": "张三"}, "张三", "王五"),
        ],
    )
    def test_filters(
        self,
        web: TestClient,
        session: Session,
        settings: Settings,
        world: World,
        params: dict[str, str],
        shown: str,
        hidden: str,
    ) -> None:
        _coordinator(session, web, settings)
        response = web.get("/audit/events", params=params, headers=HX)
        assert shown in response.text
        assert hidden not in response.text

    def test_organization_and_subject_filters(
        self, web: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        _coordinator(session, web, settings)
        by_org = web.get(
            "/audit/events", params={"organization_id": str(world.theirs.id)}, headers=HX
        )
        assert "王五" in by_org.text
        assert "张三" not in by_org.text
        by_subject = web.get(
            "/audit/events", params={"subject_id": str(world.zhang.id)}, headers=HX
        )
        assert "张三" in by_subject.text
        assert "王五" not in by_subject.text

    def test_time_range_in_china_dates(
        self, web: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        _coordinator(session, web, settings)
        today = today_in_china()
        both = web.get(
            "/audit/events",
            headers=HX,
            params={"since": today.isoformat(), "until": today.isoformat(), "q": "张三"},
        )
        assert "张三" in both.text
        tomorrow = (today + timedelta(days=1)).isoformat()
        yesterday = (today - timedelta(days=1)).isoformat()
        assert (
            "没有符合条件的审计记录"
            in web.get("/audit/events", params={"since": tomorrow}, headers=HX).text
        )
        assert (
            "没有符合条件的审计记录"
            in web.get("/audit/events", params={"until": yesterday}, headers=HX).text
        )
        page = web.get("/audit/events", params={"since": today.isoformat()})
        assert f'name="since" value="{today.isoformat()}"' in page.text

    def test_bad_date_is_a_422(self, web: TestClient, session: Session, settings: Settings) -> None:
        _coordinator(session, web, settings)
        assert web.get("/audit/events?since=yesterday").status_code == 422

    def test_pagination_keeps_the_filters(
        self, web: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        _coordinator(session, web, settings)
        response = web.get("/audit/events", params={"action": "identity.", "size": "1"})
        assert 'href="/audit/events?action=identity.&amp;size=1&amp;page=2"' in response.text
        assert 'hx-target="#event-table"' in response.text


class TestEventDetail:
    def test_changes_table_and_hashes(
        self, web: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        _coordinator(session, web, settings)
        listing = web.get(
            "/audit/events", params={"action": "identity.user.updated"}, headers=HX
        ).text
        seq = int(listing.split('href="/audit/events/')[1].split('"')[0])
        response = web.get(f"/audit/events/{seq}")
        assert response.status_code == 200
        text = response.text
        assert "修改用户" in text
        assert "<code>display_name</code>" in text
        assert '<td class="value">张三</td><td class="value">张三丰</td>' in text
        event = AuditEventRead.model_validate(
            audit_service.get_event(session, actor=actor_of(world.our_admin), seq=seq)
        )
        assert event.entry_hash in text
        assert event.prev_hash in text

    def test_a_created_list_value_is_one_value_not_a_pair(self) -> None:
        event = AuditEventRead.model_validate(
            {
                "seq": 1,
                "occurred_at": "2026-01-01T00:00:00Z",
                "actor_kind": "user",
                "actor_id": None,
                "actor_name": "a",
                "organization_id": None,
                "action": "identity.user.created",
                "subject_type": "identity_user",
                "subject_id": "x",
                "subject_label": "x",
                "changes_dict": {"roles": ["org_admin", "org_staff"], "name": [None, "济宁"]},
                "request_id": "",
                "ip": "",
                "prev_hash": "0" * 64,
                "entry_hash": "1" * 64,
            }
        )
        assert audit_web.change_rows(event) == [
            ("roles", None, '["org_admin", "org_staff"]'),
            ("name", None, "济宁"),
        ]

    def test_other_organizations_events_look_missing(
        self, web: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        coordinator = make_user(
            session, organization=coordinator_organization(session), roles=[Role.coordinator]
        )
        theirs = (
            audit_service.list_events(
                session,
                actor=actor_of(coordinator),
                filters=AuditEventFilter(subject_id=str(world.wang.id)),
                page=PageParams(),
            )
            .items[0]
            .seq
        )
        login(web, session, world.our_admin, settings)
        response = web.get(f"/audit/events/{theirs}")
        assert response.status_code == 404
        assert "王五" not in response.text
        assert web.get("/audit/events/999999999").status_code == 404


class TestVerify:
    def test_coordinator_verifies_the_chain(
        self, web: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        _coordinator(session, web, settings)
        response = web.post("/audit/verify", headers=HX)
        assert response.status_code == 200
        assert "<html" not in response.text
        assert "审计链完整" in response.text
        assert 'data-ok="true"' in response.text
        full = web.post("/audit/verify")
        assert "<html" in full.text
        assert "审计链完整" in full.text

    def test_a_break_is_named_in_chinese(
        self, web: TestClient, session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _coordinator(session, web, settings)
        broken = VerifyReport(
            ok=False,
            checked=41,
            head_seq=41,
            head_hash="a" * 64,
            first_break=ChainBreakRead(
                seq=42, kind="modified", message="第 42 条记录的内容与其哈希不符（记录被修改）"
            ),
        )
        monkeypatch.setattr(audit_service, "verify_chain", lambda *a, **k: broken)
        response = web.post("/audit/verify", headers=HX)
        assert "审计链校验失败" in response.text
        assert "第 42 条记录的内容与其哈希不符（记录被修改）" in response.text
        assert 'href="/audit/events/42"' in response.text

    def test_org_admin_may_not_verify(
        self, web: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        login(web, session, world.our_admin, settings)
        assert web.post("/audit/verify", headers=HX).status_code == 403

    def test_needs_the_csrf_token(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _coordinator(session, web, settings)
        del web.headers["X-CSRF-Token"]
        assert web.post("/audit/verify", headers=HX).status_code == 403


class TestZoneLessTimes:
    """A filter time without a zone is Beijing time, on the page and in the API alike
    (it used to reach the database naive and fail as a 500)."""

    def test_api_reads_a_bare_date_as_beijing_time(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        _coordinator(session, client, settings)
        today = today_in_china()
        since_today = client.get("/api/v1/audit/events", params={"since": today.isoformat()})
        assert since_today.status_code == 200, since_today.text
        assert since_today.json()["total"] > 0
        tomorrow = (today + timedelta(days=1)).isoformat()
        later = client.get("/api/v1/audit/events", params={"since": f"{tomorrow}T00:00:00"})
        assert later.status_code == 200
        assert later.json()["total"] == 0

    def test_schema_attaches_the_zone(self) -> None:
        parsed = AuditEventFilter.model_validate(
            {"since": "2026-11-28", "until": "2026-11-29T08:00"}
        )
        assert parsed.since is not None
        assert parsed.until is not None
        assert parsed.since.utcoffset() == timedelta(hours=8)
        assert parsed.until.isoformat() == "2026-11-29T08:00:00+08:00"
