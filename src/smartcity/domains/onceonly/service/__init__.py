"""Use cases of the once-only service (Art. 28): the form registry, the checker and its
report, and the citizens' "asked again" cases.

Other domains import this package (``from smartcity.domains.onceonly import service as
onceonly_service``). The prefill service reads a form through :func:`read_form` (fields
in order with their catalog mappings and base-data columns, see
:class:`~smartcity.domains.onceonly.schemas.ServiceFormRead`) and checks a field with
:func:`check_form`.
"""

from smartcity.domains.onceonly.service.cases import (
    case_read,
    dismiss_case,
    get_case,
    list_cases,
    my_cases,
    report_case,
    resolve_case,
    start_handling,
)
from smartcity.domains.onceonly.service.checker import (
    availability_of,
    check_form,
    check_forms,
    counts_of,
    finding_for,
    once_only_report,
    percent,
    report_xlsx,
    share_type_label,
)
from smartcity.domains.onceonly.service.editor import (
    form_choices,
    mapping_choices,
    mapping_text,
    parse_mapping_text,
)
from smartcity.domains.onceonly.service.forms import (
    create_form,
    find_form_by_code,
    form_read,
    get_form,
    list_forms,
    may_manage,
    read_form,
    update_form,
    visible_forms,
)
from smartcity.domains.onceonly.service.prefill import (
    approve_prefill,
    decline_prefill,
    get_my_prefill,
    list_my_prefills,
    preview_prefill,
    revoke_prefill,
    state_of,
)
from smartcity.domains.onceonly.service.prefill_delivery import (
    deliver_prefill,
    get_department_prefill,
)
from smartcity.domains.onceonly.service.prefill_request import request_prefill

__all__ = [
    "approve_prefill",
    "availability_of",
    "case_read",
    "check_form",
    "check_forms",
    "counts_of",
    "create_form",
    "decline_prefill",
    "deliver_prefill",
    "dismiss_case",
    "find_form_by_code",
    "finding_for",
    "form_choices",
    "form_read",
    "get_case",
    "get_department_prefill",
    "get_form",
    "get_my_prefill",
    "list_cases",
    "list_forms",
    "list_my_prefills",
    "mapping_choices",
    "mapping_text",
    "may_manage",
    "my_cases",
    "once_only_report",
    "parse_mapping_text",
    "percent",
    "preview_prefill",
    "read_form",
    "report_case",
    "report_xlsx",
    "request_prefill",
    "resolve_case",
    "revoke_prefill",
    "share_type_label",
    "start_handling",
    "state_of",
    "update_form",
    "visible_forms",
]
