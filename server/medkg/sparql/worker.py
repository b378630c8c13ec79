"""Query workers: processes that run one query at a time and can be killed at any moment.

pyoxigraph cannot cancel a running query, so queries run outside the web process: a timed-out or
abandoned query is stopped by killing its worker, and a fresh one takes its place. Workers are
forked from a "zygote", a process forked once the store is loaded and before the web server starts
any thread, so each new worker shares the loaded store copy-on-write and starts in milliseconds.

Everything here runs in the child processes and is blocking, plain code.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import struct
import traceback
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from medkg.graph.namespaces import DEFAULT_BASE
from medkg.sparql import formats, sandbox, wire
from medkg.sparql.query import QueryError, holds_output, result_kind, run_query, write_result
from medkg.sparql.text import nesting_depth, uses_service
from medkg.sparql.writers import Unwritable


@dataclass(frozen=True)
class WorkerConfig:
    base: str = DEFAULT_BASE
    allow_service: bool = False
    # Results up to this size leave in one write; bigger ones are streamed in frames of this size.
    chunk_size: int = 256 * 1024
    # Memory a query may take beyond the store (medkg.sparql.sandbox.limit_memory); 0: no cap.
    query_memory_bytes: int = 0


class _FrameWriter(io.RawIOBase):
    """A binary file that sends what the engine writes as DATA frames of ``chunk_size`` bytes.

    The engine writes 8 KiB at a time; those are gathered so that a small result leaves in a single
    write with its HEAD and END frames, and a big one in few large frames. With ``gzip`` (the
    client takes it), a result of ``GZIP_MIN`` bytes or more is compressed here, in the worker, not
    in the web front; the HEAD frame says so.
    """

    def __init__(self, sock: socket.socket, content_type: bytes, chunk_size: int, gzip: bool = False,
                 hold: bool = False) -> None:
        super().__init__()
        self._hold = hold  # send nothing before finish(): the answer may yet turn out unwritable
        self._sock = sock
        self._content_type = content_type
        self._head_sent = False
        self._data = bytearray()
        self._chunk_size = chunk_size
        self._gzip = gzip
        self._compressor: Any = None

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._data += data
        if len(self._data) >= self._chunk_size and not self._hold:
            self._send(final=False)
        return len(data)

    def discard(self) -> None:
        self._data.clear()

    def finish(self) -> None:
        self._send(final=True)

    def _send(self, final: bool) -> None:
        head = b""
        if not self._head_sent:  # decided on the first data: compress only what is worth it
            if self._gzip and len(self._data) >= GZIP_MIN:
                self._compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: gzip framing
            encoding = wire.GZIP_ENCODING if self._compressor else b""
            head = wire.frame(wire.HEAD, self._content_type + encoding)
            self._head_sent = True
        data = bytes(self._data)
        if self._compressor is not None:
            data = self._compressor.compress(data) + (self._compressor.flush() if final else b"")
        out = head + (wire.FRAME.pack(wire.DATA, len(data)) + data if data else b"")
        self._sock.sendall(out + wire.frame(wire.END) if final else out)
        self._data.clear()


GZIP_MIN = 1024  # smaller answers gain little and cost a compressor
GZIP_LEVEL = 3  # measured: 22 MB of SPARQL JSON to 1.3 MB in 70 ms, as fast as level 1; level 6 took 2.5x


def _error(status: int, code: str, message: str, **extra: Any) -> bytes:
    return wire.json_frame(wire.ERROR, {"status": status, "error": code, "message": message, **extra})


def answer(store: ox.Store, request: dict[str, Any], sock: socket.socket, config: WorkerConfig) -> None:
    """Runs one request and writes its response frames to ``sock``."""
    query = request["query"]
    if not config.allow_service and uses_service(query):
        sock.sendall(_error(400, "service_disabled", _SERVICE_REFUSED))
        return
    if nesting_depth(query) > MAX_NESTING:
        sock.sendall(_error(400, "too_deep", f"the query nests groups or expressions more than {MAX_NESTING} "
                            "levels deep; flatten it"))
        return
    try:
        result = run_query(
            store,
            query,
            base=config.base,
            default_graphs=request.get("default_graphs") or None,
            named_graphs=request.get("named_graphs") or None,
            base_iri=request.get("base_iri"),
        )
    except QueryError as error:
        where = {"line": error.line, "column": error.column} if error.line else {}
        sock.sendall(_error(400, "malformed_query" if error.line else "bad_query", str(error), **where))
        return
    except (OSError, RuntimeError) as error:  # some evaluation starts at once (e.g. SERVICE)
        sock.sendall(_error(*_runtime_error(error)))
        return
    kind = result_kind(result)
    candidates = formats.formats_for(kind)
    fmt = formats.negotiate(request.get("accept"), candidates)
    if fmt is None:
        sock.sendall(
            _error(
                406,
                "not_acceptable",
                f"none of the media types in the Accept header can hold {_FORM[kind]} result; "
                f"ask for one of: {formats.offered(kind)}",
            )
        )
        return
    writer = _FrameWriter(sock, fmt.content_type.encode(), config.chunk_size, bool(request.get("gzip")),
                          hold=holds_output(fmt.engine))
    try:
        write_result(result, fmt.engine, writer, config.base)  # type: ignore[arg-type]
    except Unwritable as error:  # nothing has been sent: the XML formats are held whole
        writer.discard()
        acceptable = [f.media_type for f in candidates if f.name in error.alternatives]
        sock.sendall(_error(406, "not_acceptable", f"{error.reason}; ask for one of: {', '.join(acceptable)}",
                            acceptable=acceptable))
        return
    except (OSError, RuntimeError, ValueError) as error:  # raised while the engine evaluates lazily
        # The front turns this into an error status if no byte has reached the client yet, and
        # cuts the connection otherwise.
        writer.discard()
        sock.sendall(_error(*_runtime_error(error)))
        return
    writer.finish()


# The engine's parser recurses per level and overflows its stack somewhere past 2,000 levels.
MAX_NESTING = 500
_OUT_OF_MEMORY = ("the query needed more memory than a query may take on this server (medkg serve "
                  "--query-memory-bytes); make it more selective, add a LIMIT, or avoid sorting or grouping huge results")
_FORM = {"solutions": "a SELECT", "boolean": "an ASK", "graph": "a CONSTRUCT or DESCRIBE"}
_SERVICE_REFUSED = (
    "SERVICE (federated query) is disabled on this endpoint: it would make the server fetch other "
    "URLs. Query the remote endpoint directly, or start the server with --allow-service."
)


def _runtime_error(error: Exception) -> tuple[int, str, str]:
    if isinstance(error, PermissionError):  # the network sandbox stopped a SERVICE call
        return 400, "service_disabled", _SERVICE_REFUSED
    if isinstance(error, OSError) and error.errno in (32, 104):  # the front went away
        raise error
    return 500, "evaluation_error", f"the query failed while running: {error}"


def serve(sock: socket.socket, store: ox.Store, config: WorkerConfig) -> None:
    """A worker's life: answer requests one at a time until the front closes the socket."""
    requests = wire.RequestReader(sock)
    while True:
        request = requests.next()
        if request is None:
            return
        try:
            answer(store, request, sock, config)
        except (BrokenPipeError, ConnectionResetError):
            return
        except MemoryError:  # past the --query-memory-bytes cap, in Python code; the engine's own ends the worker
            sock.sendall(_error(500, "out_of_memory", _OUT_OF_MEMORY))
            return  # a fresh worker takes over, with a clean heap
        except Exception:  # noqa: BLE001 - a bug: report it to the client rather than die silently
            sock.sendall(_error(500, "internal_error", "internal error in the query worker: " + traceback.format_exc(limit=3)))


