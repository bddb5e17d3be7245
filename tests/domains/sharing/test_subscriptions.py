"""Change subscriptions, the service: who may subscribe to what and where the webhook
may point; the notifications a load queues (cursor range, number of changes, and the
stale-value notice: exactly the keys the grant pulled earlier whose pulled values the
load changed or deleted); pausing, cancelling, and who sees and redelivers what."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy.orm import Session

from smartcity.core.config import Settings, SharingSettings
from smartcity.core.events import discard_pending, pending
from smartcity.core.pagination import PageParams
from smartcity.core.security import SYSTEM, Actor, ActorKind
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit_service
from smartcity.domains.base_data.events import LoadCompleted
from smartcity.domains.base_data.models import LoadMode
from smartcity.domains.identity.permissions import Role
from smartcity.domains.sharing.enums import (
    DeliveryState,
    GrantState,
    QueryMode,
    SubscriptionState,
)
from smartcity.domains.sharing.errors import GrantNotFoundError
from smartcity.domains.sharing.exchange_errors import FieldNotGrantedError
from smartcity.domains.sharing.models import Grant
from smartcity.domains.sharing.models_subscriptions import Delivery, Subscription
from smartcity.domains.sharing.schemas import RequestRole
from smartcity.domains.sharing.service import (
    exchange,
    exchange_query,
    notifications,
    subscriptions,
)
from smartcity.domains.sharing.service.webhook_policy import WebhookPolicy
from smartcity.domains.sharing.subscription_errors import (
    CallbackHostNotAllowedError,
    ChangesModeNotGrantedError,
    DeliveryNotDeadError,
    GrantNotActiveError,
    InvalidCallbackUrlError,
    NotYourSubscriptionError,
    SubscriptionNotFoundError,
    SubscriptionStateError,
)
from smartcity.domains.sharing.subscription_schemas import (
    DeliveryFilter,
    SubscriptionCreate,
    SubscriptionFilter,
)
from tests.domains.sharing.test_exchange import World, clear_keys, grant_for, population_world
from tests.domains.sharing.test_exchange_query import load as load_rows
from tests.factories.base_data import person_row
from tests.factories.catalog import staff_of
from tests.factories.registry import make_organization

GRANTED = ["公民身份号码", "姓名", "性别", "户籍地址"]  # not 文化程度 nor 联系电话
LOOPBACK = WebhookPolicy(allow_loopback=True)
URL = "http://127.0.0.1:9/hooks/changes"
PAGE = PageParams(page=1, size=100)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    exchange.rate_limiter.reset()


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    return population_world(session, tmp_path, rows=7)


def changes_grant(world: World, session: Session, **values: object) -> Grant:
    values.setdefault("items", GRANTED)
    values.setdefault("query_modes", [QueryMode.lookup, QueryMode.batch, QueryMode.changes])
    return grant_for(world, session, **values)


def subscribe(
    session: Session, world: World, grant: Grant, url: str = URL, actor: Actor | None = None
) -> Subscription:
    return subscriptions.subscribe(
        session,
        actor=actor or world.staff,
        data=SubscriptionCreate(grant_id=grant.id, callback_url=url),
        policy=LOOPBACK,
    )


def load(
    session: Session, world: World, tmp_path: Path, rows: list[dict[str, str]], mode: LoadMode
) -> int:
    """Load ``rows`` into the world's table and queue its notifications, as the
    ``LoadCompleted`` handler does after the commit; the load's id."""
    load_id = load_rows(session, world, tmp_path, rows, mode)
    notifications.notify_load(session, load_id=load_id, entry_id=world.entry.id)
    return load_id


def deliveries_of(session: Session, subscription: Subscription) -> list[Delivery]:
    page = subscriptions.list_deliveries(
        session,
        actor=SYSTEM,
        filters=DeliveryFilter(subscription_id=subscription.id),
        page=PAGE,
    )
    return sorted(page.items, key=lambda d: d.load_id)


def pull(session: Session, world: World, grant: Grant, *keys: str, **values: object) -> None:
    exchange.lookup(
        session,
        actor=world.staff,
        grant_id=grant.id,
        case_reference="办件-订阅",
        keys=list(keys),
        **values,  # type: ignore[arg-type]
    )


