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

from medkg import __version__
from medkg.backends import MemoryBackend, StoreOptionError, backend_for, store_folder
from medkg.concepts import ConceptService
from medkg.description import GraphStatistics, dataset_statistics
from medkg.engine import QueryEngine
from medkg.settings import Settings
from medkg.store_disk import OnDiskBackend
from medkg.store_remote import RemoteError
from medkg.worker import GZIP_LEVEL, GZIP_MIN
from medkg.web import concepts, graph_store, health, pages, sparql
from medkg.web.asgi import Receive, Scope, Send
from medkg.web.sparql_openapi import (
    SPARQL_ERROR_SCHEMA,
    SPARQL_PATH,
    STORE_PATH,
    WRITE_RESULT_SCHEMA,
)
from medkg.web.writes import WriteGate
from medkg.worker import WorkerConfig
from medkg.writes.serving import DiskWriter, LiveStore, MemoryWriter


class MedkgApp(FastAPI):
    """FastAPI, plus "lean" ASGI routes matched first by exact path.

    The SPARQL endpoint is one: every query passes through it, and skipping FastAPI's routing and
    middleware stack for it is measurable (see benchmarks/README.md). Lean routes handle their
    own errors and CORS.
    """

    lean_routes: dict[str, Any]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            route = self.lean_routes.get(scope["path"])
            if route is not None:
                await route(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def new_engine(settings: Settings) -> QueryEngine:
    """The query worker pool for the settings' store (not started)."""
    backend = backend_for(settings.store, settings.paths, settings.base, force_reload=settings.force_reload,
                          vocab=settings.vocab)
    engine_class = QueryEngine
    if not getattr(backend, "local", True):  # a remote SPARQL server: forward, no workers
        from medkg.remote_engine import RemoteEngine

        engine_class = RemoteEngine
    writer: MemoryWriter | DiskWriter | None = None
    if settings.write_token is not None:  # curated writes run in the zygote (medkg.writes.serving)
        if isinstance(backend, MemoryBackend):
            writer = MemoryWriter(backend, settings.base, settings.max_request_bytes)
        elif isinstance(backend, OnDiskBackend):
            writer = DiskWriter(backend, settings.base, settings.max_request_bytes)
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
    statistics: list[GraphStatistics] = []

    def dataset_stats() -> list[GraphStatistics]:
        if not statistics:  # counted once; `medkg serve` does it before serving
            statistics.extend(dataset_statistics(engine.backend.load()))
        return statistics

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
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.dataset_statistics = dataset_stats
    app.add_middleware(
        CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
    )
    # The concept API and the pages, as /sparql does in its workers: gzip from 1 KiB, at the level
    # measured to compress JSON as fast as level 1 (see medkg.worker.GZIP_LEVEL).
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN, compresslevel=GZIP_LEVEL)

    # Curated writes: the front follows each committed write (medkg.web.writes). Its services read
    # the store through `live`, swapped to the written copy once that is complete.
    writes = WriteGate(settings, engine)
    live = LiveStore(engine.backend.load()) if writes.enabled else None

    async def after_write(reply: dict[str, Any]) -> None:
        assert live is not None

        def rebuild() -> None:
            store = engine.backend.follow(reply)  # type: ignore[attr-defined]
            live.current = store
            statistics[:] = dataset_statistics(store)
            app.state.concepts.refresh()

        await asyncio.to_thread(rebuild)

    writes.hooks.append(after_write)

    # -- every route -------------------------------------------------------------------------------
    sparql_endpoint = sparql.SparqlEndpoint(settings, engine, dataset_stats, writes)
    app.lean_routes = {path: sparql_endpoint for path in sparql.PATHS}  # /sparql
    store_endpoint = graph_store.GraphStoreEndpoint(sparql_endpoint, writes, engine.backend.load)
    app.lean_routes.update({path: store_endpoint for path in graph_store.PATHS})  # /store (Graph Store Protocol)
    app.include_router(health.router)  # /health
    app.state.concepts = ConceptService.from_store(  # on disk: indexes saved beside the store for restarts
        live or engine.backend.load(), settings.base, saved_beside=store_folder(engine.backend))  # type: ignore[arg-type]
    app.include_router(concepts.build_router(app.state.concepts))  # /api/... (concept API)
    app.include_router(pages.build_router(app.state.concepts))  # /, /search, /query, /concept/..., /ontology/..., /source/...

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
