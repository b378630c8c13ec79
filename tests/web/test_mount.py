"""Linked Data under a base with a path, and behind a proxy that strips a prefix (issue 14, item 1)."""

from __future__ import annotations

import re

import httpx
import pytest
from conftest import AsgiClient, app_client, free_port, start_server

from medkg.settings import Settings
from medkg.web.mount import base_prefix, route_path, under_base

BROWSER = "text/html,*/*;q=0.8"


@pytest.mark.parametrize("base,prefix", [("https://w3id.org/medkg/", "/medkg"), ("http://127.0.0.1:8766/kg/", "/kg"),
                                         ("http://127.0.0.1:8766/", ""), ("http://h/a/b/", "/a/b"), ("http://h/kg#", "")])
def test_base_prefix(base: str, prefix: str) -> None:
    assert base_prefix(base) == prefix


def test_scopes_under_the_base_are_mounted_there() -> None:
    scope = {"type": "http", "path": "/kg/concept/x", "root_path": ""}
    assert under_base(scope, "/kg")["root_path"] == "/kg" and route_path(under_base(scope, "/kg")) == "/concept/x"
    assert under_base({"type": "http", "path": "/kgx/concept", "root_path": ""}, "/kg")["root_path"] == ""
    proxied = {"type": "http", "path": "/proxy/kg/sparql", "root_path": "/proxy"}  # as uvicorn --root-path makes it
    assert route_path(under_base(proxied, "/kg")) == "/sparql"


def _every_minted_iri(client: AsgiClient | httpx.Client, base: str) -> list[str]:
    """The IRIs the graph mints, as its SPARQL endpoint lists them (in any position, under the base)."""
    query = ("SELECT DISTINCT ?s WHERE { { ?s ?p ?o } UNION { ?x ?s ?o } UNION { ?x ?p ?s } UNION { GRAPH ?s { ?x ?p ?o } } "
             f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}")) }}')
    answer = client.get("/sparql", params={"query": query},
                        headers={"accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    return [b["s"]["value"] for b in answer.json()["results"]["bindings"]]


@pytest.mark.parametrize("base", ["http://127.0.0.1:8766/kg/", "http://127.0.0.1:8766/"])
def test_every_minted_iri_dereferences_at_its_own_path(base: str) -> None:
    with app_client(Settings(base=base, workers=1)) as client:
        prefix = base_prefix(base)
        iris = _every_minted_iri(client, base)
        assert len(iris) > 150
        for iri in iris:
            path = iri[len("http://127.0.0.1:8766"):]
            answer = client.get(path, headers={"accept": "application/n-triples"})
            assert answer.status_code == 200 and answer.text.strip(), (path, answer.status_code)
            if "/graph/" not in path and not path.endswith("/sparql"):  # a graph's page holds its triples,
                # the endpoint its service description; every other resource its own triples
                assert f"<{iri}>" in answer.text
        page = client.get(f"{prefix}/concept/sacroplasty", headers={"accept": BROWSER})
        assert page.status_code == 200
        links = set(re.findall(r'href="(/[^"]*)"', page.text))
        assert f"{prefix}/concept/vertebroplasty" in links  # links stay under the base's path
        assert all(link.startswith(prefix + "/") for link in links), links
        assert client.get(f"{prefix}/sparql", params={"query": "ASK {}"}).json()["boolean"] is True
        assert client.get(f"{prefix}/api/concepts/sacroplasty").json()["iri"] == base + "concept/sacroplasty"


@pytest.mark.server
def test_a_real_server_under_a_base_with_a_path() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/kg/"
    with start_server("--base", base, "--workers", "1", port=port) as live:
        with httpx.Client(timeout=30) as http:
            answer = http.get(base + "concept/sacroplasty", headers={"accept": "application/n-triples"})
            assert answer.status_code == 200 and f"<{base}concept/sacroplasty>" in answer.text
            page = http.get(base + "concept/sacroplasty", headers={"accept": BROWSER}).text
            assert 'href="/kg/concept/vertebroplasty"' in page
            description = http.get(base + "sparql", headers={"accept": "text/turtle"}).text
            assert f"<{base}sparql>" in description  # the endpoint names itself at the URL it was asked at
            assert http.head(base + "concept/sacroplasty").status_code == 200
        assert live.process.poll() is None


@pytest.mark.server
def test_a_real_server_behind_a_proxy_that_strips_a_prefix() -> None:
    with start_server("--root-path", "/proxy", "--workers", "1") as live:
        with live.client() as http:  # requests as the proxy passes them on: the prefix stripped
            page = http.get("/concept/sacroplasty", headers={"accept": BROWSER})
            assert page.status_code == 200
            assert 'href="/proxy/concept/vertebroplasty"' in page.text  # links as the client sees them
            assert http.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True
            assert "<http://127.0.0.1:" in http.get("/sparql", headers={"accept": "text/turtle"}).text
            assert "/proxy/sparql>" in http.get("/sparql", headers={"accept": "text/turtle"}).text
            assert http.get("/api/concepts/sacrum").json()["curie"] == "medkg:sacrum"
            assert http.get("/api/concepts/sacrum").headers["link"].startswith(f"<{live.url}/proxy/api/context.jsonld>")
