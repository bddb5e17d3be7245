"""Errors of the sharing and exchange platform (codes start with ``sharing.``)."""

from __future__ import annotations

from smartcity.core.errors import (
    AppError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)


class ShareRequestNotFoundError(NotFoundError):
    code = "sharing.request-not-found"
    title = "共享申请不存在"


class GrantNotFoundError(NotFoundError):
    code = "sharing.grant-not-found"
    title = "共享授权不存在"


class InvalidShareRequestError(InvalidInputError):
    """The request names no item, an item the entry does not have, or an invalid value;
    ``field`` names the input."""

    code = "sharing.invalid-request"
    title = "共享申请内容不正确"


class EntryNotPublishedError(ConflictError):
    """Only published catalog entries can be requested."""

    code = "sharing.entry-not-published"
    title = "该资源尚未发布，不能申请共享"


class OwnResourceError(ConflictError):
    """A department does not request its own resource: it already holds it."""

    code = "sharing.own-resource"
    title = "本部门的资源无需申请共享"


class NotYourRequestError(PermissionDeniedError):
    """The request belongs to (or is addressed to) another department."""

    code = "sharing.not-your-request"
    title = "只能办理本部门的共享申请"


class RequestStateError(ConflictError):
    """The step does not apply in the request's current state (``state`` says which)."""

    code = "sharing.invalid-transition"
    title = "共享申请当前状态不允许此操作"


class RefusalBasisRequiredError(InvalidInputError):
    """A refusal (whole or partial) must cite a registered, citable legal basis; free text
    alone is not accepted (Art. 27)."""

    code = "sharing.refusal-basis-required"
    title = "不予共享必须引用已登记的法律依据"


class GrantRevokedError(ConflictError):
    code = "sharing.grant-revoked"
    title = "共享授权已撤销"


class NumberingConflictError(ConflictError):
    """Concurrent submissions kept taking the next request or grant number; nothing was
    saved and the submission can simply be repeated."""

    code = "sharing.numbering-conflict"
    title = "编号分配冲突，请重试"


class MirrorUpstreamError(AppError):
    """Table mode (``smartcity sharing mirror``): the platform could not be reached or
    refused the change feed; ``status`` and ``problem`` repeat its answer."""

    status = 502
    code = "sharing.mirror-upstream"
    title = "无法从共享交换平台获取变更"


class MirrorTableMismatchError(ConflictError):
    """The consumer-side table was made for another grant or other items, or was not
    made by the mirror; rebuild it with ``--reset``."""

    code = "sharing.mirror-table-mismatch"
    title = "目标表与该授权不一致"
