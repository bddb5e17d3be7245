"""Errors of the data subject's rights (codes start with ``privacy.``)."""

from __future__ import annotations

from smartcity.core.errors import InvalidInputError, NotFoundError, PermissionDeniedError


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
