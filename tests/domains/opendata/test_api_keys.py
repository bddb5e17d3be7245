"""API keys for heavy users and the rate limits of the open data API (Art. 31): a
registered user creates a key (shown once, stored hashed), sends it CKAN style or as
X-API-Key; calls are limited per key and per anonymous address, with 429 and
Retry-After in CKAN's envelope on /api/3 and as a problem on /api/v1."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.config import OpenDataSettings, Settings
from smartcity.core.errors import InvalidInputError
from smartcity.core.security import SYSTEM
from smartcity.domains.identity.models import User
from smartcity.domains.identity.permissions import Role
from smartcity.domains.opendata import service as opendata_service
from smartcity.domains.opendata.enums import OpenAccess
from smartcity.domains.opendata.models import OpenApiKey
from smartcity.domains.opendata.schemas import DatasetRead
from smartcity.domains.opendata.service import keys
from smartcity.domains.opendata.service.keys import RateLimiter
from tests.factories.identity import actor_of, login, make_user
from tests.factories.opendata import make_dataset

ANONYMOUS_LIMIT = 3
KEY_LIMIT = 6


@pytest.fixture
def settings() -> Settings:
    return Settings(
        environment="test",
        opendata=OpenDataSettings(anonymous_per_minute=ANONYMOUS_LIMIT, key_per_minute=KEY_LIMIT),
    )


@pytest.fixture
def citizen(session: Session) -> User:
    return make_user(session, organization=None, roles=[Role.citizen])


@pytest.fixture
def dataset(session: Session) -> DatasetRead:
    return make_dataset(session, title="城市公交线路数据")


def create_key(client: TestClient, session: Session, user: User, settings: Settings) -> str:
    login(client, session, user, settings)
    response = client.post("/api/v1/opendata/api-keys", json={"name": "公交数据分析"})
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    client.cookies.clear()
    del client.headers["X-CSRF-Token"]
    return key


class TestKeys:
    def test_a_key_is_shown_once_and_stored_only_as_a_digest(
        self, client: TestClient, session: Session, citizen: User, settings: Settings
    ) -> None:
        login(client, session, citizen, settings)

        created = client.post("/api/v1/opendata/api-keys", json={"name": "公交数据分析"}).json()
        listed = client.get("/api/v1/opendata/api-keys").json()

        assert created["key"].startswith(f"odk_{created['prefix']}_")
        assert [k["prefix"] for k in listed] == [created["prefix"]]
        assert "key" not in listed[0]
        row = session.scalars(select(OpenApiKey).where(OpenApiKey.user_id == citizen.id)).one()
        assert row.key_hash == hashlib.sha256(created["key"].encode()).hexdigest()
        assert created["key"] not in {row.key_hash, row.key_prefix, row.name}

    def test_anonymous_callers_cannot_create_keys(self, client: TestClient) -> None:
        response = client.post("/api/v1/opendata/api-keys", json={"name": "x"})

        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")

    def test_a_blank_name_is_refused_and_nothing_is_created(
        self, client: TestClient, session: Session, citizen: User, settings: Settings
    ) -> None:
        login(client, session, citizen, settings)

        response = client.post("/api/v1/opendata/api-keys", json={"name": ""})

        assert response.status_code == 422
        assert (
            session.scalars(select(OpenApiKey).where(OpenApiKey.user_id == citizen.id)).all() == []
        )

    @pytest.mark.parametrize("header", ["Authorization", "X-API-Key", "X-CKAN-API-Key", "Bearer"])
    def test_the_key_authenticates_ckan_calls_however_it_is_sent(
        self,
        client: TestClient,
        session: Session,
        citizen: User,
        settings: Settings,
        dataset: DatasetRead,
        header: str,
    ) -> None:
        key = create_key(client, session, citizen, settings)
        headers = {"Authorization": f"Bearer {key}"} if header == "Bearer" else {header: key}

        response = client.get(
            "/api/3/action/package_show", params={"id": dataset.name}, headers=headers
        )

        assert response.json()["success"] is True
        row = session.scalars(select(OpenApiKey).where(OpenApiKey.user_id == citizen.id)).one()
        assert row.last_used_at is not None

    def test_the_key_acts_as_its_user_for_conditional_data(
        self, client: TestClient, session: Session, citizen: User, settings: Settings
    ) -> None:
        conditional = make_dataset(
            session, access=OpenAccess.conditional, access_terms="仅用于研究"
        )
        resource_id = str(conditional.resources[0].id)
        key = create_key(client, session, citizen, settings)
        url = "/api/3/action/datastore_search"

        anonymous = client.post(url, json={"resource_id": resource_id})
        before_terms = client.post(
            url, json={"resource_id": resource_id}, headers={"Authorization": key}
        )
        opendata_service.accept_terms(session, actor=actor_of(citizen), id_or_name=conditional.id)
        after_terms = client.post(
            url, json={"resource_id": resource_id}, headers={"Authorization": key}
        )

        assert anonymous.status_code == 403
        assert anonymous.json()["error"]["__type"] == "Authorization Error"
        assert before_terms.status_code == 403
        assert after_terms.json()["success"] is True
        assert after_terms.json()["result"]["total"] == 4

    def test_unknown_and_revoked_keys_are_refused(
        self,
        client: TestClient,
        session: Session,
        citizen: User,
        settings: Settings,
        dataset: DatasetRead,
    ) -> None:
        key = create_key(client, session, citizen, settings)
        key_id = session.scalars(
            select(OpenApiKey.id).where(OpenApiKey.user_id == citizen.id)
        ).one()
        login(client, session, citizen, settings)
        revoked = client.post(f"/api/v1/opendata/api-keys/{key_id}/revoke")
        client.cookies.clear()

        ckan = client.get("/api/3/action/package_list", headers={"Authorization": key})
        forged = client.get("/api/3/action/package_list", headers={"Authorization": "odk_abc_def"})
        v1 = client.get(f"/dataset/{dataset.name}.ttl", headers={"X-API-Key": key})

        assert revoked.json()["revoked_at"] is not None
        for response in (ckan, forged):
            assert response.status_code == 403
            assert response.json()["error"]["__type"] == "Authorization Error"
        assert v1.status_code == 401
        assert v1.json()["type"].endswith("/problems/opendata.invalid-api-key")

    def test_another_users_key_cannot_be_revoked(
        self, client: TestClient, session: Session, citizen: User, settings: Settings
    ) -> None:
        key_owner = make_user(session, organization=None, roles=[Role.citizen])
        create_key(client, session, key_owner, settings)
        key_id = session.scalars(
            select(OpenApiKey.id).where(OpenApiKey.user_id == key_owner.id)
        ).one()
        login(client, session, citizen, settings)

        response = client.post(f"/api/v1/opendata/api-keys/{key_id}/revoke")

        assert response.status_code == 404
        row = session.get(OpenApiKey, key_id)
        assert row is not None
        assert row.revoked_at is None


class TestRateLimits:
    def test_anonymous_callers_get_429_with_retry_after_in_ckans_envelope(
        self, client: TestClient, dataset: DatasetRead
    ) -> None:
        answers = [client.get("/api/3/action/package_list") for _ in range(ANONYMOUS_LIMIT + 1)]

        assert [a.status_code for a in answers] == [200] * ANONYMOUS_LIMIT + [429]
        assert {a.headers["X-RateLimit-Limit"] for a in answers} == {str(ANONYMOUS_LIMIT)}
        assert [int(a.headers["X-RateLimit-Remaining"]) for a in answers] == [2, 1, 0, 0]
        refused = answers[-1]
        assert int(refused.headers["Retry-After"]) >= 1
        body = refused.json()
        assert body["success"] is False
        assert body["error"]["__type"] == "Rate Limit Error"

    def test_a_key_has_its_own_higher_limit(
        self,
        client: TestClient,
        session: Session,
        citizen: User,
        settings: Settings,
        dataset: DatasetRead,
    ) -> None:
        key = create_key(client, session, citizen, settings)
        for _ in range(ANONYMOUS_LIMIT):
            client.get("/api/3/action/status_show")
        assert client.get("/api/3/action/status_show").status_code == 429

        keyed = [
            client.get("/api/action/package_list", headers={"X-API-Key": key}).status_code
            for _ in range(KEY_LIMIT + 1)
        ]

        assert keyed == [200] * KEY_LIMIT + [429]

    def test_the_v1_data_api_dcat_and_downloads_answer_a_problem(
        self, client: TestClient, dataset: DatasetRead
    ) -> None:
        resource = dataset.resources[0].id
        urls = [
            f"/api/v1/opendata/resources/{resource}/data",
            f"/api/v1/opendata/resources/{resource}/download?format=csv",
            f"/dataset/{dataset.name}.ttl",
        ]
        answers = [client.get(url) for url in urls]
        refused = client.get("/catalog.ttl")

        assert [a.status_code for a in answers] == [200, 200, 200]
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"].endswith("/problems/opendata.rate-limited")
        assert int(refused.headers["Retry-After"]) >= 1


class TestRateLimiter:
    def test_a_sliding_minute_per_caller(self) -> None:
        now = [1000.0]
        limiter = RateLimiter(window=60, clock=lambda: now[0])

        assert [limiter.acquire("a", 2) for _ in range(3)] == [None, None, 60]
        assert limiter.acquire("b", 2) is None
        now[0] += 30
        assert limiter.acquire("a", 2) == 30
        now[0] += 30.5
        assert limiter.acquire("a", 2) is None


def test_keys_are_for_people_not_the_system(session: Session) -> None:
    with pytest.raises(InvalidInputError):
        keys.create_api_key(session, actor=SYSTEM, name="x")
