"""Curated writes in the server: run in the zygote, followed by the front (no web imports).

The zygote (medkg.sparql.worker) holds the store every query worker is forked from, and it is single-
threaded: so writes run there, one at a time, in the order the front sends them. A write request
is a JSON object (``request_update`` / ``request_graph_store``); the zygote runs it with
``ZygoteWriter`` and replies with a JSON object:

    {"ok": true, "activity": IRI, "added": n, "removed": n, "focus_nodes": n,
     "added_quads": N-Quads, "removed_quads": N-Quads}
    {"ok": false, "status": 4xx/5xx, "error": class name, "message": ..., "report": {...} or null}

The front then follows the change in its own store (``follow`` of its store backend, medkg.store,
through ``LiveStore``), bumps the engine's generation (old query workers are replaced) and follows
what it derived from the graph (the concept index, the VoID statistics).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import signal
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

if TYPE_CHECKING:  # imported where used: a read-only server never loads the write machinery
    from medkg.writes.transaction import GraphStoreOperation, WriteCore, WriteResult

log = logging.getLogger("medkg.writes")


def request_update(sparql: str, token_name: str) -> dict[str, Any]:
    return {"kind": "update", "update": sparql, "token_name": token_name}


def request_graph_store(op: GraphStoreOperation, token_name: str) -> dict[str, Any]:
    return {"kind": "graph_store", "method": op.method, "graph": op.graph, "content_type": op.content_type,
            "data": base64.b64encode(op.data).decode("ascii"), "token_name": token_name}


def _nquads(quads: Iterable[ox.Quad]) -> str:
    return (ox.serialize(sorted(quads, key=str), format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8")


def run_write(core: WriteCore, request: dict[str, Any]) -> tuple[dict[str, Any], WriteResult | None]:
    """Runs one write request on ``core``: (the reply, the result when it was applied)."""
    from medkg.writes.transaction import GraphStoreOperation, WriteError, WriteRejected

    try:
        if request["kind"] == "update":
            result = core.update(request["update"], token_name=request["token_name"])
        else:
            op = GraphStoreOperation(request["method"], request["graph"], base64.b64decode(request["data"]),
                                     request["content_type"])
            result = core.graph_store(op, token_name=request["token_name"])
    except WriteError as error:
        report = json.loads(error.report.to_json()) if isinstance(error, WriteRejected) else None
        return {"ok": False, "status": error.status, "error": type(error).__name__, "message": str(error),
                "report": report}, None
    return success_reply(result), result


def success_reply(result: WriteResult) -> dict[str, Any]:
    return {"ok": True, "activity": result.activity, "added": result.added, "removed": result.removed,
            "focus_nodes": result.focus_nodes, "full_validation": result.full_validation,
            "added_quads": _nquads(result.added_quads), "removed_quads": _nquads(result.removed_quads)}


def internal_error() -> dict[str, Any]:
    log.error("a write failed inside the server:\n%s", traceback.format_exc())
    return {"ok": False, "status": 500, "error": "InternalError", "report": None,
            "message": "internal error while writing; the graph is unchanged (see the server log)"}


class MemoryWriter:
    """Writes to the in-memory store, in the zygote: the committed store becomes the one new
    workers are forked from (``backend.replace``). The zygote is single-threaded and the workers
    hold copies, so a write may change its store in place (no copy of the graph per write)."""

    def __init__(self, backend: Any, base: str, max_request_bytes: int,
                 read_only_graphs: frozenset[str] = frozenset()) -> None:
        self.backend = backend
        self.base = base
        self.max_request_bytes = max_request_bytes
        self.read_only_graphs = read_only_graphs  # WriteCore's: the imported vocabularies' graphs
        self._core: WriteCore | None = None
        from medkg.validation.inputs import load_shapes
        from medkg.writes import transaction  # noqa: F401 - loaded now, inherited by the zygote

        # Parsed now, in the serving process, and inherited by the zygote: not by the first write.
        self._shapes = load_shapes(base=base)

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        if self._core is None:
            from medkg.writes.transaction import WriteCore

            self._core = WriteCore(self.backend.load(), base=self.base, shapes=self._shapes,
                                   max_request_bytes=self.max_request_bytes, in_place=True,
                                   read_only_graphs=self.read_only_graphs)
        try:
            reply, result = run_write(self._core, request)
        except Exception:  # noqa: BLE001 - a bug must not kill the zygote
            return internal_error()
        if result is not None:
            self.backend.replace(self._core.store)
        return reply


class DiskWriter:
    """Writes to the on-disk store, from the zygote: each write runs in a child process forked for
    it (so the zygote, which forks the query workers, never opens RocksDB itself), which validates
    the change and has it committed as a new store folder (medkg.store.disk.apply_write, in a
    freshly started process: RocksDB cannot write after a fork) before replying. The zygote then
    points new workers at that folder."""

    def __init__(self, backend: Any, base: str, max_request_bytes: int,
                 read_only_graphs: frozenset[str] = frozenset()) -> None:
        self.backend = backend
        self.base = base
        self.max_request_bytes = max_request_bytes
        self.read_only_graphs = read_only_graphs  # WriteCore's: the imported vocabularies' graphs
        self._shapes: Any = None

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        from medkg.sparql import sandbox
        from medkg.validation.inputs import load_shapes

        if self._shapes is None:
            self._shapes = load_shapes(base=self.base)  # parsed once, inherited by each write's child
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            try:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the zygote's reaper would steal our subprocess
                sandbox.die_with_parent()
                reply = self._write(request)
            except BaseException:  # noqa: BLE001 - report, never propagate out of a forked child
                reply = internal_error()
            data = json.dumps(reply).encode()
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        try:
            reply = json.loads(data)
        except ValueError:
            return {"ok": False, "status": 500, "error": "InternalError", "report": None,
                    "message": "the write process died; the graph is unchanged"}
        if reply.get("ok") and reply.get("store"):
            self.backend.moved_to(reply["store"])
        return dict(reply)

    def _write(self, request: dict[str, Any]) -> dict[str, Any]:
        from medkg.store.disk import apply_write_in_new_process
        from medkg.writes.transaction import WriteCore

        live = self.backend.store_path
        core = WriteCore(ox.Store.read_only(str(live)), base=self.base, shapes=self._shapes,
                         max_request_bytes=self.max_request_bytes, read_only_graphs=self.read_only_graphs)
        reply, result = run_write(core, request)
        if result is not None and (result.added_quads or result.removed_quads):
            new = apply_write_in_new_process(self.backend.directory, live, reply["added_quads"], reply["removed_quads"])
            reply["store"] = new.name
        return reply


class _SharedLock:
    """Many holders sharing it, or one holding it exclusively; an exclusive holder waiting keeps
    new sharers off, so it is never starved."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._sharing = 0
        self._exclusive = False
        self._waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not (self._exclusive or self._waiting))
            self._sharing += 1
        try:
            yield
        finally:
            with self._condition:
                self._sharing -= 1
                self._condition.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._condition:
            self._waiting += 1
            self._condition.wait_for(lambda: not (self._exclusive or self._sharing))
            self._waiting -= 1
            self._exclusive = True
        try:
            yield
        finally:
            with self._condition:
                self._exclusive = False
                self._condition.notify_all()


class LiveStore:
    """The store the web front's services read, following each committed write.

    A memory store follows a write in place (removals, then additions: several transactions), an
    on-disk one by a swap to the new store. ``query`` and ``quads_for_pattern`` share a lock the
    change holds alone: Oxigraph fixes a read's snapshot when it starts, so no read ever sees half
    of a write. Reads share it (an aggregate, such as the VoID counts, is evaluated within the
    ``query`` call: seconds at full size, during which other reads go on)."""

    def __init__(self, store: ox.Store) -> None:
        self.current = store
        self._lock = _SharedLock()

    def follow(self, change: Callable[[ox.Store], ox.Store]) -> ox.Store:
        """Runs ``change`` (the current store -> the store with the write) with no read starting
        meanwhile; the new store."""
        with self._lock.exclusive():
            self.current = change(self.current)
            return self.current

    def query(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock.shared():
            return self.current.query(*args, **kwargs)

    def quads_for_pattern(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock.shared():
            return self.current.quads_for_pattern(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current, name)

    def __len__(self) -> int:
        return len(self.current)
