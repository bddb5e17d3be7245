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


class Availability(StrEnum):
    """Can the platform supply a field's value to the form's department?"""

    own = "own"  # the department's own published catalog resource
    granted = "granted"  # an active grant of the department covers the item
    obtainable = "obtainable"  # no grant yet, but the entry is 无条件 or 有条件共享
    not_shared = "not_shared"  # the entry is 不予共享: asking the applicant is lawful
    unavailable = "unavailable"  # the mapping no longer holds (entry withdrawn, item gone)
    applicant_only = "applicant_only"  # 仅申请人提供


AVAILABILITY_LABELS: dict[Availability, str] = {
    Availability.own: "本部门资源",
    Availability.granted: "已有共享授权",
    Availability.obtainable: "可申请共享",
    Availability.not_shared: "不予共享",
    Availability.unavailable: "映射失效",
    Availability.applicant_only: "仅申请人提供",
}

PLATFORM_AVAILABLE = frozenset({Availability.own, Availability.granted, Availability.obtainable})
"""The platform can supply these: asking the applicant for them is asking again (Art. 28)."""
