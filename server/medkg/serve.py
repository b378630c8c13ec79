"""`medkg serve`: load the graph, validate it, start the query workers, run the web server."""

from __future__ import annotations

import errno
import gc
import logging
import socket
import sys
from typing import Any

from medkg.settings import Settings


class ServeError(Exception):
    """A reason not to start, said in one sentence; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _validate_or_exit(settings: Settings) -> None:
    """Validates the graph to serve against the SHACL shapes; violations stop the server (exit 1)."""
    from medkg.validation import validate_graph

    report = validate_graph(list(settings.paths) or None, base=settings.base)
    if not report.conforms:
        print(report.to_text(min_severity="Violation"), file=sys.stderr)
        raise ServeError("the graph violates the shapes (listed above); fix it, or pass --no-validate", 1)


def _check_port(host: str, port: int) -> None:
    """ServeError (exit 2) when ``host``:``port`` cannot be listened on, saying why and what to do.

    A trial bind, as uvicorn binds (SO_REUSEADDR): a port another server holds fails here, in a
    sentence, rather than in uvicorn's log after "serving" was announced."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise ServeError(f"cannot listen on {host}: the host name does not resolve ({error.strerror}); "
                         "give an address with --host", 2) from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ServeError(f"port {port} on {host} is in use (another server is listening there): "
                                 "stop it, or choose another port with --port", 2) from None
            if error.errno == errno.EACCES:
                raise ServeError(f"no permission to listen on port {port} of {host} (ports below 1024 need "
                                 "privileges): choose another with --port", 2) from None
            raise ServeError(f"cannot listen on {host}:{port}: {error.strerror}; check --host and --port", 2) from None


def _start(settings: Settings, validate: bool) -> tuple[Any, int, Any]:
    """The started engine, the number of triples it serves and the app; ServeError (with its exit
    status) for a reason not to start."""
    from medkg.app import create_app, new_engine
    from medkg.store.backends import StoreOptionError

    try:
        engine = new_engine(settings)
    except StoreOptionError as error:
        raise ServeError(str(error), 2) from error
    backend = engine.backend
    claim = getattr(backend, "claim", None)  # an on-disk store: one serving process per folder
    try:
        if claim is not None:
            claim()
    except StoreOptionError as error:
        raise ServeError(str(error), 2) from error
    backend.load()  # RdfInputError (exit 2) before anything else
    # A reopened on-disk store whose content was validated when it was loaded is not validated again.
    if validate and not getattr(backend, "validated", False):
        _validate_or_exit(settings)
        if hasattr(backend, "mark_validated"):
            backend.mark_validated()
    # The zygote is forked before the app loads the concept index: it and the query workers do
    # not hold the index (less memory, quicker forks), and they start while the index loads.
    engine.start()
    # The app makes millions of long-lived objects (the concept index, with the vocabularies) and
    # no garbage: the cyclic collector, left on, would walk them all once more (~0.3 s of a
    # restart; benchmarks/README.md), and again at each full collection after (a broad search
    # paid ~40% of its time for it). So it is off meanwhile, and what is made is frozen: out of
    # its sight for good. Refcounting still frees it.
    gc.disable()
    try:
        app = create_app(settings, engine)
        triples = app.state.dataset_statistics()[0].triples  # counted now, not on the first request
    except BaseException:
        engine.stop()
        raise
    finally:
        gc.freeze()
        gc.enable()
    return engine, triples, app


def serve(settings: Settings, *, validate: bool = True, access_log: bool = False) -> None:
    """Loads, validates, forks the query workers, then serves until interrupted."""
    import uvicorn

    _check_port(settings.host, settings.port)  # before loading, and before announcing anything
    engine, triples, app = _start(settings, validate)
    print(
        f"medkg: serving {triples} triples on http://{settings.host}:{settings.port}/sparql "
        f"({settings.workers} query workers, {settings.query_timeout:g} s query timeout)",
        file=sys.stderr,
    )
    logging.getLogger("medkg").setLevel(logging.INFO)
    try:
        uvicorn.run(app, **uvicorn_options(settings, access_log=access_log))
    finally:
        engine.stop()


def uvicorn_options(settings: Settings, *, access_log: bool = False) -> dict[str, Any]:
    """How `medkg serve` runs uvicorn (the benchmarks' bare route runs the same way)."""
    from medkg.web.http import limited_protocol

    return {
        "host": settings.host,
        "port": settings.port,
        "root_path": settings.root_path,
        "loop": "auto",  # uvloop when installed (a dependency on Linux and macOS)
        "ws": "none",  # no WebSocket routes: nor their protocol modules to import
        "http": limited_protocol(settings.max_request_bytes + 8192, settings.max_header_bytes),
        "limit_concurrency": settings.max_connections,
        "access_log": access_log,
        "log_level": "info" if access_log else "warning",
        "server_header": False,
        "timeout_graceful_shutdown": 5,
    }
