"""Signing and posting change notifications (no database here).

A notification is a JSON ``POST`` signed with the subscription's secret:
``X-Smartcity-Signature: sha256=<hex HMAC-SHA256 of the body>``. Only a 2xx answer
counts as delivered. Redirects are not followed (a 3xx fails the attempt: the
allowlist checked the host named, not where a redirect would lead) and no proxy is
used. The standard library's ``urllib`` posts: the platform has no HTTP client
dependency at run time.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from smartcity import __version__
from smartcity.domains.sharing.subscription_schemas import SIGNATURE_HEADER

USER_AGENT = f"smartcity-webhook/{__version__}"
_ERROR_BODY_BYTES = 300


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` (the header's value) signs ``body`` (for receivers)."""
    return signature is not None and hmac.compare_digest(sign(secret, body), signature)


@dataclass(frozen=True, slots=True)
class SendResult:
    """The HTTP status (``None`` when no answer came) and, on failure, why."""

    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


Sender = Callable[[str, bytes, Mapping[str, str], float], SendResult]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> SendResult:
    """POST ``body`` to ``url`` (``headers`` besides the content type and user agent)."""
    # The URL passed the allowlist (``WebhookPolicy``) just before.
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            **headers,
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return SendResult(int(response.status))
    except urllib.error.HTTPError as error:
        try:
            text = error.read(_ERROR_BODY_BYTES).decode("utf-8", "replace").strip()
        except OSError:
            text = ""
        reason = f"HTTP {error.code}" + (f"：{text}" if text else "")
        return SendResult(error.code, reason)
    except urllib.error.URLError as error:
        return SendResult(None, f"无法连接回调地址：{error.reason}")
    except TimeoutError:
        return SendResult(None, f"回调地址在 {timeout:g} 秒内没有应答")
    except OSError as error:
        return SendResult(None, f"发送失败：{error}")


def send_signed(
    url: str,
    body: bytes,
    secret: str,
    headers: Mapping[str, str],
    timeout: float,
    sender: Sender = post,
) -> SendResult:
    """Sign ``body`` and send it."""
    return sender(url, body, {**headers, SIGNATURE_HEADER: sign(secret, body)}, timeout)