def run_zygote(control: socket.socket, store_factory: Callable[[], ox.Store], config: WorkerConfig,
               writer: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
    """The zygote's loop: for each socket the front sends, fork a worker serving it, reply its pid;
    for each write message (``b"u"``, a 4-byte length, a JSON request), run ``writer`` and reply
    with a 4-byte length and its JSON answer (medkg.writes.serving). Writes are thus serialized,
    and a worker forked after a write serves the written store.

    ``store_factory`` runs in each new worker (the memory backend returns the inherited store).
    """
    sandbox.die_with_parent()
    if not config.allow_service:
        sandbox.deny_network()  # inherited by every worker forked from here

    def reap(_signum: int, _frame: object) -> None:
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass

    signal.signal(signal.SIGCHLD, reap)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the front stops us; Ctrl-C is its business
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 16, 1)
        except OSError:
            return
        if not fds:
            if message[:1] == b"u":
                _write(control, message, writer)
                continue
            return  # the front closed the control socket
        pid = os.fork()
        if pid == 0:
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            sandbox.die_with_parent()
            worker_sock = socket.socket(fileno=fds[0])
            try:
                store = store_factory()
                if sandbox.limit_memory(config.query_memory_bytes):
                    # Past the cap the engine aborts with a Rust "memory allocation failed" message
                    # (and a backtrace with RUST_BACKTRACE) on stderr, the server's log. The client
                    # gets the reason and the front logs one line (medkg.web.sparql); everything
                    # else a worker has to say goes over its socket.
                    _quiet_stderr()
                serve(worker_sock, store, config)
            finally:
                os._exit(0)
        os.close(fds[0])
        control.sendall(struct.pack(">I", pid))


def _quiet_stderr() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _write(control: socket.socket, message: bytes, writer: Callable[[dict[str, Any]], dict[str, Any]] | None) -> None:
    """Reads the rest of a write message, runs it, sends the length-prefixed JSON reply."""
    while len(message) < 5:
        more = wire.recv_exact(control, 5 - len(message))
        if more is None:
            return
        message += more
    (size,) = struct.unpack(">I", message[1:5])
    body = message[5:]
    if len(body) < size:
        rest = wire.recv_exact(control, size - len(body))
        if rest is None:
            return
        body += rest
    if writer is None:
        reply: dict[str, Any] = {"ok": False, "status": 403, "error": "ReadOnly", "report": None,
                                 "message": "this server accepts no writes"}
    else:
        reply = writer(json.loads(body))
    data = json.dumps(reply).encode()
    control.sendall(struct.pack(">I", len(data)) + data)
