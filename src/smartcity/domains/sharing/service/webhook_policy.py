"""Where change notifications may be sent (Art. 26): a callback must be ``http(s)`` on a
host of the platform's allowlist (``SMARTCITY_SHARING__WEBHOOK_ALLOWED_HOSTS``), so a
subscription cannot make the platform call arbitrary hosts of the government network.
Checked when a subscription is made and again before every attempt (the allowlist
may have changed).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from smartcity.core.config import Settings
from smartcity.domains.sharing.subscription_errors import (
    CallbackHostNotAllowedError,
    InvalidCallbackUrlError,
)

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    """The hosts a callback may name: exact names or addresses, ``*.suffix`` for a
    domain and its sub-domains; loopback hosts only when ``allow_loopback``."""

    allowed_hosts: tuple[str, ...] = ()
    allow_loopback: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookPolicy:
        return cls(
            tuple(h.strip().lower().rstrip(".") for h in settings.sharing.webhook_allowed_hosts),
            settings.webhook_loopback_allowed,
        )

    def _host_allowed(self, host: str) -> bool:
        if _is_loopback(host):
            return self.allow_loopback
        for allowed in self.allowed_hosts:
            if allowed.startswith("*."):
                if host == allowed[2:] or host.endswith(allowed[1:]):
                    return True
            elif host == allowed:
                return True
        return False

    def check(self, url: str) -> str:
        """The URL as stored (scheme and host in lower case, no fragment).

        Raises:
            InvalidCallbackUrlError; CallbackHostNotAllowedError.
        """
        text = url.strip()
        try:
            parts = urlsplit(text)
            host = (parts.hostname or "").lower().rstrip(".")
            port = parts.port
        except ValueError as error:
            raise InvalidCallbackUrlError(
                "回调地址无法解析", field="callback_url", callback_url=text[:200]
            ) from error
        if parts.scheme.lower() not in {"http", "https"} or not host:
            raise InvalidCallbackUrlError(
                "回调地址须为以 http:// 或 https:// 开头、包含主机名的完整地址",
                field="callback_url",
            )
        if parts.username is not None or parts.password is not None:
            raise InvalidCallbackUrlError(
                "回调地址不能包含用户名或密码：每条通知以订阅密钥签名（X-Smartcity-Signature）",
                field="callback_url",
            )
        if any(c.isspace() for c in text):
            raise InvalidCallbackUrlError("回调地址不能包含空白字符", field="callback_url")
        if not self._host_allowed(host):
            hint = (
                "本平台不允许回调本机地址"
                if _is_loopback(host)
                else "请联系平台管理员将其加入允许的回调主机"
                "（SMARTCITY_SHARING__WEBHOOK_ALLOWED_HOSTS）"
            )
            raise CallbackHostNotAllowedError(
                f"回调主机 {host} 不在允许范围内：{hint}", field="callback_url", host=host
            )
        netloc = host if ":" not in host else f"[{host}]"
        if port is not None:
            netloc = f"{netloc}:{port}"
        return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))

    def allows(self, url: str) -> bool:
        try:
            self.check(url)
        except (InvalidCallbackUrlError, CallbackHostNotAllowedError):
            return False
        return True


def shown_url(url: str) -> str:
    """The URL without its query string, for audit records (a query may carry a token)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
