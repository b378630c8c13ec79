"""SPARQL syntax errors said in words, for /sparql, `medkg query` and the query page alike.

The engine's parser reports where it stopped and the grammar it expected there ("expected one of
Prefix not found, ['%'], ..."). ``explain`` keeps the line and column and says what is wrong, from a
lexical look at the query (medkg.sparql.text): an empty query, an update sent as a query, a word
that is no SPARQL keyword (with the nearest keyword), an undeclared prefix (with those declared and
predeclared), a relative IRI without a base. Anything else keeps the parser's words, shortened.
"""

from __future__ import annotations

import difflib
import re

from medkg.sparql.text import lexemes

# SPARQL 1.1 Query and Update, section 19.8 (grammar): keywords and built-in call names.
_QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
_UPDATE_FORMS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
KEYWORDS = frozenset("""  # noqa: SIM905 - a word list reads better as text
BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK DISTINCT REDUCED AS FROM NAMED WHERE ORDER BY ASC DESC LIMIT OFFSET
VALUES UNDEF GROUP HAVING OPTIONAL GRAPH SERVICE SILENT BIND MINUS FILTER UNION NOT IN EXISTS TRUE FALSE A
LOAD CLEAR DROP CREATE ADD MOVE COPY TO INTO DEFAULT ALL INSERT DELETE DATA WITH USING
STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE
ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ
NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK
ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR
LATERAL TRIPLE SUBJECT PREDICATE OBJECT ISTRIPLE ADJUST LANGDIR STRLANGDIR HASLANG HASLANGDIR
""".split())
_SUGGESTIONS = sorted(k for k in KEYWORDS if len(k) > 2)
_PREFIXED = re.compile(r"^([A-Za-z][\w\-.]*)?:")


def explain(query: str, line: int, column: int, reason: str, known_prefixes: dict[str, str]) -> str:
    """What is wrong with a query the parser refused at ``line``:``column`` (1-based) with ``reason``
    (the parser's words), as one or two sentences. ``known_prefixes``: the predeclared ones."""
    found = [(at, t) for at, t in lexemes(query) if not t.startswith("#")]
    words = [t for _, t in found]
    if not words:
        return "the query is empty: send a SELECT, ASK, CONSTRUCT or DESCRIBE query"
    first, declared = _first_keyword(words)
    if first is not None and first.upper() in _UPDATE_FORMS:
        return (f"this is a SPARQL Update ({first.upper()} ...), not a query: send it as `update` (the form "
                "field update=, or a POST with Content-Type: application/sparql-update) to an endpoint that "
                "takes writes")
    if first is not None and first.upper() not in _QUERY_FORMS and _is_word(first):
        return _not_a_keyword(first, "a query starts with SELECT, ASK, CONSTRUCT or DESCRIBE (after PREFIX and BASE lines)")
    stop = _offset(query, line, column)
    # An undeclared prefix up to where the parser stopped is an error, whatever the parser said.
    missing = _undeclared([w for at, w in found if at <= stop], declared, known_prefixes)
    if missing is not None:
        listed = ", ".join(f"{p}:" for p in declared) or "none"
        known = ", ".join(f"{p}:" for p in sorted(known_prefixes, key=str.lower))
        return (f"the prefix {missing}: is not declared: add PREFIX {missing}: <...> to the query. Declared in "
                f"the query: {listed}; predeclared here: {known}")
    if "IRI parsing failed" in reason:
        relative = _relative_iri(query, line, column)
        if relative is not None:
            return (f"the IRI <{relative}> is relative and there is no base to resolve it against: write the "
                    "absolute IRI, or start the query with BASE <...>")
    unknown = next((w for at, w in found if at <= stop and _is_word(w) and w.upper() not in KEYWORDS
                    and (at == 0 or query[at - 1] not in "@.0123456789")), None)
    if unknown is not None:
        return _not_a_keyword(unknown, "")
    return _shorten(query, line, column, reason)


def _first_keyword(words: list[str]) -> tuple[str | None, list[str]]:
    """The first word after the PREFIX and BASE lines, and the prefixes those lines declare."""
    declared: list[str] = []
    i = 0
    while i < len(words):
        word = words[i].upper()
        if word == "PREFIX" and i + 1 < len(words):
            declared.append(words[i + 1].rstrip(":").rstrip())
            i += 3
        elif word == "BASE":
            i += 2
        else:
            return words[i], declared
    return None, declared


def _is_word(token: str) -> bool:
    return token[:1].isalpha() and ":" not in token


def _not_a_keyword(word: str, hint: str) -> str:
    near = difflib.get_close_matches(word.upper(), _SUGGESTIONS, n=1, cutoff=0.6)
    message = f"{word} is not a SPARQL keyword" + (f" (did you mean {near[0]}?)" if near else "")
    return message + (f"; {hint}" if hint else "")


def _undeclared(words: list[str], declared: list[str], known: dict[str, str]) -> str | None:
    for word in words:
        match = _PREFIXED.match(word)
        if match is None or word.startswith(("_:", "?", "$")):
            continue
        prefix = match.group(1) or ""
        if prefix not in declared and prefix not in known:
            return prefix
    return None


def _offset(query: str, line: int, column: int) -> int:
    lines = query.split("\n")
    return sum(len(text) + 1 for text in lines[:line - 1]) + column - 1


def _relative_iri(query: str, line: int, column: int) -> str | None:
    before = query[:_offset(query, line, column)]
    start = before.rfind("<")
    end = before.find(">", start)
    if start < 0 or end < 0:
        return None
    iri = before[start + 1:end]
    return iri if ":" not in iri else None


def _shorten(query: str, line: int, column: int, reason: str) -> str:
    """The parser's words without its character classes, and the text it stopped at."""
    expected = [part.strip() for part in re.split(r",\s*(?![^\[]*\])", reason.removeprefix("expected one of ").removeprefix("expected "))]
    keep = [p for p in expected if p and not p.startswith("[") and p not in ("...", "Prefix not found")]
    at = query[_offset(query, line, column):].strip()[:20]
    said = (f"unexpected {at.split()[0]!r}" if at else
            "the query cannot be read to its end (an unclosed { or (, an incomplete triple pattern or "
            "expression?)")
    return said + (f"; expected one of: {', '.join(keep[:8])}" if keep else "")
