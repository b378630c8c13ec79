"""From an ICD-10-CM or HPO code to the concept it means; all mappings as an SSSOM table.

A code is checked against the syntax Bioregistry publishes for its prefix, then looked up; when
the graph maps no concept to it, its ancestors are tried, nearest first. ICD-10-CM codes carry
their ancestors in their spelling (S32.10XA -> S32.10X -> S32.10 -> S32.1 -> S32); for any code,
parents the graph itself holds (rdfs:subClassOf or skos:broader between codes) are followed too,
so loading the HPO hierarchy into the store makes HPO codes walk up the same way.
"""

from __future__ import annotations

import re

from medkg.concepts import identifiers
from medkg.concepts.index import ConceptIndex
from medkg.concepts.models import Code, CodeMappingResult, CodeMatch, ConceptRef, Ref
from medkg.concepts.search import InvalidQuery
from medkg.graph.namespaces import converter
from medkg.sparql.client import QueryFunction, iri, literal, prologue, select, values

SYSTEMS = {"ICD10CM": "icd10cm", "HP": "hp"}  # our prefix -> Bioregistry prefix
MATCHES = [f"http://www.w3.org/2004/02/skos/core#{p}Match" for p in ("exact", "close", "narrow", "broad", "related")]
_SKOS = "http://www.w3.org/2004/02/skos/core#"
MAX_LEVELS = 30


def code_pattern(system: str) -> re.Pattern[str]:
    """The regular expression Bioregistry gives for the local identifiers of a prefix."""
    return identifiers.code_pattern(system)


_CURIE = re.compile(r"^(ICD10CM|HP)[:_](.+)$", re.IGNORECASE)


def _canonical(system: str) -> str | None:
    return next((s for s in SYSTEMS if s.casefold() == system.strip().casefold()), None)


def parse_code(text: str, system: str | None, base: str) -> tuple[str, str]:
    """(system, local identifier) of a code given as a CURIE, an IRI or a bare code plus ``system``."""
    raw = text.strip()
    if not raw or len(raw) > 200:
        raise InvalidQuery("give a code of 1 to 200 characters, e.g. ICD10CM:S32.10XA or HP:0003419")
    local: str | None = None
    if "://" in raw:
        parsed = converter(base).parse_uri(raw)
        prefix, local = (parsed[0], parsed[1]) if parsed else (None, None)
        system = prefix if prefix in SYSTEMS else None
    elif (match := _CURIE.match(raw)) is not None:
        system, local = _canonical(match.group(1)), match.group(2)
    elif ":" not in raw:
        # A bare code: the caller's system, else the one its shape says (HPO ids are 7 digits).
        local = raw
        system = _canonical(system) if system else ("HP" if raw.isdigit() else "ICD10CM")
    if system not in SYSTEMS or not local:
        raise InvalidQuery(f"{raw[:80]!r} is not an ICD-10-CM or HPO code; write ICD10CM:S32.10XA or HP:0003419"
                           " (or give system=ICD10CM|HP with a bare code)")
    local = local.strip().upper() if system == "ICD10CM" else local.strip()
    if system == "ICD10CM" and "." not in local and len(local) > 3 and "-" not in local:
        local = local[:3] + "." + local[3:]  # claims data often drop the dot: S3210XA
    if not code_pattern(system).fullmatch(local):
        raise InvalidQuery(f"{local[:80]!r} is not a valid {system} code (Bioregistry pattern "
                           f"{code_pattern(system).pattern})")
    return system, local


def icd_parents(code: str) -> list[str]:
    """The ancestors an ICD-10-CM code spells out, nearest first: S32.10XA -> [S32.10, S32.1, S32].

    The X's right before a 7th character only hold its place (S32.10X, S32.9XX are no codes of
    ICD-10-CM: Official Guidelines for Coding and Reporting, section I.A.5), so those levels are
    skipped, as the tabular list's hierarchy skips them; an X elsewhere may be a real level
    (T36.0X, H21.1X)."""
    parents = []
    current = code
    placeholders = len(code.replace(".", "")) == 7  # the run of X's before the extension
    while len(current) > 3:
        current = current[:-1].rstrip(".")
        if placeholders and current.endswith("X"):
            continue
        placeholders = False
        parents.append(current)
    return parents


