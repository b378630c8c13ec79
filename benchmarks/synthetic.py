"""Synthetic medkg graphs of any size, shaped like data/, for the benchmarks.

Shared by every benchmark (validation, SPARQL endpoint, stores): keep the API stable.

    from synthetic import generate, write
    text = generate(100_000, seed=0)          # N-Triples, as a str
    write("x.nt", 1_000_000, seed=0)          # streamed to a file, returns the triple count

    python benchmarks/synthetic.py --triples 1000000 --out x.nt [--seed 0] [--with-ontology]

The graph is built from self-contained *blocks* (~420 triples each): one article with its quoted
sentences, and conditions, symptoms, anatomy, a risk factor, procedures and a material, each with
label, definition, typed synonyms (one with an owl:Axiom), relations with owl:Axiom provenance
(dcterms:source + prov:wasDerivedFrom a sentence), and mappings to ICD-10-CM / HPO codes. Blocks
also link to concepts of earlier blocks and to a small set of shared concepts (populations,
frequencies, specialties...), so the graph is connected. It conforms to shapes/ when validated
with the packaged ontology, and it is deterministic per seed. Whole blocks are emitted until the
count reaches ``n_triples``, so the result has n_triples plus at most one block's worth.
Without ``--with-ontology`` it holds data only: `medkg validate x.nt` adds the packaged ontology.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path

BASE = "https://w3id.org/medkg/"
C = BASE + "concept/"
M = BASE + "ontology/"
S = BASE + "source/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
RDFS_COMMENT = "<http://www.w3.org/2000/01/rdf-schema#comment>"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OIO = "http://www.geneontology.org/formats/oboInOwl#"
OWL = "http://www.w3.org/2002/07/owl#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
FOAF = "http://xmlns.com/foaf/0.1/"
HP = "http://purl.obolibrary.org/obo/HP_"
ICD = "http://purl.bioontology.org/ontology/ICD10CM/"
OMO_LAYPERSON = "<http://purl.obolibrary.org/obo/OMO_0003003>"
SEMAPV_MANUAL = "<https://w3id.org/semapv/vocab/ManualMappingCuration>"
SSSOM_JUSTIFICATION = "<https://w3id.org/sssom/mapping_justification>"
EDITORS = f"<{S}medkg-editors>"
ICD_SCHEME = f"<{S}icd-10-cm>"
HPO_SCHEME = f"<{S}hpo>"

SENTENCES_PER_ARTICLE = 6
# ICD-10-CM chapters' first letters (U is reserved for special purposes).
ICD_LETTERS = "ABCDEFGHIJKLMNOPQRSTVWXYZ"

# Shared concepts every block may link to: (kind, local name).
SHARED: list[tuple[str, str]] = [
    ("Population", "syn-population-older-adults"),
    ("Population", "syn-population-general"),
    ("Population", "syn-population-athletes"),
    ("Frequency", "syn-frequency-rare"),
    ("Frequency", "syn-frequency-common"),
    ("CourseFeature", "syn-course-sudden-onset"),
    ("CourseFeature", "syn-course-gradual-onset"),
    ("CourseFeature", "syn-course-immediate-effect"),
    ("ModifyingFactor", "syn-modifier-lifting"),
    ("ModifyingFactor", "syn-modifier-rest"),
    ("Outcome", "syn-outcome-pain-relief"),
    ("Outcome", "syn-outcome-stability"),
    ("MedicalSpecialty", "syn-specialty-radiology"),
    ("MedicalSpecialty", "syn-specialty-physiatry"),
]


def _iri(iri: str) -> str:
    return f"<{iri}>"


def _en(text: str) -> str:
    return f'"{text}"@en'


def _str(text: str) -> str:
    return f'"{text}"'


class _Writer:
    """Emits N-Triples lines and numbers blank nodes."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.bnodes = 0

    def t(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} {p} {o} .\n")

    def bnode(self) -> str:
        self.bnodes += 1
        return f"_:a{self.bnodes}"

    def take(self) -> list[str]:
        out, self.lines = self.lines, []
        return out


