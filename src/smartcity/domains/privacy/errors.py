"""Errors of the data subject's rights (codes start with ``privacy.``)."""

from __future__ import annotations

from smartcity.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
)


class NoSubjectBindingError(PermissionDeniedError):
    """The user is bound to no ID number or credit code, so the platform cannot tell
    whose data is his (it never takes a key from the user)."""

    code = "privacy.no-binding"
    title = "账号尚未绑定公民身份号码或统一社会信用代码"


class InvalidSubjectKeyError(InvalidInputError):
    """The key is not a valid 公民身份号码 (GB 11643) or 统一社会信用代码 (GB 32100)."""

    code = "privacy.invalid-subject-key"
    title = "公民身份号码或统一社会信用代码不正确"


class BindingUserNotFoundError(NotFoundError):
    code = "privacy.user-not-found"
    title = "用户不存在"


class InvalidDeferralError(InvalidInputError):
    """A deferral lacks its legal basis or end date, or its end date is in the past or
    more than a year ahead, or it names an unknown organization or grant; ``field``
    names the input."""

    code = "privacy.invalid-deferral"
    title = "延迟告知的内容不正确"


class InvalidDataRequestError(InvalidInputError):
    """A correction or deletion request names no table or field of the subject's own
    record, claims nothing (correction) or gives no reason (deletion), or an answer
    lacks its text or outcome; ``field`` names the input."""

    code = "privacy.invalid-request"
    title = "更正或删除申请的内容不正确"


class DataRequestRefusalBasisError(InvalidInputError):
    """A refusal (whole or partial) must cite a registered legal basis in force; free
    text alone is not accepted (Art. 68, as sharing's refusals under Art. 27)."""

    code = "privacy.refusal-basis-required"
    title = "不予更正必须引用已登记的法律依据"


class DataRequestNotFoundError(NotFoundError):
    """No such request — or not the signed-in subject's own, or not addressed to the
    staff member's department (the two are not told apart)."""

    code = "privacy.request-not-found"
    title = "申请不存在"


class DataRequestStateError(ConflictError):
    """The request is no longer open (answered or withdrawn), or the same request is
    already open."""

    code = "privacy.request-state"
    title = "申请当前状态不允许此操作"


class DeferralNotFoundError(NotFoundError):
    code = "privacy.deferral-not-found"
    title = "延迟告知不存在"


class DeferralEndedError(ConflictError):
    """The deferral has already ended: its calls are disclosed."""

    code = "privacy.deferral-ended"
    title = "该延迟告知已经结束"


class InvalidEvidenceError(InvalidInputError):
    """An evidence file is not a PDF, JPEG or PNG by its content (its magic bytes, not
    only its name), its name does not match its content, it is empty, or there are more
    files than ``PrivacySettings.evidence_max_files``; ``field`` is ``evidence``."""

    code = "privacy.invalid-evidence"
    title = "证明材料不符合要求"


class EvidenceTooLargeError(PayloadTooLargeError):
    """An evidence file exceeds ``PrivacySettings.evidence_max_bytes``, or the request's
    declared body exceeds what the allowed files could need (refused before it is
    read); ``max_bytes`` gives the limit."""

    code = "privacy.evidence-too-large"
    title = "证明材料超过大小上限"


class EvidenceNotFoundError(NotFoundError):
    """No such evidence file — or not one the reader may see (the filer, the source
    department, the coordinator and auditors may; the two are not told apart)."""

    code = "privacy.evidence-not-found"
    title = "证明材料不存在"


class CorrectionNotAppliedError(ConflictError):
    """A correction answered "corrected" could not be written to the base data: a load of
    the table is running, the answering staff may not load it, or the table can no
    longer take it. The answer is not recorded and nothing changed; ``cause`` is the
    base-data problem code."""

    code = "privacy.correction-not-applied"
    title = "更正未能写入基础数据，数据未改变"
