"""The fixed cost of one request on each SPARQL server: `ASK {}` round trips, warm and after idling.

`ASK {}` reads no data, so what is timed is the path of a request through a server: HTTP, the
hand-off to the engine and back. Each server is timed back to back (warm: its processes still on
a core, their caches hot) and with a pause before each request (cold: every process the request
crosses has to be woken up, on a virtual machine an expensive step, and runs with cold caches).
The servers are those of sparql_endpoint.py, all up at once on a small synthetic graph, timed in
interleaved rounds with the same minimal keep-alive client; medians.

    python benchmarks/round_trip.py [--pause 0.1] [--requests 41]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import sparql_endpoint as bench
import synthetic

SERVERS = ("bare", "fastapi-bare", "fastapi", "medkg-nocache", "oxigraph")


def round_trips(clients: dict[str, tuple[bench.RawClient, str]], pause: float, requests: int) -> dict[str, float]:
    """Median seconds per request of each server, one request to each per round."""
    times: dict[str, list[float]] = {name: [] for name in clients}
    names = list(clients)
    for round_ in range(requests):
        for name in names[round_ % len(names):] + names[: round_ % len(names)]:
            client, target = clients[name]
            if pause:
                time.sleep(pause)
            start = time.perf_counter()
            client.get(target, 10)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pause", type=float, default=0.1, help="seconds of idling before each cold request")
    parser.add_argument("--requests", type=int, default=41, help="timed requests per server and mode")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="medkg-round-trip-"))
    data = workdir / "graph.nt"
    synthetic.write(data, 10_000, seed=0, include_ontology=True)
    chosen = [s for s in bench.servers(sys.executable) if s.name in SERVERS]
    clients: dict[str, tuple[bench.RawClient, str]] = {}
    try:
        for server in chosen:
            url = server.start(data, workdir)
            path = server.small_path or f"{server.path}?query={quote('ASK {}')}"
            clients[server.name] = (bench.RawClient(url), path)
            clients[server.name][0].get(path, 10)  # warm-up
        warm = round_trips(clients, 0.0, args.requests)
        cold = round_trips(clients, args.pause, args.requests)
    finally:
        for server in chosen:
            server.stop()
    print(f"| server | warm (back to back) | cold (after {args.pause:g} s idle) |\n|---|---:|---:|")
    for name in clients:
        print(f"| {name} | {warm[name] * 1e6:,.0f} µs | {cold[name] * 1e6:,.0f} µs |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