def same_meaning_levels(code: str) -> int:
    """How many of ``icd_parents(code)``, nearest first, only drop the 7th-character extension
    (the encounter: A initial, D subsequent, S sequela...) and the placeholder X's before it: they
    name the same condition (S32.9XXA -> S32.9: 1; S32.9 -> none). ICD-10-CM Official Guidelines
    for Coding and Reporting, section I.A (conventions: the placeholder character, 7th characters)."""
    return 1 if len(code.replace(".", "")) == 7 else 0


def _graph_parents(run: QueryFunction, codes: list[str], base: str) -> list[str]:
    rows = select(run, prologue(base) + f"""SELECT DISTINCT ?parent WHERE {{ {values("code", codes)}
        ?code rdfs:subClassOf|skos:broader ?parent . FILTER(isIRI(?parent)) }}""")
    return [row["parent"].value for row in rows]


# The mappings of a broader code that hold for its narrower codes: the concept is the code (exact),
# about the code (close), or broader than it (narrow: "concept skos:narrowMatch code"). A code
# broader than the concept (broadMatch) or only overlapping it (relatedMatch) has narrower codes
# outside the concept: S32 (lumbar spine and pelvis) relatedMatch pelvic fracture says nothing of
# S32.0, a lumbar fracture.
_INHERITED = {_SKOS + "exactMatch", _SKOS + "closeMatch", _SKOS + "narrowMatch"}


def _compose(predicate: str, narrowing: int) -> str | None:
    """The relation of the input code to the concept, from the mapping of a code ``narrowing``
    levels above it (levels that only drop the encounter do not count); None: no relation known."""
    if narrowing == 0:
        return predicate
    if predicate not in _INHERITED:
        return None
    # The input is narrower than the matched code: concept exact/broader-than-code -> input narrower.
    return _SKOS + ("relatedMatch" if predicate == _SKOS + "closeMatch" else "narrowMatch")


def code_iri(text: str, base: str) -> str | None:
    """The IRI of an ICD-10-CM or HPO code written in any form ``parse_code`` takes, else None."""
    try:
        system, local = parse_code(text, None, base)
    except InvalidQuery:
        return None
    return converter(base).expand(f"{system}:{local}")


_XREF = re.compile(r"^([A-Za-z][A-Za-z0-9_.]*):(\S+)$")


def parse_xref(text: str) -> tuple[str, str] | None:
    """(prefix, local) of a CURIE of a vocabulary HPO cross-references (SNOMEDCT_US:279039007,
    UMLS:C0024031, MSH:D010146), checked against Bioregistry's pattern; None for ICD10CM, HP, an
    IRI or no CURIE. Raises InvalidQuery for a prefix Bioregistry does not know, or a bad local part."""
    match = _XREF.match(text.strip())
    if match is None or _canonical(match.group(1)) is not None or "//" in text:
        return None
    import bioregistry

    prefix, local = match.group(1).upper(), match.group(2)
    known = bioregistry.normalize_prefix(prefix)
    if known is None:
        raise InvalidQuery(f"unknown prefix {prefix!r}: give an ICD-10-CM or HPO code, or a cross-reference "
                           "HPO gives, e.g. SNOMEDCT_US:279039007, UMLS:C0024031, MSH:D010146")
    pattern = bioregistry.get_pattern(known)
    if pattern and not re.fullmatch(pattern, local):
        raise InvalidQuery(f"{local[:80]!r} is not a valid {prefix} identifier (Bioregistry pattern {pattern})")
    return prefix, local


