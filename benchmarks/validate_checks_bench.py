"""Where `medkg validate --vocab all` spends its time: each compiled check of shapes/ timed alone over
the full graph, both query plans of the SPARQL-based checks (focus nodes joined first, or tested
last), and the whole command against pyoxigraph's bulk load of the same files (strict, and lenient as
medkg reads a built file whose bytes its build recorded), in fresh processes.

    python benchmarks/validate_checks_bench.py [--runs 2] [--top 25] [--skip-command]

Needs the built vocabularies (`medkg vocab build`). The checks run one at a time (the command runs
them on one thread per core), so their times add up to the engine's serial work. A SPARQL-based
check that offers both plans is timed with each, in the same run; `chosen` is the plan the engine
picks from the triple counts (medkg.validation.engine._Sizes). Timings drift on a shared machine:
compare the rows of one run, not runs of different days.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _timed(store: object, query: str) -> float:
    start = time.perf_counter()
    for _ in store.query(query, use_default_graph_as_union=True):  # type: ignore[attr-defined]
        pass
    return time.perf_counter() - start


def checks(top: int) -> None:
    from medkg.graph.loading import new_store
    from medkg.validation import load_shapes
    from medkg.validation.engine import _Sizes, compile_shapes, subclass_closure
    from medkg.vocabularies.cache import ensure_built
    from medkg.vocabularies.model import NAMES

    start = time.perf_counter()
    store = new_store(vocab=ensure_built(list(NAMES)))
    print(f"load: {time.perf_counter() - start:.1f} s, {len(store):,} quads", flush=True)
    compiled = compile_shapes(load_shapes(), subclass_closure(store))
    sizes = _Sizes(store)
    rows = []
    for check in compiled.checks:
        last = check.focus_last is not None and sizes.focus_is_broad(check)
        first_time = _timed(store, check.query)
        last_time = _timed(store, check.focus_last) if check.focus_last is not None else None
        rows.append((last_time if last and last_time is not None else first_time, first_time, last_time, last,
                     str(check.source_shape).rsplit("/", 1)[-1]))
    rows.sort(reverse=True)
    print(f"checks: {len(rows)}; summed time of the chosen plans {sum(r[0] for r in rows):.1f} s; "
          f"always focus first {sum(r[1] for r in rows):.1f} s; load average {os.getloadavg()[0]:.1f}")
    print("| check | focus first | focus last | chosen |\n| --- | --- | --- | --- |")
    for _, first_time, last_time, last, name in rows[:top]:
        shown = f"{last_time:.2f} s" if last_time is not None else "-"
        print(f"| {name} | {first_time:.2f} s | {shown} | {'last' if last else 'first'} |")


def command(runs: int) -> None:
    from vocab_serving_bench import BULK, fresh

    from medkg.vocabularies.cache import ensure_built
    from medkg.vocabularies.model import NAMES

    files = [str(p) for p in ensure_built(list(NAMES))]
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "server")}
    # medkg reads a built vocabulary leniently while its bytes are those its build checked
    # (graph.loading.load_vocabularies): the lenient bulk load is timed too, for the ratio to both.
    lenient = BULK.replace("format=ox.RdfFormat.N_QUADS)", "format=ox.RdfFormat.N_QUADS, lenient=True)")
    for run in range(runs):
        (bulk, quads), _ = fresh(BULK, files)
        (easy, _), _ = fresh(lenient, files)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "medkg.cli", "validate", "--vocab", "all"],
                              capture_output=True, text=True, env=env, check=False)
        took = time.perf_counter() - start
        last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr.strip()
        print(f"run {run + 1}: bulk load {float(bulk):.1f} s ({int(quads):,} quads), lenient {float(easy):.1f} s; "
              f"`medkg validate --vocab all` {took:.1f} s = {took / float(bulk):.2f}x the bulk load, "
              f"{took / float(easy):.2f}x the lenient one; exit {done.returncode}; {last!r}; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="alternated runs of the command and the bulk load")
    parser.add_argument("--top", type=int, default=25, help="checks shown, slowest first")
    parser.add_argument("--skip-command", action="store_true", help="only time the checks")
    args = parser.parse_args()
    checks(args.top)
    if not args.skip_command:
        command(args.runs)


if __name__ == "__main__":
    main()
