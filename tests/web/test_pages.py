"""Linked Data pages over HTTP: content negotiation, 404 and 406, escaping (browser tests: test_pages_browser.py)."""

from __future__ import annotations

import json

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from conftest import AsgiClient, LiveServer
from fastapi import FastAPI

from medkg.concepts import ConceptService
from medkg.web import pages
from medkg.web.pages import choose

M = "https://w3id.org/medkg/concept/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize("path,text", [
    ("/concept/sacral-fracture", "Sacral fracture"), ("/ontology/hasSymptom", "has symptom"),
    ("/source/sacroplasty-article", "Sacroplasty for Lower Back Pain"), ("/ontology", "medkg ontology"),
    ("/source/sacroplasty-article-s04", "Sacroplasty is a minimally invasive procedure"),
    ("/source/correction-tailbone", "The tailbone is the coccyx"), ("/graph/data", "Named graph"),
    ("/ontology/Fracture", "fracture"), ("/", "medkg"),
])
def test_every_kind_of_minted_iri_has_a_page(packaged_client: AsgiClient, path: str, text: str) -> None:
    page = packaged_client.get(path, headers={"accept": BROWSER})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert text in page.text and "Not medical advice" in page.text
    assert "Accept" in page.headers["vary"]


def test_concept_page_content(packaged_client: AsgiClient) -> None:
    html = packaged_client.get("/concept/sacral-fracture").text  # no Accept: HTML
    for expected in ["A fracture of the sacrum", "tailbone fracture", "misnomer", "ICD10CM:S32.1", "Fracture of sacrum",
                     'href="/concept/pelvic-pain"', 'href="/ontology/hasSymptom"', 'href="/source/sacroplasty-article"',
                     "“Pelvic pain”", "The chief complaint of a sacral fracture is lower back pain.",
                     'href="http://purl.bioontology.org/ontology/ICD10CM/S32.1"']:
        assert expected in html, expected


@pytest.mark.parametrize("accept,media", [("text/turtle", "text/turtle"), ("application/ld+json", "application/ld+json"),
                                          ("application/n-triples", "application/n-triples"),
                                          ("application/rdf+xml", "application/rdf+xml"),
                                          ("text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json")])