class TestWebhookPolicy:
    POLICY = WebhookPolicy(allowed_hosts=("hooks.jining.gov.cn", "*.rsj.jn.gov.cn"))

    @pytest.mark.parametrize(
        "url",
        [
            "https://hooks.jining.gov.cn/changes",
            "http://HOOKS.jining.gov.cn:8080/a?b=1",
            "https://rsj.jn.gov.cn/x",
            "https://api.rsj.jn.gov.cn/x",
        ],
    )
    def test_allowed_hosts_and_their_sub_domains(self, url: str) -> None:
        assert self.POLICY.allows(url)

    @pytest.mark.parametrize(
        "url",
        [
            "https://evil.example.com/",
            "https://hooks.jining.gov.cn.evil.com/",
            "https://xrsj.jn.gov.cn/",
            "http://127.0.0.1:8000/",
            "http://localhost/",
            "http://[::1]/",
        ],
    )
    def test_other_hosts_and_loopback_are_refused(self, url: str) -> None:
        with pytest.raises(CallbackHostNotAllowedError):
            self.POLICY.check(url)

    @pytest.mark.parametrize(
        "url",
        [
            "ftp://hooks.jining.gov.cn/",
            "hooks.jining.gov.cn/changes",
            "https:///changes",
            "https://user:secret@hooks.jining.gov.cn/",
            "https://hooks.jining.gov.cn:99999/",
            "javascript:alert(1)",
        ],
    )
    def test_malformed_urls_are_refused(self, url: str) -> None:
        with pytest.raises(InvalidCallbackUrlError):
            self.POLICY.check(url)

    def test_the_url_is_stored_normalized(self) -> None:
        assert self.POLICY.check(" HTTPS://Hooks.Jining.gov.cn/Changes?x=1#frag ") == (
            "https://hooks.jining.gov.cn/Changes?x=1"
        )
        assert LOOPBACK.check("http://[::1]:8080") == "http://[::1]:8080/"

    def test_loopback_is_allowed_outside_production_unless_configured(self) -> None:
        assert WebhookPolicy.from_settings(Settings(environment="test")).allow_loopback
        production = Settings(
            environment="production",
            secret_key="x" * 40,
            auth={"cookie_secure": True},
        )
        assert not WebhookPolicy.from_settings(production).allow_loopback
        configured = Settings(
            environment="test",
            sharing=SharingSettings(
                webhook_allow_loopback=False, webhook_allowed_hosts=["A.gov.cn."]
            ),
        )
        policy = WebhookPolicy.from_settings(configured)
        assert not policy.allow_loopback
        assert policy.allowed_hosts == ("a.gov.cn",)


