"""No page loads anything from another site (issue 16): every page's HTML, and the scripts and
styles it loads, refer to resources on this server only. Links (<a href>) may point elsewhere (an
ICD-10-CM code's IRI): following one is the reader's choice, not something the page fetches.
The browser side (every request a page makes goes to the local server) is in test_pages_browser.py.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from conftest import AsgiClient

PAGES = ["/", "/query", "/search", "/search?q=tailbone", "/search?q=osteoperosis", "/concept/sacral-fracture",
         "/concept/sacrum", "/concept/fracture", "/concept/osteoprosis", "/ontology", "/ontology/Fracture",
         "/ontology/hasSymptom", "/source/sacroplasty-article", "/source/sacroplasty-article-s04",
         "/source/correction-tailbone", "/graph/data"]
# Attributes that make a browser fetch something (HTML Living Standard), per element.
LOADING = {"script": ("src",), "img": ("src", "srcset"), "iframe": ("src",), "embed": ("src",),
           "object": ("data",), "source": ("src", "srcset"), "video": ("src", "poster"), "audio": ("src",),
           "track": ("src",), "input": ("src",), "image": ("href", "xlink:href"), "use": ("href", "xlink:href"),
           "form": ("action",)}
LINK_LOADS = {"stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest", "dns-prefetch",
              "preconnect", "apple-touch-icon"}


class Loads(HTMLParser):
    """Every URL a page would load: src/href of loading elements, <link rel=stylesheet|icon|...>,
    url(...) and @import in <style> blocks and style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for name in LOADING.get(tag, ()):
            if values.get(name):
                self.urls += [part.strip().split(" ")[0] for part in values[name].split(",")] if "srcset" in name \
                    else [values[name]]
        if tag == "link" and LINK_LOADS & set(values.get("rel", "").lower().split()):
            self.urls.append(values.get("href", ""))
        if "style" in values:
            self.urls += css_urls(values["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False if tag == "style" else self._in_style

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += css_urls(data)


def css_urls(css: str) -> list[str]:
    """The URLs a stylesheet loads: url(...) and @import "..." (CSS Values 4, 4.5; CSS Cascade 5, 2)."""
    found = re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css)
    found += re.findall(r"@import\s+['\"]([^'\"]+)['\"]", css)
    return [u for u in found if not u.startswith("data:") and not u.startswith("#")]


def is_local(url: str) -> bool:
    return not re.match(r"^([a-z][a-z0-9+.-]*:|//)", url, re.IGNORECASE) or url.startswith("data:")


@pytest.mark.parametrize("path", PAGES)
def test_no_page_loads_anything_from_another_site(packaged_client: AsgiClient, path: str) -> None:
    page = packaged_client.get(path, headers={"accept": "text/html"})
    assert page.status_code in (200, 404) and page.headers["content-type"].startswith("text/html")
    parser = Loads()
    parser.feed(page.text)
    outside = [u for u in parser.urls if not is_local(u)]
    assert outside == [], path
    for url in parser.urls:  # and each asset it loads is served here, with nothing external in CSS
        if url.startswith(("data:", "?")):
            continue
        asset = packaged_client.get(url)
        assert asset.status_code == 200, url
        if url.endswith(".css"):
            assert [u for u in css_urls(asset.text) if not is_local(u)] == [], url


def test_the_checker_catches_external_loads() -> None:
    parser = Loads()
    parser.feed('<link rel="stylesheet" href="https://cdn.example/x.css"><script src="//cdn.example/y.js"></script>'
                '<img srcset="a.png 1x, https://e.example/b.png 2x"><div style="background:url(http://e.example/c)">'
                '<style>@import "https://e.example/d.css"; .x { background: url(data:image/png;base64,AA) }</style>'
                '<a href="https://elsewhere.example/">a link is fine</a>')
    assert [u for u in parser.urls if not is_local(u)] == [
        "https://cdn.example/x.css", "//cdn.example/y.js", "https://e.example/b.png", "http://e.example/c",
        "https://e.example/d.css"]


def test_vendored_editor_has_its_licence_and_version(packaged_client: AsgiClient) -> None:
    licence = packaged_client.get("/static/yasgui/4.6.2/LICENSE")
    assert licence.status_code == 200 and "MIT License" in licence.text
    meta = packaged_client.get("/static/yasgui/4.6.2/package.json").json()
    assert (meta["name"], meta["version"], meta["license"]) == ("@zazuko/yasgui", "4.6.2", "MIT")
    assert packaged_client.get("/static/../pages.py").status_code == 404
    assert packaged_client.get("/static/nothing.js").status_code == 404
