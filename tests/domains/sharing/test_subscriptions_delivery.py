"""Delivering change notifications to a real HTTP receiver on 127.0.0.1: the body is
signed with the subscription's secret and carries no values; a failing receiver is
retried with a doubling back-off (asserted with a controlled clock) until it answers
2xx, or its notification becomes a dead letter that either side may redeliver."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from smartcity.core.config import Settings, SharingSettings
from smartcity.core.pagination import PageParams
from smartcity.core.pseudonyms import pseudonym
from smartcity.core.time import utcnow
from smartcity.domains.base_data.models import LoadMode
from smartcity.domains.identity.permissions import Role
from smartcity.domains.sharing import tasks, webhook
from smartcity.domains.sharing.enums import DeliveryState, GrantState, SubscriptionState
from smartcity.domains.sharing.models_subscriptions import Delivery, Subscription
from smartcity.domains.sharing.service import notifications, subscriptions
from smartcity.domains.sharing.subscription_schemas import DeliveryFilter, DeliveryRun
from tests.domains.sharing.test_exchange import World, population_world
from tests.domains.sharing.test_subscriptions import (
    changes_grant,
    deliveries_of,
    load,
    pull,
    subscribe,
)
from tests.factories.base_data import person_row
from tests.factories.catalog import staff_of

PAGE = PageParams(page=1, size=100)
_names = itertools.count(1)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: answers the scripted statuses in order, then
    ``default``; records what it received."""

    url: str
    statuses: list[int] = field(default_factory=list)
    default: int = 204
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)


@contextmanager
def receiver(**values: Any) -> Iterator[Receiver]:
    state = Receiver(url="", **values)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            if state.delay:
                time.sleep(state.delay)
            status = state.statuses.pop(0) if state.statuses else state.default
            payload = b"" if status < 300 else "接收方出错".encode()
            try:
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", f"{state.url}elsewhere")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the sender gave up waiting
                return

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def settings_with(**values: Any) -> Settings:
    base = {"webhook_backoff_seconds": 60, "webhook_backoff_max_seconds": 3600}
    return Settings(environment="test", sharing=SharingSettings(**{**base, **values}))


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    return population_world(session, tmp_path, rows=4)


@pytest.fixture
def scope(session: Session) -> Any:
    """The delivery task's transactions, as savepoints of the test's session."""

    @contextmanager
    def _scope() -> Iterator[Session]:
        savepoint = session.begin_nested()
        try:
            yield session
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()

    return _scope


def notified(
    session: Session, world: World, tmp_path: Path, url: str
) -> tuple[Subscription, Delivery]:
    """A subscription of ``url`` and one pending notification (a corrected name)."""
    grant = changes_grant(world, session)
    subscription = subscribe(session, world, grant, url)
    pull(session, world, grant, world.key(0))
    name = f"更正{next(_names)}"
    load(session, world, tmp_path, [person_row(1, 姓名=name)], LoadMode.upsert)
    [delivery] = deliveries_of(session, subscription)
    return subscription, delivery


def run(scope: Any, settings: Settings, now: datetime) -> DeliveryRun:
    return tasks.deliver_due(scope, settings=settings, now=now)


