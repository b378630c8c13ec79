"""Phenotype-driven lookup: the diseases annotated with some HPO terms, or with their descendants.

The HPO disease annotations (phenotype.hpoa, loaded with ``--vocab hpo-annotations``) say
``<disease> RO:0002200 <HPO term>`` (has phenotype), each fact an owl:Axiom with its
``dcterms:source`` references, ECO evidence and frequency. A disease matches a query term when it
is annotated with that term or a descendant of it (skos:broader, walked in the index); diseases
are ranked by how many query terms they match. NOT annotations (mkg:lacksPhenotype) never match.
"""

from __future__ import annotations

from collections import defaultdict

from medkg.concepts.index import BROADER, ConceptIndex
from medkg.concepts.mappings import parse_code
from medkg.concepts.models import DiseaseMatch, PhenotypeAnnotation, PhenotypeResults, Ref
from medkg.concepts.search import InvalidQuery
from medkg.graph.namespaces import ONTOLOGY, converter
from medkg.graph.reach import reachable
from medkg.sparql.client import QueryFunction, prologue, select, values

HAS_PHENOTYPE = "http://purl.obolibrary.org/obo/RO_0002200"
DCTERMS = "http://purl.org/dc/terms/"
MAX_TERMS = 20


def parse_terms(codes: list[str], base: str) -> list[tuple[str, str]]:
    """(IRI, input) of each HPO term given (HP:0000939, HP_0000939, 0000939 or its IRI), without repeats.

    Raises InvalidQuery for none, more than MAX_TERMS, or one that is not an HPO code."""
    if not codes:
        raise InvalidQuery("give at least one HPO term, e.g. hpo=HP:0000939")
    if len(codes) > MAX_TERMS:
        raise InvalidQuery(f"{len(codes)} HPO terms given; at most {MAX_TERMS} per query")
    found: dict[str, str] = {}
    for code in codes:
        system, local = parse_code(code, "HP", base)
        if system != "HP":
            raise InvalidQuery(f"{code[:80]!r} is not an HPO term; write HP:0000939 (7 digits)")
        term = converter(base).expand(f"HP:{local}")
        assert term is not None
        found.setdefault(term, code)
    return list(found.items())


def _descendants(index: ConceptIndex, term: str) -> set[str]:
    """The term and every term under it (skos:broader, walked in the index)."""
    return reachable(index.down.get(BROADER, {}), [term])


