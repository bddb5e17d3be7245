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


class DataRequestKind(StrEnum):
    """What a data subject asks of the source department (Art. 68)."""

    correction = "correction"  # 更正：a value is wrong, the subject claims another
    deletion = "deletion"  # 删除：a value (or the whole record) should not be held


class DataRequestState(StrEnum):
    """Where a correction or deletion request stands; only ``submitted`` is open."""

    submitted = "submitted"  # 已提交，待来源部门答复
    corrected = "corrected"  # 已更正（删除申请：已删除）
    partially = "partially"  # 部分更正
    refused = "refused"  # 不予更正，载明法律依据
    withdrawn = "withdrawn"  # 申请人已撤回


DATA_REQUEST_KIND_LABELS: dict[DataRequestKind, str] = {
    DataRequestKind.correction: "更正",
    DataRequestKind.deletion: "删除",
}

DATA_REQUEST_STATE_LABELS: dict[DataRequestState, str] = {
    DataRequestState.submitted: "待来源部门答复",
    DataRequestState.corrected: "已更正",
    DataRequestState.partially: "部分更正",
    DataRequestState.refused: "不予更正",
    DataRequestState.withdrawn: "已撤回",
}

ANSWER_STATES = frozenset(
    {DataRequestState.corrected, DataRequestState.partially, DataRequestState.refused}
)
"""The source department's possible answers."""
