"""Reading RDF files into an Oxigraph store, with errors that name the file and the line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from medkg.graph import resources
from medkg.graph.namespaces import DATA_GRAPH, DEFAULT_BASE, ONTOLOGY_GRAPH, moved


class RdfInputError(Exception):
    """An RDF input that cannot be read or parsed. The message names the file (and line)."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"cannot read {where}: {reason}")


def rdf_format(path: Path) -> ox.RdfFormat:
    """The RDF syntax of a file, from its extension (.ttl, .nt, .nq, .trig, .rdf, .jsonld...)."""
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
    if fmt is None:
        raise RdfInputError(path, f"unknown RDF file extension {path.suffix!r}")
    return fmt


def rdf_files(paths: Iterable[Path | str], *, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    """Files named, and the RDF files found (recursively, sorted) in folders named.

    ``suffixes`` limits what is picked up inside folders (files named explicitly are always kept).
    A folder with no such file is an RdfInputError: read as "nothing", it would pass validation
    or serve an empty graph without a word.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = [
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and (p.suffix in suffixes if suffixes else ox.RdfFormat.from_extension(p.suffix[1:]))
            ]
            if not inside:
                kinds = " or ".join(suffixes) if suffixes else "RDF (.ttl, .nt, .nq, .trig, .rdf, .jsonld, ...)"
                raise RdfInputError(path, f"the folder holds no {kinds} files; give a folder or files with the graph")
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            raise RdfInputError(path, "no such file or folder")
    return found


def parse_file(path: Path, *, graph: ox.NamedNode | None = None, base: str = DEFAULT_BASE) -> list[ox.Quad]:
    """All quads of one file (into ``graph`` when given), moved under ``base`` when it differs."""
    fmt = rdf_format(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RdfInputError(path, error.strerror or str(error)) from error
    if not data.strip():
        raise RdfInputError(path, "the file is empty")
    try:
        quads = list(ox.parse(data, format=fmt, base_iri=path.resolve().as_uri()))
    except SyntaxError as error:
        raise RdfInputError(path, _parser_reason(error), error.lineno) from error
    if graph is not None:
        quads = [ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads]
    return list(rebase(quads, base)) if base != DEFAULT_BASE else quads


def _parser_reason(error: SyntaxError) -> str:
    # pyoxigraph says "Parser error at line 3 column 11: Unexpected end of file (file, line 3)".
    text = str(error.msg if error.msg else error)
    return text.removeprefix("Parser error ").split(" (", 1)[0] if "(" in text else text


def rebase(quads: Iterable[ox.Quad], base: str) -> Iterator[ox.Quad]:
    """The quads with every IRI under the default base moved under ``base``."""

    def move(term):  # type: ignore[no-untyped-def]
        if isinstance(term, ox.NamedNode) and term.value.startswith(DEFAULT_BASE):
            return ox.NamedNode(moved(term.value, base))
        if isinstance(term, ox.Literal) and term.datatype.value.startswith(DEFAULT_BASE):
            return ox.Literal(term.value, datatype=move(term.datatype))
        return term

    for q in quads:
        yield ox.Quad(move(q.subject), move(q.predicate), move(q.object), move(q.graph_name))


def packaged_graph_files() -> dict[str, list[Path]]:
    """The Turtle files of the packaged graph, by the named graph (local part) they load into."""
    return {
        ONTOLOGY_GRAPH: rdf_files([resources.ontology_dir()], suffixes=(".ttl",)),
        DATA_GRAPH: rdf_files([resources.data_dir()], suffixes=(".ttl",)),
    }


def load_packaged(store: ox.Store, base: str = DEFAULT_BASE) -> None:
    """The packaged ontology and facts, each in its named graph under ``base``."""
    for graph, files in packaged_graph_files().items():
        graph_node = ox.NamedNode(base + graph)
        for path in files:
            store.extend(parse_file(path, graph=graph_node, base=base))


def load_paths(store: ox.Store, paths: Iterable[Path | str], base: str = DEFAULT_BASE) -> None:
    """RDF files or folders into the store's default graph (quad formats keep their graphs)."""
    for path in rdf_files(paths):
        store.extend(parse_file(path, base=base))


def load_vocabularies(store: ox.Store, files: Iterable[Path | str], base: str = DEFAULT_BASE) -> None:
    """Built reference vocabularies (N-Quads files of medkg.vocabularies, each holding its own
    named graph) into the store: streamed by Oxigraph's bulk loader under the default base, moved
    under ``base`` otherwise (errors name the file and line)."""
    for raw in files:
        path = Path(raw)
        if base != DEFAULT_BASE:
            store.extend(parse_file(path, base=base))
            continue
        try:
            store.bulk_load(path=path, format=rdf_format(path))
        except SyntaxError as error:
            raise RdfInputError(path, _parser_reason(error), error.lineno) from error
        except OSError as error:
            raise RdfInputError(path, error.strerror or str(error)) from error


def new_store(paths: Iterable[Path | str] | None = None, base: str = DEFAULT_BASE,
              vocab: Iterable[Path | str] = ()) -> ox.Store:
    """An in-memory store with the packaged graph, or with ``paths`` instead when given, plus the
    built reference vocabularies ``vocab`` (N-Quads files: medkg.vocabularies.cache.ensure_built)."""
    store = ox.Store()
    if paths:
        load_paths(store, paths, base)
    else:
        load_packaged(store, base)
    load_vocabularies(store, vocab, base)
    return store
