"""Factories for open datasets and their resources."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from smartcity.core.security import SYSTEM
from smartcity.domains.opendata import service as opendata_service
from smartcity.domains.opendata.enums import FieldType, OpenAccess, ResourceKind
from smartcity.domains.opendata.schemas import (
    DatasetCreate,
    DatasetRead,
    FieldSpec,
    ResourceCreate,
)
from smartcity.domains.registry.models import Organization
from tests.factories.registry import make_organization

_numbers = itertools.count(1)

BUS_FIELDS = [
    FieldSpec(id="line_no", title="线路编号", type=FieldType.text),
    FieldSpec(id="line_name", title="线路名称", type=FieldType.text),
    FieldSpec(id="stops", title="站点数", type=FieldType.int),
    FieldSpec(id="length_km", title="线路长度（公里）", type=FieldType.numeric),
    FieldSpec(id="opened_on", title="开通日期", type=FieldType.date),
    FieldSpec(id="night", title="是否夜班", type=FieldType.bool),
]
BUS_ROWS: list[list[Any]] = [
    ["1", "1路 火车站—太白楼", 24, 15.2, "2001-05-01", False],
    ["2", "2路 北湖—高新区", 31, 21.7, "2003-07-15", False],
    ["K3", "快3路 济宁站—曲阜", 12, 48.0, "2015-10-01", False],
    ["N1", "夜1路 火车站—万达广场", 18, 12.4, "2019-06-01", True],
]


def make_dataset(
    session: Session,
    *,
    provider: Organization | None = None,
    title: str | None = None,
    fields: Sequence[FieldSpec] = tuple(BUS_FIELDS),
    rows: Sequence[Sequence[Any]] = tuple(BUS_ROWS),
    publish: bool = True,
    resource_format: str = "CSV",
    **values: Any,
) -> DatasetRead:
    """A dataset with one tabular resource holding ``rows``, published by default."""
    number = next(_numbers)
    provider = provider or make_organization(session)
    data: dict[str, Any] = {
        "name": f"test-dataset-{number}",
        "title": title or f"测试开放数据{number}",
        "notes": "测试用的开放数据集。",
        "provider_organization_id": provider.id,
        "theme_code": "transport",
        "theme_name": "交通出行",
        "tags": ["测试"],
        "update_cycle": "monthly",
        "access": OpenAccess.open,
    }
    data.update(values)
    dataset = opendata_service.create_dataset(
        session, actor=SYSTEM, data=DatasetCreate.model_validate(data)
    )
    opendata_service.add_resource(
        session,
        actor=SYSTEM,
        dataset_id=dataset.id,
        data=ResourceCreate(
            name=f"{dataset.title}（表格）",
            format=resource_format,
            kind=ResourceKind.table,
            fields=list(fields),
        ),
        rows=rows,
    )
    if publish:
        return opendata_service.publish_dataset(session, actor=SYSTEM, dataset_id=dataset.id)
    return opendata_service.get_dataset(session, actor=SYSTEM, id_or_name=dataset.id)
