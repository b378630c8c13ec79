"""The endpoint's limits on a real `medkg serve`: timeouts that really stop the work, small queries
answered while heavy ones run, 503 when full, streamed answers cut short honestly, SERVICE making
no connection, hostile requests, and cleanup of the worker processes."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import LiveServer, raw_exchange, start_server

from medkg.sparql.text import uses_service

pytestmark = pytest.mark.server

FIXTURE = str(Path(__file__).parents[1] / "fixtures" / "sparql" / "protocol.trig")


def cross_product(patterns: int, select: str = "(COUNT(*) AS ?n)") -> str:
    """A query over `patterns` unrelated triple patterns: 18^patterns rows on the fixture.

    With 8 patterns that is 10^10 rows, about half an hour of work for the engine.
    """
    body = " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(patterns))
    return f"SELECT {select} WHERE {{ {body} }}"


HEAVY = cross_product(8)


def children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry))
    return found


def worker_pids(server: LiveServer) -> set[int]:
    """The query workers: the children of the zygote, the server's only child."""
    return {worker for zygote in children(server.process.pid) for worker in children(zygote)}


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(condition: object, limit: float = 20) -> None:
    """Polls `condition()` until true (a bound against hanging, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.05)


def busy(server: LiveServer) -> int:
    return int(httpx.get(server.url + "/health").json()["busy_workers"])


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with start_server(FIXTURE, "--no-validate", "--workers", "2", "--timeout", "20",
                      "--stream-after-bytes", "65536", "--max-request-bytes", "100000") as live:
        yield live


def test_timeout_kills_the_worker_and_replaces_it(server: LiveServer) -> None:
    before = worker_pids(server)
    assert len(before) == 2
    r = httpx.get(server.sparql, params={"query": HEAVY, "timeout": "1"}, timeout=30)
    assert r.status_code == 504
    body = r.json()
    assert body["error"] == "timeout" and "1 s" in body["message"]
    wait_until(lambda: len(worker_pids(server)) == 2 and worker_pids(server) != before)
    killed = before - worker_pids(server)
    assert len(killed) == 1 and not any(alive(pid) for pid in killed)  # the work really stopped
    assert httpx.get(server.sparql, params={"query": "ASK {}"}).json()["boolean"] is True


def test_small_queries_answered_while_a_heavy_one_runs(server: LiveServer) -> None:
    heavy = socket.create_connection(("127.0.0.1", server.url.rsplit(":", 1)[1] and int(server.url.rsplit(":", 1)[1])))
    request = httpx.Request("GET", server.sparql, params={"query": HEAVY})
    heavy.sendall(f"GET {request.url.raw_path.decode()} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    wait_until(lambda: busy(server) == 1)
    running = worker_pids(server)
    with httpx.Client(base_url=server.url) as client:
        for i in range(20):
            r = client.get("/sparql", params={"query": f"SELECT ?l WHERE {{ ?c skos:prefLabel ?l }} LIMIT {i + 1}"})
            assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == min(i + 1, 5)
    assert busy(server) == 1  # the heavy one is still at work
    heavy.close()  # the client gives up: its query must stop too
    wait_until(lambda: busy(server) == 0 and bool(running - worker_pids(server)))
    assert not all(alive(pid) for pid in running)


def test_streamed_answer_cut_by_timeout_is_not_a_complete_200(server: LiveServer) -> None:
    query = cross_product(6, "*")  # ~34 million rows: streams for far longer than its second
    with httpx.Client(timeout=30) as client, client.stream(
        "GET", server.sparql, params={"query": query, "timeout": "1"}
    ) as r:
        assert r.status_code == 200 and r.headers.get("transfer-encoding") == "chunked"
        with pytest.raises(httpx.RemoteProtocolError):
            for _ in r.iter_raw():
                pass
    assert httpx.get(server.sparql, params={"query": "ASK {}"}).status_code == 200


@pytest.mark.parametrize("encoding, size", [("identity", 3), ("gzip", 4)])
def test_large_answer_streams_to_the_end(server: LiveServer, encoding: str, size: int) -> None:
    # gzip (compressed by the worker, streamed as it comes) needs a bigger answer to pass 64 KiB
    r = httpx.get(server.sparql, params={"query": cross_product(size, "*")},
                  headers={"accept": "text/csv", "accept-encoding": encoding}, timeout=60)
    assert r.status_code == 200 and r.headers.get("transfer-encoding") == "chunked"
    assert r.headers.get("content-encoding") == (None if encoding == "identity" else "gzip")
    assert r.text.count("\n") == 18**size + 1  # httpx decompresses: every row arrived


def test_service_never_connects_even_when_the_check_misses_it(server: LiveServer) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    target = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    plain = f"SELECT * WHERE {{ SERVICE <{target}sparql> {{ ?s ?p ?o }} }}"
    # '<' right after ?a is less-than, but the lexer reads "<?b)SERVICE:sparql#>" as an IRI: the
    # engine runs this SERVICE, and the workers' network sandbox is what stops it.
    sneaky = (f"PREFIX : <{target}> SELECT * WHERE {{ BIND(1 AS ?a) BIND(2 AS ?b) "
              "FILTER(?a<?b)SERVICE:sparql#>\n{ ?s ?p ?o } }")
    assert uses_service(plain) and not uses_service(sneaky)
    for query in (plain, sneaky):
        r = httpx.get(server.sparql, params={"query": query})
        assert r.status_code == 400 and r.json()["error"] == "service_disabled"
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()


@pytest.mark.parametrize(
    "name, data",
    [
        ("garbage", b"\x00\x01GARBAGE \xff\r\n\r\n"),
        ("huge header", b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 2_000_000 + b"\r\n\r\n"),
        ("many headers", b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-H: 1\r\n" * 50_000 + b"\r\n"),
        ("huge url", b"GET /sparql?query=" + b"A" * 3_000_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("lying length", (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                          b"Content-Length: 1000000000000\r\n\r\nASK {}")),
        ("bad chunking", (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\nzz\r\nASK {}\r\n0\r\n\r\n")),
    ],
)
def test_hostile_requests_get_an_error_and_the_server_lives(server: LiveServer, name: str, data: bytes) -> None:
    answer = raw_exchange(server, data, headers_only=True, timeout=10)
    if answer:  # a status line, never a success
        status = int(answer.split(b" ", 2)[1])
        assert 400 <= status < 500, (name, answer[:200])
    assert httpx.get(server.url + "/health").status_code == 200


def test_body_over_limit_is_413_before_reading_it(server: LiveServer) -> None:
    answer = raw_exchange(server, headers_only=True, timeout=10, data=b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                                  b"Content-Length: 1000000\r\n\r\nASK {")
    assert answer.startswith(b"HTTP/1.1 413")


def test_busy_server_answers_503_and_server_timeout_applies() -> None:
    with start_server(FIXTURE, "--no-validate", "--workers", "1", "--max-queue", "0", "--timeout", "3") as live:
        results: list[httpx.Response] = []
        thread = threading.Thread(target=lambda: results.append(
            httpx.get(live.sparql, params={"query": HEAVY, "timeout": "100"}, timeout=60)))
        thread.start()
        wait_until(lambda: busy(live) == 1)
        r = httpx.get(live.sparql, params={"query": "ASK {}"})
        assert r.status_code == 503 and r.headers["retry-after"] == "1" and r.json()["error"] == "busy"
        thread.join()
        assert results[0].status_code == 504
        assert "3 s limit" in results[0].json()["message"]  # the server's cap beat the client's 100


def test_query_past_its_memory_cap_fails_alone() -> None:
    # Sorting 18^5 rows materializes them all: gigabytes, far past a 64 MiB cap.
    hog = cross_product(5, "*") + " ORDER BY ?o0 ?o1 ?o2 ?o3 ?o4"
    with start_server(FIXTURE, "--no-validate", "--workers", "2", "--query-memory-bytes", str(64 * 2**20)) as live:
        before = worker_pids(live)
        r = httpx.get(live.sparql, params={"query": hog}, timeout=60)
        assert r.status_code == 500, r.text
        body = r.json()
        assert body["error"] in ("worker_failed", "out_of_memory") and "memory" in body["message"]
        assert "64 MiB" in body["message"] or "--query-memory" in body["message"]
        wait_until(lambda: len(worker_pids(live)) == 2 and worker_pids(live) != before)  # replaced
        assert httpx.get(live.sparql, params={"query": "ASK {}"}).json()["boolean"] is True
        assert httpx.get(live.sparql, params={"query": cross_product(2)}).json()["results"]["bindings"]
        # issue 14: the log says it in one line naming the limit, with no Rust backtrace
        log = live.log_text()
        assert "memory allocation" not in log and "panicked" not in log and "backtrace" not in log.lower()
        if body["error"] == "worker_failed":
            assert len([line for line in log.splitlines() if "64 MiB" in line]) == 1, log


def _ask_and_ignore_the_outcome(url: str) -> None:
    try:
        httpx.get(url, params={"query": HEAVY}, timeout=60)
    except httpx.HTTPError:
        pass  # the server is killed under it


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_no_worker_outlives_the_server(stop: signal.Signals) -> None:
    with start_server(FIXTURE, "--no-validate", "--workers", "2") as live:
        zygotes = children(live.process.pid)
        workers = worker_pids(live)
        assert len(zygotes) == 1 and len(workers) == 2
        if stop == signal.SIGKILL:  # no chance to clean up: the kernel's parent-death signal does it
            threading.Thread(target=_ask_and_ignore_the_outcome, args=(live.sparql,), daemon=True).start()
            wait_until(lambda: busy(live) == 1)
        live.process.send_signal(stop)
        live.process.wait(timeout=20)
        wait_until(lambda: not any(alive(pid) for pid in zygotes | workers))
