"""The Jining demo: organizations, regulation duties, information systems, the resource
catalog and accounts; idempotent and audited."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from smartcity import demo
from smartcity import demo_data as data
from smartcity.cli import app as cli_app
from smartcity.core.config import AuthSettings, get_settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.identifiers import is_known_division, parse_credit_code
from smartcity.core.pagination import PageParams
from smartcity.core.security import SYSTEM, Actor, ActorKind
from smartcity.demo_data import DEMO_USERS
from smartcity.domains.audit import service as audit_service
from smartcity.domains.audit.models import AuditEvent
from smartcity.domains.base_data import demo as base_data_demo
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data import synthetic
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import EntryStatus
from smartcity.domains.catalog.models import CatalogEntry
from smartcity.domains.catalog.schemas import EntrySearch
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.errors import WeakPasswordError
from smartcity.domains.identity.models import User
from smartcity.domains.identity.passwords import password_problems
from smartcity.domains.identity.permissions import Role, permissions_for
from smartcity.domains.opendata import demo as opendata_demo
from smartcity.domains.opendata import service as opendata_service
from smartcity.domains.opendata.models import OpenDataset, OpenRelease
from smartcity.domains.opendata.schemas import DatasetSearch
from smartcity.domains.opendata.schemas_requests import DataRequestFilter
from smartcity.domains.opendata.service import data_requests as opendata_data_requests
from smartcity.domains.privacy.models import DataRequest
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.enums import OrganizationKind
from smartcity.domains.registry.legal_catalogue import STARTING_VOCABULARY
from smartcity.domains.registry.models import (
    InformationSystem,
    LegalBasis,
    Organization,
    OrganizationDuty,
)
from smartcity.domains.registry.regulation import REGULATION_DUTIES, find_named_duty
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing.schemas import GrantFilter, ShareRequestFilter
from tests.conftest import fresh_database_url

PASSWORD = "Demo-Passw0rd!"
COUNTIES = {
    "370811": "任城区人民政府",
    "370812": "兖州区人民政府",
    "370826": "微山县人民政府",
    "370827": "鱼台县人民政府",
    "370828": "金乡县人民政府",
    "370829": "嘉祥县人民政府",
    "370830": "汶上县人民政府",
    "370831": "泗水县人民政府",
    "370832": "梁山县人民政府",
    "370881": "曲阜市人民政府",
    "370883": "邹城市人民政府",
}


@dataclass(frozen=True)
class Loaded:
    database: Database
    first: list[demo.DemoAccount]
    second: list[demo.DemoAccount]
    counts_after_first: dict[str, int]
    counts_after_second: dict[str, int]
    head_after_first: int


def _counts(database: Database) -> dict[str, int]:
    with database.read_scope() as session:
        kinds = Counter(session.scalars(select(Organization.kind)))
        counts = {f"kind:{kind.value}": n for kind, n in kinds.items()}
        counts["organizations"] = sum(kinds.values())
        counts["duties"] = session.scalar(select(func.count()).select_from(OrganizationDuty)) or 0
        counts["users"] = session.scalar(select(func.count()).select_from(User)) or 0
        counts["legal_bases"] = session.scalar(select(func.count()).select_from(LegalBasis)) or 0
        counts["systems"] = session.scalar(select(func.count()).select_from(InformationSystem)) or 0
        counts["data_requests"] = session.scalar(select(func.count()).select_from(DataRequest)) or 0
        counts["open_datasets"] = session.scalar(select(func.count()).select_from(OpenDataset)) or 0
        counts["open_releases"] = session.scalar(select(func.count()).select_from(OpenRelease)) or 0
        published = CatalogEntry.status == EntryStatus.published
        counts["published_entries"] = (
            session.scalar(select(func.count()).select_from(CatalogEntry).where(published)) or 0
        )
    return counts


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    """A fresh database with the demo loaded twice: random passwords, then ``PASSWORD``."""
    database = Database(fresh_database_url(tmp_path_factory, "demo"))
    upgrade(database.engine)
    first = demo.load(database)
    counts_after_first = _counts(database)
    with database.read_scope() as session:
        head_after_first, _ = audit_service.chain_head(session, actor=SYSTEM)
    second = demo.load(database, password=PASSWORD)
    yield Loaded(database, first, second, counts_after_first, _counts(database), head_after_first)
    database.dispose()


@pytest.fixture
def demo_session(loaded: Loaded) -> Iterator[Session]:
    """A session on the demo database whose work (e.g. login attempts) is rolled back."""
    with loaded.database.sessionmaker() as session:
        try:
            yield session
        finally:
            session.rollback()


def _by_name(session: Session, name: str) -> Organization:
    return session.scalars(select(Organization).where(Organization.name == name)).one()


def _holders(session: Session, article: int, named_body: str) -> set[str]:
    rows = registry_service.responsible_organizations(session, actor=SYSTEM, article=article)
    (row,) = [r for r in rows if r.named_body == named_body]
    return {o.name for o in row.organizations}


class TestOrganizations:
    def test_city_government_heads_the_eleven_counties_with_their_gbt2260_codes(
        self, demo_session: Session
    ) -> None:
        city = _by_name(demo_session, "济宁市人民政府")
        assert city.kind is OrganizationKind.city_government
        assert city.division_code == "370800"
        counties = demo_session.scalars(
            select(Organization).where(Organization.kind == OrganizationKind.county_government)
        ).all()
        assert {c.division_code: c.name for c in counties} == COUNTIES
        assert all(c.parent_id == city.id for c in counties)
        assert all(is_known_division(c.division_code) for c in counties)

    def test_has_at_least_forty_municipal_departments(self, demo_session: Session) -> None:
        departments = demo_session.scalars(
            select(Organization.name).where(
                Organization.kind == OrganizationKind.municipal_department
            )
        ).all()
        assert len(departments) >= 40
        for name in (
            "济宁市大数据局",
            "济宁市市场监督管理局",
            "济宁市公安局",
            "济宁市审计局",
            "济宁市工业和信息化局",
            "济宁市行政审批服务局",
        ):
            assert name in departments
        units = demo_session.scalars(
            select(Organization.name).where(
                Organization.kind == OrganizationKind.public_institution,
                Organization.division_code == "370800",
            )
        ).all()
        assert "济宁市大数据中心" in units
        assert "济宁市12345政务服务便民热线服务中心" in units

    def test_each_county_has_its_departments_named_after_it(self, demo_session: Session) -> None:
        names = set(
            demo_session.scalars(
                select(Organization.name).where(Organization.division_code == "370811")
            )
        )
        assert {
            "任城区工业和信息化局",
            "任城区大数据中心",
            "任城区市场监督管理局",
            "济宁市公安局任城分局",
            "济宁市生态环境局任城区分局",
        } <= names
        assert "邹城市公安局" in set(demo_session.scalars(select(Organization.name)))

    def test_the_only_coordinator_is_the_big_data_bureau(self, demo_session: Session) -> None:
        coordinator = registry_service.find_coordinator(demo_session)
        assert coordinator is not None
        assert coordinator.name == "济宁市大数据局"
        flagged = demo_session.scalar(
            select(func.count())
            .select_from(Organization)
            .where(Organization.coordinator_flag.is_(True))
        )
        assert flagged == 1

    def test_development_zones_carry_a_zone_code_not_a_division_code(
        self, demo_session: Session
    ) -> None:
        zones = {
            z.name: z
            for z in demo_session.scalars(
                select(Organization).where(Organization.kind == OrganizationKind.development_zone)
            )
        }
        assert set(zones) == {
            "济宁国家高新技术产业开发区管委会",
            "太白湖新区管委会",
            "济宁经济技术开发区管委会",
        }
        high_tech = zones["济宁国家高新技术产业开发区管委会"]
        assert high_tech.zone_code == "370871"
        assert not is_known_division(high_tech.zone_code)
        assert all(z.division_code == "370800" for z in zones.values())

    def test_every_credit_code_is_valid_unique_and_fits_the_kind(
        self, demo_session: Session
    ) -> None:
        organizations = demo_session.scalars(select(Organization)).all()
        codes = [o.credit_code for o in organizations]
        assert None not in codes
        assert len(set(codes)) == len(codes)
        expected = {
            OrganizationKind.association: ("5", "1"),
            OrganizationKind.enterprise: ("9", "1"),
            OrganizationKind.public_institution: ("1", "2"),
        }
        for organization in organizations:
            assert organization.credit_code is not None
            info = parse_credit_code(organization.credit_code)
            authority, entity = expected.get(organization.kind, ("1", "1"))
            assert (info.authority_code, info.entity_type_code) == (authority, entity), (
                organization.name
            )
            assert info.region_code == organization.division_code


class TestDuties:
    def test_every_duty_of_the_regulation_is_carried(self, demo_session: Session) -> None:
        rows = registry_service.responsible_organizations(demo_session, actor=SYSTEM)
        gaps = [f"第{r.article}条 {r.named_body}" for r in rows if not r.organizations]
        assert not gaps, gaps
        assert len(rows) == len(REGULATION_DUTIES)

    @pytest.mark.parametrize(
        ("article", "named_body", "holder"),
        [
            (6, "市经济和信息化主管部门", "济宁市大数据局"),
            (22, "市经济和信息化主管部门", "济宁市大数据局"),
            (49, "食品药品监管部门", "济宁市市场监督管理局"),
            (50, "工商行政管理部门", "济宁市市场监督管理局"),
            (50, "质量技术监督部门", "济宁市市场监督管理局"),
            (69, "市工商行政管理部门", "济宁市市场监督管理局"),
            (46, "环境保护主管部门", "济宁市生态环境局"),
            (8, "国土资源部门", "济宁市自然资源和规划局"),
            (8, "城乡规划部门", "济宁市自然资源和规划局"),
            (47, "国土资源主管部门", "济宁市自然资源和规划局"),
            (48, "安全生产监管部门", "济宁市应急管理局"),
            (32, "卫生计生主管部门", "济宁市卫生健康委员会"),
            (37, "旅游主管部门", "济宁市文化和旅游局"),
            (4, "市人民政府", "济宁市人民政府"),
            (6, "县（市、区）经济和信息化主管部门", "任城区工业和信息化局"),
            (73, "太白湖新区管委会", "太白湖新区管委会"),
            (16, "电信运营商", "中国移动通信集团山东有限公司济宁分公司"),
        ],
    )
    def test_named_bodies_map_to_todays_holders(
        self, demo_session: Session, article: int, named_body: str, holder: str
    ) -> None:
        assert holder in _holders(demo_session, article, named_body)

    def test_the_city_wide_platform_duties_belong_to_the_big_data_bureau_alone(
        self, demo_session: Session
    ) -> None:
        for article in (6, 8, 13, 21, 22, 24, 26, 27):
            assert _holders(demo_session, article, "市经济和信息化主管部门") == {"济宁市大数据局"}

    def test_telecom_duties_go_to_the_three_operators(self, demo_session: Session) -> None:
        for article in (16, 17):
            assert _holders(demo_session, article, "电信运营商") == {
                "中国移动通信集团山东有限公司济宁分公司",
                "中国联合网络通信有限公司济宁市分公司",
                "中国电信股份有限公司济宁分公司",
            }

    def test_county_town_wifi_is_for_counties_not_districts(self, demo_session: Session) -> None:
        holders = _holders(demo_session, 14, "县（市）人民政府")
        assert len(holders) == 9
        assert "任城区人民政府" not in holders
        assert "兖州区人民政府" not in holders

    def test_merged_bodies_explain_the_merger(self, demo_session: Session) -> None:
        market = _by_name(demo_session, "济宁市市场监督管理局")
        notes = {
            (d.article, d.named_body): d.note
            for d in demo_session.scalars(
                select(OrganizationDuty).where(OrganizationDuty.organization_id == market.id)
            )
        }
        assert "工商、质监、食药监" in notes[(50, "工商行政管理部门")]
        bureau = _by_name(demo_session, "济宁市大数据局")
        note = demo_session.scalars(
            select(OrganizationDuty.note).where(
                OrganizationDuty.organization_id == bureau.id, OrganizationDuty.article == 6
            )
        ).one()
        assert "工业和信息化局" in note


def test_the_open_part_of_the_catalog_is_published_de_identified_once(
    loaded: Loaded, demo_session: Session
) -> None:
    assert 90 <= loaded.counts_after_first["open_datasets"] <= opendata_demo.MAX_DATASETS
    assert loaded.counts_after_second["open_releases"] == loaded.counts_after_first["open_releases"]
    found = opendata_service.search_datasets(
        demo_session, actor=SYSTEM, query=DatasetSearch(q="公交", rows=50)
    )
    bus = next(d for d in found.results if d.title == "城市公交线路数据")
    assert 50 <= bus.resources[0].row_count <= 2000
    # Card swipes (one card per row) fail k-anonymity and are opened as counts per line;
    # taxi trips fail both forms and are not opened at all.
    titles = {d.title: d for d in found.results}
    assert titles["公交IC卡刷卡数据"].resources[0].kind.value == "aggregate"
    taxi = opendata_service.search_datasets(
        demo_session, actor=SYSTEM, query=DatasetSearch(q="出租车运营")
    )
    assert "出租车运营数据" not in [d.title for d in taxi.results]


def test_the_coordinator_has_requests_to_open_data_once(
    loaded: Loaded, demo_session: Session
) -> None:
    coordinator = identity_service.find_user_by_username(demo_session, "coordinator")
    assert coordinator is not None
    queue = opendata_data_requests.list_data_requests(
        demo_session,
        actor=identity_service.actor_for_user(coordinator),
        filters=DataRequestFilter(),
        page=PageParams(page=1, size=50),
    )
    states = sorted(r.state.value for r in queue.items)
    assert states == ["answered", "declined", "new"]


def test_the_legal_basis_vocabulary_is_seeded(loaded: Loaded) -> None:
    # and the State Secrets Law, which the exempt demo systems cite
    assert loaded.counts_after_second["legal_bases"] == len(STARTING_VOCABULARY) + 1


class TestSystemsAndCatalog:
    def test_about_sixty_systems_and_three_hundred_published_entries(self, loaded: Loaded) -> None:
        assert 55 <= loaded.counts_after_first["systems"] <= 70
        assert loaded.counts_after_first["published_entries"] == 300

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("公交", "公交"),
            ("空气质量", "空气质量"),
            ("2023年GDP", "2023年"),
            ("人口", "人口"),
            ("交通", "交通"),
        ],
    )
    def test_the_search_examples_find_entries(
        self, demo_session: Session, query: str, expected: str
    ) -> None:
        result = catalog_service.search_entries(
            demo_session, actor=SYSTEM, search=EntrySearch(q=query), page=PageParams(size=5)
        )
        assert result.page.total > 0
        assert expected in result.page.items[0].name


class TestAccounts:
    def test_one_account_per_role(self, loaded: Loaded, demo_session: Session) -> None:
        users = demo_session.scalars(select(User)).all()
        assert sorted(r for u in users for r in u.roles) == sorted(r.value for r in Role)
        assert [a.role for a in loaded.second] == [u.role for u in DEMO_USERS]
        coordinator = registry_service.find_coordinator(demo_session)
        assert coordinator is not None
        by_name = {u.username: u for u in users}
        assert by_name["coordinator"].organization_id == coordinator.id
        assert by_name["expert"].organization_id is None
        assert by_name["citizen"].organization_id is None
        auditor_org = demo_session.get(Organization, by_name["auditor"].organization_id)
        assert auditor_org is not None
        assert auditor_org.name == "济宁市审计局"

    def test_the_demo_citizen_sees_the_demo_lookups_on_his_record(
        self, loaded: Loaded, demo_session: Session
    ) -> None:
        from smartcity.core.pagination import PageParams
        from smartcity.domains.identity import service as identity_service
        from smartcity.domains.privacy import demo as privacy_demo
        from smartcity.domains.privacy import service as privacy_service

        user = identity_service.find_user_by_username(demo_session, privacy_demo.CITIZEN)
        assert user is not None
        actor = identity_service.actor_for_user(user)
        held = privacy_service.my_records(demo_session, actor=actor)
        calls = privacy_service.my_calls(demo_session, actor=actor, page=PageParams())
        assert held.records[0].values[0].value == demo.demo_subject_key()
        assert sorted(c.case_reference for c in calls.items) == sorted(
            r for r, _ in privacy_demo.LOOKUPS
        )
        assert {c.organization_name for c in calls.items} == {"济宁市市场监督管理局"}
        assert any(a.note for a in loaded.second if a.username == privacy_demo.CITIZEN)

    def test_the_demo_correction_waits_in_the_population_source_queue_disputed(
        self, loaded: Loaded, demo_session: Session
    ) -> None:
        from smartcity.domains.base_data.models import BaseField, BaseTable
        from smartcity.domains.privacy import demo as privacy_demo
        from smartcity.domains.privacy import service_requests
        from smartcity.domains.privacy.enums import DataRequestState

        rows = demo_session.scalars(select(DataRequest)).all()
        assert [(r.field_name, r.state) for r in rows] == [
            (privacy_demo.CORRECTION[0], DataRequestState.submitted)
        ]
        population = demo_session.scalars(
            select(BaseTable).where(BaseTable.table_name == rows[0].table_name)
        ).one()
        assert population.base_database == "population"
        source = demo_session.scalars(
            select(BaseField.source_organization_id).where(
                BaseField.table_id == population.id, BaseField.name == rows[0].field_name
            )
        ).one()
        assert rows[0].source_organization_id == source
        assert service_requests.disputed_values(
            demo_session, rows[0].table_name, [demo.demo_subject_key()]
        ) == {(demo.demo_subject_key(), privacy_demo.CORRECTION[0])}

    def test_the_once_only_report_lists_violations_and_the_citizen_case_once(
        self, loaded: Loaded, demo_session: Session
    ) -> None:
        from smartcity.core.pagination import PageParams
        from smartcity.core.security import SYSTEM
        from smartcity.domains.onceonly import demo as onceonly_demo
        from smartcity.domains.onceonly import service as onceonly_service
        from smartcity.domains.onceonly.enums import Availability

        report = onceonly_service.once_only_report(demo_session, actor=SYSTEM)
        assert report.totals.forms == len(onceonly_demo.FORMS)
        assert report.totals.asked_again > 0
        assert report.totals.rate is not None
        assert 0 < report.totals.rate < 1
        granted = {
            (v.form_name, v.label)
            for v in report.violations
            if v.availability is Availability.granted
        }
        assert ("企业开办", "法定代表人公民身份号码") in granted
        user = identity_service.find_user_by_username(demo_session, onceonly_demo.CITIZEN)
        assert user is not None
        cases = onceonly_service.my_cases(
            demo_session, actor=identity_service.actor_for_user(user), page=PageParams()
        )
        assert [(c.form_name, c.field_label) for c in cases.items] == [
            ("公共租赁住房申请", onceonly_demo.CASE[1])
        ]
        assert cases.items[0].finding is not None
        assert cases.items[0].finding.is_violation

    @pytest.mark.parametrize("username", [u.username for u in DEMO_USERS])
    def test_each_account_can_log_in(
        self, loaded: Loaded, demo_session: Session, username: str
    ) -> None:
        (account,) = [a for a in loaded.second if a.username == username]
        outcome = identity_service.login(
            demo_session,
            username=username,
            password=account.password,
            ip="127.0.0.1",
            user_agent="pytest",
            settings=AuthSettings(),
        )
        assert outcome.ok
        assert outcome.user is not None
        assert outcome.user.roles == [account.role.value]

    def test_generated_passwords_are_strong_and_distinct(self, loaded: Loaded) -> None:
        passwords = [a.password for a in loaded.first]
        assert len(set(passwords)) == len(passwords)
        for account in loaded.first:
            assert password_problems(account.password, username=account.username) == []
            assert len(account.password) >= 16

    def test_a_second_run_resets_the_passwords(self, loaded: Loaded, demo_session: Session) -> None:
        outcome = identity_service.login(
            demo_session,
            username="expert",
            password=loaded.first[3].password,
            ip="127.0.0.1",
            user_agent="pytest",
            settings=AuthSettings(),
        )
        assert loaded.first[3].username == "expert"
        assert not outcome.ok

    def test_a_weak_password_is_refused_before_anything_changes(self, loaded: Loaded) -> None:
        with pytest.raises(WeakPasswordError):
            demo.load(loaded.database, password="short")
        assert _counts(loaded.database) == loaded.counts_after_second


class TestIdempotence:
    def test_running_twice_creates_nothing_new(self, loaded: Loaded) -> None:
        assert loaded.counts_after_second == loaded.counts_after_first
        assert loaded.counts_after_first["users"] == len(Role)

    def test_the_second_run_only_resets_passwords(
        self, demo_session: Session, loaded: Loaded
    ) -> None:
        actions = demo_session.scalars(
            select(AuditEvent.action).where(AuditEvent.seq > loaded.head_after_first)
        ).all()
        assert actions == ["identity.user.password_changed"] * len(DEMO_USERS)

    def test_everything_is_in_a_verifiable_audit_chain(
        self, demo_session: Session, loaded: Loaded
    ) -> None:
        report = audit_service.verify_chain(demo_session, actor=SYSTEM)
        assert report.ok, report.first_break
        assert report.checked > loaded.counts_after_first["organizations"]


class TestSpecs:
    def test_codes_and_credit_codes_are_unique_and_parents_come_first(self) -> None:
        specs = demo.organization_specs()
        assert len({s.code for s in specs}) == len(specs)
        assert len({s.credit_code for s in specs}) == len(specs)
        seen: set[str] = set()
        for spec in specs:
            assert spec.parent_code is None or spec.parent_code in seen, spec.code
            seen.add(spec.code)

    def test_every_duty_is_one_the_regulation_gives(self) -> None:
        for spec in demo.organization_specs():
            for article, named_body in spec.duties:
                assert find_named_duty(article, named_body) is not None, (spec.name, article)


class TestCli:
    def test_demo_load_prints_the_accounts(
        self, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(
            "SMARTCITY_DATABASE__URL", fresh_database_url(tmp_path_factory, "demo_cli")
        )
        monkeypatch.setenv("COLUMNS", "160")  # Rich reads it: keep table cells on one line
        get_settings.cache_clear()
        try:
            runner = CliRunner()
            migrated = runner.invoke(cli_app, ["db", "upgrade"])
            assert migrated.exit_code == 0, migrated.output
            result = runner.invoke(cli_app, ["demo", "load", "--password", PASSWORD])
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        for text in (
            "角色",
            "用户名",
            "密码",
            "所属单位",
            "coordinator",
            "admin.scjg",
            "staff.scjg",
            "expert",
            "auditor",
            "citizen",
            PASSWORD,
            "济宁市大数据局",
            "http://127.0.0.1:8000/",
        ):
            assert text in result.output


class TestBaseData:
    def test_the_six_standard_tables_hold_the_synthetic_slice(self, loaded: Loaded) -> None:
        with loaded.database.read_scope() as session:
            rows = {
                t.table_name: t.row_count
                for t in base_data_service.list_tables(session, actor=SYSTEM)
            }
        assert rows["bd_population"] == base_data_demo.POPULATION_ROWS
        assert rows["bd_legal_entity"] == base_data_demo.ENTITY_ROWS
        assert rows["bd_address"] == base_data_demo.ADDRESS_ROWS
        assert rows["bd_credit_record"] == base_data_demo.CREDIT_ROWS
        assert rows["bd_division"] == 12  # the city and its 11 county-level units
        assert rows["bd_macro_indicator"] > 1_000

    def test_a_person_carries_four_source_departments_and_three_history_entries(
        self, loaded: Loaded
    ) -> None:
        key = synthetic.population_frame(1, seed=base_data_demo.SEED)["公民身份号码"][0]
        with loaded.database.read_scope() as session:
            reader = base_data_service.RecordReader(session, actor=SYSTEM, table="bd_population")
            record = reader.get(key)
            history = reader.history(key)
        sources = {name: value.source_name for name, value in record.values.items()}
        assert sources["姓名"] == "济宁市公安局"
        assert sources["婚姻状况"] == "济宁市民政局"
        assert sources["文化程度"] == "济宁市教育局"
        assert sources["职业"] == "济宁市人力资源和社会保障局"
        assert len({value.load_id for value in record.values.values()}) == 4
        assert [h.organization_name for h in history] == [
            "济宁市人力资源和社会保障局",
            "济宁市教育局",
            "济宁市民政局",
        ]


class TestSharing:
    def test_the_market_department_is_granted_population_data_and_sees_it_masked(
        self, loaded: Loaded
    ) -> None:
        key = synthetic.population_frame(1, seed=base_data_demo.SEED)["公民身份号码"][0]
        with loaded.database.session_scope() as session:
            scjg = registry_service.find_organization_by_code(session, data.municipal_code("SCJG"))
            assert scjg is not None
            staff = Actor(
                kind=ActorKind.user,
                organization_id=scjg.id,
                permissions=permissions_for({Role.org_staff}),
                name="staff.scjg",
                roles=frozenset({Role.org_staff}),
            )
            grants = sharing_service.list_grants(
                session, actor=staff, filters=GrantFilter(), page=PageParams()
            ).items
            states = sorted(
                r.state.value
                for r in sharing_service.list_requests(
                    session, actor=staff, filters=ShareRequestFilter(), page=PageParams()
                ).items
            )
            population = next(g for g in grants if "公民身份号码" in g.items)
            result = sharing_service.lookup(
                session,
                actor=staff,
                grant_id=population.id,
                case_reference="企业开办-演示-0001",
                keys=[key],
            )
        assert states == ["compliance_check", "granted", "partially_granted"]
        (record,) = result.records
        assert record.found
        # Every item here is personal information, not granted in clear (no legal basis
        # was cited): the consumer sees them masked, each with its source department.
        assert all(value.masked for value in record.values.values())
        assert record.values["公民身份号码"].value == f"{key[:6]}********{key[-4:]}"
        assert record.values["姓名"].source_organization == "济宁市公安局"
        assert result.log_seq > 0
