"""Names found whatever their spacing ("tailbone" finds "tail bone"), without a table of every
name without its spaces (concepts.index.spaced_keys)."""

from __future__ import annotations

import pyoxigraph as ox
from hypothesis import given, settings
from hypothesis import strategies as st

from medkg.concepts import ConceptService
from medkg.concepts.index import spaced_keys

_WORDS = st.text(alphabet="abt ", min_size=1, max_size=7).map(lambda s: " ".join(s.split())).filter(bool)


@settings(max_examples=300, deadline=None)
@given(keys=st.lists(_WORDS, max_size=40, unique=True), query=_WORDS)
def test_spaced_keys_are_exactly_the_keys_equal_without_spaces(keys: list[str], query: str) -> None:
    keys = sorted(keys)
    letters = query.replace(" ", "")
    assert spaced_keys(keys, letters) == [k for k in keys if k.replace(" ", "") == letters]


def test_every_name_of_the_graph_is_found_written_without_spaces(packaged_store: ox.Store) -> None:
    index = ConceptService.from_store(packaged_store).index
    for key in index.keys:
        assert key in spaced_keys(index.keys, key.replace(" ", "")), key


def test_tail_bone_and_tailbone_find_each_other(packaged_store: ox.Store) -> None:
    service = ConceptService.from_store(packaged_store)
    for query in ("tailbone", "tail bone"):
        hits = service.search(query).hits
        assert hits and hits[0].concept.curie == "medkg:coccyx", (query, [h.concept.curie for h in hits[:3]])
