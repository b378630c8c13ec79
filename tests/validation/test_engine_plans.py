"""The compiled engine's query plans: a SPARQL-based check gives the same results whether its focus
nodes are joined first or tested last, and a datatype check that leaves well-formed values out in
the query still reports every ill-typed literal that pyshacl reports."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from medkg.graph.loading import new_store
from medkg.validation import load_shapes, validate_graph, validate_store
from medkg.validation.engine import check_results, compile_shapes, subclass_closure
from medkg.validation.sparql_text import focus_tested_last

INVALID = Path(__file__).parents[1] / "fixtures" / "invalid"
UNREADABLE = {"syntax-error", "non-utf8", "empty"}


def _results(store: ox.Store, check: object, query: str) -> set[tuple[str, str, str]]:
    found = check_results(check, store.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]
    return {(str(r.focus_node), str(r.path), str(r.value)) for r in found}


@pytest.mark.parametrize("name", sorted(p.stem for p in INVALID.glob("*.ttl") if p.stem not in UNREADABLE) + ["packaged"])
def test_focus_first_and_focus_last_agree(name: str) -> None:
    store = new_store(None if name == "packaged" else [INVALID / f"{name}.ttl"])
    compiled = compile_shapes(load_shapes(), subclass_closure(store))
    offered = [c for c in compiled.checks if c.focus_last is not None]
    assert len(offered) >= 10  # the shapes whose SPARQL opens with a pattern on $this
    for check in offered:
        assert check.focus_last is not None
        assert _results(store, check, check.focus_last) == _results(store, check, check.query), check.source_shape


def test_the_faults_found_either_way_are_found() -> None:
    # Not vacuous: the fixtures make the checks that offer both plans report something.
    reported = set()
    for path in INVALID.glob("*.ttl"):
        if path.stem in UNREADABLE:
            continue
        store = new_store([path])
        for check in compile_shapes(load_shapes(), subclass_closure(store)).checks:
            if check.focus_last is not None and _results(store, check, check.focus_last):
                reported.add(str(check.source_shape).rsplit("/", 1)[-1])
    assert {"DanglingReferenceShape", "WebIriShape", "AxiomTripleShape", "ArticleSentenceShape"} <= reported
    # Property shapes without minCount, whose rows are their values: tested for the focus last too.
    assert {"code-notation-syntax", "affectsStructure-target-class", "affectsStructure-target-iri"} <= reported, reported


def test_a_triple_with_a_dangling_property_and_object_names_the_object_then_the_property(tmp_path: Path) -> None:
    # The one constraint of DanglingReferenceShape reports the object first; once it is corrected,
    # the property. Both are named in the same words.
    prop = "https://w3id.org/medkg/ontology/affectStructure"
    fixture = (INVALID / "undefined-property.ttl").read_text(encoding="utf-8")
    data = tmp_path / "both.ttl"
    data.write_text(fixture.replace("mkg:affectStructure medkg:fx-undefprop-sacrum", "mkg:affectStructure medkg:fx-undefprop-sacrm"),
                    encoding="utf-8")
    for path, (value, _) in ((data, ("https://w3id.org/medkg/concept/fx-undefprop-sacrm", 0)),
                             (INVALID / "undefined-property.ttl", (prop, 0))):
        report = validate_graph([path])
        dangling = [r for r in report.results if str(r.source_shape).endswith("DanglingReferenceShape")]
        assert [(str(r.focus_node).rsplit("/", 1)[-1], str(r.path), str(r.value)) for r in dangling] == [
            ("fx-undefprop-fracture", prop, value)], report.to_text()
        assert f"Links to or uses {value}, which is defined nowhere" in dangling[0].message


LEXICAL = {
    "boolean": ["true", "false", "1", "0", "yes", "01", "TRUE", " true", "truee"],
    "integer": ["0", "-7", "+7", "007", "1.0", "0x1", "1e3", "", "١٢"],
    "decimal": ["1", "1.", ".5", "-0.0", "+1.50", "1e3", "NaN", ".", "1,5"],
}


def test_datatype_checks_report_what_pyshacl_reports() -> None:
    shapes = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:boolean ; sh:datatype xsd:boolean ] ,
                        [ sh:path ex:integer ; sh:datatype xsd:integer ] ,
                        [ sh:path ex:decimal ; sh:datatype xsd:decimal ] .
    """)
    store = ox.Store()
    ex, xsd = "http://example.org/", "http://www.w3.org/2001/XMLSchema#"
    for kind, forms in LEXICAL.items():
        for i, form in enumerate(forms):
            node = ox.NamedNode(f"{ex}{kind}{i}")
            store.add(ox.Quad(node, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(ex + "Thing")))
            store.add(ox.Quad(node, ox.NamedNode(ex + kind), ox.Literal(form, datatype=ox.NamedNode(xsd + kind))))

    def found(engine: str) -> set[str]:
        return {str(r.focus_node) for r in validate_store(store, shapes=shapes, engine=engine).results}

    compiled = found("oxigraph")
    assert compiled == found("pyshacl")
    assert {f"{ex}boolean4", f"{ex}integer4", f"{ex}decimal8"} <= compiled  # yes, 1.0, 1,5 are ill-typed
    assert f"{ex}boolean2" not in compiled and f"{ex}decimal1" not in compiled


def test_an_ill_typed_value_is_reported_as_written(tmp_path: Path) -> None:
    # A curator searches the file for the value the report shows: "yes", not the "false" rdflib reads.
    import shutil

    from medkg.graph import resources

    data = tmp_path / "data"
    shutil.copytree(resources.data_dir(), data)
    with (data / "mappings.ttl").open("a", encoding="utf-8") as out:
        out.write('\n<http://purl.bioontology.org/ontology/ICD10CM/S32> '
                  '<https://w3id.org/medkg/ontology/billable> "yes"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n')
    text = validate_graph([data]).to_text()
    assert 'value "yes"^^xsd:boolean' in text, text
    assert '"false"^^xsd:boolean' not in text


@pytest.mark.parametrize(("select", "wrapped"), [
    ("SELECT $this WHERE { $this a ?c }", True),
    ("SELECT $this (COUNT(*) AS ?n) WHERE { $this ?p ?o } GROUP BY $this ORDER BY ?n LIMIT 5 # a note", True),
    ("SELECT $this WHERE { $this ?p ?o } GROUP BY $this HAVING (EXISTS { $this a ?c })", False),
    ("SELECT $this WHERE { $this ?p ?o FILTER (?o != \"}\") }", True),
    ("SELECT $this WHERE {\n $this a <http://example.org/C#x> . FILTER (?x != \"#\") }", True),
    ("SELECT $this WHERE {\n $this ?p ?o\n} # the end }", False),
])
def test_the_focus_last_form_wraps_the_group_or_declines(select: str, wrapped: bool) -> None:
    # The group runs first as a subquery; the solution modifiers stay outside it. A text whose
    # group's end cannot be told without a parser (a HAVING with braces) keeps the focus-first plan.
    last = focus_tested_last(select, "{ ?this a <http://example.org/C> }")
    assert (last is not None) == wrapped
    if last is not None:
        assert "{ SELECT * WHERE {" in last and "FILTER EXISTS { { ?this a <http://example.org/C> } }" in last
        store = ox.Store()
        store.add(ox.Quad(ox.NamedNode("http://example.org/x"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                          ox.NamedNode("http://example.org/C")))
        store.query(last.replace("$this", "?this"))  # parses, and runs
