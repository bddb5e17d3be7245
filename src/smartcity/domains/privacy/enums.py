"""Enums of the privacy domain that other domains may use."""

from __future__ import annotations

from enum import StrEnum


class SubjectKind(StrEnum):
    """What a user's subject key is."""

    citizen = "citizen"  # 公民身份号码 (GB 11643)
    enterprise = "enterprise"  # 统一社会信用代码 (GB 32100)


SUBJECT_KIND_LABELS: dict[SubjectKind, str] = {
    SubjectKind.citizen: "公民（公民身份号码）",
    SubjectKind.enterprise: "法人和其他组织（统一社会信用代码）",
}

KEY_RULES: dict[SubjectKind, frozenset[str]] = {
    SubjectKind.citizen: frozenset({"id_number", "id_or_credit_code"}),
    SubjectKind.enterprise: frozenset({"credit_code", "id_or_credit_code"}),
}
"""The base-data key rules whose tables can hold a subject of each kind."""
