"""Benchmark of the SPARQL endpoint against its peers, on the shared synthetic graph.

Servers, each started alone on 127.0.0.1, loaded with the same N-Triples file, then stopped:
- bare:            medkg's own web stack answering a constant body (benchmarks/bare_app.py)
- medkg:           `medkg serve FILE --no-validate` (defaults: response cache on)
- medkg-nocache:   the same with --cache-bytes 0: every request runs in a query worker
- oxigraph:        `oxigraph serve` (the native Rust server, PyPI package oxigraph), in memory
- rdflib-endpoint: `rdflib-endpoint serve FILE` (the Python peer)

Small queries are measured for throughput with wrk (GET, keep-alive, --connections, --duration);
heavy and large-result queries for latency: sequential requests, the median of --runs after one
warm-up, full body read. Every query is checked to give the same number of results everywhere.

    python benchmarks/sparql_endpoint.py                      # ~170k triples, prints the table
    python benchmarks/sparql_endpoint.py --triples 1000000 --skip rdflib-endpoint
    pip install '.[bench]' && apt-get install wrk             # what it needs

Load goes to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import synthetic

PROLOGUE = """PREFIX medkg: <https://w3id.org/medkg/concept/>
PREFIX mkg: <https://w3id.org/medkg/ontology/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


@dataclass(frozen=True)
class Query:
    name: str
    kind: str  # small (throughput) | heavy | large (latency)
    text: str


QUERIES = [
    Query("one-concept lookup", "small", "SELECT ?p ?o WHERE { medkg:syn-1-disease-1 ?p ?o }"),
    Query("label join", "small",
          "SELECT ?s ?label WHERE { medkg:syn-1-disease-1 mkg:hasSymptom ?s . ?s skos:prefLabel ?label }"),
    Query("two-hop join", "heavy", "SELECT ?c ?s ?a WHERE { ?c mkg:hasSymptom ?s . ?s mkg:locatedIn ?a }"),
    Query("text filter", "heavy",
          'SELECT ?c ?label WHERE { ?c skos:prefLabel ?label FILTER(CONTAINS(LCASE(?label), "fracture")) }'),
    Query("subclass path", "heavy", "SELECT ?c WHERE { ?c a/rdfs:subClassOf* mkg:Condition }"),
    Query("aggregate", "heavy",
          "SELECT ?kind (COUNT(?c) AS ?n) WHERE { ?c a ?kind } GROUP BY ?kind ORDER BY DESC(?n)"),
    Query("100k-row result", "large", "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 100000"),
]
ACCEPT = "application/sparql-results+json"
NICE: list[str] = []  # `nice -n N` before every server and wrk, with --nice N


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    command: Callable[[Path, int], list[str]]
    path: str = "/sparql"  # where queries go
    load: Callable[[str, Path], None] | None = None  # for servers that start empty
    small_path: str | None = None  # bare: the constant route instead of queries
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self, data: Path, workdir: Path, ready_timeout: float = 900) -> str:
        port = free_port()
        with open(workdir / f"{self.name}.log", "wb") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(NICE + self.command(data, port), stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True, cwd=workdir)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {workdir / (self.name + '.log')}")
            try:
                httpx.get(url + (self.small_path or self.path), params=None if self.small_path else
                          {"query": "ASK {}"}, timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.25)
        else:
            raise RuntimeError(f"{self.name} did not start within {ready_timeout} s")
        if self.load:
            self.load(url, data)
        return url

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: the server and its workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _oxigraph_load(url: str, data: Path) -> None:
    with open(data, "rb") as body:
        r = httpx.post(url + "/store?default", content=body, headers={"content-type": "application/n-triples"},
                       timeout=600)
    r.raise_for_status()


def servers(python: str) -> list[Server]:
    return [
        Server("bare", lambda d, p: [python, str(HERE / "bare_app.py"), "--port", str(p)], small_path="/bare"),
        Server("medkg", lambda d, p: [python, "-m", "medkg.cli", "serve", str(d), "--no-validate", "--port", str(p)]),
        Server("medkg-nocache", lambda d, p: [python, "-m", "medkg.cli", "serve", str(d), "--no-validate",
                                              "--port", str(p), "--cache-bytes", "0"]),
        Server("oxigraph", lambda d, p: [shutil.which("oxigraph") or "oxigraph", "serve", "--bind", f"127.0.0.1:{p}"],
               path="/query", load=_oxigraph_load),
        Server("rdflib-endpoint", lambda d, p: [shutil.which("rdflib-endpoint") or "rdflib-endpoint", "serve", str(d),
                                                "--host", "127.0.0.1", "--port", str(p)], path="/"),
    ]


