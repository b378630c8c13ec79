"""Text normalisation shared by search and annotate: case, accents, punctuation, plurals.

Search compares whole normalised strings; annotate compares normalised, lightly stemmed tokens.
Both sides (the index and the user's text) go through the same functions, so matching is
symmetric: "Vertèbres" finds "vertebra", "Sacral Fractures" finds "sacral fracture".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters and digits; everything else (space, hyphen, apostrophe, punctuation) separates tokens.
# Combining marks are kept inside a token, so text in decomposed form (NFD) tokenises the same.
TOKEN = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+", re.UNICODE)

# Everyday words that also match their clinical word in search (keys as ``search_key`` makes them).
# Kept tiny and sure: the graph itself gives "broken bone" as the lay synonym of fracture.
LAY_EQUIVALENTS: dict[str, tuple[str, ...]] = {
    "broken": ("fracture",),
    "break": ("fracture",),
    "fractured": ("fracture",),
}

def unaccent(text: str) -> str:
    """A string in NFKD form without combining marks (accents), case kept."""
    if text.isascii():  # already NFKD, no marks: most names, and the index builds them all
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a string: NFKD, no combining marks, casefolded."""
    return unaccent(text).casefold()


def normalize(text: str) -> str:
    """A string as search compares it: folded, punctuation to spaces, single spaces, trimmed."""
    return " ".join(TOKEN.findall(fold(text)))


def search_key(text: str) -> str:
    """A string as search compares it: normalised, each word without a regular plural ending."""
    return " ".join(stem(word) for word in TOKEN.findall(fold(text)))


@lru_cache(maxsize=65536)  # names share their words: the index stems each word once
def stem(token: str) -> str:
    """A folded token without a regular English (or Latin -ae) plural ending.

    Deliberately small: plurals are what patients' notes and labels disagree on most ("buttocks",
    "fractures", "vertebrae"); verb forms are left alone so that distinct terms stay distinct.
    """
    if len(token) <= 3 or not token.isalpha():
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith(("sses", "xes", "ches", "shes", "zes")):
        return token[:-2]
    if token.endswith("ae") and len(token) > 5:
        return token[:-1]
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def tokens(text: str) -> list[tuple[str, int, int]]:
    """(original token, start, end) for each token of ``text``, offsets into ``text`` itself."""
    return [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


@lru_cache(maxsize=65536)
def token_key(token: str) -> str:
    """The form of one token that annotate compares."""
    return stem(fold(token))


# Words that carry no name of their own ("what is an MRI", "pain in my tail bone"): search leaves
# them out of a query that matches nothing with them (names that have them still match with them).
# Kept as search_key makes them ("does" is "doe").
FUNCTION_WORDS = frozenset(stem(word) for word in (
    "a", "an", "the", "my", "your", "his", "her", "our", "their", "this", "that", "these", "those", "its",
    "it", "i", "me", "of", "in", "on", "at", "to", "for", "from", "with", "by", "about", "and", "or", "is",
    "are", "was", "were", "be", "been", "what", "which", "who", "how", "why", "does", "do", "did", "can",
    "could", "should", "having"))
