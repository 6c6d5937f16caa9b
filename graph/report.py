"""Rendering a SHACL validation outcome for people and for CI systems.

Formats: ``text`` (grouped by shape, with the focus node's label, path, value, message and
severity, then a count line), ``turtle`` (the ``sh:ValidationReport``), ``json`` (one object per
result, IRIs written plain), ``junit`` (one test case per shape and focus node, one passing test
case per shape that found nothing) and ``github`` (workflow command annotations). Messages come
from the shapes graph in the requested language (``fr`` or ``en``), falling back to the engine's
text. A result is located (file and line, or CSV row) by the caller's ``locate``.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from tid.namespaces import PREFIXES, PROV, RDF

SH = PREFIXES["sh"]
SEVERITIES = ("Violation", "Warning", "Info")
FORMATS = ("text", "turtle", "json", "junit", "github")


@dataclass(frozen=True)
class ShapeResult:
    """One validation result. Terms are written as in N-Triples (``<iri>``, ``"lit"@fr``, ``_:b``)."""

    focus: str
    path: str | None
    value: str | None
    severity: str
    source_shape: str
    component: str
    messages: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str | None, str | None, str, str]:
        return (self.focus, self.path, self.value, self.source_shape, self.component)

    def as_dict(self) -> dict[str, object]:
        return {
            "focus": self.focus, "path": self.path, "value": self.value, "severity": self.severity,
            "sourceShape": self.source_shape, "sourceConstraintComponent": self.component,
        }


@dataclass
class ShapeTexts:
    """What the shapes graph says of each shape: messages and names per language."""

    messages: dict[str, dict[str, str]] = field(default_factory=dict)
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    all_shapes: list[str] = field(default_factory=list)

    def message(self, shape: str, lang: str, fallback: Iterable[str] = ()) -> str:
        by_lang = self.messages.get(shape, {})
        if lang in by_lang:
            return by_lang[lang]
        fallback = [m for m in fallback if m]
        return by_lang.get("en") or (fallback[0] if fallback else "")

    def name(self, shape: str, lang: str) -> str:
        return self.names.get(shape, {}).get(lang) or short(shape)


def short(term: str | None) -> str:
    """A readable form of a term: prefixed when possible."""
    if term is None:
        return ""
    if term.startswith("<") and term.endswith(">"):
        iri = term[1:-1]
        for prefix, namespace in PREFIXES.items():
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return iri
    return term


def iri_of(term: str) -> str:
    return term[1:-1] if term.startswith("<") and term.endswith(">") else term


@dataclass
class RenderContext:
    texts: ShapeTexts
    lang: str = "fr"
    labels: Callable[[str], str | None] = lambda _term: None
    """The label of a focus node (N-Triples form in, text out), when the data has one."""
    locate: Callable[[ShapeResult], tuple[str, int | None] | None] = lambda _result: None
    """Where the offending statement of a result is written (file, line or CSV row)."""
    fail_on: tuple[str, ...] = ("Violation",)
    """The severities that make the validation fail (``--fail-on``): JUnit failures."""
    heading: list[str] = field(default_factory=list)
    """Lines said before the results (what the file was validated against)."""


def counts(results: Iterable[ShapeResult]) -> dict[str, int]:
    tally = dict.fromkeys(SEVERITIES, 0)
    for result in results:
        tally[result.severity] = tally.get(result.severity, 0) + 1
    return tally


def render(fmt: str, results: list[ShapeResult], ctx: RenderContext, conforms: bool) -> str:
    renderers: Mapping[str, Callable[[list[ShapeResult], RenderContext, bool], str]] = {
        "text": render_text, "turtle": render_turtle, "json": render_json, "junit": render_junit,
        "github": render_github,
    }
    return renderers[fmt](results, ctx, conforms)


def _grouped(results: list[ShapeResult]) -> dict[str, list[ShapeResult]]:
    groups: dict[str, list[ShapeResult]] = defaultdict(list)
    for result in sorted(results, key=lambda r: (SEVERITIES.index(r.severity) if r.severity in SEVERITIES else 9, r.source_shape, r.focus)):
        groups[result.source_shape].append(result)
    return groups


def render_text(results: list[ShapeResult], ctx: RenderContext, conforms: bool) -> str:
    fr = ctx.lang == "fr"
    lines = [*ctx.heading, ""] if ctx.heading else []
    for shape, group in _grouped(results).items():
        lines.append(f"{group[0].severity} — {ctx.texts.name(shape, ctx.lang)} ({short(shape)}) — {len(group)}")
        for result in group:
            label = ctx.labels(result.focus)
            who = f"{label} {short(result.focus)}" if label else short(result.focus)
            where = ctx.locate(result)
            lines.append(f"  {who}" + (f" ({where[0]}{':' + str(where[1]) if where[1] else ''})" if where else ""))
            if result.path:
                lines.append(f"    {'chemin' if fr else 'path'}: {short(result.path)}")
            if result.value:
                lines.append(f"    {'valeur' if fr else 'value'}: {short(result.value)}")
            lines.append(f"    {ctx.texts.message(result.source_shape, ctx.lang, result.messages)}")
        lines.append("")
    tally = counts(results)
    verdict = ("conforme" if conforms else "non conforme") if fr else ("conforms" if conforms else "does not conform")
    names = {"Violation": "violation(s)", "Warning": "avertissement(s)" if fr else "warning(s)", "Info": "info(s)"}
    lines.append(f"{verdict}: " + ", ".join(f"{tally[s]} {names[s]}" for s in SEVERITIES))
    return "\n".join(lines) + "\n"


def result_iri(base: str, release: str, result: ShapeResult) -> NamedNode:
    digest = hashlib.sha1("\x00".join(str(p) for p in result.key).encode()).hexdigest()[:16]
    return NamedNode(f"{base}id/resultat-validation/{release}/{digest}")


def _term(text: str) -> NamedNode | BlankNode | Literal:
    """An N-Triples term back into a pyoxigraph term."""
    triple = next(iter(parse(f"<urn:s> <urn:p> {text} .", format=RdfFormat.N_TRIPLES)))
    return triple.object


def report_quads(
    results: list[ShapeResult],
    texts: ShapeTexts,
    conforms: bool,
    graph: NamedNode | None = None,
    naming: Callable[[ShapeResult], NamedNode | BlankNode] = lambda _r: BlankNode(),
    sources: Callable[[str], Iterable[NamedNode]] = lambda _focus: (),
) -> list[Triple] | list[Quad]:
    """The ``sh:ValidationReport``; with ``graph``, as quads of that named graph."""
    sh = lambda local: NamedNode(SH + local)  # noqa: E731
    report = naming(ShapeResult("report", None, None, "", "", "")) if graph is not None else BlankNode()
    triples = [
        Triple(report, RDF.type, sh("ValidationReport")),
        Triple(report, sh("conforms"), Literal("true" if conforms else "false", datatype=NamedNode(PREFIXES["xsd"] + "boolean"))),
    ]
    for result in results:
        node = naming(result)
        triples += [
            Triple(report, sh("result"), node),
            Triple(node, RDF.type, sh("ValidationResult")),
            Triple(node, sh("focusNode"), _term(result.focus)),
            Triple(node, sh("resultSeverity"), sh(result.severity)),
            Triple(node, sh("sourceShape"), _term(result.source_shape)),
            Triple(node, sh("sourceConstraintComponent"), sh(result.component)),
        ]
        if result.path and result.path.startswith("^"):
            inverse = BlankNode()
            triples += [Triple(node, sh("resultPath"), inverse), Triple(inverse, sh("inversePath"), _term(result.path[1:]))]
        elif result.path:
            triples.append(Triple(node, sh("resultPath"), _term(result.path)))
        if result.value:
            triples.append(Triple(node, sh("value"), _term(result.value)))
        by_lang = texts.messages.get(result.source_shape)
        if by_lang:
            triples += [Triple(node, sh("resultMessage"), Literal(text, language=lang)) for lang, text in sorted(by_lang.items())]
        else:
            triples += [Triple(node, sh("resultMessage"), Literal(text)) for text in result.messages if text]
        for source in sources(result.focus):
            triples.append(Triple(node, PROV.wasDerivedFrom, source))
    if graph is None:
        return triples
    return [Quad(t.subject, t.predicate, t.object, graph) for t in triples]


def render_turtle(results: list[ShapeResult], ctx: RenderContext, conforms: bool) -> str:
    prefixes = {p: PREFIXES[p] for p in ("sh", "tid", "tidsh", "xsd", "rdf", "igeo", "org", "dct", "prov")}
    comments = "".join(f"# {line}\n" for line in ctx.heading)
    return comments + serialize(report_quads(results, ctx.texts, conforms), format=RdfFormat.TURTLE, prefixes=prefixes).decode("utf-8")


def render_json(results: list[ShapeResult], ctx: RenderContext, conforms: bool) -> str:
    items = []
    for result in results:
        item: dict[str, object] = {"focus": plain(result.focus)}
        if result.path:
            item["path"] = plain(result.path.removeprefix("^"))
            if result.path.startswith("^"):
                item["inversePath"] = True
        if result.value is not None:
            item |= _json_value(result.value)
        item |= {"severity": result.severity, "sourceShape": plain(result.source_shape),
                 "sourceConstraintComponent": SH + result.component if result.component.endswith("ConstraintComponent")
                 else result.component}
        item["focusLabel"] = ctx.labels(result.focus)
        item["message"] = ctx.texts.message(result.source_shape, ctx.lang, result.messages)
        item["shapeName"] = ctx.texts.name(result.source_shape, ctx.lang)
        where = ctx.locate(result)
        if where:
            item["file"], item["line"] = where
        items.append(item)
    document = {"conforms": conforms, "counts": counts(results), "results": items}
    if ctx.heading:
        document["validatedAgainst"] = ctx.heading
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def plain(term: str) -> str:
    """An IRI without its angle brackets; a blank node as ``_:``; anything else as written."""
    return term[1:-1] if term.startswith("<") and term.endswith(">") else term


def _json_value(term: str) -> dict[str, object]:
    if term.startswith("<") or term.startswith("_:"):
        return {"value": plain(term), "valueKind": "iri" if term.startswith("<") else "blank node"}
    literal = _term(term)
    found: dict[str, object] = {"value": literal.value, "valueKind": "literal"}
    if isinstance(literal, Literal):
        if literal.language:
            found["valueLanguage"] = literal.language
        else:
            found["valueDatatype"] = literal.datatype.value
    return found


def render_junit(results: list[ShapeResult], ctx: RenderContext, conforms: bool) -> str:
    """One test case per shape and focus node (each failing one holds one ``<failure>``, its
    results in the body), and one passing test case per shape that found nothing."""
    groups = _grouped(results)
    cases: list[str] = []
    failures = 0
    for shape in sorted(set(ctx.texts.all_shapes) | set(groups)):
        shape_name = f"{short(shape)} — {ctx.texts.name(shape, ctx.lang)}"
        by_focus: dict[str, list[ShapeResult]] = defaultdict(list)
        for result in groups.get(shape, []):
            by_focus[result.focus].append(result)
        if not by_focus:
            cases.append(f'    <testcase classname={quoteattr(short(shape))} name={quoteattr(shape_name)}/>')
            continue
        for focus, group in by_focus.items():
            label = ctx.labels(focus)
            name = quoteattr(f"{shape_name} — {label + ' ' if label else ''}{short(focus)}")
            where = ctx.locate(group[0])
            location = f" file={quoteattr(where[0])}" + (f' line="{where[1]}"' if where[1] else "") if where else ""
            lines = []
            for result in group:
                line = f"{result.severity}: {ctx.texts.message(result.source_shape, ctx.lang, result.messages)}"
                if result.path:
                    line += f" — {short(result.path)}"
                if result.value:
                    line += f" = {short(result.value)}"
                lines.append(line)
            failing = [r for r in group if r.severity in ctx.fail_on]
            cases.append(f'    <testcase classname={quoteattr(short(shape))} name={name}{location}>')
            if failing:
                failures += 1
                message = ctx.texts.message(failing[0].source_shape, ctx.lang, failing[0].messages)
                cases.append(f"      <failure type={quoteattr(failing[0].severity)} message={quoteattr(message)}>"
                             f"{escape(chr(10).join(lines))}</failure>")
            else:
                cases.append(f"      <system-out>{escape(chr(10).join(lines))}</system-out>")
            cases.append("    </testcase>")
    tests = sum(1 for case in cases if case.startswith("    <testcase"))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="tid validate" tests="{tests}" failures="{failures}">',
        f'  <testsuite name="shapes" tests="{tests}" failures="{failures}">',
        *(["    <properties>"] + [f'      <property name="validatedAgainst" value={quoteattr(line)}/>' for line in ctx.heading]
          + ["    </properties>"] if ctx.heading else []),
        *cases,
        "  </testsuite>",
        "</testsuites>",
    ]
    return "\n".join(lines) + "\n"


def _gh_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(results: list[ShapeResult], ctx: RenderContext, conforms: bool) -> str:
    commands = {"Violation": "error", "Warning": "warning", "Info": "notice"}
    lines = list(ctx.heading)
    for result in results:
        message = ctx.texts.message(result.source_shape, ctx.lang, result.messages)
        label = ctx.labels(result.focus)
        text = f"{message} — {label + ' ' if label else ''}{short(result.focus)}"
        if result.path:
            text += f" {short(result.path)}"
        if result.value:
            text += f" = {short(result.value)}"
        properties = [f"title={_gh_escape(ctx.texts.name(result.source_shape, ctx.lang), True)}"]
        where = ctx.locate(result)
        if where:
            properties.insert(0, f"file={_gh_escape(where[0], True)}")
            if where[1]:
                properties.insert(1, f"line={where[1]}")
        lines.append(f"::{commands.get(result.severity, 'notice')} {','.join(properties)}::{_gh_escape(text)}")
    tally = counts(results)
    lines.append(f"{'conforms' if conforms else 'does not conform'}: " + ", ".join(f"{tally[s]} {s}" for s in SEVERITIES))
    return "\n".join(lines) + "\n"
