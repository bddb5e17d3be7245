"""Open datasets: publication, Chinese search with facets, visibility, the datastore."""

from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.security import ANONYMOUS, SYSTEM
from smartcity.domains.audit.models import AuditEvent
from smartcity.domains.identity.permissions import Role
from smartcity.domains.opendata import service as opendata_service
from smartcity.domains.opendata.enums import DatasetState, OpenAccess, UsageChannel
from smartcity.domains.opendata.errors import (
    DatasetNotFoundError,
    InvalidDatasetError,
    InvalidQueryError,
    ResourceNotFoundError,
    TermsNotAcceptedError,
)
from smartcity.domains.opendata.schemas import (
    DatasetCreate,
    DatasetSearch,
    DatastoreQuery,
    DatastoreResult,
)
from tests.factories.catalog import citizen, staff_of
from tests.factories.opendata import BUS_ROWS, make_dataset
from tests.factories.registry import make_organization


def _search(session: Session, **values: object) -> list[str]:
    result = opendata_service.search_datasets(
        session, actor=ANONYMOUS, query=DatasetSearch.model_validate({"rows": 100, **values})
    )
    return [d.title for d in result.results]


class TestSearchDatasets:
    def test_a_two_character_word_finds_the_title_that_contains_it(self, session: Session) -> None:
        make_dataset(session, title="城市公交线路数据")
        make_dataset(session, title="空气质量小时数据")

        assert _search(session, q="公交") == ["城市公交线路数据"]
        assert _search(session, q="空气质量") == ["空气质量小时数据"]
        assert "城市公交线路数据" not in _search(session, q="公交 空气")

    def test_a_field_title_and_a_tag_find_the_dataset_below_a_title_hit(
        self, session: Session
    ) -> None:
        by_field = make_dataset(session, title="线网基础信息")  # 线路名称 is a field title
        by_title = make_dataset(session, title="公交线路客流统计")

        titles = _search(session, q="线路")

        assert titles.index(by_title.title) < titles.index(by_field.title)

    def test_drafts_and_withdrawn_datasets_are_not_found(self, session: Session) -> None:
        make_dataset(session, title="草稿公交数据", publish=False)
        withdrawn = make_dataset(session, title="撤回公交数据")
        opendata_service.withdraw_dataset(
            session, actor=SYSTEM, dataset_id=withdrawn.id, reason="数据有误"
        )

        assert _search(session, q="公交数据") == []

    def test_filters_combine_and_facets_count_every_hit(self, session: Session) -> None:
        provider = make_organization(session, name="济宁市交通运输局")
        make_dataset(session, title="济宁公交站点", provider=provider, tags=["公交", "站点"])
        make_dataset(
            session,
            title="济宁公交客流",
            provider=provider,
            tags=["公交"],
            update_cycle="daily",
            resource_format="JSON",
        )
        make_dataset(session, title="济宁公交票价", tags=["票价"])

        result = opendata_service.search_datasets(
            session, actor=ANONYMOUS, query=DatasetSearch(q="济宁公交", rows=10)
        )
        assert result.count == 3
        organizations = {f.display_name: f.count for f in result.facets["organization"]}
        assert organizations["济宁市交通运输局"] == 2
        assert {f.name: f.count for f in result.facets["res_format"]} == {"CSV": 2, "JSON": 1}
        assert {f.name: f.count for f in result.facets["tags"]}["公交"] == 2

        code = next(f.name for f in result.facets["organization"] if f.count == 2)
        assert sorted(_search(session, q="济宁公交", provider=[code])) == [
            "济宁公交客流",
            "济宁公交站点",
        ]
        assert _search(session, q="济宁公交", provider=[code], update_cycle=["daily"]) == [
            "济宁公交客流"
        ]
        assert _search(session, q="济宁", tags=["公交", "站点"]) == ["济宁公交站点"]
        assert _search(session, q="济宁", format=["json"]) == ["济宁公交客流"]

    def test_the_whole_catalog_facets_count_published_datasets_only_as_a_search_does(
        self, session: Session
    ) -> None:
        # No words and no filters: the total and facets come from the facet indexes,
        # not from a set of hits; they must be what a search over the same datasets counts.
        provider = make_organization(session, name="济宁市生态环境局")
        make_dataset(session, title="全库一", provider=provider, tags=["环境", "水"])
        make_dataset(
            session, title="全库二", provider=provider, tags=["环境"], resource_format="JSON"
        )
        make_dataset(session, title="全库三", update_cycle="daily", license_id="cc-by-4.0")
        make_dataset(session, title="全库草稿", tags=["草稿"], publish=False)
        withdrawn = make_dataset(session, title="全库撤回", tags=["撤回"], resource_format="XLSX")
        opendata_service.withdraw_dataset(
            session, actor=SYSTEM, dataset_id=withdrawn.id, reason="测试"
        )

        def counts(**values: object) -> tuple[int, dict[str, dict[str, int]]]:
            result = opendata_service.search_datasets(
                session, actor=ANONYMOUS, query=DatasetSearch.model_validate(values)
            )
            facets = {k: {f.name: f.count for f in v} for k, v in result.facets.items()}
            return result.count, facets

        everything = counts()
        total, facets = everything
        assert total == 3
        assert facets["tags"] == {"环境": 2, "水": 1, "测试": 1}
        assert facets["res_format"] == {"CSV": 2, "JSON": 1}
        assert facets["update_cycle"] == {"monthly": 2, "daily": 1}
        assert sum(facets["organization"].values()) == 3
        # The same three datasets as hits of a filter that keeps them all.
        assert counts(access=["open", "conditional"]) == everything

    def test_rows_start_and_sort_page_the_hits(self, session: Session) -> None:
        for name in ["bbb", "aaa", "ccc"]:
            make_dataset(session, title=f"分页测试{name}", name=f"paging-{name}")

        first = _search(session, q="分页测试", sort="name asc", rows=2)
        second = _search(session, q="分页测试", sort="name asc", rows=2, start=2)

        assert first == ["分页测试aaa", "分页测试bbb"]
        assert second == ["分页测试ccc"]

    def test_cached_facets_follow_publication_and_withdrawal(self, session: Session) -> None:
        def facets() -> tuple[int, dict[str, int]]:
            result = opendata_service.search_datasets(
                session, actor=ANONYMOUS, query=DatasetSearch(q="缓存检验")
            )
            return result.count, {f.name: f.count for f in result.facets["tags"]}

        first = make_dataset(session, title="缓存检验一", tags=["甲"])
        assert facets() == (1, {"甲": 1})
        assert facets() == (1, {"甲": 1})  # the cached total and facets
        make_dataset(session, title="缓存检验二", tags=["甲", "乙"])
        assert facets() == (2, {"甲": 2, "乙": 1})
        opendata_service.withdraw_dataset(session, actor=SYSTEM, dataset_id=first.id, reason="测试")
        assert facets() == (1, {"甲": 1, "乙": 1})

    def test_an_unknown_sort_key_is_refused(self, session: Session) -> None:
        with pytest.raises(InvalidQueryError):
            _search(session, sort="password desc")


