"""Where a statement is written in the files given to ``tid validate``: the line of a triple in a
Turtle, TriG, N-Triples or N-Quads file, or the row of a CSV that produced it.

A validation result names a focus node, a path and a value; the annotation a contributor needs
points at the line that states the offending triple (the property's line, not the subject's).
Oxigraph's parser gives no positions, so Turtle and TriG are read a second time by a small
tokenizer that follows subjects, predicates and objects (prefixes, ``a``, ``;``, ``,``, blank
node property lists, collections and graph blocks) and records the line of each predicate and
object. Terms are compared as N-Triples writes them (``<iri>``); literals by their lexical form.
JSON-LD and RDF/XML are located by the first line that writes the focus node's IRI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

from tid.namespaces import PREFIXES

RDF_TYPE = f"<{PREFIXES['rdf']}type>"

TOKEN = re.compile(
    r'''(?P<ws>[ \t\r\n]+)
    |(?P<comment>\#[^\n]*)
    |(?P<iri><[^<>"{}|^`\\\s]*>)
    |(?P<long>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\')
    |(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    |(?P<caret>\^\^)
    |(?P<punct>[;,.\[\](){}])
    |(?P<bnode>_:[A-Za-z0-9_](?:[\w.-]*[\w-])?)
    |(?P<number>[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
    |(?P<pname>(?:[A-Za-z][\w.-]*)?:(?:[\w:%-]|\\.|\.(?=[\w:%-]))*)
    |(?P<word>[A-Za-z][\w-]*)
    |(?P<other>.)''',
    re.VERBOSE | re.DOTALL,
)
LOCAL_ESCAPE = re.compile(r"\\(.)")
ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.DOTALL)
SIMPLE_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match[1]
        if code[0] in "uU":
            return chr(int(code[1:], 16))
        return SIMPLE_ESCAPES.get(code, code)
    return ESCAPE.sub(one, text)


ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _resolve(base: str, reference: str) -> str:
    """A relative IRI against the base (``urljoin`` drops an empty fragment: ``def#`` stays)."""
    if ABSOLUTE.match(reference):
        return reference
    joined = urljoin(base, reference)
    return joined + "#" if reference.endswith("#") and not joined.endswith("#") else joined


def lexical(term: str | None) -> str | None:
    """The lexical form of a literal written as in N-Triples (``"x"@fr``, ``"1"^^<…>``)."""
    if term is None or not term.startswith('"'):
        return None
    end = term.rfind('"')
    return _unescape(term[1:end]) if end > 0 else None


@dataclass
class Locations:
    """Where the triples of one file are written: lines (RDF) or rows (CSV), 1-based."""

    file: str
    triples: dict[tuple[str, str, str], int] = field(default_factory=dict)
    """(subject, predicate, object) -> line of the object; objects that are literals by lexical form."""
    predicates: dict[tuple[str, str], int] = field(default_factory=dict)
    """(subject, predicate) -> line of the first predicate."""
    subjects: dict[str, int] = field(default_factory=dict)
    objects: dict[str, int] = field(default_factory=dict)
    text: str | None = None

    def add(self, subject: str, predicate: str, obj: str, predicate_line: int, object_line: int) -> None:
        self.triples.setdefault((subject, predicate, obj), object_line)
        self.predicates.setdefault((subject, predicate), predicate_line)
        self.subjects.setdefault(subject, predicate_line)
        self.objects.setdefault(obj, object_line)

    def line(self, focus: str, path: str | None, value: str | None) -> int | None:
        """The line of the offending statement: the triple (focus, path, value) when written, else
        the line of the focus node's property, else of the focus node, else where it is a value."""
        value_key = lexical(value) if value and value.startswith('"') else value
        if path and path.startswith("^"):
            inverse = path[1:]
            if value_key and (value_key, inverse, focus) in self.triples:
                return self.triples[(value_key, inverse, focus)]
        elif path:
            if value_key and (focus, path, value_key) in self.triples:
                return self.triples[(focus, path, value_key)]
            if (focus, path) in self.predicates:
                return self.predicates[(focus, path)]
        if focus in self.subjects:
            return self.subjects[focus]
        if focus in self.objects:
            return self.objects[focus]
        if self.text is not None and focus.startswith("<"):
            position = self.text.find(focus[1:-1])
            if position >= 0:
                return self.text.count("\n", 0, position) + 1
        return None


def _tokens(text: str) -> Iterator[tuple[str, str, int]]:
    line = 1
    for match in TOKEN.finditer(text):
        kind, value = match.lastgroup or "other", match.group()
        if kind not in ("ws", "comment"):
            yield kind, value, line
        line += value.count("\n")


def turtle_locations(file: str, text: str, base: str) -> Locations:
    """The lines of a Turtle or TriG file's triples. Tolerant: what it cannot follow it skips (the
    file has already been parsed by Oxigraph, so it is valid)."""
    found = Locations(file, text=text)
    prefixes: dict[str, str] = {}
    tokens = list(_tokens(text))
    counter = 0

    def term(position: int) -> tuple[str | None, int]:
        """The term at ``position`` (N-Triples form, literals by lexical form) and the next position."""
        kind, value, _line = tokens[position]
        if kind == "iri":
            return f"<{_resolve(base, _unescape(value[1:-1]))}>", position + 1
        if kind == "pname":
            prefix, _, local = value.partition(":")
            namespace = prefixes.get(prefix)
            if namespace is None:
                return None, position + 1
            return "<" + namespace + LOCAL_ESCAPE.sub(r"\1", local) + ">", position + 1
        if kind == "word" and value == "a":
            return RDF_TYPE, position + 1
        if kind in ("string", "long"):
            quote = 3 if kind == "long" else 1
            literal = _unescape(value[quote:-quote])
            position += 1
            if position < len(tokens) and tokens[position][0] == "lang":
                position += 1
            elif position < len(tokens) and tokens[position][0] == "caret":
                position += 2
            return literal, position
        if kind == "number":
            return value, position + 1
        if kind == "word" and value in ("true", "false"):
            return value, position + 1
        if kind == "bnode":
            return "_:", position + 1
        return None, position + 1

    def skip_collection(position: int) -> int:
        depth = 0
        while position < len(tokens):
            value = tokens[position][1]
            if tokens[position][0] == "punct" and value in "([":
                depth += 1
            elif tokens[position][0] == "punct" and value in ")]":
                depth -= 1
                if depth == 0:
                    return position + 1
            position += 1
        return position

    def property_list(subject: str, position: int, closing: str) -> int:
        """Predicate-object pairs of ``subject`` until ``closing`` ('.' or ']' or '}')."""
        nonlocal counter
        while position < len(tokens):
            kind, value, line = tokens[position]
            if kind == "punct" and value == ";":
                position += 1
                continue
            if kind == "punct" and value in (closing, "}", "."):
                return position
            predicate, position = term(position)
            predicate_line = line
            while position < len(tokens):
                kind, value, line = tokens[position]
                if kind == "punct" and value == "[":
                    counter += 1
                    node = f"_:b{counter}"
                    if predicate:
                        found.add(subject, predicate, "_:", predicate_line, line)
                    position = property_list(node, position + 1, "]") + 1
                elif kind == "punct" and value == "(":
                    if predicate:
                        found.add(subject, predicate, "_:", predicate_line, line)
                    position = skip_collection(position)
                else:
                    obj, position = term(position)
                    if predicate and obj is not None:
                        found.add(subject, predicate, obj, predicate_line, line)
                if position < len(tokens) and tokens[position][1] == "," and tokens[position][0] == "punct":
                    position += 1
                    continue
                break
        return position

    position = 0
    while position < len(tokens):
        kind, value, _line = tokens[position]
        lowered = value.lower()
        if (kind == "lang" and lowered == "@prefix") or (kind == "word" and lowered == "prefix"):
            if position + 2 < len(tokens):
                name = tokens[position + 1][1].rstrip(":")
                namespace = tokens[position + 2][1]
                prefixes[name] = _resolve(base, _unescape(namespace[1:-1]))
            position += 3
            continue
        if (kind == "lang" and lowered == "@base") or (kind == "word" and lowered == "base"):
            if position + 1 < len(tokens):
                base = _resolve(base, _unescape(tokens[position + 1][1][1:-1]))
            position += 2
            continue
        if kind == "word" and lowered == "graph":
            position += 1
            continue
        if kind == "punct" and value in "{}.":
            position += 1
            continue
        if kind == "punct" and value == "[":
            counter += 1
            position = property_list(f"_:b{counter}", position + 1, "]") + 1
            if position < len(tokens) and tokens[position][1] not in (".", "}"):
                position = property_list(f"_:b{counter}", position, ".")
            continue
        if kind == "punct" and value == "(":
            position = skip_collection(position)
            continue
        subject, after = term(position)
        if after < len(tokens) and tokens[after][1] == "{":  # TriG: a graph name
            position = after + 1
            continue
        if subject is None:
            position = after
            continue
        position = property_list(subject, after, ".")
    return found


def line_locations(file: str, text: str, base: str) -> Locations:
    """N-Triples and N-Quads: one statement a line."""
    found = Locations(file, text=text)
    for number, line in enumerate(text.splitlines(), start=1):
        statement = line.strip()
        if not statement or statement.startswith("#"):
            continue
        parsed = turtle_locations(file, statement, base)
        for (subject, predicate, obj) in parsed.triples:
            found.add(subject, predicate, obj, number, number)
    return found


def text_locations(file: str, text: str) -> Locations:
    """JSON-LD, RDF/XML: only where an IRI is first written."""
    return Locations(file, text=text)
