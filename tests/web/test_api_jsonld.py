"""The concept API as JSON-LD: every route that offers application/ld+json gives the JSON answer
with its context inline, and read as RDF (rdflib's JSON-LD parser) each field that is data is a
triple: each IRI and CURIE of the answer is a node of the graph, each label, text, number and
flag a literal; only the fields medkg.web.jsonld.DERIVED names (each repeating another) are not.

Served: the packaged graph with the real slice of the vocabularies (tests/fixtures/vocab), so
that codes, HPO terms and diseases are answered too; the app in-process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bioregistry
import pytest
import rdflib
from conftest import AsgiClient, app_client
from rdflib.collection import Collection

from medkg.graph import resources
from medkg.graph.namespaces import converter
from medkg.settings import Settings
from medkg.web.jsonld import DERIVED, XREF_PREFIXES

SLICE = Path(__file__).parents[1] / "fixtures" / "vocab" / "slice.trig"
LD = {"accept": "application/ld+json"}
M = "https://w3id.org/medkg/concept/"
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
SSSOM = rdflib.Namespace("https://w3id.org/sssom/")
OWL = rdflib.OWL
ICD = rdflib.Namespace("http://purl.bioontology.org/ontology/ICD10CM/")

# One real request per route offering JSON-LD (the OpenAPI document lists them; the test below
# holds this table to it), and more for the kinds of record a lookup gives.
ROUTES: dict[str, list[tuple[str, str, Any]]] = {
    "/api/search": [("GET", "/api/search?q=tailbone&limit=5", None), ("GET", "/api/search?q=sacral+fractur", None),
                    ("GET", "/api/search?q=S32.1&scheme=icd10cm", None)],
    "/api/concepts/batch": [("POST", "/api/concepts/batch", {"ids": ["medkg:sacroplasty", "coccyx", "medkg:nope"]})],
    "/api/annotate": [("POST", "/api/annotate", {"text": "sharp pain in my tailbone since lifting boxes, CT scan"})],
    "/api/mappings": [("GET", "/api/mappings?code=ICD10CM:S32.10XA", None),
                      ("GET", "/api/mappings?code=SNOMEDCT_US:279039007", None)],
    "/api/phenotypes/diseases": [("GET", "/api/phenotypes/diseases?hpo=HP:0000939&hpo=HP:0002659&limit=3", None)],
    "/api/concepts/{id}/ancestors": [("GET", "/api/concepts/medkg:sacral-insufficiency-fracture/ancestors", None)],
    "/api/concepts/{id}/descendants": [("GET", "/api/concepts/medkg:fracture/descendants?limit=4", None)],
    "/api/concepts/{id}/neighbours": [("GET", "/api/concepts/medkg:sacral-fracture/neighbours", None)],
    "/api/concepts/{id}": [("GET", f"/api/concepts/{name}", None) for name in (
        "medkg:sacral-fracture", "medkg:sacrum", "medkg:sacroplasty", "medkg:fracture", "ICD10CM:S32.10XA",
        "ICD10CM:S32.1", "HP:0002659", "OMIM:259770")],
}
IRI_FIELDS = {"iri", "property_iri"}
CURIE_FIELDS = {"kind", "scheme", "synonym_type", "predicate", "justification", "relation", "code", "tried",
                "evidence", "property", "chain", "matches", "matched_terms"}
SCOPES = {"label": SKOS.prefLabel, **{s: rdflib.URIRef(f"http://www.geneontology.org/formats/oboInOwl#has{s.title()}Synonym")
                                      for s in ("exact", "related", "broad", "narrow")}}


@pytest.fixture(scope="module")
def client() -> Iterator[AsgiClient]:
    with app_client(Settings(paths=(resources.ontology_dir(), resources.data_dir(), SLICE), workers=2)) as client:
        yield client


def _get(client: AsgiClient, method: str, url: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    response = client.request(method, url, json=body, headers=headers or {})
    assert response.status_code == 200, (url, response.text)
    return response


def _ld(client: AsgiClient, method: str, url: str, body: Any = None) -> tuple[Any, Any, rdflib.Graph]:
    """(the JSON answer, the JSON-LD answer, the JSON-LD read as RDF)."""
    plain = _get(client, method, url, body).json()
    answer = _get(client, method, url, body, LD)
    assert answer.headers["content-type"].startswith("application/ld+json")
    document = answer.json()
    assert isinstance(document["@context"], dict)  # inline: no second request, works offline
    assert {k: v for k, v in document.items() if k != "@context"} == plain  # the same answer
    return plain, document, rdflib.Graph().parse(data=answer.text, format="json-ld")


def _iri(field: str, value: str) -> str:
    """The IRI of an IRI or CURIE field: medkg's prefixes, and those of the vocabularies HPO
    cross-references (SNOMEDCT_US:279039007), as Bioregistry gives them."""
    if field in IRI_FIELDS:
        return value
    prefix, _, local = value.partition(":")
    xref = bioregistry.get_uri_prefix(bioregistry.normalize_prefix(prefix) or prefix) if prefix in XREF_PREFIXES else None
    return xref + local if xref else converter().expand(value) or value


def _leaves(value: Any, field: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(field, value, the object holding it) for every leaf of a JSON answer."""
    if isinstance(value, dict):
        for key, item in value.items():
            for leaf in _leaves(item, key):
                yield leaf[0], leaf[1], leaf[2] if leaf[2] is not None else value
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, field)
    elif value is not None:
        yield field, value, None


