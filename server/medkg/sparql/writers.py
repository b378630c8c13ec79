"""Writers for the result formats whose engine writers are not well formed for every answer.

pyoxigraph 0.5 writes CSV without quoting IRIs that hold a comma (RFC 4180 section 2; SPARQL 1.1
Query Results CSV and TSV Formats, section 2), writes SPARQL XML results and RDF/XML with characters
XML 1.0 cannot carry (section 2.2 Char) and with raw carriage returns (which every XML parser turns
into line feeds, section 2.11), and names a predicate it cannot split into namespace and local name
with an empty local name (RDF 1.1 XML Syntax, section 8). So medkg writes these three itself, row
by row (JSON, TSV, Turtle, N-Triples, N-Quads, TriG and JSON-LD stay the engine's: they carry any
term). What XML cannot carry raises ``Unwritable``, which names the formats that can: the server
answers 406 with it, `medkg query` exits 1 with it.

Every writer takes a binary file and writes UTF-8. Core module: no web imports.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable
from typing import IO

import pyoxigraph as ox

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"

# XML 1.0 (Fifth Edition) section 2.2, Char: what a document may hold at all, even as a reference.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# Element names (the local name of a predicate, a prefix): NCNames (Namespaces in XML 1.0, section
# 3) of ASCII characters only. XML 1.0 fifth edition allows most of Unicode in names, but earlier
# editions, and expat (behind Python's XML parsers), allow far fewer: an ASCII name reads everywhere.
_START = "A-Z_a-z"
_NAME = _START + "\\-.0-9"
_NCNAME = re.compile(f"[{_START}][{_NAME}]*")
_TRAILING = re.compile(f"[{_NAME}]*$")

# RDF/XML section 7.2.5: names that may not be property elements (rdf:li would read back as rdf:_n).
_NOT_PROPERTY = {"RDF", "ID", "about", "bagID", "parseType", "resource", "nodeID", "datatype",
                 "Description", "aboutEach", "aboutEachPrefix", "li"}

RESULTS_CARRYING_ANY = ("json", "csv", "tsv")
GRAPHS_CARRYING_ANY = ("turtle", "ntriples", "jsonld", "nquads", "trig")


class Unwritable(ValueError):
    """An answer the chosen format cannot carry. ``alternatives`` are format names that can."""

    def __init__(self, message: str, fmt: str, alternatives: tuple[str, ...]) -> None:
        super().__init__(f"{message}; ask for {', '.join(alternatives)} instead")
        self.reason = message
        self.fmt = fmt
        self.alternatives = alternatives


def xml_unsafe(text: str) -> str | None:
    """The first character of ``text`` that XML 1.0 cannot carry (section 2.2 Char), or None."""
    bad = _NOT_XML.search(text)
    return None if bad is None else bad.group()


def _text(value: str) -> str:
    # \r as a reference: a raw one would read back as \n (XML 1.0 section 2.11).
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attribute(value: str) -> str:
    # Whitespace as references: parsers normalize raw ones in attribute values (section 3.3.3).
    return (_text(value).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;"))


def write_csv(solutions: ox.QuerySolutions, output: IO[bytes]) -> None:
    """SELECT results as SPARQL 1.1 CSV (section 2): RFC 4180 records (CRLF; a field with a comma,
    a quote or a line break is quoted, quotes doubled), the header row the variable names; IRIs as
    they are, literals by their lexical form, blank nodes as _:label, unbound as an empty field.

    About 2.3x the time of the engine's own CSV writer, which leaves an IRI with a comma unquoted
    (200k rows: 2.8 s against 1.2 s; python benchmarks/writers_bench.py)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([v.value for v in solutions.variables])
    iri, literal, blank = ox.NamedNode, ox.Literal, ox.BlankNode
    rows = (["" if term is None else term.value if (kind := type(term)) is iri or kind is literal
             else "_:" + term.value if kind is blank else str(term)  # str: a triple term
             for term in solution] for solution in solutions)
    while True:
        chunk = list(itertools.islice(rows, 512))
        writer.writerows(chunk)
        output.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
        if len(chunk) < 512:
            return


