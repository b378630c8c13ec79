"""`medkg export`: the graph a store holds, written back as Turtle in the layout of ontology/ and data/.

    from medkg.store.export import export_store
    files = export_store(store, Path("out"))   # out/ontology/medkg.ttl, out/data/conditions.ttl, ...

The ontology graph goes to ``ontology/medkg.ttl``; the facts (the data graph, or the default graph
for stores loaded from files) to ``data/<file>.ttl``, a file per kind of concept decided from each
subject's rdf:type and the ontology's subclasses. An owl:Axiom goes right after the block of the
triple it annotates; a mapping to an external code (skos:*Match) goes to mappings.ttl with its
axiom. Subjects, predicates and objects are sorted and blank nodes labelled from their content, so
exporting twice gives the same bytes and a re-export of an unchanged graph shows no diff. Writes'
provenance (graph/provenance) is not part of data/ and is not exported.

Over files that exist (``--out .`` in a checkout), every statement whose triples did not change
is kept as written, with its comments (medkg.store.export_keep): only what changed is rewritten,
so `git diff` shows the change, not a reformatted file. Into an empty folder, comments (not RDF)
do not survive.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from medkg.graph.namespaces import (
    DEFAULT_BASE,
    GRAPH,
    ONTOLOGY,
    ONTOLOGY_GRAPH,
    SOURCE,
    prefixes,
)
from medkg.graph.reach import closure, reachable
from medkg.graph.turtle import AXIOM_HEAD, OWL, RDF_TYPE, Graph, Triple, TurtleWriter, prefix_lines
from medkg.store.export_keep import keep_unchanged

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OIO = "http://www.geneontology.org/formats/oboInOwl#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"

EXTRA_PREFIXES = {"sd": "http://www.w3.org/ns/sparql-service-description#"}
MAPPING_PROPERTIES = {SKOS + m for m in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")}
# Predicates in the order data/ writes them; the rest follow, sorted by IRI.
PREDICATE_ORDER = [
    *AXIOM_HEAD,
    SKOS + "prefLabel", RDFS + "label", DCT + "title", FOAF + "name", SKOS + "definition",
    "{o}definitionSource", OIO + "hasExactSynonym", OIO + "hasNarrowSynonym", OIO + "hasBroadSynonym",
    OIO + "hasRelatedSynonym", SKOS + "editorialNote", SKOS + "broader", RDFS + "subClassOf",
    RDFS + "subPropertyOf", RDFS + "domain", RDFS + "range",
]  # fmt: skip

# (file, kinds): a subject goes to the first file one of whose kinds (ontology classes under the
# base, or full IRIs) is among its types or their superclasses.
LAYOUT: list[tuple[str, tuple[str, ...]]] = [
    ("corrections", ("Correction",)),
    ("conditions", ("Condition",)),
    ("symptoms", ("SignOrSymptom", "ModifyingFactor")),
    ("risk-factors", ("RiskFactor", "Population", "Frequency")),
    ("course", ("CourseFeature",)),
    ("anatomy", ("AnatomicalStructure",)),
    ("procedures", ("MedicalProcedure", "Material", "MedicalSpecialty", "Outcome")),
    ("sources", ("SourceDocument", "SourceSentence", PROV + "Agent", PROV + "Organization", PROV + "Person",
                 FOAF + "Agent", FOAF + "Organization", FOAF + "Person")),
    ("dataset", ("http://rdfs.org/ns/void#Dataset", "http://www.w3.org/ns/dcat#Dataset",
                 EXTRA_PREFIXES["sd"] + "Service")),
]  # fmt: skip
SCHEMA_TYPES = {OWL + t for t in ("Ontology", "Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty",
                                  "AllDisjointClasses", "TransitiveProperty", "SymmetricProperty")}
HEADERS = {
    "medkg": "The medkg ontology: the kinds of concept in the graph and the relations between them.",
    "conditions": "Conditions, with the facts the sources give about them and their provenance.",
    "symptoms": "Signs and symptoms, and the activities and postures that make them worse or better.",
    "risk-factors": "Risk factors other than diseases, the populations at risk, and how often conditions occur.",
    "course": "Features of onset and course of conditions, and of how soon treatments take effect.",
    "anatomy": "Anatomical structures and how they are part of one another.",
    "procedures": "Diagnostic and therapeutic procedures, materials, specialties and outcomes.",
    "mappings": "Mappings of medkg concepts to codes of standard vocabularies, with their justification.",
    "sources": "Sources of the graph's facts: documents, quoted sentences and the people behind them.",
    "corrections": "Corrections: where a source is loose or wrong, and what the graph models instead.",
    "dataset": "The dataset as a whole: what it is, its licence, where it comes from.",
    "other": "Statements whose subject has none of the kinds of the other files.",
}


@dataclass(frozen=True)
class ExportedFile:
    path: Path
    triples: int


def export_store(store: ox.Store, out: Path, base: str = DEFAULT_BASE) -> list[ExportedFile]:
    """Writes the store's ontology and facts under ``out`` (see the module docstring)."""
    texts = render_store(store, base)
    written = []
    for relative, (text, count) in sorted(texts.items()):
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = _over_existing(path, text)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)  # a reader never sees half a file
        written.append(ExportedFile(path, count))
    return written


