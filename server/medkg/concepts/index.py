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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

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
SKOS_CONCEPT = SKOS + "Concept"  # the kind of a vocabulary concept (a code, a term, a disease)
SCOPES: dict[str, Scope] = {
    OBO_IN_OWL + "hasExactSynonym": "exact",
    OBO_IN_OWL + "hasRelatedSynonym": "related",
    OBO_IN_OWL + "hasBroadSynonym": "broad",
    OBO_IN_OWL + "hasNarrowSynonym": "narrow",
}
# Order of preference among names that match equally well.
SCOPE_RANK: dict[str, int] = {"label": 0, "exact": 1, "narrow": 2, "related": 3, "broad": 4}
# Ranks are spaced so that a name added by a write (concepts.follow) fits between its neighbours.
RANK_GAP = 1 << 16


class Entry(NamedTuple):
    """One name of a concept: its preferred label or one synonym.

    A tuple, so that the ~170k of the full vocabularies' index are rebuilt from a saved index by
    the tuple type itself, not by a Python call each (``__reduce__``). Two entries are the same
    name when they agree on all but ``rank`` (``__eq__``): a patched index re-ranks names."""

    iri: str
    text: str
    scope: Scope
    synonym_type: str | None  # full IRI
    # Where this name ranks among all names of the index (``rank_key``), as one int, so that search
    # ranks thousands of matches with integer comparisons: set by _build_search (spaced by RANK_GAP,
    # so that a name added by a write fits between its neighbours: concepts.index_patch).
    rank: int = 0

    @property
    def order(self) -> tuple[int, int, str]:
        """How this name ranks among names that match equally well: label first, then shorter.
        Computed when asked (when an index is built or patched), not kept: the saved index of the
        full vocabularies would hold 330k more objects to load at each start."""
        return SCOPE_RANK[self.scope], len(self.text), self.text.casefold()

    def ranked(self, rank: int) -> Entry:
        """The same name at ``rank``."""
        return _NEW_TUPLE(Entry, (self[0], self[1], self[2], self[3], rank))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Entry) and self[:4] == other[:4]

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self[:4])

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return _NEW_TUPLE, (Entry, tuple(self))

    @property
    def lay(self) -> bool:
        return self.synonym_type == LAY

    @property
    def abbreviation(self) -> bool:
        return self.synonym_type == ABBREVIATION


_NEW_TUPLE = tuple.__new__


