"""The HTTP/1.1 protocol of `medkg serve`: uvicorn's httptools protocol with size limits and JSON refusals.

httptools reads a request line and headers of any size into memory before the app sees them; a
server facing the internet must refuse them early. This protocol counts the bytes of the URL and
of the headers as the parser hands them over and answers 414 / 431 (then closes) past the limits.

Every answer the protocol gives by itself (a request it cannot parse, a target or header section
past the limits, too many connections) is a JSON error like the app's own, with a sentence saying
what to do. httptools' URL splitter stops at 65,535 bytes; longer targets, up to --max-request-bytes,
are split here so that the documented limit is the only one.
"""

from __future__ import annotations

import json
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_REASONS = {400: b"Bad Request", 414: b"URI Too Long", 431: b"Request Header Fields Too Large",
            503: b"Service Unavailable"}
_PARSE_URL_LIMIT = 65535  # httptools.parse_url refuses longer URLs (16-bit offsets)


def error_body(status: int, error: str, message: str) -> bytes:
    """The JSON error document the protocol answers with: the shape of the app's own errors."""
    return json.dumps({"status": status, "error": error, "message": message}).encode()


def _refusal_bytes(status: int, error: str, message: str) -> bytes:
    body = error_body(status, error, message)
    return (b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n" % (status, _REASONS[status], len(body)) + body)


async def _busy(scope: Any, receive: Any, send: Any) -> None:
    """The 503 uvicorn answers past --max-connections, as JSON."""
    body = error_body(503, "too_many_connections",
                      "the server has as many open connections as it accepts (--max-connections); retry shortly")
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), (b"retry-after", b"1")]})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def limited_protocol(max_url_bytes: int, max_header_bytes: int) -> type[HttpToolsProtocol]:
    """An HttpToolsProtocol class refusing longer request targets or bigger header sections."""

    class LimitedHttpToolsProtocol(HttpToolsProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._url_bytes = 0
            self._header_bytes = 0
            self._refusal: tuple[int, str, str] | None = None

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._url_bytes = self._header_bytes = 0

        def on_url(self, url: bytes) -> None:
            self._url_bytes += len(url)
            if self._url_bytes > max_url_bytes:
                self._refuse(414, "request_too_large",
                             f"the request target is longer than {max_url_bytes} bytes; send the query by POST")
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._header_bytes += len(name) + len(value) + 4
            if self._header_bytes > max_header_bytes:
                self._refuse(431, "request_too_large",
                             f"the request headers are larger than {max_header_bytes} bytes in all")
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            if self._too_busy():
                # uvicorn would answer its text/plain 503: let it run the JSON one instead.
                app, limit = self.app, self.limit_concurrency
                self.app, self.limit_concurrency = _busy, None
                try:
                    self._headers_complete()
                finally:
                    self.app, self.limit_concurrency = app, limit
            else:
                self._headers_complete()

        def _too_busy(self) -> bool:
            limit = self.limit_concurrency
            return limit is not None and (len(self.connections) >= limit or len(self.tasks) >= limit)

        def _headers_complete(self) -> None:
            if len(self.url) <= _PARSE_URL_LIMIT:
                super().on_headers_complete()
                return
            # Hand httptools the target without its query, then put the query back into the scope
            # (the ASGI task it starts runs only after this callback returns).
            target = self.url.split(b"#", 1)[0]
            path, _, query = target.partition(b"?")
            if len(path) > _PARSE_URL_LIMIT:
                self._refuse(414, "request_too_large",
                             f"the path is longer than {_PARSE_URL_LIMIT} bytes; shorten it or send the data by POST")
            self.url = path
            super().on_headers_complete()
            self.scope["query_string"] = query

        def _refuse(self, status: int, error: str, message: str) -> None:
            self._refusal = (status, error, message)
            raise httptools.HttpParserError(message)  # stops the parser; data_received answers

        def data_received(self, data: bytes) -> None:
            # uvicorn's own, keeping the parser's reason for a malformed request for the answer.
            self._unset_keepalive_if_required()
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserUpgrade:
                if self._should_upgrade():
                    self.handle_websocket_upgrade()
                else:
                    self._unsupported_upgrade_warning()
            except httptools.HttpParserError as exc:
                if self._refusal is None:
                    reason = (f"the request is not valid HTTP/1.1 ({str(exc).rstrip('.')}); check the "
                              "method, request line, header lines (Name: value) and Content-Length")
                    self._refusal = (400, "bad_request", reason)
                self.logger.warning("Invalid HTTP request received: %s", self._refusal[2])
                self.send_400_response(self._refusal[2])

        def send_400_response(self, msg: str) -> None:
            status, error, message = self._refusal or (400, "bad_request", msg)
            self.transport.write(_refusal_bytes(status, error, message))
            self.transport.close()

    return LimitedHttpToolsProtocol
