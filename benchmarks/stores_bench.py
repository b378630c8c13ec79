"""Load time, restart time and peak memory of medkg's three stores, against pyoxigraph's bulk load.

    python benchmarks/stores_bench.py --triples 1000000 [--rounds 1] [--keep DIR]
    python benchmarks/stores_bench.py --compare --triples 1000000 [--keep DIR]

``--compare``: the curated graph plus the synthetic triples, loaded into the memory store, the
on-disk store, `oxigraph serve` and Virtuoso 7 (`medkg load --into`, and Virtuoso's own bulk loader
``ld_dir`` / ``rdf_loader_run``), then the same queries timed on each through the concept core's
query function (``store_client`` in-process, ``RemoteStore.run`` over HTTP); see ``compare``.

Every measurement runs in a fresh Python process, so its peak memory (ru_maxrss from wait4) is its
own. Stores, in the same run on the same file (a synthetic graph with the packaged ontology):

- baseline: pyoxigraph ``Store().bulk_load`` (in memory) and ``Store(dir).bulk_load`` (on disk);
- memory: ``MemoryBackend([file]).load()`` (what `medkg serve FILE` does before serving);
- disk: ``OnDiskBackend(dir, [file]).load()``, first load, then a restart (reopen, no reload);
- remote: `medkg load --into URL FILE` into a fresh `oxigraph serve`, against a plain Graph Store
  POST of the same file by the server itself (curl-like, no medkg) into another fresh server.
- serve: `medkg serve FILE --store memory|DIR --no-validate` until /health answers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic

PY = sys.executable


def run_child(code: str, *args: str) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of ``python -c code args``; the child times itself."""
    process = subprocess.Popen([PY, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    out = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"child failed ({process.returncode}): {code[:80]}")
    seconds = float(out.split()[0])
    return seconds, usage.ru_maxrss / 1024, out


# Each child prints its own wall time (imports excluded: they are not the load).
BULK_MEMORY = """
import sys, time, pyoxigraph as ox
t = time.perf_counter(); s = ox.Store(); s.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)
print(time.perf_counter() - t, len(s))
"""
BULK_DISK = """
import sys, time, pyoxigraph as ox
t = time.perf_counter(); s = ox.Store(sys.argv[2]); s.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES); s.flush()
print(time.perf_counter() - t, len(s))
"""
MEDKG_MEMORY = """
import sys, time
from medkg.store.backends import MemoryBackend
t = time.perf_counter(); s = MemoryBackend([sys.argv[1]]).load()
print(time.perf_counter() - t, len(s))
"""
MEDKG_DISK = """
import sys, time
from medkg.store.disk import OnDiskBackend
t = time.perf_counter(); b = OnDiskBackend(sys.argv[2], [sys.argv[1]]); s = b.load()
print(time.perf_counter() - t, b.reloaded)
"""
MEDKG_LOAD = """
import sys, time
from medkg.store.remote_load import load_into
from medkg.store.remote import endpoints
t = time.perf_counter(); r = load_into(endpoints(sys.argv[2]), [sys.argv[1]], graph="urn:bench")
print(time.perf_counter() - t, sum(r.graphs.values()), r.protocol)
"""
RAW_POST = """
import sys, time, http.client
t = time.perf_counter()
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[2]), timeout=3600)
with open(sys.argv[1], "rb") as body:
    c.request("POST", "/store?graph=urn:bench&no_transaction", body=body, headers={"Content-Type": "application/n-triples"})
    r = c.getresponse(); r.read()
print(time.perf_counter() - t, r.status)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"{url} never answered")


def oxigraph_server(location: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    binary = shutil.which("oxigraph") or str(Path(PY).with_name("oxigraph"))
    process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_http(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D")
    return process, port


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def serve_ready(file: Path, store: str) -> tuple[float, float]:
    """Seconds from `medkg serve` to /health answering, and the server's peak RSS (MB)."""
    port = free_port()
    start = time.perf_counter()
    process = subprocess.Popen([PY, "-m", "medkg.cli", "serve", str(file), "--store", store, "--no-validate",
                                "--port", str(port), "--workers", "2"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/health")
        return time.perf_counter() - start, peak_mb(process.pid)
    finally:
        process.terminate()
        process.wait()


# --- --compare: the four stores, load and queries ---------------------------------------------------

C = "https://w3id.org/medkg/concept/"
QUERIES = {
    "lookup (one concept's triples)": f"SELECT ?p ?o {{ <{C}sacral-fracture> ?p ?o }}",
    "backlinks (triples pointing at it)": f"SELECT ?s ?p {{ ?s ?p <{C}sacral-fracture> }}",
    "label scan (STRSTARTS over all labels)":
        'SELECT ?c ?l { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(STRSTARTS(LCASE(STR(?l)), "sacral")) }',
    "two-hop join (COUNT of broader/broader)":
        "SELECT (COUNT(*) AS ?n) { ?a <http://www.w3.org/2004/02/skos/core#broader> ?b . "
        "?b <http://www.w3.org/2004/02/skos/core#broader> ?c }",
    "count all triples": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
}
# Timed in the loading process (the embedded stores live there): one warm-up, then medians of 5.
TIME_QUERIES = """
import json, statistics, time
def time_queries(run, queries):
    out = {}
    for name, q in queries.items():
        rows = run(q)
        times = []
        for _ in range(5):
            t = time.perf_counter(); rows = run(q); times.append(time.perf_counter() - t)
        out[name] = [statistics.median(times) * 1000, len(rows) if isinstance(rows, list) else rows]
    return out
"""
EMBEDDED_QUERIES = TIME_QUERIES + """
import sys
from medkg.sparql.client import store_client
from medkg.store.backends import MemoryBackend
from medkg.store.disk import OnDiskBackend
t = time.perf_counter()
backend = MemoryBackend([sys.argv[1]]) if sys.argv[2] == "memory" else OnDiskBackend(sys.argv[2], [sys.argv[1]])
store = backend.load()
seconds = time.perf_counter() - t
print(seconds, json.dumps(time_queries(store_client(store), json.loads(sys.argv[3]))))
"""


def restart_virtuoso(location: Path) -> tuple[subprocess.Popen[bytes], int]:
    """virtuoso-t again on the database and ini in ``location`` (as conftest.run_virtuoso wrote them)."""
    ini = location / "virtuoso.ini"
    http_port = int([line for line in ini.read_text().splitlines() if line.startswith("ServerPort")][1].split("=")[1])
    process = subprocess.Popen(["virtuoso-t", "+foreground", "+configfile", str(ini)], cwd=location,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_http(f"http://127.0.0.1:{http_port}/sparql?query=ASK%7B%7D")
    return process, http_port


def curated_plus_synthetic(path: Path, n: int) -> int:
    """The packaged graph (both named graphs, as N-Triples) followed by ``n`` synthetic data triples."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
    import pyoxigraph as ox

    from medkg.graph.loading import new_store

    curated = [q.triple for q in new_store()]
    with path.open("wb") as out:
        out.write(ox.serialize(curated, format=ox.RdfFormat.N_TRIPLES) or b"")
        for line in synthetic.iter_ntriples(n):
            out.write(line.encode())
    return len(curated) + n


def compare(work: Path, triples: int) -> None:
    """Load and query times of the four stores on the same file; prints a Markdown table."""
    import json

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from conftest import run_oxigraph, run_virtuoso

    from medkg.store.remote import RemoteStore, endpoints
    from medkg.store.remote_load import load_into

    file = work / "curated-plus-synthetic.nt"
    if not file.exists():
        n = curated_plus_synthetic(file, triples)
        print(f"wrote {n:,}+ triples ({file.stat().st_size / 1e6:.0f} MB)", file=sys.stderr)
    columns: dict[str, dict[str, list[float]]] = {}
    loads: dict[str, float] = {}

    def embedded(name: str, where: str) -> None:
        seconds, _, out = run_child(EMBEDDED_QUERIES, str(file), where, json.dumps(QUERIES))
        loads[name] = seconds
        columns[name] = json.loads(out.split(None, 1)[1])
        print(f"{name}: load {seconds:.1f} s, {columns[name]}", file=sys.stderr)

    def remote(name: str, url: str) -> None:
        with RemoteStore(url, ["urn:bench"], timeout=600) as store:
            timed: dict[str, list[float]] = {}
            for label, query in QUERIES.items():
                rows = store.run(query)
                times = []
                for _ in range(5):
                    t = time.perf_counter()
                    rows = store.run(query)
                    times.append(time.perf_counter() - t)
                timed[label] = [statistics.median(times) * 1000, len(rows) if isinstance(rows, list) else rows]
        columns[name] = timed
        print(f"{name}: {timed}", file=sys.stderr)

    for sub in ("disk", "oxigraph", "virtuoso", "virtuoso-bulk"):
        shutil.rmtree(work / sub, ignore_errors=True)
    embedded("memory", "memory")
    embedded("disk", str(work / "disk"))
    with run_oxigraph(work / "oxigraph") as oxigraph:
        t = time.perf_counter()
        load_into(endpoints(oxigraph.query), [file], graph="urn:bench", timeout=3600)
        loads["oxigraph serve"] = time.perf_counter() - t
        remote("oxigraph serve", oxigraph.query)
    # Virtuoso's page cache: ~1.4 GB (OpenLink's sizing: 85,000 8-KB buffers per GB to use).
    with run_virtuoso(work / "virtuoso", buffers=170_000) as virtuoso:
        t = time.perf_counter()
        load_into(endpoints(virtuoso.query, credentials=virtuoso.credentials), [file], graph="urn:bench", timeout=3600)
        loads["Virtuoso"] = time.perf_counter() - t
        remote("Virtuoso, before a checkpoint", virtuoso.query)
        # Until a checkpoint (its ini's CheckpointInterval; the tests' is off), queries over the
        # loaded triples were many times slower: timed both ways.
        t = time.perf_counter()
        subprocess.run(["isql-vt", f"127.0.0.1:{virtuoso.isql_port}", "dba", "dba", "exec=checkpoint;"], check=True,
                       capture_output=True, timeout=3600)
        loads["Virtuoso checkpoint"] = time.perf_counter() - t
        remote("Virtuoso", virtuoso.query)
    # Restarted on the same database (it checkpoints as it stops): the state a server is in later.
    restarted, http_port = restart_virtuoso(work / "virtuoso")
    try:
        remote("Virtuoso, restarted", f"http://127.0.0.1:{http_port}/sparql")
        loads["Virtuoso, restarted"] = loads["Virtuoso"]
    finally:
        restarted.terminate()
        restarted.wait()
    with run_virtuoso(work / "virtuoso-bulk", buffers=170_000) as virtuoso:
        os.link(file, work / "virtuoso-bulk" / file.name)  # its DirsAllowed: the database folder
        sql = (f"ld_dir('{work / 'virtuoso-bulk'}', '{file.name}', 'urn:bench'); rdf_loader_run(); checkpoint;")
        t = time.perf_counter()
        subprocess.run(["isql-vt", f"127.0.0.1:{virtuoso.isql_port}", "dba", "dba", f"exec={sql}"], check=True,
                       capture_output=True, timeout=3600)
        loads["Virtuoso bulk loader"] = time.perf_counter() - t
    loads["Virtuoso, before a checkpoint"] = loads["Virtuoso"]
    names = list(columns)
    print("\n| | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names))
    print("| load (s) | " + " | ".join(f"{loads[n]:.1f}" for n in names) + " |")
    for label in QUERIES:
        cells = [f"{columns[n][label][0]:.1f}" for n in names]
        print(f"| {label}, ms | " + " | ".join(cells) + " |")
    print(f"\nVirtuoso's checkpoint after medkg load: {loads['Virtuoso checkpoint']:.1f} s")
    print(f"Virtuoso's bulk loader (ld_dir + rdf_loader_run + checkpoint): {loads['Virtuoso bulk loader']:.1f} s")
    print("answers: " + json.dumps({n: {q: columns[n][q][1] for q in QUERIES} for n in names}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    parser.add_argument("--compare", action="store_true", help="load and query times of the four stores")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="medkg-stores-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.compare:
        compare(work, args.triples)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        return
    file = work / "graph.nt"
    if not file.exists():
        t = time.perf_counter()
        n = synthetic.write(file, args.triples, include_ontology=True)
        print(f"generated {n:,} triples ({file.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s",
              file=sys.stderr)
    rows: dict[str, list[tuple[float, float]]] = {}

    def record(name: str, seconds: float, mb: float) -> None:
        rows.setdefault(name, []).append((seconds, mb))
        print(f"{name}: {seconds:.2f} s, peak {mb:.0f} MB", file=sys.stderr)

    for _ in range(args.rounds):
        for sub in ("bulk-disk", "medkg-disk", "ox-a", "ox-b"):
            shutil.rmtree(work / sub, ignore_errors=True)
        record("pyoxigraph bulk_load, memory", *run_child(BULK_MEMORY, str(file))[:2])
        record("pyoxigraph bulk_load, disk", *run_child(BULK_DISK, str(file), str(work / "bulk-disk"))[:2])
        record("medkg memory (MemoryBackend.load)", *run_child(MEDKG_MEMORY, str(file))[:2])
        seconds, mb, out = run_child(MEDKG_DISK, str(file), str(work / "medkg-disk"))
        assert out.split()[1] == "True", out
        record("medkg disk, first load", seconds, mb)
        seconds, mb, out = run_child(MEDKG_DISK, str(file), str(work / "medkg-disk"))
        assert out.split()[1] == "False", out  # reopened, not reloaded
        record("medkg disk, restart (reopen)", seconds, mb)
        server, port = oxigraph_server(work / "ox-a")
        try:
            seconds, mb, out = run_child(RAW_POST, str(file), str(port))
            record("oxigraph serve: plain GSP POST of the file", seconds, mb)
            record("  (server peak RSS)", 0.0, peak_mb(server.pid))
        finally:
            server.terminate()
            server.wait()
        server, port = oxigraph_server(work / "ox-b")
        try:
            seconds, mb, out = run_child(MEDKG_LOAD, str(file), f"http://127.0.0.1:{port}/query")
            record("medkg load --into oxigraph serve", seconds, mb)
            record("  (server peak RSS) ", 0.0, peak_mb(server.pid))
        finally:
            server.terminate()
            server.wait()
        record("medkg serve --store memory, to /health", *serve_ready(file, "memory"))
        record("medkg serve --store DIR (loaded), to /health", *serve_ready(file, str(work / "medkg-disk")))

    print("\n| measurement | seconds | peak RSS (MB) |\n|---|---:|---:|")
    for name, values in rows.items():
        seconds = statistics.median(v[0] for v in values)
        mb = statistics.median(v[1] for v in values)
        print(f"| {name} | {seconds:.2f} | {mb:,.0f} |")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
