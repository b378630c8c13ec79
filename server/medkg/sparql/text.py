"""A light lexical look at SPARQL text, for what the engine does not tell before running a query.

- SERVICE (federated query), which the endpoint refuses by default: Oxigraph would otherwise fetch
  any URL a query names. This gives the client a clear 400 before anything runs; the query
  workers' network sandbox (medkg.sparql.sandbox) is the guarantee behind it, for any spelling missed.
- FROM / FROM NAMED: a query that picks its own dataset must not get the union default graph.
- Nesting depth: the engine's parser recurses, and thousands of nested groups overflow its stack.
"""

from __future__ import annotations

import re

# SPARQL 1.1 section 19.2: \uXXXX and \UXXXXXXXX escapes are decoded before the query is parsed.
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

# Things that cannot hold a keyword: strings (long ones first), IRIs and comments. A "<" that does
# not open a well-formed IRI is the less-than operator and is skipped as a single character.
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n\r]*",
    re.DOTALL,
)
_WORD = re.compile(r"[?$]?[A-Za-z_][\w\-.]*(?::[\w\-.%:]*)?|[^\s]", re.UNICODE)


def _decode_codepoints(text: str) -> str:
    def char(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)

    return _CODEPOINT.sub(char, text)


def _tokens(text: str) -> list[str]:
    """Bare words and punctuation of a query, with strings, IRIs and comments replaced by '<>'."""
    out: list[str] = []
    position = 0
    for skip in _SKIP.finditer(text):
        out.extend(_WORD.findall(text, position, skip.start()))
        out.append("<>")
        position = skip.end()
    out.extend(_WORD.findall(text, position))
    return out


def _keyword_before_target(tokens: list[str], keyword: str, optional: str) -> bool:
    """Whether ``keyword`` stands followed (maybe after ``optional``) by an IRI, prefixed name or variable."""
    for i, token in enumerate(tokens[:-1]):
        if token.upper().startswith(keyword + ":") and tokens[i + 1] == "{":
            return True  # "SERVICE:x {": the engine reads the keyword, then the name ":x"
        if token.upper() != keyword:
            continue
        following = tokens[i + 1]
        if following.upper() == optional and i + 2 < len(tokens):
            following = tokens[i + 2]
        if following == "<>" or following[0] in "?$" or ":" in following:
            return True
    return False


def uses_service(query: str) -> bool:
    """Whether a query has a SERVICE clause (the keyword, in any case, in a place it can stand)."""
    if "service" not in query.lower() and "\\u" not in query.lower():
        return False  # the fast path for almost every query
    # SERVICE [SILENT] is followed by the endpoint: an IRI, a prefixed name or a variable.
    return _keyword_before_target(_tokens(_decode_codepoints(query)), "SERVICE", "SILENT")


def declares_dataset(query: str) -> bool:
    """Whether a query has FROM or FROM NAMED clauses (then they define its dataset)."""
    if "from" not in query.lower():
        return False
    return _keyword_before_target(_tokens(query), "FROM", "NAMED")


_OPEN, _CLOSE = set("{(["), set("})]")


def nesting_depth(query: str) -> int:
    """How deep groups, brackets and parentheses nest (outside strings, IRIs and comments)."""
    if sum(query.count(c) for c in _OPEN) < 64:
        return 0  # cannot be deep: skip the lexer
    depth = deepest = 0
    for token in _tokens(query):
        if token in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif token in _CLOSE:
            depth -= 1
    return deepest


_TOKEN = re.compile(_SKIP.pattern + "|" + _WORD.pattern, re.UNICODE)


def data_operations(update: str) -> list[tuple[str, str]] | None:
    """The operations of a SPARQL Update request made of INSERT DATA / DELETE DATA only, in order:
    ("INSERT" or "DELETE", the operation as an INSERT DATA request of its own, with every PREFIX and
    BASE declared before it). None when the request has any other operation (or cannot be split).

    Running such a request on an empty store yields the operation's quads, without touching the
    graph the update is meant for."""
    tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(update)]
    operations: list[tuple[str, str]] = []
    prologue: list[str] = []
    depth, i = 0, 0
    while i < len(tokens):
        word = tokens[i][1].upper()
        if depth == 0 and word in ("PREFIX", "BASE"):
            end = i + (3 if word == "PREFIX" else 2)
            if end > len(tokens):
                return None
            stop = tokens[end][0] if end < len(tokens) else len(update)
            prologue.append(update[tokens[i][0]:stop])
            i = end
            continue
        if word == ";" or word.startswith("#"):  # between operations: separators and comments
            i += 1
            continue
        if word not in ("INSERT", "DELETE") or i + 1 >= len(tokens) or tokens[i + 1][1].upper() != "DATA":
            return None
        # The operation runs to the brace closing its data block.
        j = i + 2
        while j < len(tokens):
            if tokens[j][1] == "{":
                depth += 1
            elif tokens[j][1] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if depth != 0:
            return None
        body = update[tokens[i + 1][0]:tokens[j][0] + 1]  # "DATA { ... }"
        operations.append((word, "".join(prologue) + " INSERT " + body))
        i = j + 1
    return operations


def lexemes(text: str) -> list[tuple[int, str]]:
    """Every token of a query as written, with its offset: strings, IRIs and comments whole, words
    (keywords, prefixed names, variables) and single punctuation characters. For error messages."""
    return [(m.start(), m.group()) for m in _TOKEN.finditer(text)]
