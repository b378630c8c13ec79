"""`--store URL`: the graph on any SPARQL 1.1 server, reached only through the standard protocols.

- Queries: SPARQL 1.1 Protocol (POST, URL-encoded form), with ``default-graph-uri`` and
  ``named-graph-uri`` naming the graphs medkg loaded, so no server-side "union default graph"
  setting is needed.
- Loading (``medkg.store.remote_load``): SPARQL 1.1 Graph Store HTTP Protocol, else SPARQL 1.1 Update.

Every request has a timeout on connecting and on each read, and an overall deadline, so a dead or
stalled server ends in an error, never a hang. Errors have distinct types for the HTTP layer:
``RemoteTimeout`` -> 504, other ``RemoteError``s -> 502.

Servers that want a login (Virtuoso's ``/sparql-auth`` and ``/sparql-graph-crud-auth``) get HTTP
Digest or Basic authentication (``medkg.store.remote_auth``) with credentials from the environment.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Self

import pyoxigraph as ox

from medkg.graph.namespaces import DATA_GRAPH, DEFAULT_BASE, ONTOLOGY_GRAPH
from medkg.sparql.client import (
    QueryFunction,
    Result,
    SparqlError,
    _strip_prologue,
    _term,
    parse_json_results,
)
from medkg.store.remote_auth import PASSWORD_VARIABLE, USER_VARIABLE, Challenge, Credentials
from medkg.store.remote_dialect import standard_results, standard_triples


class RemoteError(SparqlError):
    """The remote SPARQL server failed us. ``status`` is what the HTTP layer should answer."""

    status = 502


class RemoteUnavailable(RemoteError):
    """Cannot connect to the server, or it dropped the connection."""


class RemoteTimeout(RemoteError):
    """The server did not answer within the timeout."""

    status = 504


class RemoteBadReply(RemoteError):
    """The server answered something that is not a valid SPARQL protocol reply."""


class RemoteRejected(RemoteError):
    """The server answered with an error status (``remote_status``) for our request."""

    def __init__(self, message: str, remote_status: int) -> None:
        super().__init__(message)
        self.remote_status = remote_status


@dataclass(frozen=True)
class Endpoints:
    """Where a server takes queries, updates and Graph Store requests, and the login it wants."""

    query: str
    update: str
    store: str
    credentials: Credentials | None = None


def endpoints(url: str, update: str | None = None, store: str | None = None,
              credentials: Credentials | None = None) -> Endpoints:
    """The endpoints of the server whose query endpoint is ``url``.

    - Oxigraph's layout (``.../query``) gives ``.../update`` and ``.../store``;
    - Virtuoso's (``.../sparql``) gives ``.../sparql-graph-crud`` for the Graph Store Protocol and
      ``.../sparql`` for updates, or with ``credentials`` its authenticated ``.../sparql-graph-crud-auth``
      and ``.../sparql-auth`` (where a user with the SPARQL_UPDATE role may write);
    - otherwise the same URL takes all three (a Fuseki dataset URL, QLever).

    Pass ``update``/``store`` for any other layout. Raises ValueError for a URL that is not http(s)
    or that carries a user name or password (they belong in the environment, not in a URL that
    ends up in logs).
    """
    for candidate in (url, update, store):
        if candidate is None:
            continue
        parts = urllib.parse.urlsplit(candidate)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {candidate!r}")
        if parts.username is not None or parts.password is not None:
            raise ValueError(f"a URL must not carry a user name or password ({_origin(candidate)}): "
                             f"set {USER_VARIABLE} and {PASSWORD_VARIABLE} instead")
    path = urllib.parse.urlsplit(url).path
    if path.endswith("/query"):
        stem = url[: url.rindex("/query")]
        return Endpoints(url, update or stem + "/update", store or stem + "/store", credentials)
    if path.endswith("/sparql") and "?" not in url:
        auth = "-auth" if credentials else ""
        return Endpoints(url, update or url + auth, store or url + "-graph-crud" + auth, credentials)
    return Endpoints(url, update or url, store or url, credentials)


def standard_graphs(base: str = DEFAULT_BASE) -> list[str]:
    """The named graphs of the packaged graph, as `medkg load` puts them on a server."""
    return [base + ONTOLOGY_GRAPH, base + DATA_GRAPH]


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes
    server: str = ""  # the Server header, for vendor-specific speed-ups
    sql_state: str = ""  # Virtuoso's X-SQL-State: set when an answer was cut short (see RemoteStore.query)


class RemoteClient:
    """HTTP to one server: keep-alive connections (one per thread), timeouts on everything.

    With ``credentials``, a ``401`` challenge is answered (Digest or Basic) and the request sent again
    (only a body held in memory can be sent again: a stream must follow an answered challenge); later
    requests to the same server then carry the authorization from the start.
    """

    def __init__(self, timeout: float = 30.0, credentials: Credentials | None = None) -> None:
        self.timeout = timeout
        self.credentials = credentials
        # One connection per (thread, server): http.client connections are not thread-safe.
        self._pool: dict[tuple[int, str], http.client.HTTPConnection] = {}
        self._lock = threading.Lock()
        self._challenges: dict[str, Challenge] = {}  # per origin: the last challenge answered

    def request(self, method: str, url: str, body: bytes | Iterable[bytes] | None = None,
                headers: dict[str, str] | None = None, *, timeout: float | None = None,
                retry: bool = True) -> Reply:
        """Sends one request and reads the whole reply within ``timeout`` seconds (each step).

        ``retry``: resend once if a kept-alive connection turns out closed (only for requests that
        are safe to repeat: not an INSERT DATA with blank nodes). A ``401`` is answered with the
        credentials, if any, and returned as it is otherwise.
        """
        headers = dict(headers or {})
        origin = _origin_key(url)
        challenge = self._challenges.get(origin)
        if challenge is not None and self.credentials is not None:
            headers["Authorization"] = challenge.answer(self.credentials, method, url)
        reply = self._send(method, url, body, headers, timeout=timeout, retry=retry)
        if reply.status != 401 or self.credentials is None or not isinstance(body, bytes | None):
            return reply
        fresh = Challenge.parse(reply.www_authenticate)
        if fresh is None:
            return reply  # no scheme medkg speaks
        parts = urllib.parse.urlsplit(url)
        local = parts.hostname in ("127.0.0.1", "::1", "localhost")
        if fresh.scheme == "basic" and parts.scheme != "https" and not local:
            # Basic sends the password as it is (RFC 7617, section 4): only over TLS, or to this machine.
            raise RemoteRejected(f"{_origin(url)} asks for the password in clear (HTTP Basic) over plain "
                                 "http: use its https URL", 401)
        # Answered once more, on the fresh challenge (a nonce may have expired); a second 401 stands.
        self._challenges[origin] = fresh
        headers["Authorization"] = fresh.answer(self.credentials, method, url)
        return self._send(method, url, body, headers, timeout=timeout, retry=retry)

    def _send(self, method: str, url: str, body: bytes | Iterable[bytes] | None, headers: dict[str, str], *,
              timeout: float | None, retry: bool) -> _FullReply:
        timeout = timeout or self.timeout
        parts = urllib.parse.urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        streamed = body is not None and not isinstance(body, bytes)
        # A kept-alive connection the server closed meanwhile fails at once: retry once on a new one,
        # unless the body was a stream we cannot replay.
        for attempt in (0, 1):
            conn = self._connection(parts, timeout)
            try:
                conn.request(method, target, body=body, headers=headers or {}, encode_chunked=streamed)
                response = conn.getresponse()
                data = _read_all(response, time.monotonic() + timeout)
                if response.will_close:
                    self._drop(parts)
                return _FullReply(response.status, response.getheader("Content-Type", "") or "", data,
                                 response.getheader("Server", "") or "", response.getheader("X-SQL-State", "") or "",
                                 response.getheader("WWW-Authenticate", "") or "")
            except TimeoutError as error:
                self._drop(parts)
                raise RemoteTimeout(f"the SPARQL server {_origin(url)} did not answer within {timeout:g} s") from error
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
                self._drop(parts)
                if attempt == 0 and retry and not streamed and getattr(conn, "_medkg_reused", False):
                    continue
                raise RemoteUnavailable(f"the SPARQL server {_origin(url)} closed the connection: {error}") from error
            except http.client.HTTPException as error:
                self._drop(parts)
                raise RemoteBadReply(f"the SPARQL server {_origin(url)} sent a malformed HTTP reply ({type(error).__name__})") from error
            except OSError as error:
                self._drop(parts)
                raise RemoteUnavailable(f"cannot reach the SPARQL server {_origin(url)}: {error.strerror or error}") from error
        raise AssertionError("unreachable")

    def _connection(self, parts: urllib.parse.SplitResult, timeout: float) -> http.client.HTTPConnection:
        key = (threading.get_ident(), f"{parts.scheme}://{parts.netloc}")
        with self._lock:
            conn = self._pool.get(key)
        if conn is None:
            cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            conn = cls(parts.hostname or "", parts.port, timeout=timeout)
            with self._lock:
                self._pool[key] = conn
        else:
            conn._medkg_reused = True  # type: ignore[attr-defined]
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def _drop(self, parts: urllib.parse.SplitResult) -> None:
        with self._lock:
            conn = self._pool.pop((threading.get_ident(), f"{parts.scheme}://{parts.netloc}"), None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        """Closes every kept-alive connection (of every thread)."""
        with self._lock:
            conns, self._pool = list(self._pool.values()), {}
        for conn in conns:
            conn.close()


def _read_all(response: http.client.HTTPResponse, deadline: float) -> bytes:
    # Each read has the socket timeout; the deadline stops a server that trickles bytes forever.
    chunks: list[bytes] = []
    while True:
        chunk = response.read1(1 << 16)
        if not chunk:
            response.close()  # frees the connection for the next request (keep-alive)
            return b"".join(chunks)
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise TimeoutError


def _origin(url: str) -> str:
    # Never the user info of a URL: it may hold a password.
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{_host(parts)}{parts.path}"


def _host(parts: urllib.parse.SplitResult) -> str:
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname or ""
    return host + (f":{parts.port}" if parts.port else "")


def _origin_key(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{_host(parts)}"


@dataclass
class _FullReply(Reply):
    www_authenticate: str = ""


def _excerpt(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return text[:300] + ("..." if len(text) > 300 else "")


@dataclass
class RemoteStore:
    """A SPARQL 1.1 Protocol endpoint holding the graph in ``graphs`` (None: the server's default graph)."""

    url: str
    graphs: Sequence[str] | None = None
    timeout: float = 30.0
    client: RemoteClient = field(default_factory=RemoteClient)
    server: str = ""  # the Server header of its last answer ("Virtuoso/07.20.3229 ..."): whose quirks to mend

    @property
    def virtuoso(self) -> bool:
        """Whether the server said it is Virtuoso, whose answers ``medkg.store.remote_engine`` rewrites."""
        return self.server.lower().startswith("virtuoso")

    def query(self, sparql: str, accept: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, timeout: float | None = None) -> Reply:
        """Runs a query; raises RemoteRejected on an error status (400 for a bad query, ...)."""
        form: list[tuple[str, str]] = [("query", sparql)]
        if default_graphs is None and named_graphs is None and self.graphs is not None:
            default_graphs = named_graphs = self.graphs
        form += [("default-graph-uri", g) for g in default_graphs or ()]
        form += [("named-graph-uri", g) for g in named_graphs or ()]
        reply = self.client.request(
            "POST", self.url, urllib.parse.urlencode(form).encode(),
            {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
            timeout=timeout or self.timeout,
        )
        if reply.status != 200:
            raise RemoteRejected(
                f"the SPARQL server {_origin(self.url)} answered {reply.status}: {_excerpt(reply.body)}", reply.status
            )
        self.server = reply.server
        if reply.sql_state:  # Virtuoso's "anytime query": a 200 with what it found before its time limit
            raise RemoteTimeout(f"the SPARQL server {_origin(self.url)} cut its answer short at its own time limit "
                                f"(X-SQL-State {reply.sql_state}): the answer would be incomplete")
        return reply

    def run(self, sparql: str) -> Result:
        """The concept core's query function (``medkg.sparql.client.QueryFunction``)."""
        graph_query = _is_graph_query(sparql)
        accept = "application/n-triples" if graph_query else "application/sparql-results+json"
        reply = self.query(sparql, accept)
        try:
            if graph_query:
                triples = standard_triples(ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES))
                return [(_term(t.subject), _term(t.predicate), _term(t.object)) for t in triples]
            return parse_json_results(standard_results(json.loads(reply.body), _is_ask(sparql)))
        except (ValueError, SyntaxError, KeyError, TypeError, AttributeError) as error:
            raise RemoteBadReply(
                f"the SPARQL server {_origin(self.url)} sent an unreadable result ({error}): {_excerpt(reply.body)}"
            ) from error

    def query_function(self) -> QueryFunction:
        return self.run

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def ping(self) -> None:
        """Raises a RemoteError unless the server answers a trivial query."""
        self.run("ASK {}")


def _is_graph_query(sparql: str) -> bool:
    head = _strip_prologue(sparql).lstrip().upper()
    return head.startswith(("CONSTRUCT", "DESCRIBE"))


def _is_ask(sparql: str) -> bool:
    return _strip_prologue(sparql).lstrip().upper().startswith("ASK")
