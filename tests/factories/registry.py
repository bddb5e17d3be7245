"""Factories for organizations."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from smartcity.core.identifiers import make_credit_code
from smartcity.domains.registry.enums import OrganizationKind
from smartcity.domains.registry.models import Organization

_numbers = itertools.count(1)


def credit_code_for(number: int, *, region: str = "370800") -> str:
    """A valid GB 32100 code for a government organ, unique per ``number``."""
    return make_credit_code("1", "1", region, f"{number:08d}")


def make_organization(
    session: Session,
    *,
    name: str | None = None,
    kind: OrganizationKind = OrganizationKind.municipal_department,
    parent: Organization | None = None,
    coordinator: bool = False,
    division_code: str = "370800",
    with_credit_code: bool = True,
) -> Organization:
    number = next(_numbers) + 7_000_000
    organization = Organization(
        code=f"T{number}",
        name=name or f"测试单位{number}",
        kind=kind,
        parent_id=parent.id if parent else None,
        division_code=division_code,
        credit_code=credit_code_for(number) if with_credit_code else None,
        coordinator_flag=True if coordinator else None,
    )
    session.add(organization)
    session.flush()
    return organization


def coordinator_organization(session: Session) -> Organization:
    """The platform authority, created once per test transaction."""
    from smartcity.domains.registry import service

    existing = service.find_coordinator(session)
    return existing or make_organization(session, name="济宁市大数据局（测试）", coordinator=True)
