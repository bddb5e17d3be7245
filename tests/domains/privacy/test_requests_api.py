"""The correction and deletion API (Art. 68): the citizen files and withdraws on his own
record, the source department answers, bad input is a problem and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.identity.permissions import Role
from smartcity.domains.privacy.models import DataRequest
from tests.domains.privacy.world import PrivacyWorld, privacy_world
from tests.factories.catalog import make_legal_basis
from tests.factories.identity import login, make_user
from tests.helpers.problems import assert_problem


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrivacyWorld:
    return privacy_world(session, tmp_path)


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DataRequest)) or 0


def _body(world: PrivacyWorld, **values: str) -> dict[str, str]:
    return {
        "kind": "correction",
        "table_name": world.exchange.table_name,
        "field_name": "姓名",
        "claimed_value": "王更正",
        **values,
    }


def test_file_list_and_withdraw_and_bad_input(
    client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
) -> None:
    login(client, session, world.user, settings)
    before = _count(session)
    bad = client.post("/api/v1/privacy/me/requests", json=_body(world, field_name="无此项"))
    body = assert_problem(bad, status=422, code="privacy.invalid-request")
    assert body["field"] == "field_name"
    assert _count(session) == before

    filed = client.post("/api/v1/privacy/me/requests", json=_body(world))
    assert filed.status_code == 201, filed.text
    assert filed.json()["state"] == "submitted"
    assert filed.json()["source_organization_id"] == str(world.exchange.provider.id)
    listed = client.get("/api/v1/privacy/me/requests").json()
    assert [r["number"] for r in listed["items"]] == [filed.json()["number"]]
    again = client.post("/api/v1/privacy/me/requests", json=_body(world))
    assert_problem(again, status=409, code="privacy.request-state")

    withdrawn = client.post(f"/api/v1/privacy/me/requests/{filed.json()['id']}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["state"] == "withdrawn"


def test_the_source_department_answers_and_a_refusal_cites_a_basis(
    client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
) -> None:
    login(client, session, world.user, settings)
    filed = client.post("/api/v1/privacy/me/requests", json=_body(world)).json()
    client.cookies.clear()
    staff = make_user(session, organization=world.exchange.provider, roles=[Role.org_staff])
    login(client, session, staff, settings)

    queue = client.get("/api/v1/privacy/requests", params={"open_only": True}).json()
    assert [r["number"] for r in queue["items"]] == [filed["number"]]
    url = f"/api/v1/privacy/requests/{filed['id']}/answer"
    no_basis = client.post(url, json={"outcome": "refused", "answer": "与档案一致"})
    assert_problem(no_basis, status=422, code="privacy.refusal-basis-required")
    basis = make_legal_basis(session)
    refused = client.post(
        url,
        json={"outcome": "refused", "answer": "与档案一致", "refusal_basis_id": str(basis.id)},
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["refusal_basis_citation"] == basis.citation


def test_citizens_have_no_queue(
    client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
) -> None:
    login(client, session, world.user, settings)
    assert_problem(client.get("/api/v1/privacy/requests"), status=403, code="permission-denied")