def _walk(run: QueryFunction, index: ConceptIndex, start: str, system: str, local: str) -> tuple[list[str], list[CodeMatch]]:
    """(codes tried, matches at the nearest mapped level) walking up from the code ``start``."""
    conv = converter(index.base)
    levels: list[list[str]] = [[start]]
    same = 0
    if system == "ICD10CM":
        levels += [[conv.expand(f"ICD10CM:{p}") or ""] for p in icd_parents(local)]
        same = same_meaning_levels(local)
    tried: list[str] = []
    matches: list[CodeMatch] = []
    step = 0
    while step < len(levels) and step < MAX_LEVELS and not matches:
        codes = [c for c in dict.fromkeys(levels[step]) if c and c not in tried]  # spelled and held parents agree
        tried += codes
        if codes:
            matches = _matches_for(run, index, codes, step, max(step - same, 0))
            parents = [p for p in _graph_parents(run, codes, index.base) if p not in tried]
            if parents:
                if step + 1 < len(levels):
                    levels[step + 1] += parents
                else:
                    levels.append(parents)
        step += 1
    return tried, matches


def _xref_terms(run: QueryFunction, index: ConceptIndex, curie: str) -> list[str]:
    """The concepts (HPO terms) with a SKOS mapping to the resource whose notation is ``curie``."""
    rows = select(run, prologue(index.base) + f"""SELECT DISTINCT ?term WHERE {{
        ?target skos:notation {literal(curie)} . {values("p", MATCHES)} ?term ?p ?target . FILTER(isIRI(?term)) }}""")
    return sorted((row["term"].value for row in rows if row["term"].value in index.concepts),
                  key=lambda t: index.sort_label[t])


def map_code(run: QueryFunction, index: ConceptIndex, text: str, system: str | None = None) -> CodeMappingResult:
    """The best concept for a code, walking up its ancestors until one is mapped; for a
    cross-reference (SNOMEDCT_US:279039007), through the HPO terms that give it."""
    xref = parse_xref(text) if system is None else None
    conv = converter(index.base)
    if xref is not None:
        curie = f"{xref[0]}:{xref[1]}"
        terms = _xref_terms(run, index, curie)
        tried, matches = [curie], []
        for term in terms:
            term_tried, term_matches = _walk(run, index, term, "HP", "")
            tried += [c for c in term_tried if c not in tried]
            matches += [m.model_copy(update={"chain": [curie, *_chain(index, term, m)]}) for m in term_matches]
        result_system, code, via = xref[0], curie, [index.concepts[t] for t in terms]
    else:
        result_system, local = parse_code(text, system, index.base)
        start = conv.expand(f"{result_system}:{local}")
        assert start is not None
        tried, matches = _walk(run, index, start, result_system, local)
        matches = [m.model_copy(update={"chain": _chain(index, start, m)}) for m in matches]
        code, via = f"{result_system}:{local}", []
    rank = {p: i for i, p in enumerate(MATCHES)}
    message = None if matches else _why_none(index, code, via, tried)
    matches.sort(key=lambda m: (m.steps, rank.get(conv.expand(m.predicate) or "", 9), m.concept.label.casefold()))
    return CodeMappingResult(input=text, code=code, system=result_system, via=via,
                             tried=[c if "://" not in c else conv.compress(c) or c for c in tried],
                             best=matches[0] if matches else None, alternatives=matches[1:], message=message)


def _why_none(index: ConceptIndex, code: str, via: list[ConceptRef], tried: list[str]) -> str:
    """The sentence saying why no curated concept was found for ``code``."""
    if code.split(":", 1)[0] not in ("ICD10CM", "HP") and not via:
        return (f"no HPO term of the graph cross-references {code}, so no concept is reached through HPO; "
                "search for its name with /api/search")
    above = [index.curie(c) or c for c in tried if (index.curie(c) or c) != code]
    walked = f" or the codes above it ({', '.join(above)})" if above else ""
    held = converter(index.base).expand(code) in index.concepts
    record = f"the code's own record is at /api/concepts/{code}, and " if held else ""
    return (f"no curated concept maps {code}{walked} by an exact, close or narrow match (a broad or related "
            f"match of a code above is not carried down to narrower codes); {record}/api/search finds "
            "concepts by name")


