"""Use cases of the sharing platform: share requests and grants (Art. 27), and the
exchange API's lookups with the hash-chained exchange log (Art. 26).

Other domains import this package (``from smartcity.domains.sharing import service
as sharing_service``).
"""

from smartcity.domains.sharing.service import (
    exchange,
    exchange_log,
    exchange_log_view,
    exchange_query,
    statistics,
)
from smartcity.domains.sharing.service.exchange import lookup
from smartcity.domains.sharing.service.exchange_log import (
    ensure_log_reader,
    list_log,
    subject_keys_of,
    verify_exchange_log,
    visible_log,
)
from smartcity.domains.sharing.service.exchange_log_view import list_log_lines
from smartcity.domains.sharing.service.exchange_query import changes, query
from smartcity.domains.sharing.service.grants import (
    DEFAULT_RATE_PER_MINUTE,
    get_grant,
    issue_grant,
    list_grants,
    renew_grant,
    revoke_grant,
)
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

__all__ = [
    "DEFAULT_RATE_PER_MINUTE",
    "annual_report_xlsx",
    "answer_request",
    "changes",
    "check_request",
    "ensure_log_reader",
    "escalate_overdue",
    "exchange",
    "exchange_log",
    "exchange_log_view",
    "exchange_query",
    "get_grant",
    "get_request",
    "issue_grant",
    "list_grants",
    "list_log",
    "list_log_lines",
    "list_requests",
    "lookup",
    "order_supply",
    "query",
    "refusals_by_basis",
    "remind_due",
    "renew_grant",
    "request_clock",
    "request_detail",
    "revoke_grant",
    "sharing_statistics",
    "statistics",
    "subject_keys_of",
    "submit_request",
    "verify_exchange_log",
    "visible_log",
    "withdraw_request",
]
