"""The answers of the concept API: the same typed objects for Python callers and JSON clients.

Field names are part of the API contract: add fields, never rename or remove them. IRIs are
given in full (``iri``) and as a CURIE (``curie``) when a known prefix fits.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Scope = Literal["label", "exact", "related", "broad", "narrow"]
Direction = Literal["outgoing", "incoming"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Ref(_Model):
    """Any resource by IRI, with its CURIE and label when known."""

    iri: str
    curie: str | None = None
    label: str | None = None


class ConceptRef(_Model):
    """A concept, briefly: enough to show a link."""

    iri: str
    curie: str | None = None
    label: str
    kind: str = Field(description="CURIE of the concept's kind, e.g. mkg:Fracture; skos:Concept for a "
                                  "concept of a reference vocabulary (a code, an HPO term, a disease)")
    kind_label: str | None = None
    scheme: str | None = Field(default=None, description="CURIE of the vocabulary (skos:ConceptScheme) of a code, "
                                                         "e.g. src:icd-10-cm; null for medkg's own concepts")


class Sentence(_Model):
    """A quoted source sentence that supports a fact."""

    iri: str
    curie: str | None = None
    text: str
    number: int | None = Field(default=None, description="Position among the quoted sentences of its source")


class Provenance(_Model):
    """Where one fact (a relation, a synonym) comes from: the source and the sentences quoted."""

    source: Ref | None = None
    sentences: list[Sentence] = []


class Synonym(_Model):
    text: str
    scope: Scope = Field(description="exact, related, broad or narrow (oboInOwl synonym scope)")
    synonym_type: str | None = Field(default=None, description="CURIE of the synonym type, e.g. OMO:0003003")
    lay: bool = Field(False, description="A layperson's term (OMO:0003003)")
    abbreviation: bool = Field(False, description="An abbreviation (OMO:0003000)")
    provenance: list[Provenance] = []
    misnomer: bool = Field(False, description="A misnomer (OMO:0003007): not technically correct, but commonly used "
                           "(as the seed article's 'tailbone' for the sacrum)")


class Definition(_Model):
    text: str
    source: Ref | None = None
    references: list[str] = Field(default=[], description="The definition's references as the vocabulary "
                                  "gives them (oboInOwl:hasDbXref), e.g. PMID:23123456")


class Code(_Model):
    """A code of a standard vocabulary (ICD-10-CM, HPO) mapped to the concept."""

    iri: str
    curie: str | None = None
    notation: str | None = None
    label: str | None = None
    scheme: Ref | None = None
    predicate: str = Field(description="SKOS mapping property from the concept to the code")
    justification: str | None = Field(default=None, description="SSSOM mapping justification (CURIE)")


class Relation(_Model):
    """One relation of the concept to another, in either direction, with its provenance."""

    property: str = Field(description="CURIE of the property, e.g. mkg:hasSymptom")
    property_iri: str
    property_label: str | None = None
    direction: Direction = Field(description="outgoing: concept -> other; incoming: other -> concept")
    concept: ConceptRef
    provenance: list[Provenance] = []


class NarrowerRelation(_Model):
    """An outgoing relation of a narrower concept (at any depth), shown on the broader one."""

    from_concept: ConceptRef = Field(description="The narrower concept the relation is asserted of")
    property: str = Field(description="CURIE of the property, e.g. mkg:treatedBy")
    property_iri: str
    property_label: str | None = None
    concept: ConceptRef = Field(description="The other end of the relation")
    provenance: list[Provenance] = []


class Correction(_Model):
    """An editorial record where a source is loose or wrong about this concept."""

    iri: str
    curie: str | None = None
    label: str | None = None
    corrected_statement: str | None = None


class MappedFrom(_Model):
    """A curated concept that maps to this code (its SKOS mapping, seen from the code)."""

    concept: ConceptRef
    predicate: str = Field(description="SKOS mapping property from that concept to this code")
    justification: str | None = None


class Concept(_Model):
    """Everything the graph says about one concept."""

    iri: str
    curie: str | None = None
    label: str
    kind: str
    kind_label: str | None = None
    definition: Definition | None = None
    synonyms: list[Synonym] = []
    broader: list[ConceptRef] = []
    narrower: list[ConceptRef] = []
    codes: list[Code] = []
    relations: list[Relation] = []
    notes: list[str] = Field(default=[], description="Editorial notes (skos:editorialNote)")
    corrections: list[Correction] = []
    narrower_relations: list[NarrowerRelation] = Field(
        default=[], description="Outgoing relations of the concept's narrower concepts, each with the narrower "
        "concept it is asserted of: they hold for that kind, not for every case of this concept "
        "(at most 500 rows are read)")
    scheme: Ref | None = Field(default=None, description="The vocabulary of a code (skos:inScheme); null for "
                                                         "medkg's own concepts")
    notation: str | None = Field(default=None, description="The code as the vocabulary writes it (skos:notation)")
    narrower_total: int = Field(default=0, description="Number of narrower concepts; all of them are in "
                                "narrower up to 500, page beyond with /descendants?max_depth=1")
    mapped_from: list[MappedFrom] = Field(default=[], description="Curated concepts mapped to this code")
    billable: bool | None = Field(default=None, description="ICD-10-CM: valid for billing (mkg:billable)")
    deprecated: bool = Field(default=False, description="An obsolete term (owl:deprecated)")
    replaced_by: list[Ref] = Field(default=[], description="Replacement of an obsolete term (IAO:0100001)")
    consider: list[Ref] = Field(default=[], description="Terms to consider instead (oboInOwl:consider)")
    excludes1: list[Ref] = Field(default=[], description="ICD-10-CM Excludes1: codes never coded together with this one")
    excludes2: list[Ref] = Field(default=[], description="ICD-10-CM Excludes2: codes that may be coded together "
                                                         "although not part of this one")


class SearchHit(_Model):
    concept: ConceptRef
    matched_text: str = Field(description="The label or synonym that matched")
    matched_scope: Scope = Field(description="label (preferred label) or the synonym's scope")
    synonym_type: str | None = Field(default=None, description="CURIE of the matched synonym's type")
    lay: bool = False
    abbreviation: bool = False
    match_type: Literal["exact", "prefix", "word_prefix", "fuzzy", "substring"] = Field(
        description="exact > prefix (the name starts with the query) > word_prefix (every word of the "
                    "query starts a word of the name) > fuzzy (the same, after correcting mistyped words). "
                    "substring is no longer given: words match at word starts only")


class SearchResults(_Model):
    query: str
    total: int = Field(description="Number of concepts matching, over all pages")
    limit: int
    offset: int
    hits: list[SearchHit]
    did_you_mean: str | None = Field(
        default=None, description="When nothing matched as typed: the name the hits were found by, "
                                  "after correcting mistyped words (the hits are then of match_type fuzzy)")


class BatchItem(_Model):
    input: str
    found: bool
    concept: Concept | None = None
    error: str | None = Field(default=None, description="Why the input was not found, when it was not")


class BatchResults(_Model):
    total: int
    found: int
    missing: int
    items: list[BatchItem]


class HierarchyItem(_Model):
    concept: ConceptRef
    depth: int = Field(description="Steps from the concept (1 = direct parent or child)")


class HierarchyResults(_Model):
    concept: ConceptRef
    direction: Literal["ancestors", "descendants"]
    relation: str = Field(description="CURIE of the hierarchy property followed")
    max_depth: int | None
    total: int
    limit: int
    offset: int
    items: list[HierarchyItem]


class Neighbour(_Model):
    property: str
    property_iri: str
    property_label: str | None = None
    direction: Direction
    concept: ConceptRef


class NeighbourResults(_Model):
    concept: ConceptRef
    total: int
    limit: int
    offset: int
    items: list[Neighbour]


class AnnotationMatch(_Model):
    concept: ConceptRef
    matched_text: str
    matched_scope: Scope
    synonym_type: str | None = None
    lay: bool = False
    abbreviation: bool = False


class Mention(_Model):
    start: int = Field(description="Offset of the first character (Python str index, code points)")
    end: int = Field(description="Offset after the last character")
    text: str
    matches: list[AnnotationMatch] = Field(description="Concepts named here, best first")


class AnnotationResults(_Model):
    text_length: int
    total: int
    mentions: list[Mention]


class CodeMatch(_Model):
    concept: ConceptRef
    code: Code = Field(description="The code in the graph that matched (the input or an ancestor)")
    predicate: str = Field(description="SKOS mapping property from the concept to the input code")
    steps: int = Field(description="0 when the input code itself is mapped, else levels walked up")
    chain: list[str] = Field(default=[], description="CURIEs from the input to the concept: the input, the "
                             "HPO term whose cross-reference it is (if any), the code that carried the mapping, "
                             "the concept; e.g. [SNOMEDCT_US:279039007, HP:0003419, medkg:lower-back-pain]")


class CodeMappingResult(_Model):
    input: str
    code: str = Field(description="The input as a normalised CURIE, e.g. ICD10CM:S32.10XA")
    system: str = Field(description="ICD10CM, HP, or the prefix of a vocabulary HPO cross-references "
                        "(SNOMEDCT_US, UMLS, MSH, ...)")
    via: list[ConceptRef] = Field(default=[], description="For a cross-reference: the HPO terms that give it")
    tried: list[str] = Field(description="Codes looked for, from the input up to the top")
    best: CodeMatch | None
    alternatives: list[CodeMatch] = []
    message: str | None = Field(default=None, description="Why no concept was found, when best is null")


class PhenotypeAnnotation(_Model):
    """One has-phenotype fact of a disease (HPO annotation) that matched a phenotype asked for."""

    phenotype: ConceptRef = Field(description="The HPO term annotated to the disease")
    matches: str = Field(description="CURIE of the query term it is (or descends from)")
    references: list[Ref] = Field(default=[], description="The sources of the annotation (dcterms:source)")
    evidence: str | None = Field(default=None, description="CURIE of the ECO evidence code")
    frequency: str | None = Field(default=None, description="HPO frequency term (CURIE) or n/m or x%")


class DiseaseMatch(_Model):
    disease: ConceptRef
    matched: int = Field(description="Number of query terms the disease is annotated with (or with a descendant)")
    matched_terms: list[str] = Field(description="CURIEs of the query terms matched")
    annotations: list[PhenotypeAnnotation]


class PhenotypeResults(_Model):
    phenotypes: list[ConceptRef] = Field(description="The query terms, as found")
    total: int = Field(description="Number of diseases matching at least one term, over all pages")
    limit: int
    offset: int
    diseases: list[DiseaseMatch] = Field(description="Most terms matched first, then by label")
    message: str | None = Field(default=None, description="Why no disease was found, when the disease "
                                "annotations are not loaded")
