"""The SPARQL 1.1 Service Description of the endpoint, with VoID statistics of its dataset.

Spec: https://www.w3.org/TR/sparql11-service-description/ and https://www.w3.org/TR/void/.
Statistics are counted when the server starts (or read from where an on-disk store keeps them)
and followed after each write (medkg.store.statistics); the description is built per endpoint
URL (it names the URL it was fetched from).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from medkg.graph.namespaces import prefixes
from medkg.sparql import formats

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


@dataclass(frozen=True)
class GraphStatistics:
    """VoID counts of one graph; ``name`` is None for the default graph (the union of all)."""

    name: str | None
    triples: int
    distinct_subjects: int
    properties: int
    distinct_objects: int
    classes: int


def _first_row(store: ox.Store, query: str, graph: str | None) -> ox.QuerySolution:
    if graph:
        result = store.query(query, default_graph=ox.NamedNode(graph))
    else:
        result = store.query(query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    row: ox.QuerySolution = next(iter(result))
    return row


def _int(row: ox.QuerySolution, index: int) -> int:
    term = row[index]
    return int(term.value) if isinstance(term, ox.Literal) else 0


def graph_statistics(store: ox.Store, graph: str | None) -> GraphStatistics:
    """The VoID counts of named graph ``graph``, or of the default graph (the union) for None."""
    row = _first_row(store, "SELECT (COUNT(*) AS ?t) (COUNT(DISTINCT ?s) AS ?s_) (COUNT(DISTINCT ?p) AS ?p_) "
                            "(COUNT(DISTINCT ?o) AS ?o_) WHERE { ?s ?p ?o }", graph)
    classes = _first_row(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?x a ?c }", graph)
    return GraphStatistics(graph, _int(row, 0), _int(row, 1), _int(row, 2), _int(row, 3), _int(classes, 0))


def dataset_statistics(store: ox.Store) -> list[GraphStatistics]:
    """Counts for the default graph (union of all graphs), then each named graph by name."""
    names = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    return [graph_statistics(store, None), *(graph_statistics(store, name) for name in names)]


def service_description(
    endpoint: str, statistics: list[GraphStatistics], *, read_only: bool = True, data_graph: str | None = None
) -> list[ox.Triple]:
    """The description of the endpoint at ``endpoint`` as RDF triples (SPARQL 1.1 Service
    Description, with VoID counts). With updates (``read_only`` False), an rdfs:comment says which
    default graph they see and where an INSERT without GRAPH goes (``data_graph``)."""
    sd = lambda local: ox.NamedNode(SD + local)
    void = lambda local: ox.NamedNode(VOID + local)
    service = ox.NamedNode(endpoint + "#service")
    triples = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        # The default graph is the union of the named graphs; an empty dataset is not an error.
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("feature"), sd("EmptyGraphs")),
    ]
    if not read_only:
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
        where = f" <{data_graph}>" if data_graph else " the data graph"
        triples.append(ox.Triple(service, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), ox.Literal(
            "SPARQL Update sees the default graph queries see, the union of the named graphs: a pattern without "
            "GRAPH matches across it, a triple deleted from it is deleted from every graph holding it, and a "
            f"triple inserted without GRAPH goes to{where}. CLEAR, DROP, COPY, MOVE and ADD name a graph, "
            "never DEFAULT, NAMED or ALL. An update that changes nothing is answered 409.", language="en")))
    for fmt in (*formats.RESULTS_FORMATS, *formats.GRAPH_FORMATS):
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(fmt.iri)))
    dataset = ox.BlankNode("dataset")
    triples += [
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, RDF_TYPE, void("Dataset")),
        ox.Triple(dataset, void("sparqlEndpoint"), ox.NamedNode(endpoint)),
    ]
    for index, stats in enumerate(statistics):
        graph = ox.BlankNode(f"graph{index}")
        if stats.name is None:
            triples.append(ox.Triple(dataset, sd("defaultGraph"), graph))
        else:
            named = ox.BlankNode(f"named{index}")
            triples += [
                ox.Triple(dataset, sd("namedGraph"), named),
                ox.Triple(named, RDF_TYPE, sd("NamedGraph")),
                ox.Triple(named, sd("name"), ox.NamedNode(stats.name)),
                ox.Triple(named, sd("graph"), graph),
            ]
        triples += [
            ox.Triple(graph, RDF_TYPE, sd("Graph")),
            ox.Triple(graph, void("triples"), _integer(stats.triples)),
            ox.Triple(graph, void("distinctSubjects"), _integer(stats.distinct_subjects)),
            ox.Triple(graph, void("properties"), _integer(stats.properties)),
            ox.Triple(graph, void("distinctObjects"), _integer(stats.distinct_objects)),
            ox.Triple(graph, void("classes"), _integer(stats.classes)),
        ]
    return triples


def sd(local: str) -> ox.NamedNode:
    return ox.NamedNode(SD + local)


def void(local: str) -> ox.NamedNode:
    return ox.NamedNode(VOID + local)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD_INTEGER)


def serialize_description(triples: list[ox.Triple], fmt: formats.Format) -> bytes:
    """The description in one of the graph formats."""
    names = {"sd": SD, "void": VOID, **{k: v for k, v in prefixes().items() if k in ("rdf", "xsd")}}
    engine = fmt.engine
    assert isinstance(engine, ox.RdfFormat)
    if engine in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        out = ox.serialize(triples, format=engine, prefixes=names)
    else:
        out = ox.serialize(triples, format=engine)
    assert out is not None
    return out
