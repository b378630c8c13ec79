"""medkg: a structured medical knowledge graph with SHACL validation and a SPARQL-backed API.

The graph informs; it is not medical advice.
"""

from __future__ import annotations

__version__ = "0.1.0"
