"""The web application: `create_app(settings)` builds it, and lists every route in one place."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from medkg import __version__
from medkg.concepts import ConceptService
from medkg.settings import Settings
from medkg.sparql.engine import QueryEngine
from medkg.sparql.worker import GZIP_LEVEL, GZIP_MIN, WorkerConfig
from medkg.store.backends import (
    MemoryBackend,
    StoreOptionError,
    backend_for,
    parse_nquads,
    store_folder,
)
from medkg.store.disk import OnDiskBackend
from medkg.store.remote import RemoteError
from medkg.store.statistics import DatasetStatistics, changed_graphs
from medkg.store.statistics import saved_beside as statistics_beside
from medkg.vocabularies.model import NAMES as VOCABULARIES
from medkg.vocabularies.model import graph_iri
from medkg.web import concepts, docs, graph_store, health, pages, sparql
from medkg.web.asgi import Receive, Scope, Send
from medkg.web.head import head_as_get
from medkg.web.mount import base_prefix, route_path, under_base
from medkg.web.sparql_openapi import (
    SPARQL_ERROR_SCHEMA,
    SPARQL_PATH,
    STORE_PATH,
    WRITE_RESULT_SCHEMA,
)
from medkg.web.writes import WriteGate
from medkg.writes.serving import DiskWriter, LiveStore, MemoryWriter


class MedkgApp(FastAPI):
    """FastAPI, plus "lean" ASGI routes matched first by exact path.

    The SPARQL endpoint is one: every query passes through it, and skipping FastAPI's routing and
    middleware stack for it is measurable (see benchmarks/README.md). Lean routes handle their
    own errors and CORS.
    """

    lean_routes: dict[str, Any]
    base_prefix: str = ""  # the path of the base's IRIs (medkg.web.mount)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = under_base(scope, self.base_prefix)
            route = self.lean_routes.get(route_path(scope))
            if route is not None:
                await route(scope, receive, send)
                return
            if scope["method"] == "HEAD":  # every GET route answers HEAD (medkg.web.head)
                await head_as_get(super().__call__, scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def new_engine(settings: Settings) -> QueryEngine:
    """The query worker pool for the settings' store (not started)."""
    backend = backend_for(settings.store, settings.paths, settings.base, force_reload=settings.force_reload,
                          vocab=settings.vocab)
    engine_class = QueryEngine
    if not getattr(backend, "local", True):  # a remote SPARQL server: forward, no workers
        from medkg.store.remote_engine import RemoteEngine

        engine_class = RemoteEngine
    writer: MemoryWriter | DiskWriter | None = None
    if settings.write_token is not None:  # curated writes run in the zygote (medkg.writes.serving)
        vocabularies = frozenset(graph_iri(name, settings.base) for name in VOCABULARIES)  # read-only
        if isinstance(backend, MemoryBackend):
            writer = MemoryWriter(backend, settings.base, settings.max_request_bytes, vocabularies)
        elif isinstance(backend, OnDiskBackend):
            writer = DiskWriter(backend, settings.base, settings.max_request_bytes, vocabularies)
        else:
            raise StoreOptionError("curated writes (--write-token) go to the memory or an on-disk store; "
                                   "a remote SPARQL server takes its writes itself")
    engine = engine_class(
        backend,
        workers=settings.workers,
        max_queue=settings.max_queue,
        config=WorkerConfig(base=settings.base, allow_service=settings.allow_service,
                            query_memory_bytes=settings.query_memory_bytes),
    )
    engine.writer = writer
    return engine