def _concept(w: _Writer, name: str, kind: str, label: str, rng: random.Random) -> str:
    """A concept written like data/: kind, label, definition and its source, typed synonyms."""
    c = _iri(C + name)
    w.t(c, RDF_TYPE, _iri(M + kind))
    w.t(c, _iri(SKOS + "prefLabel"), _en(label))
    w.t(c, _iri(SKOS + "definition"), _en(f"A synthetic {kind} used for benchmarking, named {label.lower()}."))
    w.t(c, _iri(M + "definitionSource"), EDITORS)
    w.t(c, _iri(OIO + "hasExactSynonym"), _en(f"{label.lower()} (exact)"))
    if rng.random() < 0.5:
        w.t(c, _iri(OIO + "hasExactSynonym"), _en(f"{label.lower()} (variant)"))
    lay = f"lay name of {label.lower()}"
    w.t(c, _iri(OIO + "hasRelatedSynonym"), _en(lay))
    ax = w.bnode()
    w.t(ax, RDF_TYPE, _iri(OWL + "Axiom"))
    w.t(ax, _iri(OWL + "annotatedSource"), c)
    w.t(ax, _iri(OWL + "annotatedProperty"), _iri(OIO + "hasRelatedSynonym"))
    w.t(ax, _iri(OWL + "annotatedTarget"), _en(lay))
    w.t(ax, _iri(OIO + "hasSynonymType"), OMO_LAYPERSON)
    return c


def _fact(w: _Writer, s: str, prop: str, o: str, sentence: str | None, article: str | None) -> None:
    """A relation and its owl:Axiom: from an article sentence, or from the editors."""
    p = _iri(M + prop)
    w.t(s, p, o)
    ax = w.bnode()
    w.t(ax, RDF_TYPE, _iri(OWL + "Axiom"))
    w.t(ax, _iri(OWL + "annotatedSource"), s)
    w.t(ax, _iri(OWL + "annotatedProperty"), p)
    w.t(ax, _iri(OWL + "annotatedTarget"), o)
    if sentence and article:
        w.t(ax, _iri(DCT + "source"), article)
        w.t(ax, _iri(PROV + "wasDerivedFrom"), sentence)
    else:
        w.t(ax, _iri(DCT + "source"), EDITORS)


def _mapping(w: _Writer, concept: str, code: str, notation: str, label: str, scheme: str) -> None:
    match = _iri(SKOS + "exactMatch")
    w.t(concept, match, code)
    ax = w.bnode()
    w.t(ax, RDF_TYPE, _iri(OWL + "Axiom"))
    w.t(ax, _iri(OWL + "annotatedSource"), concept)
    w.t(ax, _iri(OWL + "annotatedProperty"), match)
    w.t(ax, _iri(OWL + "annotatedTarget"), code)
    w.t(ax, SSSOM_JUSTIFICATION, SEMAPV_MANUAL)
    w.t(ax, _iri(DCT + "source"), EDITORS)
    w.t(ax, RDFS_COMMENT, _en("Synthetic mapping: the reason for its match type would go here."))
    w.t(code, RDFS_LABEL, _str(label))
    w.t(code, _iri(SKOS + "notation"), _str(notation))
    w.t(code, _iri(SKOS + "inScheme"), scheme)


def _header(w: _Writer, rng: random.Random) -> dict[str, list[str]]:
    """Sources and the shared concepts."""
    w.t(EDITORS, RDF_TYPE, _iri(PROV + "Organization"))
    w.t(EDITORS, RDF_TYPE, _iri(FOAF + "Organization"))
    w.t(EDITORS, _iri(FOAF + "name"), _str("medkg editors"))
    for scheme, title in ((ICD_SCHEME, "ICD-10-CM"), (HPO_SCHEME, "Human Phenotype Ontology")):
        w.t(scheme, RDF_TYPE, _iri(M + "SourceDocument"))
        w.t(scheme, RDF_TYPE, _iri(SKOS + "ConceptScheme"))
        w.t(scheme, _iri(DCT + "title"), _en(title))
        w.t(scheme, _iri(DCT + "type"), _en("standard vocabulary"))
    shared: dict[str, list[str]] = {}
    for kind, name in SHARED:
        label = name.removeprefix("syn-").replace("-", " ").capitalize()
        shared.setdefault(kind, []).append(_concept(w, name, kind, label, rng))
    return shared


