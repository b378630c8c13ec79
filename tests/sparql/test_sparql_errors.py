"""SPARQL syntax errors said in words, with line and column (issue 14, item 5): one function
(medkg.sparql.errors.explain, reached through medkg.sparql.query.run_query) words them for /sparql,
`medkg query` and the query page (which shows /sparql's message)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import AsgiClient

from medkg.graph.loading import new_store
from medkg.sparql.query import QueryError, run_query

MEDKG = [sys.executable, "-c", "from medkg.cli import main; main()"]

# (query, words the message must hold, line, column). The first four are the examples; the
# others, inputs reported against other SPARQL servers (a typo of a clause, a prefix declared
# after use, a relative IRI with no base, a comment-only body).
CASES = [
    ("SELECT * WHERE { ?s foo:bar ?o }", ["prefix foo: is not declared", "medkg:", "skos:"], 1, 28),
    ("SELCT ?s WHERE { ?s ?p ?o }", ["SELCT is not a SPARQL keyword", "did you mean SELECT?"], 1, 10),
    ("INSERT DATA { medkg:a medkg:b medkg:c }", ["SPARQL Update", "send it as `update`"], 1, 10),
    ("", ["the query is empty"], 1, 1),
    ("# only a comment\n", ["the query is empty"], 2, 1),
    ("PREFIX ex: <http://example.org/>\nSELECT * WHERE {\n  ?s ex2:p ?o }", ["prefix ex2: is not declared",
                                                                          "Declared in the query: ex:"], 3, 11),
    ("SELECT ?s WHERE { ?s ?p ?o } LIMT 5", ["LIMT is not a SPARQL keyword", "did you mean LIMIT?"], 1, 36),
    ("SELECT * WHERE { ?s ?p ?o FILTR(?o) }", ["FILTR is not a SPARQL keyword", "FILTER"], 1, 35),
    ("DELETE WHERE { medkg:sacroplasty ?p ?o }", ["SPARQL Update (DELETE", "update"], 1, 10),
    ("SELECT * WHERE { ?s ?p ?o } GROUP ?s", ["expected one of: BY"], 1, 37),
]


@pytest.mark.parametrize(("query", "words", "line", "column"), CASES)
def test_the_endpoint_says_what_is_wrong(packaged_client: AsgiClient, query: str, words: list[str],
                                         line: int, column: int) -> None:
    response = packaged_client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "malformed_query" and (body["line"], body["column"]) == (line, column)
    assert body["message"].startswith(f"SPARQL syntax error at line {line}, column {column}: ")
    for word in words:
        assert word in body["message"], body["message"]
    assert "expected one of Prefix" not in body["message"] and "[_]" not in body["message"]


def test_the_command_line_says_the_same(packaged_client: AsgiClient) -> None:
    for query, words, line, column in CASES[:4]:
        done = subprocess.run([*MEDKG, "query", query], check=False, capture_output=True, timeout=120)
        assert done.returncode == 1 and done.stdout == b""
        message = done.stderr.decode()
        endpoint = packaged_client.get("/sparql", params={"query": query}).json()["message"]
        assert endpoint in " ".join(message.split()) or " ".join(endpoint.split()) in " ".join(message.split()), message


def test_an_undeclared_prefix_is_named_even_when_the_parser_says_otherwise() -> None:
    with pytest.raises(QueryError, match="prefix bar: is not declared") as caught:
        run_query(new_store(), 'SELECT * WHERE { ?s a "x"@en ; bar:x ?o }')
    assert caught.value.line == 1


def test_a_relative_iri_without_base_is_named() -> None:
    import pyoxigraph as ox
    with pytest.raises(QueryError, match="the IRI <u> is relative"):
        run_query(ox.Store(), "DESCRIBE <u>")


def test_the_command_line_resolves_relative_iris_against_the_graph_base() -> None:
    done = subprocess.run([*MEDKG, "query", "--format", "ntriples", "DESCRIBE <concept/sacrum>"],
                          check=False, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert b"<https://w3id.org/medkg/concept/sacrum> <http://www.w3.org/2004/02/skos/core#prefLabel> \"Sacrum\"@en" in done.stdout
    done = subprocess.run([*MEDKG, "query", "--base", "http://example.org/kg/", "ASK { <concept/sacrum> ?p ?o }"],
                          check=False, capture_output=True, timeout=120)
    assert done.returncode == 0 and b"true" in done.stdout
