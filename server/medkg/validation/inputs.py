"""What validation reads: the graph's files into a store, and the shapes (moved under a base).

Both are parsed by Oxigraph (data) and rdflib (shapes, for the compiler and pyshacl); an unreadable or
unparsable file raises RdfInputError naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from medkg.graph import resources
from medkg.graph.loading import RdfInputError, parse_file, rdf_files, rdf_format
from medkg.graph.namespaces import DATA_GRAPH, DEFAULT_BASE, ONTOLOGY_GRAPH, moved

Progress = Callable[[int, int, str], None]
"""Called as progress(done, total, what) while validating."""

OWL_ONTOLOGY = ox.NamedNode("http://www.w3.org/2002/07/owl#Ontology")

RDFLIB_FORMATS = {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig", ".rdf": "xml", ".jsonld": "json-ld"}


def rebased(graph: Graph, base: str) -> Graph:
    """An rdflib graph with its default-base IRIs moved under ``base`` (as medkg.graph.loading.rebase)."""
    def move(term: Node) -> Node:
        if isinstance(term, URIRef):
            return URIRef(moved(term, base))
        if isinstance(term, Literal) and term.datatype is not None and term.datatype.startswith(DEFAULT_BASE):
            return Literal(term, datatype=URIRef(moved(term.datatype, base)))  # only those: keep literals as written
        return term

    out = Graph()
    for s, p, o in graph:
        out.add((move(s), move(p), move(o)))
    return out


def load_data(paths: Sequence[Path | str] | None = None, *, progress: Progress | None = None,
              base: str = DEFAULT_BASE) -> tuple[ox.Store, list[Path]]:
    """An in-memory store with the ontology and the facts, each in its named graph, under ``base``."""
    store = ox.Store()
    ontology_graph = ox.NamedNode(base + ONTOLOGY_GRAPH)
    data_graph = ox.NamedNode(base + DATA_GRAPH)
    ontology_files = rdf_files([resources.ontology_dir()], suffixes=(".ttl",))
    if paths:
        data_files = rdf_files(paths)  # every RDF file, as `medkg serve` serves them
    else:
        data_files = rdf_files([resources.data_dir()], suffixes=(".ttl",))
    for i, path in enumerate(data_files):
        if progress:
            progress(i, len(data_files), f"reading {path.name}")
        _load_file(store, path, data_graph, base)
    files = list(data_files)
    # User paths replace the facts; they bring their own ontology only if they declare one.
    if not paths or not any(True for _ in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), OWL_ONTOLOGY)):
        for path in ontology_files:
            _load_file(store, path, ontology_graph, base)
        files = ontology_files + files
    return store, files


def _load_file(store: ox.Store, path: Path, graph: ox.NamedNode, base: str = DEFAULT_BASE) -> None:
    """Parses one file into ``graph`` in Rust (no Python objects per triple), errors with the line.
    Under another base, its IRIs are moved there (in Python, per triple: medkg.graph.loading)."""
    fmt = rdf_format(path)
    if base != DEFAULT_BASE or fmt.supports_datasets:  # quads too go into ``graph``
        store.extend(parse_file(path, graph=graph, base=base))
        return
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RdfInputError(path, error.strerror or str(error)) from error
    if not re.search(rb"\S", data):
        raise RdfInputError(path, "the file is empty")
    try:
        store.load(data, format=fmt, base_iri=path.resolve().as_uri(), to_graph=graph)
    except SyntaxError as error:
        text = str(error.msg or error)
        reason = text.removeprefix("Parser error ")
        reason = re.sub(r"^at line \d+ column \d+: ", "", reason)
        raise RdfInputError(path, reason, error.lineno) from error


def load_shapes(paths: Sequence[Path | str] | None = None, base: str = DEFAULT_BASE) -> Graph:
    """The shapes graph: shapes/*.ttl (top level only: shapes/ subfolders are not data shapes).

    The shapes are written for the default base; for a graph served under another ``base``, every
    project IRI they name (classes, properties, the base itself in SPARQL filters) is moved under
    it, as medkg.graph.loading.rebase moves the data. The shapes keep their own names."""
    if paths:
        return _parse_shapes(tuple(str(p) for p in rdf_files(paths, suffixes=(".ttl",))), base)
    return _parse_shapes(tuple(str(p) for p in sorted(resources.shapes_dir().glob("*.ttl"))), base)


# The default base where it starts a project IRI, but not a shape's name.
_PROJECT_IRI = re.compile(re.escape(DEFAULT_BASE) + "(?!shapes/)")


@cache
def _parse_shapes(files: tuple[str, ...], base: str = DEFAULT_BASE) -> Graph:
    g = Graph()
    for f in files:
        try:
            if base == DEFAULT_BASE:
                g.parse(f, format="turtle")
            else:  # as text: the base also appears inside SPARQL strings
                text = _PROJECT_IRI.sub(lambda _: base, Path(f).read_text(encoding="utf-8"))
                g.parse(data=text, format="turtle", publicID=Path(f).resolve().as_uri())
        except Exception as error:  # rdflib raises several types; all mean a broken shapes file
            raise RdfInputError(f, str(error)) from error
    return g
