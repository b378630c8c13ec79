"""Serving the full graph (curated + ICD-10-CM + HPO + HPO annotations), against peers in one run.

Issue 15's remaining measurements, each a ratio to a peer measured in the same run:

1. `medkg serve --vocab all` start to /health: memory store, on-disk store (`--store DIR`) first start
   and restart; the curated graph alone (`medkg serve`) as the peer. Peak memory of the serving
   process tree (RSS summed over the server and its workers, sampled every 0.5 s).
2. Validation of the full graph: `medkg validate` takes no vocabulary option, so a fresh process
   times `new_store(vocab=...)` (the packaged graph + the three built files, as `medkg serve`
   loads them) and `validate_store` on it apart; a fresh process before it times pyoxigraph's
   `Store().bulk_load` of the same files (packaged Turtle files and the three N-Quads files).
3. A one-triple curated write (`INSERT DATA` of a synonym, SPARQL Update over HTTP, token from
   $MEDKG_WRITE_TOKEN) on `medkg serve --vocab all` against the same write on `medkg serve` alone.
4. Lookup, search and code mapping over HTTP (one keep-alive connection), distinct requests each
   (no request repeated: the record and response caches would hide the engine), full vs curated.

Only localhost; every loop bounded (--requests, --writes); servers on free ports, stopped at the end.
Run: MEDKG_CACHE_DIR=... python benchmarks/vocab_serving_bench.py [--requests 60] [--writes 3]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

NAMES = ("icd10cm", "hpo", "hpo-annotations")
HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tree(pid: int) -> list[int]:
    """The process and its descendants (Linux /proc children lists)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    todo.extend(int(child) for child in children.read().split())
        except OSError:
            continue
    return found


def memory_mib(pid: int) -> float:
    """RSS in MiB summed over the process tree (from /proc/PID/status: cheap enough to sample; a
    first run read smaps_rollup for PSS and took ~40% of a core on a 4 GB tree). Copy-on-write pages
    shared by the server and its forked workers count once per process: an upper bound."""
    rss = 0
    for member in tree(pid):
        try:
            with open(f"/proc/{member}/status", encoding="ascii") as status:
                rss += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
        except OSError:
            continue
    return rss / 1024


