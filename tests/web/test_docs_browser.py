"""/docs and /redoc render in headless Chromium with no network but the local server (issue 14, item 5).

Every host name but 127.0.0.1 resolves to nothing in this browser, so a page that needs a CDN
stays blank and the test fails.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import AsgiClient, LiveServer, chromium


@pytest.fixture(scope="module")
def offline_browser() -> Iterator[object]:
    with chromium("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1") as driver:  # no network but the server
        yield driver


# ReDoc's sidebar always shows Redocly's logo from their CDN; offline the image fails and ReDoc hides
# it (its onError). The only request a docs page may make elsewhere, and it is cosmetic.
COSMETIC = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def _requested_hosts(driver: object) -> set[str]:
    import json
    from urllib.parse import urlsplit

    hosts = set()
    for entry in driver.get_log("performance"):  # type: ignore[attr-defined]
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if url.startswith("http") and url != COSMETIC:
                hosts.add(urlsplit(url).hostname or "")
    return hosts


@pytest.mark.server
@pytest.mark.parametrize("path,selector,text", [("/docs", ".swagger-ui .info .title", "medkg"),
                                                ("/redoc", "h1", "medkg")])
def test_the_api_docs_render_offline(offline_browser: object, live_server: LiveServer, path: str, selector: str,
                                     text: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver = offline_browser
    driver.get_log("performance")  # type: ignore[attr-defined]  # drop earlier entries
    driver.get(live_server.url + path)  # type: ignore[attr-defined]
    WebDriverWait(driver, 30).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text))
    if path == "/docs":  # the operations are listed, read from /openapi.json
        WebDriverWait(driver, 30).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock-summary-path")))
    assert _requested_hosts(driver) == {"127.0.0.1"}
    severe = [e["message"] for e in driver.get_log("browser")  # type: ignore[attr-defined]
              if e["level"] == "SEVERE" and COSMETIC not in e["message"]]
    assert severe == []


def test_the_docs_pages_load_nothing_from_elsewhere(packaged_client: AsgiClient) -> None:
    for path in ("/docs", "/redoc"):
        html = packaged_client.get(path).text
        assert "cdn." not in html and "fonts.googleapis" not in html and "/docs-assets/" in html
    assert packaged_client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert packaged_client.get("/docs-assets/redoc.standalone.js").status_code == 200
