"""Where the app answers: at the path of every minted IRI, under any base, and behind a proxy.

A minted IRI is base + local part. With a base that has a path (``http://127.0.0.1:8766/kg/``), its
IRIs (``http://127.0.0.1:8766/kg/concept/sacroplasty``) dereference at that path when the server
runs at the base's host and port: a request under the base's path is served as if the app were
mounted there (ASGI ``root_path``, as a reverse proxy's prefix is), so its links stay under it too.
The same paths without the prefix are still served (the default base's /medkg/ is a w3id.org
redirect target, not a local folder).

Behind a reverse proxy that strips a prefix, ``medkg serve --root-path /PREFIX`` (uvicorn's
option) has uvicorn put the prefix back into the ASGI ``path`` and ``root_path``
(ASGI HTTP scope, https://asgi.readthedocs.io/en/latest/specs/www.html#http-connection-scope);
routes match on the path less ``root_path`` (``route_path``), and links are written under it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from medkg.web.asgi import Scope


def base_prefix(base: str) -> str:
    """The path under which ``base``'s IRIs live, without its final slash: "/kg" for
    ``http://h:1/kg/``; "" for a base at the root, or one ending in "#" (its IRIs are fragments of
    one document, served at the root)."""
    if not base.endswith("/"):
        return ""
    return urlsplit(base).path.rstrip("/")


def route_path(scope: Scope) -> str:
    """The path the routes match: the request's path less ``root_path`` (as Starlette's routing does)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root):] or "/"
    return path


def under_base(scope: Scope, prefix: str) -> Scope:
    """``scope`` mounted at the base's path when the request is under it; else ``scope`` itself."""
    if not prefix:
        return scope
    path = route_path(scope)
    if path == prefix or path.startswith(prefix + "/"):
        root = scope.get("root_path", "")
        if not (root and scope["path"].startswith(root)):
            # A client-built scope whose path lacks the root (not uvicorn's): keep the path as the routes see it.
            return {**scope, "root_path": root + prefix, "path": root + path}
        return {**scope, "root_path": root + prefix}
    return scope
