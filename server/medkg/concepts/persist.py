"""The concept indexes saved beside an on-disk store, so that a restart reuses them (issue 6).

The on-disk store reopens in a fraction of a second, but building the indexes reads every label,
synonym and hierarchy edge of the graph: seconds on a 1M-triple graph (benchmarks/README.md). The
built snapshot (index and source labels) is pickled into a file next to the store's RocksDB folder,
under a key of everything that could make it wrong: the store folder's name (the fingerprint of
the inputs it was loaded from), the names, sizes and modification times of its files (a write to
the store changes them), the IRI base, medkg's version and this file's format. Any difference, or
a missing, partial or unreadable file, and the indexes are built again and saved anew.

Pickle can run code as it loads: the file lives in the store's own folder, which only someone who
could already change the store itself can write.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medkg import __version__

FORMAT = 3  # 2: the search index by words (issue 16) and vocabulary concepts in a ConceptTable (issue 15);
# 3: spaced ranks, postings by key, hierarchy lists as plain dicts (a write patches the index: issue 15)
SUFFIX = ".concepts.pickle"


def store_signature(folder: Path) -> str:
    """A digest of the names, sizes and modification times of a RocksDB folder's data files."""
    digest = hashlib.sha256()
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith("LOG") or entry.name == "LOCK" or not entry.is_file():
            continue  # the info log and the lock change on every open, even read-only
        stat = entry.stat()
        digest.update(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class SavedIndex:
    """Where the snapshot of one on-disk store is saved, and the key it must match."""

    path: Path
    store: Path
    base: str

    @classmethod
    def beside(cls, store: Path, base: str) -> SavedIndex:
        """The saved snapshot of the RocksDB folder ``store`` (store-<id>), as a sibling file."""
        return cls(store.with_name(store.name + SUFFIX), store, base)

    def key(self) -> str:
        return f"{FORMAT}|{__version__}|{self.base}|{self.store.name}|{store_signature(self.store)}"

    def load(self, key: str) -> Any | None:
        """The snapshot saved under ``key``, or None."""
        try:
            with open(self.path, "rb") as file:
                if pickle.load(file) != key:
                    return None
                return pickle.load(file)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
            return None

    def save(self, key: str, snapshot: Any) -> None:
        """Saves ``snapshot`` under ``key`` atomically; a read-only folder just means no saving."""
        tmp = self.path.with_name(f"{self.path.name}.{secrets.token_hex(4)}.tmp")
        try:
            with open(tmp, "wb") as file:
                pickle.dump(key, file, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(snapshot, file, protocol=pickle.HIGHEST_PROTOCOL)
            if self.key() != key:  # the store changed while we built: this snapshot may be stale
                tmp.unlink()
                return
            os.replace(tmp, self.path)
            for stale in self.path.parent.glob(f"store-*{SUFFIX}"):  # snapshots of stores now gone
                if stale != self.path and not stale.with_name(stale.name[: -len(SUFFIX)]).is_dir():
                    stale.unlink(missing_ok=True)
        except OSError:
            tmp.unlink(missing_ok=True)
