"""The lexical checks on query text: SERVICE, FROM, nesting depth."""

from __future__ import annotations

import pytest

from medkg.sparql.text import declares_dataset, nesting_depth, uses_service


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }",
        "select * { service silent <http://x/> { ?s ?p ?o } }",
        "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
        "SELECT * { SERVICE ex:endpoint { ?s ?p ?o } }",
        "SELECT * { SeRvIcE\n  # a comment\n  <http://x/> { ?s ?p ?o } }",
        "SELECT * { SERVICE<http://x/>{?s ?p ?o} }",
        "SELECT * { \\u0053ERVICE <http://x/> { ?s ?p ?o } }",  # codepoint escapes, decoded first
        "SELECT ?service { ?service a ?t . SERVICE <http://x/> {} }",
        "PREFIX : <http://x/> SELECT * { SERVICE:endpoint { ?s ?p ?o } }",
    ],
)
def test_service_found(query: str) -> None:
    assert uses_service(query)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { ?s ?p ?o }",
        "SELECT ?service { ?service a <http://example.org/Service> }",
        "SELECT * { ?s <http://example.org/service> ?o }",
        "SELECT * { ?s ex:service ?o . ?s ex:my-service ?x }",
        'SELECT * { ?s ?p "SERVICE <http://x/> { }" }',
        "SELECT * { ?s ?p '''a SERVICE <http://x/> {}''' }",
        "SELECT * { ?s ?p ?o } # SERVICE <http://x/> { }",
        "SELECT * { ?s <http://example.org/service?x=1> ?o }",
        "PREFIX service: <http://x/> SELECT * { service:a ?p ?o }",
    ],
)
def test_service_not_found(query: str) -> None:
    assert not uses_service(query)


def test_from_clauses() -> None:
    assert declares_dataset("SELECT * FROM <http://g/> { ?s ?p ?o }")
    assert declares_dataset("select * from named ex:g { graph ?g { ?s ?p ?o } }")
    assert not declares_dataset("SELECT ?from { ?from ?p 'FROM <x>' }")
    assert not declares_dataset("SELECT * { ?s ?p ?o } # FROM <http://g/>")


def test_nesting_depth() -> None:
    assert nesting_depth("SELECT * { ?s ?p ?o }") == 0  # few brackets: not even counted
    deep = "SELECT * WHERE " + "{" * 100 + "}" * 100
    assert nesting_depth(deep) == 100
    assert nesting_depth("SELECT * { ?s ?p '" + "{" * 100 + "'" + " FILTER(1)" * 70 + " }") == 2


def test_known_blind_spot() -> None:
    # After an operand '<' is less-than, but this lexer reads "<?b)SERVICE:x#>" as an IRI. The
    # engine runs that SERVICE; the query workers' network sandbox stops it (test_serve_limits).
    sneaky = "PREFIX : <http://x/> SELECT * { FILTER(?a<?b)SERVICE:x#>\n{ ?s ?p ?o } }"
    assert not uses_service(sneaky)
