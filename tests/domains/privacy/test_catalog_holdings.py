"""My data lists the catalog's resources about people like me (Art. 68; issue #6: "which
base-database and catalog data the platform holds about them, with source department
and last update"): published entries whose items identify a natural person (for a
citizen) or a legal entity (for an enterprise), kept outside the base databases, with
their provider department, update cycle and last update."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.security import SYSTEM
from smartcity.domains.catalog.enums import Identifies, ShareMode, ShareType
from smartcity.domains.catalog.models import CatalogEntry
from smartcity.domains.identity.permissions import Role
from smartcity.domains.privacy import service
from tests.domains.privacy.world import PrivacyWorld, privacy_world
from tests.factories.catalog import item, make_entry, make_legal_basis
from tests.factories.identity import actor_of, login, make_user
from tests.factories.registry import credit_code_for, make_organization

HTML = {"accept": "text/html"}


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrivacyWorld:
    return privacy_world(session, tmp_path)


@pytest.fixture
def social_security(session: Session) -> CatalogEntry:
    """人社局's insured-persons resource: its items identify persons; not a base table."""
    basis = make_legal_basis(session)
    return make_entry(
        session,
        provider=make_organization(session, name="市人力资源和社会保障局"),
        name="社会保险参保信息",
        items=[
            item("公民身份号码", identifies=Identifies.person, is_personal=True, grade_code="G3"),
            item("参保险种", length=20),
            item("缴费基数", length=20, is_personal=True, grade_code="G3"),
        ],
        share_type=ShareType.conditional,
        share_condition="办理社保业务",
        share_mode=ShareMode.api,
        legal_basis_ids=[basis.id],
    )


def test_lists_catalog_resources_identifying_persons_with_provider_cycle_and_update(
    session: Session, world: PrivacyWorld, social_security: CatalogEntry
) -> None:
    make_entry(
        session,
        name="企业年报信息",
        items=[item("统一社会信用代码", identifies=Identifies.legal_entity)],
    )
    make_entry(session, name="路灯台账")  # nothing about people

    held = service.my_records(session, actor=world.citizen)

    names = [r.name for r in held.resources]
    assert "社会保险参保信息" in names
    assert "企业年报信息" not in names
    assert "路灯台账" not in names
    # the population base table is read by key and listed with the values, not here
    assert world.exchange.entry.name not in names
    assert [r.table_name for r in held.records] == [world.exchange.table_name]
    (resource,) = [r for r in held.resources if r.name == "社会保险参保信息"]
    assert resource.provider_name == "市人力资源和社会保障局"
    assert resource.update_cycle == "每月"
    assert resource.updated_at == social_security.published_at
    assert resource.items == ["公民身份号码", "缴费基数"]


def test_an_enterprise_sees_the_resources_identifying_legal_entities(
    session: Session, world: PrivacyWorld, social_security: CatalogEntry
) -> None:
    make_entry(
        session,
        name="企业年报信息",
        items=[item("统一社会信用代码", identifies=Identifies.legal_entity), item("年报年度")],
    )
    user = make_user(session, organization=None, roles=[Role.citizen])
    service.bind_subject(session, actor=SYSTEM, username=user.username, key=credit_code_for(91))

    held = service.my_records(session, actor=actor_of(user))

    names = [r.name for r in held.resources]
    assert "企业年报信息" in names
    assert "社会保险参保信息" not in names
    (annual,) = [r for r in held.resources if r.name == "企业年报信息"]
    assert annual.items == ["统一社会信用代码"]


def test_the_page_and_the_api_show_them(
    client: TestClient,
    session: Session,
    settings: Settings,
    world: PrivacyWorld,
    social_security: CatalogEntry,
) -> None:
    login(client, session, world.user, settings)

    page = client.get("/privacy/my-data", headers=HTML)
    api = client.get("/api/v1/privacy/me/records")

    assert page.status_code == 200
    section = page.text.split('id="catalog-resources"', 1)[1].split("</section>", 1)[0]
    assert "社会保险参保信息" in section
    assert "市人力资源和社会保障局" in section
    assert "更新周期：每月" in section
    assert social_security.resource_code in section
    assert api.status_code == 200
    assert "社会保险参保信息" in [r["name"] for r in api.json()["resources"]]
