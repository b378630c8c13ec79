"""In-memory indexes of the graph, read from the store with a handful of SPARQL queries.

Search, annotate, kind filters and hierarchy walks need every label and every broader edge at
hand; asking the store on each keystroke would cost a round trip per query. An index is a
read-only snapshot: ``build_index`` makes a fresh one, and the service swaps it in whole when the
graph changes (issue 7), so a reader never sees half an index.
"""

from __future__ import annotations

import bisect
import gc
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from medkg.concepts.models import ConceptRef, Scope
from medkg.concepts.text import TOKEN, search_key, token_key
from medkg.graph.namespaces import DEFAULT_BASE, ONTOLOGY, converter
from medkg.graph.reach import closure
from medkg.sparql.client import QueryFunction, Term, prologue, select, values

SKOS = "http://www.w3.org/2004/02/skos/core#"
OBO_IN_OWL = "http://www.geneontology.org/formats/oboInOwl#"
OMO = "http://purl.obolibrary.org/obo/OMO_"
LAY = OMO + "0003003"
ABBREVIATION = OMO + "0003000"
MISNOMER = OMO + "0003007"  # "not technically correct but commonly used anyway" (OMO release 2025-06-18)
BROADER = SKOS + "broader"
SCOPES: dict[str, Scope] = {
    OBO_IN_OWL + "hasExactSynonym": "exact",
    OBO_IN_OWL + "hasRelatedSynonym": "related",
    OBO_IN_OWL + "hasBroadSynonym": "broad",
    OBO_IN_OWL + "hasNarrowSynonym": "narrow",
}
# Order of preference among names that match equally well.
SCOPE_RANK: dict[str, int] = {"label": 0, "exact": 1, "narrow": 2, "related": 3, "broad": 4}


@dataclass(frozen=True, slots=True)
class Entry:
    """One name of a concept: its preferred label or one synonym."""

    iri: str
    text: str
    scope: Scope
    synonym_type: str | None  # full IRI
    # How this name ranks among names that match equally well: label first, then shorter.
    order: tuple[int, int, str] = field(init=False, compare=False)
    # The same as one int over the whole index (ties broken by the concept's label): set by
    # _build_search, so that search ranks thousands of matches with integer comparisons.
    rank: int = field(init=False, compare=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "order", (SCOPE_RANK[self.scope], len(self.text), self.text.casefold()))

    @property
    def lay(self) -> bool:
        return self.synonym_type == LAY

    @property
    def abbreviation(self) -> bool:
        return self.synonym_type == ABBREVIATION


@dataclass
class ConceptIndex:
    base: str
    concepts: dict[str, ConceptRef] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    # Search: normalised names sorted, each with the entries that have it.
    keys: list[str] = field(default_factory=list)
    by_key: dict[str, list[Entry]] = field(default_factory=dict)
    compact: dict[str, list[str]] = field(default_factory=dict)  # key without spaces -> keys ("tail bone")
    words: list[str] = field(default_factory=list)  # every word of every key, sorted, once
    postings: dict[str, list[int]] = field(default_factory=dict)  # word -> positions in keys
    # Annotate: token-key tuples of each name -> entries.
    phrases: dict[tuple[str, ...], list[Entry]] = field(default_factory=dict)
    longest_phrase: int = 0
    first_token: dict[str, int] = field(default_factory=dict)  # token key -> longest name it starts
    # Vocabulary: labels of kinds and properties, kind -> itself and its subkinds.
    labels: dict[str, str] = field(default_factory=dict)
    kind_of: dict[str, str] = field(default_factory=dict)  # concept -> its kind (IRI)
    sort_label: dict[str, str] = field(default_factory=dict)  # concept -> its label casefolded
    subkinds: dict[str, set[str]] = field(default_factory=dict)
    transitive: set[str] = field(default_factory=set)
    # Hierarchies: relation IRI -> child -> parents, and parent -> children.
    up: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    down: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def curie(self, iri: str) -> str | None:
        return compress(iri, self.base)

    def ref(self, iri: str) -> ConceptRef | None:
        return self.concepts.get(iri)


