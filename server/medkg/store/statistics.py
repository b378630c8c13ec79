"""The VoID statistics of the served dataset (medkg.sparql.description): counted once, kept beside
an on-disk store for the next start, and followed after each committed write.

Counting reads the whole graph (distinct subjects, objects, properties, classes): ~10 s at 3.8M
quads. After a write only the named graphs it changed are counted again, at once (curated graphs:
milliseconds); the default graph, the union of all, is counted again in a background thread, and
``get()`` waits for that count, so an answer never gives counts the graph no longer has.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pyoxigraph as ox

from medkg.sparql.description import GraphStatistics, dataset_statistics, graph_statistics
from medkg.store.beside import SavedBeside

FORMAT = "statistics/1"
SUFFIX = ".statistics.pickle"


class DatasetStatistics:
    """The statistics of the store ``store()`` returns (a pyoxigraph Store or anything with its
    ``query`` and ``named_graphs``). ``saved``: where an on-disk store keeps them (None: nowhere)."""

    def __init__(self, store: Callable[[], Any], saved: SavedBeside | None = None) -> None:
        self._store = store
        self._saved = saved
        self._lock = threading.Lock()
        self._named: list[GraphStatistics] | None = None
        self._union: Future[GraphStatistics] | None = None
        self._executor: ThreadPoolExecutor | None = None

    def get(self) -> list[GraphStatistics]:
        """The default graph's counts, then each named graph's by name. Blocks while counting."""
        with self._lock:
            if self._named is None:
                self._named, union = self._first_count()
                self._union = _done(union)
            named, union_future = self._named, self._union
        assert union_future is not None
        return [union_future.result(), *named]

    def _first_count(self) -> tuple[list[GraphStatistics], GraphStatistics]:
        saved = self._saved
        key = saved.key() if saved is not None else ""
        found = saved.load(key) if saved is not None else None
        if isinstance(found, list) and found and all(isinstance(s, GraphStatistics) for s in found):
            return found[1:], found[0]
        counted = dataset_statistics(self._store())
        if saved is not None:
            saved.save(key, counted)
        return counted[1:], counted[0]

    def follow(self, graphs: Iterable[str], saved: SavedBeside | None = None) -> None:
        """After a committed write that changed the named graphs ``graphs`` (IRIs): counts those again
        now, and the default graph in the background. ``saved``: where the store now keeps them."""
        store = self._store()
        with self._lock:
            self._saved = saved if saved is not None else self._saved
            if self._named is None:  # never asked for: count when first asked
                return
            by_name = {s.name: s for s in self._named}
            for graph in set(graphs):
                by_name.pop(graph, None)
                if any(g.value == graph for g in store.named_graphs()):
                    by_name[graph] = graph_statistics(store, graph)
            named = [by_name[name] for name in sorted(n for n in by_name if n is not None)]
            self._named = named
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="medkg-statistics")
            self._union = self._executor.submit(self._count_union, store, named, self._saved)

    @staticmethod
    def _count_union(store: Any, named: list[GraphStatistics], saved: SavedBeside | None) -> GraphStatistics:
        union = graph_statistics(store, None)
        if saved is not None:
            saved.save(saved.key(), [union, *named])
        return union


def saved_beside(folder: Any, base: str) -> SavedBeside | None:
    """Where the statistics of the on-disk store in RocksDB folder ``folder`` are kept (None: memory)."""
    return SavedBeside.beside(folder, base, SUFFIX, FORMAT) if folder is not None else None


def changed_graphs(added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> set[str]:
    """The named graphs (IRIs) a change touches."""
    return {q.graph_name.value for q in (*added, *removed) if isinstance(q.graph_name, ox.NamedNode)}


def _done(value: GraphStatistics) -> Future[GraphStatistics]:
    future: Future[GraphStatistics] = Future()
    future.set_result(value)
    return future
