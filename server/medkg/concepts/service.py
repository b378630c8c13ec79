"""ConceptService: every concept operation, for Python callers and the HTTP API alike.

It talks to the store only through a SPARQL query function (``medkg.sparql.client``), keeps a
snapshot of in-memory indexes built from SPARQL, and caches concept records per snapshot.
After the graph changes, ``follow()`` patches the snapshot for the change (``concepts.follow``)
and ``refresh()`` rebuilds it; either swaps the new one in whole.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from medkg.concepts import annotate as _annotate
from medkg.concepts import describe as _describe
from medkg.concepts import hierarchy as _hierarchy
from medkg.concepts import mappings as _mappings
from medkg.concepts import phenotypes as _phenotypes
from medkg.concepts import search as _search
from medkg.concepts import sssom as _sssom
from medkg.concepts.follow import NeedsRebuild, follow_index, touches_sources
from medkg.concepts.identifiers import CODE_SYSTEMS, NotFound, check_code, to_iri
from medkg.concepts.index import ConceptIndex, build_index, key_range
from medkg.concepts.lookup import load_source_labels, lookup
from medkg.concepts.models import (
    AnnotationResults,
    BatchItem,
    BatchResults,
    CodeMappingResult,
    Concept,
    ConceptRef,
    HierarchyResults,
    NeighbourResults,
    PhenotypeResults,
    SearchResults,
)
from medkg.concepts.persist import SavedIndex
from medkg.concepts.search import InvalidQuery
from medkg.concepts.text import search_key
from medkg.graph.namespaces import DEFAULT_BASE, SOURCE, converter
from medkg.sparql.client import QueryFunction, Triple, store_client

MAX_LIMIT = 1000
_log = logging.getLogger(__name__)
MAX_BATCH = 1000


@dataclass(frozen=True)
class _Snapshot:
    index: ConceptIndex
    sources: dict[str, str]
    record: Callable[[str], Concept]
    record_json: Callable[[str], bytes]
    json_cache: dict[str, bytes]  # IRI -> record as JSON, filled by record_json


_LOADED = 1000  # concepts of a scheme beyond which its vocabulary is loaded (the curated graph names ~20 codes)
_VOCABULARY_OF = {"ICD10CM": ("icd-10-cm", "icd10cm"), "HP": ("hpo", "hpo")}  # prefix -> (scheme, vocab name)


def _scheme_of(index: ConceptIndex, prefix: str) -> tuple[str, str, int]:
    """(scheme IRI, vocabulary name for --vocab, concepts of it the graph holds) of a code prefix."""
    scheme, name = _VOCABULARY_OF.get(prefix, ("omim", "hpo-annotations"))
    iri = index.base + SOURCE + scheme
    return iri, name, index.scheme_sizes.get(iri, 0)


def _vocab_hint(index: ConceptIndex, prefix: str) -> str:
    """For a code not found: how many codes of its vocabulary the graph holds, and how to load it."""
    _, name, held = _scheme_of(index, prefix)
    if held >= _LOADED:
        return ""
    return f" (it holds {held} concepts of this vocabulary; all of them load with medkg serve --vocab {name})"


def check_page(limit: int, offset: int) -> None:
    """Raises InvalidQuery for a page the API does not serve."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise InvalidQuery("offset must be 0 or more")


def _save_quietly(saved: SavedIndex, key: str, snapshot: tuple[ConceptIndex, dict[str, str]]) -> None:
    """Saves a snapshot in the background: a failure only means the next start builds anew."""
    try:
        snapshot[0].sorted_codes()  # made now, not by a reader while pickle walks the index
        saved.save(key, snapshot)
    except Exception as error:  # noqa: BLE001 - an optimisation: log it, never kill the thread noisily
        _log.warning("the concept index was not saved beside %s: %s", saved.store, error)