class TestGetDataset:
    def test_by_id_or_name_with_resources_and_fields(self, session: Session) -> None:
        dataset = make_dataset(session, title="城市公交线路数据", name="bus-lines")

        shown = opendata_service.get_dataset(session, actor=ANONYMOUS, id_or_name="bus-lines")

        assert shown.id == dataset.id
        assert shown.state is DatasetState.published
        assert shown.resources[0].row_count == 4
        assert [f.title for f in shown.resources[0].fields][:2] == ["线路编号", "线路名称"]
        assert shown.formats == ["CSV"]

    def test_a_draft_is_seen_by_its_department_only(self, session: Session) -> None:
        provider = make_organization(session)
        draft = make_dataset(session, provider=provider, publish=False)

        with pytest.raises(DatasetNotFoundError):
            opendata_service.get_dataset(session, actor=ANONYMOUS, id_or_name=draft.id)
        admin = staff_of(session, provider, Role.org_admin)
        assert (
            opendata_service.get_dataset(session, actor=admin, id_or_name=draft.id).id == draft.id
        )

    def test_an_unknown_name_is_not_found(self, session: Session) -> None:
        with pytest.raises(DatasetNotFoundError):
            opendata_service.get_dataset(session, actor=ANONYMOUS, id_or_name="no-such-dataset")


