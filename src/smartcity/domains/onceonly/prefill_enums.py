"""Enums of prefill with consent (Art. 28) and their Chinese labels."""

from __future__ import annotations

from enum import StrEnum


class PrefillState(StrEnum):
    """Where a prefill request stands.

    ``pending`` → ``approved`` (all or some fields) or ``declined`` by the citizen;
    ``approved`` → ``delivered`` when the service fetches the values (once), or
    ``revoked`` by the citizen before that. A pending or approved request past its
    ``expires_at`` reads as ``expired`` (the stored state is left as it was; nothing
    needs to run for a request to expire).
    """

    pending = "pending"  # 待确认
    approved = "approved"  # 已同意（待取用）
    declined = "declined"  # 已拒绝
    delivered = "delivered"  # 已回填
    revoked = "revoked"  # 已撤回
    expired = "expired"  # 已过期


PREFILL_STATE_LABELS: dict[PrefillState, str] = {
    PrefillState.pending: "待您确认",
    PrefillState.approved: "已同意，待部门取用",
    PrefillState.declined: "已拒绝",
    PrefillState.delivered: "已回填",
    PrefillState.revoked: "已撤回",
    PrefillState.expired: "已过期",
}

OPEN_PREFILL_STATES = frozenset({PrefillState.pending, PrefillState.approved})
"""States that end by themselves at ``expires_at``."""


class PrefillBasis(StrEnum):
    """Why the requesting department may obtain a field's value (Art. 26–28)."""

    own = "own"  # its own catalog resource
    granted = "granted"  # an active grant covers the item
    unconditional = "unconditional"  # the entry is 无条件共享


PREFILL_BASIS_LABELS: dict[PrefillBasis, str] = {
    PrefillBasis.own: "本部门资源",
    PrefillBasis.granted: "共享授权",
    PrefillBasis.unconditional: "无条件共享",
}
