"""Reading RDF files into an Oxigraph store, with errors that name the file and the line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from medkg.graph import resources
from medkg.graph.digests import has_recorded_bytes
from medkg.graph.namespaces import DATA_GRAPH, DEFAULT_BASE, ONTOLOGY_GRAPH, moved


class RdfInputError(Exception):
    """An RDF input that cannot be read or parsed. The message names the file (and line)."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"cannot read {where}: {reason}")


# The extensions read as RDF, and nothing else: Oxigraph alone would also read a .txt as N-Triples,
# a .xml as RDF/XML and a .json as JSON-LD, so notes and configuration in a data folder would be
# parsed (or fail as RDF) instead of being left alone.
RDF_EXTENSIONS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,  # OWL ontologies as published (OBO, BioPortal): RDF/XML
    ".jsonld": ox.RdfFormat.JSON_LD,
}
RDF_EXTENSIONS_TEXT = ", ".join(RDF_EXTENSIONS)


def rdf_format(path: Path) -> ox.RdfFormat:
    """The RDF syntax of a file, from its extension (RDF_EXTENSIONS, any case); RdfInputError for
    any other extension."""
    fmt = RDF_EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        what = f"its extension {path.suffix!r}" if path.suffix else "it has no extension"
        raise RdfInputError(path, f"not an RDF file by its name ({what}); RDF files end in {RDF_EXTENSIONS_TEXT}: "
                                  "rename it, or leave it out")
    return fmt


@dataclass(frozen=True)
class RdfSelection:
    """What a list of files and folders holds: the RDF files to read, and what was left out."""

    files: list[Path]
    skipped: list[Path]  # inside folders: files that are not RDF by their extension, hidden files and folders


def select_rdf(paths: Iterable[Path | str], *, suffixes: tuple[str, ...] | None = None) -> RdfSelection:
    """Files named, and the RDF files found (recursively, sorted) in folders named, by extension
    (``suffixes``, else RDF_EXTENSIONS); files named explicitly are always kept (and refused later
    when not RDF). Hidden files and folders (.DS_Store, .git/) are left out, not looked into.

    A folder with no such file is an RdfInputError: read as "nothing", it would pass validation
    or serve an empty graph without a word."""
    wanted = tuple(s.lower() for s in suffixes) if suffixes else tuple(RDF_EXTENSIONS)
    found: list[Path] = []
    skipped: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside: list[Path] = []
            _walk(path, wanted, inside, skipped)
            if not inside:
                kinds = " or ".join(wanted)
                raise RdfInputError(path, f"the folder holds no {kinds} files; give a folder or files with the graph")
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            raise RdfInputError(path, "no such file or folder")
    return RdfSelection(found, skipped)


def _walk(folder: Path, wanted: tuple[str, ...], found: list[Path], skipped: list[Path]) -> None:
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            skipped.append(entry)
        elif entry.is_dir():
            _walk(entry, wanted, found, skipped)
        elif entry.is_file() and entry.suffix.lower() in wanted:
            found.append(entry)
        else:
            skipped.append(entry)


def rdf_files(paths: Iterable[Path | str], *, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    """The files to read of ``paths`` (select_rdf: what is not RDF by its extension is left out)."""
    return select_rdf(paths, suffixes=suffixes).files


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
    under ``base`` otherwise (errors name the file and line).

    A file whose bytes are those its build recorded (medkg.graph.digests.has_recorded_bytes) is
    parsed leniently (no IRI or language tag checks: 11.5 s, not 14 s, for the 3.8M quads of all
    three): the build parsed and validated those bytes strictly. Any other file is parsed strictly."""
    for raw in files:
        path = Path(raw)
        if base != DEFAULT_BASE:
            store.extend(parse_file(path, base=base))
            continue
        try:
            store.bulk_load(path=path, format=rdf_format(path), lenient=has_recorded_bytes(path))
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
