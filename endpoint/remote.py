"""A remote SPARQL 1.1 server as the endpoint's store: ``tid serve --backend URL``.

:class:`RemoteStore` has the part of pyoxigraph's ``Store`` API that the endpoint uses
(:meth:`~RemoteStore.query` with its dataset and ``substitutions`` options, and
:meth:`~RemoteStore.quads_for_pattern`), over the SPARQL 1.1 Protocol: one form POST per call,
results asked as SPARQL JSON (solutions, booleans) or N-Triples (graphs) and parsed with
pyoxigraph, so that callers get the same types as from the embedded store and every module (the
query workers writing result formats, the pages, the catalogue…) works unchanged. It is read-only,
picklable (a worker process receives it with its job) and holds no connection between calls.

The release's quads are on the server (``tid push``); the data directory still gives the
manifest, from which the release's graphs are known (:func:`release_graphs`). The dataset a query
sees is made explicit with the protocol's parameters, so that the server may hold other graphs:

* ``use_default_graph_as_union=True``: ``default-graph-uri`` = each graph of the release (the
  union of the release's graphs, whatever the server's own default graph is, and without relying
  on a server option such as ``oxigraph serve --union-default-graph``, which would also merge
  graphs that are not the release's), ``named-graph-uri`` = the same graphs;
* ``default_graph=[…]`` / ``named_graphs=[…]``: sent as given (the named graphs default to the
  release's graphs, as pyoxigraph's default to all the store's graphs);
* none of these: no dataset parameter, so that a query's own ``FROM`` / ``FROM NAMED`` applies
  (the protocol's parameters would override them); such a query sees the server's dataset.

``substitutions`` (pyoxigraph binds them before evaluation, SEP-0007) are applied to the query
text by :func:`substitute`: the terms, serialised in their N-Triples form (``str()`` of a
pyoxigraph IRI or literal, which SPARQL reads as the same term), replace the variable in the
patterns and are bound by a ``VALUES`` at the start of each WHERE group. A trailing ``VALUES``
clause alone would not do: it is joined with the query's solutions at the end, after grouping, so
a parameter that only a FILTER reads, or one used inside a sub-select, would not see its value
(tried: ``home-sitemap``'s ``?prefix`` gave an empty sitemap; ``territoire-d-une-commune``'s
``?date``, read only by FILTERs inside sub-selects, would give no rows). Blank nodes cannot be substituted (a server does not know this store's blank nodes).

Failures: :class:`BackendUnavailable` (unreachable, a 5xx, an answer that cannot be read),
:class:`BackendTimeout` (no complete answer within ``timeout`` seconds, the query budget),
:class:`BackendRefused` (a 4xx: the server rejects the query, with its message; but 401, 403,
404, 405, 407 and 429, which say that the server is misconfigured or busy, are unavailability,
and 408 a timeout). The endpoint
answers them 503, 503 and 400, never 500 (:mod:`tid.endpoint.errors`, :mod:`tid.endpoint.sparql`).
"""

from __future__ import annotations

import base64
import http.client
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Variable,
    parse,
    parse_query_results,
)

ACCEPT = ("application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8, "
          "application/sparql-results+xml;q=0.5")
SOLUTION_FORMATS = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "application/n-triples": RdfFormat.N_TRIPLES,
    "text/plain": RdfFormat.N_TRIPLES,  # N-Triples' old media type (Virtuoso)
    "text/turtle": RdfFormat.TURTLE,
    "application/x-turtle": RdfFormat.TURTLE,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/n-quads": RdfFormat.N_QUADS,
}
MAX_MESSAGE = 600
"""Longest part of the server's error answer quoted in a message, in characters."""
CHUNK = 1 << 16
USER_AGENT = "tid-serve (Territoires d'industrie knowledge graph)"
QUADS_QUERY = "endpoint-remote-quads"
CHANGELOG_GRAPH = "changelog"
CATALOGUE_GRAPH = "catalogue"