def wrk(url: str, connections: int, duration: float) -> dict[str, float]:
    command = [*NICE, "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "30s",
               "-H", f"Accept: {ACCEPT}", "-s", str(HERE / "wrk_report.lua"), url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    report: dict[str, float] = json.loads(out.rsplit("JSON ", 1)[1])
    if report["status_errors"] or report["socket_errors"]:
        raise RuntimeError(f"wrk saw errors on {url}: {report}")
    report["rps"] = report["requests"] / (report["duration_us"] / 1e6)
    return report


def count_results(body: bytes) -> int:
    return len(json.loads(body)["results"]["bindings"])


def latency(client: httpx.Client, url: str, query: str, runs: int, limit: float) -> tuple[float, int]:
    """Median seconds of `runs` requests after a warm-up; a slow peer gets fewer within `limit`."""
    def once() -> tuple[float, int]:
        start = time.perf_counter()
        r = client.get(url, params={"query": query}, headers={"accept": ACCEPT}, timeout=limit)
        r.raise_for_status()
        return time.perf_counter() - start, count_results(r.content)

    warm, count = once()
    if warm * (runs + 1) > limit:
        return warm, count
    times = [once()[0] for _ in range(runs)]
    return statistics.median(times), count


def run(triples: int, args: argparse.Namespace, workdir: Path) -> dict[str, dict[str, dict[str, float]]]:
    data = workdir / f"synthetic-{triples}.nt"
    if not data.exists():
        synthetic.write(data, triples, seed=0, include_ontology=True)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for server in servers(sys.executable):
        if server.name in args.skip or (server.name == "rdflib-endpoint" and triples > args.rdflib_max_triples):
            continue
        print(f"[{triples} triples] {server.name}: starting", file=sys.stderr)
        url = server.start(data, workdir)
        results[server.name] = {}
        try:
            with httpx.Client() as client:
                for query in QUERIES:
                    if query.kind not in args.kinds:
                        continue
                    text = PROLOGUE + query.text
                    if server.small_path:
                        if query.kind == "small":
                            results[server.name][query.name] = {"rps": wrk(url + server.small_path, args.connections, args.duration)["rps"]}
                        continue
                    if query.kind == "small":
                        r = client.get(url + server.path, params={"query": text}, headers={"accept": ACCEPT}, timeout=60)
                        r.raise_for_status()
                        report = wrk(f"{url}{server.path}?query={quote(text)}", args.connections, args.duration)
                        results[server.name][query.name] = {"rps": report["rps"], "results": count_results(r.content)}
                    elif server.name != "medkg":  # repeats are cache hits there: not the engine's speed
                        seconds, count = latency(client, url + server.path, text, args.runs, args.latency_limit)
                        results[server.name][query.name] = {"seconds": seconds, "results": count}
                    print(f"  {query.name}: {results[server.name].get(query.name)}", file=sys.stderr)
        finally:
            server.stop()
    return results


def table(triples: int, results: dict[str, dict[str, dict[str, float]]]) -> str:
    """Markdown: raw numbers, then ratios (bars in brackets)."""
    get = lambda server, query, key: results.get(server, {}).get(query, {}).get(key)
    lines = [f"### {triples:,} triples", "",
             "| query | kind | bare | medkg | medkg, no cache | oxigraph serve | rdflib-endpoint |",
             "|---|---|---|---|---|---|---|"]
    for q in QUERIES:
        key = "rps" if q.kind == "small" else "seconds"
        cells = []
        for server in ("bare", "medkg", "medkg-nocache", "oxigraph", "rdflib-endpoint"):
            value = get(server, q.name, key)
            cells.append("—" if value is None else (f"{value:,.0f} req/s" if key == "rps" else f"{value * 1000:,.1f} ms"))
        lines.append(f"| {q.name} | {q.kind} | " + " | ".join(cells) + " |")
    lines += ["", ("| query | medkg / bare [>= 0.7] | medkg / rdflib-endpoint [>= 2.5] | medkg / oxigraph | "
                   "no cache / bare | no cache / rdflib-endpoint | no cache / oxigraph |"), "|---|---|---|---|---|---|---|"]
    ratio = lambda a, b: "—" if a is None or b is None else f"{a / b:.2f}x"
    for q in QUERIES:
        if q.kind != "small":
            continue
        m, n = get("medkg", q.name, "rps"), get("medkg-nocache", q.name, "rps")
        b, r, o = get("bare", q.name, "rps"), get("rdflib-endpoint", q.name, "rps"), get("oxigraph", q.name, "rps")
        lines.append(f"| {q.name} | {ratio(m, b)} | {ratio(m, r)} | {ratio(m, o)} | {ratio(n, b)} | {ratio(n, r)} | {ratio(n, o)} |")
    lines += ["", "| query | latency, medkg (no cache) / oxigraph [<= 1.25] | rdflib-endpoint / medkg [>= 10] |",
              "|---|---|---|"]
    for q in QUERIES:
        if q.kind == "small":
            continue
        n, r, o = (get(s, q.name, "seconds") for s in ("medkg-nocache", "rdflib-endpoint", "oxigraph"))
        lines.append(f"| {q.name} | {ratio(n, o)} | {ratio(r, n)} |")
    counts = {q.name: {s: v.get(q.name, {}).get("results") for s, v in results.items() if q.name in v} for q in QUERIES}
    mismatched = {name: c for name, c in counts.items() if len({v for v in c.values() if v is not None}) > 1}
    lines += ["", "Result counts agree across servers." if not mismatched else f"Result counts differ: {mismatched}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, nargs="+", default=[170_000])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of wrk per small query")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--runs", type=int, default=5, help="timed requests per heavy query")
    parser.add_argument("--latency-limit", type=float, default=300.0, help="seconds allowed per request")
    parser.add_argument("--rdflib-max-triples", type=int, default=200_000)
    parser.add_argument("--skip", nargs="*", default=[], help="server names to leave out")
    parser.add_argument("--kinds", nargs="+", default=["small", "heavy", "large"], choices=["small", "heavy", "large"],
                        help="query kinds to run (e.g. --kinds small: the throughput rows only)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep data and logs here")
    parser.add_argument("--json", type=Path, default=None, help="write raw results here")
    parser.add_argument("--nice", type=int, default=None,
                        help="run the servers and wrk at this niceness (negative needs root): on a "
                             "machine shared with other jobs, gives every server the same head start")
    args = parser.parse_args(argv)
    if args.nice is not None:
        NICE[:] = ["nice", "-n", str(args.nice)]
    if shutil.which("wrk") is None:
        parser.error("wrk is needed (apt-get install wrk)")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="medkg-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    everything = {}
    for triples in args.triples:
        results = run(triples, args, workdir)
        everything[triples] = results
        print(table(triples, results) + "\n")
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
