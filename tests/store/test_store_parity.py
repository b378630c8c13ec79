"""The same HTTP answers from `medkg serve` over each store: memory (in-process), DIR, and URL (oxigraph
serve and Virtuoso 7).

Also: a remote server that goes away gives 502 answers naming it, never a hang.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import (
    AsgiClient,
    LiveServer,
    free_port,
    oxigraph_binary,
    start_server,
)

from medkg.store.disk import read_manifest
from medkg.store.remote import endpoints
from medkg.store.remote_load import load_into

pytestmark = pytest.mark.server

GET = [
    "/api/concepts/medkg:sacrum",
    "/api/concepts/medkg:sacral-fracture",
    "/api/concepts/sacroplasty",
    "/api/concepts/medkg:no-such-thing",  # 404 with suggestions
    "/api/search?q=tailbone",
    "/api/search?q=fracture&limit=5&offset=1",
    "/api/concepts/medkg:sacral-fracture/ancestors",
    "/api/concepts/medkg:vertebral-column/descendants?relation=partOf",
    "/api/concepts/medkg:sacrum/neighbours",
    "/api/concepts/medkg:sacral-fracture/neighbours?direction=out&limit=3",
    "/api/mappings?code=S32.10XA",
    "/api/mappings?code=HP:0003419",
    "/api/mappings.sssom.tsv",
]
POST = [
    ("/api/concepts/batch", {"ids": ["medkg:sacral-fracture", "sacrum", "medkg:no-such-thing"]}),
    ("/api/annotate", {"text": "sharp pain in my tailbone since lifting boxes"}),
]
SPARQL = [
    "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT ?label { medkg:sacrum skos:prefLabel ?label }",
    "ASK { medkg:sacrum skos:broader* ?x }",
    "SELECT ?c ?code { ?c skos:exactMatch ?code } ORDER BY ?c ?code LIMIT 20",
    "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/medkg/graph/ontology> { ?s ?p ?o }",
    "SELECT ?x { GRAPH <https://w3id.org/medkg/graph/ontology> { ?x a owl:Class } }",
    # Where Virtuoso's answers depart from the standard formats (medkg.store.remote_dialect):
    "ASK { medkg:sacrum skos:broader medkg:no-such-thing }",
    "SELECT ?d (DATATYPE(?d) AS ?t) { medkg:sacroplasty mkg:typicalDuration ?d }",
    "SELECT ?p ?o (LANG(?o) AS ?l) { medkg:sacrum ?p ?o FILTER isLiteral(?o) }",
    # Not compared (README, "Virtuoso"): DATATYPE of a language-tagged string (Virtuoso 7 leaves it
    # unbound), and derived integer types (Oxigraph stores xsd:positiveInteger as xsd:integer).
    "SELECT ?s (STR(?o) AS ?n) { ?s mkg:sentenceNumber ?o FILTER(?o < 4) }",
    "SELECT (COUNT(DISTINCT ?a) AS ?n) { ?a a owl:Axiom ; owl:annotatedSource medkg:sacrum }",
]


@pytest.fixture(scope="module", params=["disk", "remote", "virtuoso_remote"])
def server(request: pytest.FixtureRequest) -> LiveServer:
    """The session's `medkg serve --store DIR` and `--store URL` over `oxigraph serve` and Virtuoso (conftest)."""
    live: LiveServer = request.getfixturevalue(f"{request.param}_server")
    if request.param == "disk":
        assert live.store_dir is not None
        manifest = read_manifest(live.store_dir)
        assert manifest is not None and (live.store_dir / str(manifest["store"]) / "CURRENT").is_file()
    return live


def _same(reference: httpx.Response, other: httpx.Response) -> None:
    assert other.status_code == reference.status_code, other.text[:300]
    assert other.headers["content-type"] == reference.headers["content-type"]
    if "json" in reference.headers["content-type"]:
        assert other.json() == reference.json()
    else:
        assert other.text == reference.text


def test_concept_api_answers_equal_the_memory_store(server: LiveServer, packaged_client: AsgiClient) -> None:
    with server.client() as client:
        for path in GET:
            _same(packaged_client.get(path), client.get(path))
        for path, body in POST:
            _same(packaged_client.post(path, json=body), client.post(path, json=body))


