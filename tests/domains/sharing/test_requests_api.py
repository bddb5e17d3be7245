"""The share-request API: submit, check, answer, grants, problems."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.audit import service as audit_service
from smartcity.domains.catalog.enums import ShareType
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from tests.factories.catalog import make_legal_basis, provider_of
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization
from tests.factories.sharing import make_department, make_shared_entry
from tests.helpers.problems import assert_problem

BASE = "/api/v1/sharing"


def _login(
    client: TestClient,
    session: Session,
    settings: Settings,
    organization: Organization | None,
    role: Role = Role.org_staff,
) -> None:
    login(client, session, make_user(session, organization=organization, roles=[role]), settings)


def _body(entry_id: Any, **values: Any) -> dict[str, Any]:
    data = {
        "entry_id": str(entry_id),
        "items": ["姓名", "住址"],
        "purpose": "核验身份",
        "scenario": "居住证办理",
        "query_modes": ["lookup"],
        "requested_months": 6,
        "expected_volume": 100,
    }
    data.update(values)
    return data


def test_requires_credentials(client: TestClient) -> None:
    assert_problem(client.get(f"{BASE}/requests"), status=401, code="authentication-required")


def test_conditional_request_through_the_api(
    client: TestClient, session: Session, settings: Settings
) -> None:
    entry = make_shared_entry(session, share_type=ShareType.conditional)
    consumer = make_department(session)
    _login(client, session, settings, consumer)
    response = client.post(f"{BASE}/requests", json=_body(entry.id))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["state"] == "compliance_check"
    assert created["clock"]["waiting_for"] == "compliance_check"
    assert created["clock"]["reminded_at"] is None
    assert created["check_reminded_at"] is None
    assert created["answer_reminded_at"] is None
    assert isinstance(created["clock"]["due_soon"], bool)
    request_id = created["id"]
    assert_problem(
        client.post(f"{BASE}/requests", json=_body(entry.id, items=["无此项"])),
        status=422,
        code="sharing.invalid-request",
    )
    assert_problem(
        client.post(f"{BASE}/requests", json=_body(entry.id, requested_months=37)),
        status=422,
        code="invalid-input",
    )
    made = client.get(f"{BASE}/requests", params={"role": "made"}).json()
    assert [r["id"] for r in made["items"]] == [request_id]

    _login(client, session, settings, coordinator_organization(session), Role.coordinator)
    assert_problem(
        client.post(f"{BASE}/requests/{request_id}/check", json={"passed": False, "opinion": "x"}),
        status=422,
        code="sharing.refusal-basis-required",
    )
    checked = client.post(f"{BASE}/requests/{request_id}/check", json={"passed": True})
    assert checked.json()["state"] == "provider_review", checked.text

    _login(client, session, settings, make_department(session), Role.org_admin)
    assert_problem(
        client.post(f"{BASE}/requests/{request_id}/answer", json={"granted_items": ["姓名"]}),
        status=404,
        code="sharing.request-not-found",
    )
    _login(client, session, settings, provider_of(session, entry), Role.org_admin)
    basis = make_legal_basis(session)
    answered = client.post(
        f"{BASE}/requests/{request_id}/answer",
        json={
            "granted_items": ["姓名"],
            "refusal_basis_id": str(basis.id),
            "opinion": "住址不共享",
        },
    )
    assert answered.json()["state"] == "partially_granted", answered.text
    grants = client.get(f"{BASE}/grants", params={"role": "received"}).json()["items"]
    assert [g["items"] for g in grants] == [["姓名"]]
    grant_id = grants[0]["id"]
    renewed = client.post(f"{BASE}/grants/{grant_id}/renew", json={"months": 3})
    assert renewed.status_code == 200, renewed.text
    revoked = client.post(f"{BASE}/grants/{grant_id}/revoke", json={"reason": "停止使用"})
    assert revoked.json()["state"] == "revoked"
    assert_problem(
        client.post(f"{BASE}/grants/{grant_id}/revoke", json={"reason": "again"}),
        status=409,
        code="sharing.grant-revoked",
    )
    assert audit_service.actions_for(session, subject_id=request_id)[-1] == (
        "sharing.request.answered"
    )
    counts = client.get(f"{BASE}/statistics/refusals").json()
    assert any(c["legal_basis_id"] == str(basis.id) for c in counts)


def test_citizen_cannot_request(client: TestClient, session: Session, settings: Settings) -> None:
    entry = make_shared_entry(session)
    _login(client, session, settings, None, Role.citizen)
    assert_problem(
        client.post(f"{BASE}/requests", json=_body(entry.id)),
        status=403,
        code="permission-denied",
    )
