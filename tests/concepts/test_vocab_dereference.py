"""Every IRI under the base that the served graph describes answers at its path (the contract's
Linked Data rule), the vocabularies' minted IRIs included (/vocab/icd10cm/chapter/19 was a 404):
HTML for a browser, Turtle by content negotiation. Served: the packaged graph and the real slice
of the vocabularies (tests/fixtures/vocab/slice.trig), the app in-process and a real server."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox
import pytest
from conftest import AsgiClient, app_client, start_server
from vocab_slice import slice_paths

from medkg.graph.namespaces import DEFAULT_BASE
from medkg.settings import Settings

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TURTLE = {"accept": "text/turtle"}


@pytest.fixture(scope="module")
def client() -> Iterator[AsgiClient]:
    with app_client(Settings(paths=slice_paths(), workers=2)) as client:
        yield client


def described_iris(client: AsgiClient) -> list[str]:
    query = f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{DEFAULT_BASE}")) }}'
    rows = client.get("/sparql", params={"query": query}, headers={"accept": "application/sparql-results+json"})
    return sorted(b["s"]["value"] for b in rows.json()["results"]["bindings"] if "#" not in b["s"]["value"])


def test_the_vocabularies_mint_iris_under_the_base(client: AsgiClient) -> None:
    iris = described_iris(client)
    assert f"{DEFAULT_BASE}vocab/icd10cm/chapter/19" in iris
    assert len(iris) > 100  # the sweep below covers the curated graph and the vocabularies


def test_every_described_iri_answers_at_its_path(client: AsgiClient) -> None:
    failures = []
    for iri in described_iris(client):
        if iri == f"{DEFAULT_BASE}sparql":  # the endpoint itself: its path answers with its service description
            continue
        path = urlsplit(iri).path.removeprefix("/medkg") or "/"
        page = client.get(path, headers=BROWSER)
        rdf = client.get(path, headers=TURTLE)
        if page.status_code != 200 or not page.headers["content-type"].startswith("text/html"):
            failures.append((iri, "html", page.status_code))
            continue
        if rdf.status_code != 200 or not rdf.headers["content-type"].startswith("text/turtle"):
            failures.append((iri, "turtle", rdf.status_code))
            continue
        graph = ox.parse(rdf.content, format=ox.RdfFormat.TURTLE)
        if not any(t.subject == ox.NamedNode(iri) or t.object == ox.NamedNode(iri) for t in graph):
            failures.append((iri, "turtle without the resource", rdf.status_code))
    assert not failures, failures[:10]


def test_unknown_path_under_a_vocabulary_is_still_a_404(client: AsgiClient) -> None:
    answer = client.get("/vocab/icd10cm/chapter/99")
    assert answer.status_code == 404 and answer.json()["error"] == "not_found"
    assert client.get("/no/such/page").json()["status"] == 404


@pytest.mark.server
def test_the_example_of_the_finding_on_a_real_server() -> None:
    with start_server(*map(str, slice_paths()), "--no-validate") as live:
        page = httpx.get(live.url + "/vocab/icd10cm/chapter/19", headers=BROWSER)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        rdf = httpx.get(live.url + "/vocab/icd10cm/chapter/19", headers=TURTLE)
        assert rdf.status_code == 200 and f"{DEFAULT_BASE}vocab/icd10cm/chapter/19" in rdf.text
        assert httpx.head(live.url + "/vocab/icd10cm/chapter/19").status_code == 200
