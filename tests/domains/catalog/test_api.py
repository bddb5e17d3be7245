"""HTTP contract of the catalog API: status codes, problem bodies, schemas, permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.security import SYSTEM
from smartcity.core.time import freeze_time
from smartcity.domains.audit import service as audit_service
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from tests.factories.catalog import (
    draft_data,
    item,
    make_draft,
    make_entry,
    make_legal_basis,
    make_source_system,
)
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization, make_organization
from tests.helpers.problems import assert_problem

BASE = "/api/v1/catalog"


def _login(
    client: TestClient,
    session: Session,
    settings: Settings,
    organization: Organization | None,
    role: Role = Role.org_staff,
) -> None:
    login(client, session, make_user(session, organization=organization, roles=[role]), settings)


def _as_coordinator(client: TestClient, session: Session, settings: Settings) -> None:
    _login(client, session, settings, coordinator_organization(session), Role.coordinator)


def _body(provider: Organization, **values: Any) -> dict[str, Any]:
    return draft_data(provider, **values).model_dump(mode="json")


class TestSearch:
    def test_requires_credentials(self, client: TestClient) -> None:
        assert_problem(
            client.get(f"{BASE}/entries?q=公交"), status=401, code="authentication-required"
        )

    def test_returns_hits_and_facets(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        make_entry(session, name="城市公交线路数据")
        make_entry(session, name="空气质量小时数据")
        _login(client, session, settings, None, Role.citizen)

        response = client.get(f"{BASE}/entries", params={"q": "公交", "size": 5})

        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["total"], body["page"], body["size"]) == (1, 1, 5)
        assert body["items"][0]["name"] == "城市公交线路数据"
        assert body["items"][0]["is_stale"] is False
        assert [facet["name"] for facet in body["facets"]] == [
            "provider",
            "kind",
            "share_type",
            "open_type",
            "grade",
            "format",
        ]

    def test_bad_filters_are_422(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _login(client, session, settings, None, Role.citizen)
        response = client.get(f"{BASE}/entries", params={"share_type": "sometimes"})
        assert_problem(response, status=422, code="invalid-input")


class TestCreateDraft:
    def test_requires_credentials(self, client: TestClient, session: Session) -> None:
        response = client.post(f"{BASE}/entries", json=_body(make_organization(session)))
        assert_problem(response, status=401, code="authentication-required")

    def test_citizens_are_forbidden(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _login(client, session, settings, None, Role.citizen)
        response = client.post(f"{BASE}/entries", json=_body(make_organization(session)))
        assert_problem(response, status=403, code="permission-denied")

    def test_staff_cannot_draft_for_another_organization(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _login(client, session, settings, make_organization(session))
        response = client.post(f"{BASE}/entries", json=_body(make_organization(session)))
        assert_problem(response, status=403, code="permission-denied")

    def test_creates_a_draft(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        _login(client, session, settings, provider)

        response = client.post(f"{BASE}/entries", json=_body(provider, name="城市公交线路数据"))

        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["number"], body["state"]) == (1, "draft")
        assert body["content"]["name"] == "城市公交线路数据"
        assert audit_service.actions_for(session, subject_id=body["entry_id"]) == [
            "catalog.entry.drafted"
        ]

    def test_shape_errors_are_422_with_fields(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        _login(client, session, settings, provider)
        body = _body(provider)
        body["category_code"] = "小写"
        problem = assert_problem(
            client.post(f"{BASE}/entries", json=body), status=422, code="invalid-input"
        )
        assert any(error["field"] == "category_code" for error in problem["errors"])

    def test_not_shared_without_legal_basis_is_refused(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        _login(client, session, settings, provider)
        body = _body(provider, share_type="none", share_mode=None)
        problem = assert_problem(
            client.post(f"{BASE}/entries", json=body),
            status=422,
            code="catalog.legal-basis-required",
        )
        assert problem["field"] == "legal_basis_ids"

    def test_a_repealed_legal_basis_is_refused(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        basis = make_legal_basis(session, repealed_date="2020-01-01")
        _login(client, session, settings, provider)
        body = _body(provider, share_type="none", share_mode=None, legal_basis_ids=[basis.id])
        assert_problem(
            client.post(f"{BASE}/entries", json=body),
            status=422,
            code="registry.legal-basis-not-citable",
        )

    def test_a_taken_resource_code_is_409(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        make_draft(session, provider=provider, resource_code="C.01.01/424242")
        _login(client, session, settings, provider)
        response = client.post(
            f"{BASE}/entries", json=_body(provider, resource_code="C.01.01/424242")
        )
        assert_problem(response, status=409, code="catalog.resource-code-taken")


class TestGetEntry:
    def test_reads_items_grade_legal_bases_and_flags(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session, name="济宁市公安局")
        basis = make_legal_basis(session, title="《测试条例》", article="第九条")
        entry = make_entry(
            session,
            provider=provider,
            items=[item("姓名", grade_code="G3"), item("公民身份号码", grade_code="G4")],
            share_type="conditional",
            share_condition="仅限依法履职",
            share_mode="query",
            legal_basis_ids=[basis.id],
        )
        _login(client, session, settings, make_organization(session))

        response = client.get(f"{BASE}/entries/{entry.id}")

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["provider_name"] == "济宁市公安局"
        assert [i["name"] for i in body["items"]] == ["姓名", "公民身份号码"]
        assert (body["grade_code"], body["grade"]["name"]) == ("G4", "敏感")
        assert body["legal_bases"] == [
            {
                "id": str(basis.id),
                "code": basis.code,
                "citation": "《测试条例》第九条",
                "repealed_date": None,
            }
        ]
        assert (body["status"], body["version"], body["is_stale"]) == ("published", 1, False)

    def test_drafts_of_others_look_missing(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        version = make_draft(session)
        _login(client, session, settings, make_organization(session))
        response = client.get(f"{BASE}/entries/{version.entry_id}")
        assert_problem(response, status=404, code="catalog.entry-not-found")

    def test_stale_entries_say_so(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        now = datetime(2026, 6, 30, 4, tzinfo=UTC)
        provider = make_organization(session)
        system = make_source_system(
            session, owner=provider, composition_changed_at=now - timedelta(days=20)
        )
        with freeze_time(now - timedelta(days=30)):
            entry = make_entry(session, provider=provider, source_system_id=system.id)
        _as_coordinator(client, session, settings)
        with freeze_time(now):
            body = client.get(f"{BASE}/entries/{entry.id}").json()
            stale = client.get(f"{BASE}/stale-entries", params={"provider": str(provider.id)})
        assert body["is_stale"] is True
        assert [e["id"] for e in stale.json()["items"]] == [str(entry.id)]


class TestWorkflow:
    def test_draft_submit_return_resubmit_approve(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        version = make_draft(session, provider=provider)
        entry_id = version.entry_id
        staff = make_user(session, organization=provider, roles=[Role.org_staff])
        coordinator = make_user(
            session, organization=coordinator_organization(session), roles=[Role.coordinator]
        )

        login(client, session, staff, settings)
        assert client.post(f"{BASE}/entries/{entry_id}/submit").json()["state"] == "submitted"
        assert_problem(
            client.post(f"{BASE}/entries/{entry_id}/approve", json={}),
            status=403,
            code="permission-denied",
        )

        login(client, session, coordinator, settings)
        assert_problem(
            client.post(f"{BASE}/entries/{entry_id}/return", json={"opinion": ""}),
            status=422,
            code="invalid-input",
        )
        returned = client.post(f"{BASE}/entries/{entry_id}/return", json={"opinion": "请补充摘要"})
        assert returned.json()["review_opinion"] == "请补充摘要"
        queue = client.get(f"{BASE}/versions", params={"state": "submitted"}).json()
        assert str(entry_id) not in {v["entry_id"] for v in queue["items"]}

        login(client, session, staff, settings)
        body = _body(provider, resource_code=version.resource_code, abstract="补充后的摘要")
        assert client.put(f"{BASE}/entries/{entry_id}/draft", json=body).status_code == 200
        client.post(f"{BASE}/entries/{entry_id}/submit")

        login(client, session, coordinator, settings)
        approved = client.post(f"{BASE}/entries/{entry_id}/approve", json={"opinion": "同意"})
        assert approved.status_code == 200, approved.text
        assert (approved.json()["status"], approved.json()["version"]) == ("published", 1)
        assert_problem(
            client.post(f"{BASE}/entries/{entry_id}/approve"),
            status=409,
            code="catalog.invalid-transition",
        )

    def test_published_entries_change_only_through_versions(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        entry = make_entry(session, provider=provider, items=[item("名称"), item("地址")])
        _login(client, session, settings, provider, Role.org_admin)
        body = _body(
            provider,
            resource_code=entry.resource_code,
            name="第二版",
            items=[item("名称"), item("电话")],
        )

        assert_problem(
            client.put(f"{BASE}/entries/{entry.id}/draft", json=body),
            status=409,
            code="catalog.entry-not-editable",
        )
        created = client.post(f"{BASE}/entries/{entry.id}/versions", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["number"] == 2
        assert_problem(
            client.post(f"{BASE}/entries/{entry.id}/versions", json=body),
            status=409,
            code="catalog.version-pending",
        )
        assert client.get(f"{BASE}/entries/{entry.id}").json()["name"] != "第二版"

        diff = client.get(f"{BASE}/entries/{entry.id}/versions/diff", params={"from": 1, "to": 2})
        assert diff.status_code == 200, diff.text
        assert diff.json()["fields"]["name"][1] == "第二版"
        assert (diff.json()["items_added"], diff.json()["items_removed"]) == (["电话"], ["地址"])
        history = client.get(f"{BASE}/entries/{entry.id}/versions").json()
        assert [v["number"] for v in history] == [2, 1]
        one = client.get(f"{BASE}/entries/{entry.id}/versions/1")
        assert one.json()["content"]["resource_code"] == entry.resource_code
        assert_problem(
            client.get(f"{BASE}/entries/{entry.id}/versions/9"),
            status=404,
            code="catalog.version-not-found",
        )

    def test_withdrawal_by_the_coordinator(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        entry = make_entry(session, name="城市公交线路数据")
        _as_coordinator(client, session, settings)
        response = client.post(f"{BASE}/entries/{entry.id}/withdraw", json={"reason": "停止采集"})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "withdrawn"
        assert client.get(f"{BASE}/entries", params={"q": "公交"}).json()["total"] == 0


class TestGrades:
    def test_everyone_reads_and_the_coordinator_manages(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _login(client, session, settings, make_organization(session))
        codes = [g["code"] for g in client.get(f"{BASE}/grades").json()]
        assert codes[:6] == ["G1", "G2", "G3", "G4", "IMPORTANT", "CORE"]
        new = {"code": "G9", "name": "新级别", "rank": 90, "category": "general"}
        assert_problem(
            client.post(f"{BASE}/grades", json=new), status=403, code="permission-denied"
        )

        _as_coordinator(client, session, settings)
        assert client.post(f"{BASE}/grades", json=new).status_code == 201
        assert_problem(
            client.post(f"{BASE}/grades", json=new), status=409, code="catalog.grade-code-taken"
        )
        renamed = client.patch(f"{BASE}/grades/G9", json={"name": "改名"})
        assert renamed.json()["name"] == "改名"
        assert client.delete(f"{BASE}/grades/G9").status_code == 204
        assert_problem(
            client.patch(f"{BASE}/grades/G9", json={"name": "x"}),
            status=404,
            code="catalog.grade-not-found",
        )

    def test_used_grades_are_not_deleted(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        make_entry(session, items=[item(grade_code="G2")])
        _as_coordinator(client, session, settings)
        assert_problem(client.delete(f"{BASE}/grades/G2"), status=409, code="catalog.grade-in-use")


def test_openapi_documents_the_catalog(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/v1/catalog/entries" in paths
    assert "409" in paths["/api/v1/catalog/entries/{entry_id}/versions"]["post"]["responses"]


def test_services_serve_the_seeded_system_actor(session: Session) -> None:
    assert catalog_service.list_grades(session, actor=SYSTEM)
