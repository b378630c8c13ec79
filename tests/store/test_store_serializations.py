"""Well-formed answers whatever the store (issue 14, item 3): the issue's examples over the memory
store, `--store DIR` and `--store URL` (whose remote server's own CSV and RDF/XML are not well
formed: medkg asks it for SPARQL JSON or N-Triples and writes the client's format itself)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import rdflib
from conftest import AsgiClient

Client = AsgiClient | httpx.Client
QUERY = {"Content-Type": "application/sparql-query"}


def test_csv_quotes_an_iri_with_a_comma(api: Client) -> None:
    response = api.post("/sparql", content='SELECT ?e ?f WHERE { BIND(<http://example.org/a,b> AS ?e) BIND("x" AS ?f) }',
                        headers={**QUERY, "Accept": "text/csv"})
    assert response.status_code == 200 and response.content == b'e,f\r\n"http://example.org/a,b",x\r\n'


def test_xml_refuses_what_xml_cannot_carry(api: Client) -> None:
    response = api.post("/sparql", content='SELECT ?x WHERE { BIND("a\\u0001b" AS ?x) }',
                        headers={**QUERY, "Accept": "application/sparql-results+xml"})
    assert response.status_code == 406 and "U+0001" in response.json()["message"]
    assert "application/sparql-results+json" in response.json()["message"]
    fine = api.post("/sparql", content='SELECT ?x WHERE { BIND("a\\rb" AS ?x) }',
                    headers={**QUERY, "Accept": "application/sparql-results+xml"})
    assert fine.status_code == 200
    assert next(ET.fromstring(fine.content).iter("{http://www.w3.org/2005/sparql-results#}literal")).text == "a\rb"


def test_rdfxml_refuses_a_predicate_with_no_xml_name(api: Client) -> None:
    query = 'CONSTRUCT { medkg:sacrum <http://example.org/p/123> "x" } WHERE {}'
    response = api.post("/sparql", content=query, headers={**QUERY, "Accept": "application/rdf+xml"})
    assert response.status_code == 406 and "text/turtle" in response.json()["message"]
    turtle = api.post("/sparql", content=query, headers={**QUERY, "Accept": "text/turtle"})
    assert turtle.status_code == 200 and len(rdflib.Graph().parse(data=turtle.content, format="turtle")) == 1


def test_rdfxml_of_a_concept_reads_back(api: Client) -> None:
    query = "CONSTRUCT { medkg:sacrum ?p ?o } WHERE { medkg:sacrum ?p ?o }"
    response = api.post("/sparql", content=query, headers={**QUERY, "Accept": "application/rdf+xml"})
    assert response.status_code == 200
    assert len(rdflib.Graph().parse(data=response.content, format="xml")) >= 8
