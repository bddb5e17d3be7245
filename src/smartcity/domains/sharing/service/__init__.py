"""Use cases of the sharing platform: share requests and grants (Art. 26–27).

Other domains import this package (``from smartcity.domains.sharing import service
as sharing_service``). The exchange modules (``exchange*.py``) will be added here
by their own work.
"""

from smartcity.domains.sharing.service.grants import (
    DEFAULT_RATE_PER_MINUTE,
    get_grant,
    issue_grant,
    list_grants,
    renew_grant,
    revoke_grant,
)
from smartcity.domains.sharing.service.requests import (
    ANSWER_WORKING_DAYS,
    CHECK_WORKING_DAYS,
    answer_request,
    check_request,
    escalate_overdue,
    get_request,
    list_requests,
    order_supply,
    refusals_by_basis,
    request_clock,
    request_detail,
    submit_request,
    withdraw_request,
)

__all__ = [
    "ANSWER_WORKING_DAYS",
    "CHECK_WORKING_DAYS",
    "DEFAULT_RATE_PER_MINUTE",
    "answer_request",
    "check_request",
    "escalate_overdue",
    "get_grant",
    "get_request",
    "issue_grant",
    "list_grants",
    "list_requests",
    "order_supply",
    "refusals_by_basis",
    "renew_grant",
    "request_clock",
    "request_detail",
    "revoke_grant",
    "submit_request",
    "withdraw_request",
]