class Server:
    """`medkg serve ARGS` on a free port: start to /health timed, memory sampled until stopped."""

    def __init__(self, args: list[str], token: str | None = None) -> None:
        self.port = free_port()
        env = dict(os.environ)
        if token:
            env["MEDKG_WRITE_TOKEN"] = token
        self.log = tempfile.TemporaryFile()
        command = [sys.executable, "-m", "medkg.cli", "serve", *args, "--host", "127.0.0.1", "--port", str(self.port)]
        self.peak_rss = 0.0
        self.running = True
        start = time.perf_counter()
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                        start_new_session=True)
        self.sampler = threading.Thread(target=self._sample, daemon=True)
        self.sampler.start()
        self.started = self._wait_health(start)

    def _sample(self) -> None:
        while self.running:
            self.peak_rss = max(self.peak_rss, memory_mib(self.process.pid))
            time.sleep(0.5)

    def _wait_health(self, start: float, limit: float = 1800) -> float:
        while time.perf_counter() - start < limit:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError("server exited:\n" + self.log.read().decode()[-3000:])
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    return time.perf_counter() - start
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"no /health after {limit} s")

    def stop(self) -> None:
        self.running = False
        self.sampler.join()
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def timed_requests(port: int, requests: list[tuple[str, str, dict[str, str], bytes | None]],
                   pause: float = 0.0) -> tuple[list[float], Counter[int]]:
    """Milliseconds of each (method, path, headers, body) on one keep-alive connection, and statuses;
    ``pause`` seconds before each but the first."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    times, statuses = [], Counter()
    for number, (method, path, headers, body) in enumerate(requests):
        if number and pause:
            time.sleep(pause)
        start = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - start) * 1000)
        statuses[response.status] += 1
    connection.close()
    return times, statuses


def workloads(count: int) -> dict[str, list[str]]:
    """Distinct request paths per workload: curated lookups, vocabulary lookups, searches, mappings."""
    import simple_icd_10_cm as icd

    from medkg.graph.loading import new_store
    from medkg.vocabularies import cache

    store = new_store()
    concepts, words = [], []
    for row in store.query("""SELECT DISTINCT ?c ?label WHERE { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?label
                             FILTER(STRSTARTS(STR(?c), "https://w3id.org/medkg/concept/")) } ORDER BY ?c""",
                           use_default_graph_as_union=True):
        concepts.append("medkg:" + row["c"].value.rsplit("/", 1)[1])
        for word in re.findall(r"[a-z]{4,}", row["label"].value.lower()):
            if word not in words:
                words.append(word)
    searches = (words + [c.split(":")[1].replace("-", " ") for c in concepts])[:count]
    billable = [code for code in icd.get_all_codes(with_dots=True) if icd.is_leaf(code)]
    # mapped in both graphs: codes under the categories the curated concepts map to
    mapped = [code for code in billable if code.startswith(("S32.", "M80.0", "M54.", "M48.5"))]
    icd_codes = billable[:: max(1, len(billable) // count)][:count]
    hpo = re.findall(r"^id: (HP:\d{7})$", cache.sources("hpo")[0].read_text(encoding="utf-8"), re.M)
    diseases = []
    with cache.sources("hpo-annotations")[0].open(encoding="utf-8") as hpoa:
        for line in hpoa:
            first = line.split("\t", 1)[0]
            if ":" in first and not line.startswith("#") and first not in diseases:
                diseases.append(first)
    vocab = [f"ICD10CM:{c}" for c in icd_codes[: count // 3]] + hpo[1 :: len(hpo) // count][: count // 3]
    vocab += diseases[:: max(1, len(diseases) // count)][: count - len(vocab)]
    quote = urllib.parse.quote
    # Phenotype-driven lookup: terms from every depth of HPO (the first ones near its top, with
    # thousands of descendants), one to three terms per request.
    phenotypes = [hpo[1 + i * (len(hpo) // count):][:1 + i % 3] for i in range(count)]
    return {
        "lookup, curated concepts": [f"/api/concepts/{quote(c)}" for c in concepts[:count]],
        "lookup, vocabulary codes": [f"/api/concepts/{quote(c)}" for c in vocab],
        "search, curated words": [f"/api/search?q={quote(q)}&limit=10" for q in searches],
        "map, ICD-10-CM codes under mapped categories": [f"/api/mappings?code={quote(c)}" for c in mapped[::max(1, len(mapped) // count)][:count]],
        "map, ICD-10-CM codes (every kind)": [f"/api/mappings?code={quote(c)}" for c in icd_codes],
        "phenotypes, HPO terms (1-3, every depth)": ["/api/phenotypes/diseases?" + "&".join(f"hpo={quote(t)}" for t in terms)
                                                     for terms in phenotypes],
        "phenotypes, terms high in HPO": ["/api/phenotypes/diseases?" + "&".join(f"hpo={t}" for t in terms) for terms in
                                          (["HP:0000118"], ["HP:0000924"], ["HP:0000118", "HP:0000939"],
                                           ["HP:0000924", "HP:0002659", "HP:0000939"], ["HP:0000001"])][:count],
    }


def write_requests(token: str, count: int, tag: str) -> list[tuple[str, str, dict[str, str], bytes | None]]:
    headers = {"Authorization": "Bearer " + token.split(":", 1)[1], "Content-Type": "application/sparql-update"}
    update = ("PREFIX medkg: <https://w3id.org/medkg/concept/>\n"
              "PREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#>\n"
              'INSERT DATA {{ medkg:osteoporosis oboInOwl:hasExactSynonym "bench synonym {tag} {i}"@en }}')
    return [("POST", "/sparql", headers, update.format(tag=tag, i=i).encode()) for i in range(count)]


BULK = """
import sys, time, pyoxigraph as ox
from medkg.graph.loading import packaged_graph_files, DEFAULT_BASE
start = time.perf_counter(); store = ox.Store()
for graph, files in packaged_graph_files().items():
    for path in files:
        store.bulk_load(path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(DEFAULT_BASE + graph))
for path in sys.argv[1:]:
    store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
