"""Where the served graph lives: the seam for `medkg serve --store memory|DIR|URL`.

A backend loads (or opens) the store in the serving process before the query workers start, then
hands each worker the store it queries: ``memory`` here, an on-disk directory in
``medkg.store_disk``. A remote SPARQL server (``medkg.store_remote``) has no local store: it is
served by ``medkg.remote_engine`` instead of query workers (the backend's ``local`` is False).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from medkg.loading import new_store
from medkg.namespaces import DEFAULT_BASE


class StoreBackend(Protocol):
    """What the server needs from a store."""

    name: str

    def load(self) -> ox.Store:
        """Loads or opens the store in the serving process, before any worker or thread starts."""
        ...

    def worker_store(self) -> ox.Store:
        """The store a query worker queries, called in the worker right after it is forked."""
        ...


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

    def follow(self, reply: dict[str, object]) -> ox.Store:
        """After a committed write (in the front): a copy of the store with the change applied."""
        from medkg.writes.serving import follow

        self._store = follow(self.load(), reply)
        return self._store


def store_folder(backend: StoreBackend) -> Path | None:
    """The RocksDB folder of an on-disk store once loaded (what derived data is kept beside), else None."""
    if getattr(backend, "name", None) != "disk":
        return None
    folder = getattr(backend, "store_path", None)
    return folder if isinstance(folder, Path) else None


class StoreOptionError(ValueError):
    """A --store value this version cannot serve."""


def backend_for(option: str, paths: Sequence[Path | str] | None, base: str, *,
                force_reload: bool = False, vocab: Sequence[Path | str] = ()) -> StoreBackend:
    """The backend for a --store value; ``vocab``: built reference vocabularies (N-Quads files)
    to load beside the graph."""
    if option == "memory":
        return MemoryBackend(paths, base, vocab)
    if "://" not in option:
        from medkg.store_disk import OnDiskBackend, check_directory

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
    from medkg.store_remote import RemoteBackend

    return RemoteBackend(option, base=base)