class TestCreateDataset:
    def test_staff_cannot_publish_and_admins_only_for_their_department(
        self, session: Session
    ) -> None:
        provider = make_organization(session)
        data = DatasetCreate(name="mine", title="本单位数据", provider_organization_id=provider.id)

        with pytest.raises(PermissionDeniedError):
            opendata_service.create_dataset(session, actor=staff_of(session, provider), data=data)
        other_admin = staff_of(session, make_organization(session), Role.org_admin)
        with pytest.raises(PermissionDeniedError):
            opendata_service.create_dataset(session, actor=other_admin, data=data)

        admin = staff_of(session, provider, Role.org_admin)
        created = opendata_service.create_dataset(session, actor=admin, data=data)
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject_id == str(created.id))
        ).all()
        assert actions == ["opendata.dataset.created"]

    def test_a_taken_name_and_an_unknown_licence_are_refused(self, session: Session) -> None:
        existing = make_dataset(session)
        provider = make_organization(session)

        with pytest.raises(InvalidDatasetError):
            opendata_service.create_dataset(
                session,
                actor=SYSTEM,
                data=DatasetCreate(
                    name=existing.name, title="重名", provider_organization_id=provider.id
                ),
            )
        with pytest.raises(InvalidDatasetError):
            opendata_service.create_dataset(
                session,
                actor=SYSTEM,
                data=DatasetCreate(
                    name="new-one",
                    title="许可",
                    provider_organization_id=provider.id,
                    license_id="proprietary",
                ),
            )


class TestLists:
    def test_names_organizations_themes_and_tags_of_published_datasets(
        self, session: Session
    ) -> None:
        provider = make_organization(session, name="济宁市生态环境局")
        make_dataset(session, name="list-a", provider=provider, tags=["空气"], theme_code="env")
        make_dataset(session, name="list-b", provider=provider, tags=["水质"], theme_code="env")
        make_dataset(session, name="list-c", provider=provider, publish=False)

        names = opendata_service.list_dataset_names(session)
        assert {"list-a", "list-b"} <= set(names)
        assert "list-c" not in names
        organization = next(
            o for o in opendata_service.list_organizations(session) if o.title == "济宁市生态环境局"
        )
        assert organization.package_count == 2
        assert opendata_service.get_organization(session, organization.name).id == provider.id
        assert {"空气", "水质"} <= set(opendata_service.list_tags(session))
        assert any(t.name == "env" for t in opendata_service.list_themes(session))


