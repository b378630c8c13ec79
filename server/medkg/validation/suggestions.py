"""Did you mean...: for a result whose value is an IRI defined nowhere, the nearest IRI the graph
defines in the same namespace (a typo such as mkg:affectStructure for mkg:affectsStructure)."""

from __future__ import annotations

from dataclasses import replace

import pyoxigraph as ox
from rdflib import Literal, URIRef

from medkg.validation.report import ValidationResult

MIN_SCORE = 80  # rapidfuzz's ratio (0-100): one or two characters off in a local name of ten or more


def with_suggestions(store: ox.Store, results: list[ValidationResult]) -> list[ValidationResult]:
    """``results``, each whose value is an IRI that is no triple's subject in ``store`` given the
    IRI of the same namespace (up to its last / or #) with an rdf:type whose local name is nearest
    (rapidfuzz ratio >= MIN_SCORE), if any. Reads the store only when there is such a value."""
    undefined = {r.value for r in results if isinstance(r.value, URIRef)
                 and next(store.quads_for_pattern(ox.NamedNode(str(r.value)), None, None), None) is None}
    if not undefined:
        return results
    from rapidfuzz import fuzz, process

    nearest: dict[URIRef, URIRef] = {}
    known: dict[str, dict[str, str]] = {}  # namespace -> local name -> IRI
    for iri in sorted(undefined):
        namespace, local = _split(str(iri))
        if not local:
            continue
        if namespace not in known:
            known[namespace] = {_split(s)[1]: s for s in _typed(store, namespace)}
        match = process.extractOne(local, list(known[namespace]), scorer=fuzz.ratio, score_cutoff=MIN_SCORE)
        if match is not None:
            nearest[iri] = URIRef(known[namespace][match[0]])
    return [replace(r, suggestion=nearest[r.value]) if r.value in nearest else r for r in results]  # type: ignore[index]


def _split(iri: str) -> tuple[str, str]:
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    return iri[:cut], iri[cut:]


def _typed(store: ox.Store, namespace: str) -> list[str]:
    query = ("SELECT DISTINCT ?s WHERE { ?s a ?kind "
             f"FILTER (isIRI(?s) && STRSTARTS(STR(?s), {Literal(namespace).n3()})) }}")
    solutions = store.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return [row["s"].value for row in solutions]