def create_app(settings: Settings | None = None, engine: QueryEngine | None = None) -> MedkgApp:
    """The app for ``settings``. Pass a started ``engine`` to share one; else it starts at startup.

    Start the engine (``engine.start()``) before anything starts threads: it forks the workers.
    """
    settings = settings or Settings()
    engine = engine or new_engine(settings)

    store = engine.backend.load()
    folder = store_folder(engine.backend)  # an on-disk store's: what is derived is kept beside it
    # Curated writes: the front follows each committed write (medkg.web.writes); its own reads
    # (concepts, statistics) go through `live`, which follows the store (medkg.writes.serving).
    writes = WriteGate(settings, engine)
    live = LiveStore(store) if writes.enabled else None
    reader: Any = live or store
    statistics = DatasetStatistics(reader, statistics_beside(folder, settings.base))
    dataset_stats = statistics.get  # counted (or read beside the store) on first use: `medkg serve` does it before serving

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await engine.open()
        try:
            yield
        finally:
            engine.stop()

    app = MedkgApp(
        title="medkg",
        version=__version__,
        summary="A medical knowledge graph: SPARQL 1.1 endpoint and concept API. "
                "Information, not medical advice.",
        lifespan=lifespan,
        docs_url=None, redoc_url=None,  # medkg.web.docs serves them, with their scripts (offline)
    )
    app.state.settings = settings
    app.base_prefix = base_prefix(settings.base)  # every minted IRI answers at its own path
    app.state.engine = engine
    app.state.dataset_statistics = dataset_stats
    app.add_middleware(
        CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
    )
    # The concept API and the pages, as /sparql does in its workers: gzip from 1 KiB, at the level
    # measured to compress JSON as fast as level 1 (see medkg.sparql.worker.GZIP_LEVEL).
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN, compresslevel=GZIP_LEVEL)

    async def after_write(reply: dict[str, Any]) -> None:
        assert live is not None

        def follow() -> None:
            added, removed = parse_nquads(reply["added_quads"]), parse_nquads(reply["removed_quads"])
            live.follow(lambda _current: engine.backend.follow(reply, added, removed))  # type: ignore[attr-defined]
            now = store_folder(engine.backend)  # an on-disk store moved to a new folder
            statistics.follow(changed_graphs(added, removed), statistics_beside(now, settings.base))
            app.state.concepts.follow(added, removed, saved_beside=now)  # patched: ms, not a rebuild

        await asyncio.to_thread(follow)

    writes.hooks.append(after_write)

    # -- every route -------------------------------------------------------------------------------
    sparql_endpoint = sparql.SparqlEndpoint(settings, engine, dataset_stats, writes)
    app.lean_routes = {path: sparql_endpoint for path in sparql.PATHS}  # /sparql
    store_endpoint = graph_store.GraphStoreEndpoint(sparql_endpoint, writes, engine.backend.load)
    app.lean_routes.update({path: store_endpoint for path in graph_store.PATHS})  # /store (Graph Store Protocol)
    app.include_router(health.router)  # /health
    docs.install(app)  # /docs, /redoc and their assets under /docs-assets
    app.state.concepts = ConceptService.from_store(  # on disk: indexes saved beside the store for restarts
        reader, settings.base, saved_beside=folder)
    app.include_router(concepts.build_router(app.state.concepts))  # /api/... (concept API)
    renderer = pages.Pages(app.state.concepts)
    sparql_endpoint.html_page = renderer.query_page  # a browser opening /sparql gets the query page
    app.include_router(pages.build_router(app.state.concepts, renderer))  # /, /search, /query, /concept/..., /ontology/..., /source/...
    app.mount("/static", StaticFiles(packages=[("medkg.web", "static")]), name="static")  # the pages' scripts (vendored)

    app.add_exception_handler(RemoteError, _remote_store_error)  # --store URL: the server failed us
    concepts.install(app)  # /api errors (FastAPI's 422s, routing 404/405s) as ApiError; lazy OpenAPI examples
    _document_lean_routes(app)
    return app


async def _remote_store_error(_request: Request, error: Exception) -> JSONResponse:
    """502 (504 for a timeout) with the reason, when the remote SPARQL server fails a concept call."""
    status = getattr(error, "status", 502)
    code = "remote_store_timeout" if status == 504 else "remote_store_failed"
    return JSONResponse({"status": status, "error": code, "message": str(error)}, status_code=status)


def _document_lean_routes(app: FastAPI) -> None:
    """Adds /sparql and /store to the OpenAPI document FastAPI generates for its own routes."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schema["paths"] = {"/sparql": SPARQL_PATH, "/store": STORE_PATH, **schema.get("paths", {})}
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas["SparqlError"] = SPARQL_ERROR_SCHEMA
            schemas["WriteResult"] = WRITE_RESULT_SCHEMA
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
