"""The real slice of ICD-10-CM, HPO and the HPO annotations (tests/fixtures/vocab/slice.trig) with
the packaged graph, for the concept API tests over the reference vocabularies."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from medkg.graph import resources
from medkg.graph.loading import new_store

SLICE = Path(__file__).parents[1] / "fixtures" / "vocab" / "slice.trig"


def slice_store() -> ox.Store:
    """The packaged graph in its named graphs, and the slice in the vocabularies' named graphs."""
    store = new_store()
    store.load(path=str(SLICE), format=ox.RdfFormat.TRIG)
    return store


def slice_paths() -> tuple[Path, ...]:
    """What `medkg serve PATH ...` serves for the same graph."""
    return (resources.ontology_dir(), resources.data_dir(), SLICE)
