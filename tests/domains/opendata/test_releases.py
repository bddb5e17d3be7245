"""Releases (Art. 31): de-identification, k-anonymity, aggregation thresholds, publication."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.errors import PermissionDeniedError
from smartcity.core.security import ANONYMOUS, SYSTEM
from smartcity.domains.audit.models import AuditEvent
from smartcity.domains.catalog.enums import DataType, Identifies, OpenType
from smartcity.domains.catalog.models import CatalogEntry
from smartcity.domains.identity.permissions import Role
from smartcity.domains.opendata import service as opendata_service
from smartcity.domains.opendata.enums import (
    FieldTreatment,
    ReleaseKind,
    ReleaseState,
    ResourceKind,
)
from smartcity.domains.opendata.errors import (
    EntryNotOpenableError,
    InvalidReleaseError,
    ReleaseCheckFailedError,
    ReleaseNotPublishableError,
)
from smartcity.domains.opendata.schemas import (
    DatasetSearch,
    DatastoreQuery,
    ReleasePrepare,
    ReleasePublish,
    ReleaseRead,
)
from smartcity.domains.opendata.service import deidentify
from tests.factories.catalog import item, make_entry, staff_of
from tests.factories.registry import make_organization

HEADER = ["姓名", "公民身份号码", "性别", "出生日期", "现住址", "病种", "就诊科室"]
DISTRICTS = ["任城区", "兖州区", "曲阜市", "邹城市"]


def personal_entry(session: Session, **values: Any) -> CatalogEntry:
    """A published open entry of hospital visits holding personal information."""
    items = [
        item("姓名", identifies=Identifies.person, is_personal=True, grade_code="G3"),
        item("公民身份号码", identifies=Identifies.person, is_personal=True, grade_code="G3"),
        item("性别", is_personal=True, length=2),
        item("出生日期", data_type=DataType.date, length=None, is_personal=True),
        item("现住址", is_personal=True, length=200),
        item("病种", is_personal=True, is_sensitive=True, grade_code="G3"),
        item("就诊科室", length=50),
    ]
    data: dict[str, Any] = {
        "name": "门诊就诊记录",
        "items": items,
        "open_type": OpenType.open,
        "open_deidentified": True,
        "deidentification_method": "删除直接标识，出生日期泛化为年份，住址泛化为区县",
    }
    data.update(values)
    return make_entry(session, **data)


def visit_rows(count: int, *, spread: bool = False) -> list[list[str]]:
    rows = []
    for n in range(count):
        born = date(1960 + (n * 7 % 40 if spread else n % 2), 1 + n % 12, 1 + n % 28)
        rows.append(
            [
                f"患者{n}",
                "37080219900101001X",
                "男" if n % 2 else "女",
                born.isoformat(),
                f"山东省济宁市{DISTRICTS[n % len(DISTRICTS)]}某某街道{n}号",
                "高血压",
                ["内科", "外科"][n % 2],
            ]
        )
    return rows


def prepare(
    session: Session, entry: CatalogEntry, rows: list[list[str]], **values: Any
) -> ReleaseRead:
    data = ReleasePrepare.model_validate({"entry_id": entry.id, **values})
    return opendata_service.prepare_release(
        session, actor=SYSTEM, data=data, header=HEADER, rows=rows, source_name="visits.csv"
    )


class TestPlan:
    def test_identifiers_and_sensitive_items_are_dropped_quasi_identifiers_generalized(
        self, session: Session
    ) -> None:
        entry = personal_entry(session)

        release = prepare(session, entry, visit_rows(400))

        treatments = {p.name: p.treatment for p in release.plan}
        assert treatments == {
            "姓名": FieldTreatment.drop,
            "公民身份号码": FieldTreatment.drop,
            "性别": FieldTreatment.keep,
            "出生日期": FieldTreatment.year,
            "现住址": FieldTreatment.district,
            "病种": FieldTreatment.drop,
            "就诊科室": FieldTreatment.keep,
        }
        assert [f.id for f in release.fields] == ["性别", "出生日期", "现住址", "就诊科室"]
        assert release.preview[0] == {
            "性别": "女",
            "出生日期": 1960,
            "现住址": "任城区",
            "就诊科室": "内科",
        }

    def test_an_identifier_can_never_be_kept(self, session: Session) -> None:
        entry = personal_entry(session)

        with pytest.raises(InvalidReleaseError):
            prepare(session, entry, visit_rows(10), treatments={"公民身份号码": "keep"})

    def test_a_header_that_is_not_an_item_is_refused(self, session: Session) -> None:
        entry = personal_entry(session)

        with pytest.raises(InvalidReleaseError):
            opendata_service.prepare_release(
                session,
                actor=SYSTEM,
                data=ReleasePrepare(entry_id=entry.id),
                header=["银行卡号"],
                rows=[["6222"]],
            )

    def test_a_closed_entry_cannot_be_released(self, session: Session) -> None:
        entry = personal_entry(
            session, open_type=OpenType.closed, open_deidentified=False, deidentification_method=""
        )

        with pytest.raises(EntryNotOpenableError):
            prepare(session, entry, visit_rows(10))

    def test_another_departments_admin_may_not_prepare(self, session: Session) -> None:
        entry = personal_entry(session)
        outsider = staff_of(session, make_organization(session), Role.org_admin)

        with pytest.raises((PermissionDeniedError, EntryNotOpenableError)):
            opendata_service.prepare_release(
                session,
                actor=outsider,
                data=ReleasePrepare(entry_id=entry.id),
                header=HEADER,
                rows=visit_rows(10),
            )


class TestRecordLevelCheck:
    def test_a_personal_data_release_that_singles_people_out_is_blocked(
        self, session: Session
    ) -> None:
        entry = personal_entry(session)
        release = prepare(session, entry, visit_rows(40, spread=True))

        assert release.state is ReleaseState.failed
        assert not release.result.passed
        assert release.result.k_found is not None
        assert release.result.k_found < 5
        with pytest.raises(ReleaseCheckFailedError):
            opendata_service.publish_release(
                session, actor=SYSTEM, release_id=release.id, data=ReleasePublish()
            )
        assert opendata_service.find_dataset_id_by_entry(session, entry.id) is None
        audited = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "opendata.release.checked")
            .where(AuditEvent.subject_id == str(release.id))
        ).one()
        assert audited.changes_dict["passed"] is False
        assert audited.changes_dict["k_found"] == release.result.k_found

    def test_keeping_the_full_birth_date_fails_where_the_year_passes(
        self, session: Session
    ) -> None:
        entry = personal_entry(session)

        by_year = prepare(session, entry, visit_rows(400))
        by_date = prepare(session, entry, visit_rows(400), treatments={"出生日期": "keep"})

        assert by_year.result.passed
        assert (by_year.result.k_found or 0) >= 5
        assert not by_date.result.passed

    def test_an_id_number_in_a_kept_field_fails_whatever_the_flags(self, session: Session) -> None:
        entry = personal_entry(session)
        rows = visit_rows(400)
        rows[3][6] = "内科 370802199001010018"

        release = prepare(session, entry, rows)

        assert not release.result.passed
        assert any("公民身份号码" in v for v in release.result.violations)

    def test_a_passed_release_is_published_as_the_entrys_dataset(self, session: Session) -> None:
        entry = personal_entry(session)
        release = prepare(session, entry, visit_rows(400))

        dataset = opendata_service.publish_release(
            session, actor=SYSTEM, release_id=release.id, data=ReleasePublish(tags=["医疗"])
        )

        assert dataset.title == "门诊就诊记录"
        assert dataset.entry_id == entry.id
        (resource,) = dataset.resources
        assert resource.kind is ResourceKind.table
        assert resource.row_count == 400
        page = opendata_service.datastore_search(
            session, actor=ANONYMOUS, resource_id=resource.id, query=DatastoreQuery(limit=1)
        )
        assert set(page.records[0]) == {"_id", "性别", "出生日期", "现住址", "就诊科室"}
        found = opendata_service.search_datasets(
            session, actor=ANONYMOUS, query=DatasetSearch(q="就诊")
        )
        assert [d.id for d in found.results] == [dataset.id]
        with pytest.raises(ReleaseNotPublishableError):
            opendata_service.publish_release(
                session, actor=SYSTEM, release_id=release.id, data=ReleasePublish()
            )

    def test_a_second_release_replaces_the_resources(self, session: Session) -> None:
        entry = personal_entry(session)
        first = prepare(session, entry, visit_rows(400))
        opendata_service.publish_release(
            session, actor=SYSTEM, release_id=first.id, data=ReleasePublish()
        )
        second = prepare(session, entry, visit_rows(200))

        dataset = opendata_service.publish_release(
            session, actor=SYSTEM, release_id=second.id, data=ReleasePublish()
        )

        assert [r.row_count for r in dataset.resources] == [200]


class TestStatisticalRelease:
    def test_small_cells_are_suppressed_and_counted(self, session: Session) -> None:
        entry = personal_entry(session)
        rows = visit_rows(100)
        rows += [["某人", "", "男", "1990-01-01", "山东省济宁市微山县某村", "", "眼科"]] * 3

        release = prepare(
            session, entry, rows, kind=ReleaseKind.statistical, group_by=["现住址", "就诊科室"]
        )

        assert release.result.passed
        assert release.result.suppressed_cells == 1
        assert release.result.rows_in_small_classes == 3
        assert all(row["记录数"] >= 10 for row in release.preview)
        assert "微山县" not in {row["现住址"] for row in release.preview}

    def test_an_identifier_cannot_be_a_group(self, session: Session) -> None:
        entry = personal_entry(session)

        with pytest.raises(InvalidReleaseError):
            prepare(session, entry, visit_rows(50), kind=ReleaseKind.statistical, group_by=["姓名"])

    def test_nothing_above_the_threshold_fails(self, session: Session) -> None:
        entry = personal_entry(session)

        release = prepare(
            session,
            entry,
            visit_rows(30),
            kind=ReleaseKind.statistical,
            group_by=["现住址", "就诊科室"],
            min_cell=50,
        )

        assert release.state is ReleaseState.failed


class TestDiscard:
    def test_a_discarded_release_cannot_be_published(self, session: Session) -> None:
        entry = personal_entry(session)
        release = prepare(session, entry, visit_rows(400))

        opendata_service.discard_release(session, actor=SYSTEM, release_id=release.id)

        with pytest.raises(ReleaseNotPublishableError):
            opendata_service.publish_release(
                session, actor=SYSTEM, release_id=release.id, data=ReleasePublish()
            )


class TestRules:
    @settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
    @given(
        sizes=st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=12),
        k=st.integers(min_value=2, max_value=12),
    )
    def test_k_anonymity_passes_exactly_when_every_class_has_k_rows(
        self, sizes: list[int], k: int
    ) -> None:
        rows = [(f"v{n}", "x") for n, size in enumerate(sizes) for _ in range(size)]
        classes = deidentify.k_anonymity(rows, [0, 1])

        result = deidentify.check_records(classes, k, len(rows), [])

        assert result.passed == (min(sizes) >= k)
        assert result.k_found == min(sizes)
        assert result.small_classes == sum(1 for s in sizes if s < k)

    @settings(max_examples=60)
    @given(
        sizes=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=12),
        threshold=st.integers(min_value=1, max_value=30),
    )
    def test_no_published_cell_is_below_the_threshold(
        self, sizes: list[int], threshold: int
    ) -> None:
        rows = [(f"g{n}",) for n, size in enumerate(sizes) for _ in range(size)]

        cells, suppressed, suppressed_rows = deidentify.aggregate(rows, threshold)

        assert all(cell[-1] >= threshold for cell in cells)
        assert suppressed == sum(1 for s in sizes if s < threshold)
        assert sum(cell[-1] for cell in cells) + suppressed_rows == len(rows)

    @pytest.mark.parametrize(
        ("value", "treatment", "expected"),
        [
            ("1990-05-12", FieldTreatment.year, "1990"),
            ("山东省济宁市任城区古槐街道1号", FieldTreatment.district, "任城区"),
            ("济宁市曲阜市鲁城街道", FieldTreatment.district, "曲阜市"),
            ("370811001000", FieldTreatment.district, "370811"),
            ("272000", FieldTreatment.prefix, "272"),
            ("", FieldTreatment.keep, None),
        ],
    )
    def test_generalization(
        self, value: str, treatment: FieldTreatment, expected: str | None
    ) -> None:
        assert deidentify.generalize(value, treatment) == expected

    def test_dates_drift_no_year(self) -> None:
        assert (
            deidentify.generalize(
                (date(2000, 1, 1) + timedelta(days=400)).isoformat(), FieldTreatment.year
            )
            == "2001"
        )
