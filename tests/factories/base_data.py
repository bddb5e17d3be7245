"""Factories for base-database tables: a published base catalog entry and its table.

``make_base_table(session, spec=POPULATION)`` publishes a catalog entry of the
spec's base database whose information items are the spec's fields (same names,
so the standard column names, rules and keys apply) and builds its ``bd_*``
table in the same transaction. The first table of a spec gets the standard
name (``bd_population``); later ones get a generated name, so always use
``table.table_name``. Rows for a population table: ``person_row(n)``.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from smartcity.core.identifiers import make_id_number
from smartcity.core.security import SYSTEM
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data.models import BaseTable
from smartcity.domains.base_data.spec import POPULATION, FieldType, TableSpec
from smartcity.domains.catalog.enums import ClassificationKind, DataType
from smartcity.domains.registry.models import Organization
from tests.factories.catalog import item, make_entry
from tests.factories.registry import make_organization

_DATA_TYPES = {
    FieldType.string: DataType.string,
    FieldType.integer: DataType.integer,
    FieldType.decimal: DataType.decimal,
    FieldType.date: DataType.date,
    FieldType.datetime: DataType.datetime,
    FieldType.boolean: DataType.boolean,
    FieldType.geometry: DataType.geometry,
}
_CATEGORIES = {
    "population": "B.01.01",
    "legal_entity": "B.02.01",
    "spatial_geography": "B.03.01",
    "macro_economy": "B.04.01",
    "social_credit": "B.05.01",
}


def spec_items(spec: TableSpec) -> list[dict[str, Any]]:
    """The catalog information items of a spec's fields."""
    return [
        item(
            f.name,
            data_type=_DATA_TYPES[f.type],
            length=f.max_length if f.type is FieldType.string else None,
            grade_code="G2",
        )
        for f in spec.fields
    ]


def make_base_table(
    session: Session, *, spec: TableSpec = POPULATION, provider: Organization | None = None
) -> BaseTable:
    """A published base-database entry for ``spec`` (provided by ``provider``, the
    source department of every field) and its table, built now."""
    entry = make_entry(
        session,
        provider=provider or make_organization(session),
        classification_kind=ClassificationKind.base,
        base_database=spec.base_database,
        category_code=_CATEGORIES[spec.base_database],
        name=spec.entry_name,
        items=spec_items(spec),
    )
    return base_data_service.build_table(session, actor=SYSTEM, entry_id=entry.id)


def person_row(n: int, **values: str) -> dict[str, str]:
    """A valid row of the population table (every field but 婚姻状况); ``values``
    override cells. Distinct ``n`` (below 1000) give distinct identity numbers."""
    region = ("370811", "370883", "370881")[n % 3]
    number = make_id_number(region, date(1960 + n % 40, 1 + n % 12, 1 + n % 28), n % 999)
    row = {
        "公民身份号码": number,
        "姓名": f"测试{n}",
        "性别": "1" if int(number[16]) % 2 else "2",
        "出生日期": f"{number[6:10]}-{number[10:12]}-{number[12:14]}",
        "民族": "01",
        "户籍地行政区划代码": region,
        "户籍地址": "山东省济宁市测试路1号",
        "联系电话": "13800000000",
        "文化程度": "20",
    }
    row.update(values)
    return row


def csv_bytes(rows: list[dict[str, str]], *, encoding: str = "utf-8") -> bytes:
    """Rows as a CSV file (header from the first row)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)
