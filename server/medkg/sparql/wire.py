"""The framing between the web front and its query workers, over a local stream socket.

Front to worker: one request, a 4-byte big-endian length then its body: three 4-byte lengths, a
flags byte (GZIP: the client takes gzip), and the UTF-8 query, Accept header and base IRI, then
(only when the request names graphs) JSON of the protocol dataset; no JSON on the common path.
Worker to front: frames of a 1-byte kind, a 4-byte length and a payload: HEAD (the content type,
then a newline and "gzip" when the DATA that follow are gzip-compressed), DATA (result bytes), END
(nothing), ERROR (JSON: status, error code, message, line/column for syntax errors). A small
result goes out as HEAD, DATA and END in one write.
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

HEAD = ord("H")
DATA = ord("D")
END = ord("E")
ERROR = ord("X")

FRAME = struct.Struct(">BI")
LENGTH = struct.Struct(">I")


def frame(kind: int, payload: bytes = b"") -> bytes:
    return FRAME.pack(kind, len(payload)) + payload


def json_frame(kind: int, value: dict[str, Any]) -> bytes:
    return frame(kind, json.dumps(value).encode())


REQUEST_HEAD = struct.Struct(">IIIIB")  # total length after this word, three field lengths, flags
_FIELDS = struct.Struct(">IIIB")
GZIP = 1  # request flag
GZIP_ENCODING = b"\ngzip"  # ends a HEAD payload whose DATA are gzip


def request_message(query: str, accept: str | None = None, base_iri: str | None = None,
                    default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
                    gzip: bool = False) -> bytes:
    q = query.encode("utf-8", "surrogatepass")
    a = accept.encode("utf-8", "surrogatepass") if accept else b""
    b = base_iri.encode("utf-8", "surrogatepass") if base_iri else b""
    graphs = json.dumps([default_graphs, named_graphs]).encode() if default_graphs or named_graphs else b""
    size = _FIELDS.size + len(q) + len(a) + len(b) + len(graphs)
    return b"".join((REQUEST_HEAD.pack(size, len(q), len(a), len(b), GZIP if gzip else 0), q, a, b, graphs))


def decode_request(body: bytes) -> dict[str, Any]:
    """The fields of a request body (what follows its length word)."""
    nq, na, nb, flags = _FIELDS.unpack_from(body)
    start = _FIELDS.size
    end_q, end_a, end_b = start + nq, start + nq + na, start + nq + na + nb
    default_graphs = named_graphs = None
    if len(body) > end_b:
        default_graphs, named_graphs = json.loads(body[end_b:])
    return {
        "query": body[start:end_q].decode("utf-8", "surrogatepass"),
        "accept": body[end_q:end_a].decode("utf-8", "surrogatepass") or None,
        "base_iri": body[end_a:end_b].decode("utf-8", "surrogatepass") or None,
        "default_graphs": default_graphs,
        "named_graphs": named_graphs,
        "gzip": bool(flags & GZIP),
    }


def recv_exact(sock: socket.socket, size: int) -> bytes | None:
    """Exactly ``size`` bytes, or None at end of stream."""
    chunks = []
    while size:
        chunk = sock.recv(size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


class RequestReader:
    """Reads requests from the front: usually one recv() per request (length and body together)."""

    def __init__(self, sock: socket.socket, bufsize: int = 64 * 1024) -> None:
        self._sock = sock
        self._bufsize = bufsize
        self._pending = b""  # bytes received past the last request (the front sends one at a time)

    def _fill(self, size: int) -> bool:
        data = self._pending
        while len(data) < size:
            chunk = self._sock.recv(max(self._bufsize, size - len(data)))
            if not chunk:
                return False
            data = chunk if not data else data + chunk
        self._pending = data
        return True

    def next(self) -> dict[str, Any] | None:
        """The next request (blocking), or None when the front closed the socket."""
        if not self._fill(LENGTH.size):
            return None
        end = LENGTH.size + LENGTH.unpack_from(self._pending)[0]
        if not self._fill(end):
            return None
        body, self._pending = self._pending[LENGTH.size:end], self._pending[end:]
        return decode_request(body)


def recv_request(sock: socket.socket) -> dict[str, Any] | None:
    """The next request (blocking), or None when the front closed the socket."""
    return RequestReader(sock).next()
