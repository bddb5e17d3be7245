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


class InformationSystemNotFoundError(NotFoundError):
    code = "registry.information-system-not-found"
    title = "信息系统不存在"


class SystemCodeTakenError(ConflictError):
    code = "registry.system-code-taken"
    title = "信息系统编码已被使用"


class CloudDeploymentRequiredError(InvalidInputError):
    """Art. 22: a new system goes into use on the city cloud; only a system that was in
    use before it was registered may still be migrating or not migrated, and any other
    system off the cloud needs an exemption with a legal basis."""

    code = "registry.cloud-deployment-required"
    title = "新建系统应当部署在市智慧城市云数据平台"


class CloudExemptionBasisRequiredError(InvalidInputError):
    """An exemption from the city cloud rests on a citable article of law and a reason."""

    code = "registry.cloud-exemption-basis-required"
    title = "豁免上云须引用法律法规依据并说明理由"


class MigrationDateRequiredError(InvalidInputError):
    code = "registry.migration-date-required"
    title = "迁移中的系统须填写计划完成迁移日期"


class ChangeNeedsApprovalError(ConflictError):
    """Going into use, retirement and a change of data composition are proposed as change
    requests and take effect when the coordinator approves them; they cannot be edited."""

    code = "registry.change-needs-approval"
    title = "该变更须提交变更申请，经平台主管部门审核后生效"


class SystemRetiredError(ConflictError):
    code = "registry.system-retired"
    title = "信息系统已停用，不能再修改"


class ChangeRequestNotFoundError(NotFoundError):
    code = "registry.change-request-not-found"
    title = "变更申请不存在"


class ChangeRequestPendingError(ConflictError):
    """A system has at most one pending request of each kind."""

    code = "registry.change-request-pending"
    title = "该系统已有同类待审核的变更申请"


class ChangeRequestDecidedError(ConflictError):
    code = "registry.change-request-decided"
    title = "变更申请已审核，不能再次审核"


class InvalidChangeRequestError(InvalidInputError):
    """The change does not apply to the system as it is (for example a system already in
    use asked to go into use, or a composition change that changes nothing)."""

    code = "registry.invalid-change-request"
    title = "变更申请与系统当前状态不符"


class OpinionRequiredError(InvalidInputError):
    code = "registry.opinion-required"
    title = "退回变更申请须填写审核意见"
