"""Writing N-Triples terms: what the builder writes parses back to the same terms (pyoxigraph)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medkg.vocabularies.nquads import BadTerm, blank, boolean, integer, iri, literal, quad

G = "<https://w3id.org/medkg/graph/test>"


@given(st.text())
def test_literal_round_trips_through_a_real_parser(text: str) -> None:
    line = quad("<http://example.org/s>", "<http://example.org/p>", literal(text), G)
    (parsed,) = ox.parse(line.encode(), format=ox.RdfFormat.N_QUADS)
    assert parsed.object == ox.Literal(text)


def test_typed_and_tagged_literals() -> None:
    line = "".join(quad("<http://e.org/s>", "<http://e.org/p>", o, G)
                   for o in (boolean(True), integer(42), literal("x", language="en"),
                             literal("2026-04-01", datatype="http://www.w3.org/2001/XMLSchema#date")))
    objects = [q.object for q in ox.parse(line.encode(), format=ox.RdfFormat.N_QUADS)]
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert objects == [ox.Literal("true", datatype=ox.NamedNode(xsd + "boolean")),
                       ox.Literal("42", datatype=ox.NamedNode(xsd + "integer")),
                       ox.Literal("x", language="en"),
                       ox.Literal("2026-04-01", datatype=ox.NamedNode(xsd + "date"))]


@pytest.mark.parametrize("bad", ["http://e.org/a b", "http://e.org/<x>", 'http://e.org/"', "no-scheme", "http://e.org/\n"])
def test_an_iri_that_n_triples_cannot_hold_is_refused(bad: str) -> None:
    with pytest.raises(BadTerm):
        iri(bad)


def test_blank_nodes_are_named_by_their_key() -> None:
    assert blank("a", "b") == blank("a", "b")
    assert blank("a", "b") != blank("ab", "")
    (parsed,) = ox.parse(quad(blank("k"), "<http://e.org/p>", literal("v"), G).encode(), format=ox.RdfFormat.N_QUADS)
    assert isinstance(parsed.subject, ox.BlankNode)
