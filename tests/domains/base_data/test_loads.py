"""Tables from the catalog and loads into them, on a database that really commits.

Each test builds its own base table (its own catalog entry), so tests share one
migrated database per module without seeing each other's rows.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.db.prebuilt import PREFETCHED, prefetch
from smartcity.core.errors import PermissionDeniedError
from smartcity.core.geo import Datum, wgs84_to_gcj02
from smartcity.core.identifiers import make_credit_code, make_id_number
from smartcity.core.security import SYSTEM, Actor
from smartcity.domains.base_data import service, tasks
from smartcity.domains.base_data.errors import (
    KeyChangeError,
    NoKeyError,
    RecordNotFoundError,
    TableRetiredError,
)
from smartcity.domains.base_data.models import (
    HistoryEntry,
    Load,
    LoadError,
    LoadMode,
    LoadStatus,
    OnError,
    QuarantinedRow,
)
from smartcity.domains.base_data.spec import (
    ADDRESSES,
    LEGAL_ENTITY,
    POPULATION,
    FieldRule,
    TableSpec,
)
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import ClassificationKind, DataType
from smartcity.domains.catalog.schemas import EntryDraft
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from smartcity.wiring import wire
from tests.conftest import fresh_database_url
from tests.factories.base_data import person_row as person
from tests.factories.catalog import draft_data, item, staff_of
from tests.factories.registry import make_organization

_numbers = itertools.count(1)
_TYPES = {"string": DataType.string, "date": DataType.date, "decimal": DataType.decimal}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database(fresh_database_url(tmp_path_factory, "base_data_loads"))
    upgrade(database.engine)
    wire(database)
    yield database
    database.dispose()


def spec_items(spec: TableSpec) -> list[dict[str, Any]]:
    return [
        item(
            f.name,
            data_type=_TYPES.get(f.type.value, DataType.string),
            length=f.max_length if f.type.value == "string" else None,
            grade_code="G2",
        )
        for f in spec.fields
    ]


@pytest.fixture
def world(db: Database) -> dict[str, Any]:
    """A provider (公安), two other departments and a published population entry whose
    table the after-commit event built; 婚姻状况 is sourced from the 民政 department."""
    with db.session_scope() as session:
        police = make_organization(session, name=f"测试公安局{next(_numbers)}")
        civil = make_organization(session, name=f"测试民政局{next(_numbers)}")
        other = make_organization(session, name=f"测试其他局{next(_numbers)}")
        data = draft_data(
            police,
            classification_kind=ClassificationKind.base,
            base_database="population",
            category_code="B.01.01",
            name=POPULATION.entry_name,
            items=spec_items(POPULATION),
        )
        version = catalog_service.create_draft(session, actor=SYSTEM, data=data)
        catalog_service.publish_many(session, actor=SYSTEM, entry_ids=[version.entry_id])
        entry_id = version.entry_id
        ids = {"police": police.id, "civil": civil.id, "other": other.id}
    # The commit above delivered EntryPublished: the table exists now.
    with db.session_scope() as session:
        base = service.table_for_entry(session, entry_id)
        assert base is not None
        service.set_field(
            session,
            actor=SYSTEM,
            table_id=base.id,
            column="marital_status",
            source_organization_id=ids["civil"],
        )
        return {"table_id": base.id, "table": base.table_name, "entry_id": entry_id, **ids}


def write_csv(path: Path, rows: list[dict[str, str]], *, encoding: str = "utf-8") -> Path:
    header = list(rows[0])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def run(
    db: Database,
    world: dict[str, Any],
    path: Path,
    *,
    mode: LoadMode = LoadMode.upsert,
    on_error: OnError = OnError.reject,
    org: str = "police",
    batch_rows: int = 100_000,
) -> Load:
    with db.session_scope() as session:
        load = service.start_load(
            session,
            actor=SYSTEM,
            table_id=world["table_id"],
            mode=mode,
            on_error=on_error,
            filename=path.name,
            organization_id=world[org],
        )
        load_id = load.id
    return tasks.execute_load(db, actor=SYSTEM, load_id=load_id, path=path, batch_rows=batch_rows)


def rows_of(db: Database, world: dict[str, Any]) -> list[dict[str, Any]]:
    with db.session_scope() as session:
        base = service.get_table(session, actor=SYSTEM, table=world["table_id"])
        table = service.data_table(base).table
        return [dict(r._mapping) for r in session.execute(select(table).order_by("_rid")).all()]


def errors_of(db: Database, load_id: int) -> set[tuple[int, str, str]]:
    with db.session_scope() as session:
        return {
            (e.row, e.column, e.reason)
            for e in session.scalars(select(LoadError).where(LoadError.load_id == load_id))
        }


# ---------------------------------------------------------------- tables


def test_publishing_a_base_entry_builds_a_typed_table_with_a_unique_key(
    db: Database, world: dict[str, Any]
) -> None:
    with db.session_scope() as session:
        base = service.get_table(session, actor=SYSTEM, table=world["table_id"])
        fields = {f.column_name: f for f in base.fields}
        columns = {c["name"]: c for c in inspect(session.connection()).get_columns(world["table"])}
        indexes = inspect(session.connection()).get_indexes(world["table"])
    assert fields["id_number"].is_key
    assert fields["id_number"].rule is FieldRule.id_number
    assert fields["hukou_division"].rule is FieldRule.division
    assert fields["gender"].enumeration["1"] == "男"
    assert fields["name"].source_organization_id == world["police"]
    assert fields["marital_status"].source_organization_id == world["civil"]
    assert {"id_number", "birth_date", "_load_id", "id_number__load", "name__load"} <= set(columns)
    assert "DATE" in str(columns["birth_date"]["type"]).upper()
    assert any(ix["unique"] and ix["column_names"] == ["id_number"] for ix in indexes)


def test_a_new_catalog_version_adds_columns_and_a_withdrawal_retires_the_table(
    db: Database, world: dict[str, Any]
) -> None:
    items = [*spec_items(POPULATION), item("曾用名", length=50)]
    with db.session_scope() as session:
        entry = catalog_service.get_entry(session, actor=SYSTEM, entry_id=world["entry_id"])
        content = catalog_service.live_content(entry).model_dump()
        content["items"] = items
        version = catalog_service.create_version(
            session, actor=SYSTEM, entry_id=entry.id, data=EntryDraft.model_validate(content)
        )
        catalog_service.submit_entry(session, actor=SYSTEM, entry_id=entry.id)
        catalog_service.approve_entry(session, actor=SYSTEM, entry_id=entry.id)
        assert version.number == 2
    with db.session_scope() as session:
        base = service.get_table(session, actor=SYSTEM, table=world["table_id"])
        added = next(f for f in base.fields if f.name == "曾用名")
        columns = {c["name"] for c in inspect(session.connection()).get_columns(world["table"])}
        assert base.entry_version == 2
        assert {added.column_name, f"{added.column_name}__load"} <= columns
        catalog_service.withdraw_entry(
            session, actor=SYSTEM, entry_id=world["entry_id"], reason="测试撤销"
        )
    with db.session_scope() as session, pytest.raises(TableRetiredError):
        service.start_load(
            session,
            actor=SYSTEM,
            table_id=world["table_id"],
            mode=LoadMode.upsert,
            on_error=OnError.reject,
            filename="x.csv",
            organization_id=world["police"],
        )


# ---------------------------------------------------------------- loading


def test_a_valid_file_loads_every_row_with_its_provenance(
    db: Database, world: dict[str, Any], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "people.csv", [person(n) for n in range(1, 8)])
    load = run(db, world, path, mode=LoadMode.insert)
    assert load.status is LoadStatus.succeeded, errors_of(db, load.id)
    assert (load.rows_read, load.rows_inserted, load.error_count) == (7, 7, 0)
    assert load.encoding == "utf-8"
    stored = rows_of(db, world)
    assert [r["_rid"] for r in stored] == list(range(2, 9))  # the file's rows
    assert stored[0]["id_number"] == person(1)["公民身份号码"]
    assert stored[0]["birth_date"] == date.fromisoformat(person(1)["出生日期"])
    assert stored[0]["address"] is None  # an empty cell is no value
    assert {r["_load_id"] for r in stored} == {load.id}
    with db.session_scope() as session:
        base = service.get_table(session, actor=SYSTEM, table=world["table_id"])
        assert base.row_count == 7
        record = service.RecordReader(session, actor=SYSTEM, table=world["table"]).get(
            person(3)["公民身份号码"]
        )
    assert record.values["姓名"].value == "测试3"
    assert record.values["姓名"].load_id == load.id
    assert record.values["姓名"].updated_at is not None
    assert record.values["婚姻状况"].source_organization_id == world["civil"]


@pytest.mark.parametrize(
    ("values", "column", "reason_part"),
    [
        ({"公民身份号码": "37081119850101001X"}, "公民身份号码", "校验码"),
        ({"出生日期": "1985-02-30"}, "出生日期", "1985-02-30"),
        ({"户籍地行政区划代码": "379999"}, "户籍地行政区划代码", "行政区划"),
        ({"性别": "3"}, "性别", "代码表"),
        ({"姓名": ""}, "姓名", "必填"),
    ],
)
def test_one_bad_value_rejects_the_whole_file_and_reports_row_column_reason(
    db: Database,
    world: dict[str, Any],
    tmp_path: Path,
    values: dict[str, str],
    column: str,
    reason_part: str,
) -> None:
    rows = [person(n) for n in range(1, 6)]
    rows[3] = person(4, **values)
    load = run(db, world, write_csv(tmp_path / "bad.csv", rows))
    assert load.status is LoadStatus.rejected
    assert rows_of(db, world) == []  # nothing partial remains
    errors = errors_of(db, load.id)
    assert len(errors) == 1
    ((row, col, reason),) = errors
    assert (row, col) == (5, column)  # header is row 1: the fourth person is row 5
    assert reason_part in reason


def test_quarantine_loads_the_valid_rows_and_sets_the_others_aside(
    db: Database, world: dict[str, Any], tmp_path: Path
) -> None:
    rows = [person(n) for n in range(1, 6)]
    rows[1] = person(2, 出生日期="1985-02-30")
    rows[4] = person(1)  # the same person again: a duplicated key
    load = run(
        db, world, write_csv(tmp_path / "q.csv", rows), on_error=OnError.quarantine, batch_rows=2
    )
    assert load.status is LoadStatus.succeeded
    assert (load.rows_inserted, load.rows_invalid) == (3, 2)
    assert len(rows_of(db, world)) == 3
    reasons = {(row, reason.split("：")[0]) for row, _c, reason in errors_of(db, load.id)}
    assert (6, "主键重复") in reasons
    with db.session_scope() as session:
        quarantined = session.scalars(
            select(QuarantinedRow).where(QuarantinedRow.load_id == load.id).order_by("row")
        ).all()
        assert [q.row for q in quarantined] == [3, 6]
        assert quarantined[0].values["出生日期"] == "1985-02-30"
        report = service.error_report_xlsx(session, actor=SYSTEM, load_id=load.id)
    workbook = openpyxl.load_workbook(io.BytesIO(report))
    assert {"概况", "错误明细", "错误汇总", "隔离行"} <= set(workbook.sheetnames)
    detail = list(workbook["错误明细"].iter_rows(values_only=True))
    assert detail[0] == ("行号", "列", "值", "原因")
    assert detail[1][:3] == (3, "出生日期", "1985-02-30")


def test_duplicates_across_batches_of_the_fast_path_are_found(
    db: Database, world: dict[str, Any], tmp_path: Path
) -> None:
    rows = [person(n) for n in range(1, 8)]
    rows[6] = person(2)
    load = run(db, world, write_csv(tmp_path / "dup.csv", rows), mode=LoadMode.insert, batch_rows=3)
    assert load.status is LoadStatus.rejected
    assert rows_of(db, world) == []
    assert {(r, c) for r, c, _ in errors_of(db, load.id)} == {(8, "公民身份号码")}


def test_updates_keep_history_and_per_value_provenance(
    db: Database, world: dict[str, Any], tmp_path: Path
) -> None:
    first = run(db, world, write_csv(tmp_path / "a.csv", [person(n) for n in range(1, 4)]))
    changed = [person(1, 现住址="济宁市任城区新地址2号"), person(2), person(4)]
    second = run(db, world, write_csv(tmp_path / "b.csv", changed))
    assert second.status is LoadStatus.succeeded, second.message
    assert (second.rows_inserted, second.rows_updated, second.rows_unchanged) == (1, 1, 1)
    with db.session_scope() as session:
        reader = service.RecordReader(session, actor=SYSTEM, table=world["table"])
        record = reader.get(person(1)["公民身份号码"])
        history = reader.history(person(1)["公民身份号码"])
    assert record.values["现住址"].value == "济宁市任城区新地址2号"
    assert record.values["现住址"].load_id == second.id
    assert record.values["姓名"].load_id == first.id  # unchanged value keeps its load
    assert len(history) == 1
    assert history[0].operation == "update"
    assert history[0].changed == ["现住址"]
    assert history[0].load_id == second.id
    assert "现住址" not in history[0].before  # it was empty before
    assert history[0].before["姓名"] == "测试1"


def test_a_record_read_ahead_with_other_reads_is_the_one_the_reader_gives(
    db: Database, world: dict[str, Any], tmp_path: Path
) -> None:
    """``read_of`` lets ``prebuilt.prefetch`` read a record together with other reads
    (the exchange API's lookup on PostgreSQL): the reader then takes that row, the
    same record and provenance as its own query gives, once."""
    run(db, world, write_csv(tmp_path / "a.csv", [person(n) for n in range(1, 3)]))
    key = person(1)["公民身份号码"].lower()  # read as the reader would: upper-cased
    with db.read_scope() as session:
        reader = service.RecordReader(session, actor=SYSTEM, table=world["table"])
        own = reader.get(key)
        read, missing = reader.read_of(key), reader.read_of(person(7)["公民身份号码"])
        assert read is not None
        assert missing is not None
        assert read[1] == own.key  # the key as the record gives it: upper-cased
        prefetch(session, [read[0], missing[0]])
        ahead = reader.get(key)
        assert session.info[PREFETCHED] != {}  # the unknown key's empty answer is left
        with pytest.raises(RecordNotFoundError):
            reader.get(person(7)["公民身份号码"])  # taken from the read ahead: no row
        assert session.info[PREFETCHED] == {}
        assert reader.read_of("not|a|key") is None
    assert ahead == own
    assert ahead.values["姓名"].source_name == own.values["姓名"].source_name


def test_a_record_read_on_a_connection_gone_raises_as_sqlalchemy_would(
    db: Database, world: dict[str, Any], tmp_path: Path
) -> None:
    """The reader runs its statement on the driver's cursor, outside SQLAlchemy's
    execution; a connection that is gone still comes back as SQLAlchemy's error, the
    connection invalidated, so that whoever holds it replaces it."""
    run(db, world, write_csv(tmp_path / "a.csv", [person(1)]))
    key = person(1)["公民身份号码"]

    def read_on_a_closed_connection() -> None:
        with db.read_scope() as session:
            reader = service.RecordReader(session, actor=SYSTEM, table=world["table"])
            assert reader.get(key).key == key
            session.connection().connection.driver_connection.close()  # type: ignore[union-attr]
            reader.get(key)

    with pytest.raises(DBAPIError) as raised:
        read_on_a_closed_connection()
    assert raised.value.connection_invalidated
    assert f"FROM {world['table']}" in (raised.value.statement or "")  # the read's own
    with db.read_scope() as session:  # the pool serves on with a new connection
        reader = service.RecordReader(session, actor=SYSTEM, table=world["table"])
        assert reader.get(key).key == key


def test_one_number_one_source_refuses_other_departments_fields(
    db: Database, world: dict[str, Any], tmp_path: Path
) -> None:
    run(db, world, write_csv(tmp_path / "a.csv", [person(n) for n in range(1, 3)]))
    civil_rows = [
        {"公民身份号码": person(1)["公民身份号码"], "婚姻状况": "40", "姓名": "改名"},
        {"公民身份号码": person(9)["公民身份号码"], "婚姻状况": "10", "姓名": "新人"},
    ]
    path = write_csv(tmp_path / "civil.csv", civil_rows)
    rejected = run(db, world, path, org="civil")
    assert rejected.status is LoadStatus.rejected
    assert any("数据源部门" in reason for _r, col, reason in errors_of(db, rejected.id))
    quarantined = run(db, world, path, org="civil", on_error=OnError.quarantine)
    assert quarantined.status is LoadStatus.succeeded
    assert quarantined.refused_fields == ["姓名"]
    assert (quarantined.rows_updated, quarantined.rows_inserted) == (1, 0)
    reasons = {(row, reason) for row, _c, reason in errors_of(db, quarantined.id)}
    assert any(row == 3 and "不能新增记录" in reason for row, reason in reasons)
    by_id = {r["id_number"]: r for r in rows_of(db, world)}
    assert by_id[person(1)["公民身份号码"]]["marital_status"] == "40"
    assert by_id[person(1)["公民身份号码"]]["name"] == "测试1"  # the refused field
    assert person(9)["公民身份号码"] not in by_id


def test_delete_and_replace_keep_history(
    db: Database, world: dict[str, Any], tmp_path: Path
) -> None:
    run(db, world, write_csv(tmp_path / "a.csv", [person(n) for n in range(1, 6)]))
    keys = [{"公民身份号码": person(n)["公民身份号码"]} for n in (1, 99)]
    deleted = run(
        db, world, write_csv(tmp_path / "d.csv", keys), mode=LoadMode.delete,
        on_error=OnError.quarantine,
    )  # fmt: skip
    assert (deleted.rows_deleted, deleted.rows_invalid) == (1, 1)
    assert any("不存在" in reason for *_x, reason in errors_of(db, deleted.id))
    replaced = run(
        db, world, write_csv(tmp_path / "r.csv", [person(2), person(3, 姓名="改")]),
        mode=LoadMode.full,
    )  # fmt: skip
    assert replaced.status is LoadStatus.succeeded, replaced.message
    assert (replaced.rows_updated, replaced.rows_deleted) == (1, 2)
    assert sorted(r["name"] for r in rows_of(db, world)) == ["改", "测试2"]
    with db.session_scope() as session:
        operations = session.execute(
            select(HistoryEntry.operation, func.count())
            .where(HistoryEntry.table_id == world["table_id"])
            .group_by(HistoryEntry.operation)
        ).all()
        gone = service.RecordReader(session, actor=SYSTEM, table=world["table"]).history(
            person(4)["公民身份号码"]
        )
    assert dict(operations) == {"delete": 3, "update": 1}
    assert gone[0].operation == "delete"
    assert gone[0].before["姓名"] == "测试4"


def test_gb18030_xlsx_and_parquet_files_load_alike(
    db: Database, world: dict[str, Any], tmp_path: Path
) -> None:
    rows = [person(n) for n in range(1, 4)]
    gb = run(db, world, write_csv(tmp_path / "gb.csv", rows, encoding="gb18030"))
    assert (gb.status, gb.encoding, gb.rows_inserted) == (LoadStatus.succeeded, "gb18030", 3)
    more = [person(n) for n in range(4, 6)]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(more[0]))
    for r in more:
        sheet.append(list(r.values()))
    workbook.save(tmp_path / "more.xlsx")
    xlsx = run(db, world, tmp_path / "more.xlsx")
    assert (xlsx.status, xlsx.file_format, xlsx.rows_inserted) == (LoadStatus.succeeded, "xlsx", 2)
    frame = pl.DataFrame([person(6), person(7)])
    frame.write_parquet(tmp_path / "more.parquet")
    parquet = run(db, world, tmp_path / "more.parquet")
    assert (parquet.status, parquet.rows_inserted) == (LoadStatus.succeeded, 2)
    assert len(rows_of(db, world)) == 7


@pytest.mark.parametrize(
    ("content", "message_part"),
    [
        (b"\xe5\xa7\x93\xe5\x90\x8d\n\xff\xfe\n", "编码"),
        ("姓名,性别\n张三,1\n".encode(), "主键"),
        ("公民身份号码,姓名,籍贯\n".encode(), "没有的列"),
    ],
)
def test_unreadable_files_fail_with_a_message_and_change_nothing(
    db: Database, world: dict[str, Any], tmp_path: Path, content: bytes, message_part: str
) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    load = run(db, world, path)
    assert load.status is LoadStatus.failed
    assert message_part in load.message
    assert rows_of(db, world) == []


def test_only_the_coordinator_loads_for_another_department(
    db: Database, world: dict[str, Any]
) -> None:
    with db.session_scope() as session:
        police = session.get(Organization, world["police"])
        assert police is not None
        staff: Actor = staff_of(session, police, Role.org_staff)
        with pytest.raises(PermissionDeniedError):
            service.start_load(
                session,
                actor=staff,
                table_id=world["table_id"],
                mode=LoadMode.upsert,
                on_error=OnError.reject,
                filename="x.csv",
                organization_id=world["civil"],
            )
        own = service.start_load(
            session,
            actor=staff,
            table_id=world["table_id"],
            mode=LoadMode.upsert,
            on_error=OnError.reject,
            filename="x.csv",
        )
        assert own.organization_id == world["police"]
        session.rollback()


def standard_table(db: Database, spec: TableSpec, category: str) -> dict[str, Any]:
    """A published entry of one of the standard resources, by a new provider."""
    with db.session_scope() as session:
        provider = make_organization(session, name=f"测试提供部门{next(_numbers)}")
        data = draft_data(
            provider,
            classification_kind=ClassificationKind.base,
            base_database=spec.base_database,
            category_code=category,
            name=spec.entry_name,
            items=spec_items(spec),
        )
        version = catalog_service.create_draft(session, actor=SYSTEM, data=data)
        catalog_service.publish_many(session, actor=SYSTEM, entry_ids=[version.entry_id])
        entry_id, provider_id = version.entry_id, provider.id
    with db.session_scope() as session:
        base = service.table_for_entry(session, entry_id)
        assert base is not None
        return {"table_id": base.id, "table": base.table_name, "police": provider_id}


def test_a_legal_entity_table_checks_credit_codes(db: Database, tmp_path: Path) -> None:
    world = standard_table(db, LEGAL_ENTITY, "B.02.01")
    good = make_credit_code("9", "1", "370811", "MA3C0001")
    bad = good[:2] + "I" + good[3:]
    rows = [
        {"统一社会信用代码": code, "企业名称": "测试公司", "市场主体类型": "1100",
         "成立日期": "2020-01-01", "登记状态": "存续"}
        for code in (good, bad)
    ]  # fmt: skip
    load = run(db, world, write_csv(tmp_path / "le.csv", rows))
    assert load.status is LoadStatus.rejected
    ((row, column, reason),) = errors_of(db, load.id)
    assert (row, column) == (3, "统一社会信用代码")
    assert "I" in reason


def test_killing_the_loader_mid_file_leaves_the_table_as_it_was(
    db: Database, world: dict[str, Any], tmp_path: Path
) -> None:
    """The CLI loads in one transaction: SIGKILL in the middle commits nothing, and the
    load left ``running`` is marked ``interrupted`` by the next start."""
    run(db, world, write_csv(tmp_path / "first.csv", [person(n) for n in range(1, 4)]))
    before = rows_of(db, world)
    path = write_csv(tmp_path / "big.csv", [person(n) for n in range(10, 60_010)])
    env = {**os.environ, "SMARTCITY_DATABASE__URL": db.url, "SMARTCITY_ENVIRONMENT": "test"}
    cli = str(Path(sys.executable).parent / "smartcity")
    command = [
        cli, "base-data", "load", world["table"], str(path),
        "--mode", "upsert", "--batch-rows", "50",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        running: int | None = None
        while running is None and time.monotonic() < deadline:
            with db.read_scope() as session:
                running = session.scalar(
                    select(Load.id).where(
                        Load.table_id == world["table_id"], Load.status == LoadStatus.running
                    )
                )
            time.sleep(0.05)
        assert running is not None, process.stderr.read() if process.stderr else ""
        time.sleep(1.5)  # well into the file (in batches of 50 rows it takes several seconds)
        assert process.poll() is None, "the load finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert rows_of(db, world) == before
    with db.session_scope() as session:
        assert service.mark_interrupted(session) == 1
        load = session.get(Load, running)
        assert load is not None
        assert load.status is LoadStatus.interrupted


def test_coordinates_are_stored_in_wgs84_and_converted_to_gcj02_on_request(
    db: Database, tmp_path: Path
) -> None:
    world = standard_table(db, ADDRESSES, "B.03.04")
    rows = [
        {"地址编码": "A1", "标准地址": "济宁市任城区测试路1号", "行政区划代码": "370811",
         "经度": "116.587", "纬度": "35.415"},
    ]  # fmt: skip
    assert run(db, world, write_csv(tmp_path / "addr.csv", rows)).status is LoadStatus.succeeded
    with db.session_scope() as session:
        reader = service.RecordReader(session, actor=SYSTEM, table=world["table"])
        stored = reader.get("A1")
        shown = reader.get("A1", datum=Datum.gcj02)
    assert stored.datum == "WGS84"
    assert (stored.values["经度"].value, stored.values["纬度"].value) == (116.587, 35.415)
    assert shown.datum == "GCJ02"
    expected = wgs84_to_gcj02(116.587, 35.415)
    assert shown.values["经度"].value == pytest.approx(expected[0], abs=1e-7)
    assert shown.values["纬度"].value == pytest.approx(expected[1], abs=1e-7)


def test_a_table_without_an_obvious_key_takes_one_from_the_coordinator_while_empty(
    db: Database, tmp_path: Path
) -> None:
    with db.session_scope() as session:
        provider = make_organization(session, name=f"测试卫健委{next(_numbers)}")
        data = draft_data(
            provider,
            classification_kind=ClassificationKind.base,
            base_database="population",
            category_code="B.01.03",
            items=[item("出生医学证明编号", length=10), item("母亲公民身份号码")],
        )
        version = catalog_service.create_draft(session, actor=SYSTEM, data=data)
        catalog_service.publish_many(session, actor=SYSTEM, entry_ids=[version.entry_id])
        entry_id, provider_id = version.entry_id, provider.id
    with db.session_scope() as session:
        base = service.table_for_entry(session, entry_id)
        assert base is not None
        fields = {f.name: f for f in base.fields}
        assert not any(f.is_key for f in fields.values())  # 母亲公民身份号码 is no key
        assert fields["母亲公民身份号码"].rule is FieldRule.id_number
        table_id, table_name = base.id, base.table_name
        with pytest.raises(NoKeyError):
            service.start_load(
                session, actor=SYSTEM, table_id=table_id, mode=LoadMode.upsert,
                on_error=OnError.reject, filename="x.csv", organization_id=provider_id,
            )  # fmt: skip
        column = fields["出生医学证明编号"].column_name
        service.set_field(session, actor=SYSTEM, table_id=table_id, column=column, is_key=True)
    world = {"table_id": table_id, "table": table_name, "police": provider_id}
    mother = make_id_number("370811", date(1990, 5, 1), 12)
    rows = [{"出生医学证明编号": "Q370000001", "母亲公民身份号码": mother}]
    assert run(db, world, write_csv(tmp_path / "birth.csv", rows)).status is LoadStatus.succeeded
    with db.session_scope() as session, pytest.raises(KeyChangeError):
        service.set_field(session, actor=SYSTEM, table_id=table_id, column=column, is_key=False)


def test_error_details_quote_values_only_to_the_submitter_and_record_readers(
    db: Database, world: dict[str, Any], tmp_path: Path
) -> None:
    rows = [person(1), person(2, 出生日期="1985-02-30")]
    load = run(db, world, write_csv(tmp_path / "bad.csv", rows))
    with db.session_scope() as session:
        police = session.get(Organization, world["police"])
        other = session.get(Organization, world["other"])
        assert police is not None
        assert other is not None
        auditor = staff_of(session, other, Role.auditor)
        submitter = staff_of(session, police, Role.org_staff)
        assert service.error_summary(session, actor=auditor, load_id=load.id)  # counts only
        with pytest.raises(PermissionDeniedError):
            service.load_errors(session, actor=auditor, load_id=load.id)
        with pytest.raises(PermissionDeniedError):
            service.error_report_xlsx(session, actor=auditor, load_id=load.id)
        assert (
            service.load_errors(session, actor=submitter, load_id=load.id)[0].value == "1985-02-30"
        )
        session.rollback()


def test_after_a_fast_first_load_later_loads_insert_update_and_delete_by_key(
    db: Database, world: dict[str, Any], tmp_path: Path
) -> None:
    first = run(
        db, world, write_csv(tmp_path / "a.csv", [person(n) for n in range(1, 6)]),
        mode=LoadMode.insert,
    )  # fmt: skip
    assert first.status is LoadStatus.succeeded
    more = [person(3, 姓名="改名"), person(6), person(7)]
    second = run(db, world, write_csv(tmp_path / "b.csv", more))
    assert second.status is LoadStatus.succeeded, errors_of(db, second.id)
    assert (second.rows_inserted, second.rows_updated) == (2, 1)
    stored = rows_of(db, world)
    assert len({r["_rid"] for r in stored}) == 7  # new rows continue after the file's rows
    assert {r["name"] for r in stored if r["id_number"] == person(3)["公民身份号码"]} == {"改名"}
    full = run(db, world, write_csv(tmp_path / "c.csv", [person(1), person(7)]), mode=LoadMode.full)
    assert (full.status, full.rows_deleted) == (LoadStatus.succeeded, 5)
    assert sorted(r["id_number"] for r in rows_of(db, world)) == sorted(
        [person(1)["公民身份号码"], person(7)["公民身份号码"]]
    )


def test_key_lookups_can_use_the_key_index(
    db: Database, world: dict[str, Any], tmp_path: Path
) -> None:
    """On PostgreSQL the key index must serve the loader's and the reader's bound
    parameters (an index under another collation than the parameters' did not)."""
    run(db, world, write_csv(tmp_path / "a.csv", [person(n) for n in range(1, 4)]))
    key = person(2)["公民身份号码"]
    with db.session_scope() as session:
        table = world["table"]
        if db.is_sqlite:
            plan = session.execute(
                text(f"EXPLAIN QUERY PLAN SELECT * FROM {table} WHERE id_number = :k"), {"k": key}
            ).all()
            assert "USING INDEX" in " ".join(str(r[-1]) for r in plan)
        else:
            session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = session.execute(
                text(f"EXPLAIN SELECT * FROM {table} WHERE id_number IN (:k, :j)"),
                {"k": key, "j": "x"},
            ).all()
            assert "Index Cond" in " ".join(r[0] for r in plan), plan
        reader = service.RecordReader(session, actor=SYSTEM, table=table)
        assert reader.get(key).values["姓名"].value == "测试2"
