"""HTTP contract of the information systems registry and the city-cloud reports."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import event
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.security import SYSTEM
from smartcity.core.tabular import XLSX_MEDIA_TYPE
from smartcity.core.time import freeze_time
from smartcity.domains.audit import service as audit_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.enums import SystemLifecycle
from smartcity.domains.registry.models import Organization
from smartcity.domains.registry.schemas import SystemChangeCreate
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization
from tests.factories.systems import (
    make_department,
    make_legal_basis,
    make_system,
    pending_requests,
    preexisting,
)
from tests.helpers.problems import assert_problem

SYSTEMS = "/api/v1/registry/systems"
TODAY = datetime(2026, 10, 12, 4, 0, tzinfo=UTC)


def _as(
    client: TestClient,
    session: Session,
    settings: Settings,
    role: Role,
    organization: Organization | None = None,
) -> None:
    if role is Role.coordinator:
        organization = coordinator_organization(session)
    user = make_user(session, organization=organization, roles=[role])
    login(client, session, user, settings)


def _body(owner: Organization, **values: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "owner_organization_id": str(owner.id),
        "code": "JN-SCJG-001",
        "name": "市场主体登记系统",
        "purpose": "企业和个体工商户登记注册",
        "data_holdings": ["市场主体登记信息", "法定代表人信息"],
        "lifecycle_status": "in_use",
        "protection_level": 3,
        "cloud_status": "deployed",
        "contacts": [{"name": "张工", "role": "系统管理员", "phone": "0537-0000001"}],
    }
    body.update(values)
    return body


class TestListSystems:
    def test_requires_credentials(self, client: TestClient) -> None:
        assert_problem(client.get(SYSTEMS), status=401, code="authentication-required")

    def test_anyone_signed_in_pages_through_the_registry(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session, name="济宁市分页测试局")
        for number in range(3):
            make_system(session, owner=owner, code=f"PAGE-{number}")
        _as(client, session, settings, Role.citizen)

        first = client.get(SYSTEMS, params={"owner_organization_id": str(owner.id), "size": 2})
        second = client.get(
            SYSTEMS, params={"owner_organization_id": str(owner.id), "size": 2, "page": 2}
        )

        assert first.status_code == 200, first.text
        assert first.json()["total"] == 3
        assert [s["code"] for s in first.json()["items"]] == ["PAGE-0", "PAGE-1"]
        assert [s["code"] for s in second.json()["items"]] == ["PAGE-2"]
        assert first.json()["items"][0]["owner_name"] == "济宁市分页测试局"

    def test_a_bad_filter_is_a_422_problem(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.citizen)
        response = client.get(SYSTEMS, params={"cloud_status": "on_the_moon"})
        assert_problem(response, status=422, code="invalid-input")


class TestRegisterSystem:
    def test_requires_credentials(self, client: TestClient, session: Session) -> None:
        response = client.post(SYSTEMS, json=_body(make_department(session)))
        assert_problem(response, status=401, code="authentication-required")

    def test_staff_and_other_organizations_are_forbidden(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        _as(client, session, settings, Role.org_staff, owner)
        assert_problem(
            client.post(SYSTEMS, json=_body(owner)), status=403, code="permission-denied"
        )
        _as(client, session, settings, Role.org_admin, make_department(session))
        assert_problem(
            client.post(SYSTEMS, json=_body(owner)), status=403, code="permission-denied"
        )

    def test_the_owners_administrator_registers(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        _as(client, session, settings, Role.org_admin, owner)

        response = client.post(SYSTEMS, json=_body(owner))

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["code"] == "JN-SCJG-001"
        assert body["approved_snapshot"] is None
        assert body["contacts"][0]["name"] == "张工"
        assert {d["field"] for d in body["differences"]} >= {"name", "data_holdings"}
        assert audit_service.actions_for(session, subject_id=body["id"])[0] == (
            "registry.system.registered"
        )

    def test_a_new_system_in_use_off_the_cloud_is_refused(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        _as(client, session, settings, Role.org_admin, owner)
        response = client.post(SYSTEMS, json=_body(owner, cloud_status="not_migrated"))
        body = assert_problem(response, status=422, code="registry.cloud-deployment-required")
        assert body["field"] == "cloud_status"

    def test_an_exemption_needs_a_legal_basis(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        _as(client, session, settings, Role.org_admin, owner)
        response = client.post(
            SYSTEMS, json=_body(owner, cloud_status="exempt", exemption_reason="涉密")
        )
        assert_problem(response, status=422, code="registry.cloud-exemption-basis-required")
        basis = make_legal_basis(session)
        response = client.post(
            SYSTEMS,
            json=_body(
                owner,
                cloud_status="exempt",
                exemption_reason="涉密",
                exemption_legal_basis_id=str(basis.id),
            ),
        )
        assert response.status_code == 201, response.text
        assert response.json()["exemption_legal_basis"]["code"] == basis.code

    def test_codes_are_unique(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        make_system(session, owner=owner, code="JN-SCJG-001")
        _as(client, session, settings, Role.org_admin, owner)
        assert_problem(
            client.post(SYSTEMS, json=_body(owner)), status=409, code="registry.system-code-taken"
        )

    def test_shape_errors_name_the_field(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        _as(client, session, settings, Role.org_admin, owner)
        response = client.post(SYSTEMS, json=_body(owner, protection_level=6, extra="x"))
        body = assert_problem(response, status=422, code="invalid-input")
        assert {e["field"] for e in body["errors"]} == {"protection_level", "extra"}


class TestGetAndEditSystem:
    def test_unknown_systems_are_404(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.citizen)
        response = client.get(f"{SYSTEMS}/{make_department(session).id}")
        assert_problem(response, status=404, code="registry.information-system-not-found")

    def test_an_edit_shows_as_a_difference(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        system = make_system(session, owner=owner, user_count=10)
        _as(client, session, settings, Role.org_admin, owner)

        response = client.patch(f"{SYSTEMS}/{system.id}", json={"user_count": 20})

        assert response.status_code == 200, response.text
        assert response.json()["differences"] == [
            {"field": "user_count", "label": "用户数", "approved": 10, "current": 20}
        ]

    def test_going_into_use_by_editing_is_a_409(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        system = make_system(session, owner=owner, lifecycle_status=SystemLifecycle.building)
        _as(client, session, settings, Role.org_admin, owner)
        response = client.patch(f"{SYSTEMS}/{system.id}", json={"lifecycle_status": "in_use"})
        body = assert_problem(response, status=409, code="registry.change-needs-approval")
        assert body["kind"] == "go_live"

    def test_other_organizations_may_read_but_not_edit(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        system = make_system(session)
        _as(client, session, settings, Role.org_admin, make_department(session))
        assert client.get(f"{SYSTEMS}/{system.id}").status_code == 200
        response = client.patch(f"{SYSTEMS}/{system.id}", json={"purpose": "越权"})
        assert_problem(response, status=403, code="permission-denied")

    def test_null_for_a_required_field_is_a_422(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        system = make_system(session, owner=owner)
        _as(client, session, settings, Role.org_admin, owner)
        response = client.patch(f"{SYSTEMS}/{system.id}", json={"name": None})
        assert_problem(response, status=422, code="invalid-input")


class TestChangeRequests:
    def test_the_owner_proposes_and_the_coordinator_approves(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        system = make_system(session, owner=owner, lifecycle_status=SystemLifecycle.building)
        _as(client, session, settings, Role.org_admin, owner)

        proposed = client.post(
            f"{SYSTEMS}/{system.id}/change-requests", json={"kind": "go_live", "reason": "验收"}
        )
        assert proposed.status_code == 201, proposed.text
        request_id = proposed.json()["id"]
        again = client.post(f"{SYSTEMS}/{system.id}/change-requests", json={"kind": "go_live"})
        assert_problem(again, status=409, code="registry.change-request-pending")
        assert_problem(
            client.post(f"{SYSTEMS}/change-requests/{request_id}/approve", json={}),
            status=403,
            code="permission-denied",
        )

        _as(client, session, settings, Role.coordinator)
        queue = client.get(f"{SYSTEMS}/change-requests", params={"status": "pending"})
        assert request_id in {r["id"] for r in queue.json()["items"]}
        approved = client.post(
            f"{SYSTEMS}/change-requests/{request_id}/approve", json={"opinion": "同意上线"}
        )

        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "approved"
        assert approved.json()["opinion"] == "同意上线"
        assert approved.json()["system_code"] == system.code
        assert client.get(f"{SYSTEMS}/{system.id}").json()["lifecycle_status"] == "in_use"
        twice = client.post(f"{SYSTEMS}/change-requests/{request_id}/approve", json={})
        assert_problem(twice, status=409, code="registry.change-request-decided")

    def test_a_return_needs_an_opinion(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        system = make_system(session, approved=False)
        [request] = pending_requests(session, system)
        _as(client, session, settings, Role.coordinator)
        url = f"{SYSTEMS}/change-requests/{request.id}/reject"
        assert_problem(
            client.post(url, json={"opinion": ""}), status=422, code="registry.opinion-required"
        )
        response = client.post(url, json={"opinion": "请补充等保测评信息"})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "rejected"

    def test_other_organizations_requests_are_404(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        system = make_system(session, approved=False)
        [request] = pending_requests(session, system)
        _as(client, session, settings, Role.org_admin, make_department(session))
        response = client.get(f"{SYSTEMS}/change-requests/{request.id}")
        assert_problem(response, status=404, code="registry.change-request-not-found")
        listed = client.get(f"{SYSTEMS}/change-requests", params={"system_id": str(system.id)})
        assert listed.json()["total"] == 0

    def test_a_composition_change_is_proposed_with_its_data_objects(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        system = make_system(session, owner=owner)
        _as(client, session, settings, Role.org_admin, owner)
        response = client.post(
            f"{SYSTEMS}/{system.id}/change-requests",
            json={"kind": "composition_change", "data_holdings": ["人口基本信息", "婚姻登记"]},
        )
        assert response.status_code == 201, response.text
        assert response.json()["proposed_changes"] == {
            "data_holdings": ["人口基本信息", "婚姻登记"]
        }
        same = client.post(
            f"{SYSTEMS}/{system.id}/change-requests", json={"kind": "retirement", "x": 1}
        )
        assert_problem(same, status=422, code="invalid-input")

    def test_a_change_request_to_an_unknown_system_is_404(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.coordinator)
        response = client.post(
            f"{SYSTEMS}/{make_department(session).id}/change-requests", json={"kind": "go_live"}
        )
        assert_problem(response, status=404, code="registry.information-system-not-found")


class TestCloudReports:
    @pytest.fixture
    def late_system(self, session: Session) -> None:
        owner = make_department(session, name="济宁市报告测试局")
        make_system(session, owner=owner, code="LATE-API", **preexisting())
        registry_service.propose_system_change(
            session,
            actor=SYSTEM,
            system_id=make_system(session, owner=owner).id,
            data=SystemChangeCreate(kind="retirement"),
        )

    def test_reports_require_credentials(self, client: TestClient) -> None:
        for path in ("/api/v1/registry/cloud/dashboard", "/api/v1/registry/cloud/overdue-report"):
            assert_problem(client.get(path), status=401, code="authentication-required")

    @pytest.mark.usefixtures("late_system")
    def test_dashboard(self, client: TestClient, session: Session, settings: Settings) -> None:
        _as(client, session, settings, Role.citizen)
        response = client.get("/api/v1/registry/cloud/dashboard")
        assert response.status_code == 200, response.text
        body = response.json()
        [row] = [d for d in body["departments"] if d["name"] == "济宁市报告测试局"]
        assert row["figures"] == {
            "total": 2,
            "deployed": 1,
            "migrating": 1,
            "not_migrated": 0,
            "exempt": 0,
            "overdue": 1,
            "rate": 0.5,
        }

    @pytest.mark.usefixtures("late_system")
    def test_overdue_report_as_json_and_xlsx(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.org_staff, make_department(session))
        with freeze_time(TODAY):
            report = client.get("/api/v1/registry/cloud/overdue-report")
            workbook = client.get("/api/v1/registry/cloud/overdue-report?format=xlsx")

        assert report.status_code == 200, report.text
        [row] = [r for r in report.json()["rows"] if r["system_code"] == "LATE-API"]
        assert (row["days_late"], row["working_days_late"]) == (12, 4)
        assert workbook.headers["content-type"] == XLSX_MEDIA_TYPE
        assert "overdue-migrations-2026-10-12.xlsx" in workbook.headers["content-disposition"]
        sheet = load_workbook(io.BytesIO(workbook.content)).worksheets[0]
        codes = [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)]
        assert "LATE-API" in codes


@contextmanager
def _counting(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def _count(*args: Any) -> None:
        statements.append(str(args[2]))

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", _count)


class TestQueryCounts:
    """Lists cost the same number of queries for 2 rows as for 12 (no N+1)."""

    def _queries(self, client: TestClient, session: Session, path: str) -> int:
        with _counting(session) as statements:
            response = client.get(path)
        assert response.status_code == 200, response.text
        return len(statements)

    def test_lists_and_reports_do_not_grow_with_the_rows(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        paths = (
            f"{SYSTEMS}?size=50",
            f"{SYSTEMS}/change-requests?size=50",
            "/api/v1/registry/cloud/overdue-report",
            "/api/v1/registry/cloud/dashboard",
            "/registry/systems?size=50",
            "/registry/systems/reviews",
        )
        _as(client, session, settings, Role.coordinator)

        def create(count: int) -> None:
            for _ in range(count):
                owner = make_department(session)
                make_system(session, owner=owner, approved=False, **preexisting())

        create(2)
        few = [self._queries(client, session, path) for path in paths]
        create(10)
        many = [self._queries(client, session, path) for path in paths]

        assert all(few)
        assert many == few
