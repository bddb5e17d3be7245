"""Errors of the catalog."""

from __future__ import annotations

from smartcity.core.errors import ConflictError, InvalidInputError, NotFoundError


class EntryNotFoundError(NotFoundError):
    """No such entry, or one the actor may not see (the two look the same)."""

    code = "catalog.entry-not-found"
    title = "目录条目不存在"


class VersionNotFoundError(NotFoundError):
    code = "catalog.version-not-found"
    title = "目录条目版本不存在"


class GradeNotFoundError(NotFoundError):
    code = "catalog.grade-not-found"
    title = "数据分级不存在"


class ResourceCodeTakenError(ConflictError):
    code = "catalog.resource-code-taken"
    title = "资源代码已被使用"


class EntryNotEditableError(ConflictError):
    """A published entry never changes in place: a change is a new version, reviewed again."""

    code = "catalog.entry-not-editable"
    title = "已发布的目录条目不能直接修改，请创建新版本"


class VersionPendingError(ConflictError):
    """An entry has at most one version in progress (draft, submitted or returned)."""

    code = "catalog.version-pending"
    title = "该条目已有未完成的版本"


class InvalidTransitionError(ConflictError):
    """The version is not in the state this step needs (e.g. approving a draft)."""

    code = "catalog.invalid-transition"
    title = "当前状态不允许此审核操作"


class LegalBasisRequiredError(InvalidInputError):
    """Conditional and not-shared entries cite at least one registered legal basis
    (国发〔2016〕51号; Shandong 2019 rules), never free text."""

    code = "catalog.legal-basis-required"
    title = "有条件共享或不予共享的资源必须引用法律法规依据"


class BaseResourceNotSharedError(InvalidInputError):
    """Resources of the base databases (Art. 23) are shared unconditionally."""

    code = "catalog.base-resource-not-shared"
    title = "基础数据库资源必须无条件共享"


class PersonalDataNotOpenableError(InvalidInputError):
    """Art. 31 opens only data that touches no privacy: personal information is open
    only in a declared de-identified form."""

    code = "catalog.personal-data-not-openable"
    title = "含个人信息的资源只有去标识化后才能开放"


class InvalidShareAttributesError(InvalidInputError):
    """Share or open attributes that contradict each other (e.g. a condition missing)."""

    code = "catalog.invalid-share-attributes"
    title = "共享或开放属性不一致"


class InvalidEntryError(InvalidInputError):
    """Content that refers to things that do not exist or do not fit (unknown grade,
    source system of another organization, a provider change in a new version …)."""

    code = "catalog.invalid-entry"
    title = "目录条目内容无效"


class OpinionRequiredError(InvalidInputError):
    code = "catalog.opinion-required"
    title = "退回时必须填写审核意见"


class GradeCodeTakenError(ConflictError):
    code = "catalog.grade-code-taken"
    title = "分级代码或级别序号已被使用"


class GradeInUseError(ConflictError):
    """A grade that information items carry cannot be deleted."""

    code = "catalog.grade-in-use"
    title = "该分级已被信息项使用，不能删除"


class CatalogImportRejectedError(InvalidInputError):
    """A catalog workbook has problems, so none of it was imported; ``errors`` lists each
    by sheet, row and column with a reason in Chinese."""

    code = "catalog.import-rejected"
    title = "目录工作簿有错误，未导入任何数据"
