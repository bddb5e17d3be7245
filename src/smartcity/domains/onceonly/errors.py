"""Errors of the once-only service (codes start with ``onceonly.``)."""

from __future__ import annotations

from smartcity.core.errors import ConflictError, InvalidInputError, NotFoundError


class ServiceFormNotFoundError(NotFoundError):
    """No such form, or not one the actor may see (the same answer, so ids of other
    departments' forms do not leak)."""

    code = "onceonly.form-not-found"
    title = "政务服务事项不存在"


class DuplicateFormCodeError(ConflictError):
    """Another form already has this matter code."""

    code = "onceonly.duplicate-code"
    title = "事项编码已存在"


class InvalidFormFieldError(InvalidInputError):
    """A field is neither mapped to an information item nor marked 仅申请人提供 (or is
    both), is marked without a reason, or names a field id the form does not have;
    ``field_index`` (0-based) and ``reason`` say which and why."""

    code = "onceonly.invalid-field"
    title = "事项字段不正确"


class UnknownInformationItemError(InvalidFormFieldError):
    """The field maps to a catalog entry that does not exist (or is not published yet),
    or to an item name the entry does not have."""

    code = "onceonly.unknown-item"
    title = "映射的信息项不存在"


class WithdrawnEntryMappingError(InvalidFormFieldError):
    """The field maps to an item of a withdrawn catalog entry: the platform can no longer
    supply it, so the mapping would state what is not true."""

    code = "onceonly.entry-withdrawn"
    title = "映射的目录已撤销"


class InvalidDepartmentError(InvalidInputError):
    """The form names an organization that does not exist, or a department
    administrator names another department than his own."""

    code = "onceonly.invalid-department"
    title = "办理部门不正确"


class CaseNotFoundError(NotFoundError):
    """No such case, or not one the actor may see (reporter, the form's department,
    the coordinator and auditors)."""

    code = "onceonly.case-not-found"
    title = "重复索要材料反映不存在"


class InvalidCaseError(InvalidInputError):
    """A case names neither a form nor a department or matter, names a field of another
    form, says nothing about which data was asked again, or an answer lacks its reply
    or reason; ``field`` names the input."""

    code = "onceonly.invalid-case"
    title = "重复索要材料反映的内容不正确"


class CaseStateError(ConflictError):
    """The case is closed (resolved or dismissed) and cannot change any more."""

    code = "onceonly.case-closed"
    title = "该反映已办结或不予受理"


# --- prefill with consent ---------------------------------------------------------------


class PrefillRequestNotFoundError(NotFoundError):
    """No such prefill request, or not one the actor may see: the requesting department
    sees its own, the citizen those made for his own key. The same answer either way, so
    nobody learns whether a request (or a citizen) exists."""

    code = "onceonly.prefill-not-found"
    title = "回填请求不存在"


class InvalidPrefillRequestError(InvalidInputError):
    """A prefill request names no valid 公民身份号码, no case reference, a form of another
    department, or a form none of whose fields the department may obtain from the
    platform; ``field`` names the input."""

    code = "onceonly.invalid-prefill"
    title = "回填请求不正确"


class InvalidConsentError(InvalidInputError):
    """An approval names no field, a field the request does not offer, a field with no
    value to send, or an edited value that is empty or too long."""

    code = "onceonly.invalid-consent"
    title = "授权内容不正确"


class PrefillRefusal(Exception):  # noqa: N818 (a marker mixed into the errors below)
    """Marker: a refused fetch of a department's own prefill request, which the exchange
    log already records (the route answers it without rolling the entry back)."""


class PrefillPendingError(PrefillRefusal, ConflictError):
    """The citizen has not answered the prefill request yet: ask again later."""

    code = "onceonly.prefill-pending"
    title = "申请人尚未确认回填"


class PrefillDeliveredError(PrefillRefusal, ConflictError):
    """The approved values were already delivered: they are given once only."""

    code = "onceonly.prefill-delivered"
    title = "回填数据已取用，不再重复提供"


class PrefillClosedError(PrefillRefusal, ConflictError):
    """The request was declined, revoked or has expired (``state`` says which): it gives
    nothing and can no longer be answered."""

    code = "onceonly.prefill-closed"
    title = "回填请求已结束"


class PrefillChangedError(ConflictError):
    """The platform's values changed after the citizen was shown them: he approves only
    what he saw, so he is shown the new values to confirm again."""

    code = "onceonly.prefill-changed"
    title = "平台数据已更新，请重新核对"
