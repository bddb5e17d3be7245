"""The CKAN-compatible Action API (Art. 31): CKAN's envelope, statuses and error types,
package_search with Chinese q, fq, facets and paging, the show/list actions and
datastore_search, on both /api/3/action and /api/action, by GET and by POST."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.domains.opendata.models import OpenDataset
from smartcity.domains.opendata.schemas import DatasetRead
from tests.factories.opendata import make_dataset
from tests.factories.registry import make_organization


@dataclass
class Catalog:
    bus: DatasetRead
    air: DatasetRead
    school: DatasetRead
    draft: DatasetRead
    transport_name: str
    environment_name: str


@pytest.fixture
def catalog(session: Session) -> Catalog:
    transport = make_organization(session, name="济宁市交通运输局")
    environment = make_organization(session, name="济宁市生态环境局")
    bus = make_dataset(
        session,
        provider=transport,
        title="城市公交线路数据",
        notes="全市公交线路、站点数与开通日期。",
        tags=["公交", "交通"],
    )
    air = make_dataset(
        session,
        provider=environment,
        title="空气质量小时数据",
        theme_code="environment",
        theme_name="生态环境",
        tags=["空气", "环境"],
        license_id="cc-by-4.0",
        resource_format="JSON",
    )
    school = make_dataset(
        session,
        provider=transport,
        title="校车线路信息",
        tags=["交通"],
        update_cycle="yearly",
    )
    draft = make_dataset(session, provider=transport, title="公交草稿数据", publish=False)
    names = {
        o.id: o.code.lower()
        for o in (transport, environment)  # organization_name is the code as a slug
    }
    return Catalog(bus, air, school, draft, names[transport.id], names[environment.id])


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["success"] is True
    assert body["help"].endswith(
        "/api/3/action/help_show?name=" + response.url.path.rsplit("/")[-1]
    )
    return body["result"]


def refused(response: httpx.Response, *, status: int, type_: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False
    assert "result" not in body
    assert body["error"]["__type"] == type_
    error: dict[str, Any] = body["error"]
    return error


class TestTransport:
    @pytest.mark.parametrize("prefix", ["/api/3/action", "/api/action"])
    def test_both_paths_answer_get_and_post_in_ckans_envelope(
        self, client: TestClient, catalog: Catalog, prefix: str
    ) -> None:
        by_get = ok(client.get(f"{prefix}/package_show", params={"id": catalog.bus.name}))
        by_post = ok(client.post(f"{prefix}/package_show", json={"id": catalog.bus.name}))

        assert by_get["id"] == by_post["id"] == str(catalog.bus.id)

    def test_a_get_with_a_json_content_type_and_no_body_is_read_from_the_query(
        self, client: TestClient, catalog: Catalog
    ) -> None:
        response = client.get(
            "/api/action/package_list", headers={"Content-Type": "application/json"}
        )

        assert catalog.bus.name in ok(response)

    def test_form_fields_and_a_single_form_key_holding_json_are_accepted(
        self, client: TestClient, catalog: Catalog
    ) -> None:
        form = client.post(
            "/api/action/package_show",
            content=f"id={catalog.air.name}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        packed = client.post(
            "/api/action/package_show",
            content=json.dumps({"id": catalog.air.name}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

        assert ok(form)["name"] == ok(packed)["name"] == catalog.air.name

    def test_an_unknown_action_is_a_bad_request(self, client: TestClient) -> None:
        error = refused(
            client.get("/api/3/action/package_delete_all"), status=400, type_="Bad Request"
        )

        assert error["message"] == "Bad request - Action name not known: package_delete_all"

    @pytest.mark.parametrize("body", [b"{not json", b"[1, 2]"])
    def test_a_body_that_is_not_a_json_object_is_a_bad_request(
        self, client: TestClient, body: bytes
    ) -> None:
        response = client.post(
            "/api/action/package_search", content=body, headers={"Content-Type": "application/json"}
        )

        error = refused(response, status=400, type_="Bad Request")
        assert "JSON Error" in error["message"]

    def test_the_help_link_explains_the_action(self, client: TestClient) -> None:
        help_url = client.get("/api/3/action/status_show").json()["help"]

        url = httpx.URL(help_url)
        text = ok(client.get(url.path, params=dict(url.params)))

        assert "site" in text or "站" in text
        refused(
            client.get("/api/3/action/help_show", params={"name": "nope"}),
            status=404,
            type_="Not Found Error",
        )

    def test_the_api_version_is_three(self, client: TestClient) -> None:
        assert client.get("/api/3").json() == {"version": 3}

    def test_show_and_list_actions_ignore_keys_they_do_not_know(
        self, client: TestClient, catalog: Catalog
    ) -> None:
        # ckanapi dump sends these to every package_show
        extra = {"include_datasets": False, "include_password_hash": True, "include_users": False}

        result = ok(client.post("/api/action/package_show", json={"id": catalog.bus.name, **extra}))

        assert result["name"] == catalog.bus.name


class TestPackageSearch:
    def search(self, client: TestClient, **params: Any) -> Any:
        return ok(client.post("/api/3/action/package_search", json=params))

    def names(self, result: Any) -> list[str]:
        return [r["name"] for r in result["results"]]

    def test_a_two_character_chinese_word_finds_the_title_that_contains_it(
        self, client: TestClient, catalog: Catalog
    ) -> None:
        result = self.search(client, q="公交")

        assert self.names(result) == [catalog.bus.name]
        assert result["count"] == 1
        assert result["sort"] == "score desc, metadata_modified desc"

    def test_everything_published_with_an_empty_or_match_all_q(
        self, client: TestClient, catalog: Catalog
    ) -> None:
        everything = {catalog.bus.name, catalog.air.name, catalog.school.name}

        for q in ["", "*:*"]:
            names = set(self.names(self.search(client, q=q, rows=1000)))
            assert everything <= names
            assert catalog.draft.name not in names

    @pytest.mark.parametrize(
        ("fq", "expected"),
        [
            ("tags:公交", {"bus"}),
            ('tags:"交通"', {"bus", "school"}),
            ("res_format:JSON", {"air"}),
            ("license_id:cc-by-4.0", {"air"}),
            ("groups:environment", {"air"}),
            ("tags:交通 AND update_cycle:yearly", {"school"}),
            ("tags:交通 update_cycle:yearly", {"school"}),
            ("groups:environment OR groups:transport", {"bus", "air", "school"}),
            ("capacity:public", {"bus", "air", "school"}),
            ("metadata_modified:[2000-01-01T00:00:00Z TO *]", {"bus", "air", "school"}),
            ("metadata_modified:[2999-01-01T00:00:00Z TO NOW]", set()),
            ("capacity:private", set()),
            ("-groups:environment", {"bus", "school"}),
            ("-license_id:cc-by-4.0 tags:交通", {"bus", "school"}),
            ("-update_cycle:yearly -update_cycle:monthly", set()),
            ("tags:交通 -update_cycle:yearly", {"bus"}),
        ],
    )
    def test_fq_narrows_the_search(
        self, client: TestClient, catalog: Catalog, fq: str, expected: set[str]
    ) -> None:
        ours = {catalog.bus.name: "bus", catalog.air.name: "air", catalog.school.name: "school"}

        names = self.names(self.search(client, fq=fq, rows=1000))

        assert {ours[n] for n in names if n in ours} == expected

    def test_fq_by_organization_name_and_q_by_field(
        self, client: TestClient, catalog: Catalog
    ) -> None:
        by_fq = self.search(client, fq=f'organization:"{catalog.environment_name}"')
        by_q = self.search(client, q=f"organization:{catalog.transport_name} AND tags:交通")
        by_list = self.search(
            client, fq_list=[f"organization:{catalog.transport_name}", "tags:公交"]
        )

        assert self.names(by_fq) == [catalog.air.name]
        excluded = self.search(client, fq=f"-organization:{catalog.transport_name}", rows=1000)
        assert catalog.air.name in self.names(excluded)
        assert not {catalog.bus.name, catalog.school.name} & set(self.names(excluded))
        assert set(self.names(by_q)) == {catalog.bus.name, catalog.school.name}
        assert self.names(by_list) == [catalog.bus.name]

    def test_rows_start_and_sort_page_through_the_results(
        self, client: TestClient, catalog: Catalog
    ) -> None:
        fq = f"organization:{catalog.transport_name} OR organization:{catalog.environment_name}"
        first = self.search(client, fq=fq, rows=2, start=0, sort="name asc")
        second = self.search(client, fq=fq, rows=2, start=2, sort="name asc")
        past = self.search(client, fq=fq, rows=2, start=4, sort="name asc")

        ordered = sorted([catalog.bus.name, catalog.air.name, catalog.school.name])
        assert self.names(first) + self.names(second) == ordered
        assert first["count"] == second["count"] == 3
        assert past["results"] == []

    def test_facets_in_ckans_two_shapes_for_the_asked_fields(
        self, client: TestClient, catalog: Catalog
    ) -> None:
        fq = f"organization:{catalog.transport_name} OR organization:{catalog.environment_name}"
        # on GET the list comes as a JSON string, as ckanapi -g and browsers send it
        response = client.get(
            "/api/3/action/package_search",
            params={
                "fq": fq,
                "facet.field": '["tags", "res_format", "license_id"]',
                "facet.limit": 2,
            },
        )

        result = ok(response)
        assert set(result["search_facets"]) == {"tags", "res_format", "license_id"}
        assert result["facets"]["res_format"] == {"CSV": 2, "JSON": 1}
        tags = result["search_facets"]["tags"]
        assert tags["title"] == "tags"
        assert len(tags["items"]) == 2  # facet.limit
        assert {"name": "交通", "display_name": "交通", "count": 2} in tags["items"]
        licences = {
            i["name"]: i["display_name"] for i in result["search_facets"]["license_id"]["items"]
        }
        assert licences["cc-by-4.0"].startswith("知识共享署名")
        names = [i["display_name"] for i in result["search_facets"]["res_format"]["items"]]
        assert names == sorted(names, reverse=True)  # CKAN's order

    def test_no_facets_unless_asked(self, client: TestClient, catalog: Catalog) -> None:
        result = self.search(client, q="公交")

        assert result["search_facets"] == {}
        assert result["facets"] == {}

    def test_results_are_full_package_dicts(self, client: TestClient, catalog: Catalog) -> None:
        (package,) = self.search(client, q="空气质量")["results"]

        shown = ok(client.get("/api/3/action/package_show", params={"id": catalog.air.name}))
        assert package == shown

    @pytest.mark.parametrize(
        "fq",
        [
            "-tags:x",
            "-res_format:CSV",
            "organization:(a OR b)",
            'tags:"unclosed',
            "tags:交通 OR res_format:CSV",
            "maintainer:someone",
            "metadata_modified:[2020-01-01 TO 2021-01-01]",
            "tags:a OR",
        ],
    )
    def test_fq_outside_the_supported_subset_is_a_search_query_error(
        self, client: TestClient, catalog: Catalog, fq: str
    ) -> None:
        error = refused(
            client.post("/api/3/action/package_search", json={"fq": fq}),
            status=400,
            type_="Search Query Error",
        )

        assert error["message"].startswith("Search Query is invalid: fq")

    def test_a_bad_sort_is_a_search_query_error(self, client: TestClient) -> None:
        refused(
            client.post("/api/3/action/package_search", json={"sort": "popularity desc"}),
            status=400,
            type_="Search Query Error",
        )

    @pytest.mark.parametrize(("rows", "message"), [(1001, "1000"), ("many", "Invalid integer")])
    def test_rows_over_the_maximum_or_not_a_number_is_a_validation_error(
        self, client: TestClient, rows: Any, message: str
    ) -> None:
        error = refused(
            client.get("/api/3/action/package_search", params={"rows": rows}),
            status=409,
            type_="Validation Error",
        )

        assert message in error["rows"][0]


class TestPackageShow:
    def test_by_id_or_name_with_the_keys_clients_and_harvesters_read(
        self, client: TestClient, catalog: Catalog
    ) -> None:
        by_name = ok(client.get("/api/3/action/package_show", params={"id": catalog.bus.name}))
        by_id = ok(client.get("/api/3/action/package_show", params={"id": str(catalog.bus.id)}))

        assert by_name == by_id
        package = by_name
        assert package["id"] == str(catalog.bus.id)
        assert package["title"] == "城市公交线路数据"
        assert package["type"] == "dataset"
        assert package["state"] == "active"
        assert package["private"] is False
        assert package["license_id"] == "jining-open-data"
        assert package["license_title"] == "济宁市公共数据开放许可协议"
        assert package["owner_org"] == package["organization"]["id"]
        assert package["organization"]["title"] == "济宁市交通运输局"
        assert package["organization"]["name"] == catalog.transport_name
        assert [t["name"] for t in package["tags"]] == ["公交", "交通"]
        assert package["num_tags"] == 2
        assert package["groups"][0]["name"] == "transport"
        assert package["groups"][0]["title"] == "交通出行"
        assert "T" in package["metadata_created"]
        assert not package["metadata_modified"].endswith(("Z", "+00:00"))
        assert {"key": "update_cycle", "value": "monthly"} in package["extras"]
        assert package["url"].endswith(f"/opendata/datasets/{catalog.bus.name}")
        (resource,) = package["resources"]
        assert package["num_resources"] == 1
        assert resource["id"] == str(catalog.bus.resources[0].id)
        assert resource["package_id"] == package["id"]
        assert resource["format"] == "CSV"
        assert resource["mimetype"] == "text/csv"
        assert resource["datastore_active"] is True
        assert resource["url"].endswith(
            f"/api/v1/opendata/resources/{resource['id']}/download?format=csv"
        )
        for key in ("name", "description", "position", "size", "hash", "created", "last_modified"):
            assert key in resource

    def test_an_unknown_or_draft_dataset_is_not_found(
        self, client: TestClient, catalog: Catalog
    ) -> None:
        for key in ["no-such-dataset", catalog.draft.name, "00000000-0000-0000-0000-000000000000"]:
            error = refused(
                client.post("/api/action/package_show", json={"id": key}),
                status=404,
                type_="Not Found Error",
            )
            assert error["message"].startswith("Not found")

    def test_a_missing_id_is_a_validation_error(self, client: TestClient) -> None:
        error = refused(
            client.post("/api/action/package_show", json={}), status=409, type_="Validation Error"
        )

        assert error["id"] == ["Missing value"]

    def test_each_show_counts_as_an_api_use_of_the_dataset(
        self, client: TestClient, session: Session, catalog: Catalog
    ) -> None:
        for _ in range(2):
            ok(client.get("/api/3/action/package_show", params={"id": catalog.bus.name}))

        count = session.scalar(
            select(OpenDataset.api_count).where(OpenDataset.id == catalog.bus.id)
        )
        assert count == 2


class TestLists:
    def test_package_list_is_every_published_name_in_order_with_limit_and_offset(
        self, client: TestClient, catalog: Catalog
    ) -> None:
        names = ok(client.get("/api/3/action/package_list"))
        window = ok(client.post("/api/3/action/package_list", json={"limit": 2, "offset": 1}))

        assert names == sorted(names)
        assert {catalog.bus.name, catalog.air.name, catalog.school.name} <= set(names)
        assert catalog.draft.name not in names
        assert window == names[1:3]

    def test_organizations_as_names_or_dicts_and_one_by_name(
        self, client: TestClient, catalog: Catalog
    ) -> None:
        names = ok(client.get("/api/3/action/organization_list"))
        dicts = ok(client.get("/api/3/action/organization_list", params={"all_fields": "true"}))
        shown = ok(
            client.post(
                "/api/3/action/organization_show",
                json={"id": catalog.transport_name, "include_datasets": True},
            )
        )

        assert {catalog.transport_name, catalog.environment_name} <= set(names)
        transport = next(d for d in dicts if d["name"] == catalog.transport_name)
        assert transport["title"] == "济宁市交通运输局"
        assert transport["package_count"] == 2
        assert shown["package_count"] == 2
        assert {p["name"] for p in shown["packages"]} == {catalog.bus.name, catalog.school.name}
        refused(
            client.get("/api/3/action/organization_show", params={"id": "nobody"}),
            status=404,
            type_="Not Found Error",
        )

    def test_themes_are_groups(self, client: TestClient, catalog: Catalog) -> None:
        names = ok(client.get("/api/3/action/group_list"))
        dicts = ok(client.get("/api/3/action/group_list", params={"all_fields": True}))
        shown = ok(client.get("/api/3/action/group_show", params={"id": "environment"}))

        assert {"transport", "environment"} <= set(names)
        assert any(d["name"] == "environment" and d["title"] == "生态环境" for d in dicts)
        assert shown["package_count"] >= 1

    def test_tags_with_a_query(self, client: TestClient, catalog: Catalog) -> None:
        assert {"公交", "交通", "空气"} <= set(ok(client.get("/api/3/action/tag_list")))
        assert ok(client.get("/api/3/action/tag_list", params={"query": "空"})) == ["空气"]

    def test_resource_show_and_status_show(self, client: TestClient, catalog: Catalog) -> None:
        resource_id = str(catalog.air.resources[0].id)

        resource = ok(client.get("/api/3/action/resource_show", params={"id": resource_id}))
        status = ok(client.get("/api/3/action/status_show"))

        assert resource["id"] == resource_id
        assert resource["format"] == "JSON"
        assert status["site_title"] == "济宁市公共数据开放平台"
        assert status["locale_default"] == "zh_Hans_CN"
        assert "datastore" in status["extensions"]
        refused(
            client.get("/api/3/action/resource_show", params={"id": "not-a-uuid"}),
            status=404,
            type_="Not Found Error",
        )


class TestDatastoreSearch:
    def search(self, client: TestClient, catalog: Catalog, **params: Any) -> httpx.Response:
        body = {"resource_id": str(catalog.bus.resources[0].id), **params}
        response: httpx.Response = client.post("/api/3/action/datastore_search", json=body)
        return response

    def test_fields_records_total_and_links(self, client: TestClient, catalog: Catalog) -> None:
        result = ok(self.search(client, catalog, limit=2))

        assert [f["id"] for f in result["fields"]] == [
            "_id", "line_no", "line_name", "stops", "length_km", "opened_on", "night",
        ]  # fmt: skip
        assert {f["id"]: f["type"] for f in result["fields"]}["stops"] == "int"
        assert result["total"] == 4
        assert [r["line_no"] for r in result["records"]] == ["1", "2"]
        assert result["records"][0]["stops"] == 24
        assert result["_links"]["start"].startswith("/api/3/action/datastore_search?")
        assert "offset=2" in result["_links"]["next"]

    def test_following_the_next_link_pages_through_the_rows(
        self, client: TestClient, catalog: Catalog
    ) -> None:
        seen: list[str] = []
        result = ok(self.search(client, catalog, limit=3))
        while result["records"]:
            seen += [r["line_no"] for r in result["records"]]
            result = ok(client.get(result["_links"]["next"]))

        assert seen == ["1", "2", "K3", "N1"]

    def test_filters_q_fields_sort_and_offset(self, client: TestClient, catalog: Catalog) -> None:
        filtered = ok(self.search(client, catalog, filters={"night": True}))
        texted = ok(
            self.search(client, catalog, q="火车站", fields=["line_no"], sort="line_no desc")
        )
        offset = ok(self.search(client, catalog, offset=3, include_total=False))
        by_get = ok(
            client.get(
                "/api/3/action/datastore_search",
                params={
                    "resource_id": str(catalog.bus.resources[0].id),
                    "filters": json.dumps({"line_no": ["1", "K3"]}),
                    "fields": "line_no,stops",
                    "records_format": "lists",
                },
            )
        )

        assert [r["line_no"] for r in filtered["records"]] == ["N1"]
        assert filtered["total"] == 1
        assert texted["records"] == [{"line_no": "N1"}, {"line_no": "1"}]
        assert [r["line_no"] for r in offset["records"]] == ["N1"]
        assert "total" not in offset
        assert by_get["records"] == [["1", 24], ["K3", 12]]

    def test_counts_as_an_api_use(
        self, client: TestClient, session: Session, catalog: Catalog
    ) -> None:
        ok(self.search(client, catalog))

        count = session.scalar(
            select(OpenDataset.api_count).where(OpenDataset.id == catalog.bus.id)
        )
        assert count == 1

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"limit": 32001}, "limit"),
            ({"filters": {"no_such_field": 1}}, "filters"),
            ({"filters": '{"broken'}, "filters"),
            ({"sort": "no_such_field"}, "sort"),
            ({"fields": ["line_no", "nope"]}, "fields"),
        ],
    )
    def test_bad_parameters_are_validation_errors(
        self, client: TestClient, catalog: Catalog, params: dict[str, Any], field: str
    ) -> None:
        error = refused(
            self.search(client, catalog, **params), status=409, type_="Validation Error"
        )

        assert field in error

    def test_an_unknown_resource_is_not_found(self, client: TestClient) -> None:
        refused(
            client.post(
                "/api/3/action/datastore_search",
                json={"resource_id": "00000000-0000-0000-0000-000000000000"},
            ),
            status=404,
            type_="Not Found Error",
        )
