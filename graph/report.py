"""Rendering a SHACL validation outcome for people and for CI systems.

Formats: ``text`` (grouped by shape, with the focus node's label, path, value, message and
severity, then a count line), ``turtle`` (the ``sh:ValidationReport``), ``json`` (one object per
result), ``junit`` (one test case per shape, one failure per result) and ``github`` (workflow
command annotations). Messages come from the shapes graph in the requested language (``fr`` or
``en``), falling back to the engine's text.
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
    locate: Callable[[str], tuple[str, int | None] | None] = lambda _term: None
    """Where a focus node is written (file, line) for annotations."""


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
    lines = []
    for shape, group in _grouped(results).items():
        lines.append(f"{group[0].severity} — {ctx.texts.name(shape, ctx.lang)} ({short(shape)}) — {len(group)}")
        for result in group:
            label = ctx.labels(result.focus)
            who = f"{label} {short(result.focus)}" if label else short(result.focus)
            lines.append(f"  {who}")
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
    return serialize(report_quads(results, ctx.texts, conforms), format=RdfFormat.TURTLE, prefixes=prefixes).decode("utf-8")


def render_json(results: list[ShapeResult], ctx: RenderContext, conforms: bool) -> str:
    items = []
    for result in results:
        item = result.as_dict()
        item["focusLabel"] = ctx.labels(result.focus)
        item["message"] = ctx.texts.message(result.source_shape, ctx.lang, result.messages)
        item["shapeName"] = ctx.texts.name(result.source_shape, ctx.lang)
        items.append(item)
    return json.dumps({"conforms": conforms, "counts": counts(results), "results": items}, ensure_ascii=False, indent=1) + "\n"


def render_junit(results: list[ShapeResult], ctx: RenderContext, conforms: bool) -> str:
    groups = _grouped(results)
    shapes = sorted(set(ctx.texts.all_shapes) | set(groups))
    failures = sum(1 for r in results if r.severity == "Violation")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="tid validate" tests="{len(shapes)}" failures="{failures}">',
        f'  <testsuite name="shapes" tests="{len(shapes)}" failures="{failures}">',
    ]
    for shape in shapes:
        group = groups.get(shape, [])
        name = quoteattr(f"{short(shape)} — {ctx.texts.name(shape, ctx.lang)}")
        if not group:
            lines.append(f'    <testcase classname="tidsh" name={name}/>')
            continue
        lines.append(f'    <testcase classname="tidsh" name={name}>')
        for result in group:
            message = ctx.texts.message(result.source_shape, ctx.lang, result.messages)
            label = ctx.labels(result.focus)
            body = f"{label + ' ' if label else ''}{short(result.focus)} {short(result.path)} {short(result.value)}".strip()
            element = "failure" if result.severity == "Violation" else "system-out"
            if element == "failure":
                lines.append(f"      <failure type={quoteattr(result.severity)} message={quoteattr(message)}>{escape(body)}</failure>")
            else:
                lines.append(f"      <system-out>{escape(result.severity + ': ' + message + ' — ' + body)}</system-out>")
        lines.append("    </testcase>")
    lines += ["  </testsuite>", "</testsuites>"]
    return "\n".join(lines) + "\n"


def _gh_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(results: list[ShapeResult], ctx: RenderContext, conforms: bool) -> str:
    commands = {"Violation": "error", "Warning": "warning", "Info": "notice"}
    lines = []
    for result in results:
        message = ctx.texts.message(result.source_shape, ctx.lang, result.messages)
        label = ctx.labels(result.focus)
        text = f"{message} — {label + ' ' if label else ''}{short(result.focus)}"
        if result.path:
            text += f" {short(result.path)}"
        if result.value:
            text += f" = {short(result.value)}"
        properties = [f"title={_gh_escape(ctx.texts.name(result.source_shape, ctx.lang), True)}"]
        where = ctx.locate(result.focus)
        if where:
            properties.insert(0, f"file={_gh_escape(where[0], True)}")
            if where[1]:
                properties.insert(1, f"line={where[1]}")
        lines.append(f"::{commands.get(result.severity, 'notice')} {','.join(properties)}::{_gh_escape(text)}")
    tally = counts(results)
    lines.append(f"{'conforms' if conforms else 'does not conform'}: " + ", ".join(f"{tally[s]} {s}" for s in SEVERITIES))
    return "\n".join(lines) + "\n"
