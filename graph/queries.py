"""Named SPARQL queries: ``queries/{name}.rq``, loaded by name, bound by parameters.

A query file starts with a header of ``#`` comment lines::

    # title: Communes of a territory
    # fr: Communes rattachées à un territoire d'industrie
    # en: Municipalities attached to an industry territory
    # param: territoire iri  the territory (e.g. https://w3id.org/territoires-industrie/id/territoire/2023-2027/ti-8413)
    # param: date date=2021-06-01  the date the answer holds at

Parameter types: ``iri``, ``date``, ``string``, ``integer``; ``=value`` gives a default
(``date=today``: the day the query runs, bound then).
Values are bound as RDF terms through pyoxigraph ``substitutions`` (SEP-0007), never pasted
into the query text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Variable

from tid import ROOT
from tid.errors import QueryError
from tid.namespaces import XSD

QUERY_DIR = ROOT / "queries"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)?$")
HEADER = re.compile(r"^#\s*(?P<key>[a-z]+)\s*:\s*(?P<value>.*)$")
PARAM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>iri|date|string|integer)(?:=(?P<default>\S+))?\s*(?P<doc>.*)$")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str | None
    doc: str

    def bind(self, raw: str) -> NamedNode | Literal:
        try:
            if self.type == "iri":
                if not re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", raw):
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
    return NamedQuery(name, text, header["title"], header["fr"], header["en"], tuple(parameters))


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
# those of the validation.
INTERNAL_PREFIXES = ("derive-", "endpoint-", "resource-", "home-", "search-", "ontology-", "geo-ressources-",
                     "validation-", "store-")


def list_queries(directory: Path = QUERY_DIR) -> list[NamedQuery]:
    """The catalogue: the competency questions (not the internal queries, nor QC checks)."""
    return [
        load_query(path.stem, directory)
        for path in sorted(directory.glob("*.rq"))
        if not path.stem.startswith(INTERNAL_PREFIXES)
    ]
