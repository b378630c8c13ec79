"""The framing between the web front and its query workers, over a local stream socket.

Front to worker: one request, a 4-byte big-endian length then JSON. Worker to front: frames of a
1-byte kind, a 4-byte length and a payload: HEAD (the content type), DATA (result bytes),
END (nothing), ERROR (JSON: status, error code, message, line/column for syntax errors). A small
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


def request_message(value: dict[str, Any]) -> bytes:
    payload = json.dumps(value).encode()
    return LENGTH.pack(len(payload)) + payload


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


def recv_request(sock: socket.socket) -> dict[str, Any] | None:
    """The next request (blocking), or None when the front closed the socket."""
    head = recv_exact(sock, LENGTH.size)
    if head is None:
        return None
    body = recv_exact(sock, LENGTH.unpack(head)[0])
    if body is None:
        return None
    value: dict[str, Any] = json.loads(body)
    return value
