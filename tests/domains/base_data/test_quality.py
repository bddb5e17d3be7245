"""Quality reports of base tables: completeness, validity, duplicates, freshness, workbook.

Each test builds the population table from a published catalog entry, then writes
records straight into its ``bd_*`` table (past the loader, as a migration from an old
system would), so stored values can be empty or invalid.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.security import ANONYMOUS, SYSTEM
from smartcity.core.time import freeze_time
from smartcity.domains.base_data.models import BaseTable, Load, LoadMode, LoadStatus, OnError
from smartcity.domains.base_data.service import quality
from smartcity.domains.base_data.service.quality import FreshnessState
from smartcity.domains.base_data.service.tables import build_table, data_table, key_index_name
from smartcity.domains.base_data.spec import LEGAL_ENTITY, POPULATION, TableSpec
from smartcity.domains.catalog.enums import ClassificationKind, DataType, UpdateCycle
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from tests.factories.catalog import citizen, item, make_entry, staff_of
from tests.factories.registry import make_organization

NOW = datetime(2026, 2, 20, 4, 0, tzinfo=UTC)  # 12:00 in Jining
_TYPES = {"string": DataType.string, "date": DataType.date, "decimal": DataType.decimal}

ZHANG_1 = "370811198001020111"
LI = "37081119900506022X"
BAD_ID = "370811198001020112"  # ZHANG_1 with a wrong check character
ZHANG_2 = "370883198001020332"
EMPTY_NAME = "370881197503040459"


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


def base_table(
    session: Session,
    spec: TableSpec = POPULATION,
    *,
    update_cycle: UpdateCycle = UpdateCycle.monthly,
    provider: Organization | None = None,
) -> BaseTable:
    entry = make_entry(
        session,
        provider=provider or make_organization(session, name="测试公安局"),
        classification_kind=ClassificationKind.base,
        base_database=spec.base_database,
        category_code="B.01.01",
        name=spec.entry_name,
        items=spec_items(spec),
        update_cycle=update_cycle,
    )
    return build_table(session, actor=SYSTEM, entry_id=entry.id)


def person(
    id_number: str, name: str | None, gender: str, born: date, **values: Any
) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(f.column for f in POPULATION.fields)
    row |= {
        "id_number": id_number,
        "name": name,
        "gender": gender,
        "birth_date": born,
        "hukou_division": id_number[:6],
        "_load_id": 1,
    }
    row.update(values)
    return row


# Five people. Filled values per field (of 5): 公民身份号码 5, 姓名 4, 性别 5, 出生日期 5,
# 民族 2, 户籍地行政区划代码 5, 户籍地址 2 (one only blanks), 现住址 0, 联系电话 2, 婚姻状况 1,
# 文化程度 1, 职业 1 → 33 of 60. Required (5 fields): 24 of 25. Invalid: the identity number
# of 王五, 李四's phone and blank address, the last person's gender "5" → 4 of 33 values,
# in 3 records.
PEOPLE = [
    person(
        ZHANG_1, "张三", "1", date(1980, 1, 2),
        ethnicity="01", hukou_address="济宁市任城区测试路1号", phone="13800000000",
        marital_status="20", education="20", occupation="教师",
    ),
    person(LI, "李四", "2", date(1990, 5, 6), phone="12345", hukou_address="  "),
    person(BAD_ID, "王五", "1", date(1975, 3, 4), ethnicity="01", hukou_division="370881"),
    person(ZHANG_2, "张三", "1", date(1980, 1, 2)),
    person(EMPTY_NAME, None, "5", date(1975, 3, 4)),
]  # fmt: skip


def insert_rows(session: Session, base: BaseTable, rows: list[dict[str, Any]]) -> None:
    session.execute(insert(data_table(base).table), rows)


def add_load(
    session: Session,
    base: BaseTable,
    *,
    finished_at: datetime,
    status: LoadStatus = LoadStatus.succeeded,
    rows_read: int = 10,
    rows_invalid: int = 2,
) -> Load:
    load = Load(
        table_id=base.id,
        organization_id=base.provider_organization_id,
        mode=LoadMode.upsert,
        on_error=OnError.quarantine,
        status=status,
        started_at=finished_at,
        finished_at=finished_at,
        rows_read=rows_read,
        rows_invalid=rows_invalid,
    )
    session.add(load)
    session.flush()
    return load


def populated_table(session: Session) -> BaseTable:
    """The population table with ``PEOPLE`` and a load of 10 rows (2 invalid) on 10 January."""
    with freeze_time(NOW):
        base = base_table(session)
        insert_rows(session, base, PEOPLE)
        add_load(session, base, finished_at=datetime(2026, 1, 10, 2, 0, tzinfo=UTC))
    return base


@pytest.fixture
def population(session: Session) -> BaseTable:
    return populated_table(session)


def coordinator(session: Session) -> Any:
    return staff_of(session, make_organization(session), Role.coordinator)


class TestQualityReport:
    def test_counts_completeness_per_field_and_of_the_required_fields(
        self, session: Session, population: BaseTable
    ) -> None:
        with freeze_time(NOW):
            report = quality.quality_report(session, actor=SYSTEM, table=population.table_name)

        assert report.rows == 5
        fields = {f.name: f for f in report.fields}
        assert {name: f.filled for name, f in fields.items()} == {
            "公民身份号码": 5, "姓名": 4, "性别": 5, "出生日期": 5, "民族": 2,
            "户籍地行政区划代码": 5, "户籍地址": 2, "现住址": 0, "联系电话": 2,
            "婚姻状况": 1, "文化程度": 1, "职业": 1,
        }  # fmt: skip
        assert fields["姓名"].missing == 1
        assert fields["姓名"].completeness == pytest.approx(0.8)
        assert fields["现住址"].completeness == 0
        assert report.required_completeness == pytest.approx(24 / 25)
        assert report.completeness == pytest.approx(33 / 60)

    def test_rechecks_stored_values_with_the_loaders_rules(
        self, session: Session, population: BaseTable
    ) -> None:
        with freeze_time(NOW):
            report = quality.quality_report(session, actor=SYSTEM, table=population.id)

        fields = {f.name: f for f in report.fields}
        assert {name: f.invalid for name, f in fields.items() if f.invalid} == {
            "公民身份号码": 1,
            "性别": 1,
            "户籍地址": 1,
            "联系电话": 1,
        }
        assert fields["公民身份号码"].validity == pytest.approx(4 / 5)
        assert fields["联系电话"].validity == pytest.approx(1 / 2)
        assert fields["现住址"].validity is None  # nothing to check
        (example,) = fields["公民身份号码"].examples
        assert (example.key, example.value) == (BAD_ID, BAD_ID)
        assert example.reason.startswith("公民身份号码校验码错误")
        (gender,) = fields["性别"].examples
        assert (gender.key, gender.value) == (EMPTY_NAME, "5")
        assert gender.reason == "不在代码表中：5（性别代码 GB/T 2261.1）"
        assert [(r.reason, r.count) for r in fields["性别"].reasons] == [(gender.reason, 1)]
        (blank,) = fields["户籍地址"].examples
        assert (blank.key, blank.value, blank.reason) == (LI, "  ", "空白值（应为空值）")
        assert report.invalid_records == 3
        assert report.validity == pytest.approx(29 / 33)

    def test_sums_validity_per_rule(self, session: Session, population: BaseTable) -> None:
        with freeze_time(NOW):
            report = quality.quality_report(session, actor=SYSTEM, table=population.id)

        rules = {r.check: (r.fields, r.checked, r.invalid) for r in report.rules}
        assert rules == {
            "公民身份号码（GB 11643）": (("公民身份号码",), 5, 1),
            "长度": (("姓名", "户籍地址", "现住址", "职业"), 7, 1),
            "代码表": (("性别", "民族", "婚姻状况", "文化程度"), 9, 1),
            "日期": (("出生日期",), 5, 0),
            "行政区划代码（GB/T 2260）": (("户籍地行政区划代码",), 5, 0),
            "电话号码": (("联系电话",), 2, 1),
        }

    def test_finds_people_with_the_same_name_and_birth_date_under_different_numbers(
        self, session: Session, population: BaseTable
    ) -> None:
        with freeze_time(NOW):
            report = quality.quality_report(session, actor=SYSTEM, table=population.id)

        duplicates = report.duplicates
        assert duplicates.near_fields == ("姓名", "出生日期", "公民身份号码")
        assert (duplicates.near_groups, duplicates.near_rows) == (1, 2)
        (group,) = duplicates.near_examples
        assert group.values == ("张三", "1980-01-02")
        assert group.count == 2
        assert group.ids == (ZHANG_1, ZHANG_2)
        assert (duplicates.key_groups, duplicates.key_rows) == (0, 0)
        assert report.uniqueness == 1

    def test_reports_duplicated_keys_when_the_unique_index_is_missing(
        self, session: Session, population: BaseTable
    ) -> None:
        session.execute(text(f"DROP INDEX {key_index_name(population.table_name)}"))
        insert_rows(session, population, [person(LI, "李四", "2", date(1990, 5, 6))] * 2)

        with freeze_time(NOW):
            report = quality.quality_report(session, actor=SYSTEM, table=population.id)

        duplicates = report.duplicates
        assert (duplicates.key_groups, duplicates.key_rows) == (1, 3)
        (group,) = duplicates.key_examples
        assert (group.values, group.count) == ((LI,), 3)
        assert report.uniqueness == pytest.approx(1 - 2 / 7)

    def test_scores_required_completeness_times_validity_times_uniqueness(
        self, session: Session, population: BaseTable
    ) -> None:
        with freeze_time(NOW):
            report = quality.quality_report(session, actor=SYSTEM, table=population.id)

        assert report.score == round(100 * (24 / 25) * (29 / 33), 1) == 84.4

    def test_is_late_by_the_days_past_the_update_cycle(
        self, session: Session, population: BaseTable
    ) -> None:
        with freeze_time(NOW):
            report = quality.quality_report(session, actor=SYSTEM, table=population.id)

        fresh = report.freshness
        assert fresh.last_loaded_at == datetime(2026, 1, 10, 2, 0, tzinfo=UTC)
        assert (fresh.cycle_label, fresh.cycle_days, fresh.age_days) == ("每月", 31, 41)
        assert fresh.due_date == date(2026, 2, 10)
        assert fresh.state is FreshnessState.overdue
        assert fresh.status == "超期 10 天"

    def test_an_empty_table_has_no_figures_and_was_never_loaded(self, session: Session) -> None:
        base = base_table(session, LEGAL_ENTITY)

        report = quality.quality_report(session, actor=SYSTEM, table=base.table_name)

        assert report.rows == 0
        assert report.score is None
        assert all(f.completeness is None and f.validity is None for f in report.fields)
        assert report.duplicates.near_fields == ()  # no person's name and birth date
        assert report.freshness.status == "从未装载"

    def test_shows_no_record_values_to_readers_who_may_not_look_records_up(
        self, session: Session, population: BaseTable
    ) -> None:
        auditor = staff_of(session, make_organization(session), Role.auditor)

        with freeze_time(NOW):
            report = quality.quality_report(session, actor=auditor, table=population.id)

        assert not report.shows_values
        assert report.invalid_records == 3
        assert all(not f.examples for f in report.fields)
        assert report.duplicates.near_groups == 1
        assert report.duplicates.near_examples == ()

    def test_refuses_actors_without_base_data_read(
        self, session: Session, population: BaseTable
    ) -> None:
        with pytest.raises(PermissionDeniedError):
            quality.quality_report(session, actor=citizen(session), table=population.id)
        with pytest.raises(AuthenticationRequiredError):
            quality.quality_report(session, actor=ANONYMOUS, table=population.id)

    def test_reads_the_table_in_batches(
        self, session: Session, population: BaseTable, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(quality, "BATCH_ROWS", 2)

        with freeze_time(NOW):
            report = quality.quality_report(session, actor=SYSTEM, table=population.id)

        assert report.invalid_records == 3
        assert sum(f.invalid for f in report.fields) == 4


class TestFreshness:
    @pytest.mark.parametrize(
        ("cycle", "loaded", "status"),
        [
            (UpdateCycle.daily, datetime(2026, 2, 19, 1, 0, tzinfo=UTC), "及时"),
            (UpdateCycle.daily, datetime(2026, 2, 17, 1, 0, tzinfo=UTC), "超期 2 天"),
            # 23:30 UTC on the 12th is already the 13th in Jining
            (UpdateCycle.weekly, datetime(2026, 2, 12, 23, 30, tzinfo=UTC), "及时"),
            (UpdateCycle.weekly, datetime(2026, 2, 12, 15, 0, tzinfo=UTC), "超期 1 天"),
            (UpdateCycle.quarterly, datetime(2025, 11, 20, 4, 0, tzinfo=UTC), "及时"),
            (UpdateCycle.yearly, datetime(2025, 2, 19, 4, 0, tzinfo=UTC), "及时"),
            (UpdateCycle.realtime, datetime(2026, 2, 18, 4, 0, tzinfo=UTC), "超期 1 天"),
            (UpdateCycle.irregular, datetime(2016, 1, 1, 4, 0, tzinfo=UTC), "及时"),
            (UpdateCycle.monthly, None, "从未装载"),
        ],
    )
    def test_status_against_the_update_cycle(
        self, cycle: UpdateCycle, loaded: datetime | None, status: str
    ) -> None:
        with freeze_time(NOW):
            assert quality.freshness_of(cycle.value, loaded).status == status

    def test_an_unknown_cycle_is_never_late(self) -> None:
        with freeze_time(NOW):
            fresh = quality.freshness_of("", datetime(2020, 1, 1, tzinfo=UTC))
        assert (fresh.cycle_label, fresh.state) == ("未规定", FreshnessState.on_time)


class TestQualityWorkbook:
    def test_has_the_five_sheets_with_the_figures(
        self, session: Session, population: BaseTable
    ) -> None:
        with freeze_time(NOW):
            content = quality.quality_workbook(
                session, actor=coordinator(session), table=population.table_name
            )

        workbook = load_workbook(io.BytesIO(content))
        assert workbook.sheetnames == ["概况", "完整性", "有效性", "重复", "时效"]
        overview = {row[0]: row[1] for row in workbook["概况"].iter_rows(values_only=True)}
        assert overview["记录数"] == 5
        assert overview["质量得分"] == 84.4
        assert overview["必填项完整率"] == "96.0%"
        completeness = list(workbook["完整性"].iter_rows(values_only=True))
        assert ("姓名", "name", "是", 4, 1, "80.0%") in completeness
        validity = list(workbook["有效性"].iter_rows(values_only=True))
        phone = [row for row in validity if row[0] == "联系电话"]
        assert phone[0][:5] == ("联系电话", "电话号码", 2, 1, "50.0%")
        assert "12345" in str(phone[0][7])
        duplicates = list(workbook["重复"].iter_rows(values_only=True))
        assert duplicates[1][1:] == ("张三、1980-01-02", 2, f"{ZHANG_1}、{ZHANG_2}")
        timeliness = {row[0]: row[1] for row in workbook["时效"].iter_rows(values_only=True)}
        assert timeliness["状态"] == "超期 10 天"

    def test_refuses_actors_without_base_data_read(
        self, session: Session, population: BaseTable
    ) -> None:
        with pytest.raises(PermissionDeniedError):
            quality.quality_workbook(session, actor=citizen(session), table=population.id)


class TestDatabaseOverview:
    def test_lists_every_table_under_the_five_base_databases(
        self, session: Session, population: BaseTable
    ) -> None:
        with freeze_time(NOW):
            legal = base_table(session, LEGAL_ENTITY, update_cycle=UpdateCycle.irregular)
            overview = quality.database_overview(session, actor=coordinator(session))

        assert [d.label for d in overview] == ["人口", "法人", "空间地理", "宏观经济", "社会信用"]
        lines = {line.table_name: line for d in overview for line in d.tables}
        people = lines[population.table_name]
        assert people.rows == 5
        assert people.required_completeness == pytest.approx(24 / 25)
        assert people.completeness == pytest.approx(33 / 60)
        assert people.load_validity == pytest.approx(8 / 10)
        assert people.freshness.status == "超期 10 天"
        entities = lines[legal.table_name]
        assert (entities.rows, entities.completeness, entities.load_validity) == (0, None, None)
        assert entities.freshness.status == "从未装载"

    def test_intake_validity_comes_from_the_last_successful_load(
        self, session: Session, population: BaseTable
    ) -> None:
        add_load(session, population, finished_at=NOW, rows_read=4, rows_invalid=1)
        add_load(session, population, finished_at=NOW, status=LoadStatus.rejected, rows_read=9)

        with freeze_time(NOW):
            overview = quality.database_overview(session, actor=SYSTEM)

        (people,) = [t for d in overview for t in d.tables if t.table_id == population.id]
        assert people.load_validity == pytest.approx(3 / 4)
        assert people.freshness.status == "及时"

    def test_refuses_actors_without_base_data_read(self, session: Session) -> None:
        with pytest.raises(PermissionDeniedError):
            quality.database_overview(session, actor=citizen(session))