class TestDatastoreSearch:
    def _resource_id(self, session: Session) -> str:
        dataset = make_dataset(session, title="城市公交线路数据")
        return str(dataset.resources[0].id)

    def test_filters_q_fields_sort_limit_offset_and_total(self, session: Session) -> None:
        resource_id = self._resource_id(session)

        def query(**values: object) -> DatastoreResult:
            return opendata_service.datastore_search(
                session,
                actor=ANONYMOUS,
                resource_id=resource_id,
                query=DatastoreQuery.model_validate(values),
            )

        everything = query()
        assert everything.total == 4
        assert everything.records[0] == {
            "_id": 1,
            "line_no": "1",
            "line_name": "1路 火车站—太白楼",
            "stops": 24,
            "length_km": 15.2,
            "opened_on": "2001-05-01",
            "night": False,
        }
        assert [r["line_no"] for r in query(filters={"night": True}).records] == ["N1"]
        assert [r["line_no"] for r in query(filters={"line_no": ["1", "2"]}).records] == ["1", "2"]
        assert [r["line_no"] for r in query(q="火车站").records] == ["1", "N1"]
        page = query(sort="stops desc", limit=2, offset=1, fields=["line_no", "stops"])
        assert page.records == [{"line_no": "1", "stops": 24}, {"line_no": "N1", "stops": 18}]
        assert page.total == 4
        assert query(q="火车站", include_total=True).total == 2

    @pytest.mark.parametrize(
        "values",
        [
            {"filters": {"nope": 1}},
            {"filters": {"stops": "many"}},
            {"fields": ["password"]},
            {"sort": "nope desc"},
            {"q": {"stops": "1"}},
        ],
    )
    def test_unknown_fields_and_bad_values_are_refused(
        self, session: Session, values: dict[str, object]
    ) -> None:
        resource_id = self._resource_id(session)

        with pytest.raises(InvalidQueryError):
            opendata_service.datastore_search(
                session,
                actor=ANONYMOUS,
                resource_id=resource_id,
                query=DatastoreQuery.model_validate(values),
            )

    def test_an_unknown_resource_is_not_found(self, session: Session) -> None:
        with pytest.raises(ResourceNotFoundError):
            opendata_service.datastore_search(
                session, actor=ANONYMOUS, resource_id=uuid4(), query=DatastoreQuery()
            )

    def test_each_query_counts_as_one_api_use(self, session: Session) -> None:
        dataset = make_dataset(session)
        resource_id = dataset.resources[0].id
        for _ in range(3):
            opendata_service.datastore_search(
                session, actor=ANONYMOUS, resource_id=resource_id, query=DatastoreQuery()
            )

        shown = opendata_service.get_dataset(session, actor=ANONYMOUS, id_or_name=dataset.id)
        days = opendata_service.usage_by_day(session, actor=ANONYMOUS, id_or_name=dataset.id)
        assert [(d.channel, d.count) for d in days] == [(UsageChannel.api, 3)]
        assert (shown.api_count, shown.download_count) == (3, 0)


class TestRowStreams:
    def test_every_row_comes_once_in_order_whatever_the_batch_size(self, session: Session) -> None:
        # Downloads and the release checks read rows through this stream; on PostgreSQL
        # a streamed SQLAlchemy result once kept the first row in its own buffer.
        dataset = make_dataset(session, title="行流检验")
        source = opendata_service.open_download(
            session, actor=ANONYMOUS, resource_id=dataset.resources[0].id, count=False
        )
        expected = [tuple(row[:4]) for row in BUS_ROWS]

        for size in (1, 3, 1000):
            batches = list(
                opendata_service.iter_rows(session.connection(), source, batch_rows=size)
            )
            rows = [tuple(row[:4]) for batch in batches for row in batch]
            assert [tuple(str(v) for v in r) for r in rows] == [
                tuple(str(v) for v in r) for r in expected
            ]
            assert all(len(batch) <= size for batch in batches)
            nights = [row[5] for batch in batches for row in batch]
            assert nights == [False, False, False, True]


class TestConditionalAccess:
    def test_rows_need_a_registered_user_who_accepted_the_terms(self, session: Session) -> None:
        dataset = make_dataset(
            session, access=OpenAccess.conditional, access_terms="仅用于非商业研究"
        )
        resource_id = dataset.resources[0].id
        user = citizen(session)

        with pytest.raises(AuthenticationRequiredError):
            opendata_service.open_download(session, actor=ANONYMOUS, resource_id=resource_id)
        with pytest.raises(TermsNotAcceptedError):
            opendata_service.open_download(session, actor=user, resource_id=resource_id)

        opendata_service.accept_terms(session, actor=user, id_or_name=dataset.name, purpose="研究")
        source = opendata_service.open_download(session, actor=user, resource_id=resource_id)

        assert source.row_count == 4
        batches = list(opendata_service.iter_rows(session.connection(), source, batch_rows=3))
        assert [len(b) for b in batches] == [3, 1]
        assert batches[1][0][:2] == ("N1", "夜1路 火车站—万达广场")
