"""The SSSOM table carries each mapping's reason (the mapping axiom's rdfs:comment) in `comment`."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox

from medkg.concepts import ConceptService
from medkg.sparql.client import store_client


def test_every_mapping_row_gives_its_reason(packaged_store: ox.Store) -> None:
    text = ConceptService(store_client(packaged_store)).sssom()
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    rows = list(csv.DictReader(io.StringIO(body), delimiter="\t"))
    assert len(rows) >= 30
    assert all(row["comment"] for row in rows)
    s32 = next(r for r in rows if r["object_id"] == "ICD10CM:S32.1")
    assert s32["predicate_id"] == "skos:narrowMatch" and "injury chapter" in s32["comment"]
