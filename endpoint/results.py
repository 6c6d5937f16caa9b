"""Writing query results within the row and byte limits, never silently truncated.

SELECT solutions are written here, row by row, so that the writer can stop at the row limit or
before the byte limit and still close a valid document (pyoxigraph's ``QuerySolutions.serialize``
writes all or nothing). The four writers follow the W3C formats and write what pyoxigraph
writes (a test compares them byte for byte). Graphs (CONSTRUCT, DESCRIBE) are written by
pyoxigraph from at most ``max_rows`` triples, fewer if the bytes would pass ``max_bytes``.

When a limit cuts the result, the writer says so in the result itself where the format has a
place for it (a ``link`` in the head of SPARQL JSON and XML results, a comment in XML, Turtle,
TriG, N-Triples and N-Quads); the endpoint always adds the ``X-TID-Truncated`` header.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, QueryBoolean, Triple, serialize

from tid.endpoint.conneg import Format
from tid.namespaces import PREFIXES, SPARQL_RESULTS_XML

XSD = PREFIXES["xsd"]
XSD_STRING = XSD + "string"
RDF_LANG_STRING = PREFIXES["rdf"] + "langString"
RDF_DIR_LANG_STRING = PREFIXES["rdf"] + "dirLangString"
_SHORT = {
    XSD + "integer": re.compile(r"^[+-]?[0-9]+$"),
    XSD + "decimal": re.compile(r"^[+-]?[0-9]*\.[0-9]+$"),
    XSD + "double": re.compile(r"^[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+$"),
    XSD + "boolean": re.compile(r"^(?:true|false)$"),
}


@dataclass
class Written:
    body: bytes
    rows: int
    truncated: str | None  # "rows=N" or "bytes=N" (the limit that cut the result)


# -- solutions -------------------------------------------------------------------------------


def _json_term(term: object) -> dict:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            direction = getattr(term, "direction", None)
            if direction is not None:
                out["its:dir"] = str(direction.value if hasattr(direction, "value") else direction).lower()
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    raise TypeError(f"not an RDF term: {term!r}")


def _xml_text(value: str) -> str:
    """Text content that an XML parser gives back exactly: CR and leading or trailing white
    space as character references (parsers normalise the one and may trim the other)."""
    text = escape(value, {'"': "&quot;", "\r": "&#13;"})
    stripped = text.lstrip(" \t\n")
    lead = "".join(f"&#{ord(c)};" for c in text[: len(text) - len(stripped)])
    core = stripped.rstrip(" \t\n")
    trail = "".join(f"&#{ord(c)};" for c in stripped[len(core):])
    return lead + core + trail


def _xml_term(term: object) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            attributes = f" xml:lang={quoteattr(term.language)}"
        elif term.datatype.value != XSD_STRING:
            attributes = f" datatype={quoteattr(term.datatype.value)}"
        else:
            attributes = ""
        return f"<literal{attributes}>{_xml_text(term.value)}</literal>"
    if isinstance(term, Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
                f"</predicate><object>{_xml_term(term.object)}</object></triple>")
    raise TypeError(f"not an RDF term: {term!r}")


def _csv_field(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        text = "_:" + term.value
    elif isinstance(term, NamedNode | Literal):
        text = term.value
    else:
        text = str(term)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tsv_field(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal) and not term.language:
        pattern = _SHORT.get(term.datatype.value)
        if pattern and pattern.match(term.value):
            return term.value
    return str(term)


class _Writer:
    footer = ""

    def __init__(self, variables: list[str]):
        self.variables = variables

    def header(self, link: str | None) -> str:
        raise NotImplementedError

    def row(self, values: list[object], first: bool) -> str:
        raise NotImplementedError

    def close(self, truncated: str | None) -> str:
        return self.footer


class _JsonWriter(_Writer):
    def header(self, link: str | None) -> str:
        head = {"vars": self.variables, **({"link": [link]} if link else {})}
        return '{"head":' + json.dumps(head, ensure_ascii=False, separators=(",", ":")) + ',"results":{"bindings":['

    def row(self, values: list[object], first: bool) -> str:
        binding = {v: _json_term(t) for v, t in zip(self.variables, values, strict=True) if t is not None}
        return ("" if first else ",") + json.dumps(binding, ensure_ascii=False, separators=(",", ":"))

    def close(self, truncated: str | None) -> str:
        return "]}}"


class _XmlWriter(_Writer):
    def header(self, link: str | None) -> str:
        head = "".join(f"<variable name={quoteattr(v)}/>" for v in self.variables)
        if link:
            head += f"<link href={quoteattr(link)}/>"
        return f'<?xml version="1.0"?><sparql xmlns="{SPARQL_RESULTS_XML}"><head>{head}</head><results>'

    def row(self, values: list[object], first: bool) -> str:
        bindings = "".join(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                           for v, t in zip(self.variables, values, strict=True) if t is not None)
        return f"<result>{bindings}</result>"

    def close(self, truncated: str | None) -> str:
        note = f"<!-- truncated: {truncated} -->" if truncated else ""
        return f"</results>{note}</sparql>"


class _CsvWriter(_Writer):
    def header(self, link: str | None) -> str:
        return ",".join(self.variables) + "\r\n"

    def row(self, values: list[object], first: bool) -> str:
        return ",".join(_csv_field(t) for t in values) + "\r\n"


class _TsvWriter(_Writer):
    def header(self, link: str | None) -> str:
        return "\t".join("?" + v for v in self.variables) + "\n"

    def row(self, values: list[object], first: bool) -> str:
        return "\t".join(_tsv_field(t) for t in values) + "\n"


WRITERS = {"json": _JsonWriter, "xml": _XmlWriter, "csv": _CsvWriter, "tsv": _TsvWriter}


def write_solutions(variables: list[str], rows: Iterable[list[object]], fmt: Format,
                    max_rows: int, max_bytes: int, link: str | None = None) -> Written:
    """Solutions in ``fmt``; when a limit cuts them, the SPARQL JSON and XML heads carry ``link``
    (a page that explains the limits: the standard place for metadata about results)."""
    writer = WRITERS[fmt.key](variables)
    plain, linked = writer.header(None).encode(), writer.header(link).encode()
    reserve = max(len(linked) - len(plain), 0) + len(writer.close("bytes=" + str(max_bytes)).encode())
    parts: list[bytes] = []
    size = len(plain)
    count = 0
    truncated = None
    for values in rows:
        if count >= max_rows:
            truncated = f"rows={max_rows}"
            break
        piece = writer.row(values, count == 0).encode()
        if size + len(piece) + reserve > max_bytes:
            truncated = f"bytes={max_bytes}"
            break
        parts.append(piece)
        size += len(piece)
        count += 1
    return Written(b"".join([linked if truncated else plain, *parts, writer.close(truncated).encode()]), count, truncated)


def solution_rows(solutions: Iterable, variables: list[str]) -> Iterator[list[object]]:
    for solution in solutions:
        yield [solution[v] for v in variables]


def write_boolean(result: QueryBoolean, fmt: Format) -> Written:
    return Written(result.serialize(format=fmt.results_format), 1, None)


# -- graphs ----------------------------------------------------------------------------------

_COMMENTED = {"ttl", "nt", "trig", "nq"}


def serialize_graph(triples: list[Triple], fmt: Format, prefixes: dict[str, str]) -> bytes:
    """``triples`` in the RDF format ``fmt`` (Turtle and TriG with ``prefixes``; JSON-LD compacted
    against a ``@context`` of ``prefixes``, :mod:`tid.endpoint.jsonld`)."""
    if fmt.key == "jsonld":
        from tid.endpoint import jsonld  # rdflib, imported by the processes that write JSON-LD only

        return jsonld.write(triples, prefixes)
    if fmt.key in ("ttl", "trig"):
        return serialize(triples, format=fmt.rdf_format, prefixes=prefixes)
    return serialize(triples, format=fmt.rdf_format)


def _note(body: bytes, fmt: Format, truncated: str) -> bytes:
    if fmt.key in _COMMENTED:
        return f"# truncated: {truncated}\n".encode() + body
    if fmt.key == "rdf" and body.startswith(b"<?xml"):
        end = body.index(b"?>") + 2
        return body[:end] + f"\n<!-- truncated: {truncated} -->".encode() + body[end:]
    return body


# Formats whose writer cannot carry RDF 1.2 triple terms (pyoxigraph 0.5: "JSON-LD does not support
# RDF 1.2 yet"): an answer holding one is not acceptable in them.
NO_TRIPLE_TERMS = frozenset({"jsonld"})


class NotCarried(ValueError):
    """The answer holds something the format asked for cannot carry (the request gets a 406)."""


def write_triples(triples: Iterable[Triple], fmt: Format, max_rows: int, max_bytes: int,
                  prefixes: dict[str, str]) -> Written:
    kept: list[Triple] = []
    truncated = None
    for triple in triples:
        if len(kept) >= max_rows:
            truncated = f"rows={max_rows}"
            break
        kept.append(triple)
    if fmt.key in NO_TRIPLE_TERMS and any(isinstance(t.subject, Triple) or isinstance(t.object, Triple) for t in kept):
        raise NotCarried("the answer holds RDF 1.2 triple terms")
    body = serialize_graph(kept, fmt, prefixes)
    margin = 256
    while len(body) + margin > max_bytes and kept:
        truncated = f"bytes={max_bytes}"
        ratio = (max_bytes - margin) / (len(body) + margin)
        kept = kept[: min(len(kept) - 1, int(len(kept) * ratio * 0.95))]
        body = serialize_graph(kept, fmt, prefixes)
    if truncated:
        body = _note(body, fmt, truncated)
    return Written(body, len(kept), truncated)
