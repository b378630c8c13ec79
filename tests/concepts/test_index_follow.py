"""ConceptService.follow: an index patched for a write equals a fresh build_index of the same store,
container by container and in ranking order, and the snapshot readers hold stays as it was (issue 15).

Random sequences of curated changes run on the packaged graph with the vocabulary slice: names of
each kind (preferred labels, code labels, synonyms of each scope with and without a synonym-type
axiom), skos:broader and partOf edges, concepts made and deleted, kinds changed, mappings, codes
added to and dropped from schemes."""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from vocab_slice import slice_store

from medkg.concepts.annotate import annotate
from medkg.concepts.hierarchy import walk
from medkg.concepts.index import (
    ABBREVIATION,
    BROADER,
    LAY,
    MISNOMER,
    OBO_IN_OWL,
    SCOPES,
    SKOS,
    ConceptIndex,
    build_index,
)
from medkg.concepts.persist import SavedIndex
from medkg.concepts.search import search
from medkg.concepts.service import ConceptService
from medkg.graph.namespaces import DEFAULT_BASE, ONTOLOGY
from medkg.writes.serving import LiveStore

BASE = DEFAULT_BASE
NS = BASE + ONTOLOGY
OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREF_LABEL = ox.NamedNode(SKOS + "prefLabel")
IN_SCHEME = ox.NamedNode(SKOS + "inScheme")
PART_OF = NS + "partOf"
DATA = ox.NamedNode(BASE + "graph/data")
KINDS = [NS + k for k in ("Condition", "Disease", "Fracture", "SignOrSymptom", "AnatomicalStructure")]
WORDS = ["Osteoporosis", "osteoporosis", "back pain", "Back-Pains", "fracture", "Sacral fracture", "sacrum",
         "Élan vital", "PT", "...", "broken bone", "low back pain", "tail bone", "tailbone", "zz top", "Fractures"]
QUERIES = ["osteoporosis", "back pain", "fracture", "sacr", "tail bone", "pt", "broken", "elan", "zz", "b",
           "osteoporsis"]
TEXT = "Low back pain after a sacral fracture; osteoporosis (PT) and a broken bone near the tailbone. Élan vital, zz top."

_BASE_STORE = slice_store()
_DUMP = _BASE_STORE.dump(format=ox.RdfFormat.N_QUADS)
_FIRST = build_index(ConceptService.from_store(_BASE_STORE).run)
CONCEPTS = sorted(_FIRST.concepts)
CURATED = sorted(_FIRST.concepts.curated)
CODES = sorted(_FIRST.concepts.vocab)
SCHEMES = sorted(_FIRST.schemes)
NEW = [BASE + f"concept/new-{i}" for i in range(4)]


def _store() -> ox.Store:
    store = ox.Store()
    store.load(_DUMP, format=ox.RdfFormat.N_QUADS)
    return store


def _entry(e: Any) -> tuple[str, str, str, str | None]:
    return (e.iri, e.text, e.scope, e.synonym_type)


def normal(index: ConceptIndex, ranks: bool = False) -> dict[str, Any]:
    """Every container of an index as plain, comparable values; lists of entries in their order
    (rank order), and with ``ranks`` the rank values too (to check that nothing old moved)."""
    assert [e.rank for e in index.entries] == sorted({e.rank for e in index.entries})  # strictly increasing
    assert all(e.rank < index.rank_width for e in index.entries)
    found = {
        "entries": [_entry(e) for e in index.entries],
        "by_key": {k: [_entry(e) for e in v] for k, v in index.by_key.items()},
        "keys": index.keys, "words": index.words, "postings": index.postings,
        "phrases": {k: [_entry(e) for e in v] for k, v in index.phrases.items()},
        "longest_phrase": index.longest_phrase, "first_token": index.first_token,
        "curated": {k: v.model_dump() for k, v in index.concepts.curated.items()},
        "vocab": index.concepts.vocab, "kind_of": dict(index.kind_of.curated),
        "sort_label": dict(index.sort_label.curated), "schemes": index.schemes, "scheme_sizes": index.scheme_sizes,
        "labels": index.labels, "subkinds": index.subkinds, "transitive": index.transitive,
        "up": {p: {k: v for k, v in t.items() if v} for p, t in index.up.items()},
        "down": {p: {k: v for k, v in t.items() if v} for p, t in index.down.items()},
    }
    assert len(index.entries) == len(set(found["entries"]))
    if ranks:
        found["ranks"] = [e.rank for e in index.entries]
    return found


