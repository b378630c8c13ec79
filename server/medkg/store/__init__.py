"""Where the served graph lives: in memory, on disk (RocksDB), or on a remote SPARQL server.

Public entry points: ``backends.backend_for`` (the backend of a --store value: memory, DIR or URL),
``disk.OnDiskBackend`` (a persistent store reused across restarts), ``remote.RemoteStore`` and
``remote_engine.RemoteEngine`` (a SPARQL 1.1 server behind --store), ``remote_load.load_into``
(`medkg load --into URL`), ``export.export_store`` (`medkg export`: the graph as Turtle files).

May import: medkg.graph, medkg.sparql, medkg.validation.
"""
