"""Small parts of the endpoint: content negotiation, the response cache, the network sandbox."""

from __future__ import annotations

import os
import socket

import pyoxigraph as ox
import pytest

from medkg.sparql import formats
from medkg.sparql.cache import ResponseCache
from medkg.sparql.sandbox import deny_network


@pytest.mark.parametrize(
    "accept, kind, expected",
    [
        (None, "solutions", "json"),
        ("", "graph", "turtle"),
        ("*/*", "boolean", "json"),
        ("application/sparql-results+xml;q=0.9, application/sparql-results+json;q=0.8", "solutions", "xml"),
        ("text/csv, application/sparql-results+json", "solutions", "csv"),  # client's order on ties
        ("application/*;q=0.5, text/tab-separated-values", "solutions", "tsv"),
        ("application/rdf+xml;q=0.1, */*;q=0.5", "graph", "turtle"),
        ("application/rdf+xml, */*;q=0", "graph", "rdfxml"),
        ("text/turtle;q=0, */*", "graph", "ntriples"),  # an explicit q=0 excludes a type
        ("garbage, application/ld+json", "graph", "jsonld"),
        ("text/html", "solutions", None),
        ("application/sparql-results+json;q=abc", "solutions", None),
    ],
)
def test_negotiate(accept: str | None, kind: str, expected: str | None) -> None:
    chosen = formats.negotiate(accept, formats.formats_for(kind))
    assert (chosen.name if chosen else None) == expected


def test_cache_evicts_least_recently_used_within_its_bytes() -> None:
    cache = ResponseCache(max_bytes=16 * 1000)
    key = lambda i: (f"q{i}", (), (), "")
    for i in range(100):
        cache.put(key(i), b"text/csv", b"x" * 500)
        cache.get(key(0))  # keep the first one fresh
    assert cache.size <= 16 * 1000
    assert cache.get(key(0)) is not None and cache.get(key(99)) is not None
    assert cache.get(key(1)) is None
    cache.put(key(1000), b"text/csv", b"x" * 2000)  # over a sixteenth of the room: not kept
    assert cache.get(key(1000)) is None
    cache.clear()
    assert len(cache) == 0 and cache.size == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sandbox_blocks_network_but_not_local_sockets() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    report_read, report_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: sandbox itself, then try
        code = 0
        try:
            if deny_network():
                code |= 1
            try:
                socket.socket(socket.AF_INET)
            except PermissionError:
                code |= 2
            a, b = socket.socketpair()
            a.sendall(b"x")
            if b.recv(1) == b"x":
                code |= 4
            try:
                list(ox.Store().query(f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"))
            except OSError:
                code |= 8
        finally:
            os.write(report_write, bytes([code]))
            os._exit(0)
    os.close(report_write)
    code = os.read(report_read, 1)[0]
    os.waitpid(pid, 0)
    listener.settimeout(0.2)
    with pytest.raises(TimeoutError):
        listener.accept()  # the engine never reached us
    listener.close()
    if not code & 1:
        pytest.skip("seccomp is not available here")
    assert code == 1 | 2 | 4 | 8
