"""The named graphs an update's graph-management operations change (SPARQL 1.1 Update, section 3.2).

CLEAR, DROP and CREATE change the graph they name; ADD, COPY and MOVE their destination, and MOVE
its source too. A write is refused for changing a read-only graph (an imported vocabulary's) by
looking at the quads it changes; these operations are checked by name as well, before they run,
because the engine may refuse them first for its own reasons ("DROP GRAPH <g>" of a graph this
store lacks is an error; "DROP SILENT" of it changes nothing): the curator is then told that the
graph may not be written, not that it is missing.

The update is read with rdflib's SPARQL 1.1 Update parser, which resolves BASE, PREFIX and the
prefixes medkg predeclares (``prefixes``). An update it cannot read yields no names: the engine
then judges it, and the check of the changed quads still applies.
"""

from __future__ import annotations

from medkg.sparql.text import _tokens

_MANAGEMENT = {"CLEAR", "DROP", "CREATE", "ADD", "COPY", "MOVE"}


def operation_graphs(sparql: str, prefixes: dict[str, str]) -> tuple[set[str], set[str]]:
    """(changed, sources): the IRIs of the named graphs that ``sparql``'s CLEAR / DROP / CREATE /
    ADD / COPY / MOVE operations change, and of those its ADD / COPY / MOVE read from. DEFAULT,
    NAMED and ALL are not graphs named here (see ``default_graph.whole_graph_refusal``). Both empty
    for an update with none of these keywords, or one rdflib cannot parse.

    SPARQL 1.1 Update (3.2.3-3.2.5) makes a missing source an error unless SILENT, where the effect
    is the implementation's: Oxigraph copies the empty graph, so "COPY <typo> TO <data>" would empty
    the data graph. The caller refuses a source the store lacks, SILENT or not."""
    if not _MANAGEMENT & {token.upper() for token in _tokens(sparql)}:
        return set(), set()
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate
    from rdflib.term import URIRef

    try:
        update = translateUpdate(parseUpdate(sparql), initNs=prefixes)
    except (ParseException, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return set(), set()  # not SPARQL 1.1 as rdflib reads it: the engine gives its own error
    changed: set[str] = set()
    sources: set[str] = set()
    for operation in update.algebra:
        if operation.name in ("Clear", "Drop", "Create"):
            targets = [operation.get("graphiri")]
        elif operation.name in ("Add", "Copy", "Move"):
            source, destination = operation["graph"]  # [from, to]: an IRI or "DEFAULT"
            targets = [destination, source] if operation.name == "Move" else [destination]
            if isinstance(source, URIRef):
                sources.add(str(source))
        else:
            continue
        changed.update(str(graph) for graph in targets if isinstance(graph, URIRef))  # not DEFAULT, ALL...
    return changed, sources
