"""Where the packaged graph lives: inside the wheel, or at the top of a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

GRAPH_PARTS = ("ontology", "data", "shapes", "queries")


@cache
def graph_root() -> Path:
    """The folder holding ontology/, data/, shapes/ and queries/.

    An installed wheel carries them in this package's folder, ``medkg/graph``; an editable install or
    a checkout has them at the repository root, three levels above it.
    """
    packaged = Path(__file__).resolve().parent
    if (packaged / "ontology").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "ontology").is_dir():
        return checkout
    raise FileNotFoundError(
        "the packaged graph is missing: neither medkg/graph/ nor a checkout's ontology/ was found"
    )


def ontology_dir() -> Path:
    return graph_root() / "ontology"


def data_dir() -> Path:
    return graph_root() / "data"


def shapes_dir() -> Path:
    return graph_root() / "shapes"


def queries_dir() -> Path:
    return graph_root() / "queries"
