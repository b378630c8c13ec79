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
    sentence, before the graph is loaded (which may take minutes)."""
    for sock in _listen(host, port):
        sock.close()


def _listen(host: str, port: int) -> list[socket.socket]:
    """Listening sockets on every address ``host`` resolves to (as asyncio would bind them);
    ServeError (exit 2) saying why one cannot be had and what to do."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise ServeError(f"cannot listen on {host}: the host name does not resolve ({error.strerror}); "
                         "give an address with --host", 2) from None
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _name, address in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:  # as asyncio: the IPv4 address is bound by its own socket
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(2048)  # now: a bound socket not yet listening could still be taken
    except OSError as error:
        for sock in sockets:
            sock.close()
        raise ServeError(_bind_failure(host, port, error), 2) from None
    return sockets


def _bind_failure(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is in use (another server is listening there): stop it, or choose another port with --port"
    if error.errno == errno.EACCES:
        return f"no permission to listen on port {port} of {host} (ports below 1024 need privileges): choose another with --port"
    return f"cannot listen on {host}:{port}: {error.strerror}; check --host and --port"


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
    """Loads, validates, forks the query workers, then serves until interrupted.

    "serving" is announced only once the port is held: the port is checked first (a quick refusal),
    then bound for good after loading, and any failure of the web server's start-up after that (its
    lifespan) is a ServeError too, never a process left hanging or a traceback."""
    _check_port(settings.host, settings.port)  # before loading, and before announcing anything
    engine, triples, app = _start(settings, validate)
    try:
        # Bound after the zygote forked (it and the workers must not hold the port), and kept:
        # another process that took the port since the check is named here, before "serving".
        sockets = _listen(settings.host, settings.port)
        print(
            f"medkg: serving {triples} triples on http://{settings.host}:{settings.port}/sparql "
            f"({settings.workers} query workers, {settings.query_timeout:g} s query timeout)",
            file=sys.stderr,
        )
        logging.getLogger("medkg").setLevel(logging.INFO)
        run_app(app, sockets, uvicorn_options(settings, access_log=access_log))
    finally:
        engine.stop()


def run_app(app: Any, sockets: list[socket.socket], options: dict[str, Any]) -> None:
    """Serves ``app`` with uvicorn on ``sockets`` (listening) until interrupted; a start-up that
    fails (the app's lifespan raised, uvicorn gave up) is a ServeError (exit 1) naming the cause.

    uvicorn would log the failure as a traceback and exit (or, with lifespan "auto", serve an app
    that never started): its start-up errors are held back and said in one sentence instead."""
    import uvicorn

    watch = _StartupWatch(app)
    server = uvicorn.Server(uvicorn.Config(watch, **options, lifespan="on"))
    held = _HeldErrors(server)
    log = logging.getLogger("uvicorn.error")
    log.addFilter(held)
    try:
        server.run(sockets=sockets)
    except SystemExit:  # uvicorn's way out of a failed start-up
        if server.started:
            raise
    finally:
        log.removeFilter(held)
        for sock in sockets:
            sock.close()
    if not server.started:
        cause = _cause(watch.error, held.errors)
        raise ServeError(f"the server failed to start after loading the graph ({cause}); nothing is served: "
                         "fix the cause and start it again", 1)


class _StartupWatch:
    """The ASGI app, with the exception its lifespan start-up raised kept for the message."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.error: BaseException | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            return await self.app(scope, receive, send)
        try:
            await self.app(scope, receive, send)
        except BaseException as error:
            self.error = self.error or error
            raise


class _HeldErrors(logging.Filter):
    """Holds back uvicorn's error log lines until the server has started (they become one sentence)."""

    def __init__(self, server: Any) -> None:
        super().__init__()
        self.server = server
        self.errors: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if self.server.started or record.levelno < logging.ERROR:
            return True
        self.errors.append(record.getMessage().strip())
        return False


def _cause(error: BaseException | None, logged: list[str]) -> str:
    if error is not None:
        return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    lines = [line for text in logged for line in text.splitlines() if line.strip()]
    # The last line of a traceback names the exception; uvicorn's own "startup failed" says nothing more.
    useful = [line for line in lines if "startup failed" not in line.lower()]
    return (useful or lines or ["no reason given"])[-1]


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
