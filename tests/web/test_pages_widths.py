"""The pages at a phone's width and a desktop's, in a real headless Chromium (selenium, Debian's
chromium and chromium-driver; skipped with the reason where they are not installed).

Every page the site serves fits a 400 px window without sideways scrolling of the document; the
pictures (the concept page's neighbours, the home page's kinds) fit it too, at 400 and 1280 px,
with no text drawn over another, none outside its box, and every text at least 11 px on screen.
The server is a real `medkg serve` of the packaged graph with the real slice of the vocabularies
(tests/fixtures/vocab), so that pages of codes and vocabularies are among those checked.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import LiveServer, chromium, start_server

from medkg.graph import resources

SLICE = Path(__file__).parents[1] / "fixtures" / "vocab" / "slice.trig"
pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(shutil.which("chromium") is None and shutil.which("chromium-browser") is None
                       or shutil.which("chromedriver") is None,
                       reason="Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"),
]

# Every kind of page: home, search (empty, by name, by code, nothing found), the query page (and
# /sparql as a browser gets it), concept pages of several kinds (condition, anatomy, procedure,
# symptom, a broad concept with many narrower ones), the ontology and a class, sources, a page of
# a vocabulary, the API docs, and a 404.
PAGES = ["/", "/search", "/search?q=tailbone", "/search?q=S32.10XA", "/search?q=zzzzqqq", "/query", "/sparql",
         "/concept/sacral-fracture", "/concept/sacrum", "/concept/sacroplasty", "/concept/lower-back-pain",
         "/concept/osteoporosis", "/concept/fracture", "/concept/sacral-insufficiency-fracture",
         "/ontology", "/ontology/Fracture", "/ontology/hasSymptom", "/source/sacroplasty-article",
         "/source/medkg-editors", "/vocab/icd10cm/chapter/19", "/docs", "/redoc", "/concept/no-such-concept"]
PICTURES = {"/": "svg.kinds-map", "/concept/sacral-fracture": "svg.neighbourhood",
            "/concept/fracture": "svg.neighbourhood", "/concept/sacrum": "svg.neighbourhood"}
SCRIPTED = ("/query", "/sparql", "/docs", "/redoc")  # pages a script lays out after loading

# Each visible text of the picture: its box on screen, its size on screen (the computed font size
# times the SVG's scale), and the box of the shape it is written in (a node's rect), if any.
_TEXTS = """
const svg = document.querySelector(arguments[0]);
const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
return [...svg.querySelectorAll('text')].filter(t => t.getClientRects().length).map(t => {
  const r = t.getBoundingClientRect(), rect = t.parentNode.querySelector('rect');
  const box = rect ? rect.getBoundingClientRect() : null;
  return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
          size: parseFloat(getComputedStyle(t).fontSize) * scale,
          box: box && {left: box.left, right: box.right, top: box.top, bottom: box.bottom}};
});"""
_OVERFLOW = "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with start_server(str(resources.ontology_dir()), str(resources.data_dir()), str(SLICE), "--no-validate") as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def _open(driver: Any, server: LiveServer, path: str, width: int) -> None:
    driver.set_window_size(width, 900)
    driver.get(server.url + path)
    if path in SCRIPTED:
        time.sleep(2)  # their scripts lay the page out after load


def _overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    slack = 0.5  # a shared edge is not an overlap
    return (a["left"] < b["right"] - slack and b["left"] < a["right"] - slack
            and a["top"] < b["bottom"] - slack and b["top"] < a["bottom"] - slack)


def picture_faults(texts: list[dict[str, Any]]) -> list[str]:
    """What is wrong with a picture's texts: too small, outside its box, over another text."""
    faults = [f"{t['text']!r} is {t['size']:.1f} px" for t in texts if t["size"] < 11]
    faults += [f"{t['text']!r} leaves its box" for t in texts if t["box"] and not (
        t["box"]["left"] <= t["left"] + 0.5 and t["right"] <= t["box"]["right"] + 0.5
        and t["box"]["top"] <= t["top"] + 0.5 and t["bottom"] <= t["box"]["bottom"] + 0.5)]
    faults += [f"{a['text']!r} overlaps {b['text']!r}" for i, a in enumerate(texts) for b in texts[i + 1:]
               if _overlaps(a, b)]
    return faults


def test_the_faults_are_seen() -> None:
    """The checks below can fail: a small text, one outside its box, two on each other."""
    box = {"left": 0, "right": 100, "top": 0, "bottom": 20}
    ok = {"text": "a", "left": 5, "right": 50, "top": 4, "bottom": 16, "size": 13, "box": box}
    assert picture_faults([ok]) == []
    assert picture_faults([{**ok, "size": 7}]) == ["'a' is 7.0 px"]
    assert picture_faults([{**ok, "right": 120}]) == ["'a' leaves its box"]
    assert picture_faults([ok, {**ok, "text": "b", "left": 40, "right": 90, "box": None}]) == ["'a' overlaps 'b'"]


@pytest.mark.parametrize("width", [400, 1280])
@pytest.mark.parametrize("path", list(PICTURES))
def test_pictures_fit_and_read(browser: Any, server: LiveServer, path: str, width: int) -> None:
    _open(browser, server, path, width)
    scroll, client = browser.execute_script(_OVERFLOW)
    assert scroll <= client, f"{path} at {width} px is {scroll} px wide"
    svg = browser.find_element("css selector", PICTURES[path])
    assert svg.size["width"] <= client and svg.size["height"] > 100
    texts = browser.execute_script(_TEXTS, PICTURES[path])
    assert len(texts) >= 5
    assert picture_faults(texts) == []


def test_the_concept_picture_needs_no_sideways_scrolling(browser: Any, server: LiveServer) -> None:
    """The example found: at 400 px the neighbourhood of the sacral fracture scrolled sideways."""
    _open(browser, server, "/concept/sacral-fracture", 400)
    picture = browser.find_element("css selector", ".picture")
    assert browser.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth", picture)
    names = {t["text"] for t in browser.execute_script(_TEXTS, "svg.neighbourhood")}
    assert {"Sacral fracture", "Pelvic pain", "Sacrum", "has symptom"} <= names


@pytest.mark.parametrize("path", PAGES)
def test_every_page_fits_a_phone(browser: Any, server: LiveServer, path: str) -> None:
    _open(browser, server, path, 400)
    scroll, client = browser.execute_script(_OVERFLOW)
    wide = browser.execute_script(
        "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        "document.documentElement.clientWidth + 1).slice(0, 3).map(e => e.tagName + '.' + e.className)")
    assert scroll <= client, f"{path} is {scroll} px wide in a {client} px window: {wide}"
