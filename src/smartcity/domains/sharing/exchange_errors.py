"""Problems of the exchange API (Art. 26): every refusal is its own problem type.

Each refusal the exchange service raises has already been written to the
exchange log (its result is the problem ``code``). They all derive from
``ExchangeRefusal`` too, so the API edge can tell "refused and logged" apart
from other errors and let the log entry commit (see ``api_exchange``).
Anonymous callers get the generic 401 and are not logged.
"""

from __future__ import annotations

from smartcity.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    TooManyRequestsError,
)


class ExchangeRefusal(Exception):  # noqa: N818 (a marker mixed into the errors below)
    """Marker: a refused exchange call that the exchange log already records."""


class ExchangePermissionDeniedError(ExchangeRefusal, PermissionDeniedError):
    code = "sharing.exchange-permission-denied"
    title = "无权调用数据交换接口"


class CaseReferenceRequiredError(ExchangeRefusal, InvalidInputError):
    code = "sharing.exchange-case-reference-required"
    title = "调用须注明所办理的事项（X-Case-Reference）"


class ExchangeGrantNotFoundError(ExchangeRefusal, NotFoundError):
    code = "sharing.exchange-grant-not-found"
    title = "共享授权不存在"


class GrantWrongOrganizationError(ExchangeRefusal, PermissionDeniedError):
    code = "sharing.exchange-wrong-organization"
    title = "共享授权不属于调用方所在部门"


class GrantWrongClientError(ExchangeRefusal, PermissionDeniedError):
    code = "sharing.exchange-wrong-client"
    title = "共享授权限定由其他接入系统调用"


class GrantRevokedError(ExchangeRefusal, ConflictError):
    code = "sharing.exchange-grant-revoked"
    title = "共享授权已撤销"


class GrantExpiredError(ExchangeRefusal, ConflictError):
    code = "sharing.exchange-grant-expired"
    title = "共享授权不在有效期内"


class KeyCountError(ExchangeRefusal, InvalidInputError):
    code = "sharing.exchange-key-count"
    title = "一次调用须查询 1 至 1000 个主键"


class ModeNotGrantedError(ExchangeRefusal, PermissionDeniedError):
    code = "sharing.exchange-mode-not-granted"
    title = "共享授权不包含该查询方式"


class FieldNotGrantedError(ExchangeRefusal, PermissionDeniedError):
    code = "sharing.exchange-field-not-granted"
    title = "共享授权不包含所请求的信息项"


class ExchangeRateLimitedError(ExchangeRefusal, TooManyRequestsError):
    code = "sharing.exchange-rate-limited"
    title = "超过共享授权的调用频率"


class ExchangeSourceUnavailableError(ExchangeRefusal, ConflictError):
    code = "sharing.exchange-source-unavailable"
    title = "该资源没有可供交换的基础库表"


class ExchangeInvalidKeyError(ExchangeRefusal, InvalidInputError):
    code = "sharing.exchange-invalid-key"
    title = "主键格式不正确"


class ExchangeRecordNotFoundError(ExchangeRefusal, NotFoundError):
    code = "sharing.exchange-record-not-found"
    title = "未找到该主键对应的记录"


class ExtractTooLargeError(ExchangeRefusal, InvalidInputError):
    code = "sharing.exchange-extract-too-large"
    title = "数据文件超出该格式的行数上限"


REFUSALS: tuple[type[ExchangeRefusal], ...] = (
    ExchangePermissionDeniedError,
    CaseReferenceRequiredError,
    ExchangeGrantNotFoundError,
    GrantWrongOrganizationError,
    GrantWrongClientError,
    GrantRevokedError,
    GrantExpiredError,
    KeyCountError,
    ModeNotGrantedError,
    FieldNotGrantedError,
    ExchangeRateLimitedError,
    ExchangeSourceUnavailableError,
    ExchangeInvalidKeyError,
    ExchangeRecordNotFoundError,
)
