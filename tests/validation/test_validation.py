"""medkg.validation: the packaged graph conforms, each bad fixture is caught as a curator expects,
and the compiled engine (SPARQL on Oxigraph) reports what pyshacl reports."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, SH

from medkg.graph.loading import RdfInputError
from medkg.validation import load_data, validate_graph
from medkg.validation.report import ValidationResult

FIXTURES = Path(__file__).parents[1] / "fixtures"
INVALID = FIXTURES / "invalid"
SHAPES = "https://w3id.org/medkg/shapes/"
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

# fixture -> {(severity, shape local name)} that it must raise, and nothing else; and a word of
# the message that must be there (the fix).
EXPECTED: dict[str, tuple[set[tuple[str, str]], str]] = {
    "missing-label": ({("Violation", "prefLabel-required")}, "add one skos:prefLabel"),
    "two-labels": ({("Violation", "prefLabel-one-per-language")}, "two preferred labels"),
    "untagged-label": ({("Violation", "prefLabel-english")}, '"..."@en'),
    "missing-definition": (
        {("Warning", "definition-required"), ("Warning", "definitionSource-required")},
        "add skos:definition",
    ),
    "literal-for-concept": (
        {("Violation", "affectsStructure-target-iri"), ("Violation", "affectsStructure-target-class")},
        "literal where a concept belongs",
    ),
    "wrong-target-class": ({("Violation", "hasSymptom-target-class")}, "must point at a sign or symptom"),
    "wrong-subject-class": ({("Violation", "partOf-subject")}, "not an anatomical structure"),
    "malformed-icd-code": (
        {("Violation", "exactMatch-code-syntax"), ("Violation", "code-notation-syntax")},
        "ICD10CM:S32.1",
    ),
    "malformed-hpo-code": (
        {("Violation", "exactMatch-code-syntax"), ("Violation", "code-notation-syntax"), ("Violation", "CodeConsistencyShape")},
        "seven digits",
    ),
    "code-without-label": ({("Violation", "MappedCodeDescribedShape")}, "has no official label"),
    "curie-as-iri": ({("Violation", "WebIriShape"), ("Violation", "exactMatch-code-syntax")}, "not a web IRI"),
    "dangling-iri": (
        {("Violation", "DanglingReferenceShape"), ("Violation", "affectsStructure-target-class")},
        "defined nowhere",
    ),
    "undefined-property": ({("Violation", "DanglingReferenceShape")}, "uses https://w3id.org/medkg/ontology/affectStructure, which is defined nowhere"),
    "missing-provenance": ({("Violation", "RelationProvenanceShape")}, "add an owl:Axiom"),
    "unjustified-mapping": ({("Warning", "MappingJustificationShape")}, "sssom:mapping_justification"),
    "missing-sentence": ({("Violation", "ArticleSentenceShape")}, "prov:wasDerivedFrom"),
    "axiom-without-triple": ({("Violation", "AxiomTripleShape")}, "not in the graph"),
    "disjoint-kinds": ({("Violation", "DisjointKindsShape"), ("Violation", "OneKindShape")}, "declares disjoint"),
    "two-kinds": ({("Violation", "OneKindShape")}, "exactly one"),
    "no-kind": ({("Violation", "KindRequiredShape"), ("Violation", "definitionSource-subject")}, "no kind"),
    "bad-sentence-number": ({("Violation", "sentenceNumber-datatype")}, "positiveInteger"),
    "broader-cycle": ({("Violation", "BroaderCycleShape")}, "loop"),
    "corrected-fact-cites-sentence": ({("Violation", "CorrectedFactShape")}, "cites only the record"),
    "misnomer-as-exact": ({("Violation", "MisnomerRelatedShape")}, "only a related synonym"),
    "fracture-injury-code": ({("Violation", "FractureInjuryCodeShape")}, "skos:narrowMatch"),
}
UNREADABLE = {"syntax-error": 9, "empty": None, "non-utf8": 6}  # file -> line the error names
# Advice, not a fault: raised on every condition or symptom without a code (most fixtures have one),
# checked on its own below.
NO_CODE = ("Info", "CodedConditionShape")


def _local(node: object) -> str:
    return str(node).removeprefix(SHAPES)


def test_packaged_graph_conforms() -> None:
    report = validate_graph()
    assert report.conforms, report.to_text()
    assert {r.severity for r in report.results} <= {"Info"}  # no warning either
    assert report.triples > 1000


def test_every_invalid_fixture_is_listed() -> None:
    assert {p.stem for p in INVALID.glob("*.ttl")} == set(EXPECTED) | set(UNREADABLE)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_is_caught(name: str) -> None:
    expected, fix = EXPECTED[name]
    report = validate_graph([INVALID / f"{name}.ttl"])
    found = {(r.severity, _local(r.source_shape)) for r in report.results} - {NO_CODE}
    assert found == expected, report.to_text()
    assert any(fix in r.message for r in report.results), report.to_text()
    assert report.conforms == all(severity != "Violation" for severity, _ in expected)
    for r in report.results:  # every result says where: a labelled node, or an axiom's triple
        assert r.focus_label or isinstance(r.focus_node, Literal) or name == "missing-label", r
        assert "{?" not in r.message and "{$" not in r.message, r.message  # every placeholder filled (e.g. kinds' labels)


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_unreadable_fixture_names_file_and_line(name: str) -> None:
    path = INVALID / f"{name}.ttl"
    with pytest.raises(RdfInputError) as caught:
        validate_graph([path])
    assert caught.value.path == str(path)
    assert caught.value.line == UNREADABLE[name]
    assert path.name in str(caught.value)


def test_valid_fixture_conforms() -> None:
    report = validate_graph([FIXTURES / "valid"])
    assert report.conforms and not report.warnings, report.to_text()


def test_condition_without_code_is_an_info() -> None:
    report = validate_graph([FIXTURES / "valid"])  # its fracture has no ICD-10-CM mapping
    assert [(r.severity, _local(r.source_shape), str(r.focus_node)) for r in report.results] == [
        (*NO_CODE, "https://w3id.org/medkg/concept/fx-valid-fracture")
    ]
    assert "add a SKOS mapping" in report.results[0].message
    assert report.conforms  # an Info is advice: exit 0


def test_user_paths_bring_the_packaged_ontology_unless_they_declare_one(tmp_path: Path) -> None:
    _, files = load_data([FIXTURES / "valid" / "minimal.ttl"])
    assert any(f.name == "medkg.ttl" for f in files)
    ontology = Path(__file__).resolve().parents[2] / "ontology" / "medkg.ttl"
    own = tmp_path / "ontology.ttl"
    own.write_text(ontology.read_text(encoding="utf-8"), encoding="utf-8")
    _, files = load_data([own, FIXTURES / "valid" / "minimal.ttl"])
    assert [f.name for f in files] == ["ontology.ttl", "minimal.ttl"]


def _key(r: ValidationResult, data: Graph) -> tuple[str, ...]:
    """A result as comparable text; a blank focus (an axiom) by the triple it annotates."""

    def node(n: object) -> str:
        if isinstance(n, BNode):
            parts = [data.value(n, p) for p in (OWL.annotatedSource, OWL.annotatedProperty, OWL.annotatedTarget)]
            return "axiom:" + " ".join(str(p) for p in parts)
        return "" if n is None else n.n3() if isinstance(n, (URIRef, Literal)) else str(n)

    return (r.severity, node(r.focus_node), node(r.path), node(r.value), str(r.source_shape), str(r.component), r.message)


def test_compiled_engine_matches_pyshacl_on_the_fixtures() -> None:
    """All parseable fixtures in one graph (their IRIs don't overlap), validated by both engines."""
    paths = [INVALID / f"{name}.ttl" for name in sorted(EXPECTED)]
    data = Graph()
    for path in paths:
        data.parse(path)
    ours = validate_graph(paths, engine="oxigraph")
    reference = validate_graph(paths, engine="pyshacl")
    assert len(ours.results) > len(EXPECTED)
    assert sorted(_key(r, data) for r in ours.results) == sorted(_key(r, data) for r in reference.results)


def test_a_code_with_two_labels_and_two_notations_is_told_once_for_each(tmp_path: Path) -> None:
    # Codes are the items of a scheme: one shape counts their labels and notations, not two.
    text = (INVALID / "unjustified-mapping.ttl").read_text(encoding="utf-8")
    text = text.replace('HP:0012531 rdfs:label "Pain" ; skos:notation "HP:0012531"',
                        'HP:0012531 rdfs:label "Pain" , "Ache" ; skos:notation "HP:0012531" , "HP:12531"')
    data = tmp_path / "two.ttl"
    data.write_text(text, encoding="utf-8")
    for engine in ("oxigraph", "pyshacl"):
        found = sorted(_local(r.source_shape) for r in validate_graph([data], engine=engine).violations
                       if str(r.focus_node).endswith("HP_0012531"))
        # The second notation is also malformed (HP: takes seven digits) and not the IRI's.
        assert found == ["CodeConsistencyShape", "code-notation-syntax", "scheme-item-label", "scheme-item-notation-count"], \
            (engine, found)


def test_two_constraints_failing_on_one_value_with_one_message_are_told_once(tmp_path: Path) -> None:
    # A decimal below the minimum fails write-triples-added's datatype and its minInclusive: the
    # report keeps both results; the text says the shape's one message once, naming both.
    data = tmp_path / "write.ttl"
    data.write_text('@prefix mkg: <https://w3id.org/medkg/ontology/> . @prefix prov: <http://www.w3.org/ns/prov#> .\n'
                    '@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n<https://w3id.org/medkg/write/w1> a prov:Activity ;\n'
                    '    mkg:triplesAdded "-1.5"^^xsd:decimal ; mkg:triplesRemoved "0"^^xsd:integer .\n', encoding="utf-8")
    report = validate_graph([data])
    assert sorted(str(r.component).rsplit("#")[-1] for r in report.violations) == [
        "DatatypeConstraintComponent", "MinInclusiveConstraintComponent"]
    text = report.to_text()
    assert text.count("A write record has exactly one mkg:triplesAdded") == 1
    assert "(shape mkgsh:write-triples-added; constraints Datatype, MinInclusive)" in text
    assert "2 violations" in text


@pytest.mark.parametrize("engine", ["oxigraph", "pyshacl"])
def test_a_value_defined_nowhere_gets_the_nearest_defined_iri_as_a_suggestion(engine: str, tmp_path: Path) -> None:
    report = validate_graph([INVALID / "undefined-property.ttl"], engine=engine)
    (dangling,) = [r for r in report.violations if _local(r.source_shape) == "DanglingReferenceShape"]
    assert dangling.suggestion == URIRef("https://w3id.org/medkg/ontology/affectsStructure")
    assert "did you mean mkg:affectsStructure?" in report.to_text()
    assert '"suggestion": "https://w3id.org/medkg/ontology/affectsStructure"' in report.to_json()
    report = validate_graph([INVALID / "dangling-iri.ttl"], engine=engine)
    assert {r.suggestion for r in report.violations} == {URIRef("https://w3id.org/medkg/concept/fx-dangling-sacrum")}
    # Nothing near: no guess.
    far = tmp_path / "far.ttl"
    far.write_text((INVALID / "dangling-iri.ttl").read_text(encoding="utf-8").replace("fx-dangling-sacrm", "zz-quite-unlike"),
                   encoding="utf-8")
    report = validate_graph([far], engine=engine)
    assert report.violations and all(r.suggestion is None for r in report.results)


@pytest.mark.parametrize("engine", ["oxigraph", "pyshacl"])
def test_a_mapping_axiom_needs_both_its_justification_and_its_source(engine: str, tmp_path: Path) -> None:
    text = (INVALID / "unjustified-mapping.ttl").read_text(encoding="utf-8")
    cases = {
        "justified, no source": text.replace("dcterms:source src:medkg-editors ;\n    rdfs:comment",
                                             "sssom:mapping_justification semapv:ManualMappingCuration ;\n    rdfs:comment"),
        "both": text.replace("dcterms:source src:medkg-editors ;\n    rdfs:comment",
                             "dcterms:source src:medkg-editors ; sssom:mapping_justification semapv:ManualMappingCuration ;\n"
                             "    rdfs:comment"),
    }
    found = {}
    for name, case in cases.items():
        assert case != text, name
        data = tmp_path / f"{name.replace(' ', '-').replace(',', '')}.ttl"
        data.write_text(case, encoding="utf-8")
        found[name] = {_local(r.source_shape) for r in validate_graph([data], engine=engine).results}
    assert "MappingJustificationShape" in found["justified, no source"]
    assert "MappingJustificationShape" not in found["both"]


@pytest.mark.parametrize("part", ["owl:annotatedTarget medkg:fx-orphanaxiom-sacrum ; ", "owl:annotatedProperty mkg:affectsStructure ; "])
def test_an_incomplete_axiom_is_located_and_named_by_the_parts_it_has(part: str, tmp_path: Path) -> None:
    # Without its target (or property) an axiom names no triple, but its statement is still found,
    # and its label shows the missing part as "?" (not a blank-node id that changes each run).
    text = (INVALID / "axiom-without-triple.ttl").read_text(encoding="utf-8")
    assert part in text
    data = tmp_path / "incomplete.ttl"
    data.write_text(text.replace(part, ""), encoding="utf-8")
    report = validate_graph([data])
    (axiom,) = {r.focus_node for r in report.violations if isinstance(r.focus_node, BNode)}
    assert report.locations[str(axiom)] == (str(data), 31)
    label = next(r.focus_label for r in report.results if r.focus_node == axiom)
    assert label is not None and label.startswith("axiom on medkg:fx-orphanaxiom-fracture ") and "?" in label
    assert report.to_text().startswith(f'[]  "{label}"  ({data}:31)')


def test_uncompiled_shapes_fall_back_to_pyshacl(tmp_path: Path) -> None:
    """A component the compiler does not translate (sh:closed) is still checked, by pyshacl."""
    shape = tmp_path / "closed.ttl"
    shape.write_text(
        """@prefix mkg: <https://w3id.org/medkg/ontology/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://example.org/ClosedShape> a sh:NodeShape ; sh:targetClass mkg:Material ;
    sh:closed true ; sh:ignoredProperties ( ) ; sh:message "closed"@en .
""",
        encoding="utf-8",
    )
    report = validate_graph(shapes=[shape])
    assert report.results and {r.component for r in report.results} == {SH.ClosedConstraintComponent}


def test_report_forms() -> None:
    report = validate_graph([INVALID / "missing-label.ttl"])
    text = report.to_text()
    assert "medkg:fx-nolabel-pain" in text and "skos:prefLabel" in text and "mkgsh:prefLabel-required" in text
    graph = Graph().parse(data=report.to_turtle(), format="turtle")
    assert (None, SH.resultSeverity, SH.Violation) in graph
    assert '"conforms": false' in report.to_json()


def test_synthetic_graph_conforms_and_is_deterministic(tmp_path: Path) -> None:
    import synthetic

    text = synthetic.generate(3000, seed=7)
    assert text == synthetic.generate(3000, seed=7) != synthetic.generate(3000, seed=8)
    lines = text.splitlines()
    assert 3000 <= len(lines) < 3000 + 600
    path = tmp_path / "synthetic.nt"
    assert synthetic.write(path, 3000, seed=7) == len(lines)
    report = validate_graph([path])
    # Each block maps one symptom and the disease to codes; the other symptoms and the fracture get
    # the "no code" advice, nothing else.
    assert {(r.severity, _local(r.source_shape)) for r in report.results} == {NO_CODE}, report.to_text()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_results_say_where_their_node_is_written(name: str) -> None:
    path = INVALID / f"{name}.ttl"
    report = validate_graph([path])
    lines = path.read_text(encoding="utf-8").splitlines()
    for r in report.results:
        if r.severity == "Info" or isinstance(r.focus_node, Literal):
            continue
        file, line = report.locations[str(r.focus_node)]
        if isinstance(r.focus_node, BNode):  # an axiom: the statement naming the triple it annotates
            source = r.focus_label.split()[2].split(":")[-1]  # "axiom on medkg:x mkg:p medkg:y"
            assert "owl:annotatedSource" in lines[line - 1] and source in lines[line - 1], (r, line)
        else:
            local = re.split(r"[/#_]", str(r.focus_node))[-1]  # HP_012531 is written HP:012531
            assert local in lines[line - 1], (r, line)
        assert file == str(path)
        assert f"{path}:{line})" in report.to_text()


def test_locate_prefers_the_subject_line_and_whole_names(tmp_path: Path) -> None:
    from medkg.validation.locations import locate

    data = tmp_path / "x.ttl"
    data.write_text("@prefix ex: <http://example.org/> .\n"
                    "ex:a ex:p ex:bone .\n"
                    "ex:bone-marrow ex:p ex:a .\n"
                    "ex:bone ex:p <http://example.org/c> .\n"
                    "<http://example.org/c> ex:p 1 .\n", encoding="utf-8")
    found = locate(["http://example.org/bone", "http://example.org/bone-marrow", "http://example.org/c",
                    "http://example.org/missing"], [data])
    assert found == {"http://example.org/bone": (str(data), 4), "http://example.org/bone-marrow": (str(data), 3),
                     "http://example.org/c": (str(data), 5)}


OTHER_BASE = "https://example.org/kg/"


def _moved(term: object) -> str:
    """A term as it reads under OTHER_BASE (shapes keep their names); blank nodes as one placeholder."""
    if term is None or isinstance(term, BNode):
        return "_"
    text = str(term)
    return text if text.startswith(SHAPES) else text.replace("https://w3id.org/medkg/", OTHER_BASE)


def test_under_another_base_the_graph_and_the_shapes_move_together() -> None:
    """`--base` moves the project's IRIs of the data and of the shapes alike: every fixture breaks the
    same shapes, on the same (moved) nodes, with the same messages; both engines still agree."""
    paths = [INVALID / f"{name}.ttl" for name in sorted(EXPECTED)]
    def key(r: ValidationResult) -> tuple[str, ...]:
        return (r.severity, str(r.source_shape), _moved(r.focus_node), _moved(r.path), _moved(r.value), _moved(r.message))

    default = validate_graph(paths)
    other = validate_graph(paths, base=OTHER_BASE)
    assert sorted(map(key, other.results)) == sorted(key(r) for r in default.results)
    assert all(not str(r.focus_node).startswith("https://w3id.org/medkg/") for r in other.results)
    reference = validate_graph(paths, base=OTHER_BASE, engine="pyshacl")
    assert sorted(map(key, reference.results)) == sorted(map(key, other.results))
    # the curator is still sent to the line the node is written on (under the default base)
    dangling = next(r for r in other.results if _local(r.source_shape) == "DanglingReferenceShape"
                    and isinstance(r.focus_node, URIRef))
    assert other.locations[str(dangling.focus_node)][0] == str(INVALID / "dangling-iri.ttl")


def test_shapes_under_another_base_name_no_default_base_iri_but_their_own() -> None:
    from medkg.validation import load_shapes

    terms = {str(t) for triple in load_shapes(base=OTHER_BASE) for t in triple}
    assert any(t.startswith(OTHER_BASE + "ontology/") for t in terms)
    assert {t for t in terms if "w3id.org/medkg/" in t and not t.startswith(SHAPES)} == set()
    assert validate_graph(base=OTHER_BASE).conforms


def test_axioms_are_located_by_the_triple_they_annotate(tmp_path: Path) -> None:
    from medkg.validation.locations import locate_axioms

    path = tmp_path / "axioms.ttl"
    path.write_text("""@prefix ex: <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
ex:a ex:p ex:b , ex:c ; ex:q "word"@en .
[] a owl:Axiom ; owl:annotatedSource ex:a ; owl:annotatedProperty ex:p ; owl:annotatedTarget ex:c .
[] a owl:Axiom ; owl:annotatedSource ex:a ; owl:annotatedProperty ex:p ;
    owl:annotatedTarget <http://example.org/b> ;
    ex:note "spans three lines" .
[] a owl:Axiom ; owl:annotatedSource ex:a ; owl:annotatedProperty ex:q ;
    owl:annotatedTarget "word"@en .
""", encoding="utf-8")
    ex = "http://example.org/"
    found = locate_axioms({"c": (ex + "a", ex + "p", ex + "c"), "b": (ex + "a", ex + "p", ex + "b"),
                           "word": (ex + "a", ex + "q", '"word"'), "none": (ex + "a", ex + "p", ex + "d")}, [path])
    assert found == {"c": (str(path), 4), "b": (str(path), 5), "word": (str(path), 8)}
