"""What the compiled checks know of XML Schema datatypes (XML Schema 1.1 Part 2): which are checked
for ill-typed literals, the lexical spaces a query can test, and how Oxigraph stores integer subtypes.
Used by medkg.validation.compiler and by medkg.store.export."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import RDF, RDFS, XSD

# Datatypes whose lexical forms rdflib checks; an ill-typed literal fails sh:datatype in pyshacl.
LEXICAL_CHECK_EXEMPT = {XSD.string, RDF.langString, RDFS.Literal}
# Lexical spaces (XML Schema 1.1 Part 2, 3.3) of datatypes whose every matching form is well typed:
# the query leaves such values out rather than hand rdflib each one (98k xsd:boolean codes: ~2 s).
LEXICAL_FORMS = {
    XSD.boolean: "^(true|false|1|0)$",
    XSD.integer: "^[+-]?[0-9]+$",
    XSD.decimal: "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$",
}
# Oxigraph's store keeps a valid literal of these types as the xsd:integer of the same value (it
# drops the subtype), so a value of the subtype is an xsd:integer in its range.
INTEGER_SUBTYPES: dict[URIRef, tuple[int | None, int | None]] = {
    XSD.positiveInteger: (1, None),
    XSD.nonNegativeInteger: (0, None),
    XSD.negativeInteger: (None, -1),
    XSD.nonPositiveInteger: (None, 0),
    XSD.long: (-(2**63), 2**63 - 1),
    XSD.int: (-(2**31), 2**31 - 1),
    XSD.short: (-(2**15), 2**15 - 1),
    XSD.byte: (-(2**7), 2**7 - 1),
    XSD.unsignedLong: (0, 2**64 - 1),
    XSD.unsignedInt: (0, 2**32 - 1),
    XSD.unsignedShort: (0, 2**16 - 1),
    XSD.unsignedByte: (0, 2**8 - 1),
}