_RESULTS_ALTERNATIVES = RESULTS_CARRYING_ANY


def _xml_term(term: object) -> str:
    """A term as SPARQL XML. Characters XML cannot carry are left in: the writer checks its output."""
    kind = type(term)
    if kind is ox.NamedNode:
        return f"<uri>{_text(term.value)}</uri>"  # type: ignore[attr-defined]
    if kind is ox.Literal:
        value = _text(term.value)  # type: ignore[attr-defined]
        if term.language:  # type: ignore[attr-defined]
            return f'<literal xml:lang="{_attribute(term.language)}">{value}</literal>'  # type: ignore[attr-defined]
        datatype = term.datatype.value  # type: ignore[attr-defined]
        if datatype != "http://www.w3.org/2001/XMLSchema#string":
            return f'<literal datatype="{_attribute(datatype)}">{value}</literal>'
        return f"<literal>{value}</literal>"
    if kind is ox.BlankNode:
        return f"<bnode>{_text(term.value)}</bnode>"  # type: ignore[attr-defined]
    if kind is ox.Triple:  # SPARQL 1.2 triple terms
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"  # type: ignore[attr-defined]
                f"</predicate><object>{_xml_term(term.object)}</object></triple>")  # type: ignore[attr-defined]
    raise Unwritable(f"the term {term!r} has no SPARQL XML form", "xml", _RESULTS_ALTERNATIVES)


def _checked(text: str, fmt: str, alternatives: tuple[str, ...]) -> bytes:
    """``text`` as UTF-8, after one scan for characters XML 1.0 cannot carry (cheaper than a scan
    per term); Unwritable, quoting where the character stands, when there is one."""
    bad = _NOT_XML.search(text)
    if bad is not None:
        start = text.rfind(">", 0, bad.start()) + 1
        end = text.find("<", bad.end())
        term = text[start:end if end >= 0 else len(text)][:80]  # the text of the element holding it
        raise Unwritable(f"the answer holds U+{ord(bad.group()):04X}, a character XML 1.0 cannot carry (not even "
                         f"as a character reference), in {term!r}, so it cannot be written as {fmt}",
                         fmt, alternatives)
    return text.encode("utf-8")


def write_xml_results(solutions: ox.QuerySolutions, output: IO[bytes]) -> None:
    """SELECT results in the SPARQL Query Results XML Format (second edition, section 2).

    Raises Unwritable for a term holding a character XML 1.0 cannot carry; what was written before
    is then incomplete, so the caller must hold the output until this returns."""
    names = [v.value for v in solutions.variables]
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<sparql xmlns="{_RESULTS_NS}">\n<head>']
    parts.extend(f'<variable name="{name}"/>' for name in names)
    parts.append("</head>\n<results>\n")
    opening = [f'<binding name="{name}">' for name in names]
    for count, solution in enumerate(solutions, 1):
        parts.append("<result>")
        for open_tag, term in zip(opening, solution):
            if term is not None:
                parts.append(f"{open_tag}{_xml_term(term)}</binding>")
        parts.append("</result>\n")
        if count % 512 == 0:
            output.write(_checked("".join(parts), "xml", _RESULTS_ALTERNATIVES))
            parts.clear()
    parts.append("</results>\n</sparql>\n")
    output.write(_checked("".join(parts), "xml", _RESULTS_ALTERNATIVES))


def _split(iri: str) -> tuple[str, str] | None:
    """An IRI as (namespace, local name) with the longest NCName local name, None when it has none."""
    trailing = _TRAILING.search(iri)
    assert trailing is not None  # the pattern matches the empty string
    local = _NCNAME.search(iri, trailing.start())
    if local is None or local.end() != len(iri) or local.start() == 0:
        return None
    return iri[:local.start()], iri[local.start():]


