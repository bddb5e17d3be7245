"""Identifier checks over HTTP: the 422 problem names the position that fails."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from tests.factories.identity import login, make_user
from tests.factories.registry import make_organization
from tests.helpers.problems import assert_problem

URL = "/api/v1/tools/identifiers/check"


@pytest.fixture
def signed_in(client: TestClient, session: Session, settings: Settings) -> TestClient:
    login(client, session, make_user(session, organization=make_organization(session)), settings)
    return client


def test_needs_credentials(client: TestClient) -> None:
    response = client.post(URL, json={"kind": "id_number", "value": "370811198503121019"})
    assert_problem(response, status=401, code="authentication-required")


def test_a_valid_id_number_is_parsed(signed_in: TestClient) -> None:
    body = signed_in.post(URL, json={"kind": "id_number", "value": "37082619720101009x"}).json()
    assert body["value"] == "37082619720101009X"
    assert body["region_name"] == "微山县"
    assert body["birth_date"] == "1972-01-01"
    assert body["gender"] == "male"


@pytest.mark.parametrize(
    ("kind", "value", "position", "reason"),
    [
        ("id_number", "370811198503121010", 18, "id-number.check-character"),
        ("id_number", "370811198502301018", 13, "id-number.birth-date"),
        ("id_number", "370899198503121011", 1, "id-number.region"),
        ("credit_code", "91370800MA3C4K8Q3B", 18, "credit-code.check-character"),
        ("credit_code", "91370800MA3O4K8Q3A", 12, "credit-code.charset"),
        ("division_code", "370899", None, None),
    ],
)
def test_an_invalid_identifier_names_the_failing_position(
    signed_in: TestClient, kind: str, value: str, position: int | None, reason: str | None
) -> None:
    body = assert_problem(
        signed_in.post(URL, json={"kind": kind, "value": value}),
        status=422,
        code="invalid-identifier",
    )
    if position is not None:
        assert body["position"] == position
        assert body["reason"] == reason
