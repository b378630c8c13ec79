"""/docs (Swagger UI) and /redoc (ReDoc) with their scripts served here, so they work offline.

FastAPI's own pages load Swagger UI and ReDoc from a CDN: offline (or behind a firewall) they are
blank. The assets come from the fastapi-offline package (PyPI, MIT; it ships Swagger UI and
ReDoc's standalone bundle under their licences), served under /docs-assets/. The one request left
to elsewhere is ReDoc's sidebar logo (cdn.redoc.ly), an image ReDoc hides when it fails to load.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"


def install(app: FastAPI, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    """Adds /docs, its OAuth2 redirect page, /redoc and the assets they load to ``app`` (built
    with ``docs_url=None, redoc_url=None``). Links are written under the request's root path."""
    folder = str(files("fastapi_offline") / "static")
    app.mount(ASSETS, StaticFiles(directory=folder), name="docs-assets")
    redirect = docs_url + "/oauth2-redirect"

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(openapi_url=f"{root}{app.openapi_url}", title=f"{app.title}: API docs",
                                   oauth2_redirect_url=f"{root}{redirect}",
                                   swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{root}{ASSETS}/favicon.png")

    @app.get(redirect, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(redoc_url, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(openapi_url=f"{root}{app.openapi_url}", title=f"{app.title}: API reference",
                              redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
                              redoc_favicon_url=f"{root}{ASSETS}/favicon.png", with_google_fonts=False)