def _node(term: object, role: str) -> str:
    """rdf:about / rdf:resource / rdf:nodeID attribute for a subject or object node."""
    kind = type(term)
    if kind is ox.NamedNode:
        return f'rdf:{role}="{_attribute(term.value)}"'  # type: ignore[attr-defined]
    if kind is ox.BlankNode:
        # rdf:nodeID must be an NCName; the engine's labels may start with a digit. Prefixing every
        # label keeps them distinct (a blank node's label is not part of the graph).
        return f'rdf:nodeID="b{_attribute(term.value)}"'  # type: ignore[attr-defined]
    raise Unwritable(f"the triple term {term} has no RDF/XML form", "rdfxml", GRAPHS_CARRYING_ANY)


def write_rdfxml(triples: Iterable[ox.Triple], output: IO[bytes], prefixes: dict[str, str] | None = None) -> None:
    """Triples in RDF/XML (RDF 1.1 XML Syntax), one rdf:Description per run of one subject.

    ``prefixes`` (name -> namespace IRI) are declared on rdf:RDF and used for predicates; other
    predicates get a namespace declared on their element. Raises Unwritable for a predicate with no
    NCName local name or one RDF/XML reserves (section 8, 7.2.5), and for a term holding a
    character XML 1.0 cannot carry; the caller must hold the output until this returns."""
    declared = {ns: name for name, ns in (prefixes or {}).items()
                if name and _NCNAME.fullmatch(name) and name != "rdf" and not name.lower().startswith("xml")}
    header = "".join(f'\n\txmlns:{name}="{_attribute(ns)}"' for ns, name in sorted(declared.items(), key=lambda i: i[1]))
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns:rdf="{RDF}"{header}>\n']
    elements: dict[str, tuple[str, str]] = {}  # predicate IRI -> (element name, namespace declaration)
    subject: object = None
    for count, triple in enumerate(triples, 1):
        if subject is None or triple.subject != subject:
            if subject is not None:
                parts.append("\t</rdf:Description>\n")
            subject = triple.subject
            parts.append(f"\t<rdf:Description {_node(subject, 'about')}>\n")
        predicate = triple.predicate.value
        element = elements.get(predicate)
        if element is None:
            element = elements[predicate] = _element(predicate, declared)
        parts.append(_property(element, triple.object))
        if count % 512 == 0:
            output.write(_checked("".join(parts), "rdfxml", GRAPHS_CARRYING_ANY))
            parts.clear()
    if subject is not None:
        parts.append("\t</rdf:Description>\n")
    parts.append("</rdf:RDF>\n")
    output.write(_checked("".join(parts), "rdfxml", GRAPHS_CARRYING_ANY))


def _element(predicate: str, declared: dict[str, str]) -> tuple[str, str]:
    """The element name of a predicate and the namespace declaration it needs (maybe none)."""
    split = _split(predicate)
    if split is None or (split[0] == RDF and split[1] in _NOT_PROPERTY):
        raise Unwritable(f"the predicate <{predicate}> cannot be written as an XML element name (RDF 1.1 "
                         "XML Syntax, section 8: it must end in an XML name, here in ASCII, that RDF/XML does not "
                         "reserve), so the graph cannot be written as rdfxml", "rdfxml", GRAPHS_CARRYING_ANY)
    namespace, local = split
    if namespace == RDF:
        return f"rdf:{local}", ""
    if namespace in declared:
        return f"{declared[namespace]}:{local}", ""
    return f"ns:{local}", f' xmlns:ns="{_attribute(namespace)}"'


def _property(element: tuple[str, str], value: object) -> str:
    name, declaration = element
    if type(value) is ox.Literal:
        text = _text(value.value)
        if value.language:
            attribute = f' xml:lang="{_attribute(value.language)}"'
        elif value.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            attribute = f' rdf:datatype="{_attribute(value.datatype.value)}"'
        else:
            attribute = ""
        return f"\t\t<{name}{declaration}{attribute}>{text}</{name}>\n"
    return f"\t\t<{name}{declaration} {_node(value, 'resource')}/>\n"