def behaviour(index: ConceptIndex) -> dict[str, Any]:
    """What callers see: search, annotate and hierarchy walks."""
    seen: dict[str, Any] = {q: search(index, q, limit=20).model_dump() for q in QUERIES}
    seen["annotate"] = annotate(index, TEXT).model_dump()
    seen["annotate all"] = annotate(index, TEXT, overlapping=True).model_dump()
    for concept in [BASE + "concept/osteoporosis", BASE + "concept/sacrum", NEW[0], CODES[0]]:
        if concept in index.concepts:
            for relation in index.up:
                for up in (True, False):
                    seen[f"{concept} {relation} {up}"] = walk(index, concept, ancestors=up, relation=relation,
                                                              max_depth=None, kinds=None, limit=50, offset=0).model_dump()
    return seen


# --- Changes: each draws from the store as it is now and returns (added, removed) -------------------

def _text(data: st.DataObject) -> ox.Literal:
    words = data.draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=2))
    language = data.draw(st.sampled_from([None, None, "en", "fr"]))
    return ox.Literal(" ".join(words), language=language) if language else ox.Literal(" ".join(words))


def _concept(data: st.DataObject) -> ox.NamedNode:
    return ox.NamedNode(data.draw(st.sampled_from(CONCEPTS + NEW)))


def _existing(store: ox.Store, data: st.DataObject, predicates: list[str]) -> list[ox.Quad]:
    found = [q for p in predicates for q in store.quads_for_pattern(None, ox.NamedNode(p), None)]
    found.sort(key=str)
    return [data.draw(st.sampled_from(found))] if found else []


def change_name(store: ox.Store, data: st.DataObject) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """A preferred label or a code's rdfs:label replaced, added or removed."""
    concept, prop = _concept(data), data.draw(st.sampled_from([PREF_LABEL, RDFS_LABEL]))
    old = list(store.quads_for_pattern(concept, prop, None))
    how = data.draw(st.sampled_from(["replace", "replace", "add", "remove"]))
    added = [] if how == "remove" else [ox.Quad(concept, prop, _text(data), DATA)]
    return added, ([] if how == "add" else old)


def add_synonym(store: ox.Store, data: st.DataObject) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """A synonym of some scope, with or without an owl:Axiom giving its synonym type."""
    concept, prop, text = _concept(data), ox.NamedNode(data.draw(st.sampled_from(sorted(SCOPES)))), _text(data)
    added = [ox.Quad(concept, prop, text, DATA)]
    kind = data.draw(st.sampled_from([None, LAY, MISNOMER, ABBREVIATION]))
    if kind is not None:
        axiom = ox.BlankNode()
        added += [ox.Quad(axiom, RDF_TYPE, ox.NamedNode(OWL + "Axiom"), DATA),
                  ox.Quad(axiom, ox.NamedNode(OWL + "annotatedSource"), concept, DATA),
                  ox.Quad(axiom, ox.NamedNode(OWL + "annotatedProperty"), prop, DATA),
                  ox.Quad(axiom, ox.NamedNode(OWL + "annotatedTarget"), text, DATA),
                  ox.Quad(axiom, ox.NamedNode(OBO_IN_OWL + "hasSynonymType"), ox.NamedNode(kind), DATA)]
    return added, []


def remove_synonym(store: ox.Store, data: st.DataObject) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """A synonym removed, with or without its axiom (then the synonym or the axiom alone)."""
    removed = _existing(store, data, sorted(SCOPES))
    axioms = [q.subject for q in store.quads_for_pattern(None, ox.NamedNode(OWL + "annotatedSource"), None)
              if removed and q.object == removed[0].subject]
    axioms.sort(key=lambda a: _axiom_key(store, a))
    if axioms and data.draw(st.booleans()):
        axiom = data.draw(st.sampled_from(axioms))
        whole = list(store.quads_for_pattern(axiom, None, None))
        removed = whole if data.draw(st.booleans()) else removed + whole
    return [], removed


def change_edge(store: ox.Store, data: st.DataObject) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """A skos:broader or partOf edge added (between any two resources) or removed."""
    if data.draw(st.booleans()):
        return [], _existing(store, data, [BROADER, PART_OF])
    prop = ox.NamedNode(data.draw(st.sampled_from([BROADER, BROADER, PART_OF])))
    return [ox.Quad(_concept(data), prop, _concept(data), DATA)], []


def new_concept(store: ox.Store, data: st.DataObject) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """A curated concept with a kind and a preferred label, maybe under another."""
    concept = ox.NamedNode(data.draw(st.sampled_from(NEW)))
    added = [ox.Quad(concept, RDF_TYPE, ox.NamedNode(data.draw(st.sampled_from(KINDS))), DATA),
             ox.Quad(concept, PREF_LABEL, _text(data), DATA)]
    if data.draw(st.booleans()):
        added.append(ox.Quad(concept, ox.NamedNode(BROADER), _concept(data), DATA))
    return added, []


