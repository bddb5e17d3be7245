"""Errors of the identity domain."""

from __future__ import annotations

from smartcity.core.errors import (
    AuthenticationRequiredError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    TooManyRequestsError,
)


class UserNotFoundError(NotFoundError):
    code = "identity.user-not-found"
    title = "用户不存在"


class UsernameTakenError(ConflictError):
    code = "identity.username-taken"
    title = "用户名已被使用"


class RoleNotAssignableError(PermissionDeniedError):
    """The actor may not give this role, or the role does not fit the user's organization
    (the coordinator role belongs to the platform authority only, Art. 6)."""

    code = "identity.role-not-assignable"
    title = "不能分配该角色"


class WeakPasswordError(InvalidInputError):
    code = "identity.weak-password"
    title = "密码强度不足"


class InvalidCredentialsError(AuthenticationRequiredError):
    """Unknown user and wrong password give this same answer, so names are not revealed."""

    code = "identity.invalid-credentials"
    title = "用户名或密码错误"


class LoginThrottledError(TooManyRequestsError):
    code = "identity.login-throttled"
    title = "登录失败次数过多"


class InvalidTokenError(AuthenticationRequiredError):
    """The bearer token is unknown, expired or revoked (which one is not said)."""

    code = "identity.invalid-token"
    title = "访问令牌无效或已过期"


class CsrfError(PermissionDeniedError):
    code = "identity.csrf-failed"
    title = "页面已过期，请刷新后重试"


class ApiClientNotFoundError(NotFoundError):
    code = "identity.api-client-not-found"
    title = "API 客户端不存在"


class ApiClientRevokedError(ConflictError):
    code = "identity.api-client-revoked"
    title = "API 客户端已吊销"