def _block(w: _Writer, b: int, rng: random.Random, shared: dict[str, list[str]], earlier: dict[str, list[str]]) -> None:
    """One self-contained block: an article, its sentences and the concepts and facts it supports."""
    article = _iri(f"{S}syn-article-{b}")
    w.t(article, RDF_TYPE, _iri(M + "SourceDocument"))
    w.t(article, _iri(DCT + "title"), _en(f"Synthetic article {b}"))
    w.t(article, _iri(DCT + "type"), _en("patient-information article"))
    w.t(article, _iri(DCT + "language"), _str("en"))
    sentences = []
    for j in range(1, SENTENCES_PER_ARTICLE + 1):
        s = _iri(f"{S}syn-article-{b}-s{j:02d}")
        sentences.append(s)
        w.t(s, RDF_TYPE, _iri(M + "SourceSentence"))
        w.t(s, _iri(DCT + "isPartOf"), article)
        w.t(s, _iri(M + "sentenceNumber"), f'"{j}"^^<{XSD}positiveInteger>')
        w.t(s, _iri(PROV + "value"), _en(f"Sentence {j} of synthetic article {b}."))

    def cite() -> tuple[str | None, str | None]:
        # Most facts come from the article; some from the editors, as in data/.
        return (rng.choice(sentences), article) if rng.random() < 0.8 else (None, None)

    def make(kind: str, role: str, i: int) -> str:
        return _concept(w, f"syn-{b}-{role}-{i}", kind, f"Synthetic {role} {b}-{i}", rng)

    disease = make("Disease", "disease", 1)
    fracture = make("Fracture", "fracture", 1)
    symptoms = [make("SignOrSymptom", "symptom", i) for i in range(1, 4)]
    anatomy = [make("AnatomicalStructure", "structure", i) for i in range(1, 3)]
    exposure = make("Exposure", "exposure", 1)
    imaging = make("ImagingProcedure", "imaging", 1)
    treatment = make(rng.choice(("MinimallyInvasiveProcedure", "NonsurgicalTreatment")), "treatment", 1)
    material = make("Material", "material", 1)

    # Hierarchy and links to earlier blocks keep the graph connected.
    if earlier["conditions"]:
        w.t(disease, _iri(SKOS + "broader"), rng.choice(earlier["conditions"]))
    _fact(w, anatomy[1], "partOf", anatomy[0], None, None)
    for condition in (disease, fracture):
        for symptom in rng.sample(symptoms, 2):
            _fact(w, condition, "hasSymptom", symptom, *cite())
        _fact(w, condition, "affectsStructure", rng.choice(anatomy), *cite())
        _fact(w, condition, "diagnosedBy", imaging, *cite())
        _fact(w, condition, "treatedBy", treatment, *cite())
        _fact(w, condition, "mostCommonIn", rng.choice(shared["Population"]), *cite())
        _fact(w, condition, "hasFrequency", rng.choice(shared["Frequency"]), *cite())
        _fact(w, condition, "hasOnset", rng.choice(shared["CourseFeature"][:2]), *cite())
    _fact(w, disease, "hasRiskFactor", exposure, *cite())
    _fact(w, fracture, "hasCause", disease, *cite())
    if earlier["structures"]:
        _fact(w, anatomy[0], "partOf", rng.choice(earlier["structures"]), None, None)
    for symptom in symptoms:
        _fact(w, symptom, "locatedIn", rng.choice(anatomy), *cite())
        _fact(w, symptom, "aggravatedBy", rng.choice(shared["ModifyingFactor"]), *cite())
    _fact(w, imaging, "targetsStructure", anatomy[0], *cite())
    _fact(w, treatment, "targetsStructure", anatomy[1], *cite())
    _fact(w, treatment, "injectsMaterial", material, *cite())
    _fact(w, treatment, "hasGoal", shared["Outcome"][0], *cite())
    _fact(w, treatment, "performedInSpecialty", rng.choice(shared["MedicalSpecialty"]), *cite())
    _fact(w, treatment, "effectOnset", shared["CourseFeature"][2], *cite())
    if earlier["treatments"]:
        _fact(w, treatment, "alternativeTo", rng.choice(earlier["treatments"]), *cite())

    # One HPO and one ICD-10-CM code per block, unique by block number.
    hp = f"{b:07d}"
    _mapping(w, symptoms[0], _iri(HP + hp), f"HP:{hp}", f"Synthetic phenotype {b}", HPO_SCHEME)
    icd = f"{ICD_LETTERS[b % 25]}{(b // 25) % 100:02d}.{b // 2500:d}"
    _mapping(w, disease, _iri(ICD + icd), icd, f"Synthetic diagnosis {b}", ICD_SCHEME)

    if b % 10 == 0:
        fix = _iri(f"{S}syn-correction-{b}")
        w.t(fix, RDF_TYPE, _iri(M + "Correction"))
        w.t(fix, RDFS_LABEL, _en(f"Correction of synthetic article {b}"))
        w.t(fix, _iri(M + "correctsSentence"), sentences[0])
        w.t(fix, _iri(M + "aboutConcept"), disease)
        w.t(fix, _iri(M + "sourceWording"), _en("what the article says"))
        w.t(fix, _iri(M + "correctedStatement"), _en("what the graph says instead"))
        w.t(fix, _iri(M + "rationale"), _en("why the article's wording is not modelled"))
        w.t(fix, _iri(PROV + "wasAttributedTo"), EDITORS)

    earlier["conditions"].append(disease)
    earlier["structures"].append(anatomy[0])
    earlier["treatments"].append(treatment)


