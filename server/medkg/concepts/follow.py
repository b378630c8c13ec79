"""Follow a committed write in the concept index: a new index patched from the old one (issue 15).

A full ``build_index`` reads every label, synonym and edge of the graph (~10 s at 3.8M quads); a
curated write changes a handful of triples. ``follow_index`` asks the store again only about the
concepts the change touches (subjects and objects of its quads; for an owl:Axiom, its
owl:annotatedSource), with the same patterns ``build_index`` uses restricted to them, and patches
the old index into a new one (``index_patch``: the old one is never mutated). The result equals
what ``build_index`` would build from the store now.

What a patch does not follow, it refuses with ``NeedsRebuild`` (the caller then builds anew):
the ontology's kinds, their labels and subclasses, transitive properties, concept schemes (typed,
titled, gaining their first or losing their last concept), a concept with two preferred labels
or a code with two labels or schemes (the build keeps whichever comes first), an axiom whose
source and target the change does not name, and changes touching more than ``MAX_TOUCHED`` resources.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from medkg.concepts.index import (
    BROADER,
    OBO_IN_OWL,
    SCOPES,
    SKOS,
    ConceptIndex,
    Entry,
    neighbour_key,
)
from medkg.concepts.index_patch import (
    NeedsRebuild,
    old_entries,
    patch_entries,
    patch_relation,
    patch_search,
)
from medkg.concepts.models import ConceptRef
from medkg.concepts.text import search_key
from medkg.graph.namespaces import ONTOLOGY
from medkg.sparql.client import QueryFunction, Row, is_iri, prologue, select, values

__all__ = ["MAX_TOUCHED", "NeedsRebuild", "follow_index", "touched_concepts", "touches_sources"]

MAX_TOUCHED = 2000  # past this many concepts, a full build is about as fast and surely right
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
OWL = "http://www.w3.org/2002/07/owl#"
ANNOTATED_SOURCE = OWL + "annotatedSource"
AXIOM_PARTS = {ANNOTATED_SOURCE, OWL + "annotatedProperty", OWL + "annotatedTarget", OBO_IN_OWL + "hasSynonymType"}
TITLE = "http://purl.org/dc/terms/title"
FOAF_NAME = "http://xmlns.com/foaf/0.1/name"
PREF_LABEL, IN_SCHEME, CONCEPT_SCHEME = SKOS + "prefLabel", SKOS + "inScheme", SKOS + "ConceptScheme"
NAMES = {PREF_LABEL, RDFS_LABEL, RDF_TYPE, IN_SCHEME, *SCOPES}  # what makes a concept and its names


def touched_concepts(index: ConceptIndex, added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> set[str]:
    """The IRIs whose concept record, names or hierarchy edges the change may alter: subjects of
    names, kinds and schemes, both ends of skos:broader and transitive-property edges, and the
    owl:annotatedSource of a changed synonym axiom (``_axiom_sources``; more than needed is harmless).

    Raises NeedsRebuild for a change a patch does not follow (module docstring)."""
    ns = index.base + ONTOLOGY
    hierarchy = {BROADER, *index.transitive}
    quads = [*added, *removed]
    sources = _axiom_sources(index, quads)
    touched: set[str] = set()
    for quad in quads:
        p = quad.predicate.value
        s = quad.subject.value if isinstance(quad.subject, ox.NamedNode) else None
        o = quad.object.value if isinstance(quad.object, ox.NamedNode) else None
        if p == RDF_TYPE and o in (OWL + "TransitiveProperty", CONCEPT_SCHEME):
            raise NeedsRebuild(f"a resource typed (or no longer typed) {o}")
        if p in (RDFS_LABEL, TITLE) and s is not None and (s.startswith(ns) or s in index.schemes):
            raise NeedsRebuild(f"the label or title of {s}, a term of the ontology or a concept scheme")
        if p == SUBCLASS_OF and s is not None and o is not None and s.startswith(ns) and o.startswith(ns):
            raise NeedsRebuild("a subclass edge between kinds")
        if p in AXIOM_PARTS:
            touched |= sources[quad.subject]
        elif p in NAMES or p in hierarchy:
            if s is not None:
                touched.add(s)
            if o is not None and p in hierarchy:
                touched.add(o)
    if len(touched) > MAX_TOUCHED:
        raise NeedsRebuild(f"{len(touched)} concepts touched (a patch follows at most {MAX_TOUCHED})")
    if not all(is_iri(t) for t in touched):
        raise NeedsRebuild("an IRI a query cannot name")
    return touched


_Subject = ox.NamedNode | ox.BlankNode | ox.Triple


def _axiom_sources(index: ConceptIndex, quads: list[ox.Quad]) -> dict[_Subject, set[str]]:
    """Axiom (its subject term) -> the IRIs of the concepts whose synonyms it may type: its
    owl:annotatedSource if the change names it; else, for its owl:annotatedTarget, the concepts
    with a synonym of that text, in the old index (a synonym with that text now that was not there
    before is in the change, so its concept is touched anyway). No concept for an axiom whose
    owl:annotatedProperty, in the change, is not a synonym property (a mapping's axiom)."""
    parts: dict[_Subject, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]]] = {}
    for quad in quads:
        if quad.predicate.value in AXIOM_PARTS:
            parts.setdefault(quad.subject, {}).setdefault(quad.predicate.value, []).append(quad.object)
    found: dict[_Subject, set[str]] = {}
    for axiom, given in parts.items():
        properties = given.get(OWL + "annotatedProperty", [])
        if properties and not any(isinstance(p, ox.NamedNode) and p.value in SCOPES for p in properties):
            found[axiom] = set()
        elif ANNOTATED_SOURCE in given:
            found[axiom] = {o.value for o in given[ANNOTATED_SOURCE] if isinstance(o, ox.NamedNode)}
        elif given.get(OWL + "annotatedTarget") and all(search_key(t.value) for t in given[OWL + "annotatedTarget"]
                                                        if not isinstance(t, ox.Triple)):
            found[axiom] = {e.iri for t in given[OWL + "annotatedTarget"] if not isinstance(t, ox.Triple)
                            for e in index.by_key.get(search_key(t.value), ()) if e.text == t.value}
        else:
            raise NeedsRebuild("an axiom changed whose owl:annotatedSource and target are not in the change")
    return found


