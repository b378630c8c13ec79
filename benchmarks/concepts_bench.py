"""Throughput of the concept API (lookup, search, annotate) against a bare FastAPI route, in one run.

One uvicorn process serves medkg's own app (create_app, same middleware and options as `medkg
serve`) with one more plain FastAPI route, /bare, that returns a constant JSON object: the ceiling
for any FastAPI route on this stack. Client processes then send keep-alive HTTP/1.1 GETs (and
POSTs for annotate) for a fixed time per workload and count the 200s, in rounds that interleave
the workloads. The table gives the median requests per second and the median ratio to /bare
within a round; the goal for lookup and search is >= 0.5.

A second table times the core in-process (no HTTP): lookup with and without the record cache,
search and annotate.

Run: python benchmarks/concepts_bench.py [--seconds 5] [--clients 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable

WORKLOADS = ("bare", "lookup", "search", "annotate")
SEARCHES = ["tail", "sacr", "pain", "fract", "bone", "osteo", "lower back", "lumbago", "inject", "imaging"]
NOTE = "sharp pain in my tailbone since lifting boxes, worse when lying down; history of osteoporosis"


def serve(port: int) -> None:
    """The server process: medkg's app plus /bare."""
    import uvicorn

    from medkg.app import create_app
    from medkg.settings import Settings

    app = create_app(Settings(port=port, workers=1))

    @app.get("/bare", include_in_schema=False)
    async def bare() -> dict[str, str]:
        return {"status": "ok", "label": "constant"}

    app.state.engine.start()
    uvicorn.run(app, host="127.0.0.1", port=port, loop="auto", http="auto", access_log=False,
                log_level="warning", server_header=False)


def _requests(workload: str, concepts: list[str]) -> list[tuple[str, str, bytes | None]]:
    if workload == "bare":
        return [("GET", "/bare", None)]
    if workload == "lookup":
        return [("GET", "/api/concepts/" + urllib.parse.quote(c, safe=":"), None) for c in concepts]
    if workload == "search":
        return [("GET", "/api/search?" + urllib.parse.urlencode({"q": q, "limit": 10}), None) for q in SEARCHES]
    return [("POST", "/api/annotate", json.dumps({"text": NOTE}).encode())]


def client(args: tuple[int, str, float, list[str]]) -> int:
    """One client process: requests in a loop on one keep-alive connection, for ``seconds``."""
    port, workload, seconds, concepts = args
    requests = _requests(workload, concepts)
    connection = http.client.HTTPConnection("127.0.0.1", port)
    done, deadline = 0, time.perf_counter() + seconds
    headers = {"Content-Type": "application/json"}
    while time.perf_counter() < deadline:
        method, path, body = requests[done % len(requests)]
        connection.request(method, path, body=body, headers=headers if body else {})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path} answered {response.status}")
        done += 1
    connection.close()
    return done


def _wait(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/bare")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def http_table(seconds: float, clients: int, rounds: int) -> list[tuple[str, float, float]]:
    from medkg.concepts import ConceptService
    from medkg.graph.loading import new_store

    concepts = [r.curie or r.iri for r in ConceptService.from_store(new_store()).index.concepts.values()]
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, __file__, "serve", "--port", str(port)])
    try:
        _wait(port, process)
        rates: dict[str, list[float]] = {w: [] for w in WORKLOADS}
        with multiprocessing.get_context("spawn").Pool(clients) as pool:
            for workload in WORKLOADS:
                pool.map(client, [(port, workload, 0.5, concepts)] * clients)  # warm up (and fill caches)
            # Rounds interleave the workloads, so a noisy neighbour hits them all alike; medians reported.
            for _ in range(rounds):
                for workload in WORKLOADS:
                    started = time.perf_counter()
                    counts = pool.map(client, [(port, workload, seconds, concepts)] * clients)
                    rates[workload].append(sum(counts) / (time.perf_counter() - started))
        ratios = {w: statistics.median(r / b for r, b in zip(rates[w], rates["bare"])) for w in WORKLOADS}
        rows = [(w, statistics.median(rates[w]), ratios[w]) for w in WORKLOADS]
        return rows
    finally:
        process.terminate()
        process.wait(timeout=15)


def _rate(work: Callable[[int], object], count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        work(i)
    return count / (time.perf_counter() - started)


def core_table() -> list[tuple[str, float]]:
    from medkg.concepts import ConceptService
    from medkg.graph.loading import new_store

    store = new_store()
    cached = ConceptService.from_store(store)
    uncached = ConceptService.from_store(store, cache_size=0)
    concepts = list(cached.index.concepts)
    return [
        ("lookup, record cache", _rate(lambda i: cached.lookup_json(concepts[i % len(concepts)]), 20_000)),
        ("lookup, no cache (one SPARQL query)", _rate(lambda i: uncached.lookup(concepts[i % len(concepts)]), 1_000)),
        ("search", _rate(lambda i: cached.search(SEARCHES[i % len(SEARCHES)]), 5_000)),
        ("annotate (95 characters)", _rate(lambda i: cached.annotate(NOTE), 5_000)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", default="bench", choices=["bench", "serve"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.mode == "serve":
        serve(args.port)
        return
    rows = http_table(args.seconds, args.clients, args.rounds)
    print(f"HTTP, {args.clients} keep-alive clients, {args.rounds} rounds of {args.seconds:g} s per workload (medians)")
    print("| workload | requests/s | vs bare FastAPI route |")
    print("|---|---:|---:|")
    for name, rate, ratio in rows:
        print(f"| {name} | {rate:,.0f} | {ratio:.2f}x |")
    print()
    print("In-process core (no HTTP), operations/s")
    print("| operation | ops/s |")
    print("|---|---:|")
    for name, rate in core_table():
        print(f"| {name} | {rate:,.0f} |")


if __name__ == "__main__":
    main()