def render_store(store: ox.Store, base: str = DEFAULT_BASE) -> dict[str, tuple[str, int]]:
    """The text and triple count of each file, by path relative to the output folder."""
    ontology_graph = ox.NamedNode(base + ONTOLOGY_GRAPH)
    skipped = {ontology_graph, ox.NamedNode(base + GRAPH + "provenance")}
    ontology = _triples(store.quads_for_pattern(None, None, None, ontology_graph))
    facts = _triples(q for q in store.quads_for_pattern(None, None, None) if q.graph_name not in skipped)
    facts = _restore_integer_subtypes(facts, ontology + facts)
    # Files loaded into the default graph may carry their own ontology: it goes to ontology/.
    schema = _schema_subjects(facts)
    if schema:
        ontology += [t for t in facts if t[0] in schema]
        facts = [t for t in facts if t[0] not in schema]
    prefix_map = {**prefixes(base), **EXTRA_PREFIXES}
    order = [p.replace("{o}", base + ONTOLOGY) for p in PREDICATE_ORDER]
    out: dict[str, tuple[str, int]] = {}
    if ontology:
        out["ontology/medkg.ttl"] = (_render({"medkg": ontology}, prefix_map, order, set())["medkg"], len(ontology))
    files = _assign(facts, ontology + facts, base)
    for name, text in _render(files, prefix_map, order, _mapping_triples(facts, base)).items():
        out[f"data/{name}.ttl"] = (text, len(files[name]))
    return out


def _triples(quads: Iterable[ox.Quad]) -> list[Triple]:
    return sorted({(q.subject, q.predicate, q.object) for q in quads}, key=str)  # type: ignore[misc]


def _restore_integer_subtypes(facts: list[Triple], everything: list[Triple]) -> list[Triple]:
    """Oxigraph keeps "1"^^xsd:positiveInteger as xsd:integer; write it back with the property's
    range (from the ontology), so an export of data/ does not change its datatypes."""
    from medkg.validation.datatypes import INTEGER_SUBTYPES

    subtypes = {str(d) for d in INTEGER_SUBTYPES}
    ranges = {s.value: o.value for s, p, o in everything
              if p.value == RDFS + "range" and isinstance(o, ox.NamedNode) and o.value in subtypes}
    out = []
    for s, p, o in facts:
        if (isinstance(o, ox.Literal) and o.datatype.value == XSD + "integer" and p.value in ranges):
            o = ox.Literal(o.value, datatype=ox.NamedNode(ranges[p.value]))
        out.append((s, p, o))
    return out


def _schema_subjects(triples: list[Triple]) -> set[ox.NamedNode | ox.BlankNode]:
    """Ontology terms, and the blank nodes they reach (owl:members lists)."""
    found = {s for s, p, o in triples if p.value == RDF_TYPE and o.value in SCHEMA_TYPES}
    objects: dict[object, list[ox.BlankNode]] = {}
    for s, _, o in triples:
        if isinstance(o, ox.BlankNode):
            objects.setdefault(s, []).append(o)
    return reachable(objects, found)  # type: ignore[arg-type]