print(time.perf_counter() - start, len(store))
"""

VALIDATE = """
import sys, time
from medkg.graph.loading import new_store
from medkg.validation import validate_store
start = time.perf_counter(); store = new_store(vocab=sys.argv[1:]); load = time.perf_counter() - start
start = time.perf_counter(); report = validate_store(store); check = time.perf_counter() - start
import json
counts = report.counts()
print(load, check, len(store), not report.violations, json.dumps(counts, separators=(",", ":")))
"""


def fresh(code: str, files: list[str]) -> tuple[list[str], float]:
    """Runs ``code`` in a fresh Python; its printed fields and its peak RSS (MiB, from wait4)."""
    process = subprocess.Popen([sys.executable, "-c", code, *files], stdout=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    output = process.stdout.read().decode().split() if process.stdout else []
    if status:
        raise RuntimeError(f"fresh process failed ({status})")
    return output, usage.ru_maxrss / 1024


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.1f}" if values else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=60, help="distinct requests per workload (default 60)")
    parser.add_argument("--restarts", type=int, default=3, help="restarts of the on-disk store (default 3)")
    parser.add_argument("--writes", type=int, default=3, help="one-triple writes per server (default 3)")
    parser.add_argument("--write-pause", type=float, default=2.0,
                        help="seconds between writes (default 2: a curator's writes come seconds apart, and the "
                             "query workers a write replaces are forked again meanwhile; 0: back to back)")
    parser.add_argument("--skip-validate", action="store_true", help="skip measurement 2")
    parser.add_argument("--skip-disk", action="store_true", help="skip the on-disk store's first start and restart")
    parser.add_argument("--skip-latency", action="store_true", help="skip measurement 4 (no lookups, searches, mappings)")
    args = parser.parse_args()
    from medkg.vocabularies import cache
    from medkg.validation import validate_store  # noqa: F401  (fail early when the package is missing)

    files = [str(cache.built_path(name)) for name in NAMES]
    missing = [f for f in files if not Path(f).exists()]
    if missing:
        sys.exit(f"not built: {missing} (run medkg vocab build, or set MEDKG_CACHE_DIR)")
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.1f}; files: {files}", flush=True)
    rows: list[tuple[str, str]] = []
    if not args.skip_validate:
        (bulk, quads), bulk_peak = fresh(BULK, files)
        print(f"bulk_load: {float(bulk):.1f} s, {int(quads):,} quads, {bulk_peak:.0f} MiB", flush=True)
        (store_load, check, quads2, conforms, results), check_peak = fresh(VALIDATE, files)
        print(f"new_store {float(store_load):.1f} s + validate_store {float(check):.1f} s ({int(quads2):,} quads, "
              f"conforms {conforms}, results {results}), {check_peak:.0f} MiB", flush=True)
        rows += [("pyoxigraph bulk_load of the same files (fresh process)", f"{float(bulk):.1f} s, {bulk_peak:.0f} MiB"),
                 ("new_store(vocab=...) (fresh process)", f"{float(store_load):.1f} s"),
                 ("validate_store of the full graph", f"{float(check):.1f} s = {float(check) / float(bulk):.2f}x bulk_load; "
                  f"conforms {conforms}, results {results}"),
                 ("load + validate", f"{float(store_load) + float(check):.1f} s = "
                  f"{(float(store_load) + float(check)) / float(bulk):.2f}x bulk_load, {check_peak:.0f} MiB")]
    paths = workloads(args.requests)
    token = "bench:" + secrets.token_hex(16)
    latency: dict[str, dict[str, tuple[list[float], Counter[int]]]] = {}
    writes: dict[str, list[float]] = {}
    starts: dict[str, tuple[float, float, float]] = {}
    for label, serve_args in (("curated", []), ("full", ["--vocab", "all"])):
        server = Server(serve_args, token)
        print(f"{label}: /health after {server.started:.1f} s", flush=True)
        latency[label] = {} if args.skip_latency else {
            name: timed_requests(server.port, [("GET", p, {}, None) for p in group]) for name, group in paths.items()}
        for name, (times, statuses) in latency[label].items():
            print(f"  {name}: median {median(times)} ms, max {max(times):.1f} ms, {dict(statuses)}", flush=True)
        times, statuses = timed_requests(server.port, write_requests(token, args.writes, label), args.write_pause)
        writes[label] = times
        print(f"  writes: {[round(t) for t in times]} ms, {dict(statuses)}", flush=True)
        server.stop()
        starts[f"memory, {label}"] = (server.started, server.peak_rss)
    folder = Path(tempfile.mkdtemp(prefix="medkg-vocab-serving-"))
    try:
        restarts = [f"restart {i + 1}" for i in range(args.restarts)]
        for label in () if args.skip_disk else ("first start", *restarts):
            server = Server(["--vocab", "all", "--store", str(folder / "store")])
            print(f"disk {label}: /health after {server.started:.1f} s", flush=True)
            server.stop()
            starts[f"on-disk, {label}, full"] = (server.started, server.peak_rss)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"\nload average at end: {os.getloadavg()[0]:.1f}\n")
    print("| server start | to /health s | peak RSS MiB (tree) |\n|---|---:|---:|")
    for name, (seconds, rss) in starts.items():
        print(f"| {name} | {seconds:.1f} | {rss:,.0f} |")
    print("\n| HTTP, distinct requests | curated median ms | full median ms | full / curated | full max ms | statuses (curated; full) |")
    print("|---|---:|---:|---:|---:|---|")
    for name in latency["full"]:
        small, big = latency["curated"][name], latency["full"][name]
        ratio = statistics.median(big[0]) / statistics.median(small[0])
        print(f"| {name} ({len(big[0])}) | {median(small[0])} | {median(big[0])} | {ratio:.1f}x | {max(big[0]):.1f} | "
              f"{dict(small[1])}; {dict(big[1])} |")
    if args.writes:
        print(f"| one-triple write ({args.writes}) | {median(writes['curated'])} | {median(writes['full'])} | "
              f"{statistics.median(writes['full']) / statistics.median(writes['curated']):.1f}x | {max(writes['full']):.1f} | |")
    if rows:
        print("\n| validation | figure |\n|---|---|")
        for name, value in rows:
            print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
