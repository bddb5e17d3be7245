"""The public open data portal pages (Art. 29–31): search with facets, dataset pages with
preview, chart, downloads, API examples and history, providers, and requests to open a
dataset with the coordinator's answers."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.db.engine import Database
from smartcity.core.security import ANONYMOUS, SYSTEM
from smartcity.domains.audit import service as audit_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.opendata import portal_view
from smartcity.domains.opendata import service as opendata_service
from smartcity.domains.opendata.enums import FieldType, OpenAccess, ResourceKind
from smartcity.domains.opendata.models_requests import DataRequest
from smartcity.domains.opendata.schemas import (
    DatasetRead,
    FieldSpec,
    ResourceCreate,
    ResourceRead,
)
from smartcity.domains.opendata.service import data_requests
from tests.factories.identity import actor_of, login, make_user
from tests.factories.opendata import make_dataset
from tests.factories.registry import make_organization

HTML = {"accept": "text/html"}

AIR_FIELDS = [
    FieldSpec(id="day", title="日期", type=FieldType.date),
    FieldSpec(id="district", title="区县", type=FieldType.text),
    FieldSpec(id="aqi", title="空气质量指数", type=FieldType.int),
]
AIR_ROWS: list[list[Any]] = [
    ["2026-11-01", "任城区", 80],
    ["2026-11-01", "兖州区", 60],
    ["2026-11-02", "任城区", 95],
    ["2026-11-03", "任城区", 40],
]


@pytest.fixture
def bus(session: Session) -> DatasetRead:
    provider = make_organization(session, name="济宁市交通运输局")
    return make_dataset(
        session,
        provider=provider,
        title="城市公交线路数据",
        notes="全市公交线路、站点数和线路长度。",
        tags=["公交", "出行"],
    )


@pytest.fixture
def air(session: Session) -> DatasetRead:
    provider = make_organization(session, name="济宁市生态环境局")
    return make_dataset(
        session,
        provider=provider,
        title="空气质量日报数据",
        notes="各区县每日空气质量指数。",
        theme_code="environment",
        theme_name="生态环境",
        tags=["空气质量"],
        update_cycle="daily",
        fields=AIR_FIELDS,
        rows=AIR_ROWS,
    )


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class TestPortalHome:
    def test_a_two_character_chinese_word_finds_the_dataset(
        self, client: TestClient, bus: DatasetRead, air: DatasetRead
    ) -> None:
        response = client.get("/opendata", params={"q": "公交"})

        assert response.status_code == 200
        assert "城市<mark>公交</mark>线路数据" in response.text
        assert "空气质量日报数据" not in response.text
        assert "“公交”共找到 1 个开放数据集" in _text(response.text)
        assert f'href="/opendata/datasets/{bus.name}"' in response.text
        assert "<mark>公交</mark>" in response.text

    def test_facets_have_counts_and_a_filter_narrows_and_can_be_removed(
        self, client: TestClient, bus: DatasetRead, air: DatasetRead
    ) -> None:
        page = client.get("/opendata")
        facets = _text(page.text)
        assert "提供单位" in facets
        assert "主题" in facets
        assert "格式" in facets
        assert "更新周期" in facets
        assert "许可协议" in facets
        assert "标签" in facets
        assert "生态环境 1" in facets
        assert "交通出行 1" in facets

        narrowed = client.get("/opendata", params={"theme": "environment"})
        assert "空气质量日报数据" in narrowed.text
        assert "城市公交线路数据" not in narrowed.text
        chip = re.search(r'<a class="chip" href="([^"]+)"[^>]*>主题：生态环境', narrowed.text)
        assert chip is not None, narrowed.text
        removed = client.get(chip.group(1).replace("&amp;", "&"))
        assert "城市公交线路数据" in removed.text
        assert "空气质量日报数据" in removed.text

    def test_tags_and_provider_filter_combine(
        self, client: TestClient, bus: DatasetRead, air: DatasetRead
    ) -> None:
        response = client.get(
            "/opendata", params={"tags": "公交", "provider": bus.organization_name}
        )
        assert "城市公交线路数据" in response.text
        assert "空气质量日报数据" not in response.text
        none = client.get("/opendata", params={"tags": "公交", "provider": air.organization_name})
        assert "没有符合条件的开放数据" in none.text

    def test_sort_by_name_and_paging_keep_the_filters(
        self, client: TestClient, session: Session
    ) -> None:
        provider = make_organization(session)
        for n in range(12):
            make_dataset(session, provider=provider, title=f"分页测试数据{n:02d}", tags=["分页"])

        first = client.get("/opendata", params={"tags": "分页", "sort": "name"})
        assert "共 12 个开放数据集" in _text(first.text)
        titles = re.findall(r"分页测试数据\d\d", first.text)
        assert titles[:10] == [f"分页测试数据{n:02d}" for n in range(10)]
        assert "page=2" in first.text
        assert "tags=%E5%88%86%E9%A1%B5" in first.text

        second = client.get("/opendata", params={"tags": "分页", "sort": "name", "page": 2})
        assert re.findall(r"<h3><a[^>]*>(分页测试数据\d\d)", second.text) == [
            "分页测试数据10",
            "分页测试数据11",
        ]

    def test_sort_by_downloads_puts_the_most_downloaded_first(
        self, client: TestClient, session: Session, bus: DatasetRead, air: DatasetRead
    ) -> None:
        resource = air.resources[0]
        opendata_service.open_download(session, actor=ANONYMOUS, resource_id=resource.id)

        response = client.get("/opendata", params={"sort": "downloads"})
        assert response.text.index("空气质量日报数据") < response.text.index("城市公交线路数据")
        assert '<strong aria-current="true">下载次数</strong>' in response.text

    def test_htmx_gets_only_the_results(self, client: TestClient, bus: DatasetRead) -> None:
        response = client.get("/opendata", params={"q": "公交"}, headers={"HX-Request": "true"})
        assert response.text.lstrip().startswith(("<div", "{"))
        assert "<html" not in response.text
        assert 'id="portal-results"' in response.text

    def test_drafts_are_not_listed(self, client: TestClient, session: Session) -> None:
        make_dataset(session, title="未发布的草稿数据", publish=False)
        assert "未发布的草稿数据" not in client.get("/opendata").text

    def test_an_overlong_page_number_is_refused_in_chinese(self, client: TestClient) -> None:
        response = client.get("/opendata", params={"page": 0}, headers=HTML)
        assert response.status_code == 422
        assert "page：数值过小" in response.text


class TestDatasetPage:
    def test_shows_metadata_fields_preview_chart_downloads_api_and_history(
        self, client: TestClient, bus: DatasetRead
    ) -> None:
        response = client.get(f"/opendata/datasets/{bus.name}")

        assert response.status_code == 200
        page = response.text
        text = _text(page)
        for label in (
            "提供单位",
            "主题",
            "许可协议",
            "更新周期",
            "创建时间",
            "最近更新",
            "开放类型",
        ):
            assert label in text
        assert "济宁市公共数据开放许可协议" in text
        assert "每月" in text
        assert "无条件开放" in text
        # field descriptions
        assert "线路编号" in text
        assert "站点数" in text
        assert "整数" in text
        # the preview table: first rows
        assert "1路 火车站—太白楼" in page
        assert "夜1路 火车站—万达广场" in page
        assert "第 1 / 1 页" in text
        # the chart: a line of 站点数 over 开通日期 (the first date field, the first numeric)
        assert '<figure class="chart" data-kind="line">' in page
        assert page.count('<circle class="dot"') == 4
        assert "站点数（按开通日期）" in text
        # downloads through the open data API
        resource = bus.resources[0]
        for fmt in ("csv", "xlsx", "json"):
            assert f"/api/v1/opendata/resources/{resource.id}/download?format={fmt}" in page
        assert "带 BOM" in text
        # API examples with this server's URLs
        assert f"http://testserver/api/3/action/package_show?id={bus.name}" in page
        assert "RemoteCKAN(&#39;http://testserver&#39;)" in page
        assert f"resource_id=&#39;{resource.id}&#39;" in page
        assert "datastore_search" in page
        # history and usage
        assert "发布到开放数据门户" in text
        assert "新增资源" in text
        assert 'data-usage="view">1<' in page

    def test_the_api_examples_work_against_this_server(
        self, client: TestClient, bus: DatasetRead
    ) -> None:
        page = html.unescape(client.get(f"/opendata/datasets/{bus.name}").text)
        show = re.search(r"curl '?http://testserver(/api/3/action/package_show\?id=[\w-]+)", page)
        assert show is not None
        shown = client.get(show.group(1)).json()
        assert shown["success"] is True
        assert shown["result"]["title"] == "城市公交线路数据"
        body = re.search(r"-d '(\{.*?\})'", page)
        assert body is not None
        found = client.post("/api/3/action/datastore_search", json=json.loads(body.group(1)))
        assert found.json()["success"] is True
        assert len(found.json()["result"]["records"]) == 4

    def test_the_page_head_describes_the_dataset_as_schema_org_json_ld(
        self, client: TestClient, bus: DatasetRead
    ) -> None:
        page = client.get(f"/opendata/datasets/{bus.name}").text
        found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        assert found is not None
        data = json.loads(found.group(1))
        assert data["@type"] == "Dataset"
        assert data["name"] == "城市公交线路数据"
        assert data["creator"]["name"] == "济宁市交通运输局"
        assert data["keywords"] == ["公交", "出行"]
        formats = sorted(d["encodingFormat"] for d in data["distribution"])
        assert formats == ["csv", "json", "xlsx"]
        assert data["url"] == f"http://testserver/opendata/datasets/{bus.name}"

    def test_a_view_is_counted_but_the_preview_is_not_an_api_call(
        self, client: TestClient, session: Session, bus: DatasetRead
    ) -> None:
        client.get(f"/opendata/datasets/{bus.name}")
        client.get(f"/opendata/datasets/{bus.name}")

        seen = opendata_service.get_dataset(session, actor=ANONYMOUS, id_or_name=bus.name)
        assert seen.view_count == 2
        assert seen.api_count == 0

    def test_a_time_field_draws_a_line_and_the_user_can_choose_columns(
        self, client: TestClient, air: DatasetRead
    ) -> None:
        page = client.get(f"/opendata/datasets/{air.name}").text
        assert '<figure class="chart" data-kind="line">' in page
        assert "空气质量指数（按日期）" in _text(page)
        # sums per day: 140, 95, 40
        data = re.findall(r'<td>(2026-11-0\d)</td><td class="num">([\d,]+)</td>', page)
        assert data == [("2026-11-01", "140"), ("2026-11-02", "95"), ("2026-11-03", "40")]

        resource = air.resources[0]
        chart = client.get(
            f"/opendata/datasets/{air.name}/resources/{resource.id}/chart",
            params={"x": "district", "y": "__count__"},
            headers={"HX-Request": "true"},
        )
        assert chart.status_code == 200
        assert "<html" not in chart.text
        assert '<figure class="chart" data-kind="bar">' in chart.text
        assert re.findall(r'<td>(\S+区)</td><td class="num">(\d+)</td>', chart.text) == [
            ("任城区", "3"),
            ("兖州区", "1"),
        ]

    def test_an_unknown_chart_column_falls_back_to_the_default(
        self, client: TestClient, air: DatasetRead
    ) -> None:
        resource = air.resources[0]
        response = client.get(
            f"/opendata/datasets/{air.name}",
            params={"r": str(resource.id), "x": "no-such", "y": "district"},
        )
        assert response.status_code == 200
        assert "空气质量指数（按日期）" in _text(response.text)

    def test_without_htmx_the_chart_link_leads_to_the_dataset_page(
        self, client: TestClient, air: DatasetRead
    ) -> None:
        resource = air.resources[0]
        response = client.get(
            f"/opendata/datasets/{air.name}/resources/{resource.id}/chart",
            params={"x": "district", "y": "aqi"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"].startswith(f"/opendata/datasets/{air.name}?r=")
        page = client.get(response.headers["location"])
        assert "空气质量指数（按区县）" in _text(page.text)

    def test_the_preview_pages_through_the_rows(self, client: TestClient, session: Session) -> None:
        rows = [[str(n), f"{n}路", n, float(n), "2020-01-01", False] for n in range(1, 26)]
        dataset = make_dataset(session, title="很多线路", rows=rows)
        resource = dataset.resources[0]

        first = client.get(f"/opendata/datasets/{dataset.name}").text
        assert "第 1 / 3 页" in _text(first)
        second = client.get(
            f"/opendata/datasets/{dataset.name}/resources/{resource.id}/preview",
            params={"pp": 2},
            headers={"HX-Request": "true"},
        )
        assert second.status_code == 200
        assert "<html" not in second.text
        cells = re.findall(r"<td>(\d+)路</td>", second.text)
        assert cells == [str(n) for n in range(11, 21)]
        assert "第 2 / 3 页" in _text(second.text)

    def test_a_file_resource_has_no_preview_chart_or_download(
        self, client: TestClient, session: Session, bus: DatasetRead
    ) -> None:
        opendata_service.add_resource(
            session,
            actor=SYSTEM,
            dataset_id=bus.id,
            data=ResourceCreate(name="线路图说明", format="PDF", kind=ResourceKind.file),
        )
        page = client.get(f"/opendata/datasets/{bus.name}").text
        file_block = page[page.index("线路图说明") :]

        assert "文件" in _text(file_block)
        assert "/download?format=" not in file_block
        assert "preview-box" not in file_block
        assert "chart-box" not in file_block
        assert "新增资源“线路图说明”" in _text(page)
        body = page[page.index("<body") :]
        assert body.count("/download?format=csv") == 1

    def test_a_field_id_the_sort_cannot_quote_leaves_the_page_without_a_chart(
        self, client: TestClient, session: Session
    ) -> None:
        fields = [
            FieldSpec(id='统计"日期', title="日期", type=FieldType.date),
            FieldSpec(id="value", title="数值", type=FieldType.int),
        ]
        dataset = make_dataset(session, fields=fields, rows=[["2026-01-01", 3]])

        response = client.get(f"/opendata/datasets/{dataset.name}")

        assert response.status_code == 200
        assert "该字段无法用于绘制图表" in response.text
        assert "2026-01-01" in response.text  # the preview still shows the rows

    def test_an_unknown_dataset_is_a_chinese_404_page(self, client: TestClient) -> None:
        response = client.get("/opendata/datasets/no-such-dataset", headers=HTML)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "开放数据集不存在" in response.text

    def test_a_draft_is_not_shown_to_the_public(self, client: TestClient, session: Session) -> None:
        draft = make_dataset(session, title="草稿数据集", publish=False)
        response = client.get(f"/opendata/datasets/{draft.name}", headers=HTML)
        assert response.status_code == 404
        assert "草稿数据集" not in response.text

    def test_an_unknown_resource_of_a_dataset_is_a_404(
        self, client: TestClient, bus: DatasetRead, air: DatasetRead
    ) -> None:
        other = air.resources[0].id
        response = client.get(
            f"/opendata/datasets/{bus.name}/resources/{other}/preview", headers=HTML
        )
        assert response.status_code == 404
        assert "开放数据资源不存在" in response.text


class TestConditionalDataset:
    @pytest.fixture
    def conditional(self, session: Session) -> DatasetRead:
        return make_dataset(
            session,
            title="企业用电量数据",
            access=OpenAccess.conditional,
            access_terms="仅用于研究，不得转售。",
        )

    def test_anonymous_sees_the_terms_and_a_login_link_but_no_rows(
        self, client: TestClient, conditional: DatasetRead
    ) -> None:
        page = client.get(f"/opendata/datasets/{conditional.name}").text
        text = _text(page)
        assert "有条件开放" in text
        assert "仅用于研究，不得转售。" in text
        assert "注册用户登录并接受下列使用条件后" in text
        assert f"/login?next=%2Fopendata%2Fdatasets%2F{conditional.name}" in page
        assert "1路 火车站—太白楼" not in page
        assert "登录并接受使用条件后可预览" in text
        assert "登录并接受使用条件后可查看图表" in text
        assert 'class="chart-form"' not in page
        assert "/download?format=csv" not in page
        assert "线路编号" in text  # the field descriptions stay public

    def test_a_signed_in_user_accepts_the_terms_and_then_sees_the_rows(
        self,
        client: TestClient,
        session: Session,
        settings: Settings,
        conditional: DatasetRead,
    ) -> None:
        user = make_user(session, organization=None, roles=[Role.citizen])
        login(client, session, user, settings)
        before = client.get(f"/opendata/datasets/{conditional.name}").text
        assert "我已阅读并接受使用条件" in before
        assert "1路 火车站—太白楼" not in before
        resource = conditional.resources[0].id
        refused = client.get(f"/api/v1/opendata/resources/{resource}/download?format=csv")
        assert refused.status_code == 403

        response = client.post(
            f"/opendata/datasets/{conditional.name}/accept-terms",
            data={"purpose": "交通研究"},
            follow_redirects=False,
        )
        assert response.status_code == 303

        after = client.get(f"/opendata/datasets/{conditional.name}").text
        assert "您已接受使用条件" in after
        assert "1路 火车站—太白楼" in after
        link = re.search(r'href="(/api/v1/opendata/resources/[^"]+format=csv)"', after)
        assert link is not None
        # The rows stream from a read session of their own, which cannot see this test's
        # uncommitted data (the browser test reads the file); here: the door is open now.
        assert client.get(html.unescape(link.group(1))).status_code == 200
        assert "opendata.terms.accepted" in audit_service.actions_for(
            session, subject_id=conditional.id
        )

    def test_an_overlong_purpose_is_refused_and_nothing_is_accepted(
        self,
        client: TestClient,
        session: Session,
        settings: Settings,
        conditional: DatasetRead,
    ) -> None:
        user = make_user(session, organization=None, roles=[Role.citizen])
        login(client, session, user, settings)
        response = client.post(
            f"/opendata/datasets/{conditional.name}/accept-terms", data={"purpose": "长" * 2001}
        )
        assert response.status_code == 422
        assert "用途最多 2000 个字符" in response.text
        assert not opendata_service.has_accepted_terms(
            session, actor=actor_of(user), dataset_id=conditional.id
        )

    def test_anonymous_accepting_is_sent_to_the_login(
        self, client: TestClient, conditional: DatasetRead
    ) -> None:
        response = client.post(
            f"/opendata/datasets/{conditional.name}/accept-terms", follow_redirects=False
        )
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


class TestOrganizations:
    def test_lists_providers_with_counts_and_one_providers_datasets(
        self, client: TestClient, session: Session, bus: DatasetRead, air: DatasetRead
    ) -> None:
        provider = make_organization(session, name="济宁市统计局")
        make_dataset(session, provider=provider, title="统计年鉴一")
        make_dataset(session, provider=provider, title="统计年鉴二")

        listing = client.get("/opendata/organizations")
        assert listing.status_code == 200
        text = _text(listing.text)
        assert "济宁市统计局" in text
        assert "济宁市交通运输局" in text
        assert 'data-count="2"' in listing.text

        name = next(
            o.name
            for o in opendata_service.list_organizations(session)
            if o.title == "济宁市统计局"
        )
        one = client.get(f"/opendata/organizations/{name}")
        assert one.status_code == 200
        assert "统计年鉴一" in one.text
        assert "统计年鉴二" in one.text
        assert "城市公交线路数据" not in one.text
        assert "开放 2 个数据集" in _text(one.text)

    def test_an_unknown_provider_is_a_chinese_404(self, client: TestClient) -> None:
        response = client.get("/opendata/organizations/nobody", headers=HTML)
        assert response.status_code == 404
        assert "数据提供单位不存在" in response.text


def _count_requests(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(DataRequest)) or 0)


class TestRequestForm:
    def test_anyone_files_a_request_and_gets_a_number(
        self, client: TestClient, session: Session
    ) -> None:
        form = client.get("/opendata/requests/new")
        assert form.status_code == 200
        assert "数据开放申请" in form.text

        response = client.post(
            "/opendata/requests",
            data={
                "title": "公交实时到站数据",
                "description": "希望开放各线路车辆的实时到站时间，按分钟更新。",
                "contact": "13800000000",
            },
        )

        assert response.status_code == 200
        number = re.search(r"KF-\d{4}-\d{6}", response.text)
        assert number is not None
        stored = session.scalars(select(DataRequest)).one()
        assert stored.number == number.group()
        assert stored.state.value == "new"
        assert stored.contact == "13800000000"
        assert stored.source_digest
        assert "testclient" not in stored.source_digest
        assert audit_service.actions_for(session, subject_id=stored.id) == [
            "opendata.data_request.submitted"
        ]

    @pytest.mark.parametrize(
        ("data", "field", "message"),
        [
            ({"title": "", "description": "需要公交数据的详细说明"}, "title", "至少 2 个字符"),
            ({"title": "公交", "description": ""}, "description", "至少 5 个字符"),
            ({"title": "公交", "description": "短"}, "description", "至少 5 个字符"),
            ({"title": "公交", "description": "长" * 2001}, "description", "最多 2000 个字符"),
            (
                {"title": "公" * 101, "description": "需要公交数据的详细说明"},
                "title",
                "最多 100 个字符",
            ),
            (
                {"title": "公交", "description": "需要公交数据", "contact": "1" * 101},
                "contact",
                "最多 100 个字符",
            ),
        ],
    )
    def test_bad_input_is_refused_in_chinese_and_nothing_is_stored(
        self, client: TestClient, session: Session, data: dict[str, str], field: str, message: str
    ) -> None:
        response = client.post("/opendata/requests", data=data)

        assert response.status_code == 422
        assert f'id="{field}-error">{message}' in response.text
        assert _count_requests(session) == 0

    def test_an_oversized_body_is_refused_unread(
        self, client: TestClient, session: Session
    ) -> None:
        response = client.post(
            "/opendata/requests",
            data={"title": "公交", "description": "x" * 40_000},
            headers=HTML,
        )
        assert response.status_code == 413
        assert "提交的内容过大" in response.text
        assert _count_requests(session) == 0

    def test_a_sixth_request_from_one_source_within_an_hour_is_refused(
        self, client: TestClient, session: Session
    ) -> None:
        data = {"title": "公交数据", "description": "需要公交数据的详细说明"}
        for _ in range(data_requests.RATE_LIMIT):
            assert client.post("/opendata/requests", data=data).status_code == 200

        response = client.post("/opendata/requests", data=data)

        assert response.status_code == 429
        assert "每小时最多提交 5 条" in response.text
        assert _count_requests(session) == data_requests.RATE_LIMIT


class TestRequestQueue:
    @pytest.fixture
    def filed(self, client: TestClient, session: Session) -> DataRequest:
        client.post(
            "/opendata/requests",
            data={"title": "停车场空位数据", "description": "希望开放公共停车场的实时空位数量。"},
        )
        client.cookies.clear()
        return session.scalars(select(DataRequest)).one()

    def _coordinator(self, client: TestClient, session: Session, settings: Settings) -> None:
        organization = make_organization(session, coordinator=True)
        user = make_user(session, organization=organization, roles=[Role.coordinator])
        login(client, session, user, settings)

    def test_the_coordinator_sees_and_answers_a_request(
        self, client: TestClient, session: Session, settings: Settings, filed: DataRequest
    ) -> None:
        self._coordinator(client, session, settings)
        listing = client.get("/opendata/requests")
        assert listing.status_code == 200
        assert "停车场空位数据" in listing.text
        assert "待答复" in listing.text

        response = client.post(
            f"/opendata/requests/{filed.id}/answer",
            data={"decision": "answered", "reply": "已列入 2027 年第一季度开放计划。"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        session.refresh(filed)
        assert filed.state.value == "answered"
        assert filed.reply == "已列入 2027 年第一季度开放计划。"
        assert "opendata.data_request.answered" in audit_service.actions_for(
            session, subject_id=filed.id
        )
        after = client.get("/opendata/requests", params={"state": "answered"}).text
        assert "已列入 2027 年第一季度开放计划。" in after

    def test_a_decline_needs_a_reason_and_an_answer_is_final(
        self, client: TestClient, session: Session, settings: Settings, filed: DataRequest
    ) -> None:
        self._coordinator(client, session, settings)
        missing = client.post(
            f"/opendata/requests/{filed.id}/answer", data={"decision": "declined", "reply": ""}
        )
        assert missing.status_code == 422
        assert 'id="reply-error">至少 2 个字符' in missing.text
        no_choice = client.post(f"/opendata/requests/{filed.id}/answer", data={"reply": "好的"})
        assert no_choice.status_code == 422
        assert "请选择答复或不予开放" in no_choice.text
        session.refresh(filed)
        assert filed.state.value == "new"

        declined = client.post(
            f"/opendata/requests/{filed.id}/answer",
            data={"decision": "declined", "reply": "涉及个人位置信息，不予开放。"},
            follow_redirects=False,
        )
        assert declined.status_code == 303
        again = client.post(
            f"/opendata/requests/{filed.id}/answer",
            data={"decision": "answered", "reply": "改为开放"},
        )
        assert again.status_code == 409
        assert "已经答复" in again.text
        session.refresh(filed)
        assert filed.state.value == "declined"
        assert filed.reply == "涉及个人位置信息，不予开放。"

    def test_the_public_and_departments_cannot_see_the_queue(
        self, client: TestClient, session: Session, settings: Settings, filed: DataRequest
    ) -> None:
        anonymous = client.get("/opendata/requests", headers=HTML, follow_redirects=False)
        assert anonymous.status_code in {303, 401}
        user = make_user(session, organization=make_organization(session))
        login(client, session, user, settings)
        staff = client.get("/opendata/requests", headers=HTML)
        assert staff.status_code == 403
        assert "停车场空位数据" not in staff.text
        answer = client.post(
            f"/opendata/requests/{filed.id}/answer",
            data={"decision": "answered", "reply": "好的"},
            headers=HTML,
        )
        assert answer.status_code == 403
        session.refresh(filed)
        assert filed.state.value == "new"


class TestNavigation:
    def test_the_home_page_and_the_navigation_link_to_the_portal(self, client: TestClient) -> None:
        home = client.get("/")
        assert 'href="/opendata"' in home.text


def _resource(fields: list[FieldSpec]) -> ResourceRead:
    now = datetime.now(UTC)
    return ResourceRead(
        id=uuid4(),
        dataset_id=uuid4(),
        position=0,
        name="表",
        description="",
        format="CSV",
        kind=ResourceKind.table,
        fields=fields,
        row_count=0,
        datastore_active=True,
        release_id=None,
        last_modified=now,
        created_at=now,
    )


class TestChartDrawing:
    """The chart is computed here and drawn by the template: the numbers must be right."""

    def test_negative_values_get_a_zero_line_inside_the_axis(self) -> None:
        fields = [
            FieldSpec(id="county", title="县", type=FieldType.text),
            FieldSpec(id="change", title="增减", type=FieldType.numeric),
        ]
        choice = portal_view.chart_choice(_resource(fields), "", "")
        records = [{"county": "甲", "change": -5.0}, {"county": "乙", "change": 10.0}]

        chart = portal_view.draw_chart(choice, records, limit=500, total=2)

        assert chart.kind == "bar"
        assert [label for _, label in chart.ticks] == ["-5", "0", "5", "10"]
        zero = next(y for y, label in chart.ticks if label == "0")
        negative, positive = chart.bars
        assert negative.y == zero  # a negative bar hangs below the zero line
        assert positive.y + positive.height == zero
        assert positive.height == pytest.approx(2 * negative.height, abs=0.2)

    def test_more_than_twenty_categories_keep_the_largest_and_say_so(self) -> None:
        fields = [
            FieldSpec(id="shop", title="网点", type=FieldType.text),
            FieldSpec(id="n", title="数量", type=FieldType.int),
        ]
        choice = portal_view.chart_choice(_resource(fields), "", "")
        records = [{"shop": f"网点{i:02d}", "n": i} for i in range(30)]

        chart = portal_view.draw_chart(choice, records, limit=500, total=600)

        assert len(chart.bars) == portal_view.MAX_BARS
        assert chart.data[0] == ("网点29", "29")
        assert "只显示数值最大的 20 类" in chart.note
        assert "按前 500 行（共 600 行）绘制" in chart.note

    def test_all_zero_values_and_a_single_day_still_draw(self) -> None:
        choice = portal_view.chart_choice(_resource(AIR_FIELDS), "", "")
        chart = portal_view.draw_chart(
            choice, [{"day": "2026-11-01", "aqi": 0}], limit=500, total=1
        )
        assert chart.kind == "line"
        assert len(chart.dots) == 1
        assert [label for _, label in chart.ticks] == ["0", "1"]

    def test_defaults_skip_identifiers_and_draw_a_year_as_time(self) -> None:
        fields = [
            FieldSpec(id="code", title="行政区划代码", type=FieldType.text),
            FieldSpec(id="county", title="行政区划名称", type=FieldType.text),
            FieldSpec(id="year", title="统计年度", type=FieldType.int),
            FieldSpec(id="people", title="常住人口数", type=FieldType.int),
        ]
        by_year = portal_view.chart_choice(_resource(fields), "", "")
        assert (by_year.x, by_year.y, by_year.temporal) == ("year", "people", True)

        by_county = portal_view.chart_choice(_resource(fields[:2] + fields[3:]), "", "")
        assert (by_county.x, by_county.y, by_county.temporal) == ("county", "people", False)

        only_codes = [
            FieldSpec(id="credit", title="统一社会信用代码", type=FieldType.text),
            FieldSpec(id="serial", title="序号", type=FieldType.int),
        ]
        counted = portal_view.chart_choice(_resource(only_codes), "", "")
        assert (counted.x, counted.y) == ("credit", portal_view.COUNT)

        latin = [
            FieldSpec(id="station_id", type=FieldType.int),
            FieldSpec(id="district", type=FieldType.text),
            FieldSpec(id="humidity", type=FieldType.numeric),
        ]
        weather = portal_view.chart_choice(_resource(latin), "", "")
        assert (weather.x, weather.y) == ("district", "humidity")

    def test_a_resource_without_category_fields_explains_why_there_is_no_chart(self) -> None:
        fields = [FieldSpec(id="v", title="数值", type=FieldType.numeric)]
        choice = portal_view.chart_choice(_resource(fields), "", "")
        assert choice.message == "该资源没有可作为分类或时间的字段。"


class TestQueryCounts:
    def test_the_search_page_costs_the_same_queries_for_3_or_13_hits(
        self, client: TestClient, session: Session, database: Database
    ) -> None:
        provider = make_organization(session)
        for n in range(3):
            make_dataset(session, provider=provider, title=f"计数测试{n}", tags=["计数"])
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(str(args[2]))

        event.listen(database.engine, "before_cursor_execute", count)
        try:
            client.get("/opendata", params={"tags": "计数"})
            few = len(statements)
            for n in range(10):
                make_dataset(
                    session, provider=make_organization(session), title=f"计数{n}", tags=["计数"]
                )
            statements.clear()
            page = client.get("/opendata", params={"tags": "计数"})
            many = len(statements)
        finally:
            event.remove(database.engine, "before_cursor_execute", count)

        assert "共 13 个开放数据集" in _text(page.text)
        assert many == few
        assert many <= 20


class TestCoordinatorHome:
    def test_the_coordinators_home_links_to_the_request_queue(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session, coordinator=True)
        login(
            client,
            session,
            make_user(session, organization=organization, roles=[Role.coordinator]),
            settings,
        )
        home = client.get("/").text
        assert 'href="/opendata/requests"' in home
        assert "数据开放申请处理" in home
