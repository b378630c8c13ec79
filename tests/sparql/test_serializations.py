"""Every answer well formed (issue 14, item 3): each result and graph format that /sparql and
`medkg query` offer reads back, with an independent parser (json, csv, xml.etree, rdflib), as the
very terms the query produced; where a format cannot carry an answer, a 406 naming the formats that
can (exit 1 in the CLI), never a 200 with a broken body.

The adversarial terms are made by hypothesis and put into queries with VALUES (blank nodes with
BNODE()), so the in-process app on the packaged graph and the CLI on a one-triple file answer them.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import rdflib
from conftest import AsgiClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medkg.cli import main

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A term as compared: ("uri", iri) | ("bnode",) | ("literal", text, language, datatype) | None (unbound).
Term = tuple[str, ...] | None

RESULT_TYPES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                "csv": "text/csv", "tsv": "text/tab-separated-values"}
GRAPH_TYPES = {"turtle": "text/turtle", "ntriples": "application/n-triples", "rdfxml": "application/rdf+xml",
               "jsonld": "application/ld+json", "nquads": "application/n-quads", "trig": "application/trig"}
CLI_GRAPH_FORMATS = ("turtle", "ntriples", "rdfxml", "jsonld")
RDFLIB_FORMAT = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml", "jsonld": "json-ld",
                 "nquads": "nquads", "trig": "trig"}

# -- adversarial terms ------------------------------------------------------------------------------

_IRI_CHARS = st.sampled_from(list("abcXYZ019-._~:@!$&'()*+,;=/é中😀") + ["%22", "%20", "%2C"])
iris = st.lists(_IRI_CHARS, max_size=12).map(lambda parts: "http://example.org/" + "".join(parts))
# Predicates too: some end in digits or '#', which no XML element name can carry.
predicates = st.one_of(iris, iris.map(lambda i: i + "#"), st.just("http://example.org/p/123"))
texts = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
    st.text(st.sampled_from(list(',;"\'\n\r\t\\ <>&\x01\x7f\x85\ufffe') + ["x", "é"]), max_size=20),
    st.just("long " * 400),
)
languages = st.from_regex(r"[a-z]{2,3}(-[A-Z]{2}|-[0-9]{3}|-[a-z]{5,8})?", fullmatch=True)  # BCP 47 forms
literals = st.one_of(
    texts.map(lambda t: ("literal", t, "", XSD_STRING)),
    st.tuples(texts, languages).map(lambda tl: ("literal", tl[0], tl[1].lower(), "")),
    st.tuples(texts, iris).map(lambda td: ("literal", td[0], "", td[1])),
)
terms: st.SearchStrategy[Term] = st.one_of(
    iris.map(lambda i: ("uri", i)), literals, st.just(("bnode",)), st.none()
)


def _sparql(term: Term) -> str:
    """A term as SPARQL text (VALUES row), control characters as \\u escapes (SPARQL 1.1, 19.7)."""
    assert term is not None and term[0] != "bnode"
    if term[0] == "uri":
        return f"<{term[1]}>"
    escaped = "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04X}" if ord(c) < 0x10000
                      else f"\\U{ord(c):08X}" for c in term[1])
    suffix = f"@{term[2]}" if term[2] else f"^^<{term[3]}>" if term[3] != XSD_STRING else ""
    return f'"{escaped}"{suffix}'


def select_query(rows: list[list[Term]]) -> str:
    """SELECT over VALUES; a blank node column per row through BNODE()."""
    width = len(rows[0])
    names = [f"?v{i}" for i in range(width)]
    values = []
    for r, row in enumerate(rows):
        cells = ["UNDEF" if term is None or term[0] == "bnode" else _sparql(term) for term in row]
        values.append(f"({r} {' '.join(cells)})")
    # Blank node cells: coalesce the row's own BNODE() into its column.
    selects = []
    for c in range(width):
        bnode_rows = [r for r, row in enumerate(rows) if row[c] is not None and row[c][0] == "bnode"]
        if bnode_rows:
            selects.append(f"(COALESCE(?v{c}, IF(?row IN ({', '.join(map(str, bnode_rows))}), BNODE(), ?nothing)) AS ?w{c})")
        else:
            selects.append(f"(?v{c} AS ?w{c})")
    return (f"SELECT {' '.join(selects)} WHERE {{ VALUES (?row {' '.join(names)}) {{ {' '.join(values)} }} }} "
            "ORDER BY ?row")


def construct_query(triples: list[tuple[Term, str, Term]]) -> str:
    template = []
    for subject, predicate, obj in triples:
        s = "[]" if subject is None or subject[0] != "uri" else _sparql(subject)
        o = "[]" if obj is None or obj[0] == "bnode" else _sparql(obj)
        template.append(f"{s} <{predicate}> {o} .")
    return f"CONSTRUCT {{ {' '.join(template)} }} WHERE {{}}"


rows_strategy = st.integers(1, 3).flatmap(lambda width: st.lists(st.lists(terms, min_size=width, max_size=width),
                                                                 min_size=1, max_size=4))
triples_strategy = st.lists(st.tuples(st.one_of(iris.map(lambda i: ("uri", i)), st.just(("bnode",))), predicates,
                                      st.one_of(iris.map(lambda i: ("uri", i)), literals, st.just(("bnode",)))),
                            min_size=1, max_size=4)


def carries_xml(values: list[Term] | list[str]) -> bool:
    for value in values:
        for text in ([value] if isinstance(value, str) else value or ()):
            if XML_CHAR.search(text):
                return False
    return True


def rdfxml_can_name(predicate: str) -> bool:
    return re.search(r"[A-Za-z_][A-Za-z0-9_.\-]*$", predicate) is not None


# -- independent readers -----------------------------------------------------------------------------


def _json_term(value: dict[str, str] | None) -> Term:
    if value is None:
        return None
    if value["type"] == "uri":
        return ("uri", value["value"])
    if value["type"] == "bnode":
        return ("bnode",)
    return ("literal", value["value"], value.get("xml:lang", "").lower(),
            "" if "xml:lang" in value else value.get("datatype", XSD_STRING))


def read_json(body: bytes, width: int) -> list[list[Term]]:
    answer = json.loads(body)
    return [[_json_term(b.get(f"w{c}")) for c in range(width)] for b in answer["results"]["bindings"]]


_RS = "{http://www.w3.org/2005/sparql-results#}"


def read_xml(body: bytes, width: int) -> list[list[Term]]:
    rows = []
    for result in ET.fromstring(body).iter(_RS + "result"):
        cells: dict[str, Term] = {}
        for binding in result.iter(_RS + "binding"):
            node = binding[0]
            if node.tag == _RS + "uri":
                cells[binding.attrib["name"]] = ("uri", node.text or "")
            elif node.tag == _RS + "bnode":
                cells[binding.attrib["name"]] = ("bnode",)
            else:
                lang = node.attrib.get("{http://www.w3.org/XML/1998/namespace}lang", "")
                cells[binding.attrib["name"]] = ("literal", node.text or "", lang.lower(),
                                                 "" if lang else node.attrib.get("datatype", XSD_STRING))
        rows.append([cells.get(f"w{c}") for c in range(width)])
    return rows


def read_csv(body: bytes, width: int) -> list[list[str]]:
    records = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert records[0] == [f"w{c}" for c in range(width)]
    assert all(len(record) == width for record in records), records
    return records[1:]


def read_tsv(body: bytes, width: int) -> list[list[Term]]:
    lines = body.decode("utf-8").split("\n")
    assert lines[0].split("\t") == [f"?w{c}" for c in range(width)] and lines[-1] == ""
    rows = []
    for line in lines[1:-1]:
        cells = line.split("\t")
        assert len(cells) == width, line
        # Each cell is a term in Turtle syntax (section 3): read it as the object of a triple.
        rows.append([_turtle_term(cell) for cell in cells])
    return rows


def _turtle_term(cell: str) -> Term:
    if cell == "":
        return None
    graph = rdflib.Graph().parse(data=f"<http://s> <http://p> {cell} .", format="turtle")
    return _rdflib_term(next(iter(graph))[2])


def _rdflib_term(node: Any) -> Term:
    if isinstance(node, rdflib.URIRef):
        return ("uri", str(node))
    if isinstance(node, rdflib.BNode):
        return ("bnode",)
    return ("literal", str(node), (node.language or "").lower(),
            "" if node.language else str(node.datatype or XSD_STRING))


def read_graph(body: bytes, fmt: str) -> list[tuple[Term, Term, Term]]:
    graph = rdflib.ConjunctiveGraph() if fmt in ("nquads", "trig") else rdflib.Graph()
    graph.parse(data=body, format=RDFLIB_FORMAT[fmt])
    return sorted((_rdflib_term(s), _rdflib_term(p), _rdflib_term(o)) for s, p, o in graph.triples((None, None, None)))


def _csv_cell(term: Term) -> str:
    return "" if term is None else "_:" if term[0] == "bnode" else term[1]


def expected_graph(triples: list[tuple[Term, str, Term]]) -> list[tuple[Term, Term, Term]]:
    out = set()
    for subject, predicate, obj in triples:
        out.add((subject if subject and subject[0] == "uri" else ("bnode",), ("uri", predicate),
                 ("bnode",) if obj is None or obj[0] == "bnode" else obj))
    return sorted(out)


def check_rows(fmt: str, body: bytes, rows: list[list[Term]]) -> None:
    width = len(rows[0])
    if fmt == "csv":
        got = read_csv(body, width)
        assert [[c[:2] if c.startswith("_:") else c for c in r] for r in got] == [[_csv_cell(t) for t in r] for r in rows]
        return
    got_rows = {"json": read_json, "xml": read_xml, "tsv": read_tsv}[fmt](body, width)
    assert got_rows == rows


def check_graph(fmt: str, body: bytes, triples: list[tuple[Term, str, Term]]) -> None:
    got = read_graph(body, fmt)
    expected = expected_graph(triples)
    # Blank nodes are anonymous: compare the triples without blank nodes exactly, count the rest.
    named = [t for t in expected if ("bnode",) not in t]
    assert [t for t in got if ("bnode",) not in t] == named
    assert len(got) == len(expected) or ("bnode",) in {t[0] for t in expected} | {t[2] for t in expected}


# -- the two surfaces ----------------------------------------------------------------------------------


def via_http(client: AsgiClient, query: str, media_type: str) -> tuple[int, bytes, dict[str, Any]]:
    response = client.post("/sparql", content=query.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": media_type})
    info = response.json() if response.status_code != 200 else {}
    if response.status_code == 200:
        assert response.headers["content-type"].startswith(media_type)
    return response.status_code, response.content, info


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tiny") / "tiny.ttl"
    path.write_text("<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n", encoding="utf-8")
    return path


def via_cli(*args: str) -> tuple[int, bytes, str]:
    """`medkg query ...` through its Python entry point: (exit code, stdout bytes, stderr)."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    saved = sys.argv, sys.stdout, sys.stderr
    sys.argv, sys.stdout, sys.stderr = ["medkg", "query", *args], out, err
    code: Any = 0
    try:
        main()
    except SystemExit as done:
        code = done.code or 0
    finally:
        sys.argv, sys.stdout, sys.stderr = saved
    out.flush()
    return int(code), out.buffer.getvalue(), err.getvalue()  # type: ignore[attr-defined]


