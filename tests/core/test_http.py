"""The HTTP kernel: problems for every failure, request ids, body limits, no partial writes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.http.deps import SessionDep
from smartcity.core.security import SYSTEM
from smartcity.domains.audit.models import AuditEvent
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.enums import OrganizationKind
from smartcity.domains.registry.models import Organization
from smartcity.domains.registry.schemas import OrganizationCreate
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization
from tests.helpers.problems import assert_problem


def test_unknown_routes_are_404_problems(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/no-such-thing"), status=404, code="not-found")


def test_wrong_method_is_a_405_problem(client: TestClient) -> None:
    assert_problem(client.delete("/api/v1/identity/me"), status=405, code="method-not-allowed")


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    response = client.get("/api/v1/identity/me", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    assert len(client.get("/api/v1/identity/me").headers["x-request-id"]) == 16
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_chunked_body_over_the_limit_is_cut_off(client: TestClient, settings: object) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b"x" * 65536

    response = client.post(
        "/api/v1/registry/organizations",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert_problem(response, status=413, code="payload-too-large")


def test_a_crash_mid_request_leaves_no_partial_rows_and_no_orphan_audit_event(
    client: TestClient, session: Session
) -> None:
    router = APIRouter()

    @router.post("/api/v1/test-only/crash")
    def crash(db: SessionDep) -> None:
        registry_service.create_organization(
            db,
            actor=SYSTEM,
            data=OrganizationCreate(code="CRASH-1", name="半途而废局", kind=OrganizationKind.other),
        )
        raise RuntimeError("simulated failure after a write")

    client.app.include_router(router)  # type: ignore[attr-defined]
    response = client.post("/api/v1/test-only/crash")
    body = assert_problem(response, status=500, code="internal-error")
    assert "simulated" not in body["detail"]
    assert session.scalar(select(Organization).where(Organization.code == "CRASH-1")) is None
    assert (
        session.scalar(select(AuditEvent).where(AuditEvent.subject_label == "半途而废局")) is None
    )


def test_openapi_documents_problem_responses(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    create = spec["paths"]["/api/v1/registry/organizations"]["post"]
    assert "422" in create["responses"]
    assert create["operationId"] == "registry-create_organization"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/registry/organizations",
        "/api/v1/registry/legal-bases",
        "/api/v1/registry/systems",
        "/api/v1/identity/users",
        "/api/v1/audit/events",
    ],
)
def test_filtered_lists_accept_paging_and_refuse_unknown_parameters(
    client: TestClient, session: Session, settings: Settings, path: str
) -> None:
    user = make_user(
        session, organization=coordinator_organization(session), roles=[Role.coordinator]
    )
    login(client, session, user, settings)
    paged = client.get(path, params={"page": 1, "size": 2})
    assert paged.status_code == 200, paged.text
    assert paged.json()["size"] == 2
    assert_problem(client.get(path, params={"bogus": "1"}), status=422, code="invalid-input")
