"""An update may use, undeclared, every prefix a query may (medkg.sparql.query.used_prefixes)."""

from __future__ import annotations

import pytest

from medkg.graph.loading import new_store
from medkg.graph.namespaces import prefixes
from medkg.sparql.query import run_query
from medkg.writes import MalformedWrite, WriteCore

B = "https://w3id.org/medkg/"


@pytest.fixture(scope="module")
def core() -> WriteCore:
    return WriteCore(new_store(), max_request_bytes=64 * 1024, max_changed_triples=2000)


@pytest.mark.parametrize("name", sorted(prefixes()))
def test_every_predeclared_prefix_of_queries_works_in_updates(core: WriteCore, name: str) -> None:
    # The query with the prefix undeclared runs; so must the update (it answered "Prefix not found").
    assert run_query(core.store, f"ASK {{ {name}:no-such-thing ?p ?o }}").__bool__() is False  # type: ignore[union-attr]
    for update in (f"DELETE WHERE {{ {name}:no-such-thing ?p ?o }}",  # the general path (a copy of the graph)
                   f"DELETE DATA {{ {name}:no-such-thing rdfs:label \"x\" }}"):  # the INSERT/DELETE DATA path
        result = core.update(update, token_name="alice")
        assert (result.added, result.removed) == (0, 0)


def test_a_declared_prefix_still_wins_and_an_unknown_one_is_still_an_error(core: WriteCore) -> None:
    result = core.update("PREFIX medkg: <http://example.org/elsewhere/>\nDELETE WHERE { medkg:fracture ?p ?o }",
                         token_name="alice")
    assert (result.added, result.removed) == (0, 0)  # not medkg's fracture: nothing matched
    with pytest.raises(MalformedWrite, match="(?i)prefix"):
        core.update("DELETE WHERE { nosuchprefix:x ?p ?o }", token_name="alice")


def test_prefixes_follow_the_base() -> None:
    base = "https://example.org/kg/"
    core = WriteCore(new_store(None, base), base=base, max_request_bytes=64 * 1024, max_changed_triples=2000)
    result = core.update('DELETE DATA { medkg:fracture oboInOwl:hasExactSynonym "bone fracture"@en }', token_name="a")
    assert result.removed == 1