def test_rdf_by_content_negotiation(packaged_client: AsgiClient, accept: str, media: str) -> None:
    answer = packaged_client.get("/concept/sacral-fracture", headers={"accept": accept})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(media)
    fmt = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
           "application/rdf+xml": "xml"}[media]
    graph = rdflib.Graph().parse(data=answer.text, format=fmt)
    node = rdflib.URIRef(M + "sacral-fracture")
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    assert (node, skos.prefLabel, rdflib.Literal("Sacral fracture", lang="en")) in graph
    sources = set(graph.objects(None, rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")))
    assert rdflib.URIRef("https://w3id.org/medkg/source/sacroplasty-article-s07") in sources  # provenance comes along


def test_format_parameter_and_406(packaged_client: AsgiClient) -> None:
    turtle = packaged_client.get("/ontology/hasSymptom?format=turtle", headers={"accept": BROWSER})
    assert turtle.headers["content-type"].startswith("text/turtle") and "mkg:hasSymptom" in turtle.text
    refused = packaged_client.get("/concept/sacrum", headers={"accept": "application/pdf"})
    assert refused.status_code == 406 and "text/turtle" in refused.text
    assert packaged_client.get("/concept/sacrum", headers={"accept": "text/html;q=0, */*;q=0"}).status_code == 406
    dataset = packaged_client.get("/", headers={"accept": "text/turtle"})
    assert dataset.status_code == 200 and "void:Dataset" in dataset.text


def test_negotiation_rules() -> None:
    assert choose(None)[0] == "html" and choose("*/*")[0] == "html" and choose(BROWSER)[0] == "html"  # type: ignore[index]
    assert choose("text/*")[0] == "html"  # type: ignore[index]
    assert choose("application/*")[0] == "jsonld"  # type: ignore[index]
    assert choose("image/png") is None and choose("garbage") is None
    assert choose("text/html", forced="turtle")[0] == "turtle"  # type: ignore[index]
    assert choose(None, forced="pdf") is None


def test_unknown_resources_are_404(packaged_client: AsgiClient) -> None:
    page = packaged_client.get("/concept/sacral-fractur", headers={"accept": BROWSER})
    assert page.status_code == 404 and 'href="/concept/sacral-fracture"' in page.text  # a suggestion
    assert packaged_client.get("/concept/nothing", headers={"accept": "text/turtle"}).status_code == 404
    assert packaged_client.get("/source/nothing").status_code == 404


@pytest.mark.parametrize("path", ["/concept/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/concept/a%22%3E%3Cb%3E",
                                  "/concept/%F0%9F%A6%B4", "/source/x%20y%7Bz%7D"])
def test_hostile_paths_are_escaped(packaged_client: AsgiClient, path: str) -> None:
    page = packaged_client.get(path, headers={"accept": BROWSER})
    assert page.status_code == 404
    assert "<script>alert(1)" not in page.text and '"><b>' not in page.text


def test_search_and_query_pages(packaged_client: AsgiClient) -> None:
    found = packaged_client.get("/search", params={"q": "tailbone"})
    assert found.status_code == 200 and 'href="/concept/coccyx"' in found.text and "lay term" in found.text
    hostile = packaged_client.get("/search", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)" not in hostile.text and "&lt;script&gt;" in hostile.text
    assert packaged_client.get("/search", params={"q": "pain", "kind": "Vegetable"}).status_code == 422
    query = packaged_client.get("/query")
    assert query.status_code == 200 and 'action="/sparql"' in query.text and "mkg:hasSymptom" in query.text
    home = packaged_client.get("/").text
    for link in ['href="/sparql"', 'href="/docs"', 'href="/query"', 'href="/concept/sacral-fracture"']:
        assert link in home


def test_hostile_data_is_escaped_and_never_linked() -> None:
    """A graph whose own values are hostile: labels with markup, a javascript: IRI."""
    store = ox.Store()
    data = """
    @prefix medkg: <https://w3id.org/medkg/concept/> . @prefix mkg: <https://w3id.org/medkg/ontology/> .
    @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    medkg:evil a mkg:Condition ; skos:prefLabel "<script>alert('label')</script>"@en ;
        skos:definition "Bold <b>claim</b> & \\"quotes\\""@en ; skos:exactMatch <javascript:alert(1)> ;
        mkg:hasSymptom medkg:other .
    medkg:other a mkg:SignOrSymptom ; skos:prefLabel "Other \\" onmouseover=\\"x"@en .
    """
    store.load(data.encode(), format=ox.RdfFormat.TURTLE)
    app = FastAPI()
    app.include_router(pages.build_router(ConceptService.from_store(store)))

    async def fetch(path: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            return await client.get(path)

    import asyncio

    page = asyncio.run(fetch("/concept/evil"))
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt;" in page.text
    assert "<b>claim</b>" not in page.text and 'href="javascript:' not in page.text
    assert '" onmouseover="x' not in page.text
    turtle = asyncio.run(fetch("/concept/evil?format=jsonld"))
    assert json.loads(turtle.text)  # still well-formed data


@pytest.mark.server
def test_pages_on_the_real_server(live_server: LiveServer) -> None:
    with live_server.client() as client:
        assert "Sacrum" in client.get("/concept/sacrum", headers={"accept": BROWSER}).text
        assert client.get("/concept/sacrum", headers={"accept": "text/turtle"}).headers["content-type"].startswith("text/turtle")
        assert client.get("/concept/sacrum", headers={"accept": "image/png"}).status_code == 406
        assert client.get("/").status_code == 200 and client.get("/query").status_code == 200


def test_another_base_maps_paths_relative_to_it() -> None:
    import asyncio

    from medkg.graph.loading import new_store
    from medkg.web import concepts

    base = "http://example.org/kg/"
    service = ConceptService.from_store(new_store(base=base), base)
    app = FastAPI()
    app.include_router(concepts.build_router(service))
    app.include_router(pages.build_router(service))

    async def fetch(path: str, accept: str = BROWSER) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            return await client.get(path, headers={"accept": accept})

    page = asyncio.run(fetch("/concept/sacrum"))
    assert page.status_code == 200 and base + "concept/sacrum" in page.text and 'href="/concept/pelvis"' in page.text
    turtle = asyncio.run(fetch("/concept/sacrum", "text/turtle")).text
    assert "<http://example.org/kg/concept/" in turtle or "medkg:" in turtle
    assert "w3id.org/medkg/concept" not in turtle
    assert asyncio.run(fetch("/api/concepts/medkg:sacrum", "application/json")).json()["iri"] == base + "concept/sacrum"
