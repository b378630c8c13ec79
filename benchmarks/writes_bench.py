"""Cost of a curated write (medkg.writes) and of `medkg export`, on the packaged graph or on the
packaged graph plus a synthetic one (synthetic.py), and of the on-disk operations a write would use.

    python benchmarks/writes_bench.py             # the packaged graph
    python benchmarks/writes_bench.py 100000      # plus ~100k synthetic triples

Prints the phases of three accepted one-triple INSERT DATA writes (the change, focused validation),
on a staging copy and in place, then of a DELETE ... WHERE (the general path: the update runs on a
copy, the change is the difference), a full validation for comparison, an export, and a RocksDB
checkpoint / update / flush.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from synthetic import generate

from medkg.graph.loading import new_store
from medkg.store.export import export_store
from medkg.validation import load_shapes, validate_store
from medkg.writes import WriteCore

DATA = "https://w3id.org/medkg/graph/data"


def update(i: int) -> str:
    return f"""PREFIX medkg: <https://w3id.org/medkg/concept/>
PREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#>
INSERT DATA {{ GRAPH <{DATA}> {{ medkg:osteoporosis oboInOwl:hasExactSynonym "bench synonym {i}"@en }} }}"""


def main(n: int) -> None:
    store = new_store()
    if n:
        store.load(generate(n).encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(DATA))
    shapes = load_shapes()
    for in_place in (False, True):  # a staging copy per write (the default), or in place (the server)
        core = WriteCore(store, shapes=shapes, in_place=in_place)
        core.update(update(0), token_name="bench")  # compiles the shapes once
        for i in range(1, 4):
            result = core.update(update(i + 10 * in_place), token_name="bench")
            print(f"write on {len(core.store)} triples{', in place' if in_place else ''}:",
                  {k: round(v, 3) for k, v in result.seconds.items()})
        store = core.store
        general = f"""PREFIX medkg: <https://w3id.org/medkg/concept/>
PREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#>
DELETE {{ GRAPH <{DATA}> {{ ?c oboInOwl:hasExactSynonym ?s }} }} WHERE {{ GRAPH <{DATA}> {{ ?c oboInOwl:hasExactSynonym ?s FILTER(?s = "bench synonym {1 + 10 * in_place}"@en) }} }}"""
        result = core.update(general, token_name="bench")
        print(f"a DELETE WHERE on {len(core.store)} triples{', in place' if in_place else ''}:",
              {k: round(v, 3) for k, v in result.seconds.items()})
    start = time.perf_counter()
    validate_store(core.store, shapes=shapes)
    print("full validation:", round(time.perf_counter() - start, 3), "s")
    with tempfile.TemporaryDirectory() as out:
        start, cpu = time.perf_counter(), time.process_time()
        export_store(core.store, Path(out))
        print("export:", round(time.perf_counter() - start, 3), "s wall,", round(time.process_time() - cpu, 3), "s cpu")
    with tempfile.TemporaryDirectory() as folder:
        disk = ox.Store(os.path.join(folder, "live"))
        disk.bulk_extend(core.store.quads_for_pattern(None, None, None, None))
        disk.flush()
        start = time.perf_counter()
        disk.backup(os.path.join(folder, "checkpoint"))
        print("on disk: checkpoint", round(time.perf_counter() - start, 4), "s", end="; ")
        start = time.perf_counter()
        disk.update(update(99))
        print("update", round(time.perf_counter() - start, 4), "s", end="; ")
        start = time.perf_counter()
        disk.flush()
        print("flush", round(time.perf_counter() - start, 4), "s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
