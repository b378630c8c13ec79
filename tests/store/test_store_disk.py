"""`--store DIR` (medkg.store.disk): first load, reopen without reload, reload on change, crash safety, bad DIRs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from medkg.graph.loading import RdfInputError, new_store
from medkg.graph.namespaces import DATA_GRAPH, DEFAULT_BASE, ONTOLOGY_GRAPH
from medkg.store.backends import StoreOptionError, backend_for
from medkg.store.disk import MANIFEST, OnDiskBackend, StoreDirError, read_manifest

MARKER = ox.Quad(ox.NamedNode("urn:test:marker"), ox.NamedNode("urn:test:p"), ox.Literal("kept"))


def _ground(store: ox.Store) -> set[ox.Quad]:
    """The quads without blank nodes (blank node labels differ between loads)."""
    return {q for q in store if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}


def _write(path: Path, n: int, value: str = "v") -> Path:
    path.write_text("".join(f'<urn:s:{i}> <urn:p> "{value}{i}" .\n' for i in range(n)), encoding="utf-8")
    return path


def _add_marker(backend: OnDiskBackend) -> None:
    # Written into the live store behind the backend's back: it survives a reopen, not a reload.
    writer = ox.Store(str(backend.store_path))
    writer.add(MARKER)
    writer.flush()
    del writer


def _stores(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(("store-", ".loading-")))


@pytest.fixture(scope="module")
def packaged_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, OnDiskBackend]:
    directory = tmp_path_factory.mktemp("disk") / "store"  # does not exist yet: created
    backend = OnDiskBackend(directory)
    backend.load()
    return directory, backend


def test_first_load_holds_the_packaged_graph_in_its_named_graphs(packaged_dir: tuple[Path, OnDiskBackend],
                                                                  packaged_store: ox.Store) -> None:
    directory, backend = packaged_dir
    store = backend.load()
    assert backend.reloaded is True
    assert len(store) == len(packaged_store)
    assert _ground(store) == _ground(packaged_store)
    assert {g.value for g in store.named_graphs()} == {DEFAULT_BASE + ONTOLOGY_GRAPH, DEFAULT_BASE + DATA_GRAPH}
    manifest = read_manifest(directory)
    assert manifest is not None and manifest["store"] == backend.store_path.name
    assert _stores(directory) == [backend.store_path.name]


def test_second_start_reopens_without_reloading(packaged_dir: tuple[Path, OnDiskBackend]) -> None:
    directory, first = packaged_dir
    _add_marker(first)
    manifest = (directory / MANIFEST).read_bytes()
    again = OnDiskBackend(directory)
    store = again.load()
    assert again.reloaded is False
    assert again.store_path == first.store_path
    assert MARKER in store  # a reload would have lost it
    assert (directory / MANIFEST).read_bytes() == manifest


def test_validation_is_recorded_for_this_content_only(tmp_path: Path) -> None:
    data = _write(tmp_path / "a.nt", 3)
    first = OnDiskBackend(tmp_path / "s", [data])
    first.load()
    assert first.validated is False
    first.mark_validated()
    again = OnDiskBackend(tmp_path / "s", [data])
    again.load()
    assert again.validated is True and again.reloaded is False
    _write(data, 4)
    changed = OnDiskBackend(tmp_path / "s", [data])
    changed.load()
    assert changed.reloaded is True and changed.validated is False


def test_workers_open_their_own_read_only_store_after_fork(packaged_dir: tuple[Path, OnDiskBackend]) -> None:
    _, backend = packaged_dir
    backend.load()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a query worker's life in miniature
        try:
            store = backend.worker_store()
            count = next(iter(store.query("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")))["n"].value
            os.write(write, count.encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert int(os.read(read, 100)) == len(new_store())
    os.close(read)
    with pytest.raises(RuntimeError, match="read-write"):  # read-only: a worker cannot change the store
        backend.worker_store().add(MARKER)


def test_a_changed_input_reloads(tmp_path: Path) -> None:
    data = _write(tmp_path / "a.nt", 10)
    directory = tmp_path / "store"
    first = OnDiskBackend(directory, [data])
    assert len(first.load()) == 10 and first.reloaded
    _add_marker(first)
    _write(data, 12, value="w")
    second = OnDiskBackend(directory, [data])
    store = second.load()
    assert second.reloaded is True
    assert len(store) == 12 and MARKER not in store
    assert ox.Quad(ox.NamedNode("urn:s:11"), ox.NamedNode("urn:p"), ox.Literal("w11")) in store
    assert _stores(directory) == [second.store_path.name]  # the old store is gone


def test_another_base_reloads(tmp_path: Path) -> None:
    data = tmp_path / "a.ttl"
    data.write_text(f"<{DEFAULT_BASE}concept/x> <urn:p> 1 .\n", encoding="utf-8")
    OnDiskBackend(tmp_path / "s", [data]).load()
    moved = OnDiskBackend(tmp_path / "s", [data], base="https://example.org/kg/")
    store = moved.load()
    assert moved.reloaded is True
    assert [q.subject.value for q in store] == ["https://example.org/kg/concept/x"]


def test_a_failed_reload_keeps_the_previous_store(tmp_path: Path) -> None:
    data = _write(tmp_path / "a.nt", 5)
    directory = tmp_path / "store"
    good = OnDiskBackend(directory, [data])
    good.load()
    manifest = (directory / MANIFEST).read_bytes()
    data.write_text(data.read_text() + "<urn:s:x> <urn:p> \"unterminated .\n", encoding="utf-8")
    with pytest.raises(RdfInputError) as failure:
        OnDiskBackend(directory, [data]).load()
    assert failure.value.line == 6 and "a.nt" in str(failure.value)
    assert (directory / MANIFEST).read_bytes() == manifest
    assert _stores(directory) == [good.store_path.name]  # no half-loaded folder left behind


def test_a_load_killed_midway_never_looks_complete(tmp_path: Path) -> None:
    data = _write(tmp_path / "big.nt", 300_000)
    directory = tmp_path / "store"
    script = "import sys; from medkg.store.disk import OnDiskBackend; OnDiskBackend(sys.argv[1], [sys.argv[2]]).load()"
    process = subprocess.Popen([sys.executable, "-c", script, str(directory), str(data)])
    try:
        deadline = time.monotonic() + 60
        while not (directory.is_dir() and any(p.name.startswith(".loading-") for p in directory.iterdir())):
            assert process.poll() is None and time.monotonic() < deadline, "the load never started"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)  # SIGKILL: no cleanup, like a crash or power cut
    finally:
        process.wait()
    assert read_manifest(directory) is None  # nothing claims to be complete
    backend = OnDiskBackend(directory, [data])
    assert len(backend.load()) == 300_000 and backend.reloaded is True
    assert _stores(directory) == [backend.store_path.name]  # the crashed load's folder is cleaned up


def test_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "not-a-dir"
    target.write_text("precious")
    with pytest.raises(StoreDirError, match="is a file"):
        backend_for(str(target), None, DEFAULT_BASE)
    assert target.read_text() == "precious"


def test_a_folder_with_other_files_is_refused_untouched(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("precious")
    (tmp_path / "photos").mkdir()
    with pytest.raises(StoreDirError, match="not a medkg store") as refused:
        OnDiskBackend(tmp_path).load()
    assert "notes.txt" in str(refused.value) and "photos" in str(refused.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "photos"]


def test_a_folder_that_cannot_be_created_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreDirError, match="cannot create the folder"):
        OnDiskBackend(tmp_path / "file" / "store").load()


def test_an_unwritable_folder_is_refused_when_a_load_is_needed(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    directory.mkdir()
    directory.chmod(0o555)
    try:
        if os.access(directory, os.W_OK):
            pytest.skip("running as root: permissions do not stop writes")
        with pytest.raises(StoreDirError, match="not writable"):
            OnDiskBackend(directory).load()
    finally:
        directory.chmod(0o755)


def test_store_errors_are_store_option_errors() -> None:
    assert issubclass(StoreDirError, StoreOptionError)  # `medkg serve` reports them in one sentence


def test_serve_refuses_a_bad_store_dir_in_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("precious")
    result = subprocess.run([sys.executable, "-m", "medkg.cli", "serve", "--store", str(tmp_path)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("medkg: --store") and "not a medkg store" in result.stderr
    assert "Traceback" not in result.stderr
