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


def _not_xml(text: str, what: str, fmt: str, alternatives: tuple[str, ...]) -> None:
    bad = _NOT_XML.search(text)
    if bad is not None:
        raise Unwritable(f"{what} holds U+{ord(bad.group()):04X}, a character XML 1.0 cannot carry "
                         f"(not even as a character reference), so the answer cannot be written as {fmt}",
                         fmt, alternatives)


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
    if isinstance(term, ox.NamedNode):
        _not_xml(term.value, f"the IRI <{term.value}>", "xml", _RESULTS_ALTERNATIVES)
        return f"<uri>{_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_text(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        _not_xml(term.value, f"the literal {term.value!r}", "xml", _RESULTS_ALTERNATIVES)
        if term.language:
            attribute = f' xml:lang="{_attribute(term.language)}"'
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            attribute = f' datatype="{_attribute(term.datatype.value)}"'
        else:
            attribute = ""
        return f"<literal{attribute}>{_text(term.value)}</literal>"
    if isinstance(term, ox.Triple):  # SPARQL 1.2 triple terms
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
                f"</predicate><object>{_xml_term(term.object)}</object></triple>")
    raise Unwritable(f"the term {term!r} has no SPARQL XML form", "xml", _RESULTS_ALTERNATIVES)


def write_xml_results(solutions: ox.QuerySolutions, output: IO[bytes]) -> None:
    """SELECT results in the SPARQL Query Results XML Format (second edition, section 2).

    Raises Unwritable for a term holding a character XML 1.0 cannot carry; what was written before
    is then incomplete, so the caller must hold the output until this returns."""
    names = [v.value for v in solutions.variables]
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<sparql xmlns="{_RESULTS_NS}">\n<head>']
    parts.extend(f'<variable name="{name}"/>' for name in names)
    parts.append("</head>\n<results>\n")
    for count, solution in enumerate(solutions, 1):
        parts.append("<result>")
        for name in names:
            term = solution[name]
            if term is not None:
                parts.append(f'<binding name="{name}">{_xml_term(term)}</binding>')
        parts.append("</result>\n")
        if count % 512 == 0:
            output.write("".join(parts).encode("utf-8"))
            parts.clear()
    parts.append("</results>\n</sparql>\n")
    output.write("".join(parts).encode("utf-8"))


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
    if isinstance(term, ox.NamedNode):
        _not_xml(term.value, f"the IRI <{term.value}>", "rdfxml", GRAPHS_CARRYING_ANY)
        return f'rdf:{role}="{_attribute(term.value)}"'
    if isinstance(term, ox.BlankNode):
        # rdf:nodeID must be an NCName; the engine's labels may start with a digit. Prefixing every
        # label keeps them distinct (a blank node's label is not part of the graph).
        return f'rdf:nodeID="b{_attribute(term.value)}"'
    raise Unwritable(f"the triple term {term} has no RDF/XML form", "rdfxml", GRAPHS_CARRYING_ANY)


def write_rdfxml(triples: Iterable[ox.Triple], output: IO[bytes], prefixes: dict[str, str] | None = None) -> None:
    """Triples in RDF/XML (RDF 1.1 XML Syntax), one rdf:Description per run of one subject.

    ``prefixes`` (name -> namespace IRI) are declared on rdf:RDF and used for predicates; other
    predicates get a namespace declared on their element. Raises Unwritable for a predicate with no
    NCName local name or one RDF/XML reserves (section 8, 7.2.5), and for a term holding a
    character XML 1.0 cannot carry; the caller must hold the output until this returns."""
    declared = {ns: name for name, ns in (prefixes or {}).items() if name and _NCNAME.fullmatch(name) and name != "rdf"}
    header = "".join(f'\n\txmlns:{name}="{_attribute(ns)}"' for ns, name in sorted(declared.items(), key=lambda i: i[1]))
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns:rdf="{RDF}"{header}>\n']
    subject: object = None
    for count, triple in enumerate(triples, 1):
        if subject is None or triple.subject != subject:
            if subject is not None:
                parts.append("\t</rdf:Description>\n")
            subject = triple.subject
            parts.append(f"\t<rdf:Description {_node(subject, 'about')}>\n")
        parts.append("\t\t" + _property(triple.predicate.value, triple.object, declared) + "\n")
        if count % 512 == 0:
            output.write("".join(parts).encode("utf-8"))
            parts.clear()
    if subject is not None:
        parts.append("\t</rdf:Description>\n")
    parts.append("</rdf:RDF>\n")
    output.write("".join(parts).encode("utf-8"))


def _property(predicate: str, value: object, declared: dict[str, str]) -> str:
    split = _split(predicate)
    if split is None or (split[0] == RDF and split[1] in _NOT_PROPERTY):
        raise Unwritable(f"the predicate <{predicate}> cannot be written as an XML element name (RDF 1.1 "
                         "XML Syntax, section 8: it must end in an XML name, here in ASCII, that RDF/XML does not reserve), "
                         "so the graph cannot be written as rdfxml", "rdfxml", GRAPHS_CARRYING_ANY)
    namespace, local = split
    _not_xml(predicate, f"the IRI <{predicate}>", "rdfxml", GRAPHS_CARRYING_ANY)
    if namespace == RDF:
        name, declaration = f"rdf:{local}", ""
    elif namespace in declared:
        name, declaration = f"{declared[namespace]}:{local}", ""
    else:
        name, declaration = f"ns:{local}", f' xmlns:ns="{_attribute(namespace)}"'
    if isinstance(value, ox.Literal):
        _not_xml(value.value, f"the literal {value.value!r}", "rdfxml", GRAPHS_CARRYING_ANY)
        if value.language:
            attribute = f' xml:lang="{_attribute(value.language)}"'
        elif value.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            attribute = f' rdf:datatype="{_attribute(value.datatype.value)}"'
        else:
            attribute = ""
        return f"<{name}{declaration}{attribute}>{_text(value.value)}</{name}>"
    return f"<{name}{declaration} {_node(value, 'resource')}/>"
