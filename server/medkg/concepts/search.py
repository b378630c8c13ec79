"""Search by label, synonym or lay term, forgiving typos: exact > prefix > word prefix > fuzzy.

A one-letter query matches names that start with it. Case, accents, punctuation and plural endings
are ignored (``text.search_key``), and so are the spaces inside a word ("tail bone" finds
"tailbone"). Words match at word starts only: "CT" finds "CT scan" but not "fraCTure". Every word
of the query must start a word of the name, in any order, and an everyday word also matches its
clinical one ("broken" also matches "fracture", ``text.LAY_EQUIVALENTS``); names with fewer words
beyond the query's rank first. A query that matches no name so is read again (``readings``): with
a word split in two joined ("tail bone pain"), without function words ("what is an MRI"), then
with its words spread over the names of one concept ("MRI scan", ``across_names``); those hits are
"word_prefix". When nothing matches so, each query word that starts no word of the graph is
replaced by the words fewest slips away (``nearest_words``: a letter changed, left out, added, or
two swapped, rapidfuzz.distance.OSA; ties go to the words of the curated concepts' names, then to
the commoner word), those hits come back as "fuzzy", the names with the first choices first, and
``did_you_mean`` gives the corrected query. Each concept appears once, with the name that matched
best; ties go to the preferred label, then exact synonyms, then shorter names. Totals count every
match, so a client can page through all of them. The one implementation behind /api/search, the
/search page and the suggestions of a 404.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable
from operator import itemgetter

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from medkg.concepts.identifiers import InvalidIdentifier, to_iri
from medkg.concepts.index import ConceptIndex, Entry, spaced_keys
from medkg.concepts.models import ConceptRef, SearchHit, SearchResults
from medkg.concepts.text import FUNCTION_WORDS, LAY_EQUIVALENTS, normalize, search_key, stem
from medkg.graph.namespaces import ONTOLOGY

MAX_QUERY = 500
_TIERS = ("exact", "prefix", "word_prefix", "fuzzy")
FUZZY = 3
# Most slips (edits) for a word to stand in for a mistyped one, by the mistyped word's length:
# one slip from 3 letters, two from 9; more, and corrections are mostly other words.
TWO_SLIPS_FROM = 9
WORD_ALTERNATIVES = 3  # nearest words tried for each mistyped word
PREFIX_CUTOFF = 80.0  # the same for a half-typed last word against the starts of words
NAME_CUTOFF = 80.0  # lowest similarity of a whole name offered as "did you mean" with no hits
# Candidate names past which the later words of a query filter by scanning names, not postings.
_SCAN_BELOW = 2000


class InvalidQuery(ValueError):
    """A search or annotate input that cannot be run. The message says why."""


def kind_filter(index: ConceptIndex, kinds: list[str] | None) -> set[str] | None:
    """The kind IRIs (with their subkinds) a filter names, or None for no filter.

    Kinds are CURIEs (mkg:Condition), IRIs, or bare names (Condition, case-insensitive).
    """
    if not kinds:
        return None
    by_name = {k.rsplit("/", 1)[-1].casefold(): k for k in index.subkinds}
    allowed: set[str] = set()
    for kind in kinds:
        name = kind.strip()
        iri = by_name.get(name.casefold()) if ":" not in name else None
        if iri is None:
            try:
                iri = to_iri(name, index.base) if ":" in name else None
            except InvalidIdentifier:
                iri = None
        if iri is None or iri not in index.subkinds:
            known = ", ".join(sorted(index.curie(k) or k for k in index.subkinds if k.startswith(index.base + ONTOLOGY)))
            raise InvalidQuery(f"unknown kind {kind[:80]!r}; kinds are: {known}")
        allowed |= index.subkinds[iri]
    return allowed


def scheme_filter(index: ConceptIndex, schemes: list[str] | None) -> set[str | None] | None:
    """The scheme IRIs a filter names (None standing for medkg's own concepts), or None for no filter.

    A scheme is its IRI, its CURIE (src:icd-10-cm), its name with or without hyphens (icd-10-cm,
    icd10cm, hpo, omim, orphanet, decipher), or medkg for the curated concepts; case-insensitive."""
    if not schemes:
        return None
    names: dict[str, str | None] = {"medkg": None}
    for scheme in index.schemes:
        local = scheme.rstrip("/#").rsplit("/", 1)[-1].casefold()
        names.update({scheme.casefold(): scheme, local: scheme, local.replace("-", ""): scheme,
                      (index.curie(scheme) or scheme).casefold(): scheme})
    allowed: set[str | None] = set()
    for name in schemes:
        key = name.strip().casefold()
        if key not in names:
            known = ", ".join(["medkg", *sorted(s.rstrip("/#").rsplit("/", 1)[-1] for s in index.schemes)])
            raise InvalidQuery(f"unknown scheme {name[:80]!r}; schemes are: {known}")
        allowed.add(names[key])
    return allowed


def _word_range(index: ConceptIndex, prefix: str) -> tuple[int, int]:
    """The slice of the sorted vocabulary ``index.words`` that starts with ``prefix``."""
    return (bisect.bisect_left(index.words, prefix),
            bisect.bisect_left(index.words, prefix + "\U0010ffff"))


def _starts_a_word(index: ConceptIndex, prefix: str) -> bool:
    lo, hi = _word_range(index, prefix)
    return lo < hi


def _keys_with_words(index: ConceptIndex, alternatives: list[tuple[str, ...]]) -> set[str]:
    """Keys in which, for every query word, one of its alternatives starts a word."""
    if not alternatives:
        return set()
    # The most selective word (fewest postings) picks the candidates; the others filter them.
    ordered = sorted(alternatives, key=lambda alts: -max(len(a) for a in alts))
    candidates = _keys_starting(index, ordered[0])
    for alts in ordered[1:]:
        if not candidates:
            break
        if len(candidates) < _SCAN_BELOW:
            candidates = {key for key in candidates if any(word.startswith(alts) for word in key.split(" "))}
        else:
            candidates &= _keys_starting(index, alts)
    return candidates


def _keys_starting(index: ConceptIndex, alts: tuple[str, ...]) -> set[str]:
    """The keys with a word that one of ``alts`` starts."""
    found: set[str] = set()
    for alt in alts:
        lo, hi = _word_range(index, alt)
        for word in index.words[lo:hi]:
            found.update(index.postings[word])
    return found


def _strict(index: ConceptIndex, needle: str, words: list[str]) -> dict[str, int]:
    """key -> best tier (exact 0, prefix 1, word prefix 2) for every name the query matches."""
    found: dict[str, int] = {}
    for key in spaced_keys(index.keys, needle.replace(" ", "")):
        found[key] = 0
    lo = bisect.bisect_left(index.keys, needle)
    hi = bisect.bisect_left(index.keys, needle + "\U0010ffff")
    for key in index.keys[lo:hi]:
        found.setdefault(key, 1)
    if len(needle) == 1:  # one letter: names that start with it, not every name with a word that does
        return found
    for key in _keys_with_words(index, [(w, *LAY_EQUIVALENTS.get(w, ())) for w in words]):
        found.setdefault(key, 2)
    return found


def _same_start(index: ConceptIndex, key: str) -> list[str]:
    """The names that start with ``key``'s first letter: the ones a whole-name
    spelling comparison scans, as a slip in the first letter is the rarest kind (and this keeps the
    scan to a twentieth of a large vocabulary)."""
    lo = bisect.bisect_left(index.keys, key[0])
    hi = bisect.bisect_left(index.keys, key[0] + "\U0010ffff")
    return index.keys[lo:hi]


def corrections(index: ConceptIndex, words: list[str], typed: list[str] | None = None) -> list[tuple[str, ...]] | None:
    """For each query word, itself (if it starts a word of the graph) or its nearest words, best
    first (``nearest_words``); None when some word has neither. ``typed`` are the words as typed,
    before their plural ending was taken off (``text.normalize``): a slip can make a word look
    plural ("pelivs" for pelvis). Words of one or two letters are never corrected; the last word,
    if nothing is near it whole, is compared with the starts of words (autocomplete)."""
    result: list[tuple[str, ...]] = []
    for position, word in enumerate(words):
        if _starts_a_word(index, word) or word in LAY_EQUIVALENTS:
            result.append((word,))
            continue
        if len(word) < 3:
            return None
        near = nearest_words(index, word, typed[position] if typed else word)
        if not near and position == len(words) - 1 and len(word) >= 5:
            # The last word may be half typed ("osteoperos"): compare it with the starts of words.
            cut = len(word) + 1
            near = tuple(choice for choice, _, _ in process.extract(
                word, index.words, scorer=fuzz.ratio, processor=itemgetter(slice(0, cut)),
                limit=WORD_ALTERNATIVES, score_cutoff=PREFIX_CUTOFF))
        if not near:
            return None
        result.append(near)
    return result


def nearest_words(index: ConceptIndex, word: str, typed: str | None = None) -> tuple[str, ...]:
    """The words of the graph fewest slips away from ``word`` (or from ``typed``, the same word
    before its plural ending was taken off, whichever is nearer), best first.

    A slip is one letter substituted, left out, added, or two neighbours swapped (optimal string
    alignment distance: each counts one, as a typist makes them; the Indel ratio counted a
    substitution twice, so "osteoperosis" was nearer "osteopetrosis" than "osteoporosis"). Among
    words equally near, a word of a curated concept's name comes first (the graph is about them;
    the vocabularies are there to map to), then the word more names have, then the alphabet.
    """
    slips: dict[str, int] = {}
    for form in {word, typed or word}:
        most = 2 if len(form) >= TWO_SLIPS_FROM else 1
        for choice, distance, _ in process.extract(form, index.words, scorer=OSA.distance, score_cutoff=most,
                                                   limit=None):
            slips[choice] = min(distance, slips.get(choice, distance))
    ranked = sorted(slips, key=lambda choice: (slips[choice], not _curated_word(index, choice),
                                               -len(index.postings[choice]), choice))
    return tuple(ranked[:WORD_ALTERNATIVES])


def _curated_word(index: ConceptIndex, word: str) -> bool:
    """Whether a name of a curated concept has ``word``."""
    curated = index.concepts.curated
    return any(entry.iri in curated for key in index.postings[word] for entry in index.by_key[key])


def _slips(alternatives: list[tuple[str, ...]], key: str) -> int:
    """How far down each word's corrections ``key`` had to go: 0 when it has every first choice."""
    names = key.split(" ")
    total = 0
    for alts in alternatives:
        total += next((i for i, alt in enumerate(alts)
                       if any(name.startswith((alt, *LAY_EQUIVALENTS.get(alt, ()))) for name in names)), len(alts))
    return total