class TestDelivery:
    def test_a_signed_notification_without_values_is_delivered(
        self, session: Session, world: World, tmp_path: Path, scope: Any
    ) -> None:
        with receiver() as hook:
            subscription, delivery = notified(session, world, tmp_path, hook.url + "hooks")
            now = utcnow()

            result = run(scope, settings_with(), now)

        assert (result.attempted, result.delivered, result.retrying, result.dead) == (1, 1, 0, 0)
        [got] = hook.received
        assert got.path == "/hooks"
        assert webhook.verify(subscription.secret, got.body, got.headers["X-Smartcity-Signature"])
        assert not webhook.verify(
            subscription.secret, got.body + b" ", got.headers["X-Smartcity-Signature"]
        )
        assert not webhook.verify("another secret", got.body, got.headers["X-Smartcity-Signature"])
        assert got.headers["X-Smartcity-Delivery"] == str(delivery.id)
        assert got.headers["X-Smartcity-Event"] == "sharing.changes"
        assert got.headers["X-Smartcity-Attempt"] == "1"
        assert got.headers["Content-Type"].startswith("application/json")
        body = json.loads(got.body)
        assert body["id"] == str(delivery.id)
        assert body["subscription_id"] == str(subscription.id)
        assert body["grant_id"] == str(subscription.grant_id)
        assert (body["load_id"], body["cursor"], body["next_cursor"]) == (
            delivery.load_id,
            str(delivery.load_id - 1),
            str(delivery.load_id),
        )
        assert body["changes"] == 1
        assert body["changes_url"].endswith(f"/changes?cursor={delivery.load_id - 1}")
        # The grant masks the key: the stale record is named by its ``ref``.
        assert body["stale_keys"] == [pseudonym(subscription.grant.pseudonym_key, world.key(0))]
        assert (body["stale_key_count"], body["stale_keys_truncated"]) == (1, False)
        assert "更正" not in got.body.decode()  # no values, only refs the consumer holds
        assert world.key(0) not in got.body.decode()
        assert (delivery.state, delivery.attempts, delivery.last_status) == (
            DeliveryState.delivered,
            1,
            204,
        )
        assert delivery.delivered_at == now
        assert subscription.last_delivered_cursor == str(delivery.load_id)
        assert run(scope, settings_with(), now + timedelta(hours=1)) == DeliveryRun()

    def test_a_failing_receiver_is_retried_with_a_doubling_back_off(
        self, session: Session, world: World, tmp_path: Path, scope: Any
    ) -> None:
        settings = settings_with(webhook_max_attempts=5)
        with receiver(statuses=[500, 503, 429]) as hook:
            subscription, delivery = notified(session, world, tmp_path, hook.url)
            t0 = utcnow() + timedelta(seconds=1)

            assert run(scope, settings, t0).retrying == 1
            assert delivery.next_attempt_at == t0 + timedelta(minutes=1)
            assert delivery.last_status == 500
            assert "HTTP 500" in delivery.last_error
            assert "接收方出错" in delivery.last_error
            assert run(scope, settings, t0 + timedelta(seconds=59)) == DeliveryRun()

            t1 = t0 + timedelta(minutes=1)
            assert run(scope, settings, t1).retrying == 1
            assert delivery.next_attempt_at == t1 + timedelta(minutes=2)

            t2 = t1 + timedelta(minutes=2)
            assert run(scope, settings, t2).retrying == 1
            assert delivery.next_attempt_at == t2 + timedelta(minutes=4)
            assert run(scope, settings, t2 + timedelta(minutes=3)) == DeliveryRun()

            t3 = t2 + timedelta(minutes=4)
            assert run(scope, settings, t3).delivered == 1

        assert (delivery.state, delivery.attempts, delivery.delivered_at) == (
            DeliveryState.delivered,
            4,
            t3,
        )
        assert [r.headers["X-Smartcity-Attempt"] for r in hook.received] == ["1", "2", "3", "4"]
        assert {r.headers["X-Smartcity-Delivery"] for r in hook.received} == {str(delivery.id)}
        for got in hook.received:
            assert webhook.verify(
                subscription.secret, got.body, got.headers["X-Smartcity-Signature"]
            )
        assert [json.loads(r.body)["attempt"] for r in hook.received] == [1, 2, 3, 4]

    def test_the_back_off_is_capped(self) -> None:
        config = SharingSettings(webhook_backoff_seconds=60, webhook_backoff_max_seconds=300)
        waits = [notifications.backoff(n, config).total_seconds() for n in range(1, 7)]
        assert waits == [60, 120, 240, 300, 300, 300]

    def test_a_receiver_that_always_fails_leaves_a_dead_letter_to_redeliver(
        self, session: Session, world: World, tmp_path: Path, scope: Any
    ) -> None:
        settings = settings_with(webhook_max_attempts=3)
        with receiver(default=500) as hook:
            subscription, delivery = notified(session, world, tmp_path, hook.url)
            moment = utcnow()
            for _ in range(3):
                outcome = run(scope, settings, moment)
                moment += timedelta(hours=1)

            assert (outcome.attempted, outcome.dead) == (1, 1)
            assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (
                DeliveryState.dead,
                3,
                None,
            )
            assert delivery.dead_at is not None
            assert len(hook.received) == 3
            assert run(scope, settings, moment + timedelta(days=1)) == DeliveryRun()
            for side in (world.staff, staff_of(session, world.provider, Role.org_admin)):
                dead = subscriptions.list_deliveries(
                    session, actor=side, filters=DeliveryFilter(state=DeliveryState.dead), page=PAGE
                )
                assert [d.id for d in dead.items] == [delivery.id]

            hook.default = 200
            subscriptions.redeliver(
                session,
                actor=world.staff,
                subscription_id=subscription.id,
                delivery_id=delivery.id,
            )
            assert run(scope, settings, utcnow() + timedelta(seconds=1)).delivered == 1

        assert (delivery.state, delivery.attempts) == (DeliveryState.delivered, 1)
        assert len(hook.received) == 4

    def test_a_redirect_is_not_followed(
        self, session: Session, world: World, tmp_path: Path, scope: Any
    ) -> None:
        with receiver(statuses=[302]) as hook:
            _subscription, delivery = notified(session, world, tmp_path, hook.url)

            assert run(scope, settings_with(), utcnow()).retrying == 1

        assert [r.path for r in hook.received] == ["/"]
        assert delivery.last_status == 302

    def test_unreachable_and_slow_receivers_fail_the_attempt(
        self, session: Session, world: World, tmp_path: Path, scope: Any
    ) -> None:
        with receiver() as closed:
            url = closed.url
        _subscription, unreachable = notified(session, world, tmp_path, url)
        with receiver(delay=1.0) as slow:
            _subscription, late = notified(session, world, tmp_path, slow.url)
            outcome = run(scope, settings_with(webhook_timeout_seconds=0.3), utcnow())

        assert outcome.retrying == 3  # the first subscription heard of the second load too
        assert unreachable.last_status is None
        assert "无法连接" in unreachable.last_error
        assert late.last_status is None
        assert late.last_error

    def test_nothing_is_sent_to_a_host_no_longer_allowed(
        self, session: Session, world: World, tmp_path: Path, scope: Any
    ) -> None:
        with receiver() as hook:
            _subscription, delivery = notified(session, world, tmp_path, hook.url)

            outcome = run(scope, settings_with(webhook_allow_loopback=False), utcnow())

        assert outcome.retrying == 1
        assert hook.received == []
        assert "不在平台允许的范围" in delivery.last_error

    def test_nothing_is_sent_under_a_revoked_grant(
        self, session: Session, world: World, tmp_path: Path, scope: Any
    ) -> None:
        with receiver() as hook:
            subscription, delivery = notified(session, world, tmp_path, hook.url)
            subscription.grant.state = GrantState.revoked
            session.flush()

            outcome = run(scope, settings_with(), utcnow())

        assert (outcome.attempted, outcome.dead) == (0, 1)
        assert hook.received == []
        assert delivery.state is DeliveryState.dead
        assert "撤销" in delivery.last_error

    def test_a_paused_subscription_waits_until_resumed(
        self, session: Session, world: World, tmp_path: Path, scope: Any
    ) -> None:
        with receiver() as hook:
            subscription, delivery = notified(session, world, tmp_path, hook.url)
            subscriptions.pause_subscription(
                session, actor=world.staff, subscription_id=subscription.id
            )
            assert run(scope, settings_with(), utcnow()) == DeliveryRun()
            subscriptions.resume_subscription(
                session, actor=world.staff, subscription_id=subscription.id
            )
            assert run(scope, settings_with(), utcnow()).delivered == 1

        assert subscription.state is SubscriptionState.active
        assert delivery.state is DeliveryState.delivered

    def test_an_overtaken_outcome_is_ignored(
        self, session: Session, world: World, tmp_path: Path
    ) -> None:
        _subscription, delivery = notified(session, world, tmp_path, "http://127.0.0.1:9/")
        outbound, _dead = notifications.claim_due(session, now=utcnow(), limit=10, lease_seconds=60)
        assert [o.attempt for o in outbound] == [1]

        stale = notifications.record_attempt(
            session,
            delivery_id=delivery.id,
            attempt=0,
            status=200,
            error="",
            now=utcnow(),
            settings=SharingSettings(),
        )

        assert stale is None
        assert delivery.state is DeliveryState.pending
        leased = notifications.claim_due(session, now=utcnow(), limit=10, lease_seconds=60)
        assert leased == ([], 0)  # leased to the first sender meanwhile