def delete_concept(store: ox.Store, data: st.DataObject) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """Every statement about a concept (and, sometimes, every one naming it)."""
    concept = _concept(data)
    removed = list(store.quads_for_pattern(concept, None, None))
    if data.draw(st.booleans()):
        removed += [q for q in store.quads_for_pattern(None, None, concept) if q not in removed]
    return [], removed


def change_kind(store: ox.Store, data: st.DataObject) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """A concept's kinds replaced, or one kind more."""
    concept = _concept(data)
    added = [ox.Quad(concept, RDF_TYPE, ox.NamedNode(data.draw(st.sampled_from(KINDS))), DATA)]
    return added, (list(store.quads_for_pattern(concept, RDF_TYPE, None)) if data.draw(st.booleans()) else [])


def change_mapping(store: ox.Store, data: st.DataObject) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """A skos:exactMatch or closeMatch from a curated concept to a code, added or removed."""
    if data.draw(st.booleans()):
        return [], _existing(store, data, [SKOS + "exactMatch", SKOS + "closeMatch"])
    prop = ox.NamedNode(SKOS + data.draw(st.sampled_from(["exactMatch", "closeMatch"])))
    pair = ox.NamedNode(data.draw(st.sampled_from(CURATED))), ox.NamedNode(data.draw(st.sampled_from(CODES)))
    return [ox.Quad(pair[0], prop, pair[1], DATA)], []


def change_scheme(store: ox.Store, data: st.DataObject) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """A code put in a scheme (a new one with a label, or any resource), or taken out of one."""
    if data.draw(st.booleans()):
        return [], _existing(store, data, [SKOS + "inScheme"])
    code = ox.NamedNode(data.draw(st.sampled_from(CODES + NEW + [BASE + "concept/osteoporosis"])))
    added = [ox.Quad(code, IN_SCHEME, ox.NamedNode(data.draw(st.sampled_from(SCHEMES))), DATA)]
    if not list(store.quads_for_pattern(code, RDFS_LABEL, None)):
        added.append(ox.Quad(code, RDFS_LABEL, _text(data), DATA))
    return added, []


def _axiom_key(store: ox.Store, axiom: Any) -> list[tuple[str, str]]:
    """An order of axioms that does not depend on blank node labels (new ones on every load)."""
    return sorted((str(q.predicate), str(q.object)) for q in store.quads_for_pattern(axiom, None, None))


def change_axiom(store: ox.Store, data: st.DataObject) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """One part of an existing axiom (synonym or mapping) changed alone: its synonym type
    replaced, or one of its statements removed."""
    axioms = sorted({q.subject for q in store.quads_for_pattern(None, ox.NamedNode(OWL + "annotatedSource"), None)},
                    key=lambda a: _axiom_key(store, a))
    if not axioms:
        return [], []
    axiom = data.draw(st.sampled_from(axioms))
    parts = sorted(store.quads_for_pattern(axiom, None, None), key=lambda q: (str(q.predicate), str(q.object)))
    if data.draw(st.booleans()):
        return [], [data.draw(st.sampled_from(parts))]
    typed = ox.NamedNode(OBO_IN_OWL + "hasSynonymType")
    kind = ox.NamedNode(data.draw(st.sampled_from([LAY, MISNOMER, ABBREVIATION])))
    return [ox.Quad(axiom, typed, kind, DATA)], list(store.quads_for_pattern(axiom, typed, None))


CHANGES = [change_name, add_synonym, remove_synonym, change_edge, new_concept, delete_concept, change_kind,
           change_mapping, change_scheme, change_axiom]


def apply(store: ox.Store, added: list[ox.Quad], removed: list[ox.Quad]) -> None:
    for quad in removed:
        store.remove(quad)
    store.extend(added)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_follow_equals_a_fresh_build(data: st.DataObject) -> None:
    store = _store()
    service = ConceptService.from_store(store, BASE)
    for _ in range(data.draw(st.integers(1, 6), label="steps")):
        change = data.draw(st.sampled_from(CHANGES))
        added, removed = change(store, data)
        apply(store, added, removed)
        old = service.index
        before = normal(old, ranks=True)
        service.follow(added, removed)
        event(f"{change.__name__}: {service.last_follow[:70]}")
        assert normal(old, ranks=True) == before  # the snapshot readers hold is untouched
        fresh = build_index(service.run, BASE)
        assert normal(service.index) == normal(fresh), (change.__name__, added, removed, service.last_follow)
        assert behaviour(service.index) == behaviour(fresh)


def _synonym(concept: str, text: str) -> ox.Quad:
    return ox.Quad(ox.NamedNode(concept), ox.NamedNode(OBO_IN_OWL + "hasExactSynonym"), ox.Literal(text), DATA)