PROPERTY = settings(max_examples=12, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])


def _row_texts(rows: list[list[Term]]) -> list[str]:
    return [text for row in rows for term in row if term for text in term[1:]]


@pytest.mark.parametrize("fmt", list(RESULT_TYPES))
@PROPERTY
@given(rows=rows_strategy)
def test_select_results_read_back_over_http(packaged_client: AsgiClient, fmt: str, rows: list[list[Term]]) -> None:
    status, body, info = via_http(packaged_client, select_query(rows), RESULT_TYPES[fmt])
    if fmt == "xml" and not carries_xml(_row_texts(rows)):
        assert status == 406, body
        assert "XML 1.0" in info["message"] and "application/sparql-results+json" in info["message"]
        assert set(info["acceptable"]) == {RESULT_TYPES[f] for f in ("json", "csv", "tsv")}
        return
    assert status == 200, body
    check_rows(fmt, body, rows)


@pytest.mark.parametrize("fmt", list(RESULT_TYPES))
@PROPERTY
@given(rows=rows_strategy)
def test_select_results_read_back_from_the_cli(tiny_data: Path, fmt: str, rows: list[list[Term]]) -> None:
    code, out, err = via_cli("--data", str(tiny_data), "--format", fmt, select_query(rows))
    if fmt == "xml" and not carries_xml(_row_texts(rows)):
        assert code == 1 and out == b""
        assert "XML 1.0" in err and "use one of table, json, csv, tsv" in err.replace("\n", " ")
        return
    assert code == 0, err
    check_rows(fmt, out, rows)


