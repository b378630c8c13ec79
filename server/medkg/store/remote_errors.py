"""A remote SPARQL server's syntax errors, moved back to the user's query.

medkg sends the remote server the user's query after a prologue of its own (BASE and the
predeclared PREFIX lines: ``medkg.store.remote_engine.prepared``), so the server counts lines from
the top of that text. Its position is moved back by the prologue's lines: Oxigraph's "error at
LINE:COLUMN: reason" becomes the embedded engine's own message (``medkg.sparql.query.syntax_error``,
the same words and fields as /sparql over the other stores); another server's "line N" (Virtuoso's
"SPARQL compiler, line N") is renumbered. A position inside the prologue cannot be the user's: it
is dropped rather than shown wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from medkg.sparql.query import syntax_error

_OXIGRAPH_AT = re.compile(r"error at (\d+):(\d+): (.*)$", re.DOTALL)
_LINE = re.compile(r",? ?\b[Ll]ine (\d+)\b")


@dataclass(frozen=True)
class RemoteSyntaxError:
    """What to tell the client: the message, and the position in its own query when known."""

    message: str
    line: int | None = None
    column: int | None = None


def prologue_lines(sent: str, query: str) -> int:
    """The lines medkg put before ``query`` in the text ``sent`` to the server."""
    return sent[: len(sent) - len(query)].count("\n") if sent.endswith(query) else 0


def remote_syntax_error(remote_message: str, query: str, prologue: int, base: str) -> RemoteSyntaxError:
    """The remote server's refusal of ``query`` (the user's text; the server saw ``prologue`` lines
    before it), with its position moved back to ``query``, or left out when it falls before it."""
    found = _OXIGRAPH_AT.search(remote_message)
    if found is not None:
        line, column, reason = int(found.group(1)) - prologue, int(found.group(2)), found.group(3).strip()
        if line >= 1:
            error = syntax_error(SyntaxError(f"error at {line}:{column}: {reason}"), query, base)
            return RemoteSyntaxError(str(error), error.line, error.column)
        return RemoteSyntaxError(f"SPARQL syntax error: {' '.join(reason.split())}")

    def renumber(match: re.Match[str]) -> str:
        line = int(match.group(1)) - prologue
        return match.group(0).replace(match.group(1), str(line)) if line >= 1 else ""

    return RemoteSyntaxError(_LINE.sub(renumber, remote_message))
