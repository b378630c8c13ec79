"""Real SPARQL clients, unchanged, against a real `medkg serve`: SPARQLWrapper and rdflib's
SPARQLStore."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from conftest import LiveServer, start_server
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

pytestmark = pytest.mark.server

FIXTURE = str(Path(__file__).parents[1] / "fixtures" / "sparql" / "protocol.trig")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
EX = rdflib.Namespace("http://example.org/")
LABELS = "SELECT ?c ?label WHERE { ?c skos:prefLabel ?label FILTER(lang(?label) = 'en') } ORDER BY ?label"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with start_server(FIXTURE, "--no-validate", "--workers", "2") as live:
        yield live


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_select_json(server: LiveServer, method: str) -> None:
    client = SPARQLWrapper(server.sparql)
    client.setMethod(method)
    client.setQuery(LABELS)
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert [row["label"]["value"] for row in rows] == ["body", "fever", "knee", "leg"]


def test_sparqlwrapper_select_xml_and_csv(server: LiveServer) -> None:
    client = SPARQLWrapper(server.sparql)
    client.setQuery(LABELS)
    client.setReturnFormat(XML)
    document = client.queryAndConvert()
    assert [n.firstChild.data for n in document.getElementsByTagName("literal")] == ["body", "fever", "knee", "leg"]  # type: ignore[union-attr]
    client.setReturnFormat(CSV)
    assert client.queryAndConvert().decode().splitlines()[0] == "c,label"  # type: ignore[union-attr]


def test_sparqlwrapper_ask_and_construct(server: LiveServer) -> None:
    client = SPARQLWrapper(server.sparql)
    client.setQuery("ASK { <http://example.org/knee> skos:broader <http://example.org/leg> }")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True  # type: ignore[index]
    client.setQuery("CONSTRUCT { ?a skos:broader ?b } WHERE { ?a skos:broader ?b }")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.queryAndConvert(), format="turtle")  # type: ignore[arg-type]
    assert set(graph) == {(EX.knee, SKOS.broader, EX.leg), (EX.leg, SKOS.broader, EX.body)}
    client.setReturnFormat(XML)  # CONSTRUCT as RDF/XML: SPARQLWrapper parses it into a Graph
    assert len(client.queryAndConvert()) == 2  # type: ignore[arg-type]


def test_sparqlwrapper_reports_bad_query(server: LiveServer) -> None:
    client = SPARQLWrapper(server.sparql)
    client.setQuery("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryBadFormed, match="line 1, column"):
        client.query()


def test_rdflib_sparqlstore(server: LiveServer) -> None:
    graph = rdflib.Graph(SPARQLStore(server.sparql, returnFormat="json"))
    rows = graph.query("SELECT ?label WHERE { <http://example.org/knee> <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }")
    assert {str(row[0]) for row in rows} == {"knee", "genou"}  # type: ignore[index]
    assert set(graph.objects(EX.knee, SKOS.broader)) == {EX.leg}
    assert (EX.leg, SKOS.broader, EX.body) in graph
    assert bool(graph.query("ASK { ?s ?p ?o }").askAnswer) is True
    with pytest.raises(TypeError):
        graph.add((EX.a, EX.b, EX.c))  # SPARQLStore is read-only on its side too