def touches_sources(base: str, added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> bool:
    """Whether the change may alter the source labels of ``lookup.load_source_labels`` (titles of
    mkg:SourceDocument, foaf:name)."""
    document = base + ONTOLOGY + "SourceDocument"
    return any(q.predicate.value in (TITLE, FOAF_NAME)
               or (q.predicate.value == RDF_TYPE and isinstance(q.object, ox.NamedNode) and q.object.value == document)
               for q in (*added, *removed))


@dataclass
class _Now:
    """What the store holds now about the touched concepts."""

    curated: dict[str, tuple[str, str]] = field(default_factory=dict)  # IRI -> (label, kind IRI)
    vocab: dict[str, tuple[str, str]] = field(default_factory=dict)  # IRI -> (label, scheme IRI)
    synonyms: dict[str, dict[tuple[str, str], str | None]] = field(default_factory=dict)  # IRI -> (prop, text) -> type


def _one_label(rows: list[Row]) -> dict[str, str]:
    """``index._labels`` for the rows of a few concepts, refusing a pick that depends on row order
    (two English labels, or two labels and no English one)."""
    english: dict[str, set[str]] = {}
    other: dict[str, set[str]] = {}
    for row in rows:
        term = row["label"]
        is_english = term.lang in (None, "en") or (term.lang or "").startswith("en-")
        (english if is_english else other).setdefault(row["c"].value, set()).add(term.value)
    picked: dict[str, str] = {}
    for iri in {*english, *other}:
        names = english.get(iri) or other[iri]
        if len(names) > 1:
            raise NeedsRebuild(f"{iri} has {len(names)} preferred labels")
        picked[iri] = next(iter(names))
    return picked


def _read(index: ConceptIndex, run: QueryFunction, touched: list[str]) -> _Now:
    """The touched concepts' records, as ``build_index``'s queries see them, restricted to them."""
    head, ns = prologue(index.base), index.base + ONTOLOGY
    of = values("c", touched)
    now = _Now()
    rows = select(run, head + f"""SELECT ?c ?label ?kind WHERE {{ {of}
        ?c skos:prefLabel ?label ; a ?kind . FILTER(STRSTARTS(STR(?kind), "{ns}")) }}""")
    kinds: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: r["kind"].value):  # the smallest kind, as the build keeps
        kinds.setdefault(row["c"].value, row["kind"].value)
    now.curated = {iri: (label, kinds[iri]) for iri, label in _one_label(rows).items()}
    rows = select(run, head + f"SELECT ?c ?label ?scheme WHERE {{ {of} ?c skos:inScheme ?scheme ; rdfs:label ?label }}")
    for row in rows:
        iri, pair = row["c"].value, (row["label"].value, row["scheme"].value)
        if iri not in now.curated and now.vocab.setdefault(iri, pair) != pair:
            raise NeedsRebuild(f"{iri} has two labels or schemes")
    props = values("p", list(SCOPES))
    rows = select(run, head + f"SELECT ?c ?p ?text WHERE {{ {of} {props} ?c ?p ?text }}")
    typed = select(run, head + f"""SELECT ?c ?p ?text ?type WHERE {{ {of} {props} ?ax owl:annotatedSource ?c ;
        owl:annotatedProperty ?p ; owl:annotatedTarget ?text ; oboInOwl:hasSynonymType ?type }}""")
    types: dict[tuple[str, str, str], str] = {}
    for row in typed:
        name = (row["c"].value, row["p"].value, row["text"].value)
        if types.setdefault(name, row["type"].value) != row["type"].value:
            raise NeedsRebuild(f"a synonym of {name[0]} with two synonym types")
    for row in rows:
        iri, prop, text = row["c"].value, row["p"].value, row["text"].value
        now.synonyms.setdefault(iri, {})[(prop, text)] = types.get((iri, prop, text))
    return now


