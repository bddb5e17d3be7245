"""Errors of the open data API keys and rate limits (codes start with ``opendata.``)."""

from __future__ import annotations

from smartcity.core.errors import (
    AuthenticationRequiredError,
    NotFoundError,
    TooManyRequestsError,
)


class ApiKeyNotFoundError(NotFoundError):
    """No such key of the caller (another user's key looks missing)."""

    code = "opendata.api-key-not-found"
    title = "API 密钥不存在"


class InvalidApiKeyError(AuthenticationRequiredError):
    """The key sent in ``Authorization`` / ``X-API-Key`` is malformed, unknown or revoked
    (one answer for all, so a guess learns nothing)."""

    code = "opendata.invalid-api-key"
    title = "API 密钥无效或已撤销"


class OpenDataRateLimitedError(TooManyRequestsError):
    """Too many calls in the last minute from this key or, without a key, from this
    address (``retry_after_seconds`` says when the next call is allowed). Heavy users
    register and use an API key, which has a higher limit (Art. 31)."""

    code = "opendata.rate-limited"
    title = "调用过于频繁，请稍后再试（注册用户可申请 API 密钥获得更高额度）"
