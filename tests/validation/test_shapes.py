"""The shapes themselves: valid SHACL, covering every class and property of the ontology, consistent
with its domains and ranges, each constraint with a severity and a message that names the fix."""

from __future__ import annotations

import re
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH

from medkg.graph import resources
from medkg.validation import load_shapes

MKG = "https://w3id.org/medkg/ontology/"
META_SHAPES = Path(__file__).resolve().parents[2] / "server" / "medkg" / "validation" / "shacl-shacl.ttl"
SHAPE_FILES = sorted(resources.shapes_dir().glob("*.ttl"))


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def ontology() -> Graph:
    g = Graph()
    for path in sorted(resources.ontology_dir().glob("*.ttl")):
        g.parse(path)
    return g


def test_shapes_conform_to_shacl_for_shacl(shapes: Graph) -> None:
    meta = Graph().parse(META_SHAPES)
    conforms, _, text = pyshacl.validate(shapes, shacl_graph=meta)
    assert conforms, text


def test_meta_shapes_are_not_data_shapes(shapes: Graph) -> None:
    # shacl-shacl ships in the package, outside shapes/: loading the shapes must not pick it up.
    assert META_SHAPES.is_file()
    assert not any(str(s).startswith("http://www.w3.org/ns/shacl-shacl#") for s in shapes.subjects())


def _targeted_classes(shapes: Graph) -> set[URIRef]:
    return {c for c in shapes.objects(None, SH.targetClass) if isinstance(c, URIRef)}


def test_every_class_has_a_shape(shapes: Graph, ontology: Graph) -> None:
    """A class is constrained when a shape targets it or a superclass (SHACL class targets reach
    instances of subclasses, through the ontology's rdfs:subClassOf)."""
    targeted = _targeted_classes(shapes)
    missing = []
    for cls in ontology.subjects(RDF.type, OWL.Class):
        if not str(cls).startswith(MKG):
            continue
        ancestors = set(ontology.transitive_objects(cls, RDFS.subClassOf))  # includes cls itself
        if not ancestors & targeted:
            missing.append(str(cls))
    assert not missing, f"classes with no shape: {missing}"


def _paths(shapes: Graph) -> set[URIRef]:
    found: set[URIRef] = set()
    for path in shapes.objects(None, SH.path):
        found.update(n for n in [path, *shapes.objects(path, None)] if isinstance(n, URIRef))
    for p in (SH.targetSubjectsOf, SH.targetObjectsOf):
        found.update(o for o in shapes.objects(None, p) if isinstance(o, URIRef))
    return found


def test_every_property_has_a_shape(shapes: Graph, ontology: Graph) -> None:
    paths = _paths(shapes)
    properties = set(ontology.subjects(RDF.type, OWL.ObjectProperty)) | set(
        ontology.subjects(RDF.type, OWL.DatatypeProperty)
    )
    missing = sorted(str(p) for p in properties if str(p).startswith(MKG) and p not in paths)
    assert not missing, f"properties with no shape: {missing}"


def test_ranges_and_domains_follow_the_ontology(shapes: Graph, ontology: Graph) -> None:
    """Each rdfs:range / rdfs:domain of the ontology is enforced by a shape on that property."""

    def classes_of(shape: URIRef) -> set[URIRef]:
        found = set(shapes.objects(shape, SH["class"])) | set(shapes.objects(shape, SH.datatype))
        for alternatives in shapes.objects(shape, SH["or"]):
            for member in Collection(shapes, alternatives):
                found |= set(shapes.objects(member, SH["class"]))
        return found  # type: ignore[return-value]

    problems = []
    for prop, rng in ontology.subject_objects(RDFS.range):
        shapes_on = [s for s in shapes.subjects(SH.path, prop)]
        if not any(rng in classes_of(s) for s in shapes_on):  # type: ignore[arg-type]
            problems.append(f"range of {prop}")
    for prop, dom in ontology.subject_objects(RDFS.domain):
        shapes_on = [s for s in shapes.subjects(SH.targetSubjectsOf, prop) if (s, SH.path, None) not in shapes]
        if not any(dom in classes_of(s) for s in shapes_on):  # type: ignore[arg-type]
            problems.append(f"domain of {prop}")
    assert not problems


def test_every_constraint_has_a_severity_and_a_message(shapes: Graph) -> None:
    structural = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.property,
                  SH.path, SH.message, SH.severity, SH.sparql, SH.prefixes, RDF.type}  # fmt: skip
    nested = set(shapes.objects(None, RDF.first))  # members of sh:or / sh:in lists
    problems = []
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape)):
        if shape in nested:
            continue
        has_constraint = any(
            str(p).startswith(str(SH)) and p not in structural for p in shapes.predicates(shape, None)
        )
        if has_constraint and not list(shapes.objects(shape, SH.message)):
            problems.append(f"{shape}: no sh:message")
        if (has_constraint or (shape, SH.sparql, None) in shapes) and (shape, SH.severity, None) not in shapes:
            problems.append(f"{shape}: no explicit sh:severity")
    for constraint in shapes.objects(None, SH.sparql):
        if not list(shapes.objects(constraint, SH.message)):
            problems.append(f"{constraint}: SPARQL constraint without sh:message")
    for message in shapes.objects(None, SH.message):
        if ":" not in str(message) or len(str(message)) < 30:  # the fix follows the colon
            problems.append(f"message names no fix: {message}")
    assert not problems, problems


@pytest.mark.parametrize("path", SHAPE_FILES, ids=lambda p: p.name)
def test_shape_files_declare_prefixes_sorted(path: Path) -> None:
    names = re.findall(r"^@prefix (\w*):", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert names == sorted(names, key=str.lower)
