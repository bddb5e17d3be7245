"""Pages of the once-only service: the registry and its field editor (errors shown at the
form, nothing saved), a form's check, the report, the citizen's report form and his
cases, and the coordinator's queue."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.identity.permissions import Role
from smartcity.domains.onceonly.enums import FieldCollection
from smartcity.domains.onceonly.models import AskedAgainCase, ServiceForm
from tests.factories.identity import login, make_user
from tests.factories.onceonly import (
    OnceOnlyWorld,
    applicant_only,
    make_form,
    mapped,
    once_only_world,
)
from tests.factories.registry import coordinator_organization

HTML = {"accept": "text/html"}


@pytest.fixture
def world(session: Session) -> OnceOnlyWorld:
    return once_only_world(session)


def _count(session: Session, kind: type) -> int:
    return session.scalar(select(func.count()).select_from(kind)) or 0


def _mapping(w: OnceOnlyWorld, item: str) -> str:
    return f"{w.population.resource_code} {w.population.name}：{item}"


def test_an_administrator_registers_a_form_in_the_editor(
    client: TestClient, session: Session, settings: Settings, world: OnceOnlyWorld
) -> None:
    admin = make_user(session, organization=world.department, roles=[Role.org_admin])
    csrf = login(client, session, admin, settings)
    page = client.get("/onceonly/forms/new", headers=HTML)
    assert page.status_code == 200
    assert _mapping(world, "姓名") in page.text  # the suggestions

    form = {
        "csrf_token": csrf,
        "code": "WEB-001",
        "name": "网页登记的事项",
        "channel": "online",
        "f-0-label": "姓名",
        "f-0-mapping": _mapping(world, "姓名"),
        "f-0-collection": "typed",
        "f-0-order": "2",
        "f-1-label": "签名",
        "f-1-applicant_only": "on",
        "f-1-reason": "本人签署",
        "f-1-collection": "typed",
        "f-1-order": "1",
        "f-2-label": "",
        "f-2-mapping": "",
    }
    before = _count(session, ServiceForm)
    bad = client.post(
        "/onceonly/forms", data={**form, "f-0-mapping": "不存在的资源：姓名"}, headers=HTML
    )
    assert bad.status_code == 422
    assert "找不到" in bad.text
    assert _count(session, ServiceForm) == before

    done = client.post("/onceonly/forms", data=form, headers=HTML, follow_redirects=False)
    assert done.status_code == 303, done.text
    detail = client.get(done.headers["location"], headers=HTML)
    assert detail.status_code == 200
    assert detail.text.index("签名") < detail.text.index(world.population.name)  # reordered
    assert "重复索要" in detail.text  # 姓名 is typed although granted

    edit = client.get(done.headers["location"] + "/edit", headers=HTML)
    assert edit.status_code == 200
    assert _mapping(world, "姓名") in edit.text


def test_the_report_page_shows_rates_and_violations(
    client: TestClient, session: Session, settings: Settings, world: OnceOnlyWorld
) -> None:
    make_form(
        session,
        actor=world.admin,
        organization=world.department,
        name="网页核查事项",
        fields=[
            mapped(world.population, "姓名"),
            mapped(world.population, "公民身份号码", FieldCollection.prefilled),
            applicant_only("申请事由"),
        ],
    )
    coordinator = make_user(
        session, organization=coordinator_organization(session), roles=[Role.coordinator]
    )
    login(client, session, coordinator, settings)
    page = client.get("/onceonly/report", headers=HTML)
    assert page.status_code == 200
    assert "全市一次采集率" in page.text
    assert "网页核查事项" in page.text
    assert world.grant.number in page.text
    assert "平台可提供的字段" in page.text
    forms = client.get("/onceonly/forms", headers=HTML)
    assert "网页核查事项" in forms.text


def test_a_citizen_reports_and_the_coordinator_resolves(
    client: TestClient, session: Session, settings: Settings, world: OnceOnlyWorld
) -> None:
    form = make_form(
        session,
        actor=world.admin,
        organization=world.department,
        name="网页反映事项",
        fields=[mapped(world.population, "姓名")],
    )
    citizen = make_user(session, organization=None, roles=[Role.citizen])
    csrf = login(client, session, citizen, settings)
    page = client.get("/onceonly/my-cases/new", headers=HTML)
    assert "网页反映事项" in page.text
    before = _count(session, AskedAgainCase)
    bad = client.post("/onceonly/my-cases", data={"csrf_token": csrf}, headers=HTML)
    assert bad.status_code == 422
    assert "请选择事项" in bad.text
    assert _count(session, AskedAgainCase) == before
    done = client.post(
        "/onceonly/my-cases",
        data={"csrf_token": csrf, "form_id": str(form.id), "field_id": str(form.fields[0].id)},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303
    mine = client.get("/onceonly/my-cases", headers=HTML).text
    assert "网页反映事项" in mine
    assert "平台可提供，不应重复索要" in mine
    case = session.scalars(
        select(AskedAgainCase).order_by(AskedAgainCase.created_at.desc())
    ).first()
    assert case is not None

    coordinator = make_user(
        session, organization=coordinator_organization(session), roles=[Role.coordinator]
    )
    csrf = login(client, session, coordinator, settings)
    queue = client.get("/onceonly/cases", headers=HTML)
    assert case.number in queue.text
    empty = client.post(
        f"/onceonly/cases/{case.id}/resolve", data={"csrf_token": csrf, "text": ""}, headers=HTML
    )
    assert empty.status_code == 422
    assert "请填写答复" in empty.text
    client.post(
        f"/onceonly/cases/{case.id}/resolve",
        data={"csrf_token": csrf, "text": "已改为平台回填"},
        headers=HTML,
    )
    session.refresh(case)
    assert case.reply == "已改为平台回填"


def test_citizens_get_no_registry(
    client: TestClient, session: Session, settings: Settings, world: OnceOnlyWorld
) -> None:
    login(client, session, make_user(session, organization=None, roles=[Role.citizen]), settings)
    assert client.get("/onceonly/report", headers=HTML).status_code == 403
    assert client.get("/onceonly/forms/new", headers=HTML).status_code == 403