class BackendError(Exception):
    """The remote SPARQL server did not answer a query usefully."""


class BackendUnavailable(BackendError):
    """Unreachable, a 5xx, or an answer that cannot be read: the endpoint answers 503."""


class BackendTimeout(BackendUnavailable):
    """No complete answer within the query budget: 503, as a local query past its budget."""

    def __init__(self, elapsed: float):
        self.elapsed = elapsed
        super().__init__(f"the SPARQL server gave no complete answer within {elapsed:.2f} s")


class BackendRefused(BackendError):
    """A 4xx: the server refuses this query (syntax it does not take, an evaluation error)."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)


def release_graphs(manifest: Mapping[str, Any]) -> tuple[str, ...]:
    """The named graphs a release pushed: each graph counted by the build (sources, ontology,
    derivations, provenance), plus the changelog and catalogue graphs written after the counts."""
    base = str(manifest["base"])
    counted = (manifest.get("counts") or {}).get("graphs") or {}
    graphs = set(counted) | {f"{base}graph/{CHANGELOG_GRAPH}", f"{base}graph/{CATALOGUE_GRAPH}"}
    graphs |= {str(source["graph"]) for source in manifest.get("sources") or () if source.get("graph")}
    return tuple(sorted(graphs))


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


def _media_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class RemoteStore:
    """A read-only SPARQL 1.1 Protocol server seen through pyoxigraph's ``Store`` API."""

    url: str
    graphs: tuple[str, ...] = ()
    timeout: float = 30.0
    max_response_bytes: int = 1 << 30

    # -- the Store API --------------------------------------------------------------------

    def query(self, query: str, *, substitutions: Mapping[Variable, Any] | None = None,
              use_default_graph_as_union: bool = False, default_graph: Iterable[Any] | None = None,
              named_graphs: Iterable[Any] | None = None) -> Any:
        """Run ``query`` on the server; a :class:`QuerySolutions`, :class:`QueryBoolean` or an
        iterator of :class:`Triple`, as ``Store.query`` returns."""
        text = substitute(query, substitutions) if substitutions else query
        fields: list[tuple[str, str]] = [("query", text)]
        if default_graph is not None or named_graphs is not None:
            fields += [("default-graph-uri", _iri(g)) for g in default_graph or ()]
            names = [_iri(g) for g in named_graphs] if named_graphs is not None else list(self.graphs)
            fields += [("named-graph-uri", g) for g in names]
        elif use_default_graph_as_union:
            fields += [("default-graph-uri", g) for g in self.graphs]
            fields += [("named-graph-uri", g) for g in self.graphs]
        media, body = self._post(fields)
        if media in SOLUTION_FORMATS:
            results_format = SOLUTION_FORMATS[media]
            if results_format == QueryResultsFormat.JSON and b'"bnode"' in body:
                body = _portable_blank_nodes(body)
            try:
                # Read once through, so that a malformed answer fails here (pyoxigraph parses
                # lazily: the caller's loop would fail, a 500), then again for the caller.
                result = parse_query_results(body, format=results_format)
                if not isinstance(result, QuerySolutions):
                    return result
                for _ in result:
                    pass
                return parse_query_results(body, format=results_format)
            except (SyntaxError, ValueError) as exc:
                raise BackendUnavailable(f"the SPARQL server's {media} answer cannot be read: {exc}") from None
        if media in GRAPH_FORMATS:
            try:
                return iter([quad.triple for quad in parse(body, format=GRAPH_FORMATS[media])])
            except (SyntaxError, ValueError) as exc:
                raise BackendUnavailable(f"the SPARQL server's {media} answer cannot be read: {exc}") from None
        raise BackendUnavailable(f"the SPARQL server answered in a format this endpoint does not read: {media or 'none'}")

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any,  # noqa: A002 - pyoxigraph's name
                          graph_name: Any = None) -> Iterator[Quad]:
        """The quads of the release's named graphs that match (``None``: any term)."""
        from tid.graph.queries import load_query

        if isinstance(graph_name, DefaultGraph):
            return iter(())  # the release writes nothing to the default graph
        bound = {Variable(name): term for name, term in (("s", subject), ("p", predicate), ("o", object), ("g", graph_name))
                 if term is not None}
        rows = self.query(load_query(QUADS_QUERY).text, substitutions=bound or None, default_graph=[],
                          named_graphs=[NamedNode(g) for g in self.graphs] if self.graphs else None)
        return iter([Quad(row["s"], row["p"], row["o"], row["g"]) for row in rows])

    # -- HTTP -----------------------------------------------------------------------------

    def _post(self, fields: Sequence[tuple[str, str]]) -> tuple[str, bytes]:
        """POST the form; (media type, body) of a 2xx answer read within ``timeout`` seconds."""
        parts = urllib.parse.urlsplit(self.url)
        headers = {"Accept": ACCEPT, "User-Agent": USER_AGENT,
                   "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        if parts.username is not None:
            user = urllib.parse.unquote(parts.username)
            password = urllib.parse.unquote(parts.password or "")
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), headers=headers, method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        started = time.monotonic()
        deadline = started + self.timeout
        try:
            with opener.open(request, timeout=self.timeout) as response:
                chunks, size = [], 0
                while chunk := response.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_response_bytes:
                        raise BackendUnavailable(f"the SPARQL server's answer is larger than {self.max_response_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise BackendTimeout(time.monotonic() - started)
                    chunks.append(chunk)
                return _media_type(response.headers.get("Content-Type")), b"".join(chunks)
        except urllib.error.HTTPError as exc:
            message = _server_message(exc)
            if 400 <= exc.code < 500 and exc.code not in (401, 403, 404, 405, 407, 408, 429):
                raise BackendRefused(exc.code, message) from None
            if exc.code == 408:
                raise BackendTimeout(time.monotonic() - started) from None
            raise BackendUnavailable(f"the SPARQL server answered {exc.code}: {message}") from None
        except (TimeoutError, socket.timeout):
            raise BackendTimeout(time.monotonic() - started) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise BackendTimeout(time.monotonic() - started) from None
            raise BackendUnavailable(f"the SPARQL server cannot be reached: {exc.reason}") from None
        except (http.client.HTTPException, OSError) as exc:
            raise BackendUnavailable(f"the SPARQL server's answer broke off: {type(exc).__name__}: {exc}") from None


def _portable_blank_nodes(body: bytes) -> bytes:
    """SPARQL JSON results whose blank node labels pyoxigraph accepts: Virtuoso writes them as
    ``nodeID://b10001``, which is not a blank node label; each becomes a label derived from it
    (the same node keeps the same label within the answer, which is all a label means)."""
    import hashlib
    import json

    try:
        document = json.loads(body)
    except ValueError as exc:
        raise BackendUnavailable(f"the SPARQL server's JSON answer cannot be read: {exc}") from None
    for row in (document.get("results") or {}).get("bindings") or ():
        for value in row.values():
            if isinstance(value, dict) and value.get("type") == "bnode" and not _BNODE_LABEL.match(str(value.get("value"))):
                value["value"] = "r" + hashlib.sha1(str(value["value"]).encode()).hexdigest()[:20]
    return json.dumps(document).encode()


_BNODE_LABEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def _iri(graph: Any) -> str:
    return graph.value if isinstance(graph, NamedNode) else str(graph)


def _server_message(error: urllib.error.HTTPError) -> str:
    try:
        text = error.read(MAX_MESSAGE * 4).decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException):
        text = ""
    text = " ".join(text.split())
    return (text[:MAX_MESSAGE] + "…") if len(text) > MAX_MESSAGE else (text or error.reason or f"HTTP {error.code}")

