"""A small world for prefill with consent: a population table with three people (its
entry shared as asked), a department running a form mapped to it with a grant on some
items, a citizen bound to the first person, and another citizen bound to the second."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from smartcity.core.config import OnceOnlySettings
from smartcity.core.security import SYSTEM, Actor
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data.models import LoadMode, OnError
from smartcity.domains.base_data.spec import POPULATION
from smartcity.domains.catalog.enums import ClassificationKind
from smartcity.domains.catalog.models import CatalogEntry
from smartcity.domains.identity.models import User
from smartcity.domains.identity.permissions import Role
from smartcity.domains.onceonly import service as onceonly_service
from smartcity.domains.onceonly.models import PrefillRequest, ServiceForm
from smartcity.domains.onceonly.prefill_schemas import PrefillRequestCreate
from smartcity.domains.privacy import service as privacy_service
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing.models import Grant
from tests.domains.sharing.test_exchange import population_items
from tests.factories.base_data import csv_bytes, person_row
from tests.factories.catalog import make_entry, staff_of
from tests.factories.identity import actor_of, make_user
from tests.factories.onceonly import applicant_only, make_form, mapped
from tests.factories.registry import make_organization
from tests.factories.sharing import make_grant

_numbers = itertools.count(1)
SETTINGS = OnceOnlySettings(prefill_ttl_minutes=30)
GRANTED = ["公民身份号码", "姓名", "性别"]
"""The items the department's grant covers."""


@dataclass
class PrefillWorld:
    entry: CatalogEntry
    provider: Organization
    department: Organization
    other: Organization
    grant: Grant
    form: ServiceForm
    rows: list[dict[str, str]]
    staff: Actor
    other_staff: Actor
    citizen: Actor
    neighbour: Actor
    citizen_user: User
    neighbour_user: User

    def key(self, n: int = 0) -> str:
        return self.rows[n]["公民身份号码"]

    def ask(self, session: Session, key: str | None = None, case: str = "办件-1") -> PrefillRequest:
        return onceonly_service.request_prefill(
            session,
            actor=self.staff,
            data=PrefillRequestCreate(
                form_id=self.form.id, subject_key=key or self.key(), case_reference=case
            ),
            settings=SETTINGS,
        )


def prefill_world(session: Session, tmp_path: Path) -> PrefillWorld:
    """The form asks 姓名, 性别 (granted), 户籍地址 and 联系电话 (not granted, offered
    because base-database entries are shared 无条件) and an applicant-only 申请事由."""
    n = next(_numbers)
    provider = make_organization(session, name=f"回填测试公安局{n}")
    entry = make_entry(
        session,
        provider=provider,
        classification_kind=ClassificationKind.base,
        base_database=POPULATION.base_database,
        category_code="B.01.01",
        name=POPULATION.entry_name,
        items=population_items(),
    )
    table = base_data_service.build_table(session, actor=SYSTEM, entry_id=entry.id)
    rows = [person_row(i) for i in range(1, 4)]
    path = tmp_path / f"prefill-people-{n}.csv"
    path.write_bytes(csv_bytes(rows))
    load = base_data_service.start_load(
        session,
        actor=SYSTEM,
        table_id=table.id,
        mode=LoadMode.insert,
        on_error=OnError.reject,
        filename=path.name,
        organization_id=provider.id,
    )
    base_data_service.apply_load(session, actor=SYSTEM, load_id=load.id, path=path)
    department = make_organization(session, name=f"回填测试民政局{n}")
    grant = make_grant(session, entry=entry, consumer=department, items=GRANTED)
    form = make_form(
        session,
        actor=staff_of(session, department, Role.org_admin),
        organization=department,
        name="最低生活保障申请",
        fields=[
            mapped(entry, "姓名"),
            mapped(entry, "性别"),
            mapped(entry, "户籍地址"),
            mapped(entry, "联系电话"),
            applicant_only("申请事由"),
        ],
    )
    users = []
    for i in range(2):
        user = make_user(session, organization=None, roles=[Role.citizen])
        privacy_service.bind_subject(
            session, actor=SYSTEM, username=user.username, key=rows[i]["公民身份号码"]
        )
        users.append(user)
    other = make_organization(session, name=f"回填测试卫健委{n}")
    return PrefillWorld(
        entry=entry,
        provider=provider,
        department=department,
        other=other,
        grant=grant,
        form=form,
        rows=rows,
        staff=staff_of(session, department),
        other_staff=staff_of(session, other),
        citizen=actor_of(users[0]),
        neighbour=actor_of(users[1]),
        citizen_user=users[0],
        neighbour_user=users[1],
    )
