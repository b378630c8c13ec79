"""Build time, triple counts, load time and peak memory of the reference vocabularies.

    python benchmarks/vocab_bench.py [--cache DIR]

Every measurement runs in a fresh Python process (peak memory: ru_maxrss from wait4, its own):
- build NAME: ``medkg.vocabularies.cache.build(NAME)`` into an empty cache folder (parse the
  package's file, write sorted N-Quads, check them against the vocabulary shapes), then again
  (the cache hit: fingerprint the sources, find the file);
- load: the three built files into an in-memory pyoxigraph store (``Store().bulk_load``), and
  ``medkg.graph.loading.new_store(vocab=...)`` (the packaged graph plus the three, what
  `medkg serve --vocab all --store memory` loads).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
NAMES = ("icd10cm", "hpo", "hpo-annotations")


def run_child(code: str, env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of ``python -c code``."""
    start = time.perf_counter()
    process = subprocess.Popen([PY, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    out = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"child failed: {code}")
    return seconds, usage.ru_maxrss / 1024, out.strip()


BUILD = """
import sys, time
from medkg.vocabularies import cache
start = time.perf_counter()
path, built = cache.build(sys.argv[1] if len(sys.argv) > 1 else {name!r})
st = cache.status({name!r})
print(built, st.triples, st.entities, path.stat().st_size, round(time.perf_counter() - start, 2))
"""
LOAD_RAW = """
import time, pyoxigraph as ox
from medkg.vocabularies import cache
paths = [cache.built_path(n) for n in {names!r}]
start = time.perf_counter(); store = ox.Store()
for p in paths: store.bulk_load(path=p, format=ox.RdfFormat.N_QUADS)
print(len(store), round(time.perf_counter() - start, 2))
"""
LOAD_MEDKG = """
import time
from medkg.graph.loading import new_store
from medkg.vocabularies import cache
paths = [cache.built_path(n) for n in {names!r}]
start = time.perf_counter(); store = new_store(vocab=paths)
print(len(store), round(time.perf_counter() - start, 2))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, help="cache folder (default: a new temporary one)")
    args = parser.parse_args()
    folder = args.cache or Path(tempfile.mkdtemp(prefix="medkg-vocab-bench-"))
    env = {**os.environ, "MEDKG_CACHE_DIR": str(folder)}
    print(f"cache: {folder}")
    print("| step | wall s | peak MB | triples | concepts | file MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in NAMES:
        for label in ("build", "again (cache hit)"):
            seconds, peak, out = run_child(BUILD.format(name=name), env)
            _, triples, entities, size, _ = out.split()
            print(f"| {label} {name} | {seconds:.1f} | {peak:.0f} | {int(triples):,} | {int(entities):,} | {int(size) / 1e6:.0f} |")
    seconds, peak, out = run_child(LOAD_RAW.format(names=NAMES), env)
    print(f"| load the three, pyoxigraph bulk_load (memory) | {seconds:.1f} | {peak:.0f} | {int(out.split()[0]):,} | | |")
    seconds, peak, out = run_child(LOAD_MEDKG.format(names=NAMES), env)
    print(f"| load packaged graph + the three, new_store(vocab=...) | {seconds:.1f} | {peak:.0f} | {int(out.split()[0]):,} | | |")


if __name__ == "__main__":
    main()