def _missing_data(plain: Any, graph: rdflib.Graph) -> list[str]:
    """Each field of ``plain`` that is data and has no triple in ``graph``."""
    nodes = {str(t) for triple in graph for t in triple if isinstance(t, rdflib.URIRef)}
    literals = {(str(o), o.toPython() if isinstance(o.toPython(), bool | int) else None)
                for o in graph.objects() if isinstance(o, rdflib.Literal)}
    missing = [f"not an absolute IRI: {node}" for node in nodes if not node.startswith(("http://", "https://"))]
    for field, value, holder in _leaves(plain):
        if field in DERIVED:
            continue
        if field in IRI_FIELDS | CURIE_FIELDS:
            iri = _iri(field, value)
            if iri not in nodes:
                missing.append(f"{field}: {value}")
        elif field in ("scope", "matched_scope"):
            if str(SCOPES[value]) not in nodes:
                missing.append(f"{field}: {value}")
        elif field == "direction" and value in ("outgoing", "incoming"):  # which end the other concept is
            end = OWL.annotatedTarget if value == "outgoing" else OWL.annotatedSource
            if (None, end, rdflib.URIRef(holder["concept"]["iri"])) not in graph:
                missing.append(f"{field}: {value} of {holder['concept']['iri']}")
        elif isinstance(value, bool | int):
            if not any(py is not None and py == value and type(py) is type(value) for _, py in literals):
                missing.append(f"{field}: {value!r}")
        elif str(value) not in {text for text, _ in literals}:
            missing.append(f"{field}: {value!r}")
    return missing


