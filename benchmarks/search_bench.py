"""Time search (the one behind /api/search and /search) over a synthetic index of many names.

    python benchmarks/search_bench.py [--names 150000] [--seed 0] [--repeat 20]

The reference vocabularies put 120k+ concepts in the graph; this builds an in-memory index of
``--names`` concepts (one label and one synonym each, from a medical-sounding word list, so words
repeat as they do in ICD-10-CM and HPO) without a store, then times each kind of query: exact,
prefix (autocomplete), several words, a one-letter prefix (the worst case: most names match), a
typo (fuzzy correction), a query read again (without its function words, then its words over
the names of one concept), nothing near (the "did you mean" fallback over every name) and a 404's
suggestions. Prints the median and the slowest of ``--repeat`` runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from medkg.concepts.index import ConceptIndex, Entry, _build_search
from medkg.concepts.models import ConceptRef
from medkg.concepts.search import near, search

ROOTS = ("osteo", "arthr", "myel", "neur", "cardi", "hepat", "nephr", "gastr", "derm", "pulmon", "spondyl",
         "sacr", "lumb", "pelv", "crani", "thorac", "vertebr", "fibr", "chondr", "oste", "angi", "lymph")
ENDINGS = ("itis", "osis", "opathy", "algia", "oma", "ectomy", "oplasty", "otomy", "al pain", "ic fracture",
           "al stenosis", "ia", "al lesion", "al cyst", "ic syndrome")
WORDS = ("acute", "chronic", "left", "right", "bilateral", "primary", "secondary", "traumatic", "congenital",
         "recurrent", "displaced", "closed", "open", "initial encounter", "subsequent encounter", "of bone",
         "with delayed healing", "without complication", "of the spine", "of the pelvis", "unspecified")
KIND = "https://w3id.org/medkg/ontology/Condition"


def synthetic_index(n: int, seed: int = 0) -> ConceptIndex:
    """An index of ``n`` concepts, each with a label and one exact synonym."""
    rng = random.Random(seed)
    # Rare words as well as common ones: real vocabularies have tens of thousands of distinct words.
    syllables = ["".join(p) for p in zip(*(rng.choices("bcdfghklmnprstvz", k=400) for _ in range(1)),
                                          rng.choices("aeiou", k=400), rng.choices("lnrsx", k=400))]
    rare = sorted({"".join(rng.sample(syllables, 3)) for _ in range(n // 3)})
    index = ConceptIndex(base="https://w3id.org/medkg/")
    index.subkinds = {KIND: {KIND}}
    for i in range(n):
        iri = f"https://w3id.org/medkg/concept/c{i}"
        label = " ".join([rng.choice(WORDS), rng.choice(ROOTS) + rng.choice(ENDINGS),
                          *rng.sample(WORDS, rng.randint(0, 2)), rng.choice(rare)]).capitalize() + f" type {i % 997}"
        synonym = rng.choice(ROOTS) + rng.choice(ENDINGS) + " " + rng.choice(WORDS)
        index.concepts[iri] = ConceptRef(iri=iri, curie=f"medkg:c{i}", label=label, kind="mkg:Condition")
        index.kind_of[iri] = KIND
        index.sort_label[iri] = label.casefold()
        index.entries += [Entry(iri, label, "label", None), Entry(iri, synonym, "exact", None)]
    _build_search(index)
    return index


QUERIES = {
    "one word": "fibroma",
    "prefix": "chronic spondyl",
    "words, any order": "pelvis sacral pain",
    "one letter (most names)": "a",
    "typo (fuzzy)": "osteoporsis",
    "read again (function words, words over names)": "what is the chronic spondylalgia of a pelvis",
    "nothing near (did you mean)": "xqzv wplk",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--names", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    index = synthetic_index(args.names, args.seed)
    print(f"{len(index.concepts):,} concepts, {len(index.keys):,} distinct names, {len(index.words):,} words; "
          f"index built in {time.perf_counter() - started:.1f} s")
    print("| query | example | total | median ms | max ms |\n|---|---|---:|---:|---:|")
    cases = [(name, q, lambda q=q: search(index, q, limit=10)) for name, q in QUERIES.items()]
    cases.append(("404 suggestions", "osteoarthritis-acut", lambda: near(index, "osteoarthritis acut")))
    for name, q, run in cases:
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            result = run()
            times.append((time.perf_counter() - t) * 1000)
        total = result.total if hasattr(result, "total") else len(result)  # type: ignore[union-attr, arg-type]
        print(f"| {name} | `{q}` | {total:,} | {statistics.median(times):.1f} | {max(times):.1f} |")


if __name__ == "__main__":
    main()