def _superclasses(everything: list[Triple]) -> dict[str, set[str]]:
    direct: dict[str, set[str]] = {}
    for s, p, o in everything:
        if p.value == RDFS + "subClassOf" and isinstance(o, ox.NamedNode):
            direct.setdefault(s.value, set()).add(o.value)
    return closure(direct, direct)


def _mapping_triples(facts: list[Triple], base: str) -> set[Triple]:
    """Mappings of our concepts to external codes: they live in mappings.ttl."""
    return {t for t in facts if t[1].value in MAPPING_PROPERTIES and isinstance(t[2], ox.NamedNode)
            and not t[2].value.startswith(base) and isinstance(t[0], ox.NamedNode)}


def _assign(facts: list[Triple], everything: list[Triple], base: str) -> dict[str, list[Triple]]:
    """The triples of each data file."""
    supers = _superclasses(everything)
    kinds = [(name, {k if "://" in k else base + ONTOLOGY + k for k in ks}) for name, ks in LAYOUT]
    types: dict[object, set[str]] = {}
    for s, p, o in facts:
        if p.value == RDF_TYPE and isinstance(o, ox.NamedNode):
            types.setdefault(s, set()).update(supers.get(o.value, {o.value}))
    by_subject: dict[object, list[Triple]] = {}
    for t in facts:
        by_subject.setdefault(t[0], []).append(t)
    mappings = _mapping_triples(facts, base)

    def file_of(subject: object) -> str:
        found = types.get(subject, set())
        for name, wanted in kinds:
            if found & wanted:
                return name
        preds = {p.value for _, p, _ in by_subject.get(subject, [])}
        if preds & {SKOS + "inScheme", SKOS + "notation"}:  # a code of a standard vocabulary
            return "mappings"
        if isinstance(subject, ox.NamedNode) and subject.value.startswith(base + SOURCE):
            return "sources"
        if isinstance(subject, ox.NamedNode) and subject.value == base:
            return "dataset"
        return "other"

    files: dict[str, list[Triple]] = {}
    for subject, triples in by_subject.items():
        if isinstance(subject, ox.BlankNode) and _is_axiom(triples):
            annotated = _annotated(triples)
            name = "mappings" if annotated in mappings else file_of(annotated[0]) if annotated else "other"
        else:
            name = file_of(subject)
        for t in triples:
            files.setdefault("mappings" if t in mappings else name, []).append(t)
    # Blank nodes inside a statement (lists, nested nodes) go with the statement that uses them.
    return _move_nested_bnodes(files)


def _move_nested_bnodes(files: dict[str, list[Triple]]) -> dict[str, list[Triple]]:
    owner: dict[ox.BlankNode, str] = {}
    for name, triples in files.items():
        for t in triples:
            if isinstance(t[2], ox.BlankNode):
                owner[t[2]] = name
    changed = True
    while changed:  # follow chains (rdf:List cells) to their first owner
        changed = False
        for name, triples in list(files.items()):
            keep = []
            for t in triples:
                target = owner.get(t[0]) if isinstance(t[0], ox.BlankNode) else None
                if target is not None and target != name:
                    files.setdefault(target, []).append(t)
                    changed = True
                else:
                    keep.append(t)
            files[name] = keep
    return {n: ts for n, ts in files.items() if ts}


def _is_axiom(triples: list[Triple]) -> bool:
    return any(p.value == RDF_TYPE and o.value == OWL + "Axiom" for _, p, o in triples)


def _annotated(triples: list[Triple]) -> Triple | None:
    found = {p.value: o for _, p, o in triples if p.value in AXIOM_HEAD}
    if len(found) != 3 or isinstance(found[AXIOM_HEAD[0]], ox.Literal) or not isinstance(found[AXIOM_HEAD[1]], ox.NamedNode):
        return None
    return (found[AXIOM_HEAD[0]], found[AXIOM_HEAD[1]], found[AXIOM_HEAD[2]])  # type: ignore[return-value]


