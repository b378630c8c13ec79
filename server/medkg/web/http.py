"""The HTTP/1.1 protocol of `medkg serve`: uvicorn's httptools protocol with size limits.

httptools reads a request line and headers of any size into memory before the app sees them; a
server facing the internet must refuse them early. This protocol counts the bytes of the URL and
of the headers as the parser hands them over and answers 414 / 431 (then closes) past the limits.
"""

from __future__ import annotations

import json
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_REASONS = {414: b"URI Too Long", 431: b"Request Header Fields Too Large"}


def limited_protocol(max_url_bytes: int, max_header_bytes: int) -> type[HttpToolsProtocol]:
    """An HttpToolsProtocol class refusing longer request targets or bigger header sections."""

    class LimitedHttpToolsProtocol(HttpToolsProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._url_bytes = 0
            self._header_bytes = 0
            self._refusal: tuple[int, str] | None = None

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._url_bytes = self._header_bytes = 0

        def on_url(self, url: bytes) -> None:
            self._url_bytes += len(url)
            if self._url_bytes > max_url_bytes:
                self._refuse(414, f"the request target is longer than {max_url_bytes} bytes; send the query by POST")
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._header_bytes += len(name) + len(value) + 4
            if self._header_bytes > max_header_bytes:
                self._refuse(431, f"the request headers are larger than {max_header_bytes} bytes in all")
            super().on_header(name, value)

        def _refuse(self, status: int, message: str) -> None:
            self._refusal = (status, message)
            raise httptools.HttpParserError(message)  # stops the parser; data_received answers

        def send_400_response(self, msg: str) -> None:
            if self._refusal is None:
                super().send_400_response(msg)
                return
            status, message = self._refusal
            body = json.dumps({"status": status, "error": "request_too_large", "message": message}).encode()
            self.transport.write(
                b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                b"connection: close\r\n\r\n" % (status, _REASONS[status], len(body)) + body
            )
            self.transport.close()

    return LimitedHttpToolsProtocol
