"""`medkg serve --store URL`: a syntax error in a query is reported at the user's own line and column,
as the embedded engine reports it, never at the position in the text medkg sent the remote server
(which starts with the BASE and predeclared PREFIX lines medkg prepends)."""

from __future__ import annotations

import pytest
from conftest import LiveServer

from medkg.graph.namespaces import DEFAULT_BASE
from medkg.store.remote_engine import prepared
from medkg.store.remote_errors import prologue_lines, remote_syntax_error

# The example: 'SELECT * WHERE { ?s ?p }' came back "at 2:25" (one BASE line before it), or further
# down with each predeclared prefix the query used.
EXAMPLES = [
    ("SELECT * WHERE { ?s ?p }", 1, 25),
    ("SELECT * WHERE { ?s skos:prefLabel ?o . ?s ?p }", 1, 48),
    ("PREFIX ex: <http://example.org/>\nSELECT * WHERE {\n  ?s skos:prefLabel ?o .\n  ?s ex:p }", 4, 11),
]
# The kind: errors of several sorts, on the first line or further down, with predeclared prefixes
# used (each adds a line medkg sends first) or the query's own prologue.
BODIES = ["SELECT * WHERE { ?s ?p }", "SELECT ?s WHERE { ?s mkg:hasSymptom ?o } GROUP BY",
          "SELECT * WHERE { ?s rdfs:label ?l FILTER(?l = ) }", "ASK { medkg:sacrum skos:broader+ }",
          "CONSTRUCT { ?s ?p } WHERE { ?s ?p ?o }", "SELECT (COUNT(?s) ?n) WHERE { ?s a owl:Class }"]
LEADS = ["", "\n\n", "# a comment\n", "PREFIX ex: <http://example.org/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"]
KIND = [lead + body.replace(" WHERE", "\nWHERE") if i % 2 else lead + body
        for i, lead in enumerate(LEADS) for body in BODIES]


def _compare(remote: LiveServer, local: LiveServer, query: str) -> None:
    with remote.client() as r, local.client() as l:
        got = r.get("/sparql", params={"query": query})
        expected = l.get("/sparql", params={"query": query})
    assert expected.status_code == 400 and got.status_code == 400, (expected.text, got.text)
    want, body = expected.json(), got.json()
    assert body["error"] == "malformed_query", body
    assert (body.get("line"), body.get("column")) == (want["line"], want["column"]), (query, body, want)
    assert f"at line {want['line']}, column {want['column']}:" in body["message"], body


@pytest.mark.server
@pytest.mark.parametrize(("query", "line", "column"), EXAMPLES)
def test_the_example_errors_name_the_users_position(remote_server: LiveServer, live_server: LiveServer,
                                                    query: str, line: int, column: int) -> None:
    with live_server.client() as local:
        said = local.get("/sparql", params={"query": query}).json()
    assert (said["line"], said["column"]) == (line, column)
    _compare(remote_server, live_server, query)


@pytest.mark.server
@pytest.mark.parametrize("query", KIND)
def test_every_syntax_error_is_at_the_position_the_embedded_store_gives(remote_server: LiveServer,
                                                                        live_server: LiveServer, query: str) -> None:
    _compare(remote_server, live_server, query)


# The mapping itself, on the servers' own words: Oxigraph's "error at L:C", Virtuoso's "line N".


def test_the_prologue_is_counted_from_the_text_sent() -> None:
    query = "SELECT * WHERE { ?s skos:prefLabel ?o ; rdfs:label ?l }"
    sent = prepared(query, DEFAULT_BASE, DEFAULT_BASE)
    assert prologue_lines(sent, query) == 3  # BASE, PREFIX rdfs:, PREFIX skos:
    assert prologue_lines(query, query) == 0


def test_a_virtuoso_line_is_renumbered() -> None:
    said = remote_syntax_error("the SPARQL server http://h:8890 answered 400: Virtuoso 37000 Error SP030: SPARQL "
                               "compiler, line 5: syntax error at '}' before 'end of text'", "...", 3, DEFAULT_BASE)
    assert "line 2: syntax error" in said.message and "line 5" not in said.message


@pytest.mark.parametrize("message", [
    "the SPARQL server http://h:7878 answered 400: error at 2:1: expected a query",
    "the SPARQL server http://h:8890 answered 400: Virtuoso 37000 Error SP030: SPARQL compiler, line 2: syntax error",
])
def test_a_position_inside_the_prologue_is_dropped(message: str) -> None:
    said = remote_syntax_error(message, "SELECT", 3, DEFAULT_BASE)
    assert said.line is None and "2" not in said.message.split("answered 400")[-1].replace("SP030", ""), said
