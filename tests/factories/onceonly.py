"""Factories for the once-only service: a small world of departments, catalog entries of
each share type, a grant, and forms mapped to them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from smartcity.core.security import Actor
from smartcity.domains.catalog.enums import ShareType
from smartcity.domains.catalog.models import CatalogEntry
from smartcity.domains.identity.permissions import Role
from smartcity.domains.onceonly import service as onceonly_service
from smartcity.domains.onceonly.enums import FieldCollection
from smartcity.domains.onceonly.models import ServiceForm
from smartcity.domains.onceonly.schemas import FormFieldWrite, ServiceFormCreate
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing.models import Grant
from tests.factories.catalog import catalog_coordinator, citizen, staff_of
from tests.factories.registry import make_organization
from tests.factories.sharing import make_grant, make_shared_entry

_numbers = itertools.count(1)


def mapped(
    entry: CatalogEntry, item: str, collection: FieldCollection = FieldCollection.typed, **kw: Any
) -> FormFieldWrite:
    return FormFieldWrite(
        label=kw.pop("label", item), entry_id=entry.id, item_name=item, collection=collection, **kw
    )


def applicant_only(label: str, reason: str = "申请人本人的意愿") -> FormFieldWrite:
    return FormFieldWrite(
        label=label,
        applicant_only=True,
        applicant_only_reason=reason,
        collection=FieldCollection.typed,
    )


def make_form(
    session: Session,
    *,
    actor: Actor,
    organization: Organization,
    fields: list[FormFieldWrite],
    **values: Any,
) -> ServiceForm:
    number = next(_numbers)
    data: dict[str, Any] = {
        "code": f"TEST-FORM-{number:04d}",
        "name": f"测试事项{number}",
        "organization_id": organization.id,
        "fields": fields,
    }
    data.update(values)
    return onceonly_service.create_form(
        session, actor=actor, data=ServiceFormCreate.model_validate(data)
    )


@dataclass
class OnceOnlyWorld:
    """A department running forms (``department``), a population provider whose
    unconditional entry the department holds a grant on for 姓名 and 公民身份号码, a
    conditional insurance entry, a not-shared entry, and the department's own entry."""

    department: Organization
    provider: Organization
    population: CatalogEntry
    insurance: CatalogEntry
    secret: CatalogEntry
    own: CatalogEntry
    grant: Grant
    admin: Actor
    staff: Actor
    coordinator: Actor
    citizen: Actor
    other: Organization
    other_admin: Actor


def once_only_world(session: Session) -> OnceOnlyWorld:
    department = make_organization(session)
    provider = make_organization(session)
    population = make_shared_entry(
        session,
        provider=provider,
        items=(("姓名", "G2"), ("公民身份号码", "G3"), ("现住址", "G4")),
    )
    insurance = make_shared_entry(
        session,
        provider=provider,
        share_type=ShareType.conditional,
        items=(("参保状态", "G2"), ("社会保障号码", "G3")),
    )
    secret = make_shared_entry(
        session, provider=provider, share_type=ShareType.none, items=(("矫正类型", "G4"),)
    )
    own = make_shared_entry(session, provider=department, items=(("营业执照编号", "G1"),))
    grant = make_grant(
        session, entry=population, consumer=department, items=["姓名", "公民身份号码"]
    )
    other = make_organization(session)
    return OnceOnlyWorld(
        department=department,
        provider=provider,
        population=population,
        insurance=insurance,
        secret=secret,
        own=own,
        grant=grant,
        admin=staff_of(session, department, Role.org_admin),
        staff=staff_of(session, department, Role.org_staff),
        coordinator=catalog_coordinator(session),
        citizen=citizen(session),
        other=other,
        other_admin=staff_of(session, other, Role.org_admin),
    )