def _chain(index: ConceptIndex, start: str, match: CodeMatch) -> list[str]:
    """CURIEs from the code ``start`` to the concept: start, the code that carried the mapping (if
    another), the concept."""
    links = [index.curie(start) or start]
    if match.code.iri != start:
        links.append(match.code.curie or match.code.iri)
    return [*links, match.concept.curie or match.concept.iri]


def _matches_for(run: QueryFunction, index: ConceptIndex, codes: list[str], steps: int,
                 narrowing: int) -> list[CodeMatch]:
    rows = select(run, prologue(index.base) + f"""SELECT ?c ?p ?code ?label ?notation WHERE {{
        {values("code", codes)} {values("p", MATCHES)} ?c ?p ?code .
        OPTIONAL {{ ?code rdfs:label ?label }} OPTIONAL {{ ?code skos:notation ?notation }} }}""")
    rows = [row for row in rows if row["c"].value in index.concepts.curated]  # to medkg's own concepts
    mapped = [(row["c"].value, row["p"].value, row["code"].value) for row in rows]
    annotations = mapping_annotations(run, index.base, mapped) if mapped else {}
    found: dict[tuple[str, str], CodeMatch] = {}
    for row, key in zip(rows, mapped, strict=True):
        concept, predicate, code = key
        composed = _compose(predicate, narrowing)
        if (concept, code) in found or composed is None:
            continue
        just = annotations.get(key, {}).get("just")
        found[(concept, code)] = CodeMatch(
            concept=index.concepts[concept],
            code=Code(iri=code, curie=index.curie(code), notation=row["notation"].value if "notation" in row else None,
                      scheme=Ref(iri=scheme, curie=index.curie(scheme), label=index.schemes.get(scheme))
                      if (scheme := index.concepts.scheme(code)) else None,
                      label=row["label"].value if "label" in row else None, predicate=index.curie(predicate) or predicate,
                      justification=index.curie(just) if just else None),
            predicate=index.curie(composed) or composed, steps=steps)
    return list(found.values())


def mapping_annotations(run: QueryFunction, base: str, mappings: list[tuple[str, str, str]] | None = None,
                        *, authors: bool = False) -> dict[tuple[str, str, str], dict[str, str]]:
    """(concept, mapping property, code) -> the "just" (sssom:mapping_justification), and with
    ``authors`` the "author" (dcterms:source) and "comment" (rdfs:comment, the reason for the match
    type), of the owl:Axiom annotating it; for ``mappings``, or all.

    A query of its own, reaching the axioms from the mapping properties: written as an OPTIONAL
    of the mapping query, the engine matched every axiom of the graph (0.35 s per code at 1M triples)."""
    if mappings is None:
        bind = values("p", MATCHES)
    else:
        rows = " ".join(f"({iri(c)} {iri(p)} {iri(code)})" for c, p, code in mappings)
        bind = f"VALUES (?c ?p ?code) {{ {rows} }}"
    author = "OPTIONAL { ?ax dcterms:source ?author } OPTIONAL { ?ax rdfs:comment ?comment }" if authors else ""
    found: dict[tuple[str, str, str], dict[str, str]] = {}
    for row in select(run, prologue(base) + f"""SELECT ?c ?p ?code ?just ?author ?comment WHERE {{ {bind}
            ?ax owl:annotatedProperty ?p ; owl:annotatedSource ?c ; owl:annotatedTarget ?code .
            OPTIONAL {{ ?ax sssom:mapping_justification ?just }} {author} }}"""):
        record = found.setdefault((row["c"].value, row["p"].value, row["code"].value), {})
        for name in ("just", "author", "comment"):
            if name in row:
                record.setdefault(name, row[name].value)
    return found

