"""`medkg query` and SERVICE: refused unless --allow-service, as on the server; a failing SERVICE
call is one clear sentence, never "unexpected error"."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

MEDKG = [sys.executable, "-m", "medkg.cli"]


def query(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MEDKG, "query", *args], capture_output=True, text=True, timeout=120, check=False)


@contextmanager
def listener(reply: bytes | None) -> Iterator[tuple[int, list[bytes]]]:
    """A local TCP server on a free port; records what each connection sent, answers ``reply`` (None: closes)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    received.append(conn.recv(65536))
                    if reply is not None:
                        conn.sendall(reply)
                except OSError:
                    pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], received
    finally:
        stop.set()
        thread.join()
        server.close()


def _federated(port: int) -> str:
    return f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"


@pytest.mark.parametrize("form", ["SERVICE", "service silent", "SERVICE\n"])
def test_service_is_refused_without_any_network_call(form: str) -> None:
    with listener(None) as (port, received):
        text = _federated(port).replace("SERVICE ", form + " ")
        for fmt in ("table", "json"):
            done = query("-f", fmt, text)
            assert done.returncode == 2, done.stderr
            assert "SERVICE (federated query) is disabled" in done.stderr and "--allow-service" in done.stderr
            assert done.stdout == ""
    assert received == []  # nothing was fetched


@pytest.mark.parametrize("reply", [None, b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops",
                                   b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nContent-Length: 5\r\n\r\n{nope"])
def test_a_failing_service_call_is_a_clear_error(reply: bytes | None) -> None:
    with listener(reply) as (port, received):
        done = query("--allow-service", _federated(port))
        assert received, "--allow-service must make the call"
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("medkg: a SERVICE call failed: ") and "unexpected error" not in done.stderr
    assert "Traceback" not in done.stderr


def test_a_service_endpoint_nobody_listens_on_is_a_clear_error() -> None:
    with socket.socket() as sock:  # a free port, closed again: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = query("--allow-service", _federated(port))
    assert done.returncode == 1 and done.stderr.startswith("medkg: a SERVICE call failed: ")


def test_a_working_service_call_is_allowed_with_the_flag() -> None:
    body = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://example.org/x"}}]}}'
    reply = (b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nContent-Length: "
             + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
    with listener(reply) as (port, _received):
        done = query("--allow-service", "-f", "csv", f"SELECT ?s WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}")
    assert done.returncode == 0, done.stderr
    assert "http://example.org/x" in done.stdout
