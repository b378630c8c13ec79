"""The HTTP layer: one module per resource. The core modules never import from here."""
