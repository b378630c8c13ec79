"""The concept core at full vocabulary size against the curated graph alone, in one run.

Two in-memory stores: the packaged graph alone, and the packaged graph with every code of ICD-10-CM,
every HPO term and every HPO disease annotation (the N-Quads files `medkg vocab build` writes, or
one written by `python tests/fixtures/vocab/make_slice.py --all FILE`).
For each: the time and memory (RSS growth) to build the concept index, and the median latency of
lookups (uncached), searches and code mappings, each repeated; the table gives the ratio full /
curated for the operations both graphs answer. Timings vary with the machine's load: compare the
ratios, measured in the same run.

Run: python benchmarks/vocab_api_bench.py FILE [FILE ...] [--repeat 7]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable

import pyoxigraph as ox

from medkg.concepts import ConceptService
from medkg.graph.loading import new_store
from medkg.sparql.client import store_client

# (name, operation) pairs; those marked "both" run on the curated graph too.
LOOKUPS = ["medkg:sacral-fracture", "ICD10CM:S32.10XA", "HP:0002659", "OMIM:259770"]
SEARCHES = ["tailbone", "lumbago", "osteo", "fracture", "low back pain"]
CODES = ["ICD10CM:S32.10XA", "M80.08XA", "SNOMEDCT_US:279039007"]
PHENOTYPES = [["HP:0000939", "HP:0002659"]]


def rss_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(work: Callable[[], object], repeat: int) -> float | None:
    """Median milliseconds of ``work``; None when it fails on this graph (a code it lacks)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            work()
        except LookupError:
            return None
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(store: ox.Store, repeat: int) -> tuple[dict[str, float | None], float, float, int]:
    gc.collect()
    before = rss_mib()
    start = time.perf_counter()
    service = ConceptService(store_client(store), cache_size=0)  # lookups uncached: each asks the store
    build = time.perf_counter() - start
    gc.collect()
    memory = rss_mib() - before
    gc.freeze()  # as medkg serve does after start-up
    results: dict[str, float | None] = {}
    for concept in LOOKUPS:
        results[f"lookup {concept}"] = timed(lambda c=concept: service.lookup(c), repeat)
    for query in SEARCHES:
        results[f"search {query!r}"] = timed(lambda q=query: service.search(q), repeat)
    for code in CODES:
        results[f"map {code}"] = timed(lambda c=code: service.map_code(c), repeat)
    for terms in PHENOTYPES:
        results[f"phenotypes {' '.join(terms)}"] = timed(lambda t=terms: service.diseases_with_phenotypes(t), repeat)
    gc.unfreeze()
    return results, build, memory, len(service.index.concepts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vocabularies", nargs="+", help="N-Quads (or TriG) files of the reference vocabularies")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    curated = new_store()
    full = new_store()
    start = time.perf_counter()
    for path in args.vocabularies:
        full.bulk_load(path=path, format=ox.RdfFormat.TRIG if path.endswith(".trig") else ox.RdfFormat.N_QUADS)
    load = time.perf_counter() - start
    print(f"loaded {len(full)} quads in {load:.1f} s (pyoxigraph bulk_load, in memory)")
    small, small_build, small_memory, small_count = measure(curated, args.repeat)
    big, big_build, big_memory, big_count = measure(full, args.repeat)
    print("\n| | curated graph | with the vocabularies | ratio |\n|---|---:|---:|---:|")
    print(f"| concepts in the index | {small_count:,} | {big_count:,} | |")
    print(f"| index build | {small_build:.2f} s | {big_build:.1f} s | |")
    print(f"| index memory (RSS growth) | {small_memory:.0f} MiB | {big_memory:.0f} MiB | |")
    for name, value in big.items():
        base = small.get(name)
        shown = f"{base:.2f} ms" if base is not None else "(not in the graph)"
        ratio = f"{value / base:.1f}x" if base and value is not None else ""
        print(f"| {name} | {shown} | {value:.2f} ms | {ratio} |" if value is not None else f"| {name} | {shown} | failed | |")


if __name__ == "__main__":
    main()
