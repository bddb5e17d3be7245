"""DCAT-AP export (Art. 30–31): the catalog and each dataset in Turtle, JSON-LD and
RDF/XML, parsed back with rdflib; hydra paging; drafts never exported."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, Namespace, URIRef
from sqlalchemy.orm import Session

from smartcity.app import create_app
from smartcity.core.config import OpenDataSettings, Settings
from smartcity.core.db.engine import Database
from smartcity.core.http.deps import get_session
from smartcity.domains.opendata.schemas import DatasetRead
from tests.factories.opendata import make_dataset
from tests.factories.registry import make_organization

# Plain namespaces (rdflib's closed ones warn when pytest inspects the module).
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}
MEDIA = {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml"}


def parsed(response: object, extension: str) -> Graph:
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith(MEDIA[extension])  # type: ignore[attr-defined]
    graph = Graph()
    graph.parse(data=response.content, format=FORMATS[extension])  # type: ignore[attr-defined]
    return graph


@pytest.fixture
def bus(session: Session) -> DatasetRead:
    provider = make_organization(session, name="济宁市交通运输局")
    return make_dataset(
        session,
        provider=provider,
        title="城市公交线路数据",
        notes="全市公交线路。",
        tags=["公交", "交通"],
        license_id="cc-by-4.0",
    )


def dataset_node(graph: Graph, dataset: DatasetRead) -> URIRef:
    (node,) = [
        s for s in graph.subjects(DCTERMS.identifier, Literal(str(dataset.id)))
        if (s, RDF.type, DCAT.Dataset) in graph
    ]  # fmt: skip
    assert isinstance(node, URIRef)
    return node


class TestDataset:
    @pytest.mark.parametrize("extension", ["ttl", "jsonld", "rdf"])
    def test_a_dataset_parses_as_dcat_ap_with_its_distribution(
        self, client: TestClient, bus: DatasetRead, extension: str
    ) -> None:
        graph = parsed(client.get(f"/dataset/{bus.name}.{extension}"), extension)

        node = dataset_node(graph, bus)
        assert graph.value(node, DCTERMS.title) == Literal("城市公交线路数据", lang="zh")
        assert graph.value(node, DCTERMS.description) == Literal("全市公交线路。", lang="zh")
        assert set(graph.objects(node, DCAT.keyword)) == {
            Literal("公交", lang="zh"),
            Literal("交通", lang="zh"),
        }
        assert graph.value(node, DCTERMS.language) == URIRef(
            "http://publications.europa.eu/resource/authority/language/ZHO"
        )
        assert graph.value(node, DCTERMS.issued) is not None
        assert graph.value(node, DCTERMS.modified) is not None
        assert str(graph.value(node, DCTERMS.accrualPeriodicity)).endswith("/frequency/MONTHLY")
        publisher = graph.value(node, DCTERMS.publisher)
        assert (publisher, RDF.type, FOAF.Agent) in graph
        assert graph.value(publisher, FOAF.name) == Literal("济宁市交通运输局", lang="zh")
        theme = graph.value(node, DCAT.theme)
        assert graph.value(theme, SKOS.prefLabel) == Literal("交通出行", lang="zh")
        assert str(graph.value(node, DCAT.landingPage)).endswith(f"/opendata/datasets/{bus.name}")
        (distribution,) = graph.objects(node, DCAT.distribution)
        assert (distribution, RDF.type, DCAT.Distribution) in graph
        download = str(graph.value(distribution, DCAT.downloadURL))
        assert download.endswith(
            f"/api/v1/opendata/resources/{bus.resources[0].id}/download?format=csv"
        )
        assert graph.value(distribution, DCAT.accessURL) is not None
        assert graph.value(distribution, DCTERMS["format"]) == Literal("CSV")
        assert str(graph.value(distribution, DCAT.mediaType)).endswith("/media-types/text/csv")
        assert graph.value(distribution, DCTERMS.license) == URIRef(
            "https://creativecommons.org/licenses/by/4.0/"
        )

    def test_by_id_and_under_the_api(self, client: TestClient, bus: DatasetRead) -> None:
        by_id = parsed(client.get(f"/dataset/{bus.id}.ttl"), "ttl")
        api = parsed(
            client.get(f"/api/v1/opendata/datasets/{bus.name}/dcat?format=jsonld"), "jsonld"
        )

        assert dataset_node(by_id, bus) == dataset_node(api, bus)
        assert len(by_id) == len(api)

    def test_a_draft_or_unknown_dataset_is_not_found(
        self, client: TestClient, session: Session
    ) -> None:
        draft = make_dataset(session, publish=False)

        for name in [draft.name, "no-such-dataset"]:
            response = client.get(f"/dataset/{name}.ttl")
            assert response.status_code == 404
            assert response.headers["content-type"].startswith("application/problem+json")

    def test_an_unknown_format_is_not_found(self, client: TestClient, bus: DatasetRead) -> None:
        assert client.get(f"/dataset/{bus.name}.n3").status_code == 404


@pytest.fixture
def paged_client(database: Database, session: Session) -> Iterator[TestClient]:
    """An application whose DCAT pages hold two datasets."""
    settings = Settings(environment="test", opendata=OpenDataSettings(dcat_page_size=2))
    app = create_app(settings, database=database)

    def _session() -> Iterator[Session]:
        savepoint = session.begin_nested()
        yield session
        savepoint.commit()

    app.dependency_overrides[get_session] = _session
    with TestClient(app) as client:
        yield client


class TestCatalog:
    @pytest.mark.parametrize("extension", ["ttl", "jsonld"])
    def test_the_catalog_pages_through_every_published_dataset_with_hydra_links(
        self, paged_client: TestClient, session: Session, extension: str
    ) -> None:
        provider = make_organization(session)
        published = {make_dataset(session, provider=provider).id for _ in range(3)}
        make_dataset(session, provider=provider, publish=False)

        seen: set[str] = set()
        url: str | None = f"/catalog.{extension}"
        pages = 0
        total = None
        while url is not None:
            graph = parsed(paged_client.get(url), extension)
            (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
            assert graph.value(catalog, DCTERMS.title) == Literal(
                "济宁市公共数据开放平台", lang="zh"
            )
            datasets = list(graph.objects(catalog, DCAT.dataset))
            assert len(datasets) <= 2
            seen |= {str(graph.value(d, DCTERMS.identifier)) for d in datasets}
            (page,) = graph.subjects(RDF.type, HYDRA.PagedCollection)
            total = int(str(graph.value(page, HYDRA.totalItems)))
            assert int(str(graph.value(page, HYDRA.itemsPerPage))) == 2
            assert str(graph.value(page, HYDRA.firstPage)).endswith(f"/catalog.{extension}?page=1")
            following = graph.value(page, HYDRA.nextPage)
            url = str(following).split("://", 1)[1].split("/", 1)[1] if following else None
            url = f"/{url}" if url else None
            pages += 1
            assert pages < 1000

        assert total is not None
        assert pages == -(-total // 2)
        assert {str(i) for i in published} <= seen
        assert len(seen) == total  # drafts are not in the catalog

    def test_a_page_past_the_end_is_empty_with_a_previous_link(
        self, paged_client: TestClient, session: Session
    ) -> None:
        make_dataset(session)

        graph = parsed(paged_client.get("/catalog.ttl?page=9999"), "ttl")

        (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
        assert list(graph.objects(catalog, DCAT.dataset)) == []
        (page,) = graph.subjects(RDF.type, HYDRA.PagedCollection)
        assert graph.value(page, HYDRA.nextPage) is None
        assert graph.value(page, HYDRA.previousPage) is not None

    def test_modified_since_in_the_future_lists_nothing(self, client: TestClient) -> None:
        graph = parsed(client.get("/catalog.ttl?modified_since=2999-01-01T00:00:00Z"), "ttl")

        (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
        assert list(graph.objects(catalog, DCAT.dataset)) == []

    def test_page_zero_is_refused(self, client: TestClient) -> None:
        response = client.get("/catalog.ttl?page=0")

        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")


class TestDereferencing:
    def test_a_dataset_uri_gives_rdf_to_rdf_clients_and_the_portal_page_to_browsers(
        self, client: TestClient, bus: DatasetRead
    ) -> None:
        turtle = client.get(f"/dataset/{bus.id}", headers={"Accept": "text/turtle"})
        browser = client.get(
            f"/dataset/{bus.id}", headers={"Accept": "text/html"}, follow_redirects=False
        )

        graph = parsed(turtle, "ttl")
        assert str(dataset_node(graph, bus)).endswith(f"/dataset/{bus.id}")
        assert browser.status_code == 303
        assert browser.headers["location"] == f"/opendata/datasets/{bus.name}"
