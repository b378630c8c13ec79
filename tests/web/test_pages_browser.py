"""The pages in a real headless browser: Debian's chromium, driven by selenium through chromium-driver.

Skipped, with the reason, when chromium or its driver is not installed (apt-get install chromium
chromium-driver). The browser talks only to the local `medkg serve` of the live_server fixture.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import LiveServer, chromium

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(CHROMIUM is None or DRIVER is None,
                       reason="Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $MEDKG_SCREENSHOTS (e.g. test-artifacts/, gitignored) or pytest's tmp."""
    chosen = os.environ.get("MEDKG_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _shoot(driver: object, folder: Path, name: str) -> None:
    """A full-height screenshot at desktop width and at 400 px (a phone), restoring the window."""
    for width, suffix in ((1200, "desktop"), (400, "400px")):
        driver.set_window_size(width, 900)  # type: ignore[attr-defined]
        height = driver.execute_script("return document.documentElement.scrollHeight")  # type: ignore[attr-defined]
        driver.set_window_size(width, min(max(int(height), 600), 6000))  # type: ignore[attr-defined]
        path = folder / f"{name}-{suffix}.png"
        assert driver.save_screenshot(str(path)) and path.stat().st_size > 1000  # type: ignore[attr-defined]
    driver.set_window_size(1200, 900)  # type: ignore[attr-defined]


def _requests(driver: object) -> list[str]:
    """The URLs the browser requested since the last call (Chrome DevTools' Network domain)."""
    import json

    urls = []
    for entry in driver.get_log("performance"):  # type: ignore[attr-defined]
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _errors(driver: object) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[attr-defined]


def test_home_search_then_concept(browser: object, live_server: LiveServer) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    driver.get(live_server.url + "/")  # type: ignore[attr-defined]
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"  # type: ignore[attr-defined]
    links = {a.text for a in driver.find_elements(By.CSS_SELECTOR, "nav a")}  # type: ignore[attr-defined]
    assert {"Query", "SPARQL endpoint", "API docs"} <= links
    box = driver.find_element(By.ID, "q")  # type: ignore[attr-defined]
    box.send_keys("tailbone")
    box.submit()
    WebDriverWait(driver, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, "ol.hits li a")))
    first = driver.find_element(By.CSS_SELECTOR, "ol.hits li a")  # type: ignore[attr-defined]
    assert first.text == "Coccyx"
    first.click()
    WebDriverWait(driver, 20).until(ec.title_contains("Coccyx"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Coccyx"  # type: ignore[attr-defined]
    assert "Not medical advice" in driver.find_element(By.CSS_SELECTOR, "footer").text  # type: ignore[attr-defined]
    assert _errors(driver) == []


def test_concept_page_links_relations_and_sources(browser: object, live_server: LiveServer) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    driver.get(live_server.url + "/concept/sacral-fracture")  # type: ignore[attr-defined]
    relations = driver.find_element(By.ID, "relations").find_element(By.XPATH, "..")  # type: ignore[attr-defined]
    assert "has symptom" in relations.text and "Reduction in mobility" in relations.text
    quotes = [q.text for q in driver.find_elements(By.CSS_SELECTOR, "blockquote")]  # type: ignore[attr-defined]
    assert any("The chief complaint of a sacral fracture is lower back pain." in q for q in quotes)
    relations.find_element(By.LINK_TEXT, "Sacrum").click()
    WebDriverWait(driver, 20).until(ec.title_contains("Sacrum"))
    driver.find_element(By.LINK_TEXT, "Sacroplasty for Lower Back Pain").click()  # type: ignore[attr-defined]
    WebDriverWait(driver, 20).until(ec.presence_of_element_located((By.ID, "sentences")))
    sentences = driver.find_elements(By.CSS_SELECTOR, "#sentences + ol li")  # type: ignore[attr-defined]
    assert len(sentences) == 24
    assert _errors(driver) == []


def test_query_page_runs_sparql_in_yasgui(browser: object, live_server: LiveServer, shots: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    driver.get(live_server.url + "/query")  # type: ignore[attr-defined]
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yasqe .CodeMirror"))
    driver.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()  # type: ignore[attr-defined]
    rows = WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr"))
    # The default example (competency question 1): each symptom once, as a labelled link to its page.
    WebDriverWait(driver, 30).until(lambda d: "Pelvic pain" in d.find_element(By.CSS_SELECTOR, ".yasr").text)
    links = driver.find_elements(By.CSS_SELECTOR, ".yasr table tbody a.iri")  # type: ignore[attr-defined]
    hrefs = [a.get_attribute("href") for a in links]
    assert live_server.url + "/concept/pelvic-pain" in hrefs
    texts = [a.text for a in links]
    assert "Pelvic pain" in texts and not any(t.startswith(("http", "<")) for t in texts)
    symptoms = [r.find_elements(By.TAG_NAME, "td")[1].text for r in rows]
    assert len(symptoms) == len(set(symptoms)) >= 4  # no duplicates
    _shoot(driver, shots, "query")
    # A ready question from the list runs at once.
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, "examples")).select_by_index(5)  # type: ignore[attr-defined]
    WebDriverWait(driver, 30).until(lambda d: "Coccyx" in d.find_element(By.CSS_SELECTOR, ".yasr").text)
    # A broken query shows the endpoint's message, as text.
    driver.execute_script(  # type: ignore[attr-defined]
        "document.querySelector('.CodeMirror').CodeMirror.setValue('SELECT <script>alert(1)</script> WHERE {')")
    driver.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()  # type: ignore[attr-defined]
    WebDriverWait(driver, 30).until(lambda d: "400" in d.find_element(By.CSS_SELECTOR, ".yasr").text
                                    or "syntax" in d.find_element(By.CSS_SELECTOR, ".yasr").text.lower())
    assert driver.find_elements(By.CSS_SELECTOR, ".yasr script") == []  # type: ignore[attr-defined]
    assert _errors(driver) == [] or all("400" in e for e in _errors(driver))
    # Concepts complete after "medkg:", from the concept API's search (typos forgiven), with labels.
    driver.execute_script(  # type: ignore[attr-defined]
        "var y = window.medkgYasgui.getTab().getYasqe(); y.setValue('SELECT * WHERE { medkg:osteoperos');"
        "y.focus(); y.setCursor({line: 0, ch: y.getLine(0).length}); y.autocomplete();")
    hints = WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".CodeMirror-hints li"))
    assert "medkg:osteoporosis (Osteoporosis)" in [" ".join(h.text.split()) for h in hints]
    completers = driver.execute_script("return window.medkgYasgui.getTab().getYasqe().config.autocompleters")  # type: ignore[attr-defined]
    assert completers == ["prefixes", "variables", "medkg-concepts"]  # no completer that asks another site
    # Hostile values in results stay text: a javascript: IRI is no link, markup in a literal no markup.
    driver.execute_script(  # type: ignore[attr-defined]
        "document.querySelector('.CodeMirror').CodeMirror.setValue("
        "'SELECT ?x ?y WHERE { VALUES (?x ?y) { (<javascript:alert(1)> \"<img src=x onerror=alert(2)>\") } }')")
    driver.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()  # type: ignore[attr-defined]
    WebDriverWait(driver, 30).until(lambda d: "javascript:alert(1)" in d.find_element(By.CSS_SELECTOR, ".yasr").text)
    assert driver.find_elements(By.CSS_SELECTOR, ".yasr a[href^='javascript']") == []  # type: ignore[attr-defined]
    assert driver.find_elements(By.CSS_SELECTOR, ".yasr img") == []  # type: ignore[attr-defined]


