"""Errors of the open data portal (codes start with ``opendata.``)."""

from __future__ import annotations

from smartcity.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    TooManyRequestsError,
)


class DatasetNotFoundError(NotFoundError):
    """No open dataset with this id or name that the caller may see (drafts and
    withdrawn datasets are visible to their publisher and the coordinator only)."""

    code = "opendata.dataset-not-found"
    title = "开放数据集不存在"


class ResourceNotFoundError(NotFoundError):
    code = "opendata.resource-not-found"
    title = "开放数据资源不存在"


class OrganizationNotFoundError(NotFoundError):
    code = "opendata.organization-not-found"
    title = "数据提供单位不存在"


class ReleaseNotFoundError(NotFoundError):
    code = "opendata.release-not-found"
    title = "开放发布不存在"


class InvalidDatasetError(InvalidInputError):
    """Dataset metadata is not acceptable (name not a URL slug or taken, unknown
    licence, ...); ``field`` names the input."""

    code = "opendata.invalid-dataset"
    title = "开放数据集信息不正确"


class InvalidQueryError(InvalidInputError):
    """A search or datastore query names an unknown field, sort, facet or filter, or
    asks for more rows than allowed; ``field`` names the parameter."""

    code = "opendata.invalid-query"
    title = "查询条件不正确"


class NoRowsError(ConflictError):
    """The resource is a file without rows: it has no data API or table download."""

    code = "opendata.no-rows"
    title = "该资源没有可查询的数据行"


class TermsNotAcceptedError(PermissionDeniedError):
    """A conditionally open dataset (有条件开放) is downloadable only by a registered
    user who accepted its terms (Art. 31)."""

    code = "opendata.terms-not-accepted"
    title = "有条件开放的数据需登录并接受使用条件后方可获取"


class EntryNotOpenableError(ConflictError):
    """The catalog entry is not published or its open attribute is 不开放 (Art. 29–30)."""

    code = "opendata.entry-not-openable"
    title = "该目录条目不可开放"


class InvalidReleaseError(InvalidInputError):
    """The release's rows or settings are unusable (unknown columns, wrong k, no group
    field...); ``field`` names the input."""

    code = "opendata.invalid-release"
    title = "开放发布的内容不正确"


class ReleaseCheckFailedError(ConflictError):
    """The de-identification check of the release failed: it cannot be published
    (Art. 31: personal information is opened only in de-identified form)."""

    code = "opendata.release-check-failed"
    title = "去标识化检查未通过，不能发布"


class ReleaseNotPublishableError(ConflictError):
    """The release was already published or discarded, or is older than the entry."""

    code = "opendata.release-not-publishable"
    title = "该开放发布不能发布"


class DataRequestNotFoundError(NotFoundError):
    code = "opendata.data-request-not-found"
    title = "数据开放申请不存在"


class DataRequestAnsweredError(ConflictError):
    """A request to open a dataset was already answered or declined: the answer is final."""

    code = "opendata.data-request-answered"
    title = "该数据开放申请已经答复"


class DataRequestRateLimitedError(TooManyRequestsError):
    """Too many requests to open a dataset from one source within an hour (the form needs
    no login and no captcha, so the number per source is limited)."""

    code = "opendata.data-request-rate-limited"
    title = "提交过于频繁，请稍后再试"
