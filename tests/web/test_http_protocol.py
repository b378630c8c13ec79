"""What the HTTP protocol itself answers on a real `medkg serve`, over raw sockets: request targets
up to --max-request-bytes reach the app (httptools alone stops at 64 KiB), longer ones get 414,
and every refusal the protocol makes by itself is a JSON error with a sentence, like the app's."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from conftest import LiveServer, raw_exchange, start_server

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with start_server() as live:  # the packaged graph, default limits (--max-request-bytes 1 MiB)
        yield live


def port_of(server: LiveServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def exchange(server: LiveServer, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Sends raw bytes, reads the answer to the end (the requests here close the connection)."""
    received = raw_exchange(server, data)
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split(" ", 2)[1]), headers, body


def get(target: bytes) -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


@pytest.mark.parametrize("size", [65_500, 66_000, 300_000, 1_000_000])
def test_long_query_strings_under_the_limit_reach_the_endpoint(server: LiveServer, size: int) -> None:
    status, _, body = exchange(server, get(b"/sparql?query=ASK%7B%7D%23" + b"x" * size))
    assert status == 200, body[:300]
    assert json.loads(body)["boolean"] is True


def test_long_search_query_gets_the_apps_own_answer(server: LiveServer) -> None:
    status, headers, body = exchange(server, get(b"/api/search?q=" + b"a" * 100_000))
    assert status == 422 and headers["content-type"].startswith("application/json")
    assert "500 characters" in json.loads(body)["message"]


def test_query_string_over_the_limit_is_a_json_414(server: LiveServer) -> None:
    status, headers, body = exchange(server, get(b"/sparql?query=ASK%7B%7D%23" + b"x" * 1_100_000))
    assert status == 414 and headers["content-type"] == "application/json"
    assert "POST" in json.loads(body)["message"]


MALFORMED = {
    "unknown method": b"FOO / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "bad content-length": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n",
    "header line without colon": b"GET /health HTTP/1.1\r\nHost: x\r\nno colon here\r\nConnection: close\r\n\r\n",
    "garbage": b"\x00\x01GARBAGE \xff\r\n\r\n",
    "bad chunking": (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\nzz\r\nASK {}\r\n0\r\n\r\n"),
    "bad version": b"GET /health HTTP/9.x\r\nHost: x\r\n\r\n",
    "huge header": b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
    "path over 64 KiB": get(b"/" + b"p" * 70_000 + b"?q=1"),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_every_protocol_refusal_is_a_json_error_with_a_sentence(server: LiveServer, name: str) -> None:
    status, headers, body = exchange(server, MALFORMED[name])
    assert 400 <= status < 500, (name, body[:300])
    assert headers["content-type"] == "application/json", (name, headers)
    error = json.loads(body)
    assert error["status"] == status and error["error"] and len(error["message"].split()) >= 5, error


def test_unknown_method_says_what_was_wrong(server: LiveServer) -> None:
    status, _, body = exchange(server, MALFORMED["unknown method"])
    assert status == 400 and "method" in json.loads(body)["message"]


def test_connections_over_the_limit_get_a_json_503() -> None:
    with start_server("--max-connections", "2") as live:
        held = socket.create_connection(("127.0.0.1", port_of(live)), timeout=30)
        try:
            held.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")  # keep-alive: stays open, one of the two
            assert held.recv(65536).startswith(b"HTTP/1.1 200")
            status, headers, body = exchange(live, get(b"/health"))
            assert status == 503 and headers["content-type"] == "application/json"
            assert json.loads(body)["error"] == "too_many_connections"
        finally:
            held.close()
