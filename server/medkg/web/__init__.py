"""The HTTP layer: one module per resource (sparql, graph_store, concepts, pages, health), on the
ASGI helpers of ``asgi`` and ``http``. Routes only translate HTTP to calls of the core and back.

May import: every core package and medkg.settings; the core never imports from here.
"""
