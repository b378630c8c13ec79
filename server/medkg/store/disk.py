"""`--store DIR`: the graph in a persistent on-disk Oxigraph (RocksDB) store.

Layout of DIR (nothing else may be in it, so a wrong DIR is refused rather than clobbered):

    medkg-store.json   the manifest: fingerprint of the inputs, the name of the live store, and
                       how many curated writes it holds
    store-<id>/        the live RocksDB store (and, after a write, the previous one a while)
    .loading-<id>/     a load in progress (or the remains of a crashed one, removed on next load)
    .writing-<id>/     a curated write in progress (or the remains of a crashed one, removed at start)
    .lock              taken while loading or writing, so two processes never change DIR at once
    .serving           locked by the `medkg serve` process for its whole life (its pid inside): one
                       server per folder, since each keeps its own view of the live store and a
                       second one's writes would be lost to the first (and the other way round)

A load goes into a fresh ``.loading-<id>``, is renamed to ``store-<id>``, and only then is the
manifest replaced (atomically) to point at it. A crash at any moment leaves either the old
manifest and the old store, or no manifest: never a manifest naming a half-loaded store.

The fingerprint is a hash of the medkg version, the base IRI, and the content of every input file
with the graph it goes into; a different fingerprint means reload. Hashing reads the inputs (a
few hundred MB/s) but parses nothing, so reopening costs milliseconds plus that read.

A curated write (``apply_write``) never touches the live folder, which workers have open read-only:
it checkpoints it (hard links) into ``.writing-<id>``, applies the change there, flushes, closes,
renames it ``store-<id>`` and only then replaces the manifest, atomically; the server acknowledges
the write after that. A crash before the manifest is replaced leaves the previous store live and
the write unacknowledged. When the inputs change, a store holding writes is not reloaded over
unless forced: the writes would be lost (``medkg export --store DIR`` keeps them).

RocksDB handles do not survive fork(): the serving process and each query worker open the store
read-only on their own (RocksDB read-only mode takes no lock, so any number may).
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from medkg import __version__
from medkg.graph.digests import file_sha256
from medkg.graph.loading import (
    RdfInputError,
    _parser_reason,
    packaged_graph_files,
    parse_file,
    rdf_files,
    rdf_format,
)
from medkg.graph.namespaces import DEFAULT_BASE
from medkg.store.errors import StoreOptionError

MANIFEST = "medkg-store.json"
LOCK = ".lock"
SERVING = ".serving"
_FORMAT = 1  # bump when the layout or the fingerprint recipe changes: old stores reload


class StoreDirError(StoreOptionError):
    """A --store DIR that cannot hold the store (a file, unwritable, someone else's folder)."""


class StoreInUse(StoreDirError):
    """Another `medkg serve` process serves this folder."""


class CuratedWritesAtRisk(StoreDirError):
    """The inputs changed, and reloading would drop the curated writes the store holds."""


@dataclass(frozen=True)
class Input:
    """One input file and the named graph it loads into (None: the default graph / its own)."""

    path: Path
    graph: str | None


def plan_inputs(paths: Sequence[Path | str] | None, base: str = DEFAULT_BASE,
                vocab: Sequence[Path | str] = ()) -> list[Input]:
    """The files to load, in order, with their graphs: the packaged graph, or ``paths`` instead,
    then the built reference vocabularies ``vocab`` (N-Quads: each keeps its own graph)."""
    extra = [Input(Path(v), None) for v in vocab]
    if paths:
        return [Input(p, None) for p in rdf_files(paths)] + extra
    return [Input(p, base + graph) for graph, files in packaged_graph_files().items() for p in files] + extra


def fingerprint(inputs: Sequence[Input], base: str) -> str:
    """A hash of everything that decides the store's content (file names do not count)."""
    digest = hashlib.sha256(f"medkg-store/{_FORMAT}\0{__version__}\0{base}\0".encode())
    for item in inputs:
        digest.update(f"{item.graph or ''}\0{item.path.suffix}\0".encode())
        digest.update(_file_hash(item.path).encode())
    return digest.hexdigest()


def _file_hash(path: Path) -> str:
    try:
        return file_sha256(path)  # remembered by the file's status: not read again on a restart
    except OSError as error:
        raise RdfInputError(path, error.strerror or str(error)) from error


# Each bulk operation writes and ingests new files (~0.1 s fixed cost): small files are parsed in
# Python and ingested together; big ones are streamed by Oxigraph's own parser.
_SMALL_FILE = 16 * 1024 * 1024


def bulk_load(store: ox.Store, inputs: Sequence[Input], base: str = DEFAULT_BASE) -> None:
    """Loads the inputs with Oxigraph's bulk loader (errors name the file and line)."""
    pending: list[ox.Quad] = []
    for item in inputs:
        graph = ox.NamedNode(item.graph) if item.graph else None
        # IRIs to move under another base: parse in Python whatever the size.
        if base != DEFAULT_BASE or _size(item.path) < _SMALL_FILE:
            pending.extend(parse_file(item.path, graph=graph, base=base))
            continue
        try:
            store.bulk_load(path=item.path, format=rdf_format(item.path),
                            base_iri=item.path.resolve().as_uri(), to_graph=graph)
        except SyntaxError as error:
            raise RdfInputError(item.path, _parser_reason(error), error.lineno) from error
    if pending:
        store.bulk_extend(pending)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as error:
        raise RdfInputError(path, error.strerror or str(error)) from error


class OnDiskBackend:
    """The graph in DIR: loaded on first start or when the inputs changed, reopened otherwise."""

    name = "disk"

    def __init__(self, directory: Path | str, paths: Sequence[Path | str] | None = None,
                 base: str = DEFAULT_BASE, force_reload: bool = False,
                 vocab: Sequence[Path | str] = ()) -> None:
        self.directory = Path(directory)
        self.paths = list(paths or [])
        self.vocab = list(vocab)
        self.base = base
        self.force_reload = force_reload
        self.reloaded: bool | None = None  # after load(): True if it (re)loaded, False if reopened
        self._store: ox.Store | None = None
        self._live: Path | None = None
        self._claim: IO[str] | None = None

    def claim(self) -> None:
        """Takes the folder for this process's life (``claim_directory``): call before ``load()``
        in a process that serves it. StoreInUse when another process serves it."""
        if self._claim is None:
            self._claim = claim_directory(self.directory)

    @property
    def store_path(self) -> Path:
        """The live RocksDB folder (after ``load()``)."""
        if self._live is None:
            raise RuntimeError("the on-disk store is not loaded yet")
        return self._live

    def load(self) -> ox.Store:
        if self._store is None:
            self._live, self.reloaded = open_or_load(self.directory, plan_inputs(self.paths, self.base, self.vocab), self.base,
                                                     force=self.force_reload)
            _remove_unfinished_writes(self.directory)
            self._store = ox.Store.read_only(str(self._live))
        return self._store

    def moved_to(self, name: str) -> None:
        """After a committed write (in the zygote): new workers open ``name``."""
        self._live = self.directory / name

    def follow(self, reply: dict[str, object], added: list[ox.Quad], removed: list[ox.Quad]) -> ox.Store:
        """After a committed write (in the front): reopen the new live store (which holds the
        change ``added`` / ``removed`` already)."""
        self.moved_to(str(reply["store"]))
        self._store = ox.Store.read_only(str(self.store_path))
        return self._store

    @property
    def validated(self) -> bool:
        """Whether this store's content passed the shapes (recorded by ``mark_validated``)."""
        manifest = read_manifest(self.directory)
        return bool(manifest and manifest.get("store") == self.store_path.name and manifest.get("validated"))

    def mark_validated(self) -> None:
        """Records that the content conforms, so later starts may skip validating it again."""
        try:
            with _locked(self.directory):
                manifest = read_manifest(self.directory)
                if manifest and manifest.get("store") == self.store_path.name:
                    _write_manifest(self.directory, {**manifest, "validated": True})
        except OSError:  # a read-only store folder: validate again next time
            pass

    def worker_store(self) -> ox.Store:
        # Called in a freshly forked worker: the inherited handle belongs to the parent's RocksDB
        # instance (its threads did not survive the fork), so open our own.
        return ox.Store.read_only(str(self.store_path))


def read_manifest(directory: Path) -> dict[str, object] | None:
    """The manifest of a complete store in ``directory``, or None."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def open_or_load(directory: Path, inputs: Sequence[Input], base: str, *, force: bool = False) -> tuple[Path, bool]:
    """The live store folder for ``inputs`` in ``directory``, and whether it had to be loaded.

    Refuses (CuratedWritesAtRisk) to reload over a store holding curated writes unless ``force``."""
    check_directory(directory)
    wanted = fingerprint(inputs, base)
    live = _current(directory, wanted)
    if live is not None:
        return live, False
    manifest = read_manifest(directory)
    writes = int(str(manifest.get("writes", 0))) if manifest else 0
    if writes and not force:
        raise CuratedWritesAtRisk(
            f"--store {directory}: the inputs changed, and reloading them would drop the {writes} curated "
            f"write(s) this store holds; keep them with `medkg export --store {directory} --out DIR` (then "
            "merge that into your inputs), or start with --force-reload to reload and drop them"
        )
    _ensure_writable(directory)
    with _locked(directory):
        live = _current(directory, wanted)  # another process may have loaded it while we waited
        if live is not None:
            return live, False
        return _load_and_swap(directory, inputs, base, wanted), True


def _current(directory: Path, wanted: str) -> Path | None:
    manifest = read_manifest(directory)
    if manifest is None or manifest.get("fingerprint") != wanted:
        return None
    live = directory / str(manifest.get("store"))
    return live if live.name.startswith("store-") and (live / "CURRENT").is_file() else None


def _ours(name: str) -> bool:
    return name in (MANIFEST, LOCK, SERVING, MANIFEST + ".tmp") or name.startswith(("store-", ".loading-", ".writing-"))


def check_directory(directory: Path) -> None:
    """Refuses a DIR that is a file, or a folder holding anything but a medkg store."""
    if directory.exists() and not directory.is_dir():
        raise StoreDirError(f"--store {directory}: this is a file, not a folder; give a folder for the store")
    if not directory.is_dir():
        return
    try:
        foreign = sorted(name for name in os.listdir(directory) if not _ours(name))
    except OSError as error:
        raise StoreDirError(f"--store {directory}: cannot read the folder ({error.strerror})") from error
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise StoreDirError(
            f"--store {directory}: the folder holds other files ({shown}) and is not a medkg store; "
            "give an empty or new folder (medkg will not overwrite it)"
        )


def _ensure_writable(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreDirError(f"--store {directory}: cannot create the folder ({error.strerror})") from error
    if not os.access(directory, os.W_OK | os.X_OK):
        raise StoreDirError(f"--store {directory}: the folder is not writable, and the store must be (re)loaded")


def claim_directory(directory: Path) -> IO[str] | None:
    """An exclusive, non-blocking lock on ``directory``'s ``.serving`` file, held while the returned
    file stays open (the OS releases it when the process dies, however it dies). Raises StoreInUse,
    naming the holder's pid, when another process holds it. None for a folder this process cannot
    write into (a read-only store: no server can write there either, so nothing can be lost)."""
    check_directory(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        lock = open(directory / SERVING, "a+", encoding="utf-8")  # noqa: SIM115 (held open for the process's life: the lock)
    except OSError:
        if not (directory / SERVING).is_file():
            return None
        lock = open(directory / SERVING, encoding="utf-8")  # noqa: SIM115
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        pid = lock.read().strip()
        lock.close()
        holder = f" (pid {pid})" if pid.isdigit() else ""
        raise StoreInUse(
            f"--store {directory}: the folder is being served by another medkg process{holder}; stop that "
            "server first, or serve another folder (two servers on one folder would lose each other's writes)"
        ) from None
    if lock.writable():
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
    return lock


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    with open(directory / LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _load_and_swap(directory: Path, inputs: Sequence[Input], base: str, wanted: str) -> Path:
    for stale in directory.glob(".loading-*"):  # remains of a crashed load (we hold the lock)
        shutil.rmtree(stale, ignore_errors=True)
    ident = secrets.token_hex(8)
    loading = directory / f".loading-{ident}"
    try:
        store = ox.Store(str(loading))
        bulk_load(store, inputs, base)
        store.flush()
        del store
        gc.collect()  # closes RocksDB (and its lock) before the folder is renamed
        live = directory / f"store-{ident}"
        loading.rename(live)
    except BaseException:
        shutil.rmtree(loading, ignore_errors=True)
        raise
    _write_manifest(directory, {
        "format": _FORMAT, "fingerprint": wanted, "store": live.name, "medkg": __version__, "base": base,
        "inputs": [{"path": str(i.path), "graph": i.graph} for i in inputs],
    })
    for old in directory.glob("store-*"):  # the previous store; servers still reading it keep their open files
        if old != live:
            shutil.rmtree(old, ignore_errors=True)
    return live


def _write_manifest(directory: Path, manifest: dict[str, object]) -> None:
    # Written last and atomically (write, fsync, rename, fsync the folder): its presence means done.
    tmp = directory / (MANIFEST + ".tmp")
    with open(tmp, "w", encoding="utf-8") as file:
        json.dump(manifest, file, indent=1)
        file.flush()
        os.fsync(file.fileno())
    os.replace(tmp, directory / MANIFEST)
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_unfinished_writes(directory: Path) -> None:
    """Removes the staging folders of writes a crash interrupted (never acknowledged)."""
    if not any(directory.glob(".writing-*")):
        return
    try:
        with _locked(directory):
            for stale in directory.glob(".writing-*"):
                shutil.rmtree(stale, ignore_errors=True)
    except OSError:
        pass


def apply_write_in_new_process(directory: Path, live: Path, added: str, removed: str) -> Path:
    """``apply_write`` in a freshly started Python process (N-Quads in): RocksDB cannot write in a
    process forked from one that has opened it (its background flush threads are not inherited),
    and the zygote is such a process."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "medkg.store.disk", str(directory), str(live)],
                          input=json.dumps({"added": added, "removed": removed}).encode(),
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise OSError(f"the store writer failed: {done.stderr.decode(errors='replace')[-2000:]}")
    return directory / done.stdout.decode().strip()


def apply_write(directory: Path, live: Path, added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> Path:
    """Commits a validated change as a new live store; its folder. Acknowledge only after this
    returns: the manifest names the new store, durably (see the module docstring)."""
    with _locked(directory):
        ident = secrets.token_hex(8)
        staging = directory / f".writing-{ident}"
        try:
            source = ox.Store.read_only(str(live))
            source.backup(str(staging))  # a RocksDB checkpoint: hard links to the immutable files
            del source
            store = ox.Store(str(staging))
            for quad in removed:
                store.remove(quad)
            store.extend(added)
            store.flush()
            del store
            gc.collect()  # closes RocksDB before the folder is renamed
            new = directory / f"store-{ident}"
            staging.rename(new)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        manifest = read_manifest(directory) or {}
        writes = int(str(manifest.get("writes", 0))) + 1
        _write_manifest(directory, {**manifest, "store": new.name, "writes": writes})  # the commit point
        for old in directory.glob("store-*"):  # keep the previous one for queries still running on it
            if old.is_dir() and old not in (new, live):
                shutil.rmtree(old, ignore_errors=True)
    return new


if __name__ == "__main__":  # apply_write_in_new_process: DIRECTORY LIVE, {"added", "removed"} N-Quads on stdin
    import sys

    from medkg.sparql import sandbox

    sandbox.die_with_parent()
    change = json.loads(sys.stdin.buffer.read())
    quads = {k: list(ox.parse(change[k].encode(), format=ox.RdfFormat.N_QUADS)) if change[k] else [] for k in change}
    print(apply_write(Path(sys.argv[1]), Path(sys.argv[2]), quads["added"], quads["removed"]).name)