class TestSubscribe:
    def test_subscribes_with_a_secret_and_audits_it(self, session: Session, world: World) -> None:
        grant = changes_grant(world, session)

        subscription = subscribe(session, world, grant, "HTTP://127.0.0.1:9/hooks?token=abc")

        assert subscription.state is SubscriptionState.active
        assert subscription.callback_url == "http://127.0.0.1:9/hooks?token=abc"
        assert subscription.number.startswith("DY-")
        assert len(subscription.secret) >= 40
        assert subscription.consumer_organization_id == world.consumer.id
        assert subscription.provider_organization_id == world.provider.id
        assert audit_service.actions_for(session, subject_id=subscription.id) == [
            "sharing.subscription.created"
        ]

    def test_a_grant_without_the_changes_mode_is_refused(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session, items=GRANTED)  # lookup and batch only

        with pytest.raises(ChangesModeNotGrantedError):
            subscribe(session, world, grant)

    @pytest.mark.parametrize("state", ["revoked", "expired"])
    def test_a_grant_not_in_force_is_refused(
        self, session: Session, world: World, state: str
    ) -> None:
        grant = changes_grant(
            world,
            session,
            state=GrantState.revoked if state == "revoked" else GrantState.active,
            valid_days=-1 if state == "expired" else 365,
        )

        with pytest.raises(GrantNotActiveError):
            subscribe(session, world, grant)

    def test_another_departments_grant_looks_missing(self, session: Session, world: World) -> None:
        grant = changes_grant(world, session)

        with pytest.raises(GrantNotFoundError):
            subscribe(session, world, grant, actor=staff_of(session, world.other))

    def test_the_provider_cannot_subscribe_for_the_consumer(
        self, session: Session, world: World
    ) -> None:
        grant = changes_grant(world, session)

        with pytest.raises(NotYourSubscriptionError):
            subscribe(
                session, world, grant, actor=staff_of(session, world.provider, Role.org_admin)
            )

    def test_a_grant_bound_to_another_api_client_is_refused(
        self, session: Session, world: World
    ) -> None:
        grant = changes_grant(world, session, client_id=uuid4())
        client = Actor(
            kind=ActorKind.api_client,
            id=uuid4(),
            organization_id=world.consumer.id,
            permissions=world.staff.permissions,
            name="另一个接入系统",
        )

        with pytest.raises(NotYourSubscriptionError):
            subscribe(session, world, grant, actor=client)
        subscribe(session, world, grant)  # a user of the department manages it

    def test_the_host_must_be_allowed(self, session: Session, world: World) -> None:
        grant = changes_grant(world, session)

        with pytest.raises(CallbackHostNotAllowedError):
            subscriptions.subscribe(
                session,
                actor=world.staff,
                data=SubscriptionCreate(grant_id=grant.id, callback_url=URL),
                policy=WebhookPolicy(allowed_hosts=("hooks.jining.gov.cn",)),
            )

    def test_the_same_callback_twice_is_refused(self, session: Session, world: World) -> None:
        grant = changes_grant(world, session)
        subscribe(session, world, grant)

        with pytest.raises(SubscriptionStateError):
            subscribe(session, world, grant)
        subscribe(session, world, grant, "http://127.0.0.1:9/another")


