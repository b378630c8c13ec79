"""Built vocabularies served beside the graph through the loading path's ``vocab`` parameter:
memory and on-disk stores (a restart reopens without reloading)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from vocab_slices import hpo_slice

from medkg.graph.loading import new_store
from medkg.store.backends import MemoryBackend, backend_for
from medkg.store.disk import OnDiskBackend
from medkg.vocabularies import cache

GRAPH = ox.NamedNode("https://w3id.org/medkg/graph/hpo")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    obo = hpo_slice(tmp_path_factory.mktemp("hpo"), {"HP:0003419"}, first=5)
    return cache.build("hpo", files=(obo,), out=tmp_path_factory.mktemp("out") / "hpo.nq")[0]


def _in_graph(store: ox.Store) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, GRAPH))


def test_memory_store_holds_the_graph_and_the_vocabulary(built: Path) -> None:
    alone = len(new_store())
    store = MemoryBackend(vocab=[built]).load()
    assert _in_graph(store) > 0 and len(store) == alone + _in_graph(store)


def test_on_disk_store_loads_once_then_reopens(built: Path, tmp_path: Path) -> None:
    first = OnDiskBackend(tmp_path / "store", vocab=[built])
    count = _in_graph(first.load())
    assert first.reloaded and count > 0
    again = OnDiskBackend(tmp_path / "store", vocab=[built])
    assert _in_graph(again.load()) == count and again.reloaded is False
    without = OnDiskBackend(tmp_path / "store")  # the inputs changed: reloaded without the vocabulary
    assert _in_graph(without.load()) == 0 and without.reloaded


def test_a_remote_store_refuses_vocabularies(built: Path) -> None:
    from medkg.store.backends import StoreOptionError

    with pytest.raises(StoreOptionError, match="--vocab"):
        backend_for("http://127.0.0.1:9/query", None, "https://w3id.org/medkg/", vocab=[built])