def _edges(index: ConceptIndex, run: QueryFunction, touched: list[str]
           ) -> tuple[dict[str, dict[str, set[str]]], dict[str, dict[str, set[str]]]]:
    """relation -> touched concept -> its parents, and relation -> touched concept -> its children."""
    head = prologue(index.base)
    relations = values("p", list(index.up))
    parents: dict[str, dict[str, set[str]]] = {p: {} for p in index.up}
    children: dict[str, dict[str, set[str]]] = {p: {} for p in index.up}
    for row in select(run, head + f"SELECT ?s ?p ?o WHERE {{ {values('s', touched)} {relations} ?s ?p ?o }}"):
        parents[row["p"].value].setdefault(row["s"].value, set()).add(row["o"].value)
    for row in select(run, head + f"SELECT ?s ?p ?o WHERE {{ {values('o', touched)} {relations} ?s ?p ?o }}"):
        children[row["p"].value].setdefault(row["o"].value, set()).add(row["s"].value)
    return parents, children


def follow_index(index: ConceptIndex, run: QueryFunction, added: Iterable[ox.Quad],
                 removed: Iterable[ox.Quad]) -> ConceptIndex:
    """The index of the graph behind ``run`` (which already holds the change), made from
    ``index`` (the index before the change, left as it is) and the change: quads added and
    removed. Equal to ``build_index(run)`` in every container, and in the order of Entry.rank.

    Raises NeedsRebuild when the change is one a patch does not follow (module docstring);
    SparqlError if the store fails a query."""
    added, removed = list(added), list(removed)
    touched = touched_concepts(index, added, removed)
    if not touched:
        return index
    # Copies of big containers, none of them garbage: a cyclic collection over the millions of
    # objects of the index would cost more than the patch (as in build_index). Off meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _follow(index, run, added, removed, touched)
    finally:
        if collecting:
            gc.enable()