class TestNotifyLoad:
    def test_counts_the_changes_the_consumer_will_see_and_gives_the_cursor_range(
        self, session: Session, world: World, tmp_path: Path
    ) -> None:
        subscription = subscribe(session, world, changes_grant(world, session))

        updated = load(
            session,
            world,
            tmp_path,
            [
                person_row(1, 姓名="改名一"),  # a granted item changed
                person_row(2, 文化程度="90"),  # only an ungranted item changed
                person_row(30),  # inserted
            ],
            LoadMode.upsert,
        )
        ungranted_only = load(
            session, world, tmp_path, [person_row(3, 文化程度="80")], LoadMode.upsert
        )
        deleted = load(
            session,
            world,
            tmp_path,
            [{"公民身份号码": world.key(3)}, {"公民身份号码": world.key(4)}],
            LoadMode.delete,
        )

        notices = deliveries_of(session, subscription)
        assert [(d.load_id, d.cursor, d.next_cursor, d.change_count) for d in notices] == [
            (updated, str(updated - 1), str(updated), 2),
            (deleted, str(deleted - 1), str(deleted), 2),
        ]
        assert ungranted_only not in {d.load_id for d in notices}
        assert all(d.state is DeliveryState.pending and d.attempts == 0 for d in notices)
        # what the notice promises is what the feed gives from its cursor
        feed = exchange_query.changes(
            session,
            actor=world.staff,
            grant_id=subscription.grant_id,
            case_reference="同步",
            cursor=notices[0].cursor,
        )
        assert {c.load_id for c in feed.changes if c.load_id == updated} == {updated}
        assert len([c for c in feed.changes if c.load_id == updated]) == 2

    def test_the_stale_notice_lists_exactly_the_pulled_keys_whose_pulled_values_changed(
        self, session: Session, world: World, tmp_path: Path
    ) -> None:
        grant = changes_grant(world, session)
        other_grant = changes_grant(world, session)  # the same department, another grant
        subscription = subscribe(session, world, grant)
        k = world.key
        pull(session, world, grant, k(0))  # every granted item
        pull(session, world, grant, k(1), fields=["性别"])  # only 性别
        pull(session, world, grant, k(2), k(4))  # a batch
        with pytest.raises(FieldNotGrantedError):  # refused: nothing was pulled
            pull(session, world, grant, k(3), fields=["联系电话"])
        pull(session, world, other_grant, k(5))  # under another grant
        pull(session, world, grant, k(6).lower())  # logged upper case, as stored

        corrections = load(
            session,
            world,
            tmp_path,
            [
                person_row(1, 姓名="更正一"),  # k0: pulled 姓名 → stale
                person_row(2, 姓名="更正二"),  # k1: pulled 性别 only → not stale
                person_row(3, 文化程度="90"),  # k2: ungranted change → not stale
                person_row(6, 姓名="更正六"),  # k5: pulled under another grant only
                person_row(7, 户籍地址="山东省济宁市更正路7号"),  # k6 → stale
            ],
            LoadMode.upsert,
        )
        deletions = load(
            session,
            world,
            tmp_path,
            [{"公民身份号码": k(3)}, {"公民身份号码": k(4)}],  # k3 refused, k4 pulled
            LoadMode.delete,
        )

        by_load = {d.load_id: d for d in deliveries_of(session, subscription)}
        # The grant masks 公民身份号码, the key: stale records are named by ``ref``.
        refs = clear_keys(grant, [k(n) for n in range(7)])
        assert sorted(refs[r] for r in by_load[corrections].stale_keys) == sorted([k(0), k(6)])
        assert by_load[corrections].stale_key_count == 2
        assert by_load[corrections].change_count == 4  # k0, k1, k5, k6
        assert [refs[r] for r in by_load[deletions].stale_keys] == [k(4)]
        assert by_load[deletions].change_count == 2

    def test_each_notice_counts_the_pulls_made_before_it(
        self, session: Session, world: World, tmp_path: Path
    ) -> None:
        # A grant that shows the key (G3, personal) in clear: stale keys are keys.
        grant = changes_grant(world, session, clearance_rank=3, personal_clear=True)
        subscription = subscribe(session, world, grant)
        first = load(session, world, tmp_path, [person_row(1, 姓名="甲")], LoadMode.upsert)
        pull(session, world, grant, world.key(0))  # the corrected value, after the notice
        second = load(session, world, tmp_path, [person_row(1, 姓名="乙")], LoadMode.upsert)

        by_load = {d.load_id: d for d in deliveries_of(session, subscription)}
        assert by_load[first].stale_keys == []
        assert by_load[second].stale_keys == [world.key(0)]

    def test_notifying_twice_queues_once(
        self, session: Session, world: World, tmp_path: Path
    ) -> None:
        subscription = subscribe(session, world, changes_grant(world, session))
        load_id = load(session, world, tmp_path, [person_row(1, 姓名="甲")], LoadMode.upsert)

        again = notifications.notify_load(session, load_id=load_id, entry_id=world.entry.id)

        assert again == []
        assert len(deliveries_of(session, subscription)) == 1

    def test_paused_subscriptions_queue_and_cancelled_or_revoked_ones_do_not(
        self, session: Session, world: World, tmp_path: Path
    ) -> None:
        paused = subscribe(session, world, changes_grant(world, session))
        subscriptions.pause_subscription(session, actor=world.staff, subscription_id=paused.id)
        cancelled = subscribe(session, world, changes_grant(world, session))
        subscriptions.cancel_subscription(session, actor=world.staff, subscription_id=cancelled.id)
        revoked_grant = changes_grant(world, session)
        revoked = subscribe(session, world, revoked_grant)
        revoked_grant.state = GrantState.revoked
        session.flush()

        load(session, world, tmp_path, [person_row(1, 姓名="甲")], LoadMode.upsert)

        assert len(deliveries_of(session, paused)) == 1
        assert deliveries_of(session, cancelled) == []
        assert deliveries_of(session, revoked) == []

    def test_apply_load_publishes_load_completed_for_after_the_commit(
        self, session: Session, world: World, tmp_path: Path
    ) -> None:
        discard_pending(session)
        load_id = load(session, world, tmp_path, [person_row(1, 姓名="甲")], LoadMode.upsert)

        events = [e for e in pending(session) if isinstance(e, LoadCompleted)]
        assert [(e.load_id, e.entry_id, e.inserted, e.updated, e.deleted) for e in events] == [
            (load_id, world.entry.id, 0, 1, 0)
        ]


