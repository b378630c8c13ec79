"""medkg's CSV, SPARQL XML and RDF/XML writers (medkg.sparql.writers) against the engine's own,
on N generated triples (default 200,000) whose literals hold commas. Best of 3, in ms.

    python benchmarks/writers_bench.py [N]
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from typing import IO

import pyoxigraph as ox

from medkg.sparql import writers


def best_of(runs: int, write: Callable[[IO[bytes]], object]) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(runs):
        output = io.BytesIO()
        start = time.perf_counter()
        write(output)
        best = min(best, time.perf_counter() - start)
        size = len(output.getvalue())
    return best * 1000, size


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    store = ox.Store()
    store.bulk_extend(ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"),
                              ox.Literal(f"label number {i}, with a comma"), ox.DefaultGraph()) for i in range(count))
    select, construct = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", "CONSTRUCT WHERE { ?s ?p ?o }"
    cases = {
        "CSV, engine": lambda o: store.query(select).serialize(o, format=ox.QueryResultsFormat.CSV),
        "CSV, medkg": lambda o: writers.write_csv(store.query(select), o),
        "SPARQL XML, engine": lambda o: store.query(select).serialize(o, format=ox.QueryResultsFormat.XML),
        "SPARQL XML, medkg": lambda o: writers.write_xml_results(store.query(select), o),
        "RDF/XML, engine": lambda o: ox.serialize(store.query(construct), o, format=ox.RdfFormat.RDF_XML),
        "RDF/XML, medkg": lambda o: writers.write_rdfxml(store.query(construct), o, {}),
        "SPARQL JSON, engine (for scale)": lambda o: store.query(select).serialize(o, format=ox.QueryResultsFormat.JSON),
    }
    for name, write in cases.items():
        ms, size = best_of(3, write)
        print(f"{name:34} {ms:8.0f} ms  {size / 1e6:6.1f} MB")


if __name__ == "__main__":
    main()
