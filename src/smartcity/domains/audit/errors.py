"""Errors of the audit domain."""

from __future__ import annotations

from smartcity.core.errors import ConflictError, NotFoundError


class AuditEventNotFoundError(NotFoundError):
    code = "audit.event-not-found"
    title = "审计记录不存在"


class AuditChainBrokenError(ConflictError):
    """The chain does not verify: an entry was modified, deleted, inserted or reordered."""

    code = "audit.chain-broken"
    title = "审计日志链校验失败"
