"""The pages in a real headless browser: Debian's chromium, driven by selenium through chromium-driver.

Skipped, with the reason, when chromium or its driver is not installed (apt-get install chromium
chromium-driver). The browser talks only to the local `medkg serve` of the live_server fixture.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest
from conftest import LiveServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(CHROMIUM is None or DRIVER is None,
                       reason="Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.TemporaryDirectory()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile.name}", "--window-size=1200,900"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        profile.cleanup()


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


def test_query_page_runs_sparql(browser: object, live_server: LiveServer) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    driver.get(live_server.url + "/query")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "run").click()  # type: ignore[attr-defined]
    WebDriverWait(driver, 30).until(lambda d: "row" in d.find_element(By.ID, "status").text)
    cells = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#results td")]  # type: ignore[attr-defined]
    assert "Pelvic pain" in cells and "Reduced mobility" in cells
    rows = driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")  # type: ignore[attr-defined]
    assert driver.find_element(By.ID, "status").text == f"{len(rows)} rows" and len(rows) >= 4  # type: ignore[attr-defined]
    # A broken query shows the endpoint's message, as text.
    area = driver.find_element(By.ID, "query")  # type: ignore[attr-defined]
    area.clear()
    area.send_keys("SELECT <script>alert(1)</script> WHERE {")
    driver.find_element(By.ID, "run").click()  # type: ignore[attr-defined]
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "status").text.startswith("Error 400"))
    assert driver.find_elements(By.CSS_SELECTOR, "#results script") == []  # type: ignore[attr-defined]
