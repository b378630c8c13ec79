"""The default graph of a write: the one a query sees, the union of the named graphs.

Queries on /sparql run with the union of the named graphs as their default graph. A write reads
and writes the same default graph:

- a pattern without GRAPH (DELETE WHERE, DELETE/INSERT ... WHERE) matches across the union;
- a triple deleted from the default graph is deleted from every named graph that holds it;
- a triple inserted into the default graph (INSERT DATA or INSERT without GRAPH, a Graph Store POST
  to ``?default``) goes to the data graph, <base>graph/data, unless the union holds it already.

CLEAR, DROP, COPY, MOVE and ADD of DEFAULT (and CLEAR / DROP of NAMED or ALL) would act on the
whole graph: they are refused (``whole_graph_refusal``), with the advice to name a graph.
"""

from __future__ import annotations

import pyoxigraph as ox

from medkg.graph.namespaces import DATA_GRAPH
from medkg.sparql.text import _tokens

_GRAPH_OPERATIONS = {"CLEAR", "DROP", "COPY", "MOVE", "ADD"}
DEFAULT = ox.DefaultGraph()


_WHOLE = {"DEFAULT": "the default graph, which is the union of every named graph (the whole graph)",
          "NAMED": "every named graph (the whole graph)", "ALL": "every graph (the whole graph)"}


def whole_graph_operation(sparql: str) -> tuple[str, str] | None:
    """(keyword, target) of the first graph-management operation in ``sparql`` whose target is
    DEFAULT, NAMED or ALL (CLEAR/DROP SILENT? DEFAULT|NAMED|ALL; COPY/MOVE/ADD SILENT? ... with
    DEFAULT on either side: SPARQL 1.1 Update, 3.2), or None."""
    words = [t.upper() for t in _tokens(sparql)]
    for i, word in enumerate(words):
        if word not in _GRAPH_OPERATIONS:
            continue
        start = i + 2 if words[i + 1:i + 2] == ["SILENT"] else i + 1
        if word in ("CLEAR", "DROP"):
            if words[start:start + 1] and words[start] in _WHOLE:
                return word, words[start]
        elif "DEFAULT" in words[start:start + 5]:  # (GRAPH? x | DEFAULT) TO (GRAPH? x | DEFAULT)
            return word, "DEFAULT"
    return None


def whole_graph_refusal(sparql: str, base: str) -> str | None:
    """The reason to refuse ``sparql`` when it clears, drops, copies, moves or adds DEFAULT, NAMED or
    ALL (it would act on the whole curated graph), naming the graph to use instead; else None."""
    found = whole_graph_operation(sparql)
    if found is None:
        return None
    keyword, target = found
    return (f"{keyword} {target} would act on {_WHOLE[target]}, so it is refused: name the graph instead, "
            f"e.g. {keyword} GRAPH <{data_graph(base).value}>")


def data_graph(base: str) -> ox.NamedNode:
    """Where a triple written to the default graph goes: <base>graph/data."""
    return ox.NamedNode(base + DATA_GRAPH)


def _triple(q: ox.Quad) -> ox.Triple:
    return ox.Triple(q.subject, q.predicate, q.object)


def union_as_default(store: ox.Store) -> set[ox.Triple]:
    """Puts every triple of the named graphs into ``store``'s default graph too, as queries see it
    (one SPARQL update, run by the engine). Returns the default graph's own triples before."""
    own = {_triple(q) for q in store.quads_for_pattern(None, None, None, DEFAULT)}
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return own


# Triples a named graph holds and the default graph no longer does; triples the default graph
# holds and no named graph does. Both are anti-joins the engine runs, so a fold costs what the
# update changed, not a pass over the graph in Python.
_LEFT_NAMED = "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER NOT EXISTS { ?s ?p ?o } }"
_ONLY_DEFAULT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } }"


def fold_default(store: ox.Store, live: ox.Store, own: set[ox.Triple], base: str) -> None:
    """After an update on a copy of ``live`` prepared by ``union_as_default``: a triple the update
    deleted from the default graph is deleted from every graph holding it; one it inserted goes to
    the data graph (unless a named graph holds it now); the default graph keeps its own triples
    (``own``), less those deleted."""
    def was_seen(t: ox.Triple) -> bool:  # in the default graph the update started from
        return any(True for _ in live.quads_for_pattern(t.subject, t.predicate, t.object, None))

    rows = lambda query: [ox.Triple(*row) for row in store.query(query)]  # type: ignore[misc, union-attr]
    # Left in a named graph but not in the default: deleted, if the update saw it (else it was
    # inserted into that named graph, and stays).
    deleted = {t for t in rows(_LEFT_NAMED) if was_seen(t)}
    deleted |= {t for t in own if ox.Quad(t.subject, t.predicate, t.object, DEFAULT) not in store}
    inserted = [t for t in rows(_ONLY_DEFAULT) if not was_seen(t)]
    store.clear_graph(DEFAULT)
    store.extend([ox.Quad(t.subject, t.predicate, t.object, DEFAULT) for t in own - deleted])
    for t in deleted:
        for q in list(store.quads_for_pattern(t.subject, t.predicate, t.object, None)):
            store.remove(q)
    graph = data_graph(base)
    store.extend([ox.Quad(t.subject, t.predicate, t.object, graph) for t in inserted])


def data_change(live: ox.Store, operations: list[tuple[str, list[ox.Quad]]], base: str
                ) -> tuple[set[ox.Quad], set[ox.Quad]]:
    """(added, removed) quads of INSERT DATA / DELETE DATA operations applied in order to ``live``,
    a triple of the default graph read as this module says (deleted from every graph holding it,
    inserted into the data graph unless the union holds it)."""
    added: set[ox.Quad] = set()
    removed: set[ox.Quad] = set()
    graph = data_graph(base)

    def holding(q: ox.Quad) -> list[ox.Quad]:  # the quads of the current state with q's triple
        found = [x for x in live.quads_for_pattern(q.subject, q.predicate, q.object, None) if x not in removed]
        return found + [x for x in added if _triple(x) == _triple(q)]

    for kind, quads in operations:  # in order: a later operation may undo an earlier one
        for q in quads:
            if q.graph_name == DEFAULT:
                if kind == "INSERT":
                    if holding(q):
                        continue
                    q = ox.Quad(q.subject, q.predicate, q.object, graph)
                else:
                    for held in holding(q):
                        _delete(held, live, added, removed)
                    continue
            if kind == "INSERT":
                if q in removed:
                    removed.discard(q)
                elif q not in live:
                    added.add(q)
            else:
                _delete(q, live, added, removed)
    return added, removed


def _delete(q: ox.Quad, live: ox.Store, added: set[ox.Quad], removed: set[ox.Quad]) -> None:
    if q in added:
        added.discard(q)
    elif q in live:
        removed.add(q)