def test_concept_page_picture_and_tree(browser: object, live_server: LiveServer, shots: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    driver.get(live_server.url + "/concept/sacral-fracture")  # type: ignore[attr-defined]
    # The neighbourhood picture: the neighbours' boxes are links to their pages, edges in plain words.
    nodes = driver.find_elements(By.CSS_SELECTOR, "svg.neighbourhood a.node")  # type: ignore[attr-defined]
    names = {n.find_element(By.TAG_NAME, "text").text for n in nodes}
    assert {"Pelvic pain", "Sacrum", "Pelvic fracture", "Sacral insufficiency fracture"} <= names
    edges = " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, "svg.neighbourhood .edge-label"))  # type: ignore[attr-defined]
    assert "has symptom" in edges and "affects" in edges and "is a kind of" in edges
    assert driver.find_element(By.CSS_SELECTOR, "svg.neighbourhood").size["height"] > 100  # type: ignore[attr-defined]
    codes = driver.find_element(By.ID, "codes").find_element(By.XPATH, "..").text  # type: ignore[attr-defined]
    # S32.1 codes traumatic sacral fractures only: narrower than the concept (issue 13)
    assert "the code is narrower" in codes and "mapped by hand" in codes and "skos:" not in codes and "semapv:" not in codes
    _shoot(driver, shots, "concept")
    # The tree: from the root down to the concept, whose children can be opened.
    tree = driver.find_element(By.CSS_SELECTOR, "ul.tree")  # type: ignore[attr-defined]
    assert tree.find_element(By.CSS_SELECTOR, "li.current strong").text == "Sacral fracture"
    assert "Fracture" in tree.text and "Pelvic fracture" in tree.text
    # A parent opens its children, loaded from the concept API.
    driver.get(live_server.url + "/concept/fracture")  # type: ignore[attr-defined]
    toggles = driver.find_elements(By.CSS_SELECTOR, "ul.tree button.toggle")  # type: ignore[attr-defined]
    assert toggles, "the children of Fracture that have children can be opened"
    toggle = next(t for t in toggles if "Pelvic fracture" in t.get_attribute("aria-label"))
    toggle.click()
    WebDriverWait(driver, 20).until(lambda d: toggle.get_attribute("aria-expanded") == "true")
    opened = toggle.find_element(By.XPATH, "..").find_element(By.TAG_NAME, "ul")
    assert "Sacral fracture" in opened.text
    toggle.click()  # and closes again
    assert not opened.is_displayed()
    # The picture's boxes are links: one leads to the neighbour's page.
    driver.find_element(By.CSS_SELECTOR, "svg.neighbourhood a.node").click()  # type: ignore[attr-defined]
    WebDriverWait(driver, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))
    assert driver.current_url.startswith(live_server.url + "/concept/")  # type: ignore[attr-defined]
    assert _errors(driver) == []