def _follow(index: ConceptIndex, run: QueryFunction, added: list[ox.Quad], removed: list[ox.Quad],
            touched: set[str]) -> ConceptIndex:
    ordered = sorted(touched)
    now = _read(index, run, ordered)
    new = _concept_tables(index, touched, now)
    removed_names: dict[str, set[tuple[str, str]]] = {}
    for quad in removed:
        if quad.predicate.value in SCOPES and isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.Literal):
            removed_names.setdefault(quad.subject.value, set()).add((SCOPES[quad.predicate.value], quad.object.value))
    gone: set[Entry] = set()
    born: set[Entry] = set()
    moved: set[str] = set()  # concepts that came, went, or changed label (their place in lists)
    for iri in ordered:
        was, will = iri in index.concepts, iri in new.concepts
        before: set[Entry] = set()
        if was:
            names = [("label", index.concepts.label(iri)), *removed_names.get(iri, ()),
                     *((SCOPES[p], text) for p, text in now.synonyms.get(iri, {}))]
            before = old_entries(index, iri, names)
        after: set[Entry] = set()
        if will:
            after.add(Entry(iri, new.concepts.label(iri), "label", None))
            after.update(Entry(iri, text, SCOPES[p], kind) for (p, text), kind in now.synonyms.get(iri, {}).items())
        same_place = was and will and (index.sort_label[iri] == new.sort_label[iri]
                                       and (iri in index.concepts.curated) == (iri in new.concepts.curated))
        if not same_place and (was or will):
            moved.add(iri)
        gone |= before if not same_place else before - after
        born |= after if not same_place else after - before
    born = patch_entries(index, new, gone, born)  # as ranked
    patch_search(index, new, gone, born)
    if moved or any(q.predicate.value in index.up for q in (*added, *removed)):
        parents, children = _edges(index, run, ordered)
        order, is_concept = neighbour_key(new), new.concepts.__contains__
        new.up, new.down = dict(index.up), dict(index.down)
        for relation in index.up:
            new.up[relation], new.down[relation] = patch_relation(
                index.up[relation], index.down[relation], touched, parents[relation], children[relation],
                order, is_concept)
    else:
        new.up, new.down = index.up, index.down
    return new


def _concept_tables(index: ConceptIndex, touched: set[str], now: _Now) -> ConceptIndex:
    """A new index sharing ``index``'s containers, with its own concept tables (curated records,
    kinds, sort labels, vocabulary concepts, scheme sizes) updated for the touched concepts."""
    new = ConceptIndex(base=index.base)
    new.labels, new.subkinds, new.transitive, new.schemes = index.labels, index.subkinds, index.transitive, index.schemes
    curated, kind_of, sort_label = (dict(index.concepts.curated), dict(index.kind_of.curated),
                                    dict(index.sort_label.curated))
    vocab, sizes = index.concepts.vocab, dict(index.scheme_sizes)
    vocab_copied = False
    for iri in touched:
        for table in (curated, kind_of, sort_label):
            table.pop(iri, None)
        if iri in now.curated:
            label, kind = now.curated[iri]
            curated[iri] = ConceptRef(iri=iri, curie=index.curie(iri), label=label, kind=index.curie(kind) or kind,
                                      kind_label=index.labels.get(kind))
            kind_of[iri], sort_label[iri] = kind, label.casefold()
        was = vocab.get(iri)
        will = now.vocab.get(iri) if iri not in now.curated else None
        if was == will:
            continue
        if not vocab_copied:
            vocab, vocab_copied = dict(vocab), True
        if was is not None:
            del vocab[iri]
            sizes[was[1]] -= 1
        if will is not None:
            if will[1] not in sizes:
                raise NeedsRebuild(f"a concept in {will[1]}, a scheme the index does not know yet")
            vocab[iri] = will
            sizes[will[1]] += 1
    if any(count == 0 for count in sizes.values()):
        raise NeedsRebuild("a concept scheme lost its last concept")
    new.concepts.curated, new.concepts.vocab = curated, vocab
    new.kind_of.curated, new.sort_label.curated = kind_of, sort_label
    new.scheme_sizes = sizes if sizes != index.scheme_sizes else index.scheme_sizes
    if not vocab_copied and "_sorted_codes" in index.__dict__:
        new.__dict__["_sorted_codes"] = index.__dict__["_sorted_codes"]
    return new