def diseases(run: QueryFunction, index: ConceptIndex, terms: list[str], *, limit: int = 10,
             offset: int = 0) -> PhenotypeResults:
    """Diseases annotated with the HPO terms ``terms`` (IRIs) or their descendants, most matched first."""
    query_terms_of: dict[str, set[str]] = defaultdict(set)  # annotated term -> query terms it is under
    for term in terms:
        for descendant in _descendants(index, term):
            query_terms_of[descendant].add(term)
    bit = {term: 1 << i for i, term in enumerate(terms)}
    masks = {hp: sum(bit[q] for q in queried) for hp, queried in query_terms_of.items()}
    # Which query terms each disease matches, as the engine's distinct (disease, term set) pairs: a
    # term high in HPO has ~18k descendants and ~250k annotations, and bringing every (disease,
    # term) pair into Python took ~8 s at full size; the distinct pairs of a bit mask of the query
    # terms each annotated term is under are as many as the diseases (~0.9 s for HP:0000118).
    # The matching terms are then read for the page's diseases only.
    rows = " ".join(f"(<{hp}> {mask})" for hp, mask in sorted(masks.items()))
    pairs = select(run, prologue(index.base) + f"""SELECT DISTINCT ?d ?mask WHERE {{
        VALUES (?hp ?mask) {{ {rows} }} ?d <{HAS_PHENOTYPE}> ?hp }}""")
    matched_mask: dict[str, int] = defaultdict(int)  # disease -> the query terms it matches, as bits
    for row in pairs:
        if row["d"].value in index.concepts:
            matched_mask[row["d"].value] |= int(row["mask"].value)
    ranked = []
    for disease, mask in matched_mask.items():
        matched = {term for term in terms if mask & bit[term]}
        ranked.append((-len(matched), index.sort_label[disease], disease, matched))
    ranked.sort()
    shown = [disease for _, _, disease, _ in ranked[offset:offset + limit]]
    annotated: dict[str, set[str]] = defaultdict(set)  # shown disease -> its matching annotated terms
    if shown:
        for row in select(run, prologue(index.base) + f"""SELECT ?d ?hp WHERE {{
                {values("d", shown)} ?d <{HAS_PHENOTYPE}> ?hp }}"""):
            if row["hp"].value in query_terms_of:
                annotated[row["d"].value].add(row["hp"].value)
    facts = _facts(run, index, annotated)
    order = {term: i for i, term in enumerate(terms)}
    page = []
    for _, _, disease, matched in ranked[offset:offset + limit]:
        annotations = [
            PhenotypeAnnotation(
                phenotype=index.concepts[phenotype],
                matches=index.curie(min(query_terms_of[phenotype], key=order.__getitem__)) or "",
                references=[Ref(iri=r, curie=index.curie(r)) for r in sorted(fact["refs"] or [])],
                evidence=index.curie(str(fact["eco"])) if fact["eco"] else None,
                frequency=(index.curie(str(fact["freq"])) or str(fact["freq"])) if fact["freq"] else None)
            for phenotype, fact in facts.get(disease, {}).items() if phenotype in index.concepts]
        annotations.sort(key=lambda a: (a.matches, a.phenotype.label.casefold()))
        page.append(DiseaseMatch(disease=index.concepts[disease], matched=len(matched),
                                 matched_terms=[index.curie(t) or t for t in terms if t in matched],
                                 annotations=annotations))
    return PhenotypeResults(phenotypes=[index.concepts[t] for t in terms], total=len(ranked), limit=limit,
                            offset=offset, diseases=page)


def _facts(run: QueryFunction, index: ConceptIndex,
           annotated: dict[str, set[str]]) -> dict[str, dict[str, dict[str, list[str] | str | None]]]:
    """disease -> annotated term -> its references, ECO evidence and frequency (the axioms' facts),
    for the (disease, term) annotations ``annotated``.

    The axioms are reached from the diseases alone, their properties filtered: written with
    OPTIONALs (or a VALUES of the properties), the engine joined them by hash and read every axiom
    of the graph (1.3 s a page; 50 s); from (disease, term) pairs it took 0.26 s, from the
    diseases 0.04 s (benchmarks/README.md)."""
    facts: dict[str, dict[str, dict[str, list[str] | str | None]]] = {
        disease: {term: {"refs": [], "eco": None, "freq": None} for term in terms} for disease, terms in annotated.items()}
    if not annotated:
        return facts
    names = {DCTERMS + "source": "refs", index.base + ONTOLOGY + "evidence": "eco",
             index.base + ONTOLOGY + "frequency": "freq"}
    rows = select(run, prologue(index.base) + f"""SELECT ?d ?hp ?p ?o WHERE {{ {values("d", sorted(annotated))}
        ?ax owl:annotatedSource ?d ; owl:annotatedProperty <{HAS_PHENOTYPE}> ; owl:annotatedTarget ?hp ; ?p ?o .
        FILTER(?p IN ({", ".join(f"<{p}>" for p in names)})) }}""")
    for row in rows:
        fact = facts[row["d"].value].get(row["hp"].value)
        if fact is None:  # a phenotype of the disease that no query term covers
            continue
        name, value = names[row["p"].value], row["o"].value
        refs = fact["refs"]
        assert isinstance(refs, list)
        if name == "refs":
            if value not in refs:
                refs.append(value)
        elif fact[name] is None or value < str(fact[name]):  # one per fact; the same one every time
            fact[name] = value
    return facts