def test_home_picture_of_kinds(browser: object, live_server: LiveServer, shots: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    driver.get(live_server.url + "/")  # type: ignore[attr-defined]
    nodes = driver.find_elements(By.CSS_SELECTOR, "svg.kinds-map a.node")  # type: ignore[attr-defined]
    texts = [n.text for n in nodes]
    # mkg:Fracture itself; pathological and traumatic fractures are kinds of their own (issue 13)
    assert "fracture\n5" in texts and any(t.startswith("pathological fracture\n") for t in texts), texts
    assert len(driver.find_elements(By.CSS_SELECTOR, "svg.kinds-map .edge")) >= 10  # type: ignore[attr-defined]
    _shoot(driver, shots, "home")
    fracture = next(n for n in nodes if n.text.startswith("fracture"))
    fracture.click()
    WebDriverWait(driver, 20).until(ec.title_contains("fracture"))
    assert driver.current_url == live_server.url + "/ontology/Fracture"  # type: ignore[attr-defined]
    assert _errors(driver) == []


def test_pages_fetch_nothing_from_another_site(browser: object, live_server: LiveServer) -> None:
    """Every request the browser makes for each page (scripts, styles, API and SPARQL calls, query
    results and their labels) goes to the local server."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    _requests(driver)  # drop what earlier tests requested
    seen: list[str] = []
    for path in ["/", "/search?q=osteoperosis", "/concept/sacral-fracture", "/concept/fracture",
                 "/source/sacroplasty-article", "/ontology/Fracture", "/concept/osteoprosis", "/query"]:
        driver.get(live_server.url + path)  # type: ignore[attr-defined]
        if path == "/query":
            WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yasqe_queryButton"))
            driver.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()  # type: ignore[attr-defined]
            WebDriverWait(driver, 30).until(lambda d: "Pelvic pain" in d.find_element(By.CSS_SELECTOR, ".yasr").text)
        if path == "/concept/fracture":
            driver.find_element(By.CSS_SELECTOR, "ul.tree button.toggle").click()  # type: ignore[attr-defined]
            WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "ul.tree li ul li"))
        seen += _requests(driver)
    outside = [u for u in seen if not u.startswith((live_server.url + "/", "data:", "blob:"))]
    assert outside == []
    assert any("/static/yasgui/" in u for u in seen) and any(u.endswith("/sparql") for u in seen)
    assert any("/descendants?" in u for u in seen)


def test_search_page_forgives_and_screens(browser: object, live_server: LiveServer, shots: Path) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(live_server.url + "/search?q=osteoperosis")  # type: ignore[attr-defined]
    assert "Osteoporosis" in driver.find_element(By.ID, "did-you-mean").text  # type: ignore[attr-defined]
    assert driver.find_element(By.CSS_SELECTOR, "ol.hits li a").text == "Osteoporosis"  # type: ignore[attr-defined]
    _shoot(driver, shots, "search")
    driver.get(live_server.url + "/concept/osteoprosis")  # type: ignore[attr-defined]
    assert driver.find_element(By.CSS_SELECTOR, "ul.suggestions li a").text == "Osteoporosis"  # type: ignore[attr-defined]
    _shoot(driver, shots, "not-found")
    for name, path in [("source", "/source/sacroplasty-article"), ("ontology-term", "/ontology/Fracture"),
                       ("sentence", "/source/sacroplasty-article-s04")]:
        driver.get(live_server.url + path)  # type: ignore[attr-defined]
        _shoot(driver, shots, name)
