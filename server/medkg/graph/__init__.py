"""The RDF graph itself: the IRIs medkg mints, where the packaged Turtle lives, how it is loaded.

Public entry points: ``namespaces`` (base, prefixes, CURIE converter), ``resources`` (the packaged
ontology/, data/, shapes/ and queries/), ``loading.new_store`` (the graph in a pyoxigraph store, each
file in its named graph, moved under a base), ``turtle.TurtleWriter`` (Turtle written the way data/
is), ``reach`` (transitive closures over edges).

May import: nothing else of medkg (the bottom layer).
"""
