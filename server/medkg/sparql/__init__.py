"""SPARQL: running queries on a store and serving them safely, for `medkg query` and /sparql.

Public entry points: ``query.run_query`` / ``query.serialize`` (one query on a store, results in a
W3C format), ``engine.QueryEngine`` (a pool of killable query worker processes with deadlines,
a response cache in ``cache``), ``formats`` (result and graph media types, Accept negotiation),
``description`` (the SPARQL 1.1 Service Description and VoID counts), ``text`` (lexing SPARQL text:
dataset clauses, SERVICE, nesting), ``client`` (a query function over a store or any SPARQL 1.1
endpoint). Internals: ``worker`` (the forked processes), ``wire`` (their framing), ``sandbox``
(their limits), ``requests`` (what the engine takes and raises).

May import: medkg.graph.
"""
