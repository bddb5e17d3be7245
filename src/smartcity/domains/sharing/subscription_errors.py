"""Problems of change subscriptions and their deliveries (codes start with ``sharing.``)."""

from __future__ import annotations

from smartcity.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)


class SubscriptionNotFoundError(NotFoundError):
    code = "sharing.subscription-not-found"
    title = "变更订阅不存在"


class DeliveryNotFoundError(NotFoundError):
    code = "sharing.delivery-not-found"
    title = "变更通知不存在"


class InvalidCallbackUrlError(InvalidInputError):
    """The callback URL is not an absolute ``http``/``https`` URL with a host, or carries
    a user name or password (the secret signs the notifications instead)."""

    code = "sharing.invalid-callback-url"
    title = "回调地址不正确"


class CallbackHostNotAllowedError(InvalidInputError):
    """The callback's host is not in the platform's allowlist
    (``SMARTCITY_SHARING__WEBHOOK_ALLOWED_HOSTS``); loopback hosts only where the
    platform allows them (not in production unless configured)."""

    code = "sharing.callback-host-not-allowed"
    title = "回调地址的主机不在平台允许的范围内"


class ChangesModeNotGrantedError(ConflictError):
    """Only a grant that includes the ``changes`` (增量同步) mode can be subscribed to."""

    code = "sharing.changes-mode-not-granted"
    title = "该授权不包含增量同步方式，不能订阅变更"


class GrantNotActiveError(ConflictError):
    """The grant is revoked or outside its validity period."""

    code = "sharing.grant-not-active"
    title = "共享授权已撤销或不在有效期内"


class NotYourSubscriptionError(PermissionDeniedError):
    """Subscriptions are made and managed by the grant's consumer department (the
    coordinator may cancel any); the provider sees them and may redeliver."""

    code = "sharing.not-your-subscription"
    title = "只能办理本部门的变更订阅"


class SubscriptionStateError(ConflictError):
    """The step does not apply in the subscription's current state (``state``)."""

    code = "sharing.subscription-state"
    title = "变更订阅当前状态不允许此操作"


class DeliveryNotDeadError(ConflictError):
    """Only a dead letter (a notification whose attempts all failed) is redelivered by
    hand; pending ones are still being retried."""

    code = "sharing.delivery-not-dead"
    title = "只有投递失败的变更通知可以重新投递"
