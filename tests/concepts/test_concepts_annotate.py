"""Annotating free text: spans, matched names, longest match first, inflection, hostile input."""

from __future__ import annotations

import unicodedata

import pyoxigraph as ox
import pytest

from medkg.concepts import ConceptService, InvalidQuery
from medkg.concepts.annotate import MAX_TEXT


@pytest.fixture(scope="module")
def service(packaged_store: ox.Store) -> ConceptService:
    return ConceptService.from_store(packaged_store)


def _mentions(service: ConceptService, text: str, **kwargs: object) -> list[tuple[str, list[str]]]:
    result = service.annotate(text, **kwargs)  # type: ignore[arg-type]
    for m in result.mentions:
        assert text[m.start:m.end] == m.text  # spans point into the text as given
    return [(m.text, [x.concept.curie or "" for x in m.matches]) for m in result.mentions]


def test_patients_words(service: ConceptService) -> None:
    text = "sharp pain in my tailbone since lifting boxes"
    result = service.annotate(text)
    assert [(m.start, m.end, m.text) for m in result.mentions] == [(6, 10, "pain"), (17, 25, "tailbone")]
    tailbone = result.mentions[1].matches
    assert [(x.concept.curie, x.matched_scope, x.lay) for x in tailbone] == [
        ("medkg:coccyx", "exact", True), ("medkg:sacrum", "related", False)]  # on the sacrum: a misnomer
    assert result.total == 2 and result.text_length == len(text)


def test_longest_match_wins_unless_overlapping(service: ConceptService) -> None:
    text = "Chief complaint: lower back pain."
    assert _mentions(service, text) == [("lower back pain", ["medkg:lower-back-pain"])]
    every = _mentions(service, text, overlapping=True)
    assert ("lower back pain", ["medkg:lower-back-pain"]) in every
    assert ("back pain", ["medkg:back-pain"]) in every and ("pain", ["medkg:pain"]) in every
    # Ordered by start, longest first at the same start.
    starts = [(text.index(t) if t != "pain" else text.rindex("pain"), -len(t)) for t, _ in every]
    assert starts == sorted(starts)


def test_plurals_case_accents_and_hyphens(service: ConceptService) -> None:
    found = dict(_mentions(service, "Pain in the BUTTOCKS and thighs; vértebræ? Third-term pregnancy, sacral fractures."))
    assert found["BUTTOCKS"] == ["medkg:buttock"] and found["thighs"] == ["medkg:thigh"]
    assert found["Third-term pregnancy"] == ["medkg:third-trimester-pregnancy"]
    assert found["sacral fractures"] == ["medkg:sacral-fracture"]
    nfd = unicodedata.normalize("NFD", "Sacrum fracture and coccyx")  # decomposed text: same spans
    assert [t for t, _ in _mentions(service, nfd)] == ["Sacrum fracture", "coccyx"]


def test_abbreviations_match_with_their_case(service: ConceptService) -> None:
    found = _mentions(service, "Referred to PT; pt. reports an ESI last year, esi not repeated.")
    assert found == [("PT", ["medkg:physical-therapy"]), ("ESI", ["medkg:epidural-injection"])]


def test_kind_filter(service: ConceptService) -> None:
    text = "lower back pain after sacroplasty of the sacrum"
    only = _mentions(service, text, kinds=["AnatomicalStructure"])
    assert only == [("lower back", ["medkg:lower-back"]), ("sacrum", ["medkg:sacrum"])]
    with pytest.raises(InvalidQuery):
        service.annotate(text, kinds=["nonsense"])


@pytest.mark.parametrize("text", ["", " ", "🦴🦴", "\x00\x01", "<script>alert('x')</script>", "\u202epain\u202c",
                                  "'; DROP TABLE concepts; --", "\U0010ffff" * 10, "a\u0301" * 100])
def test_odd_text_gives_mentions_or_nothing(service: ConceptService, text: str) -> None:
    result = service.annotate(text)
    assert result.text_length == len(text)
    for m in result.mentions:
        assert text[m.start:m.end] == m.text


def test_large_text_and_the_limit(service: ConceptService) -> None:
    sentence = "Pelvic pain and reduced mobility after osteoporosis; scan of the sacrum. "
    text = sentence * (MAX_TEXT // len(sentence))
    result = service.annotate(text)
    assert result.total == 5 * (MAX_TEXT // len(sentence))
    assert result.mentions[-1].end <= len(text)
    with pytest.raises(InvalidQuery, match="at most"):
        service.annotate("x" * (MAX_TEXT + 1))