@lru_cache(maxsize=4096)
def _namespace_prefix(namespace: str, base: str) -> str | None:
    """The CURIE prefix of every IRI ``namespace`` + local name, if one prefix is sure to cover
    them all: the namespace is itself a prefix's IRI, and no longer prefix IRI extends it."""
    prefix = converter(base).reverse_prefix_map.get(namespace)
    if prefix is None or any(len(other) > len(namespace) and other.startswith(namespace)
                             for other in converter(base).reverse_prefix_map):
        return None
    return prefix


def compress(iri: str, base: str = DEFAULT_BASE) -> str | None:
    """``converter(base).compress(iri)``, without its per-call cost for IRIs of a "/" or "#" namespace."""
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    if 0 < cut < len(iri):
        prefix = _namespace_prefix(iri[:cut], base)
        if prefix is not None:
            return f"{prefix}:{iri[cut:]}"
    return converter(base).compress(iri)


def _labels(rows: list[dict[str, Term]], subject: str, label: str) -> dict[str, str]:
    """One label per subject: an English or untagged one when there is one, else the first."""
    picked: dict[str, tuple[bool, str]] = {}
    for row in rows:
        iri, term = row[subject].value, row[label]
        english = term.lang in (None, "en") or (term.lang or "").startswith("en-")
        if iri not in picked or (english and not picked[iri][0]):
            picked[iri] = (english, term.value)
    return {iri: text for iri, (_, text) in picked.items()}


def build_index(run: QueryFunction, base: str = DEFAULT_BASE) -> ConceptIndex:
    """A fresh index of the graph behind ``run``."""
    index = ConceptIndex(base=base)
    head = prologue(base)
    # Hundreds of thousands of objects, none of them garbage: the cyclic collector would walk them
    # again and again as they pile up (a third of the time on a 1M-triple graph). Off meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _load_vocabulary(index, run, head)
        _load_concepts(index, run, head)
        _load_synonyms(index, run, head)
        _load_hierarchies(index, run, head)
        _build_search(index)
        _build_phrases(index)
    finally:
        if collecting:
            gc.enable()
    return index


def _load_vocabulary(index: ConceptIndex, run: QueryFunction, head: str) -> None:
    ns = index.base + ONTOLOGY
    rows = select(run, head + f"""SELECT ?term ?label WHERE {{
        ?term rdfs:label ?label . FILTER(STRSTARTS(STR(?term), "{ns}")) }}""")
    index.labels = _labels(rows, "term", "label")
    edges = select(run, head + f"""SELECT ?sub ?super WHERE {{ ?sub rdfs:subClassOf ?super .
        FILTER(STRSTARTS(STR(?sub), "{ns}") && STRSTARTS(STR(?super), "{ns}")) }}""")
    children: dict[str, set[str]] = defaultdict(set)
    for row in edges:
        children[row["super"].value].add(row["sub"].value)
    index.subkinds.update(closure(children, set(index.labels) | set(children)))
    rows = select(run, head + "SELECT ?p WHERE { ?p a owl:TransitiveProperty }")
    index.transitive = {row["p"].value for row in rows if row["p"].value.startswith(ns)}


def _load_concepts(index: ConceptIndex, run: QueryFunction, head: str) -> None:
    ns = index.base + ONTOLOGY
    # A concept: something with a preferred label, typed with a kind of the ontology namespace.
    rows = select(run, head + f"""SELECT ?c ?label ?kind WHERE {{
        ?c skos:prefLabel ?label ; a ?kind . FILTER(STRSTARTS(STR(?kind), "{ns}") && isIRI(?c)) }}""")
    for row in sorted(rows, key=lambda r: r["kind"].value):  # the same kind on every rebuild
        index.kind_of.setdefault(row["c"].value, row["kind"].value)
    for iri, label in sorted(_labels(rows, "c", "label").items()):
        kind = index.kind_of[iri]
        index.concepts[iri] = ConceptRef(
            iri=iri, curie=index.curie(iri), label=label, kind=index.curie(kind) or kind,
            kind_label=index.labels.get(kind))
        index.entries.append(Entry(iri, label, "label", None))
        index.sort_label[iri] = label.casefold()


