"""The once-only API: forms (create, read, update with problems for bad input), the
checker and report (JSON and XLSX), and asked-again cases from report to resolution."""

from __future__ import annotations

import io
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.security import SYSTEM
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.onceonly.models import ServiceForm
from tests.factories.identity import login, make_user
from tests.factories.onceonly import OnceOnlyWorld, once_only_world
from tests.factories.registry import coordinator_organization
from tests.helpers.problems import assert_problem


@pytest.fixture
def world(session: Session) -> OnceOnlyWorld:
    return once_only_world(session)


def _sign_in(
    client: TestClient, session: Session, settings: Settings, role: Role, organization: Any
) -> None:
    login(client, session, make_user(session, organization=organization, roles=[role]), settings)


def _body(w: OnceOnlyWorld, **values: Any) -> dict[str, Any]:
    return {
        "code": "JN-TEST-001",
        "name": "测试居住证办理",
        "channel": "counter",
        "fields": [
            {"label": "姓名", "entry_id": str(w.population.id), "item_name": "姓名"},
            {
                "label": "现住址",
                "entry_id": str(w.population.id),
                "item_name": "现住址",
                "collection": "prefilled",
            },
            {"label": "申请事由", "applicant_only": True, "applicant_only_reason": "本人意愿"},
        ],
        **values,
    }


def _forms(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ServiceForm)) or 0


class TestForms:
    def test_an_administrator_registers_reads_and_edits_his_department_form(
        self, client: TestClient, session: Session, settings: Settings, world: OnceOnlyWorld
    ) -> None:
        _sign_in(client, session, settings, Role.org_admin, world.department)
        created = client.post("/api/v1/onceonly/forms", json=_body(world))
        assert created.status_code == 201, created.text
        form = created.json()
        assert form["organization_id"] == str(world.department.id)
        assert [f["label"] for f in form["fields"]] == ["姓名", "现住址", "申请事由"]
        assert form["fields"][0]["mapping"]["resource_code"] == world.population.resource_code
        assert form["fields"][2]["mapping"] is None

        listed = client.get("/api/v1/onceonly/forms").json()
        assert [f["code"] for f in listed["items"]] == ["JN-TEST-001"]
        assert listed["items"][0]["field_count"] == 3

        fields = form["fields"]
        fields[0]["collection"] = "prefilled"
        updated = client.patch(
            f"/api/v1/onceonly/forms/{form['id']}",
            json={"fields": [{k: v for k, v in f.items() if k not in ("position", "mapping")}
                             | ({"entry_id": f["mapping"]["entry_id"],
                                 "item_name": f["mapping"]["item_name"]} if f["mapping"] else {})
                             for f in fields]},
        )  # fmt: skip
        assert updated.status_code == 200, updated.text
        assert [f["id"] for f in updated.json()["fields"]] == [f["id"] for f in fields]
        assert updated.json()["fields"][0]["collection"] == "prefilled"

    @pytest.mark.parametrize(
        ("field", "code"),
        [
            ({"label": "血型", "item_name": "血型"}, "onceonly.unknown-item"),
            ({"label": "无映射"}, "onceonly.invalid-field"),
            ({"label": "无理由", "applicant_only": True}, "onceonly.invalid-field"),
        ],
    )
    def test_bad_fields_are_problems_and_save_nothing(
        self,
        client: TestClient,
        session: Session,
        settings: Settings,
        world: OnceOnlyWorld,
        field: dict[str, Any],
        code: str,
    ) -> None:
        _sign_in(client, session, settings, Role.org_admin, world.department)
        if "item_name" in field:
            field["entry_id"] = str(world.population.id)
        before = _forms(session)
        response = client.post("/api/v1/onceonly/forms", json=_body(world, fields=[field]))
        body = assert_problem(response, status=422, code=code)
        assert body["field_index"] == 0
        assert _forms(session) == before

    def test_an_unknown_entry_and_a_withdrawn_entry_are_refused(
        self, client: TestClient, session: Session, settings: Settings, world: OnceOnlyWorld
    ) -> None:
        _sign_in(client, session, settings, Role.org_admin, world.department)
        unknown = {"label": "x", "entry_id": str(uuid4()), "item_name": "姓名"}
        response = client.post("/api/v1/onceonly/forms", json=_body(world, fields=[unknown]))
        assert_problem(response, status=422, code="onceonly.unknown-item")
        catalog_service.withdraw_entry(
            session, actor=SYSTEM, entry_id=world.insurance.id, reason="测试"
        )
        withdrawn = {"label": "x", "entry_id": str(world.insurance.id), "item_name": "参保状态"}
        response = client.post("/api/v1/onceonly/forms", json=_body(world, fields=[withdrawn]))
        assert_problem(response, status=422, code="onceonly.entry-withdrawn")

    def test_a_duplicate_code_is_a_conflict(
        self, client: TestClient, session: Session, settings: Settings, world: OnceOnlyWorld
    ) -> None:
        _sign_in(client, session, settings, Role.org_admin, world.department)
        assert client.post("/api/v1/onceonly/forms", json=_body(world)).status_code == 201
        again = client.post("/api/v1/onceonly/forms", json=_body(world))
        assert_problem(again, status=409, code="onceonly.duplicate-code")

    def test_a_malformed_code_is_refused(
        self, client: TestClient, session: Session, settings: Settings, world: OnceOnlyWorld
    ) -> None:
        _sign_in(client, session, settings, Role.org_admin, world.department)
        response = client.post("/api/v1/onceonly/forms", json=_body(world, code="空 格"))
        assert response.status_code == 422

    def test_another_department_is_forbidden_and_anonymous_must_sign_in(
        self, client: TestClient, session: Session, settings: Settings, world: OnceOnlyWorld
    ) -> None:
        assert_problem(
            client.get("/api/v1/onceonly/forms"), status=401, code="authentication-required"
        )
        _sign_in(client, session, settings, Role.org_admin, world.other)
        response = client.post(
            "/api/v1/onceonly/forms", json=_body(world, organization_id=str(world.department.id))
        )
        assert_problem(response, status=403, code="permission-denied")

    def test_a_citizen_cannot_read_the_registry(
        self, client: TestClient, session: Session, settings: Settings, world: OnceOnlyWorld
    ) -> None:
        _sign_in(client, session, settings, Role.citizen, None)
        assert_problem(client.get("/api/v1/onceonly/report"), status=403, code="permission-denied")


