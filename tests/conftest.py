"""Shared fixtures: the packaged graph in a store, the app in-process, a real `medkg serve`."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx
import pyoxigraph as ox
import pytest

from medkg.app import MedkgApp, create_app
from medkg.graph.loading import new_store
from medkg.settings import Settings

T = TypeVar("T")


@pytest.fixture(scope="session")
def packaged_store() -> ox.Store:
    """The packaged graph (ontology + data). Treat as read-only: tests share it."""
    return new_store()


# -- a real `medkg serve` process -------------------------------------------------------------------
# For what depends on processes, sockets or time (workers, timeouts, concurrency, real clients).
# `live_server` serves the packaged graph for the whole session; `start_server(...)` starts one
# with other arguments (use it as a context manager). Tests using them are marked `server`.


@dataclass
class LiveServer:
    """A running `medkg serve`: its base URL and process."""

    url: str
    process: subprocess.Popen[bytes]
    store_dir: Path | None = None  # --store DIR, when the fixture chose it
    log: IO[bytes] | None = None  # what the server wrote on stdout and stderr (start_server)

    def log_text(self) -> str:
        assert self.log is not None
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=kwargs.pop("timeout", 30), **kwargs)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def start_server(*args: str, ready_timeout: float = 120, port: int | None = None) -> Iterator[LiveServer]:
    """Runs `medkg serve ARGS --port PORT` (a free one by default), waits for /health, yields it, then stops it."""
    port = port or free_port()
    command = [sys.executable, "-m", "medkg.cli", "serve", *args, "--host", "127.0.0.1", "--port", str(port)]
    with tempfile.TemporaryFile() as log:  # not a pipe: a chatty server must never block on it
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        server = LiveServer(f"http://127.0.0.1:{port}", process, log=log)
        try:
            _wait_for_health(server, log, ready_timeout)
            yield server
        finally:
            stop_process(process, grace=15)


def stop_process(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM, then SIGKILL if the process is still there after ``grace`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for_health(server: LiveServer, log: IO[bytes], ready_timeout: float) -> None:
    deadline = time.monotonic() + ready_timeout
    while True:
        if server.process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"medkg serve exited with {server.process.returncode}: {log.read().decode()}")
        try:
            if httpx.get(server.url + "/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"medkg serve did not answer /health within {ready_timeout} s")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """`medkg serve` on the packaged graph, for the whole session."""
    with start_server() as server:
        yield server


# -- the app in-process (httpx over ASGI) -----------------------------------------------------------


class AsgiClient:
    """A synchronous httpx client over the ASGI app, on an event loop of its own thread.

    Runs the app's lifespan (so its query workers attach to that loop); calls look like
    httpx.Client's: client.get(url, ...), client.post(url, ...), client.request(method, url, ...).
    """

    def __init__(self, app: MedkgApp) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        self._lifespan = self._run(self._enter())

    async def _enter(self) -> contextlib.AbstractAsyncContextManager[None]:
        context = self.app.router.lifespan_context(self.app)
        await context.__aenter__()
        return context

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=120)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._run(self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def close(self) -> None:
        self._run(self._lifespan.__aexit__(None, None, None))
        self._run(self._client.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


@contextmanager
def app_client(settings: Settings | None = None) -> Iterator[AsgiClient]:
    """An AsgiClient over `create_app(settings)`, its query workers started and stopped with it."""
    app = create_app(settings or Settings())
    app.state.engine.start()  # fork the workers from this thread, before the client's thread starts
    client = AsgiClient(app)
    try:
        yield client
    finally:
        client.close()
        app.state.engine.stop()


@pytest.fixture(scope="session")
def packaged_client() -> Iterator[AsgiClient]:
    """The app on the packaged graph, in-process, for the whole session."""
    with app_client() as client:
        yield client


# -- a real `oxigraph serve` (PyPI `oxigraph`) for the remote store ----------------------------------


@dataclass
class OxigraphServer:
    """A running `oxigraph serve` on a free port, storing in a temporary folder."""

    url: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[bytes]

    @property
    def query(self) -> str:
        return self.url + "/query"


def oxigraph_binary() -> str:
    """The `oxigraph` command of the PyPI package (in the test extras)."""

    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(binary).exists():
        pytest.fail("the `oxigraph` command is missing: pip install '.[test]' installs it")
    return binary


def wait_for_sparql(process: subprocess.Popen[bytes], log: IO[bytes], query_url: str, name: str, *,
                    timeout: float, interval: float) -> None:
    """Waits until the SPARQL server ``process`` answers ``ASK {}`` at ``query_url``; RuntimeError
    with its log if it exits first, or if it does not answer within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"{name} exited with {process.returncode}: {log.read().decode()}")
        try:
            if httpx.get(query_url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not answer within {timeout:g} s")
        time.sleep(interval)


@contextmanager
def chromium(*flags: str) -> Iterator[Any]:
    """Debian's headless Chromium driven by selenium (skips the test where it is not installed),
    with a fresh profile, no background networking, and the browser and network logs kept."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if binary is None or driver_path is None:
        pytest.skip("Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.TemporaryDirectory()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile.name}", "--window-size=1200,900", *flags]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        profile.cleanup()


@contextmanager
def run_oxigraph(location: Path) -> Iterator[OxigraphServer]:
    """`oxigraph serve` storing in ``location``, on a free port, until the block ends."""
    binary = oxigraph_binary()
    port = free_port()
    with tempfile.TemporaryFile() as log:  # not a pipe: a chatty server must never block on it
        process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                                   stdout=log, stderr=subprocess.STDOUT)
        server = OxigraphServer(f"http://127.0.0.1:{port}", process)
        try:
            wait_for_sparql(process, log, server.query, "oxigraph serve", timeout=30, interval=0.05)
            yield server
        finally:
            stop_process(process, grace=10)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """`oxigraph serve` for the whole session (empty at first: tests load what they need)."""
    with run_oxigraph(tmp_path_factory.mktemp("oxigraph")) as server:
        yield server


# -- a real OpenLink Virtuoso 7 (Debian `virtuoso-opensource-7`) for the remote store -----------------


VIRTUOSO_USER = "medkg-loader"  # a user of its own with the SPARQL_UPDATE role, made by the fixture

_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
[Parameters]
ServerPort = {isql_port}
DisableUnixSocket = 1
; a throwaway database on a shared 2-core machine: 20000 buffers of 8 KB (~160 MB) unless told, 2 threads per query
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
MaxQueryMem = 512M
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 2
CheckpointInterval = 0
DirsAllowed = ., {db}
[HTTPServer]
ServerPort = {http_port}
ServerRoot = {db}
ServerThreads = 4
MaxClientConnections = 4
KeepAliveTimeout = 10
Charset = UTF-8
[SPARQL]
; no row cap (its default, 10000, cuts results short without saying so) and no "anytime" partial answers
ResultSetMaxRows = 100000000
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
"""


@dataclass
class VirtuosoServer:
    """A running Virtuoso on free ports, its database in a temporary folder."""

    url: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[bytes]
    password: str  # of VIRTUOSO_USER
    isql_port: int = 0  # its SQL port (dba/dba), e.g. for its bulk loader

    @property
    def query(self) -> str:
        return self.url + "/sparql"

    @property
    def credentials(self) -> Any:
        from medkg.store.remote_auth import Credentials

        return Credentials(VIRTUOSO_USER, self.password)


def virtuoso_binaries() -> tuple[str, str]:
    """`virtuoso-t` and `isql-vt` (Debian's virtuoso-opensource-7, installed by .ci/run)."""

    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if server is None or isql is None:
        pytest.fail("Virtuoso is missing: apt-get install virtuoso-opensource-7 (as .ci/run does)")
    return server, isql


@contextmanager
def run_virtuoso(location: Path, buffers: int = 20_000) -> Iterator[VirtuosoServer]:
    """Virtuoso with a fresh database in ``location``, on free ports, until the block ends.

    Its ini file is written here; the loader's user gets the SPARQL_UPDATE role through isql.
    ``buffers``: its page cache, in 8 KB pages (OpenLink's guide: ~85,000 per GB of memory to use).
    """
    import secrets

    server_binary, isql = virtuoso_binaries()
    location.mkdir(parents=True, exist_ok=True)
    http_port, isql_port = free_port(), free_port()
    ini = location / "virtuoso.ini"
    ini.write_text(_VIRTUOSO_INI.format(db=location, http_port=http_port, isql_port=isql_port, buffers=buffers,
                                        dirty_buffers=buffers * 3 // 4), encoding="utf-8")
    password = secrets.token_hex(12)
    with tempfile.TemporaryFile() as log:  # not a pipe: a chatty server must never block on it
        process = subprocess.Popen([server_binary, "+foreground", "+configfile", str(ini)], cwd=location,
                                   stdout=log, stderr=subprocess.STDOUT)
        server = VirtuosoServer(f"http://127.0.0.1:{http_port}", process, password, isql_port)
        try:
            wait_for_sparql(process, log, server.query, "virtuoso-t", timeout=60, interval=0.1)
            # A fresh database's administrator is dba/dba: fine for a throwaway bound to 127.0.0.1.
            sql = (f"DB.DBA.USER_CREATE('{VIRTUOSO_USER}', '{password}'); "
                   f'GRANT SPARQL_UPDATE TO "{VIRTUOSO_USER}";')
            subprocess.run([isql, f"127.0.0.1:{isql_port}", "dba", "dba", f"exec={sql}"], check=True,
                           capture_output=True, timeout=60)
            yield server
        finally:
            stop_process(process, grace=30)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """Virtuoso for the whole session (empty at first: tests load what they need)."""
    with run_virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


# -- the packaged graph served over each store, for the whole session -------------------------------
# The concept-API suite runs on all three (issue 6): memory in-process (`packaged_client`), and a
# real `medkg serve` over an on-disk store and over a remote `oxigraph serve` holding only it.


@pytest.fixture(scope="session")
def disk_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`medkg serve --store DIR` on the packaged graph."""
    directory = tmp_path_factory.mktemp("disk-store") / "store"
    with start_server("--store", str(directory), "--workers", "2") as live:
        live.store_dir = directory
        yield live


@pytest.fixture(scope="session")
def remote_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`medkg serve --store URL` over an `oxigraph serve` of its own, loaded with the packaged graph."""
    from medkg.store.remote import endpoints
    from medkg.store.remote_load import load_into

    with run_oxigraph(tmp_path_factory.mktemp("oxigraph-api")) as oxigraph:
        load_into(endpoints(oxigraph.query))
        with start_server("--store", oxigraph.query, "--workers", "2") as live:
            yield live


@pytest.fixture(scope="session")
def virtuoso_remote_server(virtuoso_server: VirtuosoServer) -> Iterator[LiveServer]:
    """`medkg serve --store URL` over the session's Virtuoso, loaded with the packaged graph."""
    from medkg.store.remote import endpoints
    from medkg.store.remote_load import load_into

    load_into(endpoints(virtuoso_server.query, credentials=virtuoso_server.credentials))
    with start_server("--store", virtuoso_server.query, "--workers", "2") as live:
        yield live


@pytest.fixture(scope="session")
def disk_client(disk_server: LiveServer) -> Iterator[httpx.Client]:
    with disk_server.client() as client:
        yield client


@pytest.fixture(scope="session")
def remote_client(remote_server: LiveServer) -> Iterator[httpx.Client]:
    with remote_server.client() as client:
        yield client


STORES = ["memory", pytest.param("disk", marks=pytest.mark.server), pytest.param("remote", marks=pytest.mark.server)]


@pytest.fixture(scope="session", params=STORES)
def api(request: pytest.FixtureRequest) -> AsgiClient | httpx.Client:
    """The packaged graph's app over each store in turn: memory (in-process), DIR and URL (real servers)."""
    name = {"memory": "packaged_client", "disk": "disk_client", "remote": "remote_client"}[request.param]
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


# -- the reference vocabularies, built once for the session -----------------------------------------


@pytest.fixture(scope="session")
def full_cache() -> Path:
    """The folder of built vocabularies: all three built from the installed packages (minutes the
    first time; the cache, keyed by the sources' fingerprint, makes later sessions load only). It is
    the configured cache ($MEDKG_CACHE_DIR, which .ci/run points at a fresh folder), so the tests
    that serve --vocab find the same build."""
    from medkg.vocabularies import cache

    cache.ensure_built(["icd10cm", "hpo", "hpo-annotations"])
    return cache.cache_dir()


def raw_exchange(server: LiveServer, data: bytes, *, headers_only: bool = False, timeout: float = 30) -> bytes:
    """Sends raw bytes to a live server; what comes back until it closes (or, ``headers_only``, once
    a status line and headers have come, or it goes quiet)."""
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
                if headers_only and b"\r\n\r\n" in received and len(received) > 16:
                    break
        except (ConnectionResetError, TimeoutError):
            pass
        return received


def json_term(value: dict[str, str]) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A term of SPARQL 1.1 Query Results JSON as a pyoxigraph term."""
    if value["type"] == "uri":
        return ox.NamedNode(value["value"])
    if value["type"] == "bnode":
        return ox.BlankNode(value["value"])
    if "xml:lang" in value:
        return ox.Literal(value["value"], language=value["xml:lang"])
    return ox.Literal(value["value"], datatype=ox.NamedNode(value["datatype"]) if "datatype" in value else None)
