"""What is derived from an on-disk store, saved in a file beside its RocksDB folder for the next start.

The on-disk store reopens in a fraction of a second, but what the server derives from it (the
concept indexes, the VoID statistics) reads the whole graph: seconds at millions of triples
(benchmarks/README.md). Each is pickled into ``store-<id><suffix>`` next to the store's folder,
under a key of everything that could make it wrong: the store folder's name (the fingerprint of
the inputs it was loaded from), the names, sizes and modification times of its files (a write to
the store changes them), the IRI base, medkg's version and the saved format. Any difference, or
a missing, partial or unreadable file, and the caller derives it again and saves it anew.

Pickle can run code as it loads: the file lives in the store's own folder, which only someone who
could already change the store itself can write.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medkg import __version__


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
class SavedBeside:
    """Where one kind of derived data of one on-disk store is saved, and the key it must match.
    ``format`` names the saved layout: change it when the layout changes."""

    path: Path
    store: Path
    base: str
    format: str

    @classmethod
    def beside(cls, store: Path, base: str, suffix: str, format: str) -> SavedBeside:
        """The file ``suffix`` of the RocksDB folder ``store`` (store-<id>), as its sibling."""
        return cls(store.with_name(store.name + suffix), store, base, format)

    def key(self) -> str:
        return f"{self.format}|{__version__}|{self.base}|{self.store.name}|{store_signature(self.store)}"

    def load(self, key: str) -> Any | None:
        """The value saved under ``key``, or None."""
        collecting = gc.isenabled()
        gc.disable()  # millions of objects, none garbage: the cyclic collector would only slow the load (~1/3)
        try:
            with open(self.path, "rb") as file:
                if pickle.load(file) != key:
                    return None
                return pickle.load(file)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
            return None
        finally:
            if collecting:
                gc.enable()

    def save(self, key: str, value: Any) -> None:
        """Saves ``value`` under ``key`` atomically; a read-only folder just means no saving."""
        tmp = self.path.with_name(f"{self.path.name}.{secrets.token_hex(4)}.tmp")
        suffix = self.path.name[len(self.store.name):]
        try:
            with open(tmp, "wb") as file:
                pickle.dump(key, file, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
            if self.key() != key:  # the store changed while we derived: this value may be stale
                tmp.unlink()
                return
            os.replace(tmp, self.path)
            for stale in self.path.parent.glob(f"store-*{suffix}"):  # saved for stores now gone
                if stale != self.path and not stale.with_name(stale.name[: -len(suffix)]).is_dir():
                    stale.unlink(missing_ok=True)
        except OSError:
            tmp.unlink(missing_ok=True)
