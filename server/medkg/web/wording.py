"""Plain words for the pages, instead of vocabulary jargon.

"exact match" for skos:exactMatch, "mapped by hand" for semapv:ManualMappingCuration, and each
relation as a phrase read from the page's concept: "has symptom" going out, "Sacral fracture
affects this" coming in. Terms not listed fall back to their rdfs:label, then to their CURIE split
into words, so a new property never shows as a raw IRI.
"""

from __future__ import annotations

import re

# SKOS mapping properties (SKOS Reference, section 10), read from the concept to the code.
MATCH_WORDS = {
    "skos:exactMatch": "exact match",
    "skos:closeMatch": "close match",
    "skos:broadMatch": "the code is broader",
    "skos:narrowMatch": "the code is narrower",
    "skos:relatedMatch": "related code",
}
# SEMAPV mapping justifications (https://w3id.org/semapv/vocab/), as SSSOM uses them.
JUSTIFICATION_WORDS = {
    "semapv:ManualMappingCuration": "mapped by hand",
    "semapv:LexicalMatching": "matched by name",
    "semapv:UnspecifiedMatching": "how it was matched is not stated",
}
# Synonym types (OBO Metadata Ontology, OMO).
SYNONYM_TYPE_WORDS = {"OMO:0003000": "abbreviation", "OMO:0003003": "lay term"}
# medkg relations whose label reads badly as a phrase: (going out, coming in; "this" is the page's
# concept). The others read "<label>" going out and "<other> <label> this" coming in.
RELATION_WORDS: dict[str, tuple[str, str]] = {
    "mkg:affectsStructure": ("affects", "affects this"),
    "mkg:targetsStructure": ("targets", "targets this"),
    "mkg:injectionSite": ("is injected into", "injects into this"),
    "mkg:injectsMaterial": ("injects", "injects this"),
    "mkg:effectOnset": ("takes effect", "takes effect as this says"),
    "mkg:performedInSpecialty": ("is performed in", "performs this"),
    "mkg:hasSymptom": ("has symptom", "has this as a symptom"),
    "mkg:hasChiefComplaint": ("has chief complaint", "has this as its chief complaint"),
    "mkg:hasRiskFactor": ("has risk factor", "has this as a risk factor"),
    "mkg:hasCause": ("has cause", "has this as a cause"),
    "mkg:hasLeadingCause": ("has leading cause", "has this as its leading cause"),
    "mkg:hasCourse": ("has course", "has this course"),
    "mkg:hasOnset": ("has onset", "has this onset"),
    "mkg:hasFrequency": ("has frequency", "has this frequency"),
    "mkg:hasGoal": ("has goal", "has this goal"),
    "mkg:hasExpectedOutcome": ("has expected outcome", "has this expected outcome"),
    "skos:broader": ("is a kind of", "is a kind of this"),
    "skos:narrower": ("has the kind", "has this kind"),
}


def words_of(curie: str) -> str:
    """A CURIE's local name as words: "mkg:hasRiskFactor" -> "has risk factor"."""
    local = curie.split(":", 1)[-1]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).replace("_", " ").lower()


def match_words(predicate: str) -> str:
    return MATCH_WORDS.get(predicate, words_of(predicate))


def justification_words(justification: str | None) -> str:
    return JUSTIFICATION_WORDS.get(justification, words_of(justification)) if justification else ""


def synonym_type_words(synonym_type: str | None) -> str:
    return SYNONYM_TYPE_WORDS.get(synonym_type or "", "")


def relation_words(prop: str, label: str | None, direction: str) -> str:
    """The phrase for a relation read from the page's concept: ``direction`` is "outgoing" (this
    concept is the subject) or "incoming" (this concept is the object: the phrase ends in "this")."""
    if prop in RELATION_WORDS:
        return RELATION_WORDS[prop][0 if direction == "outgoing" else 1]
    text = label or words_of(prop)
    return text if direction == "outgoing" else f"{text} this"
