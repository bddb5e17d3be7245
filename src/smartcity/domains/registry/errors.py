"""Errors of the registry."""

from __future__ import annotations

from smartcity.core.errors import ConflictError, InvalidInputError, NotFoundError


class OrganizationNotFoundError(NotFoundError):
    code = "registry.organization-not-found"
    title = "单位不存在"


class OrganizationCodeTakenError(ConflictError):
    code = "registry.organization-code-taken"
    title = "单位编码已被使用"


class CreditCodeTakenError(ConflictError):
    code = "registry.credit-code-taken"
    title = "统一社会信用代码已被其他单位使用"


class InvalidCreditCodeError(InvalidInputError):
    """The code fails GB 32100. ``position`` names the first character that fails; a code
    that fails only its check characters can be accepted with an audited override."""

    code = "registry.invalid-credit-code"
    title = "统一社会信用代码无效"


class InvalidDivisionCodeError(InvalidInputError):
    code = "registry.invalid-division-code"
    title = "行政区划代码无效"


class OrganizationCycleError(InvalidInputError):
    """An organization cannot be its own ancestor."""

    code = "registry.organization-cycle"
    title = "上级单位设置会形成循环"


class CoordinatorRequiredError(ConflictError):
    """The platform authority of Art. 6 cannot be deactivated or lose its flag without
    another organization taking it over."""

    code = "registry.coordinator-required"
    title = "必须有一个平台主管部门"


class ImportRejectedError(InvalidInputError):
    """An import file has problems; nothing was imported. ``errors`` lists each by row
    and column."""

    code = "registry.import-rejected"
    title = "导入文件有错误，未导入任何数据"


class UnknownArticleError(InvalidInputError):
    code = "registry.unknown-article"
    title = "条例中没有该条款或该主体"


class LegalBasisNotFoundError(NotFoundError):
    code = "registry.legal-basis-not-found"
    title = "法律法规依据不存在"


class LegalBasisCodeTakenError(ConflictError):
    code = "registry.legal-basis-code-taken"
    title = "依据编码已被使用"


class LegalBasisNotCitableError(InvalidInputError):
    """The article is repealed or not yet in force, so a new decision cannot rest on it."""

    code = "registry.legal-basis-not-citable"
    title = "该法律法规依据当前不能引用"