def _graph_texts(triples: list[tuple[Term, str, Term]]) -> list[str]:
    return [text for s, p, o in triples for term in (s, ("uri", p), o) if term for text in term[1:]]


def _graph_outcome(fmt: str, triples: list[tuple[Term, str, Term]]) -> bool:
    """Whether the format can carry the graph."""
    if fmt != "rdfxml":
        return True
    return carries_xml(_graph_texts(triples)) and all(rdfxml_can_name(p) for _, p, _ in triples)


@pytest.mark.parametrize("fmt", list(GRAPH_TYPES))
@PROPERTY
@given(triples=triples_strategy)
def test_graphs_read_back_over_http(packaged_client: AsgiClient, fmt: str,
                                    triples: list[tuple[Term, str, Term]]) -> None:
    status, body, info = via_http(packaged_client, construct_query(triples), GRAPH_TYPES[fmt])
    if not _graph_outcome(fmt, triples):
        assert status == 406, body
        assert "text/turtle" in info["message"] and "application/rdf+xml" not in info["acceptable"]
        return
    assert status == 200, body
    check_graph(fmt, body, triples)


@pytest.mark.parametrize("fmt", CLI_GRAPH_FORMATS)
@PROPERTY
@given(triples=triples_strategy)
def test_graphs_read_back_from_the_cli(tiny_data: Path, fmt: str, triples: list[tuple[Term, str, Term]]) -> None:
    code, out, err = via_cli("--data", str(tiny_data), "--format", fmt, construct_query(triples))
    if not _graph_outcome(fmt, triples):
        assert code == 1 and out == b"" and "use one of table, turtle, ntriples, jsonld" in err.replace("\n", " ")
        return
    assert code == 0, err
    check_graph(fmt, out, triples)