class ConceptTable(Mapping[str, ConceptRef]):
    """Every concept by IRI. The curated concepts are kept as records; the concepts of the
    reference vocabularies (ICD-10-CM, HPO, diseases: 130k+) as (label, scheme) pairs, made into a
    ConceptRef when asked for, which keeps the index small (a pydantic record each: ~1 KB)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.curated: dict[str, ConceptRef] = {}
        self.vocab: dict[str, tuple[str, str]] = {}  # IRI -> (label, scheme IRI)

    def __getitem__(self, iri: str) -> ConceptRef:
        ref = self.curated.get(iri)
        if ref is not None:
            return ref
        label, scheme = self.vocab[iri]
        return ConceptRef(iri=iri, curie=compress(iri, self.base), label=label, kind="skos:Concept",
                          kind_label="concept", scheme=compress(scheme, self.base) or scheme)

    def __contains__(self, iri: object) -> bool:
        return iri in self.curated or iri in self.vocab

    def __iter__(self) -> Iterator[str]:
        yield from self.curated
        yield from self.vocab

    def __len__(self) -> int:
        return len(self.curated) + len(self.vocab)

    def __setitem__(self, iri: str, ref: ConceptRef) -> None:
        self.curated[iri] = ref

    def label(self, iri: str) -> str:
        ref = self.curated.get(iri)
        return ref.label if ref is not None else self.vocab[iri][0]

    def scheme(self, iri: str) -> str | None:
        """The scheme IRI of a vocabulary concept; None for a curated concept."""
        found = self.vocab.get(iri)
        return found[1] if found is not None else None


class _CuratedFirst(Mapping[str, str]):
    """A per-concept value: stored for the curated concepts (which iteration covers), computed for
    vocabulary concepts from the ConceptTable when asked for."""

    def __init__(self, table: ConceptTable, vocab_value: str | None) -> None:
        self.table = table
        self.curated: dict[str, str] = {}
        self.vocab_value = vocab_value  # None: the concept's label, casefolded

    def __getitem__(self, iri: str) -> str:
        value = self.curated.get(iri)
        if value is not None:
            return value
        label, _ = self.table.vocab[iri]
        return self.vocab_value if self.vocab_value is not None else label.casefold()

    def __contains__(self, iri: object) -> bool:
        return iri in self.curated or iri in self.table.vocab

    def __iter__(self) -> Iterator[str]:
        return iter(self.curated)

    def __len__(self) -> int:
        return len(self.curated)

    def __setitem__(self, iri: str, value: str) -> None:
        self.curated[iri] = value

    def setdefault(self, iri: str, value: str) -> str:
        return self.curated.setdefault(iri, value)


@dataclass
class ConceptIndex:
    base: str
    concepts: ConceptTable = field(init=False)
    entries: list[Entry] = field(default_factory=list)  # in rank order once built
    rank_width: int = 1  # more than any Entry.rank
    # Search: normalised names sorted, each with the entries that have it (in rank order).
    keys: list[str] = field(default_factory=list)
    by_key: dict[str, list[Entry]] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # every word of every key, sorted, once
    postings: dict[str, list[str]] = field(default_factory=dict)  # word -> the keys that have it, sorted
    # Annotate: token-key tuples of each name -> entries (in rank order).
    phrases: dict[tuple[str, ...], list[Entry]] = field(default_factory=dict)
    longest_phrase: int = 0
    first_token: dict[str, int] = field(default_factory=dict)  # token key -> longest name it starts
    # Vocabulary: labels of kinds and properties, kind -> itself and its subkinds.
    labels: dict[str, str] = field(default_factory=dict)
    kind_of: _CuratedFirst = field(init=False)  # concept -> its kind (IRI); skos:Concept for vocabularies
    sort_label: _CuratedFirst = field(init=False)  # concept -> its label casefolded
    schemes: dict[str, str] = field(default_factory=dict)  # scheme IRI -> its title or label
    scheme_sizes: dict[str, int] = field(default_factory=dict)  # scheme IRI -> number of its concepts
    subkinds: dict[str, set[str]] = field(default_factory=dict)
    transitive: set[str] = field(default_factory=set)
    # Hierarchies: relation IRI -> child -> parents, and parent -> children.
    up: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    down: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.concepts = ConceptTable(self.base)
        self.kind_of = _CuratedFirst(self.concepts, SKOS_CONCEPT)
        self.sort_label = _CuratedFirst(self.concepts, None)

    def curie(self, iri: str) -> str | None:
        return compress(iri, self.base)

    def sorted_codes(self) -> list[str]:
        """The IRIs of the vocabulary concepts, sorted (made on first use, kept)."""
        found = self.__dict__.get("_sorted_codes")
        if found is None:
            found = self.__dict__["_sorted_codes"] = sorted(self.concepts.vocab)
        return found

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
        _load_vocabulary_concepts(index, run, head)
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


def _load_vocabulary_concepts(index: ConceptIndex, run: QueryFunction, head: str) -> None:
    """The concepts of the reference vocabularies (and the codes the curated mappings name): each
    resource in a skos:ConceptScheme with an rdfs:label, not already a curated concept."""
    rows = select(run, head + """SELECT ?c ?label ?scheme WHERE {
        ?c skos:inScheme ?scheme ; rdfs:label ?label . FILTER(isIRI(?c)) }""")
    schemes: dict[str, str] = {}  # one string per scheme, shared by its concepts
    vocab = index.concepts.vocab
    for row in rows:
        iri = row["c"].value
        if iri not in vocab and iri not in index.concepts.curated:  # one label each (the model has one)
            vocab[iri] = (row["label"].value, schemes.setdefault(row["scheme"].value, row["scheme"].value))
    for iri in sorted(vocab):
        index.entries.append(Entry(iri, vocab[iri][0], "label", None))
    titles = select(run, head + """SELECT ?s ?label WHERE { ?s a skos:ConceptScheme .
        { ?s dcterms:title ?label } UNION { ?s rdfs:label ?label } }""")
    index.scheme_sizes = dict.fromkeys(schemes, 0)
    for _, scheme in vocab.values():
        index.scheme_sizes[scheme] += 1
    index.schemes = {scheme: scheme.rstrip("/").rsplit("/", 1)[-1] for scheme in schemes}
    index.schemes.update({k: v for k, v in _labels(titles, "s", "label").items() if k in schemes})


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
    order = neighbour_key(index)
    for tables in (index.up, index.down):
        for relation, table in tables.items():
            tables[relation] = {key: sorted(set(items), key=order) for key, items in table.items()}


def neighbour_key(index: ConceptIndex) -> Callable[[str], tuple[str, str]]:
    """The order of the concepts in a hierarchy list: by label casefolded, then IRI."""
    sort_label = index.sort_label
    return lambda iri: (sort_label[iri], iri)


def rank_key(index: ConceptIndex) -> Callable[[Entry], tuple[tuple[int, int, str], bool, str, str, str, str]]:
    """The ranking order of names (one total order: no two entries share a key): the best name
    first (``Entry.order``), a curated concept before a vocabulary's code of the same name
    (medkg:osteoporosis before HP:0000939 "Osteoporosis": the curated one links to the others),
    then by the concept's label, IRI, the name itself and its synonym type."""
    curated, sort_label = index.concepts.curated, index.sort_label
    return lambda e: (e.order, e.iri not in curated, sort_label[e.iri], e.iri, e.text, e.synonym_type or "")


