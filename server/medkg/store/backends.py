"""Where the served graph lives: the seam for `medkg serve --store memory|DIR|URL`.

A backend loads (or opens) the store in the serving process before the query workers start, then
hands each worker the store it queries: ``memory`` here, an on-disk directory in
``medkg.store.disk``. A remote SPARQL server (``medkg.store.remote``) has no local store: it is
served by ``medkg.store.remote_engine`` instead of query workers (the backend's ``local`` is False).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from medkg.graph.loading import new_store
from medkg.graph.namespaces import DEFAULT_BASE
from medkg.sparql.engine import StoreBackend
from medkg.store.errors import StoreOptionError

__all__ = ["MemoryBackend", "StoreBackend", "StoreOptionError", "apply_change", "backend_for", "parse_nquads", "store_folder"]


class MemoryBackend:
    """The packaged graph, or RDF files, loaded into an in-memory Oxigraph store.

    Workers are forked after loading, so they share its pages copy-on-write: no copy, no disk.
    """

    name = "memory"

    def __init__(self, paths: Sequence[Path | str] | None = None, base: str = DEFAULT_BASE,
                 vocab: Sequence[Path | str] = ()) -> None:
        self.paths = list(paths or [])
        self.base = base
        self.vocab = list(vocab)
        self._store: ox.Store | None = None

    def load(self) -> ox.Store:
        if self._store is None:
            self._store = new_store(self.paths or None, self.base, self.vocab)
        return self._store

    def worker_store(self) -> ox.Store:
        return self.load()

    def replace(self, store: ox.Store) -> None:
        """After a committed write (in the zygote): the store new workers are forked with."""
        self._store = store

    def follow(self, reply: dict[str, object], added: list[ox.Quad], removed: list[ox.Quad]) -> ox.Store:
        """After a committed write (in the front): the store, with the change (``added`` and
        ``removed``, the reply's N-Quads parsed: blank nodes keep the zygote's labels) applied in
        place, as the zygote did. Readers that started before keep their snapshot; one that starts in
        the middle could see half of it: callers hold readers off (medkg.writes.serving.LiveStore).
        A copy of the graph instead cost ~20 s at 3.8M quads."""
        store = self.load()
        apply_change(store, added, removed)
        return store


def apply_change(store: ox.Store, added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> None:
    """Removes ``removed``, then adds ``added``, in place; a named graph left empty is removed too,
    so the store holds what a copy of it quad by quad would (the one rule of every store a write changes)."""
    emptied = set()
    for quad in removed:
        store.remove(quad)
        emptied.add(quad.graph_name)
    store.extend(added)
    for graph in emptied:
        if isinstance(graph, ox.NamedNode | ox.BlankNode) and not any(True for _ in store.quads_for_pattern(None, None, None, graph)):
            store.remove_graph(graph)


def parse_nquads(text: str) -> list[ox.Quad]:
    return list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS)) if text else []


def store_folder(backend: StoreBackend) -> Path | None:
    """The RocksDB folder of an on-disk store once loaded (what derived data is kept beside), else None."""
    if getattr(backend, "name", None) != "disk":
        return None
    folder = getattr(backend, "store_path", None)
    return folder if isinstance(folder, Path) else None


def backend_for(option: str, paths: Sequence[Path | str] | None, base: str, *,
                force_reload: bool = False, vocab: Sequence[Path | str] = ()) -> StoreBackend:
    """The backend for a --store value; ``vocab``: built reference vocabularies (N-Quads files)
    to load beside the graph."""
    if option == "memory":
        return MemoryBackend(paths, base, vocab)
    if "://" not in option:
        from medkg.store.disk import OnDiskBackend, check_directory

        check_directory(Path(option))  # a file or someone else's folder: refuse before loading
        return OnDiskBackend(option, paths, base, force_reload, vocab)
    if vocab:
        raise StoreOptionError(
            f"--store {option} serves the graph already on that server: --vocab loads vocabularies into "
            f"a memory or on-disk store only"
        )
    if paths:
        raise StoreOptionError(
            f"--store {option} serves the graph already on that server: put PATHs there first with "
            f"`medkg load --into {option} PATH ...`, then serve without PATHs"
        )
    from medkg.store.remote_engine import RemoteBackend

    return RemoteBackend(option, base=base)
