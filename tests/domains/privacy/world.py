"""A small world for the data subject's rights: a population table with records, a
consumer department that looked some of them up, and a citizen bound to one of them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from smartcity.core.security import SYSTEM, Actor
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data.models import Load
from smartcity.domains.base_data.schemas import LoadMode, OnError
from smartcity.domains.identity.models import User
from smartcity.domains.identity.permissions import Role
from smartcity.domains.privacy import service as privacy_service
from smartcity.domains.sharing.enums import QueryMode
from smartcity.domains.sharing.models import Grant
from smartcity.domains.sharing.service import exchange
from smartcity.domains.sharing.service.exchange_files import ExtractFormat, start_extract
from tests.domains.sharing.test_exchange import World, grant_for, population_world
from tests.factories.catalog import catalog_coordinator
from tests.factories.identity import actor_of, make_user


@dataclass
class PrivacyWorld:
    exchange: World
    grant: Grant
    user: User
    citizen: Actor
    coordinator: Actor

    @property
    def key(self) -> str:
        return self.exchange.key(0)

    def look_up(self, session: Session, key: str | None = None, case: str = "办件-1") -> None:
        exchange.lookup(
            session,
            actor=self.exchange.staff,
            grant_id=self.grant.id,
            case_reference=case,
            keys=[key or self.key],
        )

    def extract(self, session: Session, case: str = "批量-1") -> None:
        start_extract(
            session,
            actor=self.exchange.staff,
            grant_id=self.grant.id,
            case_reference=case,
            format=ExtractFormat.csv,
        )


def privacy_world(session: Session, tmp_path: Path) -> PrivacyWorld:
    """Population with three records; a grant (lookup, batch, file) to the consumer; a
    citizen bound to the first record's ID number; the coordinator."""
    exchange.rate_limiter.reset()
    world = population_world(session, tmp_path)
    grant = grant_for(
        world,
        session,
        items=["公民身份号码", "姓名", "性别"],
        query_modes=[QueryMode.lookup, QueryMode.batch, QueryMode.file],
    )
    user = make_user(session, organization=None, roles=[Role.citizen])
    privacy_service.bind_subject(session, actor=SYSTEM, username=user.username, key=world.key(0))
    return PrivacyWorld(
        exchange=world,
        grant=grant,
        user=user,
        citizen=actor_of(user),
        coordinator=catalog_coordinator(session),
    )


def start_running_load(session: Session, world: PrivacyWorld) -> Load:
    """A load of the population table in progress (by this process, so it is not taken
    for an interrupted one): base_data refuses another load of the table meanwhile."""
    table = base_data_service.get_table(session, actor=SYSTEM, table=world.exchange.table_name)
    return base_data_service.start_load(
        session,
        actor=SYSTEM,
        table_id=table.id,
        mode=LoadMode.upsert,
        on_error=OnError.reject,
        filename="月度更新.csv",
        organization_id=world.exchange.provider.id,
    )