class TestManaging:
    def test_pause_resume_cancel_are_audited_and_cancel_kills_what_is_pending(
        self, session: Session, world: World, tmp_path: Path
    ) -> None:
        subscription = subscribe(session, world, changes_grant(world, session))
        load(session, world, tmp_path, [person_row(1, 姓名="甲")], LoadMode.upsert)

        subscriptions.pause_subscription(
            session, actor=world.staff, subscription_id=subscription.id
        )
        with pytest.raises(SubscriptionStateError):
            subscriptions.pause_subscription(
                session, actor=world.staff, subscription_id=subscription.id
            )
        subscriptions.resume_subscription(
            session, actor=world.staff, subscription_id=subscription.id
        )
        subscriptions.cancel_subscription(
            session, actor=world.staff, subscription_id=subscription.id
        )

        assert subscription.state is SubscriptionState.cancelled
        [delivery] = deliveries_of(session, subscription)
        assert delivery.state is DeliveryState.dead
        assert "取消" in delivery.last_error
        assert audit_service.actions_for(session, subject_id=subscription.id) == [
            "sharing.subscription.created",
            "sharing.subscription.paused",
            "sharing.subscription.resumed",
            "sharing.subscription.cancelled",
        ]
        with pytest.raises(SubscriptionStateError):
            subscriptions.cancel_subscription(
                session, actor=world.staff, subscription_id=subscription.id
            )

    def test_the_provider_sees_but_cannot_cancel_and_others_see_nothing(
        self, session: Session, world: World
    ) -> None:
        subscription = subscribe(session, world, changes_grant(world, session))
        provider = staff_of(session, world.provider, Role.org_admin)
        outsider = staff_of(session, world.other, Role.org_admin)

        seen = subscriptions.list_subscriptions(
            session,
            actor=provider,
            filters=SubscriptionFilter(role=RequestRole.received),
            page=PAGE,
        )
        assert [s.id for s in seen.items] == [subscription.id]
        with pytest.raises(NotYourSubscriptionError):
            subscriptions.cancel_subscription(
                session, actor=provider, subscription_id=subscription.id
            )
        for role in (RequestRole.made, RequestRole.received, RequestRole.all):
            page = subscriptions.list_subscriptions(
                session, actor=outsider, filters=SubscriptionFilter(role=role), page=PAGE
            )
            assert subscription.id not in {s.id for s in page.items}
        with pytest.raises(SubscriptionNotFoundError):
            subscriptions.cancel_subscription(
                session, actor=outsider, subscription_id=subscription.id
            )
        with pytest.raises(SubscriptionNotFoundError):
            subscriptions.list_deliveries(
                session,
                actor=outsider,
                filters=DeliveryFilter(subscription_id=subscription.id),
                page=PAGE,
            )

    def test_the_coordinator_may_cancel(self, session: Session, world: World) -> None:
        subscription = subscribe(session, world, changes_grant(world, session))
        coordinator = staff_of(session, make_organization(session), Role.coordinator)

        subscriptions.cancel_subscription(
            session, actor=coordinator, subscription_id=subscription.id
        )

        assert subscription.state is SubscriptionState.cancelled

    def test_only_a_dead_letter_is_redelivered(
        self, session: Session, world: World, tmp_path: Path
    ) -> None:
        subscription = subscribe(session, world, changes_grant(world, session))
        load(session, world, tmp_path, [person_row(1, 姓名="甲")], LoadMode.upsert)
        [delivery] = deliveries_of(session, subscription)

        with pytest.raises(DeliveryNotDeadError):
            subscriptions.redeliver(
                session,
                actor=world.staff,
                subscription_id=subscription.id,
                delivery_id=delivery.id,
            )

        delivery.state = DeliveryState.dead
        delivery.attempts = 10
        delivery.dead_at = utcnow()
        delivery.next_attempt_at = None
        session.flush()
        provider = staff_of(session, world.provider, Role.org_admin)
        subscriptions.redeliver(
            session, actor=provider, subscription_id=subscription.id, delivery_id=delivery.id
        )

        assert (delivery.state, delivery.attempts) == (DeliveryState.pending, 0)
        assert delivery.next_attempt_at is not None
        assert audit_service.actions_for(session, subject_id=subscription.id)[-1] == (
            "sharing.delivery.redelivered"
        )
