"""HTTP contract of prefill with consent (Art. 28): the service's request and its one
delivery (bearer tokens, like the exchange API's callers), the citizen's consent, and
every refusal as an RFC 9457 problem."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.identifiers import make_id_number
from smartcity.core.pagination import PageParams
from smartcity.core.security import SYSTEM
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.identity.schemas import ApiClientCreate
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing import service as sharing_service
from tests.domains.onceonly.prefill_world import PrefillWorld, prefill_world
from tests.factories.identity import login
from tests.helpers.problems import assert_problem

BASE = "/api/v1/onceonly"


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrefillWorld:
    return prefill_world(session, tmp_path)


def bearer(session: Session, organization: Organization) -> dict[str, str]:
    _client, token = identity_service.create_api_client(
        session,
        actor=SYSTEM,
        data=ApiClientCreate(
            name="低保审批系统", organization_id=organization.id, roles=[Role.org_staff]
        ),
        max_days=365,
    )
    return {"Authorization": f"Bearer {token}"}


def ask(client: TestClient, headers: dict[str, str], world: PrefillWorld, **body: object) -> dict:  # type: ignore[type-arg]
    payload: dict[str, object] = {
        "form_code": world.form.code,
        "subject_key": world.key(),
        "case_reference": "低保-2026-0042",
        "purpose": "最低生活保障资格审核",
    }
    payload.update(body)
    response = client.post(f"{BASE}/prefill-requests", json=payload, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def prefill_log(session: Session, subject_key: str) -> list[tuple[str, int]]:
    """(result, records) of the exchange log's prefill entries about ``subject_key``, oldest
    first."""
    calls = sharing_service.calls_on_subject(
        session, subject_key, page=PageParams(page=1, size=100)
    ).items
    return [(c.result, c.records) for c in reversed(calls) if c.operation == "prefill"]


class TestRequestPrefill:
    def test_answers_an_id_and_a_consent_url_and_no_personal_value(
        self, client: TestClient, session: Session, world: PrefillWorld
    ) -> None:
        body = ask(client, bearer(session, world.department), world)

        assert body["state"] == "pending"
        assert body["consent_url"].endswith(f"/onceonly/prefill/{body['id']}")
        assert [f["label"] for f in body["offered"]] == ["姓名", "性别", "户籍地址", "联系电话"]
        text = str(body)
        for value in world.rows[0].values():
            if len(value) > 2:
                assert value not in text

    def test_the_answer_does_not_tell_whether_the_citizen_exists(
        self, client: TestClient, session: Session, world: PrefillWorld
    ) -> None:
        headers = bearer(session, world.department)
        known = ask(client, headers, world)
        unknown = ask(
            client, headers, world, subject_key=make_id_number("370811", date(1955, 3, 3), 772)
        )

        def shape(body: dict) -> object:  # type: ignore[type-arg]
            return (body["state"], body["offered"], sorted(body))

        assert shape(known) == shape(unknown)

    def test_bad_input_and_callers_are_refused_with_problems(
        self, client: TestClient, session: Session, settings: Settings, world: PrefillWorld
    ) -> None:
        headers = bearer(session, world.department)
        payload = {"form_code": world.form.code, "case_reference": "x"}

        bad_key = client.post(
            f"{BASE}/prefill-requests", json={**payload, "subject_key": "123"}, headers=headers
        )
        assert_problem(bad_key, status=422, code="onceonly.invalid-prefill")
        other = client.post(
            f"{BASE}/prefill-requests",
            json={**payload, "subject_key": world.key()},
            headers=bearer(session, world.other),
        )
        assert_problem(other, status=422, code="onceonly.invalid-prefill")
        anonymous = client.post(
            f"{BASE}/prefill-requests", json={**payload, "subject_key": world.key()}
        )
        assert_problem(anonymous, status=401, code="authentication-required")
        login(client, session, world.citizen_user, settings)
        citizen = client.post(
            f"{BASE}/prefill-requests", json={**payload, "subject_key": world.key()}
        )
        assert_problem(citizen, status=403, code="permission-denied")


class TestConsentAndDelivery:
    def test_end_to_end_approve_some_with_an_edit_then_deliver_once(
        self, client: TestClient, session: Session, settings: Settings, world: PrefillWorld
    ) -> None:
        service_headers = bearer(session, world.department)
        created = ask(client, service_headers, world)
        pending = client.get(f"{BASE}/prefill-requests/{created['id']}", headers=service_headers)
        assert_problem(pending, status=409, code="onceonly.prefill-pending")

        login(client, session, world.citizen_user, settings)
        preview = client.get(f"{BASE}/me/prefill-requests/{created['id']}")
        assert preview.status_code == 200, preview.text
        items = {i["label"]: i for i in preview.json()["items"]}
        assert items["姓名"]["value"] == world.rows[0]["姓名"]
        assert items["姓名"]["source_organization"] == world.provider.name
        approved = client.post(
            f"{BASE}/me/prefill-requests/{created['id']}/approve",
            json={
                "approved": [items["姓名"]["id"], items["户籍地址"]["id"]],
                "edits": {items["户籍地址"]["id"]: "济宁市任城区古槐路88号"},
            },
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["state"] == "approved"

        client.cookies.clear()
        delivered = client.get(f"{BASE}/prefill-requests/{created['id']}", headers=service_headers)
        assert delivered.status_code == 200, delivered.text
        values = {v["label"]: v for v in delivered.json()["values"]}
        assert set(values) == {"姓名", "户籍地址"}
        assert values["姓名"]["verified"] is True
        assert values["姓名"]["source_organization"] == world.provider.name
        assert values["姓名"]["updated_at"]
        assert values["户籍地址"] == {
            **values["户籍地址"],
            "verified": False,
            "value": "济宁市任城区古槐路88号",
            "source_organization": None,
            "updated_at": None,
        }
        again = client.get(f"{BASE}/prefill-requests/{created['id']}", headers=service_headers)
        assert_problem(again, status=409, code="onceonly.prefill-delivered")
        # Every fetch is in the exchange log, the refused ones with their problem code:
        # the citizen sees who tried to take his data, and when.
        assert prefill_log(session, world.key()) == [
            ("onceonly.prefill-pending", 0),
            ("ok", 1),
            ("onceonly.prefill-delivered", 0),
        ]

    def test_someone_elses_request_and_a_missing_one_look_the_same(
        self, client: TestClient, session: Session, settings: Settings, world: PrefillWorld
    ) -> None:
        created = ask(client, bearer(session, world.department), world)
        login(client, session, world.neighbour_user, settings)

        other = client.get(f"{BASE}/me/prefill-requests/{created['id']}")
        missing = client.get(f"{BASE}/me/prefill-requests/{world.form.id}")

        body = assert_problem(other, status=404, code="onceonly.prefill-not-found")
        assert (
            body["detail"]
            == assert_problem(missing, status=404, code="onceonly.prefill-not-found")["detail"]
        )
        declined = client.post(f"{BASE}/me/prefill-requests/{created['id']}/decline")
        assert_problem(declined, status=404, code="onceonly.prefill-not-found")

    def test_declined_and_revoked_give_nothing(
        self, client: TestClient, session: Session, settings: Settings, world: PrefillWorld
    ) -> None:
        service_headers = bearer(session, world.department)
        first = ask(client, service_headers, world)
        second = ask(client, service_headers, world, case_reference="低保-2026-0043")
        login(client, session, world.citizen_user, settings)
        assert client.post(f"{BASE}/me/prefill-requests/{first['id']}/decline").status_code == 200
        items = client.get(f"{BASE}/me/prefill-requests/{second['id']}").json()["items"]
        client.post(
            f"{BASE}/me/prefill-requests/{second['id']}/approve",
            json={"approved": [items[0]["id"]]},
        )
        revoked = client.post(f"{BASE}/me/prefill-requests/{second['id']}/revoke")
        assert revoked.json()["state"] == "revoked"
        refused = client.post(
            f"{BASE}/me/prefill-requests/{first['id']}/approve",
            json={"approved": [items[0]["id"]]},
        )
        assert_problem(refused, status=409, code="onceonly.prefill-closed")
        mine = client.get(f"{BASE}/me/prefill-requests").json()
        assert {r["state"] for r in mine} == {"declined", "revoked"}

        client.cookies.clear()
        for created in (first, second):
            fetched = client.get(
                f"{BASE}/prefill-requests/{created['id']}", headers=service_headers
            )
            assert_problem(fetched, status=409, code="onceonly.prefill-closed")
        assert prefill_log(session, world.key()) == [("onceonly.prefill-closed", 0)] * 2

    def test_an_empty_approval_is_refused(
        self, client: TestClient, session: Session, settings: Settings, world: PrefillWorld
    ) -> None:
        created = ask(client, bearer(session, world.department), world)
        login(client, session, world.citizen_user, settings)

        response = client.post(
            f"{BASE}/me/prefill-requests/{created['id']}/approve", json={"approved": []}
        )

        assert_problem(response, status=422, code="onceonly.invalid-consent")
        assert client.get(f"{BASE}/me/prefill-requests/{created['id']}").json()["state"] == (
            "pending"
        )

    def test_another_department_cannot_fetch(
        self, client: TestClient, session: Session, world: PrefillWorld
    ) -> None:
        created = ask(client, bearer(session, world.department), world)

        response = client.get(
            f"{BASE}/prefill-requests/{created['id']}", headers=bearer(session, world.other)
        )

        assert_problem(response, status=404, code="onceonly.prefill-not-found")