def iter_ntriples(n_triples: int, seed: int = 0, *, include_ontology: bool = False) -> Iterator[str]:
    """N-Triples lines (each ending in a newline): at least ``n_triples`` of them, whole blocks."""
    rng = random.Random(seed)
    w = _Writer()
    count = 0
    if include_ontology:
        for line in _ontology_lines():
            count += 1
            yield line
    shared = _header(w, rng)
    earlier: dict[str, list[str]] = {"conditions": [], "structures": [], "treatments": []}
    b = 0
    while True:
        lines = w.take()
        count += len(lines)
        yield from lines
        if count >= n_triples:
            return
        b += 1
        _block(w, b, rng, shared, earlier)


def generate(n_triples: int, seed: int = 0, *, include_ontology: bool = False) -> str:
    """A synthetic graph as N-Triples text (see the module docstring)."""
    return "".join(iter_ntriples(n_triples, seed, include_ontology=include_ontology))


def write(path: Path | str, n_triples: int, seed: int = 0, *, include_ontology: bool = False) -> int:
    """Writes the graph to ``path`` (N-Triples) and returns the number of triples written."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        buffer: list[str] = []
        for line in iter_ntriples(n_triples, seed, include_ontology=include_ontology):
            buffer.append(line)
            if len(buffer) >= 10_000:
                out.write("".join(buffer))
                count += len(buffer)
                buffer.clear()
        out.write("".join(buffer))
        count += len(buffer)
    return count


def _ontology_lines() -> list[str]:
    """The packaged ontology as N-Triples lines (needs medkg installed)."""
    import pyoxigraph as ox

    from medkg.graph import resources

    lines: list[str] = []
    for path in sorted(resources.ontology_dir().glob("*.ttl")):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            lines.append(f"{triple.subject} {triple.predicate} {triple.object} .\n")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic medkg graph (N-Triples).")
    parser.add_argument("--triples", type=int, required=True, help="at least this many triples")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, help="output .nt file (default: standard output)")
    parser.add_argument("--with-ontology", action="store_true", help="include the packaged ontology")
    args = parser.parse_args(argv)
    if args.out is None:
        for line in iter_ntriples(args.triples, args.seed, include_ontology=args.with_ontology):
            sys.stdout.write(line)
        return 0
    count = write(args.out, args.triples, args.seed, include_ontology=args.with_ontology)
    print(f"wrote {count} triples to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
