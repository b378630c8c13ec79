"""/sparql: the SPARQL 1.1 Protocol endpoint (https://www.w3.org/TR/sparql11-protocol/).

A lean ASGI route, not a FastAPI one: it sits on the hot path of every query, so it parses the
request itself and hands the query to the engine's worker pool (medkg.sparql.engine), which negotiates
the format and serializes in the engine. Responses up to ``stream_after_bytes`` are sent whole
with their length; bigger ones are streamed, and a stream cut short by a timeout or a failure
ends by dropping the connection, so no client mistakes it for a complete 200. A client that takes
gzip (Accept-Encoding) gets answers of 1 KiB or more compressed, by the worker.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import unquote_to_bytes

from medkg.graph.namespaces import DATA_GRAPH
from medkg.settings import Settings
from medkg.sparql import description, formats, wire
from medkg.sparql.cache import ResponseCache
from medkg.sparql.engine import (
    EngineBusy,
    QueryEngine,
    QueryRequest,
    QueryTimeout,
    Run,
    WorkerFailed,
)
from medkg.web.accept import prefers_html
from medkg.web.asgi import JSON_TYPE, Cors, Headers, Receive, Scope, Send, error_body, respond
from medkg.web.writes import WriteGate, WriteRefused, success_body
from medkg.writes.serving import request_update

log = logging.getLogger("medkg.sparql")

PATHS = ("/sparql", "/sparql/")
ALLOWED_METHODS = b"GET, HEAD, POST, OPTIONS"
_DATASET_PARAMS = ("default-graph-uri", "named-graph-uri")
_MAX_FIELDS = 1000


class ProtocolError(Exception):
    """A request the protocol refuses: its status, an error code and a message for the developer."""

    def __init__(self, status: int, code: str, message: str, headers: Headers | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers or []


class StreamAborted(Exception):
    """Raised after a streamed 200 has begun and cannot be completed: the server drops the connection."""


def _params(raw: bytes) -> dict[str, list[str]]:
    """Form-encoded parameters (query string or body), every value of each name, in order.

    What urllib.parse.parse_qsl(keep_blank_values=True, encoding="utf-8", errors="strict",
    max_num_fields=_MAX_FIELDS) gives, in fewer steps (this runs on every query): the bytes are
    split and percent-decoded as bytes, then decoded as UTF-8 once."""
    if raw and raw.count(b"&") + 1 > _MAX_FIELDS:
        raise ProtocolError(400, "too_many_parameters", f"more than {_MAX_FIELDS} parameters")
    out: dict[str, list[str]] = {}
    try:
        for field in raw.split(b"&") if raw else ():
            if not field:
                continue
            name, _, value = field.partition(b"=")
            out.setdefault(_decode(name), []).append(_decode(value))
    except UnicodeDecodeError:
        raise ProtocolError(400, "bad_encoding", "the parameters are not valid UTF-8 once percent-decoded") from None
    return out


def _decode(part: bytes) -> str:
    return unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8", "strict") if part else ""


@lru_cache(maxsize=64)  # clients send a handful of distinct values
def takes_gzip(value: bytes | None) -> bool:
    """Whether an Accept-Encoding header admits gzip (RFC 9110, 12.5.3: q=0 refuses it)."""
    if not value:
        return False
    weights: dict[str, float] = {}
    for item in value.decode("latin-1").lower().split(","):
        coding, _, params = item.partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, number = param.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(number)
                except ValueError:
                    weight = 0.0
        weights[coding.strip()] = weight
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0


_VARY = (b"vary", b"Accept, Accept-Encoding")


def answer_headers(head: bytes, cors: Headers) -> tuple[bytes, Headers]:
    """The content type and headers of an answer, from a worker's HEAD payload (medkg.sparql.wire)."""
    if head.endswith(wire.GZIP_ENCODING):
        return head[: -len(wire.GZIP_ENCODING)], [(b"content-encoding", b"gzip"), _VARY, *cors]
    return head, [_VARY, *cors]


