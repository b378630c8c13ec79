"""Linked Data pages as RDF/XML (issue 14, item 3): well formed, read back by rdflib; a resource
with a predicate RDF/XML cannot name gets a 406 naming the syntaxes that can carry it."""

from __future__ import annotations

from pathlib import Path

import rdflib
from conftest import AsgiClient, app_client
from rdflib.compare import isomorphic

from medkg.settings import Settings


def test_a_concept_as_rdfxml_is_the_same_graph_as_its_turtle(packaged_client: AsgiClient) -> None:
    xml = packaged_client.get("/concept/sacrum", headers={"Accept": "application/rdf+xml"})
    turtle = packaged_client.get("/concept/sacrum", headers={"Accept": "text/turtle"})
    assert xml.status_code == 200 and turtle.status_code == 200
    assert isomorphic(rdflib.Graph().parse(data=xml.content, format="xml"),
                      rdflib.Graph().parse(data=turtle.content, format="turtle"))


def test_a_predicate_with_no_xml_name_is_a_406(tmp_path: Path) -> None:
    data = tmp_path / "odd.ttl"
    data.write_text('<https://w3id.org/medkg/concept/odd> <http://example.org/p/123> "x" .\n', encoding="utf-8")
    with app_client(Settings(paths=(data,), workers=1)) as client:
        response = client.get("/concept/odd", headers={"Accept": "application/rdf+xml"})
        assert response.status_code == 406
        assert "http://example.org/p/123" in response.text and "text/turtle" in response.text
        assert client.get("/concept/odd", headers={"Accept": "text/turtle"}).status_code == 200
