"""The delivery of a consented prefill against the application served by uvicorn on a
SQLite file (the real read-only GET transaction): given once, also when the service asks
many times at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from smartcity.app import create_app
from smartcity.core.config import DatabaseSettings, Settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.pagination import PageParams
from smartcity.core.security import SYSTEM
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.identity.schemas import ApiClientCreate
from smartcity.domains.onceonly import service
from smartcity.domains.onceonly.prefill_schemas import PrefillConsent
from smartcity.domains.sharing import service as sharing_service
from tests.domains.onceonly.prefill_world import SETTINGS, prefill_world
from tests.helpers.live import serving

CALLS = 8


def test_concurrent_fetches_deliver_the_values_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'prefill.sqlite3'}"
    database = Database(url)
    upgrade(database.engine)
    with database.session_scope() as session:
        world = prefill_world(session, tmp_path)
        request = world.ask(session, case="并发-1")
        service.approve_prefill(
            session,
            actor=world.citizen,
            request_id=request.id,
            data=PrefillConsent(approved=[request.items[0].id]),
            settings=SETTINGS,
        )
        _client, token = identity_service.create_api_client(
            session,
            actor=SYSTEM,
            data=ApiClientCreate(
                name="低保审批系统", organization_id=world.department.id, roles=[Role.org_staff]
            ),
            max_days=365,
        )
        request_id, key = request.id, world.key()
    app = create_app(
        Settings(environment="test", database=DatabaseSettings(url=url)), database=database
    )
    try:
        with serving(app) as base:

            def fetch(_n: int) -> int:
                response = httpx.get(
                    f"{base}/api/v1/onceonly/prefill-requests/{request_id}",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                )
                return response.status_code

            with ThreadPoolExecutor(max_workers=CALLS) as pool:
                statuses = sorted(pool.map(fetch, range(CALLS)))
    finally:
        app.state.database.engine.dispose()

    assert statuses == [200] + [409] * (CALLS - 1), statuses
    with database.session_scope() as session:
        logged = [
            e
            for e in sharing_service.calls_on_subject(session, key, page=PageParams()).items
            if e.operation == "prefill"
        ]
    database.dispose()
    # One delivery; every other fetch is logged as refused, with no records.
    assert sorted((e.result, e.records) for e in logged) == [
        ("ok", 1),
        *[("onceonly.prefill-delivered", 0)] * (CALLS - 1),
    ]
