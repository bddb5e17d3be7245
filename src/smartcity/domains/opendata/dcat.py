"""The open data catalog as DCAT-AP (Art. 30–31): RDF graphs built with rdflib.

The mapping follows ckanext-dcat's ``euro_dcat_ap`` profile, so DCAT harvesters
(data.europa.eu style, uData's DCAT backend, ckanext-dcat's own harvester) read
it: a ``dcat:Catalog`` whose ``dcat:dataset``s carry ``dct:title``,
``dct:description`` (Chinese, ``@zh``), ``dcat:keyword``, ``dct:issued`` /
``dct:modified``, ``dct:publisher`` (a ``foaf:Agent``), ``dcat:contactPoint``,
``dcat:theme`` (a ``skos:Concept`` per theme), ``dct:language`` (Chinese),
``dct:accrualPeriodicity`` and ``dct:accessRights`` (EU authority tables), and
``dcat:distribution``s with ``dcat:accessURL`` / ``dcat:downloadURL``,
``dct:format``, ``dcat:mediaType`` (IANA) and ``dct:license``. A catalog page
carries ckanext-dcat's ``hydra:PagedCollection`` (``totalItems``, ``itemsPerPage``,
``firstPage``, ``lastPage``, ``nextPage``, ``previousPage``). The JSON-LD context
is inline: nothing is fetched at run time (government networks are air-gapped).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from smartcity.domains.opendata.enums import OpenAccess
from smartcity.domains.opendata.schemas import DatasetSummary, ResourceRead

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
_EU = "http://publications.europa.eu/resource/authority/"
LANGUAGE_ZH = URIRef(f"{_EU}language/ZHO")
_FREQUENCIES = {
    "realtime": "CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "half_yearly": "ANNUAL_2",
    "yearly": "ANNUAL",
    "irregular": "IRREG",
}
_ACCESS_RIGHTS = {OpenAccess.open: "PUBLIC", OpenAccess.conditional: "RESTRICTED"}
_MEDIA_TYPES = {
    "CSV": "text/csv",
    "JSON": "application/json",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "XLS": "application/vnd.ms-excel",
    "PDF": "application/pdf",
    "ZIP": "application/zip",
    "XML": "application/xml",
    "GEOJSON": "application/geo+json",
}

#: Serializations served, by file extension: (rdflib format, media type).
FORMATS: dict[str, tuple[str, str]] = {
    "ttl": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("xml", "application/rdf+xml"),
}

CATALOG_TITLE = "济宁市公共数据开放平台"
CATALOG_DESCRIPTION = (
    "济宁市政务部门依《济宁市智慧城市促进条例》第二十九至三十一条向社会开放的公共信息资源目录。"
)

JSONLD_CONTEXT: dict[str, Any] = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "skos": str(SKOS),
    "vcard": str(VCARD),
    "hydra": str(HYDRA),
    "xsd": str(XSD),
}


@dataclass(frozen=True, slots=True)
class Urls:
    """Where the platform serves the things the graph names."""

    base_url: str

    @property
    def catalog(self) -> str:
        # The portal's home is the catalog's URI (``/catalog`` is the government
        # resource catalog of Art. 24, a different thing).
        return f"{self.base_url}/opendata"

    def dataset(self, dataset: DatasetSummary) -> URIRef:
        return URIRef(f"{self.base_url}/dataset/{dataset.id}")

    def landing_page(self, dataset: DatasetSummary) -> URIRef:
        return URIRef(f"{self.base_url}/opendata/datasets/{dataset.name}")

    def distribution(self, dataset: DatasetSummary, resource: ResourceRead) -> URIRef:
        return URIRef(f"{self.base_url}/dataset/{dataset.id}/resource/{resource.id}")

    def download(self, resource: ResourceRead) -> URIRef:
        return URIRef(
            f"{self.base_url}/api/v1/opendata/resources/{resource.id}/download?format=csv"
        )

    def publisher(self, dataset: DatasetSummary) -> URIRef:
        return URIRef(f"{self.base_url}/opendata/organizations/{dataset.organization_name}")

    def theme(self, code: str) -> URIRef:
        return URIRef(f"{self.base_url}/opendata/themes/{code}")

    def license(self, dataset: DatasetSummary) -> URIRef:
        return URIRef(
            dataset.license_url or f"{self.base_url}/opendata/licenses/{dataset.license_id}"
        )


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in JSONLD_CONTEXT.items():
        graph.bind(prefix, Namespace(namespace))
    return graph


def _moment(value: datetime) -> Literal:
    return Literal(value.astimezone(UTC).isoformat(), datatype=XSD.dateTime)


def _zh(text: str) -> Literal:
    return Literal(text, lang="zh")


def add_dataset(graph: Graph, dataset: DatasetSummary, urls: Urls) -> URIRef:
    """The dataset, its publisher, theme and distributions; returns its node."""
    node = urls.dataset(dataset)
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(str(dataset.id))))
    graph.add((node, DCTERMS.title, _zh(dataset.title)))
    if dataset.notes:
        graph.add((node, DCTERMS.description, _zh(dataset.notes)))
    for tag in dataset.tags:
        graph.add((node, DCAT.keyword, _zh(tag)))
    graph.add((node, DCTERMS.issued, _moment(dataset.published_at or dataset.metadata_created)))
    graph.add((node, DCTERMS.modified, _moment(dataset.metadata_modified)))
    graph.add((node, DCTERMS.language, LANGUAGE_ZH))
    graph.add((node, DCAT.landingPage, urls.landing_page(dataset)))
    graph.add((urls.landing_page(dataset), RDF.type, FOAF.Document))
    graph.add(
        (node, DCTERMS.accessRights, URIRef(f"{_EU}access-right/{_ACCESS_RIGHTS[dataset.access]}"))
    )
    frequency = _FREQUENCIES.get(dataset.update_cycle)
    if frequency:
        graph.add((node, DCTERMS.accrualPeriodicity, URIRef(f"{_EU}frequency/{frequency}")))
    publisher = urls.publisher(dataset)
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, _zh(dataset.provider_name)))
    graph.add((publisher, DCTERMS.identifier, Literal(dataset.provider_code)))
    contact = BNode(f"contact-{dataset.id.hex}")
    graph.add((node, DCAT.contactPoint, contact))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, _zh(dataset.provider_name)))
    if dataset.theme_code:
        theme = urls.theme(dataset.theme_code)
        graph.add((node, DCAT.theme, theme))
        graph.add((theme, RDF.type, SKOS.Concept))
        graph.add((theme, SKOS.prefLabel, _zh(dataset.theme_name or dataset.theme_code)))
    for resource in dataset.resources:
        graph.add((node, DCAT.distribution, _add_distribution(graph, dataset, resource, urls)))
    return node


def _add_distribution(
    graph: Graph, dataset: DatasetSummary, resource: ResourceRead, urls: Urls
) -> URIRef:
    node = urls.distribution(dataset, resource)
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCTERMS.identifier, Literal(str(resource.id))))
    graph.add((node, DCTERMS.title, _zh(resource.name)))
    if resource.description:
        graph.add((node, DCTERMS.description, _zh(resource.description)))
    graph.add((node, DCTERMS.issued, _moment(resource.created_at)))
    graph.add((node, DCTERMS.modified, _moment(resource.last_modified)))
    graph.add((node, DCTERMS.license, urls.license(dataset)))
    graph.add((urls.license(dataset), RDF.type, DCTERMS.LicenseDocument))
    graph.add((urls.license(dataset), DCTERMS.title, _zh(dataset.license_title)))
    if resource.datastore_active:
        # The rows are served as CSV (and XLSX / JSON / the data API) by the platform.
        graph.add((node, DCAT.accessURL, urls.download(resource)))
        graph.add((node, DCAT.downloadURL, urls.download(resource)))
        graph.add((node, DCTERMS.format, Literal("CSV")))
        media = "text/csv"
    else:
        graph.add((node, DCAT.accessURL, urls.landing_page(dataset)))
        graph.add((node, DCTERMS.format, Literal(resource.format.upper())))
        media = _MEDIA_TYPES.get(resource.format.upper(), "")
    if media:
        graph.add(
            (node, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{media}"))
        )
    return node


@dataclass(frozen=True, slots=True)
class Paging:
    """One page of the catalog: its number, size, the total and the page URL builder."""

    page: int
    per_page: int
    total: int
    page_url: str  # with "{page}" where the number goes

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.per_page))


def catalog_graph(
    datasets: Sequence[DatasetSummary],
    urls: Urls,
    paging: Paging,
    *,
    modified: datetime | None,
) -> Graph:
    """A page of the catalog with ckanext-dcat's ``hydra:PagedCollection`` paging."""
    graph = new_graph()
    catalog = URIRef(urls.catalog)
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, _zh(CATALOG_TITLE)))
    graph.add((catalog, DCTERMS.description, _zh(CATALOG_DESCRIPTION)))
    graph.add((catalog, FOAF.homepage, URIRef(f"{urls.base_url}/")))
    graph.add((catalog, DCTERMS.language, LANGUAGE_ZH))
    publisher = URIRef(f"{urls.base_url}/")
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, _zh(CATALOG_TITLE)))
    if modified is not None:
        graph.add((catalog, DCTERMS.modified, _moment(modified)))
    for dataset in datasets:
        graph.add((catalog, DCAT.dataset, add_dataset(graph, dataset, urls)))
    page = URIRef(paging.page_url.format(page=paging.page))
    graph.add((page, RDF.type, HYDRA.PagedCollection))
    graph.add((page, HYDRA.totalItems, Literal(paging.total, datatype=XSD.integer)))
    graph.add((page, HYDRA.itemsPerPage, Literal(paging.per_page, datatype=XSD.integer)))
    graph.add((page, HYDRA.firstPage, Literal(paging.page_url.format(page=1))))
    graph.add((page, HYDRA.lastPage, Literal(paging.page_url.format(page=paging.last))))
    if paging.page < paging.last:
        graph.add((page, HYDRA.nextPage, Literal(paging.page_url.format(page=paging.page + 1))))
    if paging.page > 1:
        previous = min(paging.page - 1, paging.last)
        graph.add((page, HYDRA.previousPage, Literal(paging.page_url.format(page=previous))))
    return graph


def dataset_graph(dataset: DatasetSummary, urls: Urls) -> Graph:
    """One dataset, linked to the catalog it belongs to."""
    graph = new_graph()
    node = add_dataset(graph, dataset, urls)
    graph.add((URIRef(urls.catalog), DCAT.dataset, node))
    return graph


def serialize(graph: Graph, extension: str) -> bytes:
    """The graph as Turtle, JSON-LD (compacted with the inline context) or RDF/XML."""
    rdf_format, _media = FORMATS[extension]
    if rdf_format == "json-ld":
        text = graph.serialize(format="json-ld", context=JSONLD_CONTEXT, auto_compact=True)
    else:
        text = graph.serialize(format=rdf_format)
    return text.encode("utf-8")
