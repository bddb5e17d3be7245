"""Enumerations of the sharing platform and their Chinese labels (Art. 26–27), shared
with its pages, its schemas and other domains (which import this module, never the
models)."""

from __future__ import annotations

from enum import StrEnum


class RequestPath(StrEnum):
    """Which way the catalog sends a request (Art. 27)."""

    unconditional = "unconditional"  # compliance check, then granted automatically
    conditional = "conditional"  # compliance check, then the provider answers
    not_shared = "not_shared"  # refused at once with the entry's legal basis


REQUEST_PATH_LABELS: dict[RequestPath, str] = {
    RequestPath.unconditional: "无条件共享：合规审查通过后自动授权",
    RequestPath.conditional: "有条件共享：合规审查后由提供部门答复",
    RequestPath.not_shared: "不予共享：目录登记为不予共享",
}


class RequestState(StrEnum):
    compliance_check = "compliance_check"  # waiting for the coordinator (2 working days)
    provider_review = "provider_review"  # waiting for the provider (10 working days)
    escalated = "escalated"  # a deadline passed: the coordinator coordinates
    granted = "granted"  # all requested items granted
    partially_granted = "partially_granted"  # some items granted
    refused = "refused"  # with a registered legal basis
    withdrawn = "withdrawn"


REQUEST_STATE_LABELS: dict[RequestState, str] = {
    RequestState.compliance_check: "合规审查中",
    RequestState.provider_review: "提供部门答复中",
    RequestState.escalated: "已逾期，主管部门协调中",
    RequestState.granted: "已同意共享",
    RequestState.partially_granted: "部分同意共享",
    RequestState.refused: "不予共享",
    RequestState.withdrawn: "已撤回",
}

OPEN_STATES = frozenset(
    {RequestState.compliance_check, RequestState.provider_review, RequestState.escalated}
)


class QueryMode(StrEnum):
    lookup = "lookup"  # single lookup by key
    batch = "batch"  # up to 1,000 keys
    query = "query"  # filtered query with paging
    changes = "changes"  # incremental changes since a cursor / full sync
    file = "file"  # a downloadable extract


QUERY_MODE_LABELS: dict[QueryMode, str] = {
    QueryMode.lookup: "按主键查询",
    QueryMode.batch: "批量查询",
    QueryMode.query: "条件查询",
    QueryMode.changes: "增量同步",
    QueryMode.file: "文件交换",
}


class GrantState(StrEnum):
    active = "active"
    revoked = "revoked"


GRANT_STATE_LABELS: dict[GrantState, str] = {
    GrantState.active: "有效",
    GrantState.revoked: "已撤销",
}


class SubscriptionState(StrEnum):
    """A change subscription (Art. 26)."""

    active = "active"  # notified of every load that changes the resource
    paused = "paused"  # notifications queue up, nothing is sent until resumed
    cancelled = "cancelled"  # final: nothing is queued or sent any more


SUBSCRIPTION_STATE_LABELS: dict[SubscriptionState, str] = {
    SubscriptionState.active: "推送中",
    SubscriptionState.paused: "已暂停",
    SubscriptionState.cancelled: "已取消",
}


class DeliveryState(StrEnum):
    """One change notification of a subscription."""

    pending = "pending"  # waiting for its (next) attempt
    delivered = "delivered"  # the receiver answered 2xx
    dead = "dead"  # every attempt failed, or the grant ended: a dead letter


DELIVERY_STATE_LABELS: dict[DeliveryState, str] = {
    DeliveryState.pending: "待投递",
    DeliveryState.delivered: "已送达",
    DeliveryState.dead: "投递失败（死信）",
}
