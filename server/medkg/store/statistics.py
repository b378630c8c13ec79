"""The VoID statistics of the served dataset (medkg.sparql.description): counted once, kept beside
an on-disk store for the next start, and followed after each committed write.

Counting reads the whole graph (distinct subjects, objects, properties, classes): ~10 s at 3.8M
quads. After a write only the named graphs it changed are counted again, at once (curated graphs:
milliseconds); the default graph, the union of all, is counted again when next asked (the service
description), so an answer never gives counts the graph no longer has, and a write never waits.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from medkg.sparql.description import GraphStatistics, dataset_statistics, graph_statistics
from medkg.store.beside import SavedBeside

FORMAT = "statistics/1"
SUFFIX = ".statistics.pickle"


class DatasetStatistics:
    """The statistics of ``store`` (a pyoxigraph Store, or anything with its ``query`` and
    ``named_graphs``, such as a LiveStore). ``saved``: where an on-disk store keeps them (None: nowhere)."""

    def __init__(self, store: Any, saved: SavedBeside | None = None) -> None:
        self._store = store
        self._saved = saved
        self._lock = threading.Lock()
        self._named: list[GraphStatistics] | None = None
        self._union: GraphStatistics | None = None

    def get(self) -> list[GraphStatistics]:
        """The default graph's counts, then each named graph's by name. Counts what a write left
        uncounted (seconds at full size: on demand, not on the write's path)."""
        with self._lock:
            if self._named is None:
                counted = self._first_count()
                self._union, self._named = counted[0], counted[1:]
            elif self._union is None:
                self._union = graph_statistics(self._store, None)
                if self._saved is not None:
                    self._saved.save(self._saved.key(), [self._union, *self._named])
            return [self._union, *self._named]

    def _first_count(self) -> list[GraphStatistics]:
        saved = self._saved
        key = saved.key() if saved is not None else ""
        found = saved.load(key) if saved is not None else None
        if isinstance(found, list) and found and all(isinstance(s, GraphStatistics) for s in found):
            return found
        counted = dataset_statistics(self._store)
        if saved is not None:
            saved.save(key, counted)
        return counted

    def follow(self, graphs: Iterable[str], saved: SavedBeside | None = None) -> None:
        """After a committed write that changed the named graphs ``graphs`` (IRIs): counts those again
        now (curated graphs: milliseconds); the default graph, the union of all, when next asked.
        ``saved``: where the store now keeps them."""
        store = self._store
        with self._lock:
            self._saved = saved if saved is not None else self._saved
            if self._named is None:  # never asked for: all is counted when first asked
                return
            by_name = {s.name: s for s in self._named}
            held = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
            for graph in set(graphs):
                by_name.pop(graph, None)
                if graph in held:
                    by_name[graph] = graph_statistics(store, graph)
            self._named = [by_name[name] for name in sorted(n for n in by_name if n is not None)]
            self._union = None


def saved_beside(folder: Any, base: str) -> SavedBeside | None:
    """Where the statistics of the on-disk store in RocksDB folder ``folder`` are kept (None: memory)."""
    return SavedBeside.beside(folder, base, SUFFIX, FORMAT) if folder is not None else None


def changed_graphs(added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> set[str]:
    """The named graphs (IRIs) a change touches."""
    return {q.graph_name.value for q in (*added, *removed) if isinstance(q.graph_name, ox.NamedNode)}
