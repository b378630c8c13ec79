"""Compiles SHACL shapes to SPARQL SELECT queries, one per constraint, to run on Oxigraph.

The row-level constraints of a property shape (value tests, minCount 1, maxCount 1) share one query
that binds a flag per constraint (Check.parts): its focus nodes and values are matched once.

pyshacl evaluates constraints node by node in Python; a store answers one query per constraint over
all focus nodes at once, which is what makes large graphs fast. The compiler is general, not tied to
medkg's shapes: it covers the SHACL Core components medkg uses (targets, class, datatype, nodeKind,
pattern, in, languageIn, length and range, hasValue, minCount, maxCount, uniqueLang, disjoint, not /
and / or / xone / node over node-level tests) and SHACL-SPARQL constraints (sh:sparql, run with the
focus pattern injected where pyshacl pre-binds $this). A shape using anything else is returned
uncompiled, for pyshacl to validate (see medkg.validation).

Every query returns ?this, and ?value where the component reports a value node; SPARQL-based
constraints may return ?path and any variable their message mentions.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import replace

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from medkg.validation.compiled import Check, Compiled
from medkg.validation.datatypes import INTEGER_SUBTYPES, LEXICAL_CHECK_EXEMPT, LEXICAL_FORMS
from medkg.validation.sparql_text import focus_tested_last, lead_predicate
from medkg.validation.targets import shape_targets, top_level_shapes

RDF_TYPE = RDF.type.n3()

# Parameters that describe a shape rather than constrain it: they never block compilation.
_NON_CONSTRAINTS = {
    SH.message, SH.severity, SH.path, SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
    SH.targetObjectsOf, SH.property, SH.sparql, SH.deactivated, SH.name, SH.description, SH.order,
    SH.group, SH.flags, SH.defaultValue, SH.prefixes, SH.declare,
}  # fmt: skip
# Components tested on one value node at a time, compiled to a SPARQL boolean expression.
_VALUE_TESTS = {
    SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH["in"], SH.languageIn, SH.minLength,
    SH.maxLength, SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH["not"],
    SH["and"], SH["or"], SH.xone, SH.node,
}  # fmt: skip
_COUNT_TESTS = {SH.minCount, SH.maxCount, SH.uniqueLang, SH.hasValue, SH.disjoint}

class _Unsupported(Exception):
    """A shape uses something this compiler does not translate."""


def compile_shapes(shapes: Graph, subclasses: Mapping[URIRef, set[URIRef]]) -> Compiled:
    """The checks of every top-level shape; ``subclasses[c]`` holds c and all its subclasses."""
    out = Compiled()
    for shape in top_level_shapes(shapes):
        if _deactivated(shapes, shape):
            continue
        try:
            checks = _ShapeCompiler(shapes, subclasses).top_level(shape)
        except _Unsupported:
            out.uncompiled.append(shape)
            continue
        targets = shape_targets(shapes, shape, subclasses)
        out.checks.extend(replace(check, targets=targets) for check in checks)
    return out


def _deactivated(g: Graph, shape: Node) -> bool:
    return any(v.toPython() is True for v in g.objects(shape, SH.deactivated) if isinstance(v, Literal))


class _ShapeCompiler:
    def __init__(self, g: Graph, subclasses: Mapping[URIRef, set[URIRef]]) -> None:
        self.g = g
        self.subclasses = subclasses
        self.counter = itertools.count()

    def var(self, stem: str) -> str:
        return f"?_{stem}{next(self.counter)}"

    # --- shapes --------------------------------------------------------------------------------

    def top_level(self, shape: Node) -> list[Check]:
        checks = self.shape_checks(shape)
        for prop in self.g.objects(shape, SH.property):
            if not _deactivated(self.g, prop):
                checks.extend(self.shape_checks(prop, shape))
        return checks

    def shape_checks(self, shape: Node, target_shape: Node | None = None) -> list[Check]:
        # Core checks end in DISTINCT / GROUP BY, so their focus pattern may repeat a node; the
        # SPARQL-based ones get each focus node once, as pyshacl binds $this once per node.
        focus = self.focus_pattern(target_shape or shape, distinct=False)
        g = self.g
        for used in set(g.predicates(shape, None)):
            if str(used).startswith(str(SH)) and used not in _NON_CONSTRAINTS | _VALUE_TESTS | _COUNT_TESTS:
                raise _Unsupported(used)
        path = g.value(shape, SH.path)
        is_property = path is not None
        if is_property and any(g.objects(shape, SH.property)):
            raise _Unsupported("sh:property inside a property shape")
        severity = g.value(shape, SH.severity) or SH.Violation
        messages = tuple(m for m in g.objects(shape, SH.message) if isinstance(m, Literal))
        checks: list[Check] = []

        def add(query: str, component: URIRef, **extra: object) -> None:
            checks.append(
                Check(
                    query=query,
                    source_shape=shape,
                    component=component,
                    severity=severity,  # type: ignore[arg-type]
                    messages=messages,
                    path=path,
                    **extra,  # type: ignore[arg-type]
                )
            )

        p = self.path(path) if path is not None else ""
        values = f"?this {p} ?value ." if path is not None else "BIND (?this AS ?value)"
        # A node shape tests each focus node once: with several targets (or a targetSubjectsOf
        # matching many triples) deduplicating first is cheaper than testing every repeat.
        value_focus = focus if is_property else self.focus_pattern(target_shape or shape, distinct=True)
        # Row-level tests of a property shape (value tests, minCount 1, maxCount 1) share one
        # query: the focus nodes and their values are matched once instead of once per constraint.
        mergeable: list[tuple[str, URIRef, bool]] = []
        for param in sorted(set(g.predicates(shape, None)) & _VALUE_TESTS, key=str):
            for arg in g.objects(shape, param):
                test = self.value_test(param, arg, "?value", shape, top=True)
                if is_property:
                    mergeable.append((f"BOUND(?value) && !({test})", _component(param), True))
                else:
                    add(
                        f"SELECT DISTINCT ?this ?value WHERE {{ {value_focus} {values} FILTER (!({test})) }}",
                        _component(param),
                    )
                if param == SH.datatype and arg not in LEXICAL_CHECK_EXEMPT:
                    lexical = LEXICAL_FORMS.get(arg)  # type: ignore[call-overload]
                    not_lexical = f" && !REGEX(STR(?value), {Literal(lexical).n3()})" if lexical else ""
                    add(
                        f"SELECT DISTINCT ?this ?value WHERE {{ {value_focus} {values} "
                        f"FILTER (isLiteral(?value) && DATATYPE(?value) = {arg.n3()}{not_lexical}) }}",
                        _component(param),
                        ill_typed_datatype=arg,
                    )
        if is_property:
            for min_count in g.objects(shape, SH.minCount):
                n = int(str(min_count))
                if n == 1:
                    mergeable.append(("!BOUND(?value)", SH.MinCountConstraintComponent, False))
                elif n > 1:
                    add(
                        f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {p} ?_v }} }} "
                        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) < {n})",
                        SH.MinCountConstraintComponent,
                    )
            for max_count in g.objects(shape, SH.maxCount):
                if int(str(max_count)) == 1:  # two different values: a self-join is cheaper than grouping
                    mergeable.append(("BOUND(?_other)", SH.MaxCountConstraintComponent, False))
                    continue
                add(
                    f"SELECT ?this WHERE {{ {focus} ?this {p} ?_v }} GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) > {int(str(max_count))})",
                    SH.MaxCountConstraintComponent,
                )
            if mergeable:
                checks.append(self.merged(shape, focus, p, mergeable, severity, messages, path))  # type: ignore[arg-type]
            for flag in g.objects(shape, SH.uniqueLang):
                if isinstance(flag, Literal) and flag.toPython() is True:
                    add(
                        f"SELECT DISTINCT ?this ?_lang WHERE {{ {focus} ?this {p} ?_a , ?_b . "
                        "FILTER (!sameTerm(?_a, ?_b) && LANG(?_a) != \"\" && LCASE(LANG(?_a)) = LCASE(LANG(?_b))) "
                        "BIND (LCASE(LANG(?_a)) AS ?_lang) }",
                        SH.UniqueLangConstraintComponent,
                    )
            for v in g.objects(shape, SH.hasValue):
                add(f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {p} {v.n3()} }} }}", SH.HasValueConstraintComponent)
            for other in g.objects(shape, SH.disjoint):
                add(
                    f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {p} ?value . ?this {other.n3()} ?value }}",
                    SH.DisjointConstraintComponent,
                )
        else:
            for v in g.objects(shape, SH.hasValue):
                add(f"SELECT DISTINCT ?this ?value WHERE {{ {focus} BIND (?this AS ?value) FILTER (!sameTerm(?this, {v.n3()})) }}", SH.HasValueConstraintComponent)
            if any(g.value(shape, p) is not None for p in _COUNT_TESTS - {SH.hasValue}):
                raise _Unsupported("count constraint on a node shape")
        for constraint in g.objects(shape, SH.sparql):
            if _deactivated(g, constraint):
                continue
            targeted = target_shape or shape
            query = self.sparql_query(constraint, self.focus_pattern(targeted, distinct=True))
            lead = lead_predicate(str(g.value(constraint, SH.select) or ""), dict(self.prefixes(constraint)))
            focus_last = None
            if lead is not None and g.value(targeted, SH.targetNode) is None:  # a BIND cannot test a bound ?this
                last = focus_tested_last(str(g.value(constraint, SH.select)), self.focus_pattern(targeted, distinct=False))
                focus_last = None if last is None else self.prologue(constraint) + last
            own = tuple(m for m in g.objects(constraint, SH.message) if isinstance(m, Literal))
            checks.append(
                Check(
                    query=query,
                    source_shape=shape,
                    component=SH.SPARQLConstraintComponent,
                    severity=severity,  # type: ignore[arg-type]
                    messages=messages + tuple(m for m in own if m not in messages),
                    path=path,
                    source_constraint=constraint,
                    sparql_based=True,
                    focus_last=focus_last,
                    lead=lead,
                )
            )
        return checks

    def merged(
        self,
        shape: Node,
        focus: str,
        p: str,
        tests: list[tuple[str, URIRef, bool]],
        severity: URIRef,
        messages: tuple[Literal, ...],
        path: Node,
    ) -> Check:
        """One query for the row-level tests of a property shape: each (this, value) row binds a
        flag per test (true: the test reports it). ?value is unbound for a focus node without values
        (minCount), and ?_other is a second, different value (maxCount 1)."""
        components = {c for _, c, _ in tests}
        values = f"OPTIONAL {{ ?this {p} ?value }}" if SH.MinCountConstraintComponent in components else f"?this {p} ?value ."
        if SH.MaxCountConstraintComponent in components:
            values += f" OPTIONAL {{ ?this {p} ?_other FILTER (!sameTerm(?value, ?_other)) }}"
        flags = [f"?_f{i}" for i in range(len(tests))]
        binds = " ".join(f"BIND (({expr}) AS {f})" for (expr, _, _), f in zip(tests, flags, strict=True))
        any_flag = " || ".join(f"COALESCE({f}, false)" for f in flags)
        select = f"SELECT DISTINCT ?this ?value {' '.join(flags)} WHERE"
        body = f"{values} {binds} FILTER ({any_flag})"
        # Without minCount a row needs a value: the values may be tested first, the focus nodes last.
        last = SH.MinCountConstraintComponent not in components and isinstance(path, URIRef)
        return Check(
            query=f"{select} {{ {focus} {body} }}",
            focus_last=f"{select} {{ {{ SELECT * WHERE {{ {body} }} }} FILTER EXISTS {{ {focus} }} }}" if last else None,
            lead=str(path) if last else None,
            source_shape=shape,
            component=tests[0][1],
            severity=severity,
            messages=messages,
            path=path,
            parts=tuple((f[1:], c, v) for f, (_, c, v) in zip(flags, tests, strict=True)),
        )

    def focus_pattern(self, shape: Node, *, distinct: bool) -> str:
        """A group binding ?this to each focus node of the shape (once each if ``distinct``)."""
        g = self.g
        parts = []
        for c in g.objects(shape, SH.targetClass):
            t = self.var("t")
            classes = self.classes(c)
            if " " not in classes:
                parts.append(f"{{ ?this {RDF_TYPE} {classes} }}")
            else:
                parts.append(f"{{ ?this {RDF_TYPE} {t} . VALUES {t} {{ {classes} }} }}")
        for n in g.objects(shape, SH.targetNode):
            parts.append(f"{{ BIND ({n.n3()} AS ?this) }}")
        for p in g.objects(shape, SH.targetSubjectsOf):
            parts.append(f"{{ ?this {p.n3()} {self.var('o')} }}")
        for p in g.objects(shape, SH.targetObjectsOf):
            parts.append(f"{{ {self.var('s')} {p.n3()} ?this }}")
        if not parts:
            raise _Unsupported("no target")
        if not distinct:
            return " UNION ".join(parts) if len(parts) > 1 else parts[0]
        return f"{{ SELECT DISTINCT ?this WHERE {{ {' UNION '.join(parts)} }} }}"

    def classes(self, c: Node) -> str:
        cls = URIRef(str(c))
        return " ".join(x.n3() for x in sorted(self.subclasses.get(cls, {cls}) | {cls}))

    # --- paths ---------------------------------------------------------------------------------

    def path(self, p: Node) -> str:
        g = self.g
        if isinstance(p, URIRef):
            return p.n3()
        if (p, RDF.first, None) in g:
            return "(" + "/".join(self.path(x) for x in Collection(g, p)) + ")"
        for key, fmt in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"), (SH.zeroOrOnePath, "{}?")):
            inner = g.value(p, key)
            if inner is not None:
                return "(" + fmt.format(self.path(inner)) + ")"
        alternatives = g.value(p, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(x) for x in Collection(g, alternatives)) + ")"
        raise _Unsupported(f"path {p}")

    # --- value tests ---------------------------------------------------------------------------

    def value_test(self, param: Node, arg: Node, v: str, owner: Node, top: bool = False) -> str:
        """A SPARQL expression, true when the value node ``v`` satisfies the component."""
        g = self.g
        if param == SH["class"]:  # constants, not VALUES: 0.25 s against 0.66 s over 300k values
            classes, t = self.classes(arg), self.var("c")
            return (f"EXISTS {{ {v} {RDF_TYPE} {classes} }}" if " " not in classes
                    else f"EXISTS {{ {v} {RDF_TYPE} {t} FILTER ({t} IN ({classes.replace(' ', ', ')})) }}")
        if param == SH.datatype:
            if not top and arg not in LEXICAL_CHECK_EXEMPT:
                raise _Unsupported("lexical check of a nested sh:datatype")
            test = f"DATATYPE({v}) = {arg.n3()}"
            if arg in INTEGER_SUBTYPES:
                low, high = INTEGER_SUBTYPES[arg]  # type: ignore[index]
                bounds = "".join(
                    f" && {v} {op} {b}" for op, b in ((">=", low), ("<=", high)) if b is not None
                )
                test = f"({test} || (DATATYPE({v}) = {XSD.integer.n3()}{bounds}))"
            return f"(isLiteral({v}) && {test})"
        if param == SH.nodeKind:
            return {
                SH.IRI: f"isIRI({v})",
                SH.BlankNode: f"isBlank({v})",
                SH.Literal: f"isLiteral({v})",
                SH.BlankNodeOrIRI: f"!isLiteral({v})",
                SH.BlankNodeOrLiteral: f"!isIRI({v})",
                SH.IRIOrLiteral: f"!isBlank({v})",
            }[arg]  # type: ignore[index]
        if param == SH.pattern:
            flags = "".join(f", {Literal(str(f)).n3()}" for f in g.objects(owner, SH.flags))
            return f"(!isBlank({v}) && REGEX(STR({v}), {Literal(str(arg)).n3()}{flags}))"
        if param == SH["in"]:
            members = list(Collection(g, arg))
            return "(" + " || ".join(f"sameTerm({v}, {m.n3()})" for m in members) + ")" if members else "false"
        if param == SH.languageIn:
            tags = [str(t) for t in Collection(g, arg)]
            matches = " || ".join(f"langMatches(LANG({v}), {Literal(t).n3()})" for t in tags)
            return f"(isLiteral({v}) && LANG({v}) != \"\" && ({matches or 'false'}))"
        if param in (SH.minLength, SH.maxLength):
            op = ">=" if param == SH.minLength else "<="
            return f"(!isBlank({v}) && STRLEN(STR({v})) {op} {int(str(arg))})"
        if param in (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive):
            op = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}[param]  # type: ignore[index]
            return f"COALESCE({v} {op} {arg.n3()}, false)"
        if param == SH["not"]:
            return f"!({self.conforms(arg, v)})"
        if param in (SH["and"], SH["or"]):
            joiner = " && " if param == SH["and"] else " || "
            tests = [self.conforms(s, v) for s in Collection(g, arg)]
            return "(" + joiner.join(tests) + ")" if tests else ("true" if param == SH["and"] else "false")
        if param == SH.xone:
            counts = [f"IF({self.conforms(s, v)}, 1, 0)" for s in Collection(g, arg)]
            return f"(({' + '.join(counts) or '0'}) = 1)"
        if param == SH.node:
            return self.conforms(arg, v)
        raise _Unsupported(param)

    def conforms(self, shape: Node, v: str) -> str:
        """A SPARQL expression, true when the node ``v`` conforms to the (nested) shape."""
        g = self.g
        if g.value(shape, SH.path) is not None:  # e.g. sh:or ( [ sh:path p ; sh:minCount 1 ] ... )
            return self.property_conforms(shape, v)
        tests = []
        for p in set(g.predicates(shape, None)):
            if str(p).startswith(str(SH)) and p not in _NON_CONSTRAINTS | _VALUE_TESTS | {SH.hasValue}:
                raise _Unsupported(p)
        if g.value(shape, SH.sparql) is not None:
            raise _Unsupported("sh:sparql in a nested shape")
        for param in sorted(set(g.predicates(shape, None)) & _VALUE_TESTS, key=str):
            for arg in g.objects(shape, param):
                tests.append(self.value_test(param, arg, v, shape))
        for value in g.objects(shape, SH.hasValue):
            tests.append(f"sameTerm({v}, {value.n3()})")
        for prop in g.objects(shape, SH.property):
            tests.append(self.property_conforms(prop, v))
        return "(" + " && ".join(tests) + ")" if tests else "true"

    def property_conforms(self, prop: Node, v: str) -> str:
        g = self.g
        path = g.value(prop, SH.path)
        if path is None:
            raise _Unsupported("property shape without sh:path")
        p = self.path(path)
        tests = []
        for param in set(g.predicates(prop, None)):
            if str(param).startswith(str(SH)) and param not in _NON_CONSTRAINTS | _VALUE_TESTS | {SH.minCount, SH.maxCount, SH.hasValue}:
                raise _Unsupported(param)
        x = self.var("x")
        for n in g.objects(prop, SH.minCount):
            if int(str(n)) > 1:
                raise _Unsupported("nested minCount > 1")
            if int(str(n)) == 1:
                tests.append(f"EXISTS {{ {v} {p} {x} }}")
        for n in g.objects(prop, SH.maxCount):
            if int(str(n)) != 0:
                raise _Unsupported("nested maxCount > 0")
            tests.append(f"NOT EXISTS {{ {v} {p} {x} }}")
        for value in g.objects(prop, SH.hasValue):
            tests.append(f"EXISTS {{ {v} {p} {value.n3()} }}")
        for param in sorted(set(g.predicates(prop, None)) & _VALUE_TESTS, key=str):
            for arg in g.objects(prop, param):
                y = self.var("y")
                tests.append(f"NOT EXISTS {{ {v} {p} {y} FILTER (!({self.value_test(param, arg, y, prop)})) }}")
        return "(" + " && ".join(tests) + ")" if tests else "true"

    # --- SHACL-SPARQL --------------------------------------------------------------------------

    def sparql_query(self, constraint: Node, focus: str) -> str:
        """The constraint's SELECT with the focus pattern first in its WHERE clause.

        pyshacl pre-binds $this; joining with the focus nodes at the start of the outermost group
        gives the same solutions for queries that use $this in that group (SHACL forbids the
        constructs where it would differ: VALUES, MINUS, SERVICE, nested SELECT over $this).
        """
        g = self.g
        select = g.value(constraint, SH.select)
        if select is None or g.value(constraint, SH.ask) is not None:
            raise _Unsupported("sh:sparql without sh:select")
        text = str(select)
        brace = text.find("{")
        if brace < 0:
            raise _Unsupported("malformed sh:select")
        return self.prologue(constraint) + text[: brace + 1] + " " + focus + " " + text[brace + 1 :]

    def prologue(self, constraint: Node) -> str:
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self.prefixes(constraint))

    def prefixes(self, constraint: Node) -> Iterable[tuple[str, str]]:
        g = self.g
        for node in g.objects(constraint, SH.prefixes):
            for decl in g.objects(node, SH.declare):
                yield str(g.value(decl, SH.prefix)), str(g.value(decl, SH.namespace))


def _component(param: Node) -> URIRef:
    name = str(param)[len(str(SH)) :]
    return SH[name[0].upper() + name[1:] + "ConstraintComponent"]
