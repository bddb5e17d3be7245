"""A live server on a fresh SQLite file and Debian's chromium driven by Playwright.

The server runs the real application (uvicorn in a background thread, through
``tests.helpers.live``) on a migrated database seeded through the services, so
the browser sees exactly what a deployment shows. Playwright never downloads a
browser here: it drives ``/usr/bin/chromium``; without it these tests are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest
from sqlalchemy.orm import Session

from smartcity.app import create_app
from smartcity.core.config import DatabaseSettings, Settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.security import SYSTEM
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.identity.schemas import UserCreate
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.enums import OrganizationKind
from smartcity.domains.registry.models import Organization
from smartcity.domains.registry.schemas import OrganizationCreate
from tests.helpers.live import serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

T = TypeVar("T")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COORDINATOR = ("dsj.admin", "Jining-Platform-2026")
ORG_ADMIN = ("gaj.admin", "Police-Admin-2026")


@dataclass(frozen=True)
class LiveServer:
    url: str
    database: Database


def _seed(database: Database) -> None:
    """济宁市 with a county, departments, a zone, the coordinator and two accounts."""
    with database.session_scope() as session:

        def organization(
            code: str,
            name: str,
            kind: OrganizationKind,
            parent: Organization | None = None,
            division: str = "370800",
            order: int = 0,
        ) -> Organization:
            return registry_service.create_organization(
                session,
                actor=SYSTEM,
                data=(
                    OrganizationCreate(
                        code=code,
                        name=name,
                        kind=kind,
                        division_code=division,
                        parent_id=parent.id if parent else None,
                        sort_order=order,
                    )
                ),
            )

        city = organization("JN", "济宁市人民政府", OrganizationKind.city_government)
        coordinator = organization(
            "JN-DSJ", "济宁市大数据中心", OrganizationKind.municipal_department, city, order=1
        )
        registry_service.set_coordinator(session, actor=SYSTEM, organization_id=coordinator.id)
        police = organization(
            "JN-GAJ", "济宁市公安局", OrganizationKind.municipal_department, city, order=2
        )
        organization(
            "JN-SCJ", "济宁市市场监督管理局", OrganizationKind.municipal_department, city, order=3
        )
        county = organization(
            "JN-RC",
            "任城区人民政府",
            OrganizationKind.county_government,
            city,
            division="370811",
            order=4,
        )
        organization(
            "JN-RC-JY",
            "任城区教育和体育局",
            OrganizationKind.county_department,
            county,
            division="370811",
        )
        organization(
            "JN-GX",
            "济宁高新技术产业开发区管委会",
            OrganizationKind.development_zone,
            city,
            order=5,
        )
        for (username, password), org, role, name in (
            (COORDINATOR, coordinator, Role.coordinator, "刘主任"),
            (ORG_ADMIN, police, Role.org_admin, "王管理员"),
        ):
            identity_service.create_user(
                session,
                actor=SYSTEM,
                data=UserCreate(
                    username=username,
                    display_name=name,
                    password=password,
                    roles=[role],
                    organization_id=org.id,
                ),
            )


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'ui.sqlite3'}"
    database = Database(url)
    upgrade(database.engine)
    _seed(database)
    settings = Settings(environment="test", database=DatabaseSettings(url=url))
    app = create_app(settings, database=database)
    try:
        with serving(app) as base_url:
            yield LiveServer(url=base_url, database=database)
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make browser-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser profile (no cookies) per test, so tests do not depend on order."""
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@contextmanager
def own_platform(folder: Path, seed: Callable[[Session], T]) -> Iterator[tuple[str, T]]:
    """A platform of its own for a test module whose data cannot share ``live_server``'s
    (the population table is built once per database): a migrated SQLite file in
    ``folder``, ``seed`` run in one committed transaction, served by uvicorn. Yields the
    base URL and what ``seed`` returned."""
    url = f"sqlite:///{folder / 'ui.sqlite3'}"
    database = Database(url)
    upgrade(database.engine)
    with database.session_scope() as session:
        seeded = seed(session)
    app = create_app(
        Settings(environment="test", database=DatabaseSettings(url=url)), database=database
    )
    try:
        with serving(app) as base_url:
            yield base_url, seeded
    finally:
        database.dispose()


def settled(page: Page) -> None:
    """Wait until htmx has settled what it swapped in. Content shows at the swap, but
    htmx wires its triggers ``defaultSettleDelay`` (20 ms) later, when it drops
    ``htmx-added``: a control changed in between sends nothing."""
    from playwright.sync_api import expect

    expect(page.locator(".htmx-added, .htmx-settling, .htmx-request")).to_have_count(0)
