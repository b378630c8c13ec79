"""The concept indexes of an on-disk store, saved beside it and reused by the next start (issue 6)."""

from __future__ import annotations

import gc
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import LiveServer

from medkg.concepts import ConceptService
from medkg.concepts import service as service_module
from medkg.concepts.persist import SUFFIX, SavedIndex
from medkg.store.disk import OnDiskBackend


@pytest.fixture
def on_disk(tmp_path: Path) -> OnDiskBackend:
    backend = OnDiskBackend(tmp_path / "store")
    backend.load()
    return backend


def _no_build(*_args: object) -> None:
    raise AssertionError("the indexes were built again instead of reused")


def test_a_restart_reuses_the_saved_indexes(on_disk: OnDiskBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    first = ConceptService.from_store(on_disk.load(), saved_beside=on_disk.store_path)
    saved = on_disk.store_path.with_name(on_disk.store_path.name + SUFFIX)
    assert saved.is_file()
    monkeypatch.setattr(service_module, "build_index", _no_build)
    again = ConceptService.from_store(ox.Store.read_only(str(on_disk.store_path)), saved_beside=on_disk.store_path)
    assert again.index.concepts == first.index.concepts and again.index.keys == first.index.keys
    assert again.search("tailbone").model_dump() == first.search("tailbone").model_dump()
    assert again.lookup("medkg:sacral-fracture") == first.lookup("medkg:sacral-fracture")
    assert again.annotate("pain in my tailbone") == first.annotate("pain in my tailbone")


def test_a_changed_store_or_a_damaged_file_is_not_reused(on_disk: OnDiskBackend) -> None:
    folder = on_disk.store_path
    ConceptService.from_store(on_disk.load(), saved_beside=folder)
    saved = SavedIndex.beside(folder, "https://w3id.org/medkg/")
    key = saved.key()
    assert saved.load(key) is not None
    assert saved.load(key.replace("|0.", "|9.")) is None  # another medkg version
    on_disk._store = None
    gc.collect()
    writable = ox.Store(str(folder))  # a write to the store changes its files, so the key
    writable.add(ox.Quad(ox.NamedNode("https://w3id.org/medkg/concept/new"), ox.NamedNode(
        "http://www.w3.org/2004/02/skos/core#prefLabel"), ox.Literal("New", language="en")))
    writable.flush()
    del writable
    gc.collect()
    assert saved.key() != key and saved.load(saved.key()) is None
    saved.path.write_bytes(b"not a pickle")
    assert saved.load(saved.key()) is None
    rebuilt = ConceptService.from_store(ox.Store.read_only(str(folder)), saved_beside=folder)
    assert rebuilt.lookup("medkg:sacrum").label == "Sacrum"
    assert saved.load(saved.key()) is not None  # saved again, under the new key


def test_a_read_only_folder_just_means_no_saving(on_disk: OnDiskBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr("medkg.store.beside.open", refuse, raising=False)
    service = ConceptService.from_store(on_disk.load(), saved_beside=on_disk.store_path)
    assert service.lookup("medkg:sacrum").label == "Sacrum"
    assert not list(on_disk.store_path.parent.glob(f"*{SUFFIX}*"))


@pytest.mark.server
def test_medkg_serve_saves_the_indexes_beside_its_store(disk_server: LiveServer) -> None:
    assert disk_server.store_dir is not None
    assert len(list(disk_server.store_dir.glob(f"store-*{SUFFIX}"))) == 1


def test_every_entry_of_the_index_comes_back_whole_from_a_pickle(packaged_store: ox.Store) -> None:
    import pickle

    from medkg.concepts.index import build_index
    from medkg.sparql.client import store_client

    entries = build_index(store_client(packaged_store)).entries
    back = pickle.loads(pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL))
    fields = lambda e: (e.iri, e.text, e.scope, e.synonym_type, e.order, e.rank)  # noqa: E731
    assert [fields(e) for e in back] == [fields(e) for e in entries] and len({e.rank for e in entries}) == len(entries)