def _load_synonyms(index: ConceptIndex, run: QueryFunction, head: str) -> None:
    # Two plain queries joined here: much faster on big graphs than one with an OPTIONAL join.
    props = values("p", list(SCOPES))
    rows = select(run, head + f"SELECT ?c ?p ?text WHERE {{ {props} ?c ?p ?text }}")
    typed = select(run, head + f"""SELECT ?c ?p ?text ?type WHERE {{ {props} ?ax owl:annotatedSource ?c ;
        owl:annotatedProperty ?p ; owl:annotatedTarget ?text ; oboInOwl:hasSynonymType ?type }}""")
    types = {(r["c"].value, r["p"].value, r["text"].value): r["type"].value for r in typed}
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        iri, prop, text = row["c"].value, row["p"].value, row["text"].value
        if iri not in index.concepts or (iri, prop, text) in seen:
            continue
        seen.add((iri, prop, text))
        index.entries.append(Entry(iri, text, SCOPES[prop], types.get((iri, prop, text))))


def _load_hierarchies(index: ConceptIndex, run: QueryFunction, head: str) -> None:
    relations = [BROADER, *sorted(index.transitive)]
    rows = select(run, head + f"SELECT ?s ?p ?o WHERE {{ {values('p', relations)} ?s ?p ?o }}")
    for relation in relations:
        index.up[relation] = defaultdict(list)
        index.down[relation] = defaultdict(list)
    for row in rows:
        s, p, o = row["s"].value, row["p"].value, row["o"].value
        if s in index.concepts and o in index.concepts:
            index.up[p][s].append(o)
            index.down[p][o].append(s)
    for table in (*index.up.values(), *index.down.values()):
        for key, items in table.items():
            table[key] = sorted(set(items), key=lambda i: index.concepts[i].label.casefold())


def _build_search(index: ConceptIndex) -> None:
    by_key: dict[str, list[Entry]] = defaultdict(list)
    for entry in index.entries:
        key = search_key(entry.text)
        if key:
            by_key[key].append(entry)
    index.by_key = dict(by_key)
    ranked = sorted(index.entries, key=lambda e: (e.order, index.sort_label[e.iri], e.iri))
    for rank, entry in enumerate(ranked):
        object.__setattr__(entry, "rank", rank)
    index.keys = sorted(by_key)
    compact: dict[str, list[str]] = defaultdict(list)
    postings: dict[str, list[int]] = defaultdict(list)
    for position, key in enumerate(index.keys):
        compact[key.replace(" ", "")].append(key)
        for word in set(key.split(" ")):
            postings[word].append(position)
    index.compact = dict(compact)
    index.postings = dict(postings)
    index.words = sorted(postings)


def _build_phrases(index: ConceptIndex) -> None:
    phrases: dict[tuple[str, ...], list[Entry]] = defaultdict(list)
    for entry in index.entries:
        keys = tuple(token_key(t) for t in TOKEN.findall(entry.text))  # as annotate's tokens() finds them
        if keys:
            phrases[keys].append(entry)
    index.phrases = dict(phrases)
    index.longest_phrase = max((len(k) for k in phrases), default=0)
    for keys in phrases:
        index.first_token[keys[0]] = max(index.first_token.get(keys[0], 0), len(keys))


def key_range(keys: list[str], prefix: str) -> tuple[int, int]:
    """The slice of sorted ``keys`` that start with ``prefix``."""
    lo = bisect.bisect_left(keys, prefix)
    hi = bisect.bisect_left(keys, prefix + "\U0010ffff")
    return lo, hi
