"""The demo's share requests: what the market-supervision department (whose demo accounts
are admin.scjg / staff.scjg) asks of others, taken through the real workflow.

1. 人口基础信息 (police, a base resource: unconditional) for 企业开办 — checked by the
   coordinator and granted at once; staff.scjg can then call the exchange API.
2. 社会保险参保信息 (human resources, conditional) — checked, then granted in part by
   the provider, the rest refused citing 《个人信息保护法》.
3. 不动产登记信息 (real-estate registration) — waiting for the compliance check, with
   its working-day clock running.

Idempotent: nothing is done when the department already has requests.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from sqlalchemy.orm import Session

from smartcity.core.config import SharingSettings
from smartcity.core.pagination import PageParams
from smartcity.core.security import Actor, ActorKind
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.identity.permissions import Role, permissions_for
from smartcity.domains.registry import service as registry_service
from smartcity.domains.sharing import service
from smartcity.domains.sharing.enums import QueryMode
from smartcity.domains.sharing.schemas import ShareRequestCreate, ShareRequestFilter

CONSUMER = "SCJG"
POPULATION_ITEMS = ("公民身份号码", "姓名", "性别", "出生日期", "户籍地址", "联系电话")
INSURANCE_ITEMS = ("姓名", "社会保障号码", "险种类型", "参保状态", "参保单位名称")
INSURANCE_GRANTED = ("险种类型", "参保状态", "参保单位名称")
# The demo's requests run on the regulation's periods, whatever the deployment sets.
STATUTORY = SharingSettings()


def _actor(session: Session, code: str, role: Role, name: str) -> Actor:
    organization = registry_service.find_organization_by_code(session, code)
    if organization is None:
        raise LookupError(f"demo sharing: no organization {code}")
    return Actor(
        kind=ActorKind.user,
        organization_id=organization.id,
        permissions=permissions_for({role}),
        name=name,
        roles=frozenset({role}),
    )


def _entry_id(session: Session, name: str, provider_code: str) -> UUID:
    provider = registry_service.find_organization_by_code(session, provider_code)
    entry = (
        catalog_service.find_published_entry(
            session, name=name, provider_organization_id=provider.id
        )
        if provider is not None
        else None
    )
    if entry is None:
        raise LookupError(f"demo sharing: no published entry {name} of {provider_code}")
    return entry.id


def load(session: Session, *, city_code: Callable[[str], str], coordinator_code: str) -> int:
    """Make the demo requests (in the caller's transaction); return how many."""
    consumer = _actor(session, city_code(CONSUMER), Role.org_staff, "市场监管局工作人员（演示）")
    made = service.list_requests(
        session, actor=consumer, filters=ShareRequestFilter(), page=PageParams(size=1)
    )
    if made.total:
        return 0
    coordinator = _actor(session, coordinator_code, Role.coordinator, "大数据局平台管理员（演示）")
    insurance_admin = _actor(session, city_code("RSJ"), Role.org_admin, "人社局单位管理员（演示）")

    population = service.submit_request(
        session,
        actor=consumer,
        data=ShareRequestCreate(
            entry_id=_entry_id(session, "人口基础信息", city_code("GAJ")),
            items=list(POPULATION_ITEMS),
            purpose="企业开办登记时核验法定代表人和股东的身份信息，免于申请人重复提交身份证复印件。",
            scenario="企业开办一窗通办——法定代表人身份核验",
            query_modes=[QueryMode.lookup, QueryMode.batch],
            requested_months=12,
            expected_volume=2_000,
        ),
        settings=STATUTORY,
    )
    service.check_request(
        session, actor=coordinator, request_id=population.id, passed=True,
        opinion="基础数据库资源，无条件共享；用途明确，同意。", settings=STATUTORY,
    )  # fmt: skip

    insurance = service.submit_request(
        session,
        actor=consumer,
        data=ShareRequestCreate(
            entry_id=_entry_id(session, "社会保险参保信息", city_code("RSJ")),
            items=list(INSURANCE_ITEMS),
            purpose="企业信用监管中核查企业为员工参保的情况。",
            scenario="企业信用风险分类监管",
            query_modes=[QueryMode.lookup],
            requested_months=6,
            expected_volume=300,
        ),
        settings=STATUTORY,
    )
    service.check_request(
        session, actor=coordinator, request_id=insurance.id, passed=True,
        opinion="有条件共享资源，请人社局答复。", settings=STATUTORY,
    )  # fmt: skip
    basis = registry_service.find_legal_basis_by_code(session, "PIPL-28")
    service.answer_request(
        session,
        actor=insurance_admin,
        request_id=insurance.id,
        granted_items=list(INSURANCE_GRANTED),
        opinion="参保状态和参保单位信息可以共享；个人姓名和社会保障号码属于个人信息，监管用途无需识别到个人。",
        refusal_basis_id=basis.id if basis is not None else None,
    )

    service.submit_request(
        session,
        actor=consumer,
        data=ShareRequestCreate(
            entry_id=_entry_id(session, "不动产登记信息", city_code("BDC")),
            items=["不动产单元号", "房屋坐落", "房屋用途", "登记类型"],
            purpose="核验企业住所（经营场所）的不动产权属和用途。",
            scenario="企业住所登记核验",
            query_modes=[QueryMode.lookup],
        ),
        settings=STATUTORY,
    )
    return 3