def test_the_table_covers_every_route_offering_json_ld(client: AsgiClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    offering = {path for path, operations in paths.items() if path.startswith("/api/") for operation in operations.values()
                if "application/ld+json" in operation["responses"].get("200", {}).get("content", {})}
    assert offering - {"/api/context.jsonld"} == set(ROUTES)


@pytest.mark.parametrize("method,url,body", [request for requests in ROUTES.values() for request in requests])
def test_every_field_that_is_data_is_a_triple(client: AsgiClient, method: str, url: str, body: Any) -> None:
    plain, _, graph = _ld(client, method, url, body)
    assert len(graph) > 0
    assert _missing_data(plain, graph) == []


def test_derived_fields_are_the_contexts_nulls(client: AsgiClient) -> None:
    context = client.get("/api/context.jsonld").json()["@context"]
    assert {term for term, definition in context.items() if definition is None and not term.startswith("@")} == set(DERIVED)


# --- the examples the user found ------------------------------------------------------------------

def test_search_as_json_ld_has_its_hits_in_order(client: AsgiClient) -> None:
    plain, _, graph = _ld(client, "GET", "/api/search?q=tailbone&limit=3")
    (head,) = graph.objects(None, rdflib.URIRef("https://schema.org/itemListElement"))
    hits = list(Collection(graph, head))  # an RDF list: the ranking kept
    assert [str(graph.value(hit, OWL.annotatedSource)) for hit in hits] == [h["concept"]["iri"] for h in plain["hits"]]
    coccyx = hits[0]
    assert (coccyx, OWL.annotatedTarget, rdflib.Literal("tailbone", lang="en")) in graph
    assert (coccyx, OWL.annotatedProperty, SCOPES["exact"]) in graph


def test_mappings_as_json_ld_are_sssom(client: AsgiClient) -> None:
    _, _, graph = _ld(client, "GET", "/api/mappings?code=ICD10CM:S32.10XA")
    result = next(graph.objects(None, rdflib.URIRef("https://schema.org/result")))
    assert graph.value(result, SSSOM.subject_id) == rdflib.URIRef(M + "sacral-fracture")
    assert graph.value(result, SSSOM.predicate_id) == SKOS.narrowMatch
    carried = graph.value(result, rdflib.PROV.wasDerivedFrom)
    assert graph.value(carried, SSSOM.object_id) == ICD["S32.1"]
    assert graph.value(carried, SSSOM.mapping_justification) == rdflib.URIRef("https://w3id.org/semapv/vocab/ManualMappingCuration")
    assert (None, rdflib.URIRef("https://schema.org/object"), ICD["S32.10XA"]) in graph


def test_concept_record_as_json_ld_keeps_its_facts_and_their_sources(client: AsgiClient) -> None:
    plain, _, graph = _ld(client, "GET", "/api/concepts/medkg:sacral-fracture")
    node = rdflib.URIRef(M + "sacral-fracture")
    assert (node, SKOS.prefLabel, rdflib.Literal("Sacral fracture", lang="en")) in graph
    assert (node, SKOS.broader, rdflib.URIRef(M + "pelvic-fracture")) in graph
    mapping = graph.value(predicate=SSSOM.subject_id, object=node, any=False)
    assert graph.value(mapping, SSSOM.object_id) == ICD["S32.1"] and graph.value(mapping, SSSOM.predicate_id) == SKOS.narrowMatch
    # a fact: the axiom naming its property, other end, source and quoted sentence
    pain = next(r for r in plain["relations"] if r["concept"]["curie"] == "medkg:pelvic-pain")
    axiom = graph.value(predicate=OWL.annotatedTarget, object=rdflib.URIRef(M + "pelvic-pain"), any=False)
    assert (node, rdflib.DCTERMS.relation, axiom) in graph
    assert graph.value(axiom, OWL.annotatedProperty) == rdflib.URIRef(pain["property_iri"])
    sentences = {str(graph.value(s, rdflib.PROV.value)) for s in graph.objects(axiom, rdflib.PROV.wasDerivedFrom)}
    assert "Pelvic pain" in sentences
    # a synonym, typed; a correction about the concept
    tailbone = next(s for s in graph.subjects(OWL.annotatedSource, node)
                    if graph.value(s, OWL.annotatedTarget) == rdflib.Literal("tailbone fracture", lang="en"))
    assert graph.value(tailbone, rdflib.URIRef("http://www.geneontology.org/formats/oboInOwl#hasSynonymType")) == \
        rdflib.URIRef("http://purl.obolibrary.org/obo/OMO_0003007")
    for correction in plain["corrections"]:
        assert (rdflib.URIRef(correction["iri"]), rdflib.URIRef("https://w3id.org/medkg/ontology/aboutConcept"), node) in graph


def test_context_document_parses_alone(client: AsgiClient) -> None:
    document = client.get("/api/context.jsonld").json()
    plain = client.get("/api/concepts/medkg:sacrum").json()
    graph = rdflib.Graph().parse(data=json.dumps({**document, **plain}), format="json-ld")
    assert (rdflib.URIRef(M + "sacrum"), SKOS.prefLabel, rdflib.Literal("Sacrum", lang="en")) in graph