def _render(files: dict[str, list[Triple]], prefix_map: dict[str, str], order: list[str],
            mappings: set[Triple]) -> dict[str, str]:
    out = {}
    for name, triples in files.items():
        writer = TurtleWriter(Graph(triples), prefix_map, order)
        body = _body(writer, triples, mappings)
        header = "# " + HEADERS.get(name, HEADERS["other"]) + "\n\n"
        out[name] = header + prefix_lines(prefix_map, writer.used) + "\n" + body
    return out


def _body(writer: TurtleWriter, triples: list[Triple], mappings: set[Triple]) -> str:
    """Units in order: each subject's block followed by the axioms on its triples; each mapping
    followed by its axioms; then codes (one line each); then other top-level blank nodes."""
    graph = writer.graph
    axioms: dict[Triple, list[ox.BlankNode]] = {}
    loose: list[ox.BlankNode] = []
    for subject, ts in graph.by_subject.items():
        if not isinstance(subject, ox.BlankNode):
            continue
        if graph.object_uses.get(subject, 0) == 1 and not writer.is_labelled(subject):
            continue  # written inline where it is used
        annotated = _annotated(ts) if _is_axiom(ts) else None
        if annotated is not None:
            axioms.setdefault(annotated, []).append(subject)
        else:
            loose.append(subject)

    def axiom_text(triple: Triple) -> str:
        nodes = sorted(axioms.pop(triple, []), key=writer.sort_key)
        return "".join(writer.axiom(n) for n in nodes)

    by_source: dict[object, list[Triple]] = {}  # annotated triples by subject: no quadratic scan
    for t in axioms:
        if t not in mappings:
            by_source.setdefault(t[0], []).append(t)

    def subject_axioms(subject: object) -> str:
        wanted = by_source.get(subject, [])
        wanted.sort(key=lambda t: (writer.predicate_key(t[1].value), writer.sort_key(t[2])))
        return "".join(axiom_text(t) for t in wanted)

    units: list[str] = []
    named = sorted((s for s in graph.by_subject if isinstance(s, ox.NamedNode)), key=lambda s: s.value)
    codes = []
    for subject in named:
        own = [t for t in graph.by_subject[subject] if t not in mappings]
        if not own:
            continue
        preds = {p.value for _, p, _ in own}
        if RDF_TYPE not in preds and preds <= {RDFS + "label", SKOS + "notation", SKOS + "inScheme"}:
            codes.append(subject)
            continue
        text = writer.block(subject, exclude=mappings)
        units.append(text + ("\n" + subject_axioms(subject) if subject in by_source else ""))
    for triple in sorted(mappings & set(triples), key=lambda t: (t[0].value, writer.predicate_key(t[1].value), t[2].value)):
        units.append(writer.triple_line(triple) + axiom_text(triple))
    if codes:
        units.append("".join(writer.compact(c) for c in codes))
    # Axioms whose triple is elsewhere (or absent) and other top-level blank nodes.
    rest = sorted(loose + [n for ns in axioms.values() for n in ns], key=writer.sort_key)
    units.extend(writer.axiom(n) if _is_axiom(graph.by_subject[n]) and _annotated(graph.by_subject[n])
                 else writer.block(n) for n in rest)
    return "\n".join(units)


def _over_existing(path: Path, text: str) -> str:
    """``text`` laid over the file there now, keeping its unchanged statements (medkg.store.export_keep)."""
    try:
        old = path.read_text(encoding="utf-8")
    except OSError:
        return text
    return keep_unchanged(old, text)


def open_store_dir(directory: Path) -> ox.Store:
    """The live store of a `--store DIR` folder, opened read-only (nothing is loaded or changed)."""
    from medkg.store.disk import read_manifest

    manifest = read_manifest(directory)
    live = directory / str(manifest.get("store")) if manifest else None
    if live is None or not live.name.startswith("store-") or not (live / "CURRENT").is_file():
        from medkg.graph.loading import RdfInputError

        raise RdfInputError(directory, "not a medkg store folder (no medkg-store.json naming a live store)")
    return ox.Store.read_only(str(live))