def _build_search(index: ConceptIndex) -> None:
    index.entries.sort(key=rank_key(index))
    index.entries = [entry.ranked(position * RANK_GAP) for position, entry in enumerate(index.entries, 1)]
    index.rank_width = (len(index.entries) + 1) * RANK_GAP
    by_key: dict[str, list[Entry]] = defaultdict(list)
    for entry in index.entries:
        key = search_key(entry.text)
        if key:
            by_key[key].append(entry)
    index.by_key = dict(by_key)
    index.keys = sorted(by_key)
    postings: dict[str, list[str]] = defaultdict(list)
    for key in index.keys:
        for word in set(key.split(" ")):
            postings[word].append(key)
    index.postings = dict(postings)
    index.words = sorted(postings)


def _build_phrases(index: ConceptIndex) -> None:
    phrases: dict[tuple[str, ...], list[Entry]] = defaultdict(list)
    for entry in index.entries:
        if entry.iri not in index.concepts.curated:  # annotate finds the curated concepts only
            continue
        keys = tuple(token_key(t) for t in TOKEN.findall(entry.text))  # as annotate's tokens() finds them
        if keys:
            phrases[keys].append(entry)
    index.phrases = dict(phrases)
    index.longest_phrase, index.first_token = phrase_limits(index.phrases)


def phrase_limits(phrases: Mapping[tuple[str, ...], object]) -> tuple[int, dict[str, int]]:
    """The most tokens of a name, and token key -> the most tokens of a name it starts."""
    first: dict[str, int] = {}
    for keys in phrases:
        first[keys[0]] = max(first.get(keys[0], 0), len(keys))
    return max((len(k) for k in phrases), default=0), first


def key_range(keys: list[str], prefix: str) -> tuple[int, int]:
    """The slice of sorted ``keys`` that start with ``prefix``."""
    lo = bisect.bisect_left(keys, prefix)
    hi = bisect.bisect_left(keys, prefix + "\U0010ffff")
    return lo, hi


def spaced_keys(keys: list[str], letters: str, budget: int = 4096) -> list[str]:
    """The sorted ``keys`` that are ``letters`` (a key without its spaces) with spaces put back
    between some of its letters: "tailbone" -> "tail bone", "tailbone", "tail b one" if held.

    A walk along ``letters`` that only follows spellings some key starts with (two bisections a
    step), so it costs what the graph's names share with the query, not a table of every key
    without spaces (which the index of the full vocabularies would load at each start: 320k
    objects). ``budget`` bounds the steps, for names that share a long spaced start."""
    found: list[str] = []
    stack = [(letters[:1], 1)] if letters else []
    while stack and budget > 0:
        budget -= 1
        prefix, used = stack.pop()
        lo, hi = key_range(keys, prefix)
        if lo == hi:
            continue
        if used == len(letters):
            if keys[lo] == prefix:
                found.append(prefix)
            continue
        stack.append((prefix + letters[used], used + 1))
        stack.append((prefix + " " + letters[used], used + 1))
    return sorted(found)
