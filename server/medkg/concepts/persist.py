"""The concept indexes saved beside an on-disk store, so that a restart reuses them (issue 6).

Building the indexes reads every label, synonym and hierarchy edge of the graph: seconds on a
1M-triple graph (benchmarks/README.md). The built snapshot (index and source labels) is saved
next to the store's RocksDB folder by the general mechanism of ``medkg.store.beside`` (its key,
its atomic save, its safety note on pickle).
"""

from __future__ import annotations

from pathlib import Path

from medkg.store.beside import SavedBeside, store_signature

FORMAT = "concepts/4"  # 2: the search index by words (issue 16) and vocabulary concepts in a ConceptTable (issue 15);
# 3: spaced ranks, postings by key, hierarchy lists as plain dicts (a write patches the index: issue 15);
# 4: no table of keys without spaces (index.spaced_keys), an entry a tuple with its order computed, not kept
SUFFIX = ".concepts.pickle"

__all__ = ["FORMAT", "SUFFIX", "SavedIndex", "store_signature"]


class SavedIndex(SavedBeside):
    """Where the concept snapshot of one on-disk store is saved, and the key it must match."""

    @classmethod
    def beside(cls, store: Path, base: str, suffix: str = SUFFIX, format: str = FORMAT) -> SavedIndex:
        """The saved snapshot of the RocksDB folder ``store`` (store-<id>), as a sibling file."""
        return cls(store.with_name(store.name + suffix), store, base, format)