def _bindings(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text[:300]
    data = response.json()
    if "boolean" in data:
        return data["boolean"]
    return sorted(json.dumps(b, sort_keys=True) for b in data["results"]["bindings"])


def test_sparql_answers_equal_the_memory_store(server: LiveServer, packaged_client: AsgiClient) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    with server.client() as client:
        for query in SPARQL:
            assert _bindings(client.get("/sparql", params={"query": query}, headers=accept)) == _bindings(
                packaged_client.get("/sparql", params={"query": query}, headers=accept)), query
        dataset = {"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
                   "default-graph-uri": "https://w3id.org/medkg/graph/data"}
        assert _bindings(client.get("/sparql", params=dataset, headers=accept)) == _bindings(
            packaged_client.get("/sparql", params=dataset, headers=accept))
        graph = {"query": "CONSTRUCT { ?s ?p ?o } WHERE { medkg:sacrum ?p ?o BIND(medkg:sacrum AS ?s) }"}
        ntriples = {"Accept": "application/n-triples"}
        got, expected = client.get("/sparql", params=graph, headers=ntriples), packaged_client.get(
            "/sparql", params=graph, headers=ntriples)
        assert got.headers["content-type"].startswith("application/n-triples")
        assert sorted(got.text.splitlines()) == sorted(expected.text.splitlines()) and expected.text
        bad = client.get("/sparql", params={"query": "SELECT nonsense"}, headers=accept)
        assert bad.status_code == 400 and bad.json()["message"]
        refused = client.get("/sparql", params={"query": "SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }"})
        assert refused.status_code == 400 and refused.json()["error"] == "service_disabled"


def test_result_formats_equal_the_memory_store(server: LiveServer, packaged_client: AsgiClient) -> None:
    # ASK (true and false) in each results format, and blank nodes and typed literals in N-Triples.
    asks = ["ASK { medkg:sacrum ?p ?o }", "ASK { medkg:sacrum skos:broader medkg:no-such-thing }"]
    with server.client() as client:
        for query in asks:
            for accept in ["application/sparql-results+xml", "text/csv", "text/tab-separated-values"]:
                params, headers = {"query": query}, {"Accept": accept}
                _same(packaged_client.get("/sparql", params=params, headers=headers),
                      client.get("/sparql", params=params, headers=headers))
        axioms = {"query": "CONSTRUCT { ?a ?p ?o } WHERE { ?a owl:annotatedSource medkg:sacroplasty ; ?p ?o }"}
        ntriples = {"Accept": "application/n-triples"}
        got = client.get("/sparql", params=axioms, headers=ntriples)
        expected = packaged_client.get("/sparql", params=axioms, headers=ntriples)
        assert got.status_code == expected.status_code == 200
        # Blank node labels differ from store to store: compare the triples with the labels blanked.
        assert sorted(_blanked(got.text)) == sorted(_blanked(expected.text)) and "PT30M" in expected.text
        refused = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "text/turtle"})
        assert refused.status_code == 406 and refused.json()["error"] == "not_acceptable"


def test_service_description_counts_equal_the_memory_store(server: LiveServer, packaged_client: AsgiClient) -> None:
    # The VoID counts of the service description come from SPARQL over the store (RemoteStoreView).
    def counts(response: httpx.Response) -> list[str]:
        assert response.status_code == 200, response.text[:300]
        return sorted(re.findall(r"void:(?:triples|distinctSubjects|distinctObjects|properties) \d+", response.text))

    turtle = {"Accept": "text/turtle"}
    with server.client() as client:
        expected = counts(packaged_client.get("/sparql", headers=turtle))
        assert expected and counts(client.get("/sparql", headers=turtle)) == expected


def _blanked(ntriples: str) -> list[str]:
    return [re.sub(r"_:\S+", "_:b", line) for line in ntriples.splitlines()]


def test_a_remote_server_gone_gives_502_not_a_hang(tmp_path: Path) -> None:
    port = free_port()
    oxigraph = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(tmp_path / "ox"), "--bind",
                                 f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/query"
        for _ in range(200):
            try:
                httpx.get(url, params={"query": "ASK {}"}, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        load_into(endpoints(url))
        with start_server("--store", url, "--workers", "2", "--no-validate") as live, live.client(timeout=60) as client:
            assert client.get("/api/concepts/medkg:sacrum/neighbours").status_code == 200
            oxigraph.kill()
            oxigraph.wait()
            sparql = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
            assert sparql.status_code == 502 and f"127.0.0.1:{port}" in sparql.json()["message"]
            api = client.get("/api/concepts/medkg:sacral-fracture/neighbours")
            assert api.status_code == 502 and api.json()["error"] == "remote_store_failed"
            assert client.get("/health").status_code == 200  # the server itself lives on
    finally:
        oxigraph.kill()
        oxigraph.wait()


def test_serve_refuses_an_unreachable_store_url_in_one_sentence() -> None:
    result = subprocess.run([sys.executable, "-m", "medkg.cli", "serve", "--store", f"http://127.0.0.1:{free_port()}/query"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("medkg: --store http://127.0.0.1:") and "cannot reach" in result.stderr
    assert "Traceback" not in result.stderr