def _rank(index: ConceptIndex, found: dict[str, int], allowed: set[str] | None,
          penalties: dict[str, int], top: int,
          in_schemes: set[str | None] | None = None,
          concepts: set[str] | None = None) -> tuple[int, list[tuple[int, Entry]]]:
    """The number of concepts matched, and (tier, entry) for the best ``top`` of them, best first:
    tier, then the name's penalty (0-1000: for a word prefix, the words it has beyond the query's;
    for a fuzzy match, the nearest correction first), then the best name (label, exact synonym,
    shorter), then the concept's label. Ranks are single ints (Entry.rank): thousands of matches
    stay fast."""
    width = index.rank_width
    best: dict[str, int] = {}
    chosen: dict[str, Entry] = {}
    for key, tier in found.items():
        offset = (tier * 1001 + min(penalties.get(key, 0), 1000)) * width
        for entry in index.by_key[key]:
            if allowed is not None and index.kind_of[entry.iri] not in allowed:
                continue
            if in_schemes is not None and index.concepts.scheme(entry.iri) not in in_schemes:
                continue
            if concepts is not None and entry.iri not in concepts:
                continue
            value = offset + entry.rank
            seen = best.get(entry.iri)
            if seen is None or value < seen:
                best[entry.iri] = value
                chosen[entry.iri] = entry
    return len(best), [(value // width // 1001, chosen[iri]) for iri, value in
                       heapq.nsmallest(top, best.items(), key=itemgetter(1))]


def search(index: ConceptIndex, query: str, *, kinds: list[str] | None = None,
           limit: int = 10, offset: int = 0, schemes: list[str] | None = None) -> SearchResults:
    """Concepts whose label or a synonym matches ``query``, best first (see the module docstring).

    Raises InvalidQuery for a query over MAX_QUERY characters, without letters or digits, or with
    an unknown kind or scheme.
    """
    if len(query) > MAX_QUERY:
        raise InvalidQuery(f"the query is {len(query)} characters long; at most {MAX_QUERY} are allowed")
    needle = search_key(query)
    if not needle:
        raise InvalidQuery("the query has no letters or digits to search for")
    allowed = kind_filter(index, kinds)
    in_schemes = scheme_filter(index, schemes)
    words = needle.split(" ")
    typed = normalize(query).split(" ")
    found = _strict(index, needle, words)
    total, ordered = _rank(index, found, allowed, _left_over(found, words), offset + limit, in_schemes)
    for reading in [] if total else [*readings(index, words, typed), []]:
        if reading:
            found = _strict(index, " ".join(reading), reading)
            total, ordered = _rank(index, found, allowed, _left_over(found, reading), offset + limit, in_schemes)
        else:  # last: every word in some name of the concept, not all in one ("MRI scan")
            keys, concepts = across_names(index, [w for w in words if w not in FUNCTION_WORDS])
            total, ordered = _rank(index, dict.fromkeys(keys, 2), allowed, {}, offset + limit, in_schemes, concepts)
        if total:  # ranked as the reading matched them, but no name matched the query as typed
            ordered = [(max(tier, 2), entry) for tier, entry in ordered]
            break
    did_you_mean = None
    if not total:
        kept = [i for i, word in enumerate(words) if word not in FUNCTION_WORDS] or list(range(len(words)))
        words, typed = [words[i] for i in kept], [typed[i] for i in kept]
        alternatives = corrections(index, words, typed)
        if alternatives is not None and any(len(a) > 1 or a[0] != w for a, w in zip(alternatives, words)):
            keys = _keys_with_words(index, [(*alts, *_lay(alts)) for alts in alternatives])
            guess = " ".join(alts[0] for alts in alternatives)
            # The names with the first choices first, then the names nearest the corrected query.
            penalties = {key: 100 * _slips(alternatives, key) + round(100 - fuzz.ratio(guess, key)) for key in keys}
            total, ordered = _rank(index, dict.fromkeys(keys, FUZZY), allowed, penalties, offset + limit, in_schemes)
            if ordered:
                did_you_mean = ordered[0][1].text
    if not total and allowed is None and in_schemes is None:  # nothing matches well: the nearest whole name, as a hint
        nearest = process.extractOne(needle, _same_start(index, needle), scorer=fuzz.ratio, score_cutoff=NAME_CUTOFF)
        if nearest is not None:
            did_you_mean = index.by_key[nearest[0]][0].text
    hits = [
        SearchHit(concept=index.concepts[entry.iri], matched_text=entry.text, matched_scope=entry.scope,
                  synonym_type=index.curie(entry.synonym_type) if entry.synonym_type else None,
                  lay=entry.lay, abbreviation=entry.abbreviation, match_type=_TIERS[tier])  # type: ignore[arg-type]
        for tier, entry in ordered[offset:offset + limit]
    ]
    return SearchResults(query=query, total=total, limit=limit, offset=offset, hits=hits,
                         did_you_mean=did_you_mean)


def _left_over(found: dict[str, int], words: list[str]) -> dict[str, int]:
    """For the names matched word by word (word prefix), how many of their words the query left
    over: the fewer, the nearer the name is to what was asked ("fracture sacrum" is nearer
    "fracture of sacrum" than "Zone I fracture of sacrum")."""
    # (never below 0: two query words may start the same word of a name, "pain pain")
    return {key: max(0, key.count(" ") + 1 - len(words)) for key, tier in found.items() if tier == 2}


def readings(index: ConceptIndex, words: list[str], typed: list[str]) -> list[list[str]]:
    """Other ways to read a query that matches nothing as typed, in order: with a word split in two
    joined where the graph has the joined word ("tail bone pain" as "tailbone pain"; a whole query
    so split is already matched by ``index.spaced_keys``), without its function words ("what is
    an MRI" as "mri", ``text.FUNCTION_WORDS``), and both. ``typed``: the words before their plural
    endings were taken off (the "s" of "phys ical" is no plural)."""
    joined: list[str] = []
    pieces: list[str] = []  # the typed form of each joined word
    for word, as_typed in zip(words, typed):
        whole = stem(pieces[-1] + as_typed) if pieces else None
        if whole is not None and whole in index.postings:
            joined[-1], pieces[-1] = whole, pieces[-1] + as_typed
        else:
            joined.append(word)
            pieces.append(as_typed)
    found: list[list[str]] = []
    for reading in (joined, [w for w in words if w not in FUNCTION_WORDS],
                    [w for w in joined if w not in FUNCTION_WORDS]):
        if reading and reading != words and reading not in found:
            found.append(reading)
    return found


def across_names(index: ConceptIndex, words: list[str]) -> tuple[set[str], set[str]]:
    """The concepts in whose names, taken together, every word starts a word ("MRI scan": "MRI"
    and "scan" are two names of radiologic imaging), and the names of theirs with the rarest word
    (the ones a hit shows); none for fewer than two words (one word is matched name by name)."""
    keys = sorted((_keys_starting(index, (w, *LAY_EQUIVALENTS.get(w, ()))) for w in words), key=len)
    if len(keys) < 2 or not keys[0]:
        return set(), set()
    concepts = {entry.iri for key in keys[0] for entry in index.by_key[key]}
    for others in keys[1:]:
        concepts &= {entry.iri for key in others for entry in index.by_key[key]}
        if not concepts:
            return set(), set()
    return keys[0], concepts


def _lay(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(alt for word in words for alt in LAY_EQUIVALENTS.get(word, ()))


def near(index: ConceptIndex, text: str, limit: int = 5, cutoff: float = 60.0) -> list[ConceptRef]:
    """Concepts whose names are spelled most like ``text`` as a whole (for a 404's suggestions),
    nearest first; none below ``cutoff`` (rapidfuzz ratio, 0-100)."""
    key = search_key(text)
    found: dict[str, ConceptRef] = {}
    if not key:
        return []
    names = process.extract(key, _same_start(index, key), scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff)
    for name, _, _ in names:
        for entry in index.by_key[name]:
            found.setdefault(entry.iri, index.concepts[entry.iri])
            if len(found) == limit:
                return list(found.values())
    return list(found.values())
