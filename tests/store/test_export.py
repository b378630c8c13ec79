"""`medkg export`: data/'s layout, stable bytes, and a round trip to an isomorphic graph."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from medkg.graph.loading import new_store, parse_file, rdf_files
from medkg.graph.namespaces import DATA_GRAPH, DEFAULT_BASE, ONTOLOGY_GRAPH
from medkg.store.export import export_store, render_store
from medkg.validation import validate_graph


def canonical_hash(store: ox.Store) -> str:
    dataset = ox.Dataset(store.quads_for_pattern(None, None, None, None))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return hashlib.sha256("\n".join(sorted(str(q) for q in dataset)).encode()).hexdigest()


def reload(out: Path) -> ox.Store:
    """An export loaded back as the packaged graph is: ontology/ and data/ in their graphs."""
    store = ox.Store()
    for folder, graph in (("ontology", ONTOLOGY_GRAPH), ("data", DATA_GRAPH)):
        for path in rdf_files([out / folder]):
            store.extend(parse_file(path, graph=ox.NamedNode(DEFAULT_BASE + graph)))
    return store


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    export_store(new_store(), out)
    return out


def test_layout_of_data(exported: Path) -> None:
    data = Path(__file__).resolve().parents[2] / "data"
    assert sorted(p.name for p in (exported / "data").glob("*.ttl")) == sorted(p.name for p in data.glob("*.ttl"))
    assert (exported / "ontology" / "medkg.ttl").is_file()


def test_round_trip_is_isomorphic(exported: Path, packaged_store: ox.Store) -> None:
    assert canonical_hash(reload(exported)) == canonical_hash(packaged_store)


def test_round_trip_keeps_each_subject_in_its_files_graph(exported: Path) -> None:
    # Concepts land in the file of their kind, as in data/.
    text = (exported / "data" / "conditions.ttl").read_text()
    assert "\nmedkg:sacral-fracture\n    a mkg:Fracture ;" in text
    assert "medkg:sacrum\n" not in text
    assert "\nmedkg:sacrum\n" in (exported / "data" / "anatomy.ttl").read_text()
    mappings = (exported / "data" / "mappings.ttl").read_text()
    assert "medkg:sacral-fracture skos:narrowMatch ICD10CM:S32.1 .\n[] a owl:Axiom ; owl:annotatedSource medkg:sacral-fracture" in mappings


def test_axioms_follow_their_triple(exported: Path) -> None:
    text = (exported / "data" / "conditions.ttl").read_text()
    block = text.index("\nmedkg:pelvic-fracture\n")
    axiom = text.index("[] a owl:Axiom ; owl:annotatedSource medkg:pelvic-fracture ; owl:annotatedProperty mkg:affectsStructure")
    next_block = text.index("\nmedkg:", block + 10)
    assert block < axiom < next_block


def test_prefixes_declared_once_sorted_and_used(exported: Path) -> None:
    for path in sorted(exported.rglob("*.ttl")):
        lines = path.read_text().splitlines()
        names = [line.split()[1][:-1] for line in lines if line.startswith("@prefix")]
        assert names == sorted(set(names), key=lambda n: (n.lower(), n)), path
        body = "\n".join(line for line in lines if not line.startswith(("@prefix", "#")))
        assert all(f"{n}:" in body for n in names), path


def test_stable_bytes(tmp_path: Path, exported: Path) -> None:
    export_store(new_store(), tmp_path)
    for path in sorted(exported.rglob("*.ttl")):
        assert (tmp_path / path.relative_to(exported)).read_bytes() == path.read_bytes()


def test_stable_whatever_the_blank_node_labels() -> None:
    # Two stores with the same graph but blank nodes labelled differently: the same text.
    first = new_store()
    second = ox.Store()
    relabel: dict[ox.BlankNode, ox.BlankNode] = {}

    def fresh(term):  # type: ignore[no-untyped-def]
        if isinstance(term, ox.BlankNode):
            return relabel.setdefault(term, ox.BlankNode())
        return term

    second.extend(ox.Quad(fresh(q.subject), q.predicate, fresh(q.object), q.graph_name)
                  for q in reversed(list(first.quads_for_pattern(None, None, None, None))))
    assert render_store(first) == render_store(second)


def test_exported_data_validates(exported: Path) -> None:
    # Datatypes Oxigraph normalises (xsd:positiveInteger) are written back as the ontology says.
    assert '"1"^^xsd:positiveInteger' in (exported / "data" / "sources.ttl").read_text()
    assert validate_graph([exported / "data"]).conforms


def test_export_after_a_write_shows_only_that_change(tmp_path: Path, exported: Path) -> None:
    from medkg.writes import WriteCore

    core = WriteCore(new_store())
    core.update("""PREFIX medkg: <https://w3id.org/medkg/concept/>
        PREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#>
        INSERT DATA { GRAPH <https://w3id.org/medkg/graph/data> {
            medkg:fracture oboInOwl:hasExactSynonym "fractured bone"@en } }""", token_name="alice")
    export_store(core.store, tmp_path)
    changed = [p.name for p in sorted(exported.rglob("*.ttl"))
               if (tmp_path / p.relative_to(exported)).read_bytes() != p.read_bytes()]
    assert changed == ["conditions.ttl"]
    assert not (tmp_path / "provenance.ttl").exists()


def test_cli_export(tmp_path: Path, exported: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "medkg.cli", "export", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    triples = len(new_store())  # the packaged graph, ontology and data
    assert f"wrote {triples} triples in 11 files" in done.stderr
    assert (tmp_path / "data" / "conditions.ttl").read_bytes() == (exported / "data" / "conditions.ttl").read_bytes()


def test_cli_export_unreadable_store(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "medkg.cli", "export", "--store", str(tmp_path), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2 and "not a medkg store folder" in done.stderr and "Traceback" not in done.stderr


def test_export_of_paths_puts_the_ontology_apart(tmp_path: Path, exported: Path) -> None:
    # Files loaded into the default graph: ontology terms (with their owl:members lists) go to
    # ontology/, the rest to data/, the same files as the packaged graph's.
    root = Path(__file__).resolve().parents[2]
    store = ox.Store()
    for path in rdf_files([root / "ontology", root / "data"]):
        store.extend(parse_file(path))
    export_store(store, tmp_path)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.ttl")) == sorted(
        p.relative_to(exported) for p in exported.rglob("*.ttl"))
    for path in sorted(exported.rglob("*.ttl")):
        assert (tmp_path / path.relative_to(exported)).read_bytes() == path.read_bytes(), path


# -- any one-triple change gives a diff of a handful of lines (the kind of the example above) -----

_M = "https://w3id.org/medkg/concept/"
_O = "https://w3id.org/medkg/ontology/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_OWL = "http://www.w3.org/2002/07/owl#"
_DATA = ox.NamedNode(DEFAULT_BASE + DATA_GRAPH)


def _label(store: ox.Store, concept: str) -> ox.Quad:
    return next(iter(store.quads_for_pattern(ox.NamedNode(_M + concept), ox.NamedNode(_SKOS + "prefLabel"), None, _DATA)))


def _an_axiom_source(store: ox.Store) -> ox.Quad:
    head = next(iter(store.quads_for_pattern(None, ox.NamedNode(_OWL + "annotatedSource"), ox.NamedNode(_M + "sacral-fracture"), _DATA)))
    return next(iter(store.quads_for_pattern(head.subject, ox.NamedNode("http://purl.org/dc/terms/source"), None, _DATA)))


def _change_label(store: ox.Store) -> None:
    old = _label(store, "pelvic-pain")
    store.remove(old)
    store.add(ox.Quad(old.subject, old.predicate, ox.Literal("Pain in the pelvis", language="en"), _DATA))


def _add_synonym(store: ox.Store) -> None:
    store.add(ox.Quad(ox.NamedNode(_M + "sacrum"), ox.NamedNode("http://www.geneontology.org/formats/oboInOwl#hasRelatedSynonym"),
                      ox.Literal("os sacrum", language="en"), _DATA))


def _remove_label(store: ox.Store) -> None:
    store.remove(_label(store, "coccyx"))


def _add_fact_with_axiom(store: ox.Store) -> None:
    s, p, o = ox.NamedNode(_M + "sacral-fracture"), ox.NamedNode(_O + "hasSymptom"), ox.NamedNode(_M + "pain")
    axiom = ox.BlankNode()
    store.extend([ox.Quad(s, p, o, _DATA), ox.Quad(axiom, ox.NamedNode(RDF_TYPE_IRI), ox.NamedNode(_OWL + "Axiom"), _DATA),
                  ox.Quad(axiom, ox.NamedNode(_OWL + "annotatedSource"), s, _DATA),
                  ox.Quad(axiom, ox.NamedNode(_OWL + "annotatedProperty"), p, _DATA),
                  ox.Quad(axiom, ox.NamedNode(_OWL + "annotatedTarget"), o, _DATA),
                  ox.Quad(axiom, ox.NamedNode("http://purl.org/dc/terms/source"), ox.NamedNode(DEFAULT_BASE + "source/medkg-editors"), _DATA)])


def _change_an_axiom(store: ox.Store) -> None:
    old = _an_axiom_source(store)
    store.remove(old)
    store.add(ox.Quad(old.subject, old.predicate, ox.NamedNode(DEFAULT_BASE + "source/another-article"), _DATA))


RDF_TYPE_IRI = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CHANGES = {"change a label": _change_label, "add a synonym": _add_synonym, "remove a label": _remove_label,
           "add a fact and its axiom": _add_fact_with_axiom, "change an axiom's source": _change_an_axiom}


def _changed_lines(before: Path, after: Path) -> int:
    import difflib

    names = {p.relative_to(before) for p in before.rglob("*.ttl")} | {p.relative_to(after) for p in after.rglob("*.ttl")}
    count = 0
    for name in sorted(names):
        old = (before / name).read_text().splitlines() if (before / name).exists() else []
        new = (after / name).read_text().splitlines() if (after / name).exists() else []
        count += sum(1 for line in difflib.unified_diff(old, new, lineterm="", n=0)
                     if line[:1] in "+-" and not line.startswith(("+++", "---")))
    return count


def test_export_twice_gives_the_same_bytes_from_stores_loaded_apart(tmp_path: Path) -> None:
    export_store(new_store(), tmp_path / "a")
    export_store(new_store(), tmp_path / "b")  # parsed again: other blank-node labels
    assert _changed_lines(tmp_path / "a", tmp_path / "b") == 0
    for path in (tmp_path / "a").rglob("*.ttl"):
        assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_one_triple_change_is_a_small_diff(tmp_path: Path, exported: Path, change: str) -> None:
    store = new_store()
    CHANGES[change](store)
    export_store(store, tmp_path)
    changed = _changed_lines(exported, tmp_path)
    assert 0 < changed <= 12, (change, changed)


# -- over the checked-in files (export --out . in a checkout): only what changed is rewritten ------


def _checkout_copy(tmp_path: Path) -> Path:
    import shutil

    from medkg.graph import resources

    root = tmp_path / "checkout"
    shutil.copytree(resources.ontology_dir(), root / "ontology")
    shutil.copytree(resources.data_dir(), root / "data")
    return root


def test_export_over_the_checkout_of_the_same_graph_changes_nothing(tmp_path: Path) -> None:
    # The example: the checked-in files are written by hand, so an export over them rewrote every
    # file (thousands of lines in git diff) whatever had changed.
    root = _checkout_copy(tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*.ttl")}
    export_store(new_store(), root)
    assert {p: p.read_bytes() for p in root.rglob("*.ttl")} == before


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_export_over_the_checkout_after_a_one_triple_change_is_a_small_diff(tmp_path: Path, change: str) -> None:
    root = _checkout_copy(tmp_path)
    pristine = tmp_path / "pristine"
    import shutil

    shutil.copytree(root, pristine)
    store = new_store()
    CHANGES[change](store)
    export_store(store, root)
    assert 0 < _changed_lines(pristine, root) <= 16, (change, _changed_lines(pristine, root))
    # What was written reads back as the changed graph, and exporting it again changes nothing.
    assert canonical_hash(reload(root)) == canonical_hash(_in_graphs(store))
    again = {p: p.read_bytes() for p in root.rglob("*.ttl")}
    export_store(store, root)
    assert {p: p.read_bytes() for p in root.rglob("*.ttl")} == again


def _in_graphs(store: ox.Store) -> ox.Store:
    """The store's ontology and data graphs (what export writes), without the provenance graph."""
    out = ox.Store()
    for graph in (ONTOLOGY_GRAPH, DATA_GRAPH):
        out.extend(store.quads_for_pattern(None, None, None, ox.NamedNode(DEFAULT_BASE + graph)))
    return out


