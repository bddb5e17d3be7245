"""Catalog workbooks: import all or nothing with every problem listed, export any search
result in the same template, through the service, the API and the CLI."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from smartcity.cli import app as cli_app
from smartcity.core.config import Settings, get_settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.security import ANONYMOUS, SYSTEM, Actor
from smartcity.domains.audit import service as audit_service
from smartcity.domains.audit.models import AuditEvent
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import (
    ClassificationKind,
    DataType,
    EntryStatus,
    OpenType,
    ResourceFormat,
    ShareMode,
    ShareType,
    UpdateCycle,
    VersionState,
)
from smartcity.domains.catalog.errors import CatalogImportRejectedError
from smartcity.domains.catalog.models import CatalogEntry
from smartcity.domains.catalog.schemas import CatalogImportReport, EntrySearch, ImportProblem
from smartcity.domains.catalog.workbook import (
    ITEM_COLUMNS,
    ITEM_SHEET,
    RESOURCE_COLUMNS,
    RESOURCE_SHEET,
    read_workbook,
    write_template,
)
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import LegalBasis, Organization
from tests.conftest import fresh_database_url
from tests.factories.catalog import (
    catalog_coordinator,
    citizen,
    make_draft,
    make_entry,
    make_legal_basis,
    make_source_system,
    staff_of,
)
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization, make_organization
from tests.helpers.problems import assert_problem

BASE = "/api/v1/catalog"
_numbers = itertools.count(1)


# --- building workbooks -------------------------------------------------------------------


def _item(name: str, **values: Any) -> dict[str, Any]:
    return {
        "name": name,
        "data_type": DataType.string,
        "length": 50,
        "description": f"{name}的说明",
        "grade_code": "G1",
        **values,
    }


def _row(provider: Organization, **values: Any) -> dict[str, Any]:
    """A valid unconditional departmental resource, as ``write_template`` takes it."""
    number = next(_numbers)
    row: dict[str, Any] = {
        "classification_kind": ClassificationKind.departmental,
        "category_code": "D.07.01",
        "category_name": "导入测试类目",
        "resource_code": f"D.07.01/{number:06d}",
        "name": f"导入测试资源{number}",
        "provider_name": provider.name,
        "provider_code": provider.code,
        "abstract": "用于检验目录工作簿导入的信息资源。",
        "format": ResourceFormat.database,
        "update_cycle": UpdateCycle.monthly,
        "release_date": date(2025, 3, 1),
        "share_type": ShareType.unconditional,
        "share_mode": ShareMode.api,
        "open_type": OpenType.closed,
        "items": [_item("名称"), _item("登记日期", data_type=DataType.date, length=None)],
    }
    row.update(values)
    return row


def _conditional(provider: Organization, basis: LegalBasis, **values: Any) -> dict[str, Any]:
    values = {
        "share_type": ShareType.conditional,
        "share_condition": "仅限履职需要",
        "legal_basis_codes": [basis.code],
        **values,
    }
    return _row(provider, **values)


def _edited(data: bytes, change: Callable[[Workbook], None]) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    change(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _column(sheet: str, header: str) -> int:
    columns = RESOURCE_COLUMNS if sheet == RESOURCE_SHEET else ITEM_COLUMNS
    return next(i for i, column in enumerate(columns, start=1) if column.header == header)


def _import(
    session: Session, data: bytes, actor: Actor = SYSTEM, **options: Any
) -> CatalogImportReport:
    return catalog_service.import_workbook(
        session, actor=actor, data=data, filename="目录.xlsx", **options
    )


def _rejected(session: Session, data: bytes, actor: Actor = SYSTEM) -> list[ImportProblem]:
    with pytest.raises(CatalogImportRejectedError) as raised:
        _import(session, data, actor)
    errors = raised.value.extensions["errors"]
    assert isinstance(errors, list)
    assert raised.value.extensions["problem_count"] == len(errors)
    return [ImportProblem.model_validate(error) for error in errors]


def _where(problems: list[ImportProblem]) -> set[tuple[str, int, str]]:
    return {(p.sheet, p.row, p.column) for p in problems}


def _entry(session: Session, code: str) -> CatalogEntry | None:
    return catalog_service.find_entry_by_code(session, code)


def _summaries(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.actor_name).where(AuditEvent.action == "catalog.workbook.imported")
        )
    )


def _export(session: Session, q: str = "", actor: Actor = SYSTEM) -> bytes:
    return catalog_service.export_workbook(session, actor=actor, search=EntrySearch(q=q))


# --- import -------------------------------------------------------------------------------


class TestImport:
    def test_new_codes_become_drafts_with_resolved_references(self, session: Session) -> None:
        provider = make_organization(session)
        basis = make_legal_basis(session)
        system = make_source_system(session, owner=provider)
        plain = _row(provider, source_system_code=system.code)
        conditional = _conditional(provider, basis)

        report = _import(session, write_template([plain, conditional]))

        assert (report.created, report.revised, report.updated, report.unchanged) == (2, 0, 0, 0)
        assert (report.resources, report.items, report.dry_run) == (2, 4, False)
        first = _entry(session, plain["resource_code"])
        second = _entry(session, conditional["resource_code"])
        assert first is not None
        assert second is not None
        assert (first.status, first.provider_organization_id) == (EntryStatus.draft, provider.id)
        assert first.source_system_id == system.id
        loaded = catalog_service.get_entry(session, actor=SYSTEM, entry_id=second.id)
        assert [b.code for b in loaded.legal_bases] == [basis.code]
        assert [i.name for i in loaded.items] == ["名称", "登记日期"]
        assert audit_service.actions_for(session, subject_id=first.id) == ["catalog.entry.drafted"]
        assert _summaries(session) == ["system"]

    def test_a_published_code_becomes_a_new_version_and_the_live_entry_stays(
        self, session: Session
    ) -> None:
        provider = make_organization(session)
        entry = make_entry(session, provider=provider, name="城市供水管网数据")
        edited = _edited(
            _export(session, q="城市供水管网数据"),
            lambda wb: setattr(
                wb[RESOURCE_SHEET].cell(row=2, column=_column(RESOURCE_SHEET, "资源名称")),
                "value",
                "城市供水管网与水质数据",
            ),
        )

        report = _import(session, edited)

        assert (report.created, report.revised) == (0, 1)
        assert (entry.name, entry.version, entry.status) == (
            "城市供水管网数据",
            1,
            EntryStatus.published,
        )
        version = catalog_service.open_version(session, entry.id)
        assert version is not None
        assert (version.number, version.state, version.name) == (
            2,
            VersionState.draft,
            "城市供水管网与水质数据",
        )

    def test_a_second_import_updates_the_pending_version(self, session: Session) -> None:
        entry = make_entry(session, name="地下管线普查数据")
        exported = _export(session, q="地下管线普查数据")
        header = _column(RESOURCE_SHEET, "资源摘要")

        def abstract(text: str) -> Callable[[Workbook], None]:
            return lambda wb: setattr(wb[RESOURCE_SHEET].cell(row=2, column=header), "value", text)

        _import(session, _edited(exported, abstract("第一次修改的摘要。")))
        report = _import(session, _edited(exported, abstract("第二次修改的摘要。")))

        assert (report.revised, report.updated) == (0, 1)
        version = catalog_service.open_version(session, entry.id)
        assert version is not None
        assert (version.number, version.abstract) == (2, "第二次修改的摘要。")

    def test_an_existing_draft_is_updated(self, session: Session) -> None:
        provider = make_organization(session)
        version = make_draft(session, provider=provider)
        draft_entry = session.get(CatalogEntry, version.entry_id)
        assert draft_entry is not None
        row = _row(
            provider,
            resource_code=draft_entry.resource_code,
            category_code="C.01.01",
            name="改过名称的草稿",
        )

        report = _import(session, write_template([row]))

        assert (report.created, report.updated) == (0, 1)
        assert (draft_entry.name, draft_entry.status) == ("改过名称的草稿", EntryStatus.draft)

    def test_a_version_under_review_is_not_touched(self, session: Session) -> None:
        entry = make_entry(session, name="在审条目")
        exported = _export(session, q="在审条目")
        header = _column(RESOURCE_SHEET, "资源摘要")
        changed = _edited(
            exported,
            lambda wb: setattr(wb[RESOURCE_SHEET].cell(row=2, column=header), "value", "新摘要。"),
        )
        _import(session, changed)
        catalog_service.submit_entry(session, actor=SYSTEM, entry_id=entry.id)

        problems = _rejected(session, _edited(changed, lambda wb: None))

        assert [(p.row, p.column, p.code) for p in problems] == [
            (2, "资源代码", "catalog.entry-not-editable")
        ]
        assert "正在审核中" in problems[0].reason

    def test_the_coordinator_imports_for_every_department(self, session: Session) -> None:
        first, second = make_organization(session), make_organization(session)
        coordinator = catalog_coordinator(session)

        report = _import(session, write_template([_row(first), _row(second)]), coordinator)

        assert report.created == 2
        assert _summaries(session) == [coordinator.name]

    def test_a_department_imports_its_own_entries(self, session: Session) -> None:
        provider = make_organization(session)
        row = _row(provider)

        _import(session, write_template([row]), staff_of(session, provider))

        entry = _entry(session, row["resource_code"])
        assert entry is not None
        assert entry.provider_organization_id == provider.id

    def test_the_provider_may_be_named_without_its_code(self, session: Session) -> None:
        provider = make_organization(session)
        row = _row(provider, provider_code="")

        assert _import(session, write_template([row])).created == 1

    @pytest.mark.parametrize("who", ["anonymous", "citizen"])
    def test_only_those_who_draft_may_import(self, session: Session, who: str) -> None:
        actor = ANONYMOUS if who == "anonymous" else citizen(session)
        expected = AuthenticationRequiredError if who == "anonymous" else PermissionDeniedError
        with pytest.raises(expected):
            _import(session, write_template([_row(make_organization(session))]), actor)


class TestDryRun:
    def test_reports_what_would_happen_and_writes_nothing(self, session: Session) -> None:
        provider = make_organization(session)
        published = make_entry(session, provider=provider, name="演练用已发布条目")
        new = _row(provider)
        edited = _edited(
            write_template(
                [
                    new,
                    {
                        **_row(provider, resource_code=published.resource_code),
                        "category_code": "C.01.01",
                        "name": "演练用已发布条目（新版）",
                    },
                ]
            ),
            lambda wb: None,
        )
        before = session.scalar(select(func.count()).select_from(AuditEvent))

        report = _import(session, edited, dry_run=True)

        assert (report.created, report.revised, report.dry_run) == (1, 1, True)
        assert _entry(session, new["resource_code"]) is None
        assert catalog_service.open_version(session, published.id) is None
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before

    def test_a_bad_workbook_is_refused_in_a_dry_run_too(self, session: Session) -> None:
        row = _row(make_organization(session), provider_code="NO-SUCH-ORG")
        with pytest.raises(CatalogImportRejectedError):
            _import(session, write_template([row]), dry_run=True)


class TestProblems:
    """A workbook with any problem imports nothing; every problem is listed at once."""

    def test_every_kind_of_problem_is_reported_together_and_nothing_written(
        self, session: Session
    ) -> None:
        own = make_organization(session)
        other = make_organization(session)
        basis = make_legal_basis(session)
        rows = [
            _row(own),  # 2: fine
            _row(own, share_type=ShareType.conditional, share_condition="x"),  # 3: no basis
            _conditional(own, basis, legal_basis_codes=["NO-SUCH-BASIS"]),  # 4
            _row(own, provider_name="不存在的单位", provider_code=""),  # 5
            _row(other),  # 6: another department's entry
            _row(own, source_system_code="NO-SUCH-SYSTEM"),  # 7
            _row(own, items=[_item("名称", grade_code="G9")]),  # 8; its item is on row 14
        ]
        rows.append({**_row(own), "resource_code": rows[0]["resource_code"]})  # 9: duplicate

        def break_it(workbook: Workbook) -> None:
            resources, items = workbook[RESOURCE_SHEET], workbook[ITEM_SHEET]
            resources.cell(row=1, column=len(RESOURCE_COLUMNS) + 1).value = "备注"
            column = _column(ITEM_SHEET, "说明")
            items.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)

        data = _edited(write_template(rows), break_it)
        problems = _rejected(session, data, staff_of(session, own))

        expected = {
            (RESOURCE_SHEET, 1, "备注"),  # wrong header
            (ITEM_SHEET, 2, "说明"),  # merged cells
            (RESOURCE_SHEET, 3, "共享依据"),  # conditional without legal basis
            (RESOURCE_SHEET, 4, "共享依据"),  # unknown legal-basis code
            (RESOURCE_SHEET, 5, "提供方"),  # unknown provider
            (RESOURCE_SHEET, 6, "提供方"),  # another department
            (RESOURCE_SHEET, 7, "来源系统代码"),  # unknown system
            (ITEM_SHEET, 14, "分级"),  # unknown grade
            (RESOURCE_SHEET, 9, "资源代码"),  # duplicate code
        }
        assert expected <= _where(problems), [str(p) for p in problems]
        reasons = {(p.sheet, p.row): p.reason for p in problems}
        assert "NO-SUCH-BASIS" in reasons[(RESOURCE_SHEET, 4)]
        assert "只能导入本单位" in reasons[(RESOURCE_SHEET, 6)]
        assert "合并单元格" in reasons[(ITEM_SHEET, 2)]
        assert "重复" in reasons[(RESOURCE_SHEET, 9)]
        assert all(_entry(session, row["resource_code"]) is None for row in rows)
        assert _summaries(session) == []

    def test_a_gbk_csv_is_refused_naming_its_encoding(self, session: Session) -> None:
        text = "资源代码,资源名称,提供方\nD.07.01/000001,测试资源,测试单位\n"

        (problem,) = _rejected(session, text.encode("gbk"))

        assert (problem.sheet, problem.row) == ("", 0)
        assert "GB18030（GBK）编码的文本（CSV）文件" in problem.reason

    def test_a_repealed_legal_basis_cannot_be_cited(self, session: Session) -> None:
        provider = make_organization(session)
        repealed = make_legal_basis(
            session,
            effective_date=date(2010, 1, 1),
            repealed_date=date.today() - timedelta(days=1),
        )

        (problem,) = _rejected(session, write_template([_conditional(provider, repealed)]))

        assert (problem.row, problem.column) == (2, "共享依据")
        assert "废止" in problem.reason

    def test_content_rules_are_reported_on_their_columns(self, session: Session) -> None:
        provider = make_organization(session)
        row = _row(
            provider,
            open_type=OpenType.open,
            items=[_item("身份证号", is_personal=True)],
        )

        problems = _rejected(session, write_template([row]))

        assert [(p.column, p.code) for p in problems] == [
            ("开放属性", "catalog.personal-data-not-openable")
        ]

    def test_a_provider_name_that_does_not_fit_its_code(self, session: Session) -> None:
        provider = make_organization(session)
        (problem,) = _rejected(session, write_template([_row(provider, provider_name="别的单位")]))
        assert (problem.column, problem.value) == ("提供方", "别的单位")

    def test_an_entry_of_another_provider_cannot_be_continued(self, session: Session) -> None:
        entry = make_entry(session)
        row = {
            **_row(make_organization(session), resource_code=entry.resource_code),
            "category_code": "C.01.01",
        }
        (problem,) = _rejected(session, write_template([row]))
        assert (problem.column, problem.reason) == ("提供方", "新版本不能更改提供单位")


# --- export -------------------------------------------------------------------------------


class TestExport:
    def test_exports_the_search_result_in_the_template(self, session: Session) -> None:
        provider = make_organization(session)
        basis = make_legal_basis(session)
        system = make_source_system(session, owner=provider)
        make_entry(
            session,
            provider=provider,
            name="出口测试公交线路数据",
            share_type=ShareType.conditional,
            share_condition="仅限履职需要",
            legal_basis_ids=[basis.id],
            source_system_id=system.id,
        )
        make_entry(session, provider=provider, name="出口测试空气质量数据")
        make_draft(session, provider=provider, name="出口测试公交草稿")

        parsed = read_workbook(_export(session, q="出口测试 公交"))

        assert parsed.ok, [str(p) for p in parsed.problems]
        (resource,) = parsed.resources
        assert resource.name == "出口测试公交线路数据"
        assert (resource.provider_code, resource.provider_name) == (provider.code, provider.name)
        assert (resource.legal_basis_codes, resource.source_system_code) == (
            [basis.code],
            system.code,
        )
        assert [item.name for item in resource.items] == ["名称", "登记日期"]

    def test_an_export_imports_back_unchanged(self, session: Session) -> None:
        provider = make_organization(session)
        basis = make_legal_basis(session)
        for n in range(3):
            make_entry(
                session,
                provider=provider,
                name=f"往返测试资源{n}",
                share_type=ShareType.conditional,
                share_condition="仅限履职需要",
                legal_basis_ids=[basis.id],
            )

        report = _import(session, _export(session, q="往返测试资源"))

        assert (report.resources, report.unchanged, report.created, report.revised) == (3, 3, 0, 0)

    def test_anonymous_callers_cannot_export(self, session: Session) -> None:
        with pytest.raises(AuthenticationRequiredError):
            _export(session, actor=ANONYMOUS)


# --- API ----------------------------------------------------------------------------------


def _upload(data: bytes) -> dict[str, Any]:
    return {"file": ("目录.xlsx", data, "application/octet-stream")}


class TestImportApi:
    def test_requires_credentials(self, client: TestClient) -> None:
        response = client.post(f"{BASE}/entries/import", files=_upload(b"x"))
        assert_problem(response, status=401, code="authentication-required")

    def test_a_bad_workbook_is_a_422_problem_listing_rows(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        login(client, session, make_user(session, organization=provider), settings)
        rows = [_row(provider), _row(provider, provider_code="NO-SUCH-ORG")]
        rows.append({**_row(provider), "resource_code": rows[0]["resource_code"]})

        response = client.post(f"{BASE}/entries/import", files=_upload(write_template(rows)))

        body = assert_problem(response, status=422, code="catalog.import-rejected")
        # the duplicate's items join the first row's, so their names repeat too
        assert {(e["sheet"], e["row"], e["column"]) for e in body["errors"]} == {
            (RESOURCE_SHEET, 3, "提供方代码"),
            (RESOURCE_SHEET, 4, "资源代码"),
            (ITEM_SHEET, 6, "信息项名称"),
            (ITEM_SHEET, 7, "信息项名称"),
        }
        assert body["problem_count"] == 4
        assert body["report"]["resources"] == 3
        assert _entry(session, rows[0]["resource_code"]) is None

    def test_imports_and_reports(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        login(client, session, make_user(session, organization=provider), settings)
        data = write_template([_row(provider), _row(provider)])

        dry = client.post(f"{BASE}/entries/import?dry_run=true", files=_upload(data))
        assert dry.status_code == 200, dry.text
        assert (dry.json()["created"], dry.json()["dry_run"]) == (2, True)
        response = client.post(f"{BASE}/entries/import", files=_upload(data))

        assert response.status_code == 200, response.text
        assert response.json()["created"] == 2
        assert response.json()["errors"] == []


class TestExportApi:
    def test_returns_an_xlsx_attachment_of_the_search(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        make_entry(session, name="接口导出公交站点数据")
        make_entry(session, name="接口导出其他数据", share_type=ShareType.unconditional)
        login(
            client, session, make_user(session, organization=None, roles=[Role.citizen]), settings
        )

        response = client.get(
            f"{BASE}/entries/export", params={"q": "接口导出 公交", "share_type": "unconditional"}
        )

        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert "attachment" in response.headers["content-disposition"]
        assert [r.name for r in read_workbook(response.content).resources] == [
            "接口导出公交站点数据"
        ]

    def test_requires_credentials(self, client: TestClient) -> None:
        response = client.get(f"{BASE}/entries/export")
        assert_problem(response, status=401, code="authentication-required")

    def test_the_export_path_is_not_taken_for_an_entry_id(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        login(
            client,
            session,
            make_user(
                session, organization=coordinator_organization(session), roles=[Role.coordinator]
            ),
            settings,
        )
        assert client.get(f"{BASE}/entries/export").status_code == 200


# --- CLI ----------------------------------------------------------------------------------


@pytest.fixture
def cli_database(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    """A fresh migrated database the ``smartcity`` command is pointed at."""
    url = fresh_database_url(tmp_path_factory, "catalog_cli")
    monkeypatch.setenv("SMARTCITY_DATABASE__URL", url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    database = Database(url)
    upgrade(database.engine)
    try:
        yield database
    finally:
        database.dispose()
        get_settings.cache_clear()


class TestCli:
    def test_import_dry_run_export_and_reindex(
        self, cli_database: Database, tmp_path: Path
    ) -> None:
        with cli_database.session_scope() as session:
            own, other = make_organization(session), make_organization(session)
            rows = [_row(own, name="命令行导入公交数据"), _row(own)]
            own_code = own.code
            foreign = write_template([_row(other)])
        workbook, foreign_path = tmp_path / "目录.xlsx", tmp_path / "他单位.xlsx"
        workbook.write_bytes(write_template(rows))
        foreign_path.write_bytes(foreign)
        runner = CliRunner()

        dry = runner.invoke(cli_app, ["catalog", "import", str(workbook), "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert "演练" in dry.output
        assert "新建草稿 2" in dry.output
        refused = runner.invoke(
            cli_app, ["catalog", "import", str(foreign_path), "--as-organization", own_code]
        )
        assert refused.exit_code == 1
        assert "只能导入本单位" in refused.output
        done = runner.invoke(
            cli_app, ["catalog", "import", str(workbook), "--as-organization", own_code]
        )
        assert done.exit_code == 0, done.output
        with cli_database.session_scope() as session:
            drafted = [_entry(session, row["resource_code"]) for row in rows]
            assert all(entry is not None for entry in drafted)
            catalog_service.publish_many(
                session, actor=SYSTEM, entry_ids=[e.id for e in drafted if e is not None]
            )

        out = tmp_path / "导出.xlsx"
        exported = runner.invoke(cli_app, ["catalog", "export", str(out), "--q", "公交"])
        assert exported.exit_code == 0, exported.output
        assert [r.name for r in read_workbook(out.read_bytes()).resources] == ["命令行导入公交数据"]
        reindexed = runner.invoke(cli_app, ["catalog", "reindex"])
        assert reindexed.exit_code == 0, reindexed.output
        assert "2 个已发布条目" in reindexed.output

    def test_an_unknown_organization_code_is_an_error(
        self, cli_database: Database, tmp_path: Path
    ) -> None:
        workbook = tmp_path / "目录.xlsx"
        workbook.write_bytes(write_template([]))
        result = CliRunner().invoke(
            cli_app, ["catalog", "import", str(workbook), "--as-organization", "NOPE"]
        )
        assert result.exit_code == 1
        assert "NOPE" in result.output
