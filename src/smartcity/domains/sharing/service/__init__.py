"""Use cases of the sharing platform: share requests and grants (Art. 27), the
exchange API's lookups with the hash-chained exchange log, and change subscriptions
(Art. 26).

Other domains import this package (``from smartcity.domains.sharing import service
as sharing_service``).
"""

from smartcity.domains.sharing.service import (
    exchange,
    exchange_log,
    exchange_log_view,
    exchange_query,
    notifications,
    statistics,
    subscriptions,
    webhook_policy,
)
from smartcity.domains.sharing.service.exchange import lookup
from smartcity.domains.sharing.service.exchange_log import (
    calls_on_subject,
    ensure_log_reader,
    list_log,
    subject_keys_of,
    verify_exchange_log,
    visible_log,
)
from smartcity.domains.sharing.service.exchange_log_view import list_log_lines, subject_calls
from smartcity.domains.sharing.service.exchange_query import changes, query
from smartcity.domains.sharing.service.grants import (
    DEFAULT_RATE_PER_MINUTE,
    GrantCoverage,
    active_grant_coverage,
    get_grant,
    issue_grant,
    list_grants,
    renew_grant,
    revoke_grant,
)
from smartcity.domains.sharing.service.notifications import notify_load
from smartcity.domains.sharing.service.numbering import add_numbered
from smartcity.domains.sharing.service.requests import (
    answer_request,
    check_request,
    escalate_overdue,
    get_request,
    list_requests,
    order_supply,
    refusals_by_basis,
    remind_due,
    request_clock,
    request_detail,
    submit_request,
    withdraw_request,
)
from smartcity.domains.sharing.service.statistics import annual_report_xlsx, sharing_statistics
from smartcity.domains.sharing.service.subscriptions import (
    cancel_subscription,
    delivery_read,
    get_subscription,
    list_deliveries,
    list_subscriptions,
    pause_subscription,
    redeliver,
    resume_subscription,
    subscribe,
    subscription_reads,
)
from smartcity.domains.sharing.service.webhook_policy import WebhookPolicy

__all__ = [
    "DEFAULT_RATE_PER_MINUTE",
    "GrantCoverage",
    "WebhookPolicy",
    "active_grant_coverage",
    "add_numbered",
    "annual_report_xlsx",
    "answer_request",
    "calls_on_subject",
    "cancel_subscription",
    "changes",
    "check_request",
    "delivery_read",
    "ensure_log_reader",
    "escalate_overdue",
    "exchange",
    "exchange_log",
    "exchange_log_view",
    "exchange_query",
    "get_grant",
    "get_request",
    "get_subscription",
    "issue_grant",
    "list_deliveries",
    "list_grants",
    "list_log",
    "list_log_lines",
    "list_requests",
    "list_subscriptions",
    "lookup",
    "notifications",
    "notify_load",
    "order_supply",
    "pause_subscription",
    "query",
    "redeliver",
    "refusals_by_basis",
    "remind_due",
    "renew_grant",
    "request_clock",
    "request_detail",
    "resume_subscription",
    "revoke_grant",
    "sharing_statistics",
    "statistics",
    "subject_calls",
    "subject_keys_of",
    "submit_request",
    "subscribe",
    "subscription_reads",
    "subscriptions",
    "verify_exchange_log",
    "visible_log",
    "webhook_policy",
    "withdraw_request",
]
