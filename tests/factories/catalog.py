"""Factories for catalog entries, their drafts and the actors around them."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smartcity.core.security import SYSTEM, Actor
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import (
    ClassificationKind,
    DataType,
    ResourceFormat,
    ShareMode,
    ShareType,
    UpdateCycle,
)
from smartcity.domains.catalog.models import CatalogEntry, EntryVersion
from smartcity.domains.catalog.schemas import EntryDraft
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.enums import CloudStatus, LegalLevel, SystemLifecycle
from smartcity.domains.registry.models import InformationSystem, LegalBasis, Organization
from smartcity.domains.registry.schemas import LegalBasisCreate
from tests.factories.identity import actor_of, make_user
from tests.factories.registry import coordinator_organization, make_organization

_numbers = itertools.count(1)


def staff_of(session: Session, organization: Organization, role: Role = Role.org_staff) -> Actor:
    return actor_of(make_user(session, organization=organization, roles=[role]))


def catalog_coordinator(session: Session) -> Actor:
    return actor_of(
        make_user(session, organization=coordinator_organization(session), roles=[Role.coordinator])
    )


def citizen(session: Session) -> Actor:
    return actor_of(make_user(session, organization=None, roles=[Role.citizen]))


def make_legal_basis(session: Session, **values: Any) -> LegalBasis:
    number = next(_numbers)
    data: dict[str, Any] = {
        "code": f"TEST-CAT-{number}",
        "title": "《测试数据管理办法》",
        "article": f"第{number}条",
        "level": LegalLevel.local_rule,
    }
    data.update(values)
    return registry_service.create_legal_basis(
        session, actor=SYSTEM, data=LegalBasisCreate.model_validate(data)
    )


def make_source_system(
    session: Session, *, owner: Organization, composition_changed_at: datetime | None = None
) -> InformationSystem:
    """A registered system row (the registry's own rules are tested there)."""
    number = next(_numbers)
    system = InformationSystem(
        owner_organization_id=owner.id,
        code=f"CAT-SYS-{number:05d}",
        name=f"测试来源系统{number}",
        lifecycle_status=SystemLifecycle.in_use,
        protection_level=2,
        cloud_status=CloudStatus.deployed,
        composition_changed_at=composition_changed_at,
    )
    session.add(system)
    session.flush()
    return system


def item(name: str = "统一社会信用代码", **values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": name,
        "data_type": DataType.string,
        "length": 18,
        "description": "",
        "grade_code": "G1",
    }
    data.update(values)
    return data


def draft_data(provider: Organization, **values: Any) -> EntryDraft:
    """A valid unconditional departmental entry; ``values`` override any field."""
    number = next(_numbers)
    data: dict[str, Any] = {
        "classification_kind": ClassificationKind.departmental,
        "category_code": "C.01.01",
        "category_name": "测试类目",
        "resource_code": f"C.01.01/{number:06d}",
        "name": f"测试资源{number}",
        "provider_organization_id": provider.id,
        "abstract": "测试用的信息资源摘要。",
        "format": ResourceFormat.database,
        "items": [item("名称"), item("登记日期", data_type=DataType.date, length=None)],
        "update_cycle": UpdateCycle.monthly,
        "share_type": ShareType.unconditional,
        "share_mode": ShareMode.api,
    }
    data.update(values)
    if "category_code" in values and "resource_code" not in values:
        data["resource_code"] = f"{values['category_code']}/{number:06d}"
    return EntryDraft.model_validate(data)


def make_draft(
    session: Session,
    *,
    provider: Organization | None = None,
    actor: Actor = SYSTEM,
    **values: Any,
) -> EntryVersion:
    provider = provider or make_organization(session)
    return catalog_service.create_draft(session, actor=actor, data=draft_data(provider, **values))


def make_entry(
    session: Session, *, provider: Organization | None = None, **values: Any
) -> CatalogEntry:
    """A published entry (drafted, submitted and approved by the system)."""
    version = make_draft(session, provider=provider, **values)
    (entry,) = catalog_service.publish_many(session, actor=SYSTEM, entry_ids=[version.entry_id])
    return entry


def provider_of(session: Session, entry: CatalogEntry) -> Organization:
    provider = session.get(Organization, entry.provider_organization_id)
    assert provider is not None
    return provider
