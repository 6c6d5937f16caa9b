"""Named SPARQL queries: ``queries/{name}.rq``, loaded by name, bound by parameters.

A query file starts with a header of ``#`` comment lines::

    # title: Communes of a territory
    # fr: Communes rattachées à un territoire d'industrie
    # en: Municipalities attached to an industry territory
    # param: territoire iri  the territory (e.g. https://w3id.org/territoires-industrie/id/territoire/2023-2027/ti-8413)
    # param: date date=2021-06-01  the date the answer holds at

A derivation (``derive-*.rq``) may say what it derives facts about: ``# scope: territoire
(tid:TerritoireIndustrie) ^org:organization``, the variables that name the thing (bound together
to one node when ``tid validate`` derives facts about a contributed file's nodes only), the
classes that thing belongs to, and the predicates by which a new triple whose *object* is that
thing can change what is derived about it (by default, only triples about it as subject can).
It names the derivations whose results it reads (``# reads: derive-list-periods
derive-coverage-communes``): the build runs a derivation after those, and side by side with the
ones it does not read nor is read by.

Parameter types: ``iri``, ``date``, ``string``, ``integer``; ``=value`` gives a default
(``date=today``: the day the query runs, bound then).
Values are bound as RDF terms through pyoxigraph ``substitutions`` (SEP-0007), never pasted
into the query text. For a SPARQL server that is not pyoxigraph (``tid push``'s checks, ``tid
serve --backend``), :func:`substitute` writes the same binding in plain SPARQL 1.1, each term in
its quoted form. :func:`is_absolute_iri` is the one test of what may stand between ``<`` and ``>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Variable

from tid import ROOT
from tid.errors import QueryError
from tid.namespaces import PREFIXES, XSD

QUERY_DIR = ROOT / "queries"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)?$")
HEADER = re.compile(r"^#\s*(?P<key>[a-z]+)\s*:\s*(?P<value>.*)$")
ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
"""An absolute IRI as SPARQL writes one between ``<`` and ``>`` (RFC 3987: the scheme in any case)."""
PARAM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>iri|date|string|integer)(?:=(?P<default>\S+))?\s*(?P<doc>.*)$")


def is_absolute_iri(text: str) -> bool:
    return ABSOLUTE_IRI.match(text) is not None


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str | None
    doc: str

    def bind(self, raw: str) -> NamedNode | Literal:
        try:
            if self.type == "iri":
                if not is_absolute_iri(raw):
                    raise ValueError("not an absolute IRI")
                return NamedNode(raw)
            if self.type == "date":
                day = date.today() if raw == "today" else date.fromisoformat(raw)
                return Literal(day.isoformat(), datatype=XSD.date)
            if self.type == "integer":
                return Literal(str(int(raw)), datatype=XSD.integer)
            return Literal(raw)
        except ValueError as exc:
            raise QueryError(f"parameter {self.name!r}: {raw!r} is not a valid {self.type} ({exc})") from None


@dataclass(frozen=True)
class NamedQuery:
    name: str
    text: str
    title: str
    fr: str
    en: str
    parameters: tuple[Parameter, ...]
    scope: tuple[str, ...] = ()
    """The variables naming the thing a derivation derives facts about (``# scope:``)."""
    scope_classes: tuple[str, ...] = ()
    """The classes (IRIs) of that thing."""
    scope_inverse: tuple[str, ...] = ()
    """Predicates (IRIs) by which a triple with that thing as object changes what is derived."""
    reads: tuple[str, ...] = ()
    """The derivations whose results a derivation reads (``# reads:``)."""

    def substitutions(self, values: dict[str, str]) -> dict[Variable, NamedNode | Literal]:
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise QueryError(
                f"query {self.name!r} has no parameter {', '.join(unknown)}; "
                f"its parameters: {', '.join(known) or 'none'}"
            )
        bound: dict[Variable, NamedNode | Literal] = {}
        for parameter in self.parameters:
            raw = values.get(parameter.name, parameter.default)
            if raw is None:
                raise QueryError(f"query {self.name!r} needs --param {parameter.name}=… ({parameter.doc})")
            bound[Variable(parameter.name)] = parameter.bind(raw)
        return bound


def parse_query_file(name: str, text: str) -> NamedQuery:
    header: dict[str, str] = {}
    parameters = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = HEADER.match(line)
        if not match:
            continue
        key, value = match["key"], match["value"].strip()
        if key == "param":
            param = PARAM.match(value)
            if not param:
                raise QueryError(f"query {name!r}: cannot read the parameter line {value!r}")
            parameters.append(Parameter(param["name"], param["type"], param["default"], param["doc"].strip()))
        else:
            header[key] = value
    for key in ("title", "fr", "en"):
        if key not in header:
            raise QueryError(f"query {name!r}: the header lacks '# {key}:'")
    scope, scope_classes, scope_inverse = _scope(name, header.get("scope", ""))
    return NamedQuery(name, text, header["title"], header["fr"], header["en"], tuple(parameters), scope, scope_classes,
                      scope_inverse, tuple(header.get("reads", "").split()))


SCOPE = re.compile(r"^(?P<variables>[A-Za-z_][A-Za-z0-9_]*(?:\s+[A-Za-z_][A-Za-z0-9_]*)*)\s*\((?P<classes>[^)]*)\)"
                   r"(?P<inverse>(?:\s+\^\S+)*)\s*$")


def _scope(name: str, value: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    if not value:
        return (), (), ()
    match = SCOPE.match(value)
    if not match:
        raise QueryError(f"query {name!r}: cannot read '# scope: {value}' "
                         "(expected: VARIABLE... (prefix:Class...) [^prefix:predicate...])")

    def iri(term: str) -> str:
        prefix, _, local = term.partition(":")
        if prefix not in PREFIXES:
            raise QueryError(f"query {name!r}: unknown prefix {prefix!r} in '# scope: {value}'")
        return PREFIXES[prefix] + local

    return (tuple(match["variables"].split()), tuple(iri(t) for t in match["classes"].split()),
            tuple(iri(t[1:]) for t in match["inverse"].split()))


@cache
def load_query(name: str, directory: Path = QUERY_DIR) -> NamedQuery:
    if not NAME.match(name):
        raise QueryError(f"{name!r} is not a query name (lower-case letters, digits, '-')")
    path = directory / f"{name}.rq"
    if not path.is_file():
        raise QueryError(f"no query named {name!r}; see `tid query --list`")
    return parse_query_file(name, path.read_text(encoding="utf-8"))


# Queries that are not questions for the catalogue: the build's derivations, and those behind
# the site's own answers (endpoint, resource pages, home page, search, ontology pages, maps), and
# those of the validation and of tid push.
INTERNAL_PREFIXES = ("derive-", "endpoint-", "resource-", "home-", "search-", "ontology-", "geo-ressources-", "geo-carte-",
                     "validation-", "store-", "push-")


def list_queries(directory: Path = QUERY_DIR) -> list[NamedQuery]:
    """The catalogue: the competency questions (not the internal queries, nor QC checks)."""
    return [
        load_query(path.stem, directory)
        for path in sorted(directory.glob("*.rq"))
        if not path.stem.startswith(INTERNAL_PREFIXES)
    ]


# -- binding for another SPARQL server ---------------------------------------------------------
# substitutions (pyoxigraph binds them before evaluation, SEP-0007) written into the query text:
# the terms, in their N-Triples form (``str()`` of a pyoxigraph IRI or literal, which SPARQL reads
# as the same term), replace the variable in the patterns and are bound by a ``VALUES`` at the
# start of each WHERE group. A trailing ``VALUES`` clause alone would not do: it is joined with
# the query's solutions at the end, after grouping, so a parameter that only a FILTER reads, or
# one used inside a sub-select, would not see its value (tried: ``home-sitemap``'s ``?prefix``
# gave an empty sitemap; ``territoire-d-une-commune``'s ``?date``, read only by FILTERs inside
# sub-selects, would give no rows). Blank nodes cannot be substituted (a server does not know this
# store's blank nodes).

_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>'\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_.:%-]*)?)
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
# Clauses where a substituted variable is kept: it is bound there by the VALUES injected at the
# start of the query's WHERE group (projection, GROUP BY / ORDER BY / HAVING, a VALUES header).
_CONDITION_END = {"ORDER", "LIMIT", "OFFSET", "VALUES", "}", "GROUP", "HAVING"}


def term_text(term: Any) -> str:
    """The SPARQL form of a substituted term: its N-Triples form (``str()`` of a pyoxigraph IRI
    or literal, quotes and newlines escaped), which is also valid SPARQL."""
    if isinstance(term, BlankNode) or not isinstance(term, (NamedNode, Literal)):
        raise ValueError(f"cannot send {term!r} to a SPARQL server in place of a variable: only IRIs and literals")
    return str(term)


def substitute(query: str, substitutions: Mapping[Variable, Any]) -> str:
    """``query`` with the substituted variables bound as pyoxigraph's ``substitutions`` bind them
    (SEP-0007), in plain SPARQL 1.1 that any server runs.

    pyoxigraph binds the variable before evaluation, in the whole query, sub-selects included
    when they project it (one that does not has its own variable of that name). Here the text is
    tokenised (comments, strings and IRIs are kept as they are); in each scope where the variable
    is bound, its occurrences in patterns and expressions become its term (so that a FILTER in a
    nested group sees the value), and the scope's WHERE group starts with
    ``VALUES (?v …) { (term …) }``, which binds it where a variable must stay: projections,
    ``GROUP BY`` / ``ORDER BY`` / ``HAVING``, ``CONSTRUCT`` templates. Not covered: a query that
    binds the variable itself (``BIND(… AS ?v)``, ``VALUES ?v``), which pyoxigraph refuses anyway.
    """
    values = {variable.value: term_text(term) for variable, term in substitutions.items()}
    if not values:
        return query
    out: list[str] = []
    state = ""  # "projection" (SELECT … up to its group), "condition" (GROUP BY…), "values" (a VALUES header)
    depth = 0  # parentheses: since the projection or the condition began
    awaiting = ""  # "group": the next "{" opens a WHERE group; "where": after the WHERE keyword (CONSTRUCT)
    previous = ""  # the last significant token, upper-cased
    braces = 0
    active = set(values)  # the variables substituted in the current scope
    scopes: list[tuple[int, set[str]]] = []  # (braces outside a sub-select's group, the enclosing scope's variables)
    projected: set[str] | None = None  # the bare variables of the SELECT being read; None: SELECT *
    for match in _TOKEN.finditer(query):
        kind, text = match.lastgroup, match.group()
        if kind in ("comment", "space"):
            out.append(text)
            continue
        upper = text.upper() if kind in ("word", "other") else ""
        if upper in ("SELECT", "ASK", "DESCRIBE"):
            state, awaiting, depth = ("projection" if upper == "SELECT" else ""), "group", 0
            projected = set() if upper == "SELECT" else None
        elif upper == "CONSTRUCT":
            state, awaiting, projected = "", "where", None
        elif upper == "WHERE":
            state = ""
            if awaiting == "where":
                awaiting = "group"
        elif upper in ("BY", "HAVING") and (upper == "HAVING" or previous in ("GROUP", "ORDER")):
            state, depth = "condition", 0
        elif upper == "VALUES":
            state = "values"
        elif state == "projection" and upper == "FROM":
            state = ""
        elif state == "projection" and upper == "*" and depth == 0:
            projected = None
        elif state == "condition" and depth == 0 and upper in _CONDITION_END and upper != "HAVING":
            state = ""
        if upper == "{":
            braces += 1
            if state == "values":
                state = ""
            elif awaiting == "group":
                state, awaiting = "", ""
                if braces > 1:  # a sub-select: its own scope
                    scopes.append((braces - 1, active))
                    active = active if projected is None else active & projected
                if active:
                    text += f" VALUES ({' '.join('?' + name for name in sorted(active))}) " \
                            f"{{ ({' '.join(values[name] for name in sorted(active))}) }} "
        elif upper == "}":
            braces -= 1
            if state == "condition":
                state = ""
            if scopes and braces == scopes[-1][0]:
                active = scopes.pop()[1]
        elif upper == "(":
            depth += 1
        elif upper == ")":
            depth -= 1
        if kind == "var":
            name = text[1:]
            if state == "projection" and depth == 0 and previous != "AS" and projected is not None:
                projected.add(name)
            if name in active and previous != "AS" and state not in ("projection", "condition", "values"):
                text = values[name]
        out.append(text)
        previous = upper or text
    return "".join(out)
