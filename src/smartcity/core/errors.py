"""The one error hierarchy of the platform.

Services raise ``AppError`` subclasses; the HTTP layer renders them as RFC 9457
``application/problem+json`` (or a Chinese HTML message), the CLI as one line and
exit code 1. ``code`` is API surface that clients match on: never rename one.
``title`` names the kind of problem, ``detail`` this occurrence. Texts are
Chinese because the people who read them are.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

RESERVED_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})


class AppError(Exception):
    """Base of every error a client may see.

    Keyword arguments become problem extension members; they must not shadow
    the standard members of RFC 9457.
    """

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "内部错误"

    def __init__(self, detail: str | None = None, **extensions: object) -> None:
        clash = RESERVED_MEMBERS & extensions.keys()
        if clash:
            raise TypeError(f"problem extensions shadow standard members: {sorted(clash)}")
        self.detail = detail or self.title
        self.extensions = extensions
        super().__init__(self.detail)


class BadRequestError(AppError):
    """400: the request cannot be read at all (malformed body, bad encoding)."""

    status = 400
    code = "bad-request"
    title = "请求格式错误"


class InvalidInputError(AppError):
    """422: input valid in shape, invalid for the data."""

    status = 422
    code = "invalid-input"
    title = "输入无效"


class AuthenticationRequiredError(AppError):
    status = 401
    code = "authentication-required"
    title = "需要登录或提供有效凭证"


class PermissionDeniedError(AppError):
    status = 403
    code = "permission-denied"
    title = "没有权限"


class NotFoundError(AppError):
    status = 404
    code = "not-found"
    title = "未找到"


class ConflictError(AppError):
    """409: the current state forbids the operation."""

    status = 409
    code = "conflict"
    title = "当前状态不允许此操作"


class PayloadTooLargeError(AppError):
    status = 413
    code = "payload-too-large"
    title = "请求内容过大"


class UnsupportedMediaTypeError(AppError):
    status = 415
    code = "unsupported-media-type"
    title = "不支持的内容类型"


class TooManyRequestsError(AppError):
    status = 429
    code = "too-many-requests"
    title = "请求过于频繁"


def all_error_classes() -> Iterator[type[AppError]]:
    """Every ``AppError`` subclass currently imported, the base included."""
    seen: set[type[AppError]] = set()
    stack: list[type[AppError]] = [AppError]
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        yield cls
        stack.extend(cls.__subclasses__())


class InvalidIdentifierError(InvalidInputError):
    """An ID number, credit code or division code fails its national standard.

    ``position`` (1-based) names the first character that fails and ``reason``
    the rule (for example ``id-number.check-character``).
    """

    code = "invalid-identifier"
    title = "证件号码或代码不符合国家标准"