def test_comments_above_a_changed_statement_stay(tmp_path: Path) -> None:
    root = _checkout_copy(tmp_path)
    text = (root / "data" / "conditions.ttl").read_text()
    assert "# --- Fracture hierarchy" in text and text.index("# --- Fracture hierarchy") < text.index("\nmedkg:fracture\n")
    store = new_store()
    old = _label(store, "fracture")
    store.remove(old)
    store.add(ox.Quad(old.subject, old.predicate, ox.Literal("Bone fracture", language="en"), _DATA))
    export_store(store, root)
    after = (root / "data" / "conditions.ttl").read_text()
    assert after.index("# --- Fracture hierarchy") < after.index('\nmedkg:fracture\n    a mkg:Fracture ;\n    skos:prefLabel "Bone fracture"@en ;')
    assert after.count("\nmedkg:fracture\n") == 1 and after.startswith(text.split("\n\n", 1)[0])


@pytest.mark.parametrize("old", ['medkg:x skos:prefLabel "cut short', "not turtle at all <", "", "@base <http://e/> .\n<a> <b> <c> ."])
def test_a_file_that_cannot_be_read_statement_by_statement_is_written_anew(tmp_path: Path, exported: Path, old: str) -> None:
    target = tmp_path / "data" / "anatomy.ttl"
    target.parent.mkdir(parents=True)
    target.write_text(old)
    export_store(new_store(), tmp_path)
    assert target.read_text() == (exported / "data" / "anatomy.ttl").read_text()