class TestReport:
    def test_report_and_workbook_list_the_violation_with_its_grant(
        self, client: TestClient, session: Session, settings: Settings, world: OnceOnlyWorld
    ) -> None:
        _sign_in(client, session, settings, Role.org_admin, world.department)
        form = client.post("/api/v1/onceonly/forms", json=_body(world)).json()
        check = client.get(f"/api/v1/onceonly/forms/{form['id']}/check").json()
        assert [f["availability"] for f in check["findings"]] == [
            "granted",
            "obtainable",
            "applicant_only",
        ]
        assert check["counts"]["rate"] == 0.5

        _sign_in(client, session, settings, Role.coordinator, coordinator_organization(session))
        report = client.get("/api/v1/onceonly/report").json()
        assert report["scope"] == "city"
        (violation,) = [v for v in report["violations"] if v["form_id"] == form["id"]]
        assert violation["label"] == "姓名"
        assert violation["grant_number"] == world.grant.number
        workbook = client.get("/api/v1/onceonly/report.xlsx")
        assert workbook.status_code == 200
        book = load_workbook(io.BytesIO(workbook.content))
        rows = list(book["重复索要清单"].iter_rows(min_row=2, values_only=True))
        assert ("JN-TEST-001", "姓名") in {(r[1], r[4]) for r in rows}


class TestCases:
    def test_report_handle_resolve_and_the_reporter_sees_the_reply(
        self, client: TestClient, session: Session, settings: Settings, world: OnceOnlyWorld
    ) -> None:
        _sign_in(client, session, settings, Role.org_admin, world.department)
        form = client.post("/api/v1/onceonly/forms", json=_body(world)).json()
        citizen = make_user(session, organization=None, roles=[Role.citizen])
        login(client, session, citizen, settings)
        bad = client.post("/api/v1/onceonly/me/cases", json={"description": "只有说明"})
        assert_problem(bad, status=422, code="onceonly.invalid-case")
        filed = client.post(
            "/api/v1/onceonly/me/cases",
            json={
                "form_id": form["id"],
                "field_id": form["fields"][0]["id"],
                "description": "手填",
            },
        )
        assert filed.status_code == 201, filed.text
        case = filed.json()
        assert case["number"].startswith("CF-")
        assert case["finding"]["is_violation"] is True
        assert case["finding"]["grant_number"] == world.grant.number
        assert_problem(
            client.post(f"/api/v1/onceonly/cases/{case['id']}/handling"),
            status=403,
            code="permission-denied",
        )

        _sign_in(client, session, settings, Role.coordinator, coordinator_organization(session))
        queue = client.get("/api/v1/onceonly/cases", params={"open_only": "true"}).json()
        assert case["number"] in [c["number"] for c in queue["items"]]
        assert client.post(f"/api/v1/onceonly/cases/{case['id']}/handling").status_code == 200
        empty = client.post(f"/api/v1/onceonly/cases/{case['id']}/resolve", json={"text": ""})
        assert empty.status_code == 422
        done = client.post(
            f"/api/v1/onceonly/cases/{case['id']}/resolve", json={"text": "已改为平台回填"}
        )
        assert done.json()["state"] == "resolved"
        again = client.post(f"/api/v1/onceonly/cases/{case['id']}/dismiss", json={"text": "x"})
        assert_problem(again, status=409, code="onceonly.case-closed")

        login(client, session, citizen, settings)
        mine = client.get("/api/v1/onceonly/me/cases").json()
        assert mine["items"][0]["reply"] == "已改为平台回填"

        _sign_in(client, session, settings, Role.org_staff, world.other)
        assert_problem(
            client.get(f"/api/v1/onceonly/cases/{case['id']}"),
            status=404,
            code="onceonly.case-not-found",
        )
