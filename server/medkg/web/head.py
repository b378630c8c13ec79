"""HEAD on every GET route (RFC 9110, 9.3.2): the GET's status and headers, without content.

FastAPI routes declared with GET answer HEAD with 405; this wrapper runs a HEAD request as the
GET it mirrors and drops the body, so the headers (Content-Type, Content-Length, Vary, Link,
Content-Encoding) are those the GET sends. The lean routes (/sparql, /store) answer HEAD themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from medkg.web.asgi import Message, Receive, Scope, Send

AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def head_as_get(app: AsgiApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Runs ``app`` on a HEAD request as if it were a GET, sending its headers and no content.

    The scope passed on is a copy: the server's own scope still says HEAD, so it sends no body
    and keeps the GET's Content-Length as it is."""
    scope = {**scope, "method": "GET"}

    async def send_headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return  # a streamed body: its chunks are not sent, the last (empty) one ends it
            message = {"type": "http.response.body", "body": b""}
        await send(message)

    await app(scope, receive, send_headers_only)