class ConceptService:
    """The concept operations over one graph. Thread-safe for readers."""

    def __init__(self, run: QueryFunction, base: str = DEFAULT_BASE, cache_size: int = 4096,
                 saved: SavedIndex | None = None) -> None:
        """``saved``: where the indexes of an on-disk store are kept between starts (``persist``)."""
        self.run = run
        self.base = base
        self.cache_size = cache_size
        self._changing = threading.Lock()  # one follow/refresh at a time; readers never wait
        self._snapshot = self._build(saved)
        self.last_follow: str = ""  # how the last follow() went: "patched", or why it rebuilt

    @classmethod
    def from_store(cls, store: ox.Store, base: str = DEFAULT_BASE, cache_size: int = 4096,
                   saved_beside: Path | None = None) -> ConceptService:
        """A service over an embedded pyoxigraph store; for an on-disk one, ``saved_beside`` is its
        RocksDB folder, and the indexes are saved next to it for the next start."""
        saved = SavedIndex.beside(saved_beside, base) if saved_beside is not None else None
        return cls(store_client(store), base, cache_size, saved)

    def _build(self, saved: SavedIndex | None = None) -> _Snapshot:
        key = saved.key() if saved is not None else ""
        found = saved.load(key) if saved is not None else None
        if isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], ConceptIndex):
            index, sources = found
        else:
            index = build_index(self.run, self.base)
            sources = load_source_labels(self.run, self.base)
            if saved is not None:
                saved.save(key, (index, sources))
        return self._snapshot_of(index, sources)

    def _snapshot_of(self, index: ConceptIndex, sources: dict[str, str]) -> _Snapshot:
        """A snapshot of ``index`` with fresh record caches."""

        def record(concept: str) -> Concept:
            return lookup(self.run, index, sources, concept)

        # Records stay valid until refresh(), which makes a new snapshot with new caches.
        cached = lru_cache(maxsize=self.cache_size)(record) if self.cache_size else record

        json_cache: dict[str, bytes] = {}
        size = self.cache_size

        def record_json(concept: str) -> bytes:
            data = json_cache.get(concept)
            if data is None:
                data = cached(concept).model_dump_json().encode()
                if size:
                    if len(json_cache) >= size:  # drop the oldest: dicts keep insertion order
                        try:
                            del json_cache[next(iter(json_cache))]
                        except (RuntimeError, StopIteration, KeyError):  # another thread got there first
                            pass
                    json_cache[concept] = data
            return data

        return _Snapshot(index, sources, cached, record_json, json_cache)

    def refresh(self) -> None:
        """Rebuilds the indexes and drops cached records: call after the graph changed."""
        with self._changing:
            self._snapshot = self._build()

    def follow(self, added: list[ox.Quad], removed: list[ox.Quad], saved_beside: Path | None = None) -> None:
        """Follows a committed write: swaps in a new snapshot (index and fresh record caches) equal
        to what ``refresh()`` would build, made from the current one and the change (``added`` and
        ``removed`` quads, which the store behind ``self.run`` already holds). Milliseconds for a
        few triples; a change a patch does not follow (``concepts.follow``) is a full rebuild.
        Readers holding the current snapshot keep seeing it unchanged.

        Call once per committed write, in commit order. ``saved_beside``: the RocksDB folder of an
        on-disk store after the write; the new snapshot is saved beside it (``persist``) by a
        daemon thread, so a restart reuses it without this call waiting. Raises SparqlError if the
        store fails a query (the current snapshot is then kept)."""
        with self._changing:
            old = self._snapshot
            try:
                index = follow_index(old.index, self.run, added, removed)
                self.last_follow = "patched"
            except NeedsRebuild as why:
                index, self.last_follow = build_index(self.run, self.base), f"rebuilt: {why}"
                sources = load_source_labels(self.run, self.base)
            else:
                changed = touches_sources(self.base, added, removed)
                sources = load_source_labels(self.run, self.base) if changed else old.sources
            self._snapshot = self._snapshot_of(index, sources)
        if saved_beside is not None:
            saved = SavedIndex.beside(saved_beside, self.base)
            key = saved.key()  # the store as it is now, which the snapshot matches
            threading.Thread(target=_save_quietly, args=(saved, key, (index, sources)), daemon=True,
                             name="medkg-save-index").start()

    @property
    def index(self) -> ConceptIndex:
        return self._snapshot.index

    # --- Identifiers ----------------------------------------------------------------------------

    def resolve(self, identifier: str) -> str:
        """The IRI of a concept named by IRI, CURIE or bare name, or of a code in any form map_code
        takes (S32.10XA, S3210XA, HP_0002659); NotFound (with suggestions) if none.

        Raises InvalidIdentifier for a code whose local part has not its vocabulary's form."""
        concept = to_iri(identifier, self.base)
        check_code(concept, self.base)
        index = self.index
        if concept in index.concepts:
            return concept
        code = _mappings.code_iri(identifier, self.base)
        if code is not None and code in index.concepts:
            return code
        if code is not None and concept.startswith(self.base):  # a bare code of nothing we hold
            concept = code
        parsed = converter(self.base).parse_uri(concept)
        if parsed and parsed[0] in CODE_SYSTEMS:
            raise NotFound(f"no code {parsed[0]}:{parsed[1]} in the graph" + _vocab_hint(index, parsed[0]),
                           identifier, self.nearby_codes(concept))
        raise NotFound(f"no concept {identifier.strip()[:200]!r} in the graph", identifier,
                       self.suggestions(identifier))

    def nearby_codes(self, code: str, limit: int = 5) -> list[ConceptRef]:
        """Codes the graph holds that share the longest start with ``code`` (an IRI): its nearest
        ancestors and siblings, for a code that is not there (ICD10CM:S32.19XZ -> S32.19, ...)."""
        ordered = self.index.sorted_codes()
        for cut in range(len(code), max(code.rfind("/"), code.rfind("_"), code.rfind("#")), -1):
            lo, hi = key_range(ordered, code[:cut])
            if hi > lo:
                return [self.index.concepts[c] for c in ordered[lo:min(hi, lo + limit)]]
        return []

    def suggestions(self, identifier: str, limit: int = 5) -> list[ConceptRef]:
        """Concepts a caller may have meant by an unknown identifier (by name, then by spelling)."""
        local = re.split(r"[/#:]", identifier.strip())[-1][:200]
        words = search_key(local.replace("-", " ").replace("_", " "))
        if not words:
            return []
        index = self.index
        found = [hit.concept for hit in _search.search(index, words, limit=limit).hits]
        for ref in _search.near(index, words, limit=limit):
            if ref not in found:
                found.append(ref)
        return found[:limit]

    # --- Operations -----------------------------------------------------------------------------

    def lookup(self, identifier: str) -> Concept:
        """Everything about a concept: kind, label, synonyms, definition, codes, relations, provenance."""
        return self._snapshot.record(self.resolve(identifier))

    def lookup_json(self, identifier: str) -> bytes:
        """``lookup`` as JSON bytes (cached too: the API's hot path)."""
        return self._snapshot.record_json(self.resolve(identifier))

    def cached_lookup_json(self, identifier: str) -> bytes | None:
        """``lookup_json`` if its answer is cached (no store access, no suggestions), else None."""
        try:
            concept = to_iri(identifier, self.base)
        except ValueError:
            return None
        return self._snapshot.json_cache.get(concept)

    def lookup_many(self, identifiers: list[str]) -> BatchResults:
        """Many lookups, in input order; unknown or malformed identifiers are marked, not dropped."""
        if len(identifiers) > MAX_BATCH:
            raise InvalidQuery(f"{len(identifiers)} identifiers given; at most {MAX_BATCH} per batch")
        items = []
        for identifier in identifiers:
            try:
                items.append(BatchItem(input=identifier, found=True, concept=self.lookup(identifier)))
            except (NotFound, ValueError) as error:
                items.append(BatchItem(input=identifier, found=False, error=str(error)))
        found = sum(item.found for item in items)
        return BatchResults(total=len(items), found=found, missing=len(items) - found, items=items)

    def search(self, query: str, *, kinds: list[str] | None = None, limit: int = 10,
               offset: int = 0, schemes: list[str] | None = None) -> SearchResults:
        """Concepts by label, synonym or lay term: exact > prefix > word prefix > fuzzy (``search.search``);
        ``schemes`` keeps those of these vocabularies (icd10cm, hpo, omim, ..., medkg: the curated)."""
        check_page(limit, offset)
        return _search.search(self.index, query, kinds=kinds, limit=limit, offset=offset, schemes=schemes)

    def annotate(self, text: str, *, kinds: list[str] | None = None, overlapping: bool = False) -> AnnotationResults:
        """The concepts a free text mentions, with character spans."""
        return _annotate.annotate(self.index, text, kinds=kinds, overlapping=overlapping)

    def ancestors(self, identifier: str, *, relation: str | None = None, max_depth: int | None = None,
                  kinds: list[str] | None = None, limit: int = 50, offset: int = 0) -> HierarchyResults:
        """Broader concepts (or wholes, with relation=partOf), nearest first."""
        return self._walk(identifier, True, relation, max_depth, kinds, limit, offset)

    def descendants(self, identifier: str, *, relation: str | None = None, max_depth: int | None = None,
                    kinds: list[str] | None = None, limit: int = 50, offset: int = 0) -> HierarchyResults:
        """Narrower concepts (or parts, with relation=partOf), nearest first."""
        return self._walk(identifier, False, relation, max_depth, kinds, limit, offset)

    def _walk(self, identifier: str, up: bool, relation: str | None, max_depth: int | None,
              kinds: list[str] | None, limit: int, offset: int) -> HierarchyResults:
        check_page(limit, offset)
        index = self.index
        prop = _hierarchy.hierarchy_relation(index, relation)
        return _hierarchy.walk(index, self.resolve(identifier), ancestors=up, relation=prop,
                               max_depth=max_depth, kinds=kinds, limit=limit, offset=offset)

    def neighbours(self, identifier: str, *, relation: str | None = None, direction: str = "both",
                   kinds: list[str] | None = None, limit: int = 50, offset: int = 0) -> NeighbourResults:
        """Concepts linked to this one, by any relation or one, in either direction."""
        check_page(limit, offset)
        return _hierarchy.neighbours(self.run, self.index, self.resolve(identifier), relation=relation,
                                     direction=direction, kinds=kinds, limit=limit, offset=offset)

    def map_code(self, code: str, system: str | None = None) -> CodeMappingResult:
        """The best concept for an ICD-10-CM or HPO code, walking up to broader codes when needed.

        Raises NotFound (with the nearest codes held) for a code of a vocabulary the graph holds
        whole (``--vocab``) that is not in it: well formed, but not a code of that release."""
        index = self.index
        try:
            prefix, local = _mappings.parse_code(code, system, self.base)
        except InvalidQuery:  # a cross-reference (SNOMEDCT_US:...), or malformed: map_code says which
            prefix, local = "", ""
        if prefix:
            iri = converter(self.base).expand(f"{prefix}:{local}") or ""
            scheme, _, held = _scheme_of(index, prefix)
            if iri not in index.concepts and held >= _LOADED:
                raise NotFound(f"no code {prefix}:{local} in {index.schemes.get(scheme, prefix)}: well formed, but not a "
                               "code of the release the graph holds", code, self.nearby_codes(iri))
        return _mappings.map_code(self.run, index, code, system)

    def diseases_with_phenotypes(self, codes: list[str], *, limit: int = 10, offset: int = 0) -> PhenotypeResults:
        """Diseases annotated with these HPO terms or their descendants, most terms matched first."""
        check_page(limit, offset)
        terms = _phenotypes.parse_terms(codes, self.base)
        for term, given in terms:
            if term not in self.index.concepts:
                raise NotFound(f"no HPO term {given!r} in the graph" + _vocab_hint(self.index, "HP"), given,
                               self.nearby_codes(term))
        found = _phenotypes.diseases(self.run, self.index, [t for t, _ in terms], limit=limit, offset=offset)
        _, name, held = _scheme_of(self.index, "OMIM")
        if not found.total and held < _LOADED:  # the graph has no disease annotations to search
            found = found.model_copy(update={"message": (
                f"no disease is annotated with these terms in this graph: it holds {held} diseases of the HPO "
                f"annotations; all of them load with medkg serve --vocab {name}")})
        return found

    def sssom(self) -> str:
        """All mappings as an SSSOM/TSV document."""
        return _sssom.sssom_tsv(self.run, self.index)

    # --- Any resource, for Linked Data pages ----------------------------------------------------

    def describe(self, resource: str) -> _describe.Resource | None:
        return _describe.describe(self.run, resource, self.base)

    def resource_triples(self, resource: str) -> list[Triple]:
        return _describe.resource_triples(self.run, resource, self.base)

    def kind_counts(self) -> list[tuple[str, str, int]]:
        """(kind CURIE, label, number of concepts) for each kind in use."""
        counts: dict[str, int] = {}
        for kind in self.index.kind_of.values():
            counts[kind] = counts.get(kind, 0) + 1
        index = self.index
        return sorted(((index.curie(k) or k, index.labels.get(k, k), n) for k, n in counts.items()),
                      key=lambda item: item[1])
