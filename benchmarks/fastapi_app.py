"""The design the SPARQL endpoint issue measured as its baseline: a plain FastAPI route over pyoxigraph.

One `def` route (FastAPI runs it in its threadpool; pyoxigraph releases the GIL while it evaluates)
that runs the query on an in-memory store loaded from an N-Triples file and returns the engine's
SPARQL JSON. No limits: a query runs until it ends, which is why medkg does not serve this way.
uvicorn with its defaults (uvloop and httptools when installed, as for medkg).

    python benchmarks/fastapi_app.py FILE.nt --port 8002
"""

from __future__ import annotations

import argparse

import pyoxigraph as ox
import uvicorn
from fastapi import FastAPI, Response


def create(data: str) -> FastAPI:
    store = ox.Store()
    store.bulk_load(path=data, format=ox.RdfFormat.N_TRIPLES)
    app = FastAPI()

    @app.get("/sparql")
    def sparql(query: str) -> Response:
        result = store.query(query, use_default_graph_as_union=True)
        return Response(result.serialize(format=ox.QueryResultsFormat.JSON),
                        media_type="application/sparql-results+json")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    args = parser.parse_args()
    uvicorn.run(create(args.data), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
