"""Enums of the once-only domain and their Chinese labels, shared with its pages, its
schemas and other domains (the prefill service reads forms through them)."""

from __future__ import annotations

from enum import StrEnum


class FormChannel(StrEnum):
    """Where a citizen fills the form in."""

    online = "online"  # 网上办理（一网通办）
    mobile = "mobile"  # 掌上办理（爱山东 APP）
    counter = "counter"  # 窗口办理（政务服务中心）
    self_service = "self_service"  # 自助终端


FORM_CHANNEL_LABELS: dict[FormChannel, str] = {
    FormChannel.online: "网上办理（一网通办）",
    FormChannel.mobile: "掌上办理（爱山东）",
    FormChannel.counter: "窗口办理",
    FormChannel.self_service: "自助终端",
}


class FieldCollection(StrEnum):
    """How the form obtains a field's value today."""

    typed = "typed"  # 申请人填写：the applicant types it
    prefilled = "prefilled"  # 平台回填：filled from the platform
    attachment = "attachment"  # 上传材料：the applicant attaches a document (a copy)


FIELD_COLLECTION_LABELS: dict[FieldCollection, str] = {
    FieldCollection.typed: "申请人填写",
    FieldCollection.prefilled: "平台回填",
    FieldCollection.attachment: "上传材料",
}

ASKED_COLLECTIONS = frozenset({FieldCollection.typed, FieldCollection.attachment})
"""Ways of collecting that ask the applicant for the data (typing it or bringing a copy)."""


class CaseState(StrEnum):
    """Where an "asked again" case stands: ``new`` and ``handling`` are open."""

    new = "new"  # 待处理
    handling = "handling"  # 处理中
    resolved = "resolved"  # 已办结（附答复）
    dismissed = "dismissed"  # 不予受理（附理由）


CASE_STATE_LABELS: dict[CaseState, str] = {
    CaseState.new: "待处理",
    CaseState.handling: "处理中",
    CaseState.resolved: "已办结",
    CaseState.dismissed: "不予受理",
}

OPEN_CASE_STATES = frozenset({CaseState.new, CaseState.handling})