def test_ask_in_every_results_format(packaged_client: AsgiClient) -> None:
    for fmt, media_type in RESULT_TYPES.items():
        status, body, _ = via_http(packaged_client, "ASK { medkg:sacrum ?p ?o }", media_type)
        assert status == 200 and b"true" in body, (fmt, body)


# -- the examples ------------------------------------------------------------------------------


def test_csv_quotes_an_iri_with_a_comma(packaged_client: AsgiClient, tiny_data: Path) -> None:
    query = 'SELECT ?e ?f WHERE { BIND(<http://example.org/a,b> AS ?e) BIND("x" AS ?f) }'
    status, body, _ = via_http(packaged_client, query, "text/csv")
    assert status == 200 and body == b'e,f\r\n"http://example.org/a,b",x\r\n'
    code, out, _ = via_cli("--data", str(tiny_data), "--format", "csv", query)
    assert code == 0 and list(csv.reader(io.StringIO(out.decode(), newline=""))) == [["e", "f"], ["http://example.org/a,b", "x"]]


def test_xml_results_refuse_a_control_character(packaged_client: AsgiClient, tiny_data: Path) -> None:
    query = 'SELECT ?x WHERE { BIND("a\\u0001b" AS ?x) }'
    status, _, info = via_http(packaged_client, query, "application/sparql-results+xml")
    assert status == 406 and "U+0001" in info["message"]
    assert info["acceptable"] == ["application/sparql-results+json", "text/csv", "text/tab-separated-values"]
    code, out, err = via_cli("--data", str(tiny_data), "--format", "xml", query)
    assert code == 1 and out == b"" and "U+0001" in err


def test_xml_keeps_a_carriage_return(packaged_client: AsgiClient) -> None:
    status, body, _ = via_http(packaged_client, 'SELECT ?x WHERE { BIND("a\\rb" AS ?x) }', "application/sparql-results+xml")
    assert status == 200 and read_xml(body, 0) == [[]]
    assert next(ET.fromstring(body).iter(_RS + "literal")).text == "a\rb"


@pytest.mark.parametrize("predicate", ["http://example.org/p/123", "http://example.org/p#"])
def test_rdfxml_refuses_a_predicate_with_no_xml_name(packaged_client: AsgiClient, tiny_data: Path, predicate: str) -> None:
    query = f'CONSTRUCT {{ medkg:sacrum <{predicate}> "x" }} WHERE {{}}'
    status, _, info = via_http(packaged_client, query, "application/rdf+xml")
    assert status == 406 and predicate in info["message"] and "section 8" in info["message"]
    assert "text/turtle" in info["acceptable"] and "application/rdf+xml" not in info["acceptable"]
    code, out, err = via_cli("--data", str(tiny_data), "--format", "rdfxml", query)
    assert code == 1 and out == b"" and predicate in err
    # The same graph in Turtle is fine.
    status, body, _ = via_http(packaged_client, query, "text/turtle")
    assert status == 200 and len(rdflib.Graph().parse(data=body, format="turtle")) == 1


def test_rdfxml_of_the_packaged_graph_reads_back(packaged_client: AsgiClient) -> None:
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    status, body, _ = via_http(packaged_client, query, "application/rdf+xml")
    assert status == 200
    turtle = via_http(packaged_client, query, "text/turtle")[1]
    from rdflib.compare import isomorphic
    assert isomorphic(rdflib.Graph().parse(data=body, format="xml"), rdflib.Graph().parse(data=turtle, format="turtle"))
