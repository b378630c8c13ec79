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


def competency_queries() -> dict[str, Path]:
    """The packaged competency questions, by number: {"01": .../queries/competency/01-symptoms-of-sacral-fracture.rq, ...}."""
    folder = queries_dir() / "competency"
    return {path.name.split("-", 1)[0]: path for path in sorted(folder.glob("*.rq"))}


def competency_query(name: str) -> Path:
    """The competency question named ``name``: its number ("1", "01"), or its file name with or
    without ".rq" ("01-symptoms-of-sacral-fracture"). KeyError saying how to list them."""
    queries = competency_queries()
    key = name.removesuffix(".rq")
    if key.isdigit():
        key = key.zfill(2)
    for number, path in queries.items():
        if key in (number, path.stem):
            return path
    raise KeyError(f"no competency question {name!r}: give its number (01 to {max(queries, default='01')}) "
                   "or file name; `medkg query --list-competency` lists them")


def competency_title(path: Path) -> str:
    """The question a competency query answers: its leading comment, the lines joined, without the "# "
    (a question often runs over two or three lines: the first alone stops mid-sentence)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#") or not line.lstrip("# ").strip():
            break
        lines.append(line.lstrip("# ").strip())
    return " ".join(lines) or path.stem