def test_common_writes_are_patched_not_rebuilt() -> None:
    store = _store()
    service = ConceptService.from_store(store, BASE)
    osteoporosis = BASE + "concept/osteoporosis"
    writes = [
        ([_synonym(osteoporosis, "porous bone disease")], []),
        ([ox.Quad(ox.NamedNode(osteoporosis), PREF_LABEL, ox.Literal("Osteoporosis (bone loss)"), DATA)],
         list(store.quads_for_pattern(ox.NamedNode(osteoporosis), PREF_LABEL, None))),
        ([ox.Quad(ox.NamedNode(osteoporosis), ox.NamedNode(BROADER), ox.NamedNode(BASE + "concept/arthritis"), DATA)], []),
        add_synonym_axiom(osteoporosis, "brittle bones"),
    ]
    for added, removed in writes:
        apply(store, added, removed)
        service.follow(added, removed)
        assert service.last_follow == "patched"
        assert normal(service.index) == normal(build_index(service.run, BASE))
    hit = service.search("brittle bones").hits[0]
    assert hit.concept.iri == osteoporosis and hit.lay


def add_synonym_axiom(concept: str, text: str) -> tuple[list[ox.Quad], list[ox.Quad]]:
    axiom, synonym = ox.BlankNode(), _synonym(concept, text)
    return [synonym, ox.Quad(axiom, ox.NamedNode(OWL + "annotatedSource"), synonym.subject, DATA),
            ox.Quad(axiom, ox.NamedNode(OWL + "annotatedProperty"), synonym.predicate, DATA),
            ox.Quad(axiom, ox.NamedNode(OWL + "annotatedTarget"), synonym.object, DATA),
            ox.Quad(axiom, ox.NamedNode(OBO_IN_OWL + "hasSynonymType"), ox.NamedNode(LAY), DATA)], []


def test_old_snapshot_keeps_the_old_graph() -> None:
    store = _store()
    service = ConceptService.from_store(store, BASE)
    old = service.index
    added = [_synonym(BASE + "concept/sacrum", "holy bone")]
    apply(store, added, [])
    service.follow(added, [])
    assert search(old, "holy bone").total == 0  # a reader that took the snapshot before
    assert service.search("holy bone").hits[0].concept.iri == BASE + "concept/sacrum"
    assert old is not service.index and old.by_key is not service.index.by_key


@pytest.mark.parametrize(("quad", "why"), [
    (ox.Quad(ox.NamedNode(NS + "Condition"), RDFS_LABEL, ox.Literal("illness"), DATA), "label"),
    (ox.Quad(ox.NamedNode(NS + "Fracture"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
             ox.NamedNode(NS + "Disease"), DATA), "subclass"),
    (ox.Quad(ox.NamedNode(NS + "hasCause"), RDF_TYPE, ox.NamedNode(OWL + "TransitiveProperty"), DATA), "typed"),
])
def test_ontology_changes_rebuild(quad: ox.Quad, why: str) -> None:
    store = _store()
    service = ConceptService.from_store(store, BASE)
    apply(store, [quad], [])
    service.follow([quad], [])
    assert service.last_follow.startswith("rebuilt") and why in service.last_follow
    assert normal(service.index) == normal(build_index(service.run, BASE))


def test_follow_saves_the_snapshot_beside_an_on_disk_store(tmp_path: Path) -> None:
    """As the web front does: the service reads a read-only store through a LiveStore, a write
    makes a new store folder, the LiveStore moves to it, then follow() saves beside it."""
    before, after = tmp_path / "store-before", tmp_path / "store-after"
    for folder, change in ((before, []), (after, [_synonym(BASE + "concept/sacrum", "holy bone")])):
        writer = ox.Store(str(folder))
        writer.load(_DUMP, format=ox.RdfFormat.N_QUADS)
        writer.extend(change)
        writer.flush()
        del writer
        gc.collect()  # closes the RocksDB folder
    live = LiveStore(ox.Store.read_only(str(before)))
    service = ConceptService.from_store(live, BASE)  # type: ignore[arg-type]
    live.current = ox.Store.read_only(str(after))
    service.follow([_synonym(BASE + "concept/sacrum", "holy bone")], [], saved_beside=after)
    assert service.last_follow == "patched"
    saved = SavedIndex.beside(after, BASE)
    deadline = time.monotonic() + 60
    while not saved.path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    found = saved.load(saved.key())
    assert found is not None
    index, sources = found
    assert normal(index) == normal(service.index) and sources == service._snapshot.sources
    restarted = ConceptService.from_store(ox.Store.read_only(str(after)), BASE, saved_beside=after)
    assert restarted.search("holy bone").hits[0].concept.iri == BASE + "concept/sacrum"
