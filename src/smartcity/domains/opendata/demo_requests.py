"""The demo's requests to open a dataset (数据开放申请, Art. 31): the demo citizen asks for
real-time bus arrivals (left waiting for the coordinator), an anonymous visitor asks for
car-park vacancies (answered: planned) and for other people's property records (declined:
personal information is never opened).

Idempotent: a request whose title is already filed is not filed again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from smartcity.core.pagination import PageParams
from smartcity.core.security import ANONYMOUS, SYSTEM, Actor
from smartcity.domains.identity import service as identity_service
from smartcity.domains.opendata.schemas_requests import (
    DataRequestAnswer,
    DataRequestCreate,
    DataRequestFilter,
)
from smartcity.domains.opendata.service import data_requests

CITIZEN = "citizen"
COORDINATOR = "coordinator"


@dataclass(frozen=True)
class DemoRequest:
    data: DataRequestCreate
    by_citizen: bool = False
    decision: str = ""
    reply: str = ""


REQUESTS = (
    DemoRequest(
        DataRequestCreate(
            title="公交车辆实时到站数据",
            description="希望按线路和站点开放公交车辆的实时到站预测时间，每分钟更新。",
            purpose="开发面向市民的公交出行小程序",
            provider_hint="市交通运输局",
            requester_name="演示市民",
        ),
        by_citizen=True,
    ),
    DemoRequest(
        DataRequestCreate(
            title="公共停车场实时空位数据",
            description="希望开放城区公共停车场的位置、泊位总数和实时空余泊位数，5 分钟更新一次。",
            purpose="停车导航",
        ),
        decision="answered",
        reply="已列入 2027 年第一季度开放计划，届时在“交通出行”主题下以接口方式开放。",
    ),
    DemoRequest(
        DataRequestCreate(
            title="个人不动产登记信息",
            description="希望能查询任意人员名下的房产登记情况，用于了解交易对方资产。",
        ),
        decision="declined",
        reply="涉及个人信息，依据《条例》第三十一条只开放不涉密、不涉隐私的数据，不予开放；"
        "本人可持身份证到不动产登记中心查询本人名下信息。",
    ),
)


def _actor(session: Session, username: str, fallback: Actor) -> Actor:
    user = identity_service.find_user_by_username(session, username)
    return identity_service.actor_for_user(user) if user is not None else fallback


def load(session: Session) -> int:
    """File the demo requests not filed yet and answer those the demo answers; returns
    how many were filed."""
    filed = {
        r.title
        for r in data_requests.list_data_requests(
            session, actor=SYSTEM, filters=DataRequestFilter(), page=PageParams(page=1, size=200)
        ).items
    }
    coordinator = _actor(session, COORDINATOR, SYSTEM)
    count = 0
    for demo in REQUESTS:
        if demo.data.title in filed:
            continue
        requester = _actor(session, CITIZEN, ANONYMOUS) if demo.by_citizen else ANONYMOUS
        receipt = data_requests.submit_data_request(session, actor=requester, data=demo.data)
        count += 1
        if not demo.decision:
            continue
        data_requests.answer_data_request(
            session,
            actor=coordinator,
            request_id=receipt.id,
            answer=DataRequestAnswer.model_validate(
                {"decision": demo.decision, "reply": demo.reply}
            ),
        )
    return count
