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
from medkg.graph.namespaces import converter
from medkg.graph.reach import reachable
from medkg.sparql.client import QueryFunction, prologue, select, values

HAS_PHENOTYPE = "http://purl.obolibrary.org/obo/RO_0002200"
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
    # First which disease has which matching term (to rank and count them all), then the facts'
    # details for the page only: for a term high in HPO (18k descendants, 250k annotations) reading
    # every fact's references took ~30 s at full size, the pairs alone ~10 s.
    pairs = select(run, prologue(index.base) + f"""SELECT ?d ?hp WHERE {{
        {values("hp", sorted(query_terms_of))} ?d <{HAS_PHENOTYPE}> ?hp }}""")
    annotated: dict[str, set[str]] = defaultdict(set)  # disease -> its matching annotated terms
    for row in pairs:
        if row["d"].value in index.concepts:
            annotated[row["d"].value].add(row["hp"].value)
    ranked = []
    for disease, phenotypes in annotated.items():
        matched = {q for phenotype in phenotypes for q in query_terms_of[phenotype]}
        ranked.append((-len(matched), index.sort_label[disease], disease, matched))
    ranked.sort()
    shown = [disease for _, _, disease, _ in ranked[offset:offset + limit]]
    facts = _facts(run, index, shown, sorted({t for d in shown for t in annotated[d]}))
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


def _facts(run: QueryFunction, index: ConceptIndex, diseases: list[str],
           terms: list[str]) -> dict[str, dict[str, dict[str, list[str] | str | None]]]:
    """disease -> annotated term -> its references, ECO evidence and frequency (the axioms' facts)."""
    facts: dict[str, dict[str, dict[str, list[str] | str | None]]] = defaultdict(dict)
    if not diseases:
        return facts
    rows = select(run, prologue(index.base) + f"""SELECT ?d ?hp ?src ?eco ?freq WHERE {{
        {values("d", diseases)} {values("hp", terms)} ?d <{HAS_PHENOTYPE}> ?hp .
        OPTIONAL {{ ?ax owl:annotatedSource ?d ; owl:annotatedProperty <{HAS_PHENOTYPE}> ; owl:annotatedTarget ?hp .
                    OPTIONAL {{ ?ax dcterms:source ?src }} OPTIONAL {{ ?ax mkg:evidence ?eco }}
                    OPTIONAL {{ ?ax mkg:frequency ?freq }} }} }}""")
    for row in rows:
        fact = facts[row["d"].value].setdefault(row["hp"].value, {"refs": [], "eco": None, "freq": None})
        refs = fact["refs"]
        assert isinstance(refs, list)
        if "src" in row and row["src"].value not in refs:
            refs.append(row["src"].value)
        for name in ("eco", "freq"):
            if name in row and fact[name] is None:
                fact[name] = row[name].value
    return facts
