"""A request answered "corrected" is applied to the base data by a one-row load in the
source department's name (Art. 68): consumers see the corrected value with its source
and time, the change feed lists it, subscribers who pulled the old value are told it
is stale; a value the field's rules reject changes nothing; a deletion removes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.config import PrivacySettings
from smartcity.core.events import discard_pending, pending
from smartcity.core.pagination import PageParams
from smartcity.core.pseudonyms import pseudonym
from smartcity.core.security import SYSTEM, Actor
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data.errors import RecordNotFoundError
from smartcity.domains.base_data.events import LoadCompleted
from smartcity.domains.base_data.models import Load
from smartcity.domains.privacy import service_requests as requests
from smartcity.domains.privacy.enums import DataRequestKind, DataRequestState
from smartcity.domains.privacy.errors import CorrectionNotAppliedError, InvalidDataRequestError
from smartcity.domains.privacy.models import DataRequest
from smartcity.domains.privacy.permissions import PrivacyPermission
from smartcity.domains.privacy.schemas import DataRequestAnswer, DataRequestCreate
from smartcity.domains.sharing import disputes
from smartcity.domains.sharing.enums import QueryMode
from smartcity.domains.sharing.models import Grant
from smartcity.domains.sharing.service import exchange, exchange_query, notifications, subscriptions
from smartcity.domains.sharing.service.webhook_policy import WebhookPolicy
from smartcity.domains.sharing.subscription_schemas import DeliveryFilter, SubscriptionCreate
from tests.domains.privacy.world import PrivacyWorld, privacy_world, start_running_load
from tests.domains.sharing.test_exchange import grant_for
from tests.factories.catalog import make_legal_basis, staff_of

ITEMS = ["公民身份号码", "姓名", "出生日期", "文化程度"]  # 文化程度 is served in clear


@pytest.fixture(autouse=True)
def _dispute_source() -> Iterator[None]:
    registered = requests.disputed_values in disputes._sources
    disputes.register_dispute_source(requests.disputed_values)
    yield
    if not registered:
        disputes.unregister_dispute_source(requests.disputed_values)


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrivacyWorld:
    return privacy_world(session, tmp_path)


@pytest.fixture
def grant(session: Session, world: PrivacyWorld) -> Grant:
    return grant_for(
        world.exchange,
        session,
        items=ITEMS,
        query_modes=[QueryMode.lookup, QueryMode.changes],
    )


def _file(session: Session, world: PrivacyWorld, **values: Any) -> Any:
    data: dict[str, Any] = {
        "kind": DataRequestKind.correction,
        "table_name": world.exchange.table_name,
        "field_name": "文化程度",
        "claimed_value": "30",
        "reason": "已取得大专学历",
    }
    data.update(values)
    return requests.file_request(
        session,
        actor=world.citizen,
        data=DataRequestCreate.model_validate(data),
        settings=PrivacySettings(),
    )


def _source(session: Session, world: PrivacyWorld) -> Actor:
    return staff_of(session, world.exchange.provider)


def _answer(session: Session, world: PrivacyWorld, request_id: Any) -> Any:
    return requests.answer_request(
        session,
        actor=_source(session, world),
        request_id=request_id,
        data=DataRequestAnswer(outcome=DataRequestState.corrected, answer="经核实已更正"),
    )


def _lookup(session: Session, world: PrivacyWorld, grant: Grant) -> Any:
    result = exchange.lookup(
        session,
        actor=world.exchange.staff,
        grant_id=grant.id,
        case_reference="办件-更正",
        keys=[world.key],
    )
    return result.records[0]


def _loads(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Load)) or 0


def _record(session: Session, world: PrivacyWorld) -> dict[str, Any]:
    reader = base_data_service.RecordReader(session, actor=SYSTEM, table=world.exchange.table_name)
    return {name: v.value for name, v in reader.get(world.key).values.items()}


def test_the_corrected_value_reaches_consumers_the_feed_and_the_subscribers(
    session: Session, world: PrivacyWorld, grant: Grant
) -> None:
    exchange.rate_limiter.reset()
    subscription = subscriptions.subscribe(
        session,
        actor=world.exchange.staff,
        data=SubscriptionCreate(grant_id=grant.id, callback_url="http://127.0.0.1:9/hooks"),
        policy=WebhookPolicy(allow_loopback=True),
    )
    before = _lookup(session, world, grant).values["文化程度"]  # the consumer pulled the key
    cursor = exchange_query.changes(
        session, actor=world.exchange.staff, grant_id=grant.id, case_reference="同步", cursor="0"
    ).next_cursor
    filed = _file(session, world)
    assert _lookup(session, world, grant).values["文化程度"].disputed
    discard_pending(session)

    answered = _answer(session, world, filed.id)

    assert answered.state is DataRequestState.corrected
    after = _lookup(session, world, grant).values["文化程度"]
    assert before.value == "20"
    assert after.value == "30"
    assert after.source_organization_id == world.exchange.provider.id
    assert before.updated_at is not None
    assert after.updated_at is not None
    assert after.updated_at > before.updated_at
    assert after.disputed is False
    # only that field changed, through a load in the source department's name
    events = [e for e in pending(session) if isinstance(e, LoadCompleted)]
    assert [(e.inserted, e.updated, e.deleted) for e in events] == [(0, 1, 0)]
    load = session.get(Load, events[0].load_id)
    assert load is not None
    assert load.organization_id == world.exchange.provider.id
    assert load.filename == f"{filed.number}.csv"
    history = base_data_service.RecordReader(
        session, actor=SYSTEM, table=world.exchange.table_name
    ).history(world.key)
    assert history[0].changed == ["文化程度"]
    # the change feed lists it after the previous cursor
    feed = exchange_query.changes(
        session, actor=world.exchange.staff, grant_id=grant.id, case_reference="同步", cursor=cursor
    )
    # (named by its ref: the grant masks the key)
    ref = pseudonym(grant.pseudonym_key, world.key)
    assert [(c.ref, c.load_id) for c in feed.changes] == [(ref, load.id)]
    # the subscriber who pulled the old value is told it is stale
    notifications.notify_load(session, load_id=load.id, entry_id=world.exchange.entry.id)
    deliveries = subscriptions.list_deliveries(
        session,
        actor=SYSTEM,
        filters=DeliveryFilter(subscription_id=subscription.id),
        page=PageParams(size=20),
    ).items
    assert [(d.load_id, d.stale_keys) for d in deliveries] == [(load.id, [ref])]


def test_a_value_the_rules_reject_is_refused_and_nothing_changes(
    session: Session, world: PrivacyWorld
) -> None:
    filed = _file(session, world, field_name="出生日期", claimed_value="1990-13-45")
    record, loads = _record(session, world), _loads(session)

    with pytest.raises(InvalidDataRequestError, match=r"出生日期.*日期不存在.*数据未改变"):
        _answer(session, world, filed.id)

    assert _record(session, world) == record
    assert _loads(session) == loads
    row = session.get(DataRequest, filed.id)
    assert row is not None
    assert row.state is DataRequestState.submitted


def test_a_partial_answer_leaves_the_value(session: Session, world: PrivacyWorld) -> None:
    filed = _file(session, world)
    record = _record(session, world)
    basis = make_legal_basis(session)
    requests.answer_request(
        session,
        actor=_source(session, world),
        request_id=filed.id,
        data=DataRequestAnswer(
            outcome=DataRequestState.partially, answer="部分更正", refusal_basis_id=basis.id
        ),
    )
    assert _record(session, world) == record


def test_a_deletion_answered_corrected_removes_the_record(
    session: Session, world: PrivacyWorld
) -> None:
    filed = _file(session, world, kind=DataRequestKind.deletion, field_name="", claimed_value="")
    answered = _answer(session, world, filed.id)
    assert answered.state is DataRequestState.corrected
    reader = base_data_service.RecordReader(session, actor=SYSTEM, table=world.exchange.table_name)
    with pytest.raises(RecordNotFoundError):
        reader.get(world.key)


def test_a_deletion_of_one_value_clears_it(session: Session, world: PrivacyWorld) -> None:
    filed = _file(
        session, world, kind=DataRequestKind.deletion, field_name="文化程度", claimed_value=""
    )
    _answer(session, world, filed.id)
    record = _record(session, world)
    assert record["文化程度"] is None
    assert record["姓名"] == world.exchange.rows[0]["姓名"]


def test_a_running_load_refuses_the_answer_and_nothing_changes(
    session: Session, world: PrivacyWorld
) -> None:
    filed = _file(session, world)
    start_running_load(session, world)
    record, loads = _record(session, world), _loads(session)

    with pytest.raises(CorrectionNotAppliedError, match=r"正在装载数据.*数据未改变") as raised:
        _answer(session, world, filed.id)

    assert raised.value.extensions == {"field": "outcome", "cause": "base_data.load-in-progress"}
    assert _record(session, world) == record
    assert _loads(session) == loads
    row = session.get(DataRequest, filed.id)
    assert row is not None
    assert (row.state, row.answer) == (DataRequestState.submitted, "")


def test_staff_who_may_not_load_cannot_answer_corrected(
    session: Session, world: PrivacyWorld
) -> None:
    filed = _file(session, world)
    source = _source(session, world)
    answers_only = replace(source, permissions=frozenset({PrivacyPermission.answer.value}))
    record = _record(session, world)

    with pytest.raises(CorrectionNotAppliedError, match="没有以本部门名义装载基础数据的权限"):
        requests.answer_request(
            session,
            actor=answers_only,
            request_id=filed.id,
            data=DataRequestAnswer(outcome=DataRequestState.corrected, answer="已更正"),
        )

    assert _record(session, world) == record
    row = session.get(DataRequest, filed.id)
    assert row is not None
    assert row.state is DataRequestState.submitted
