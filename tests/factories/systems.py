"""Factories for information systems and the actors around them."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from smartcity.core.pagination import PageParams
from smartcity.core.security import SYSTEM, Actor
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.enums import (
    ChangeRequestStatus,
    CloudStatus,
    LegalLevel,
    SystemLifecycle,
)
from smartcity.domains.registry.models import InformationSystem, LegalBasis, Organization
from smartcity.domains.registry.schemas import (
    DutyWrite,
    InformationSystemCreate,
    LegalBasisCreate,
    SystemChangeRequestFilter,
)
from tests.factories.identity import actor_of, make_user
from tests.factories.registry import coordinator_organization, make_organization

_numbers = itertools.count(1)


def make_department(session: Session, *, name: str | None = None) -> Organization:
    """A city department bound by Art. 22 (it carries the duty of 市直部门、单位)."""
    organization = make_organization(session, name=name)
    registry_service.set_duties(
        session,
        actor=SYSTEM,
        organization_id=organization.id,
        duties=[DutyWrite(article=22, named_body="市直部门、单位")],
    )
    return organization


def admin_of(session: Session, organization: Organization) -> Actor:
    return actor_of(make_user(session, organization=organization, roles=[Role.org_admin]))


def coordinator(session: Session) -> Actor:
    return actor_of(
        make_user(session, organization=coordinator_organization(session), roles=[Role.coordinator])
    )


def make_legal_basis(session: Session, **values: Any) -> LegalBasis:
    number = next(_numbers)
    data: dict[str, Any] = {
        "code": f"TEST-SYS-{number}",
        "title": "《测试保密条例》",
        "article": f"第{number}条",
        "level": LegalLevel.law,
    }
    data.update(values)
    return registry_service.create_legal_basis(
        session, actor=SYSTEM, data=LegalBasisCreate.model_validate(data)
    )


def system_data(owner: Organization, **values: Any) -> InformationSystemCreate:
    number = next(_numbers)
    data: dict[str, Any] = {
        "owner_organization_id": owner.id,
        "code": f"SYS-{number:05d}",
        "name": f"测试业务系统{number}",
        "purpose": "测试用途",
        "data_holdings": ["人口基本信息"],
        "lifecycle_status": SystemLifecycle.in_use,
        "protection_level": 2,
        "cloud_status": CloudStatus.deployed,
    }
    data.update(values)
    return InformationSystemCreate.model_validate(data)


def make_system(
    session: Session,
    *,
    owner: Organization | None = None,
    approved: bool = True,
    actor: Actor = SYSTEM,
    **values: Any,
) -> InformationSystem:
    """A registered system; with ``approved`` its registration is approved too."""
    owner = owner or make_department(session)
    system = registry_service.register_system(
        session, actor=actor, data=system_data(owner, **values)
    )
    if approved:
        for request in pending_requests(session, system):
            registry_service.approve_system_change(
                session, actor=SYSTEM, change_request_id=request.id, opinion="同意登记"
            )
    return system


def pending_requests(session: Session, system: InformationSystem) -> list[Any]:
    return registry_service.list_change_requests(
        session,
        actor=SYSTEM,
        filters=SystemChangeRequestFilter(system_id=system.id, status=ChangeRequestStatus.pending),
        page=PageParams(page=1, size=50),
    ).items


def preexisting(**values: Any) -> dict[str, Any]:
    """Values of a system in use before it was registered, off the cloud."""
    result: dict[str, Any] = {
        "is_preexisting": True,
        "lifecycle_status": SystemLifecycle.in_use,
        "cloud_status": CloudStatus.migrating,
        "migration_planned_date": date(2026, 9, 30),
    }
    result.update(values)
    return result
