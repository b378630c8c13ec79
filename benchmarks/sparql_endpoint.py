"""Benchmark of the SPARQL endpoint against its peers, on the shared synthetic graph.

Servers on 127.0.0.1, loaded with the same N-Triples file, then stopped:
- bare:            medkg's own web stack answering a constant body (benchmarks/bare_app.py)
- fastapi-bare:    the same body from a plain FastAPI route of that app
- fastapi:         a plain FastAPI route over pyoxigraph (benchmarks/fastapi_app.py): the design
                   the issue measured as its baseline
- medkg:           `medkg serve FILE --no-validate` (defaults: response cache on)
- medkg-nocache:   the same with --cache-bytes 0: every request runs in a query worker
- oxigraph:        `oxigraph serve` (the native Rust server, PyPI package oxigraph), in memory
- rdflib-endpoint: `rdflib-endpoint serve FILE` (the Python peer)

Small queries are measured for throughput with wrk (GET, keep-alive, --connections, --duration),
each server alone on the machine. Heavy and large-result queries are measured for latency with the
query servers all up at once: one warm-up each, then --runs rounds of one request to each server in
turn (order rotating) on a minimal keep-alive client, the median per server; interleaving makes the
machine's drift hit every server alike.
Every query is checked to give the same number of results everywhere. "pyoxigraph alone" is the
engine without any server, in this process: each query run and serialized to JSON, small ones per
second, the others' median time: the floor under any server built on pyoxigraph.

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
        Server("fastapi-bare", lambda d, p: [python, str(HERE / "bare_app.py"), "--port", str(p)],
               small_path="/fastapi-bare"),
        Server("fastapi", lambda d, p: [python, str(HERE / "fastapi_app.py"), str(d), "--port", str(p)]),
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


class RawClient:
    """A minimal HTTP/1.1 keep-alive client on a plain socket: GET, read the whole body (length or
    chunked). Its cost is tiny and the same for every server, unlike a full client's."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.connect()

    def connect(self) -> None:
        self.sock = socket.create_connection((self.host, self.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def get(self, target: str, timeout: float) -> bytes:
        self.sock.settimeout(timeout)
        self.sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\nAccept: {ACCEPT}\r\n\r\n".encode())
        head = self._until(b"\r\n\r\n").lower()
        status = int(head.split(b" ", 2)[1])
        if status != 200:
            raise RuntimeError(f"status {status} for {target[:80]}")
        if b"content-length:" in head:
            return self._exactly(int(head.split(b"content-length:")[1].split(b"\r\n")[0]))
        chunks = []
        while size := int(self._until(b"\r\n").split(b";")[0], 16):
            chunks.append(self._exactly(size))
            self._exactly(2)
        self._until(b"\r\n")  # the end of the trailer section
        return b"".join(chunks)

    def _fill(self) -> None:
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("the server closed the connection")
        self.buffer += data

    def _until(self, mark: bytes) -> bytes:
        while (at := self.buffer.find(mark)) < 0:
            self._fill()
        line, self.buffer = self.buffer[:at], self.buffer[at + len(mark):]
        return line

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def close(self) -> None:
        self.sock.close()


def latencies(urls: dict[str, tuple[str, str]], query: str, runs: int, limit: float) -> dict[str, dict[str, float]]:
    """Median seconds per request of each server, measured in interleaved rounds (one request to
    each server per round, the order rotating), so the machine's drift hits all of them alike.

    A warm-up request per server (httpx) counts the results; a server whose warm-up times `runs`
    would pass `limit` is timed by that warm-up alone."""
    out: dict[str, dict[str, float]] = {}
    clients: dict[str, tuple[RawClient, str]] = {}
    for name, (url, path) in urls.items():
        start = time.perf_counter()
        r = httpx.get(url + path, params={"query": query}, headers={"accept": ACCEPT}, timeout=limit)
        r.raise_for_status()
        warm = time.perf_counter() - start
        out[name] = {"seconds": warm, "results": count_results(r.content)}
        if warm * (runs + 1) <= limit:
            clients[name] = (RawClient(url), f"{path}?query={quote(query)}")
    times: dict[str, list[float]] = {name: [] for name in clients}
    names = list(clients)
    for round_ in range(runs):
        for name in names[round_ % len(names):] + names[: round_ % len(names)] if names else ():
            client, target = clients[name]
            for attempt in (1, 2):
                start = time.perf_counter()
                try:
                    client.get(target, limit)
                    break
                except ConnectionError:  # a keep-alive connection the server closed while idle
                    if attempt == 2:
                        raise
                    client.sock.close()
                    client.connect()
            times[name].append(time.perf_counter() - start)
    for name, (client, _) in clients.items():
        client.close()
        out[name]["seconds"] = statistics.median(times[name])
    return out


def engine_alone(data: Path, small: list[Query], timed: list[Query], duration: float, runs: int) -> dict[str, dict[str, float]]:
    """pyoxigraph without any server, in this process, as medkg's workers run it (default graph =
    union; the query and its JSON serialization): small queries per second, the others' median
    seconds. The floor under any server built on pyoxigraph."""
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES)

    def once(text: str) -> None:
        store.query(text, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)

    out: dict[str, dict[str, float]] = {}
    for query in small:
        text = PROLOGUE + query.text
        done, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < duration:
            for _ in range(100):
                once(text)
            done += 100
        out[query.name] = {"rps": done / elapsed}
    for query in timed:
        text = PROLOGUE + query.text
        once(text)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            once(text)
            times.append(time.perf_counter() - start)
        out[query.name] = {"seconds": statistics.median(times)}
    return out


def run(triples: int, args: argparse.Namespace, workdir: Path) -> dict[str, dict[str, dict[str, float]]]:
    data = workdir / f"synthetic-{triples}.nt"
    if not data.exists():
        synthetic.write(data, triples, seed=0, include_ontology=True)
    results: dict[str, dict[str, dict[str, float]]] = {}
    small = [q for q in QUERIES if q.kind == "small" and "small" in args.kinds]
    timed = [q for q in QUERIES if q.kind != "small" and q.kind in args.kinds]
    chosen = [s for s in servers(sys.executable) if s.name not in args.skip
              and not (s.name == "rdflib-endpoint" and triples > args.rdflib_max_triples)]
    print(f"[{triples} triples] pyoxigraph alone", file=sys.stderr)
    results["engine"] = engine_alone(data, small, timed, args.duration, args.runs)
    if small:
        for server in chosen:  # throughput: each server alone on the machine
            print(f"[{triples} triples] {server.name}: starting", file=sys.stderr)
            url = server.start(data, workdir)
            results.setdefault(server.name, {})
            try:
                for query in small:
                    if server.small_path:
                        results[server.name][query.name] = {"rps": wrk(url + server.small_path, args.connections, args.duration)["rps"]}
                        continue
                    text = PROLOGUE + query.text
                    r = httpx.get(url + server.path, params={"query": text}, headers={"accept": ACCEPT}, timeout=60)
                    r.raise_for_status()
                    report = wrk(f"{url}{server.path}?query={quote(text)}", args.connections, args.duration)
                    results[server.name][query.name] = {"rps": report["rps"], "results": count_results(r.content)}
                    print(f"  {query.name}: {results[server.name][query.name]}", file=sys.stderr)
            finally:
                server.stop()
    # Latency: the servers that run queries (medkg with no cache: repeats would be cache hits), all
    # up at once and idle but for the one request in flight.
    latency_servers = [s for s in chosen if not s.small_path and s.name != "medkg"]
    if timed and latency_servers:
        urls = {}
        try:
            for server in latency_servers:
                print(f"[{triples} triples] {server.name}: starting for latency", file=sys.stderr)
                urls[server.name] = (server.start(data, workdir), server.path)
            for query in timed:
                measured = latencies(urls, PROLOGUE + query.text, args.runs, args.latency_limit)
                for name, values in measured.items():
                    results.setdefault(name, {})[query.name] = values
                print(f"  {query.name}: {measured}", file=sys.stderr)
        finally:
            for server in latency_servers:
                server.stop()
    return results


def table(triples: int, results: dict[str, dict[str, dict[str, float]]]) -> str:
    """Markdown: raw numbers, then ratios (bars in brackets)."""
    get = lambda server, query, key: results.get(server, {}).get(query, {}).get(key)
    lines = [f"### {triples:,} triples", "",
             ("| query | kind | bare | medkg | medkg, no cache | oxigraph serve | rdflib-endpoint | pyoxigraph alone "
              "| FastAPI bare | FastAPI + pyoxigraph |"),
             "|---|---|---|---|---|---|---|---|---|---|"]
    for q in QUERIES:
        key = "rps" if q.kind == "small" else "seconds"
        cells = []
        for server in ("bare", "medkg", "medkg-nocache", "oxigraph", "rdflib-endpoint", "engine", "fastapi-bare", "fastapi"):
            value = get(server, q.name, key)
            cells.append("—" if value is None else (f"{value:,.0f} req/s" if key == "rps" else f"{value * 1000:,.1f} ms"))
        lines.append(f"| {q.name} | {q.kind} | " + " | ".join(cells) + " |")
    lines += ["", ("| query | medkg / bare [>= 0.7] | medkg / rdflib-endpoint [>= 2.5] | medkg / oxigraph | "
                   "no cache / bare | no cache / rdflib-endpoint | no cache / oxigraph | pyoxigraph alone / bare |"),
              "|---|---|---|---|---|---|---|---|"]
    ratio = lambda a, b: "—" if a is None or b is None else f"{a / b:.2f}x"
    for q in QUERIES:
        if q.kind != "small":
            continue
        m, n = get("medkg", q.name, "rps"), get("medkg-nocache", q.name, "rps")
        b, r, o = get("bare", q.name, "rps"), get("rdflib-endpoint", q.name, "rps"), get("oxigraph", q.name, "rps")
        e = get("engine", q.name, "rps")
        lines.append(f"| {q.name} | {ratio(m, b)} | {ratio(m, r)} | {ratio(m, o)} | {ratio(n, b)} | {ratio(n, r)} | "
                     f"{ratio(n, o)} | {ratio(e, b)} |")
    lines += ["", ("| query | latency, medkg (no cache) / oxigraph [<= 1.25] | rdflib-endpoint / medkg [>= 10] | "
                   "pyoxigraph alone / oxigraph | medkg (no cache) / pyoxigraph alone |"), "|---|---|---|---|---|"]
    for q in QUERIES:
        if q.kind == "small":
            continue
        n, r, o, e = (get(s, q.name, "seconds") for s in ("medkg-nocache", "rdflib-endpoint", "oxigraph", "engine"))
        lines.append(f"| {q.name} | {ratio(n, o)} | {ratio(r, n)} | {ratio(e, o)} | {ratio(n, e)} |")
    # The issue's own baseline, measured again here: a plain FastAPI route over pyoxigraph against a
    # bare FastAPI route (~0.5x), rdflib-endpoint (~1.7x) and oxigraph serve (~0.12x).
    lines += ["", ("| query | FastAPI + pyoxigraph / FastAPI bare [issue: ~0.5] | FastAPI + pyoxigraph / rdflib-endpoint "
                   "[issue: ~1.7] | FastAPI + pyoxigraph / oxigraph [issue: ~0.12] | medkg / FastAPI + pyoxigraph | "
                   "no cache / FastAPI + pyoxigraph | no cache / FastAPI bare |"), "|---|---|---|---|---|---|---|"]
    for q in QUERIES:
        if q.kind != "small":
            continue
        f, fb = get("fastapi", q.name, "rps"), get("fastapi-bare", q.name, "rps")
        m, n = get("medkg", q.name, "rps"), get("medkg-nocache", q.name, "rps")
        r, o = get("rdflib-endpoint", q.name, "rps"), get("oxigraph", q.name, "rps")
        lines.append(f"| {q.name} | {ratio(f, fb)} | {ratio(f, r)} | {ratio(f, o)} | {ratio(m, f)} | {ratio(n, f)} | "
                     f"{ratio(n, fb)} |")
    counts = {q.name: {s: v.get(q.name, {}).get("results") for s, v in results.items() if q.name in v} for q in QUERIES}
    mismatched = {name: c for name, c in counts.items() if len({v for v in c.values() if v is not None}) > 1}
    lines += ["", "Result counts agree across servers." if not mismatched else f"Result counts differ: {mismatched}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, nargs="+", default=[170_000])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of wrk per small query")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--runs", type=int, default=21, help="timed requests per heavy query and server")
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
