"""Time following a one-triple curated write in the concept index, against a full rebuild (issue 15).

    python benchmarks/index_follow_bench.py [--repeat 5] [--check] [--search-only]

Loads the packaged graph with the three built reference vocabularies
(~/.cache/medkg/vocabularies/*.nq, made by `medkg vocab build`) into memory (~25 s, ~3 GB: run one
at a time), times build_index, then search() for a few queries (median of 20), then for each
one-triple write (a synonym added to medkg:osteoporosis, its preferred label changed, an
ICD-10-CM code's label changed, a skos:broader edge added) applies it to the store and times
ConceptService.follow, then undoes it and times that follow too: median and max of --repeat.
``--check`` compares the followed index with a fresh build at the end (every container, in
order). ``--search-only`` stops after the search timings (to time an older checkout's search).
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from medkg.concepts.index import build_index
from medkg.concepts.search import search
from medkg.concepts.service import ConceptService
from medkg.graph.loading import new_store
from medkg.graph.namespaces import DEFAULT_BASE

BASE = DEFAULT_BASE
SKOS = "http://www.w3.org/2004/02/skos/core#"
DATA = ox.NamedNode(BASE + "graph/data")
OSTEOPOROSIS = ox.NamedNode(BASE + "concept/osteoporosis")
CODE = ox.NamedNode("http://purl.bioontology.org/ontology/ICD10CM/M80.08XA")
QUERIES = ["osteoporosis", "back pain", "fracture of sacrum", "s", "osteoporsis", "lumbar vertebra fracture"]


def _timed(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def _writes(store: ox.Store) -> list[tuple[str, list[ox.Quad], list[ox.Quad]]]:
    """(name, added, removed) for each one-triple write (a label change is one triple out, one in)."""
    label = next(iter(store.quads_for_pattern(OSTEOPOROSIS, ox.NamedNode(SKOS + "prefLabel"), None)))
    code_label = next(iter(store.quads_for_pattern(CODE, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None)))
    return [
        ("synonym added to medkg:osteoporosis", [ox.Quad(OSTEOPOROSIS, ox.NamedNode(
            "http://www.geneontology.org/formats/oboInOwl#hasExactSynonym"), ox.Literal("porous bone disease"), DATA)], []),
        ("preferred label of medkg:osteoporosis changed", [ox.Quad(OSTEOPOROSIS, label.predicate,
                                                                   ox.Literal("Osteoporosis (bone loss)"), label.graph_name)], [label]),
        ("label of ICD10CM:M80.08XA changed", [ox.Quad(CODE, code_label.predicate,
                                                       ox.Literal(code_label.object.value + " (edited)"), code_label.graph_name)],
         [code_label]),
        ("skos:broader edge added", [ox.Quad(OSTEOPOROSIS, ox.NamedNode(SKOS + "broader"),
                                             ox.NamedNode(BASE + "concept/arthritis"), DATA)], []),
    ]


def _apply(store: ox.Store, added: list[ox.Quad], removed: list[ox.Quad]) -> None:
    for quad in removed:
        store.remove(quad)
    store.extend(added)


def _normal(index: Any) -> tuple[Any, ...]:
    entry = lambda e: (e.iri, e.text, e.scope, e.synonym_type)
    return ([entry(e) for e in index.entries], {k: [entry(e) for e in v] for k, v in index.by_key.items()},
            index.keys, index.words, index.postings, index.compact,
            {k: [entry(e) for e in v] for k, v in index.phrases.items()}, index.first_token,
            {k: v.model_dump() for k, v in index.concepts.curated.items()}, index.concepts.vocab,
            dict(index.kind_of.curated), dict(index.sort_label.curated), index.schemes, index.scheme_sizes,
            index.up, index.down)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="compare the followed index with a fresh build")
    parser.add_argument("--search-only", action="store_true", help="stop after timing search")
    args = parser.parse_args()
    vocabularies = sorted((Path.home() / ".cache/medkg/vocabularies").glob("*.nq"))
    started = time.perf_counter()
    store = new_store(None, BASE, vocabularies)
    print(f"loaded {len(store):,} quads ({len(vocabularies)} vocabularies) in {time.perf_counter() - started:.1f} s")
    service = ConceptService.from_store(store, BASE)
    index = service.index
    gc.collect()
    build = [_timed(lambda: build_index(service.run, BASE)) for _ in range(2)]
    print(f"build_index: {min(build) / 1000:.2f} s (best of 2; {len(index.concepts):,} concepts, "
          f"{len(index.entries):,} names); peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    print("\n| search query | total | median ms | max ms |\n|---|---:|---:|---:|")
    for query in QUERIES:
        times = [_timed(lambda q=query: search(index, q, limit=10)) for _ in range(20)]
        print(f"| `{query}` | {search(index, query, limit=10).total:,} | {statistics.median(times):.2f} | {max(times):.2f} |")
    if args.search_only:
        return
    print("\n| one-triple write | follow: median ms | max ms | undo: median ms | max ms | how |\n|---|---:|---:|---:|---:|---|")
    for name, added, removed in _writes(store):
        forth, back = [], []
        for _ in range(args.repeat):
            _apply(store, added, removed)
            forth.append(_timed(lambda a=added, r=removed: service.follow(a, r)))
            how = service.last_follow
            _apply(store, removed, added)
            back.append(_timed(lambda a=added, r=removed: service.follow(r, a)))
        print(f"| {name} | {statistics.median(forth):.1f} | {max(forth):.1f} | {statistics.median(back):.1f} | "
              f"{max(back):.1f} | {how} |")
    if args.check:
        for name, added, removed in _writes(store):
            _apply(store, added, removed)
            service.follow(added, removed)
        same = _normal(service.index) == _normal(build_index(service.run, BASE))
        print(f"\nafter every write applied once more: followed index == fresh build_index: {same}")


if __name__ == "__main__":
    main()
