"""Time building the concept service's indexes (what `medkg serve` does after opening the store).

    python benchmarks/index_bench.py --store memory FILE.nt     # load FILE into memory, then time
    python benchmarks/index_bench.py --store DIR [FILE.nt]      # open (or load) the on-disk store, then time

Prints the seconds to open/load the store and to build the ConceptService (indexes + source labels).
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from medkg.concepts import ConceptService
from medkg.graph.namespaces import DEFAULT_BASE
from medkg.store.backends import backend_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", default="memory", help="memory or an on-disk store folder")
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args()
    started = time.perf_counter()
    store = backend_for(args.store, args.paths, DEFAULT_BASE).load()
    opened = time.perf_counter()
    service = ConceptService.from_store(store)
    built = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"store {args.store}: open/load {opened - started:.2f} s; concept service {built - opened:.2f} s "
          f"({len(service.index.concepts):,} concepts, {len(service.index.entries):,} names); peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main()
