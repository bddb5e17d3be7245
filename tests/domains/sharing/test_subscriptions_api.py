"""``/api/v1/sharing/subscriptions``: the HTTP contract of change subscriptions —
creating one (the secret shown once; bad input as problems), listing by side,
pausing and cancelling, the deliveries with their dead letters, redelivery — and the
``sharing.changes`` webhook in the OpenAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings, SharingSettings
from smartcity.core.time import utcnow
from smartcity.domains.base_data.models import LoadMode
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing.enums import DeliveryState
from smartcity.domains.sharing.errors import GrantNotFoundError
from smartcity.domains.sharing.models import Grant
from smartcity.domains.sharing.models_subscriptions import Delivery, Subscription
from smartcity.domains.sharing.service import exchange
from smartcity.domains.sharing.subscription_errors import (
    CallbackHostNotAllowedError,
    ChangesModeNotGrantedError,
    DeliveryNotDeadError,
    InvalidCallbackUrlError,
    NotYourSubscriptionError,
    SubscriptionNotFoundError,
    SubscriptionStateError,
)
from tests.domains.sharing.test_exchange import World, grant_for, population_world
from tests.domains.sharing.test_subscriptions import (
    GRANTED,
    changes_grant,
    deliveries_of,
    load,
    subscribe,
)
from tests.factories.base_data import person_row
from tests.factories.identity import login, make_user
from tests.helpers.problems import assert_problem

BASE = "/api/v1/sharing/subscriptions"
URL = "http://127.0.0.1:9/hooks"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    exchange.rate_limiter.reset()


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    return population_world(session, tmp_path, rows=3)


def sign_in(
    client: TestClient,
    session: Session,
    settings: Settings,
    organization: Organization | None,
    role: Role = Role.org_staff,
) -> None:
    client.cookies.clear()
    user = make_user(session, organization=organization, roles=[role])
    login(client, session, user, settings)


def dead_letter(session: Session, world: World, tmp_path: Path, grant: Grant) -> Delivery:
    """A subscription of ``grant`` with one notification whose attempts all failed."""
    subscription = subscribe(session, world, grant, URL + "/dead")
    load(session, world, tmp_path, [person_row(1, 姓名="死信")], LoadMode.upsert)
    [delivery] = deliveries_of(session, subscription)
    delivery.state = DeliveryState.dead
    delivery.attempts = 10
    delivery.dead_at = utcnow()
    delivery.next_attempt_at = None
    delivery.last_status = 500
    delivery.last_error = "HTTP 500"
    session.flush()
    return delivery


class TestCreate:
    def test_creates_and_shows_the_secret_once(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        grant = changes_grant(world, session)
        sign_in(client, session, settings, world.consumer)

        response = client.post(BASE, json={"grant_id": str(grant.id), "callback_url": URL})

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["callback_url"] == URL
        assert body["state"] == "active"
        assert body["grant_number"] == grant.number
        assert (body["pending"], body["delivered"], body["dead"]) == (0, 0, 0)
        assert len(body["secret"]) >= 40
        listed = client.get(BASE).json()
        assert [s["id"] for s in listed["items"]] == [body["id"]]
        assert "secret" not in listed["items"][0]
        assert "secret" not in client.get(f"{BASE}/{body['id']}").json()

    @pytest.mark.parametrize(
        ("url", "problem"),
        [
            ("ftp://127.0.0.1/hooks", InvalidCallbackUrlError),
            ("127.0.0.1/hooks", InvalidCallbackUrlError),
            ("http://user:pw@127.0.0.1/", InvalidCallbackUrlError),
            ("https://evil.example.com/hooks", CallbackHostNotAllowedError),
        ],
    )
    def test_bad_callbacks_are_problems(
        self,
        client: TestClient,
        session: Session,
        settings: Settings,
        world: World,
        url: str,
        problem: type[Any],
    ) -> None:
        grant = changes_grant(world, session)
        sign_in(client, session, settings, world.consumer)

        response = client.post(BASE, json={"grant_id": str(grant.id), "callback_url": url})

        body = assert_problem(response, status=problem.status, code=problem.code)
        assert body["field"] == "callback_url"

    def test_a_grant_without_the_changes_mode_is_a_conflict(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        grant = grant_for(world, session, items=GRANTED)
        sign_in(client, session, settings, world.consumer)

        response = client.post(BASE, json={"grant_id": str(grant.id), "callback_url": URL})

        body = assert_problem(
            response,
            status=ChangesModeNotGrantedError.status,
            code=ChangesModeNotGrantedError.code,
        )
        assert body["granted_modes"] == ["lookup", "batch"]

    def test_another_departments_grant_is_missing_and_the_providers_forbidden(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        grant = changes_grant(world, session)
        payload = {"grant_id": str(grant.id), "callback_url": URL}

        sign_in(client, session, settings, world.other)
        assert_problem(
            client.post(BASE, json=payload),
            status=GrantNotFoundError.status,
            code=GrantNotFoundError.code,
        )
        sign_in(client, session, settings, world.provider, Role.org_admin)
        assert_problem(
            client.post(BASE, json=payload),
            status=NotYourSubscriptionError.status,
            code=NotYourSubscriptionError.code,
        )
        client.cookies.clear()
        client.headers.pop("X-CSRF-Token", None)
        assert client.post(BASE, json=payload).status_code == 401

    def test_a_missing_callback_is_a_validation_problem(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        grant = changes_grant(world, session)
        sign_in(client, session, settings, world.consumer)

        response = client.post(BASE, json={"grant_id": str(grant.id)})

        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")


class TestCreateUnderAnAllowlist:
    @pytest.fixture
    def settings(self) -> Settings:
        return Settings(
            environment="test",
            sharing=SharingSettings(
                webhook_allowed_hosts=["hooks.jining.gov.cn"], webhook_allow_loopback=False
            ),
        )

    def test_only_allowed_hosts_and_no_loopback(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        grant = changes_grant(world, session)
        sign_in(client, session, settings, world.consumer)

        refused = client.post(BASE, json={"grant_id": str(grant.id), "callback_url": URL})
        allowed = client.post(
            BASE,
            json={"grant_id": str(grant.id), "callback_url": "https://hooks.jining.gov.cn/a"},
        )

        body = assert_problem(
            refused,
            status=CallbackHostNotAllowedError.status,
            code=CallbackHostNotAllowedError.code,
        )
        assert body["host"] == "127.0.0.1"
        assert allowed.status_code == 201, allowed.text


class TestListAndManage:
    def test_each_side_sees_its_own_and_outsiders_nothing(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        subscription = subscribe(
            session, world, changes_grant(world, session), URL + "?token=receiver-secret"
        )

        sign_in(client, session, settings, world.consumer)
        mine = client.get(BASE).json()["items"]
        assert [s["callback_url"] for s in mine] == [URL + "?token=receiver-secret"]

        sign_in(client, session, settings, world.provider, Role.org_admin)
        assert client.get(BASE).json()["items"] == []  # role=made: its own
        received = client.get(BASE, params={"role": "received"}).json()["items"]
        assert [s["id"] for s in received] == [str(subscription.id)]
        assert received[0]["callback_url"] == URL + "?…"  # the receiver's token stays hidden
        assert client.get(f"{BASE}/{subscription.id}").status_code == 200

        sign_in(client, session, settings, world.other, Role.org_admin)
        for role in ("made", "received", "all"):
            assert client.get(BASE, params={"role": role}).json()["items"] == []
        assert_problem(
            client.get(f"{BASE}/{subscription.id}"),
            status=SubscriptionNotFoundError.status,
            code=SubscriptionNotFoundError.code,
        )

        sign_in(client, session, settings, world.other, Role.auditor)
        everything = client.get(BASE, params={"role": "all"}).json()["items"]
        assert str(subscription.id) in {s["id"] for s in everything}

    def test_pause_resume_and_cancel(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        subscription = subscribe(session, world, changes_grant(world, session))
        url = f"{BASE}/{subscription.id}"

        sign_in(client, session, settings, world.provider, Role.org_admin)
        assert_problem(
            client.post(f"{url}/cancel"),
            status=NotYourSubscriptionError.status,
            code=NotYourSubscriptionError.code,
        )
        sign_in(client, session, settings, world.other, Role.org_admin)
        assert_problem(
            client.post(f"{url}/cancel"),
            status=SubscriptionNotFoundError.status,
            code=SubscriptionNotFoundError.code,
        )

        sign_in(client, session, settings, world.consumer)
        assert client.post(f"{url}/pause").json()["state"] == "paused"
        assert client.post(f"{url}/resume").json()["state"] == "active"
        assert client.post(f"{url}/cancel").json()["state"] == "cancelled"
        assert_problem(
            client.post(f"{url}/cancel"),
            status=SubscriptionStateError.status,
            code=SubscriptionStateError.code,
        )


class TestDeliveries:
    def test_both_sides_list_the_dead_letters_and_redeliver(
        self,
        client: TestClient,
        session: Session,
        settings: Settings,
        world: World,
        tmp_path: Path,
    ) -> None:
        delivery = dead_letter(session, world, tmp_path, changes_grant(world, session))
        subscription = session.get(Subscription, delivery.subscription_id)
        assert subscription is not None
        url = f"{BASE}/{subscription.id}/deliveries"

        sign_in(client, session, settings, world.provider, Role.org_admin)
        dead = client.get(f"{BASE}/deliveries", params={"state": "dead"}).json()["items"]
        assert [d["id"] for d in dead] == [str(delivery.id)]
        assert dead[0]["subscription_number"] == subscription.number
        assert dead[0]["stale_keys"] == []
        assert client.get(url, params={"state": "pending"}).json()["items"] == []

        sign_in(client, session, settings, world.consumer)
        mine = client.get(url, params={"state": "dead"}).json()
        assert [d["id"] for d in mine["items"]] == [str(delivery.id)]
        assert mine["items"][0]["last_error"] == "HTTP 500"
        again = client.post(f"{url}/{delivery.id}/redeliver")
        assert again.status_code == 200, again.text
        assert (again.json()["state"], again.json()["attempts"]) == ("pending", 0)
        assert_problem(
            client.post(f"{url}/{delivery.id}/redeliver"),
            status=DeliveryNotDeadError.status,
            code=DeliveryNotDeadError.code,
        )

        sign_in(client, session, settings, world.other, Role.org_admin)
        assert client.get(f"{BASE}/deliveries", params={"state": "dead"}).json()["items"] == []
        assert_problem(
            client.get(url),
            status=SubscriptionNotFoundError.status,
            code=SubscriptionNotFoundError.code,
        )
        assert_problem(
            client.post(f"{url}/{delivery.id}/redeliver"),
            status=SubscriptionNotFoundError.status,
            code=SubscriptionNotFoundError.code,
        )

    def test_openapi_documents_the_endpoints_and_the_webhook(self, client: TestClient) -> None:
        document = client.app.openapi()  # type: ignore[attr-defined]
        paths = document["paths"]
        assert {"post", "get"} <= set(paths[BASE])
        assert "post" in paths[f"{BASE}/{{subscription_id}}/deliveries/{{delivery_id}}/redeliver"]
        assert "409" in paths[BASE]["post"]["responses"]
        webhook = document["webhooks"]["sharing.changes"]["post"]
        schema = webhook["requestBody"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/ChangeNotification")
        properties = document["components"]["schemas"]["ChangeNotification"]["properties"]
        assert {"cursor", "next_cursor", "changes", "stale_keys"} <= set(properties)