def _media_type(value: bytes | None) -> tuple[str, str | None]:
    """(media type, charset) of a Content-Type header value."""
    if not value:
        return "", None
    text = value.decode("latin-1")
    media, _, rest = text.partition(";")
    charset = None
    for param in rest.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip('"').lower()
    return media.strip().lower(), charset


async def respond_refused(send: Send, scope: Scope, error: ProtocolError | WriteRefused, cors: Headers) -> None:
    """The JSON error answer for a request the protocol or the write gate refuses."""
    extra = error.extra if isinstance(error, WriteRefused) else {}
    body = error_body(error.status, error.code, str(error), **extra)
    await respond(send, error.status, body, JSON_TYPE, [*error.headers, *cors], scope["method"] == "HEAD")


class SparqlEndpoint:
    """The ASGI app for /sparql."""

    def __init__(self, settings: Settings, engine: QueryEngine,
                 statistics: Callable[[], list[description.GraphStatistics]],
                 writes: WriteGate | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.writes = writes
        if writes is not None:
            writes.hooks.append(self._after_write)
        self.cors = Cors(settings.cors_origins)
        self.cache = ResponseCache(settings.cache_bytes) if settings.cache_bytes > 0 else None
        self._statistics = statistics
        self._descriptions: dict[tuple[object, ...], bytes] = {}
        # The page a browser gets on GET /sparql (scope -> HTML); set by the app (medkg.web.pages).
        self.html_page: Callable[[Scope], bytes] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])  # names are lower-case in ASGI; a repeated header keeps its last value
        cors = self.cors.headers(headers.get(b"origin"))
        try:
            await self._handle(scope, receive, send, headers, cors)
        except (ProtocolError, WriteRefused) as error:
            await respond_refused(send, scope, error, cors)
        except StreamAborted as error:
            log.warning("dropped a streamed response before its end: %s", error)
            raise  # the server closes the connection without the final chunk
        except Exception:
            log.exception("internal error on %s %s", scope["method"], scope["path"])
            await respond(send, 500, error_body(500, "internal_error", "internal server error; see the server log"),
                          JSON_TYPE, cors)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes],
                      cors: Headers) -> None:
        method = scope["method"]
        if method == "OPTIONS":
            preflight = self.cors.preflight(headers.get(b"origin"), ALLOWED_METHODS,
                                            headers.get(b"access-control-request-headers"))
            await respond(send, 204, b"", b"text/plain", [(b"allow", ALLOWED_METHODS), *preflight])
            return
        if method not in ("GET", "HEAD", "POST"):
            raise ProtocolError(405, "method_not_allowed", f"{method} is not allowed on the SPARQL "
                                "endpoint: query with GET or POST", [(b"allow", ALLOWED_METHODS)])
        raw_query = scope["query_string"]
        if len(raw_query) > self.settings.max_request_bytes:
            raise ProtocolError(414, "uri_too_long", f"the query string is longer than the "
                                f"{self.settings.max_request_bytes} bytes allowed; send the query by POST")
        gzip = takes_gzip(headers.get(b"accept-encoding"))
        cache_key: tuple[object, ...] | None = None
        if method != "POST" and raw_query and self.cache is not None:
            # A repeated GET is answered before its parameters are even decoded.
            cache_key = (raw_query, headers.get(b"accept", b""), gzip, self._base_iri(scope),
                         getattr(self.engine, "generation", 0))
            hit = self.cache.get(cache_key)
            if hit is not None:
                await respond(send, 200, hit[1], *answer_headers(hit[0], cors), method == "HEAD")
                return
        params = _params(raw_query) if raw_query else {}
        if method in ("GET", "HEAD"):
            if "update" in params:
                raise ProtocolError(400, "update_by_get", "SPARQL updates must be sent by POST, never GET"
                                    + (" (and this endpoint is read-only)" if self.settings.read_only else ""))
            if "query" not in params:
                if not params:
                    await self._service_description(scope, send, headers, cors)
                    return
                raise ProtocolError(400, "missing_query", "no 'query' parameter: give the SPARQL query "
                                    "as ?query=..., or GET /sparql without parameters for the service description")
            query = self._single(params, "query")
        else:  # POST
            query_or_none = await self._post_query(scope, receive, headers, params)
            if query_or_none is None:
                await self._update(params, headers, send, cors)
                return
            query = query_or_none
        await self._query(scope, receive, send, query, params, headers.get(b"accept"), cors, cache_key, gzip)

    @staticmethod
    def _single(params: dict[str, list[str]], name: str) -> str:
        values = params[name]
        if len(values) > 1:
            raise ProtocolError(400, f"multiple_{name}", f"{len(values)} '{name}' parameters; send exactly one")
        return values[0]

    async def _read_body(self, receive: Receive, headers: dict[bytes, bytes]) -> bytes:
        limit = self.settings.max_request_bytes
        too_big = ProtocolError(413, "request_too_large", f"the request body is larger than the {limit} bytes allowed")
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise too_big  # refused before reading a byte of it
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ProtocolError(400, "incomplete_request", "the client went away mid-request")
            body += message.get("body", b"")
            if len(body) > limit:
                raise too_big
            if not message.get("more_body", False):
                return bytes(body)

    async def _post_query(self, scope: Scope, receive: Receive, headers: dict[bytes, bytes],
                          params: dict[str, list[str]]) -> str | None:
        """The query of a POST (params gets the form fields), or None for an update."""
        media, charset = _media_type(headers.get(b"content-type"))
        if media == "application/x-www-form-urlencoded":
            body = await self._read_body(receive, headers)
            for name, values in _params(body).items():
                params.setdefault(name, []).extend(values)
            if "query" in params and "update" in params:
                raise ProtocolError(400, "query_and_update", "a request carries either 'query' or 'update', not both")
            if "update" in params:
                self._single(params, "update")
                return None
            if "query" not in params:
                raise ProtocolError(400, "missing_query", "the form has no 'query' field")
            return self._single(params, "query")
        if media in ("application/sparql-query", "application/sparql-update"):
            if charset not in (None, "utf-8", "utf8"):
                raise ProtocolError(415, "unsupported_charset", f"the body must be UTF-8, not {charset}")
            if "query" in params or "update" in params:
                raise ProtocolError(400, "query_in_url", "with a direct POST the operation is the body; "
                                    "do not also give 'query' or 'update' in the URL")
            body = await self._read_body(receive, headers)
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise ProtocolError(400, "bad_encoding", "the request body is not valid UTF-8") from None
            if media == "application/sparql-update":
                params["update"] = [text]
                return None
            return text
        if not media:
            raise ProtocolError(415, "missing_content_type", "a POST needs a Content-Type: "
                                "application/x-www-form-urlencoded or application/sparql-query")
        raise ProtocolError(415, "unsupported_media_type", f"cannot read a {media} body: send "
                            "application/x-www-form-urlencoded or application/sparql-query")

    async def _update(self, params: dict[str, list[str]], headers: dict[bytes, bytes], send: Send,
                      cors: Headers) -> None:
        """SPARQL Update: only with the write token (medkg.web.writes); read-only otherwise."""
        if self.writes is None or not self.writes.enabled:
            raise ProtocolError(403, "read_only", "this endpoint is read-only: SPARQL Update is not accepted. "
                                "Query with SELECT, ASK, CONSTRUCT or DESCRIBE.")
        name = self.writes.authorize(headers)
        if any(p in params for p in _DATASET_PARAMS) or "using-graph-uri" in params or "using-named-graph-uri" in params:
            raise ProtocolError(400, "unsupported_parameter", "using-graph-uri / using-named-graph-uri are not "
                                "supported: write USING or WITH in the update itself")
        reply = await self.writes.write(request_update(self._single(params, "update"), name))
        await respond(send, 200, success_body(reply), JSON_TYPE, cors)

    async def _after_write(self, _reply: object) -> None:
        # Keys carry the generation too, so an answer computed before the write is never served
        # after it; clearing frees the room at once.
        if self.cache is not None:
            self.cache.clear()
        self._descriptions.clear()

    def _timeout(self, params: dict[str, list[str]]) -> float:
        limit = self.settings.query_timeout
        if "timeout" not in params:
            return limit
        raw = self._single(params, "timeout")
        try:
            asked = float(raw)
        except ValueError:
            asked = -1.0
        if math.isnan(asked) or asked <= 0:
            raise ProtocolError(400, "bad_timeout", f"timeout must be a positive number of seconds, not {raw!r}")
        return min(asked, limit)

    async def _query(self, scope: Scope, receive: Receive, send: Send, query: str,
                     params: dict[str, list[str]], accept: bytes | None, cors: Headers,
                     cache_key: tuple[object, ...] | None = None, gzip: bool = False) -> None:
        timeout = self._timeout(params)
        accept_text = accept.decode("latin-1") if accept else None
        default_graphs, named_graphs = params.get("default-graph-uri"), params.get("named-graph-uri")
        base_iri = self._base_iri(scope)
        key = cache_key or (query, tuple(default_graphs or ()), tuple(named_graphs or ()), accept_text or "", gzip,
                            base_iri, getattr(self.engine, "generation", 0))
        if self.cache is not None and cache_key is None:
            hit = self.cache.get(key)
            if hit is not None:
                await respond(send, 200, hit[1], *answer_headers(hit[0], cors), scope["method"] == "HEAD")
                return
        request = QueryRequest(query, default_graphs, named_graphs, accept_text, base_iri, gzip)
        try:
            run = await self.engine.run(request, timeout)
        except EngineBusy as error:
            raise ProtocolError(503, "busy", f"the server is busy ({error}); retry shortly",
                                [(b"retry-after", b"1")]) from None
        loop = asyncio.get_running_loop()
        # A query still running after a moment gets a watcher that stops it if the client leaves.
        watchers: list[asyncio.Task[None]] = []
        timer = loop.call_later(0.5, lambda: watchers.append(loop.create_task(_stop_on_disconnect(run, receive))))
        try:
            complete = await self._relay(run, scope, send, cors, timeout)
            if complete is not None and self.cache is not None:
                self.cache.put(key, *complete)
        finally:
            timer.cancel()
            for task in watchers:
                task.cancel()
            run.close()

    async def _relay(self, run: Run, scope: Scope, send: Send, cors: Headers,
                     timeout: float) -> tuple[bytes, bytes] | None:
        """Sends the run's answer; returns (HEAD payload, body) when it was a complete, unstreamed 200."""
        head_only = scope["method"] == "HEAD"
        head = b""
        parts: list[bytes] = []
        size = 0
        streaming = False
        try:
            while True:
                kind, payload = await run.next_frame()
                if kind == wire.DATA:
                    if streaming:
                        await send({"type": "http.response.body", "body": payload, "more_body": True})
                        continue
                    parts.append(payload)
                    size += len(payload)
                    if size > self.settings.stream_after_bytes:
                        streaming = True
                        content_type, extra = answer_headers(head, cors)
                        await send({"type": "http.response.start", "status": 200, "headers": [
                            (b"content-type", content_type), *extra]})
                        await send({"type": "http.response.body", "body": b"".join(parts), "more_body": True})
                        parts.clear()
                elif kind == wire.HEAD:
                    head = payload
                elif kind == wire.END:
                    if streaming:
                        await send({"type": "http.response.body", "body": b""})
                        return None
                    body = b"".join(parts)
                    await respond(send, 200, body, *answer_headers(head, cors), head_only)
                    return head, body
                else:  # wire.ERROR, already a JSON error body
                    if streaming:
                        raise StreamAborted(payload.decode())
                    status = int(json.loads(payload)["status"])
                    await respond(send, status, payload, JSON_TYPE, cors, head_only)
                    return None
        except QueryTimeout:
            if streaming:
                raise StreamAborted(f"query timed out after {timeout:g} s mid-stream") from None
            await respond(send, 504, error_body(
                504, "timeout", f"the query ran longer than its {timeout:g} s limit and was stopped "
                f"(the server allows at most {self.settings.query_timeout:g} s; ask for less with ?timeout=). "
                "Make it more selective, add a LIMIT, or avoid unbounded property paths."), JSON_TYPE, cors, head_only)
        except WorkerFailed as error:
            if streaming:
                raise StreamAborted(str(error)) from None
            cap = self.settings.query_memory_bytes
            limit = f" ({cap // 2**20} MiB, medkg serve --query-memory-bytes)" if cap else ""
            log.warning("a query worker stopped mid-query, most likely past the memory a query may take%s; "
                        "the client got a 500 and the worker is replaced", limit or " (no cap is set)")
            await respond(send, 500, error_body(500, "worker_failed", f"{error}; it may have needed more memory than "
                          f"a query may take here{limit}: make it more selective or add a LIMIT"), JSON_TYPE, cors, head_only)
        return None

    def _base_iri(self, scope: Scope) -> str:
        # The endpoint's URL as this server sees it: the Host header is client-chosen, so it is not
        # used (a relative IRI must not turn into one on a host of the client's choosing).
        server = scope.get("server") or ("localhost", None)
        host = f"{server[0]}:{server[1]}" if server[1] else str(server[0])
        return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}/sparql"

    async def _service_description(self, scope: Scope, send: Send, headers: dict[bytes, bytes], cors: Headers) -> None:
        accept = headers.get(b"accept")
        if self.html_page is not None and prefers_html(accept):  # a browser: the query page, not Turtle
            await respond(send, 200, self.html_page(scope), b"text/html; charset=utf-8", [(b"vary", b"Accept"), *cors],
                          scope["method"] == "HEAD")
            return
        fmt = formats.negotiate(accept.decode("latin-1") if accept else None, formats.GRAPH_FORMATS)
        if fmt is None:
            raise ProtocolError(406, "not_acceptable", "the service description is RDF; ask for one of: "
                                + formats.offered("graph"))
        endpoint = _endpoint_url(scope, headers)
        # After a write the default graph is counted again in the background: wait off the event loop.
        statistics = await asyncio.to_thread(self._statistics)
        key = (endpoint, fmt.name, tuple(statistics))
        body = self._descriptions.get(key)
        if body is None:
            triples = description.service_description(endpoint, statistics, read_only=self.settings.read_only,
                                                      data_graph=self.settings.base + DATA_GRAPH)
            body = description.serialize_description(triples, fmt)
            if len(self._descriptions) < 64:  # hosts are client-chosen: bound the cache
                self._descriptions[key] = body
        await respond(send, 200, body, fmt.content_type.encode(), [(b"vary", b"Accept"), *cors],
                      scope["method"] == "HEAD")


async def _stop_on_disconnect(run: Run, receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    run.cancel()


def _endpoint_url(scope: Scope, headers: dict[bytes, bytes]) -> str:
    host = headers.get(b"host", b"").decode("latin-1")
    if not host or any(c in host for c in ' <>"{}|\\^`'):
        server = scope.get("server") or ("localhost", None)
        host = f"{server[0]}:{server[1]}" if server[1] else str(server[0])
    # ASGI: the path holds the root_path already (uvicorn --root-path puts it there)
    path = scope["path"] if scope["path"].startswith(scope.get("root_path", "")) else scope.get("root_path", "") + scope["path"]
    return f"{scope.get('scheme', 'http')}://{host}{path}"
