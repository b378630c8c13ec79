"""The ceiling for any Python server here: medkg's own web stack answering a constant body.

The same app `medkg serve` runs (create_app, same middleware, same uvicorn options), with one more
lean route, /bare, in the very place /sparql sits, that returns a fixed small SPARQL JSON result
without touching a query worker. It also serves /fastapi-bare, the same body from a plain FastAPI
route, for comparison. Run: python benchmarks/bare_app.py --port 8001
"""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import Response

from medkg.app import create_app
from medkg.serve import uvicorn_options
from medkg.settings import Settings
from medkg.web.asgi import Receive, Scope, Send, respond

BODY = (
    b'{"head":{"vars":["p","o"]},"results":{"bindings":[{"p":{"type":"uri","value":'
    b'"http://www.w3.org/2000/01/rdf-schema#label"},"o":{"type":"literal","xml:lang":"en",'
    b'"value":"constant"}}]}}'
)


async def bare(scope: Scope, receive: Receive, send: Send) -> None:
    await respond(send, 200, BODY, b"application/sparql-results+json; charset=utf-8",
                  [(b"vary", b"Accept"), (b"access-control-allow-origin", b"*")])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    settings = Settings(host=args.host, port=args.port, workers=1)
    app = create_app(settings)
    app.lean_routes["/bare"] = bare

    @app.get("/fastapi-bare", include_in_schema=False)
    async def fastapi_bare() -> Response:
        return Response(BODY, media_type="application/sparql-results+json; charset=utf-8")

    uvicorn.run(app, **uvicorn_options(settings))


if __name__ == "__main__":
    main()
