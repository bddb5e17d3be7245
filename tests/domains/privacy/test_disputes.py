"""An open correction flags its value "disputed" in exchange responses (Art. 68),
through the dispute source the composition layer registers with sharing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from smartcity import wiring
from smartcity.core.config import PrivacySettings
from smartcity.core.db.engine import Database
from smartcity.domains.privacy import service_requests as requests
from smartcity.domains.privacy.enums import DataRequestKind, DataRequestState
from smartcity.domains.privacy.schemas import DataRequestAnswer, DataRequestCreate
from smartcity.domains.sharing import disputes
from smartcity.domains.sharing.exchange_schemas import ExchangeResultRead
from smartcity.domains.sharing.service import exchange
from tests.domains.privacy.world import PrivacyWorld, privacy_world
from tests.factories.catalog import staff_of


@pytest.fixture(autouse=True)
def _dispute_source() -> Iterator[None]:
    """The source ``smartcity.wiring`` registers (left as found)."""
    registered = requests.disputed_values in disputes._sources
    disputes.register_dispute_source(requests.disputed_values)
    yield
    if not registered:
        disputes.unregister_dispute_source(requests.disputed_values)


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrivacyWorld:
    return privacy_world(session, tmp_path)


def _lookup(session: Session, world: PrivacyWorld, *keys: str) -> ExchangeResultRead:
    return exchange.lookup(
        session,
        actor=world.exchange.staff,
        grant_id=world.grant.id,
        case_reference="办件-争议",
        keys=list(keys or [world.key]),
    )


def _flags(result: ExchangeResultRead, n: int = 0) -> dict[str, bool]:
    return {name: v.disputed for name, v in result.records[n].values.items()}


def test_the_wiring_registers_privacy_as_the_dispute_source() -> None:
    disputes.unregister_dispute_source(requests.disputed_values)
    database = Database("sqlite://")
    try:
        wiring.wire(database)
        assert requests.disputed_values in disputes._sources
    finally:
        database.dispose()


def test_a_consumer_sees_exactly_the_corrected_field_disputed_until_the_answer(
    session: Session, world: PrivacyWorld
) -> None:
    assert not any(_flags(_lookup(session, world)).values())
    filed = requests.file_request(
        session,
        actor=world.citizen,
        data=DataRequestCreate(
            kind=DataRequestKind.correction,
            table_name=world.exchange.table_name,
            field_name="姓名",
            claimed_value="王更正",
        ),
        settings=PrivacySettings(),
    )
    flags = _flags(_lookup(session, world))
    assert flags == {"公民身份号码": False, "姓名": True, "性别": False}
    batch = _lookup(session, world, world.key, world.exchange.key(1))
    assert _flags(batch, 0)["姓名"]
    assert not any(_flags(batch, 1).values())

    requests.answer_request(
        session,
        actor=staff_of(session, world.exchange.provider),
        request_id=filed.id,
        data=DataRequestAnswer(outcome=DataRequestState.corrected, answer="已更正"),
    )
    assert not any(_flags(_lookup(session, world)).values())


def test_without_a_source_nothing_is_asked(session: Session, world: PrivacyWorld) -> None:
    disputes.unregister_dispute_source(requests.disputed_values)
    try:
        assert disputes.disputed(session, world.exchange.table_name, [world.key]) == set()
    finally:
        disputes.register_dispute_source(requests.disputed_values)
