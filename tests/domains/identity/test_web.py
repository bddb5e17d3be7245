"""Pages of identity: login and logout, users, API clients."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.audit import service as audit_service
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.models import ApiClient, LoginAttempt, User
from smartcity.domains.identity.permissions import Role
from smartcity.domains.identity.schemas import ApiClientCreate
from smartcity.domains.identity.web import LOGIN_CSRF_COOKIE, safe_next
from smartcity.domains.registry.models import Organization
from tests.factories.identity import PASSWORD, actor_of, login, make_user
from tests.factories.registry import coordinator_organization, make_organization
from tests.helpers.problems import assert_problem

HX = {"HX-Request": "true"}
STRONG = "Strong-Passw0rd!"


@pytest.fixture
def web(client: TestClient) -> TestClient:
    """The client as a browser: it asks for HTML."""
    client.headers["accept"] = "text/html"
    return client


def _login_form(web: TestClient, path: str = "/login") -> str:
    response = web.get(path)
    assert response.status_code == 200, response.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match is not None
    assert web.cookies.get(LOGIN_CSRF_COOKIE) == match.group(1)
    return match.group(1)


def _post_login(
    web: TestClient, username: str, password: str, *, next_path: str = "/", token: str | None = None
) -> httpx.Response:
    token = token if token is not None else _login_form(web)
    response: httpx.Response = web.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": next_path},
        follow_redirects=False,
    )
    return response


def _admin(
    session: Session, web: TestClient, settings: Settings, organization: Organization | None = None
) -> User:
    organization = organization or make_organization(session)
    admin = make_user(session, organization=organization, roles=[Role.org_admin])
    login(web, session, admin, settings)
    return admin


def _coordinator(session: Session, web: TestClient, settings: Settings) -> User:
    user = make_user(
        session, organization=coordinator_organization(session), roles=[Role.coordinator]
    )
    login(web, session, user, settings)
    return user


class TestSafeNext:
    @pytest.mark.parametrize(
        "value",
        [
            "//evil.example/x",
            "https://evil.example/",
            "/\\evil.example",
            "/\t/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
            None,
            "/login",
            "/logout",
            "http:/x",
            "/\n/evil.example",
        ],
    )
    def test_refuses_anything_that_could_leave_the_site(self, value: str | None) -> None:
        assert safe_next(value) == "/"

    @pytest.mark.parametrize(
        "value", ["/", "/registry/organizations?q=济宁&kind=x", "/identity/users/1#top"]
    )
    def test_keeps_local_paths(self, value: str) -> None:
        assert safe_next(value) == value


class TestLoginPage:
    def test_sets_a_strict_double_submit_cookie(self, web: TestClient) -> None:
        response = web.get("/login?next=/audit/events")
        assert response.status_code == 200
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{LOGIN_CSRF_COOKIE}=")
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "Path=/login" in cookie
        assert 'name="next" value="/audit/events"' in response.text
        assert "用户名" in response.text
        assert "密码" in response.text

    def test_unsafe_next_is_not_echoed(self, web: TestClient) -> None:
        response = web.get("/login", params={"next": "//evil.example"})
        assert 'name="next" value="/"' in response.text

    def test_signed_in_user_goes_on(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _admin(session, web, settings)
        response = web.get("/login?next=/identity/users", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/identity/users"


class TestLogin:
    def test_success_sets_the_session_cookie_and_goes_to_next(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        user = make_user(session, organization=make_organization(session))
        response = _post_login(web, user.username, PASSWORD, next_path="/registry/organizations")
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/registry/organizations"
        cookies = response.headers.get_list("set-cookie")
        session_cookie = next(c for c in cookies if c.startswith(settings.auth.session_cookie))
        assert "HttpOnly" in session_cookie
        assert "SameSite=lax" in session_cookie
        assert f"Max-Age={settings.auth.session_hours * 3600}" in session_cookie
        assert "Secure" not in session_cookie
        assert any(c.startswith(f"{LOGIN_CSRF_COOKIE}=") and "Max-Age=0" in c for c in cookies)
        home = web.get("/")
        assert user.display_name in home.text

    def test_secure_cookie_when_configured(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        settings.auth.cookie_secure = True
        user = make_user(session, organization=make_organization(session))
        response = _post_login(web, user.username, PASSWORD)
        cookies = response.headers.get_list("set-cookie")
        assert all("Secure" in c for c in cookies)

    @pytest.mark.parametrize(
        "next_path", ["//evil.example/", "https://evil.example/", "/\\evil.example"]
    )
    def test_unsafe_next_is_ignored(
        self, web: TestClient, session: Session, next_path: str
    ) -> None:
        user = make_user(session, organization=make_organization(session))
        response = _post_login(web, user.username, PASSWORD, next_path=next_path)
        assert response.status_code == 303
        assert response.headers["location"] == "/"

    def test_wrong_password_unknown_user_and_deactivated_user_get_the_same_answer(
        self, web: TestClient, session: Session
    ) -> None:
        user = make_user(session, organization=make_organization(session))
        inactive = make_user(session, organization=make_organization(session))
        inactive.is_active = False
        session.flush()
        answers = [
            _post_login(web, user.username, "Wrong-Passw0rd!"),
            _post_login(web, "nobody.here", "Wrong-Passw0rd!"),
            _post_login(web, inactive.username, PASSWORD),
        ]
        bodies = []
        for response in answers:
            assert response.status_code == 401
            text = response.text
            assert "用户名或密码错误" in text
            assert web.cookies.get("smartcity_session") is None
            error = re.search(r'id="login-error">([^<]*)<', text)
            assert error is not None
            bodies.append(error.group(1))
        assert len(set(bodies)) == 1
        assert session.query(LoginAttempt).filter_by(succeeded=False).count() == 3

    def test_typed_user_name_is_kept_but_not_the_password(self, web: TestClient) -> None:
        response = _post_login(web, "zhang.san", "Wrong-Passw0rd!")
        assert 'value="zhang.san"' in response.text
        assert "Wrong-Passw0rd!" not in response.text

    def test_throttled_after_repeated_failures(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        user = make_user(session, organization=make_organization(session))
        token = _login_form(web)
        for _ in range(settings.auth.login_max_failures):
            assert (
                _post_login(web, user.username, "Wrong-Passw0rd!", token=token).status_code == 401
            )
        response = _post_login(web, user.username, PASSWORD, token=token)
        assert response.status_code == 429
        minutes = settings.auth.login_window_minutes
        assert f"登录失败次数过多，请 {minutes} 分钟后再试" in response.text
        assert response.headers["retry-after"] == str(minutes * 60)

    def test_empty_fields_are_a_422_with_messages(self, web: TestClient) -> None:
        response = _post_login(web, "", "")
        assert response.status_code == 422
        assert "必填" in response.text

    def test_missing_csrf_is_refused_and_not_counted(
        self, web: TestClient, session: Session
    ) -> None:
        user = make_user(session, organization=make_organization(session))
        response = web.post(
            "/login", data={"username": user.username, "password": PASSWORD}, follow_redirects=False
        )
        assert response.status_code == 403
        assert "页面已过期" in response.text or "登录页面已过期" in response.text
        assert session.query(LoginAttempt).count() == 0

    def test_mismatched_csrf_is_refused(self, web: TestClient, session: Session) -> None:
        user = make_user(session, organization=make_organization(session))
        _login_form(web)
        response = web.post(
            "/login",
            data={
                "username": user.username,
                "password": PASSWORD,
                "csrf_token": "forged-value-000000000000",
            },
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert web.cookies.get("smartcity_session") is None

    def test_csrf_problem_for_scripts_is_json(self, client: TestClient) -> None:
        response = client.post("/login", data={"username": "a", "password": "b"})
        assert_problem(response, status=403, code="identity.csrf-failed")


class TestLogout:
    def test_ends_the_session(self, web: TestClient, session: Session, settings: Settings) -> None:
        user = _admin(session, web, settings)
        response = web.post("/logout", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login"
        assert (
            'smartcity_session=""' in response.headers["set-cookie"]
            or "Max-Age=0" in response.headers["set-cookie"]
        )
        assert "identity.login.logged_out" in audit_service.actions_for(session, subject_id=user.id)
        page = web.get("/identity/users", follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"].startswith("/login?next=")

    def test_needs_the_csrf_token(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _admin(session, web, settings)
        del web.headers["X-CSRF-Token"]
        response = web.post("/logout", follow_redirects=False)
        assert response.status_code == 403
        assert web.get("/identity/users").status_code == 200


class TestUserList:
    def test_anonymous_is_sent_to_login(self, web: TestClient) -> None:
        response = web.get("/identity/users?q=x", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=%2Fidentity%2Fusers%3Fq%3Dx"

    def test_org_admin_sees_own_organization_only(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session, name="济宁市测试甲局")
        colleague = make_user(session, organization=organization)
        stranger = make_user(session, organization=make_organization(session))
        _admin(session, web, settings, organization)
        response = web.get("/identity/users")
        assert response.status_code == 200
        assert colleague.username in response.text
        assert stranger.username not in response.text
        assert "新建用户" in response.text
        assert "济宁市测试甲局" in response.text

    def test_coordinator_sees_everyone_and_filters(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        first = make_user(session, organization=make_organization(session), username="wang.wu")
        second = make_user(session, organization=make_organization(session), username="zhao.liu")
        _coordinator(session, web, settings)
        response = web.get("/identity/users")
        assert first.username in response.text
        assert second.username in response.text
        filtered = web.get("/identity/users", params={"q": "wang", "organization_id": ""})
        assert first.username in filtered.text
        assert second.username not in filtered.text

    def test_htmx_gets_only_the_table(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _admin(session, web, settings)
        response = web.get("/identity/users?q=nobody", headers=HX)
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<div id="user-table">')
        assert "<html" not in response.text
        assert "没有符合条件的用户" in response.text

    def test_bad_filter_value_is_a_422(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _admin(session, web, settings)
        assert web.get("/identity/users?organization_id=not-a-uuid").status_code == 422

    def test_staff_cannot_open_the_create_form(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        staff = make_user(session, organization=make_organization(session))
        login(web, session, staff, settings)
        assert web.get("/identity/users").status_code == 200
        assert web.get("/identity/users/new").status_code == 403


class TestUserCreate:
    def _form(self, organization: Organization, **overrides: object) -> dict[str, object]:
        form: dict[str, object] = {
            "username": "li.si",
            "display_name": "李四",
            "organization_id": str(organization.id),
            "roles": ["org_staff"],
            "password": STRONG,
            "password_confirm": STRONG,
            "email": "li.si@example.gov.cn",
            "phone": "",
        }
        form.update(overrides)
        return form

    def test_form_offers_org_admin_only_its_organization_and_roles(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session, name="济宁市测试乙局")
        _admin(session, web, settings, organization)
        response = web.get("/identity/users/new")
        assert response.status_code == 200
        assert "济宁市测试乙局" in response.text
        assert "单位管理员" in response.text
        assert "单位工作人员" in response.text
        assert 'value="coordinator"' not in response.text

    def test_org_admin_creates_a_user_in_its_organization(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session)
        _admin(session, web, settings, organization)
        response = web.post(
            "/identity/users", data=self._form(organization), follow_redirects=False
        )
        assert response.status_code == 303, response.text
        created = session.query(User).filter_by(username="li.si").one()
        assert response.headers["location"] == f"/identity/users/{created.id}?saved=created"
        assert created.organization_id == organization.id
        assert created.roles == ["org_staff"]
        assert audit_service.actions_for(session, subject_id=created.id) == [
            "identity.user.created"
        ]
        detail = web.get(response.headers["location"])
        assert "用户已创建" in detail.text
        assert "李四" in detail.text

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"password": "weak", "password_confirm": "weak"}, "至少 10 个字符"),
            ({"password": "alllowercase1", "password_confirm": "alllowercase1"}, "至少三类"),
            ({"password_confirm": "Other-Passw0rd!"}, "两次输入的密码不一致"),
            ({"username": "LiSi"}, "小写字母开头"),
            ({"display_name": ""}, "必填"),
            ({"roles": []}, "至少分配一个角色"),
            ({"roles": ["coordinator"]}, "单位管理员不能分配角色"),
            ({"roles": ["nonsense"]}, "不是允许的取值"),
        ],
    )
    def test_errors_re_render_the_form_and_change_nothing(
        self,
        web: TestClient,
        session: Session,
        settings: Settings,
        overrides: dict[str, object],
        message: str,
    ) -> None:
        organization = make_organization(session)
        _admin(session, web, settings, organization)
        before = session.query(User).count()
        response = web.post("/identity/users", data=self._form(organization, **overrides))
        assert response.status_code == 422
        assert message in response.text
        assert 'class="field-error"' in response.text or 'class="problem"' in response.text
        assert "李四" in response.text or overrides.get("display_name") == ""
        assert STRONG not in response.text
        assert session.query(User).count() == before

    def test_taken_user_name_is_shown_at_the_field(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session)
        make_user(session, organization=organization, username="li.si")
        _admin(session, web, settings, organization)
        response = web.post("/identity/users", data=self._form(organization))
        assert response.status_code == 422
        assert "用户名 li.si 已被使用" in response.text

    def test_htmx_gets_only_the_form(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session)
        _admin(session, web, settings, organization)
        response = web.post(
            "/identity/users", data=self._form(organization, username="X"), headers=HX
        )
        assert response.status_code == 422
        assert response.text.lstrip().startswith('<form id="user-create-form"')
        success = web.post("/identity/users", data=self._form(organization), headers=HX)
        assert success.status_code == 204
        assert success.headers["HX-Redirect"].startswith("/identity/users/")

    def test_org_admin_cannot_create_in_another_organization(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _admin(session, web, settings)
        other = make_organization(session)
        response = web.post("/identity/users", data=self._form(other))
        assert response.status_code == 404
        assert session.query(User).filter_by(username="li.si").count() == 0

    def test_staff_cannot_create(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session)
        login(web, session, make_user(session, organization=organization), settings)
        assert web.post("/identity/users", data=self._form(organization)).status_code == 403

    def test_missing_csrf_token_is_refused(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session)
        _admin(session, web, settings, organization)
        del web.headers["X-CSRF-Token"]
        response = web.post("/identity/users", data=self._form(organization))
        assert response.status_code == 403
        assert session.query(User).filter_by(username="li.si").count() == 0

    def test_csrf_token_in_the_form_is_accepted(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session)
        _admin(session, web, settings, organization)
        token = web.headers.pop("X-CSRF-Token")
        response = web.post(
            "/identity/users",
            data={**self._form(organization), "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303


class TestUserDetail:
    def test_shows_the_user_and_forms_to_its_manager(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session, name="济宁市测试丙局")
        user = make_user(session, organization=organization, roles=[Role.org_staff])
        _admin(session, web, settings, organization)
        response = web.get(f"/identity/users/{user.id}")
        assert response.status_code == 200
        assert user.display_name in response.text
        assert "济宁市测试丙局" in response.text
        assert "单位工作人员" in response.text
        assert "重置密码" in response.text
        assert 'id="user-edit-form"' in response.text

    def test_staff_sees_no_management_forms(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session)
        colleague = make_user(session, organization=organization)
        login(web, session, make_user(session, organization=organization), settings)
        response = web.get(f"/identity/users/{colleague.id}")
        assert response.status_code == 200
        assert 'id="user-edit-form"' not in response.text

    def test_other_organizations_users_look_missing(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        stranger = make_user(session, organization=make_organization(session))
        _admin(session, web, settings)
        assert web.get(f"/identity/users/{stranger.id}").status_code == 404
        response = web.post(
            f"/identity/users/{stranger.id}", data={"display_name": "改名", "roles": "org_staff"}
        )
        assert response.status_code == 404
        assert stranger.display_name != "改名"

    def test_updates_roles_and_deactivates(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session)
        user = make_user(session, organization=organization)
        _admin(session, web, settings, organization)
        response = web.post(
            f"/identity/users/{user.id}",
            data={
                "display_name": "新名字",
                "roles": ["org_admin", "org_staff"],
                "email": "",
                "phone": "0537-1234567",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        session.refresh(user)
        assert user.display_name == "新名字"
        assert user.roles == ["org_admin", "org_staff"]
        assert user.is_active is False
        assert "修改已保存" in web.get(response.headers["location"]).text

    def test_cannot_deactivate_oneself(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        admin = _admin(session, web, settings)
        response = web.post(
            f"/identity/users/{admin.id}", data={"display_name": "我自己", "roles": ["org_admin"]}
        )
        assert response.status_code == 422
        assert "不能停用自己的账号" in response.text
        session.refresh(admin)
        assert admin.is_active is True
        assert admin.display_name != "我自己"

    def test_password_reset(self, web: TestClient, session: Session, settings: Settings) -> None:
        organization = make_organization(session)
        user = make_user(session, organization=organization)
        _admin(session, web, settings, organization)
        mismatch = web.post(
            f"/identity/users/{user.id}/password",
            data={"password": STRONG, "password_confirm": "x"},
        )
        assert mismatch.status_code == 422
        assert "两次输入的密码不一致" in mismatch.text
        weak = web.post(
            f"/identity/users/{user.id}/password",
            data={"password": "short", "password_confirm": "short"},
        )
        assert weak.status_code == 422
        assert "至少 10 个字符" in weak.text
        response = web.post(
            f"/identity/users/{user.id}/password",
            data={"password": STRONG, "password_confirm": STRONG},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"].endswith("?saved=password")
        assert identity_service.login(
            session,
            username=user.username,
            password=STRONG,
            ip="t",
            user_agent="t",
            settings=settings.auth,
        ).ok

    def test_unknown_user_is_404(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _coordinator(session, web, settings)
        response = web.get("/identity/users/00000000-0000-0000-0000-000000000000")
        assert response.status_code == 404
        assert "用户不存在" in response.text


class TestApiClients:
    def _create(self, web: TestClient, **overrides: object) -> httpx.Response:
        data: dict[str, object] = {
            "name": "不动产登记系统",
            "description": "对接",
            "roles": ["org_staff"],
            "valid_days": "30",
        }
        data.update(overrides)
        response: httpx.Response = web.post("/identity/api-clients", data=data)
        return response

    def test_staff_are_forbidden(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        login(web, session, make_user(session, organization=make_organization(session)), settings)
        assert web.get("/identity/api-clients").status_code == 403
        assert self._create(web).status_code == 403

    def test_create_shows_the_token_once(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session)
        _admin(session, web, settings, organization)
        response = self._create(web)
        assert response.status_code == 200
        text = response.text
        assert "令牌只显示这一次" in text
        assert response.headers["cache-control"] == "no-store"
        match = re.search(r'id="issued-token" class="token">([^<]+)<', text)
        assert match is not None
        token = match.group(1)
        client = session.query(ApiClient).filter_by(name="不动产登记系统").one()
        assert client.organization_id == organization.id
        me = web.get("/api/v1/identity/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["kind"] == "api_client"
        listing = web.get("/identity/api-clients")
        assert "不动产登记系统" in listing.text
        assert token not in listing.text

    def test_invalid_input_re_renders_with_errors(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _admin(session, web, settings)
        too_long = self._create(web, valid_days=str(settings.auth.api_token_max_days + 1))
        assert too_long.status_code == 422
        assert "有效期不能超过" in too_long.text
        no_name = self._create(web, name="")
        assert no_name.status_code == 422
        assert "必填" in no_name.text
        not_a_number = self._create(web, valid_days="abc")
        assert "应为整数" in not_a_number.text
        bad_role = self._create(web, roles=["coordinator"])
        assert bad_role.status_code == 422
        assert session.query(ApiClient).count() == 0

    def _client(self, session: Session, admin: User) -> tuple[ApiClient, str]:
        return identity_service.create_api_client(
            session, actor=actor_of(admin), data=ApiClientCreate(name="审批系统"), max_days=365
        )

    def test_rotate_issues_a_new_token_in_place(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        admin = _admin(session, web, settings)
        client, old = self._client(session, admin)
        response = web.post(
            f"/identity/api-clients/{client.id}/rotate", data={"valid_days": "30"}, headers=HX
        )
        assert response.status_code == 200
        assert "<html" not in response.text
        assert "令牌只显示这一次" in response.text
        assert f'id="client-{client.id}" hx-swap-oob="true"' in response.text
        new = re.search(r'id="issued-token" class="token">([^<]+)<', response.text)
        assert new is not None
        assert new.group(1) != old
        assert (
            web.get("/api/v1/identity/me", headers={"Authorization": f"Bearer {old}"}).status_code
            == 401
        )

    def test_revoke_returns_the_row(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        admin = _admin(session, web, settings)
        client, token = self._client(session, admin)
        page = web.get("/identity/api-clients")
        assert 'hx-confirm="吊销后' in page.text
        response = web.post(f"/identity/api-clients/{client.id}/revoke", headers=HX)
        assert response.status_code == 200
        assert response.text.lstrip().startswith(f'<tr id="client-{client.id}"')
        assert "已吊销" in response.text
        assert (
            web.get("/api/v1/identity/me", headers={"Authorization": f"Bearer {token}"}).status_code
            == 401
        )
        plain = web.post(f"/identity/api-clients/{client.id}/revoke", follow_redirects=False)
        assert plain.status_code == 303

    def test_other_organizations_clients_look_missing(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        other_admin = make_user(
            session, organization=make_organization(session), roles=[Role.org_admin]
        )
        client, _ = self._client(session, other_admin)
        _admin(session, web, settings)
        assert web.post(f"/identity/api-clients/{client.id}/revoke").status_code == 404
        assert web.post(f"/identity/api-clients/{client.id}/rotate").status_code == 404
        session.refresh(client)
        assert client.revoked_at is None
