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

* by default: the release's dataset, as the embedded store has it: ``default-graph-uri`` = the
  merge graph ``{base}graph/merge`` that ``tid push`` sends (each triple of the release once,
  the embedded store's default graph), ``named-graph-uri`` = each graph of the release. Sending
  every graph of the release as ``default-graph-uri`` instead would count a triple once per
  graph that states it on Oxigraph (issue #1919), and so would ``oxigraph serve
  --union-default-graph``, which would also merge graphs that are not the release's;
* ``default_graph=[…]`` / ``named_graphs=[…]``: sent as given (the named graphs default to the
  release's graphs, as pyoxigraph's default to all the store's graphs);
* ``own_dataset=True``: no dataset parameter, so that a query's own ``FROM`` / ``FROM NAMED``
  applies (the protocol's parameters would override them); such a query sees the server's dataset.

``substitutions`` (pyoxigraph binds them before evaluation, SEP-0007) are written into the query
text by :func:`tid.graph.queries.substitute`, in plain SPARQL 1.1 that any server runs. The HTTP
exchange itself is :mod:`tid.graph.sparql_http`'s, which ``tid push`` uses too.

Failures: :class:`BackendUnavailable` (unreachable, a 5xx, an answer that cannot be read),
:class:`BackendTimeout` (no complete answer within ``timeout`` seconds, the query budget),
:class:`BackendRefused` (a 4xx: the server rejects the query, with its message; but 401, 403,
404, 405, 407 and 429, which say that the server is misconfigured or busy, are unavailability,
and 408 a timeout). The endpoint
answers them 503, 503 and 400, never 500 (:mod:`tid.endpoint.problem`, :mod:`tid.endpoint.protocol`).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Variable,
    parse,
    parse_query_results,
)

from tid.graph.queries import load_query, substitute
from tid.graph.sparql_http import BrokenAnswer, StatusError, TimedOut, TooLarge, Unreachable, post_form
from tid.graph.store import MERGE_GRAPH

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


@dataclass(frozen=True)
class RemoteStore:
    """A read-only SPARQL 1.1 Protocol server seen through pyoxigraph's ``Store`` API."""

    url: str
    graphs: tuple[str, ...] = ()
    timeout: float = 30.0
    merge_graph: str | None = None
    """The graph holding the merge of the release's graphs (``tid push`` sends it as
    ``{base}graph/merge``); by default the one of the base the release's graphs are named under."""
    max_response_bytes: int = 1 << 30

    def __post_init__(self) -> None:
        if self.merge_graph is None and self.graphs and "/graph/" in self.graphs[0]:
            base = self.graphs[0][: self.graphs[0].index("/graph/") + 1]
            object.__setattr__(self, "merge_graph", f"{base}graph/{MERGE_GRAPH}")

    # -- the Store API --------------------------------------------------------------------

    def query(self, query: str, *, substitutions: Mapping[Variable, Any] | None = None,
              default_graph: Iterable[Any] | None = None, named_graphs: Iterable[Any] | None = None,
              own_dataset: bool = False, base_iri: str | None = None) -> Any:
        """Run ``query`` on the server; a :class:`QuerySolutions`, :class:`QueryBoolean` or an
        iterator of :class:`Triple`, as ``Store.query`` returns. ``base_iri``: sent as a ``BASE``
        before the query (the query's own BASE, after it, still wins), so that its relative IRIs
        resolve against this endpoint rather than the server's."""
        text = substitute(query, substitutions) if substitutions else query
        if base_iri:
            text = f"BASE <{base_iri}>\n{text}"
        fields: list[tuple[str, str]] = [("query", text)]
        if default_graph is not None or named_graphs is not None:
            fields += [("default-graph-uri", _iri(g)) for g in default_graph or ()]
            names = [_iri(g) for g in named_graphs] if named_graphs is not None else list(self.graphs)
            fields += [("named-graph-uri", g) for g in names]
        elif not own_dataset:
            fields += [("default-graph-uri", g) for g in ([self.merge_graph] if self.merge_graph else self.graphs)]
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
        bound = {Variable(name): term for name, term in (("s", subject), ("p", predicate), ("o", object))
                 if term is not None}
        quads: list[Quad] = []
        if not isinstance(graph_name, DefaultGraph):  # the named graphs
            named = bound | ({Variable("g"): graph_name} if graph_name is not None else {})
            rows = self.query(load_query(QUADS_QUERY).text, substitutions=named or None, default_graph=[],
                              named_graphs=[NamedNode(g) for g in self.graphs] if self.graphs else None)
            quads += [Quad(row["s"], row["p"], row["o"], row["g"]) for row in rows]
        if graph_name is None or isinstance(graph_name, DefaultGraph):  # the default graph: the merge
            if self.merge_graph is not None:
                rows = self.query(load_query(QUADS_QUERY).text, substitutions=bound or None, default_graph=[],
                                  named_graphs=[NamedNode(self.merge_graph)])
                quads += [Quad(row["s"], row["p"], row["o"], DefaultGraph()) for row in rows]
        return iter(quads)

    # -- HTTP -----------------------------------------------------------------------------

    def _post(self, fields: Sequence[tuple[str, str]]) -> tuple[str, bytes]:
        """POST the form; (media type, body) of a 2xx answer read within ``timeout`` seconds."""
        started = time.monotonic()
        try:
            reply = post_form(self.url, fields, accept=ACCEPT, timeout=self.timeout, user_agent=USER_AGENT,
                              deadline=self.timeout, max_bytes=self.max_response_bytes, proxies=False)
        except StatusError as exc:
            message = exc.message or exc.reason or f"HTTP {exc.status}"
            if 400 <= exc.status < 500 and exc.status not in (401, 403, 404, 405, 407, 408, 429):
                raise BackendRefused(exc.status, message) from None
            if exc.status == 408:
                raise BackendTimeout(time.monotonic() - started) from None
            raise BackendUnavailable(f"the SPARQL server answered {exc.status}: {message}") from None
        except TimedOut as exc:
            raise BackendTimeout(exc.elapsed) from None
        except TooLarge as exc:
            raise BackendUnavailable(f"the SPARQL server's answer is larger than {exc.limit} bytes") from None
        except Unreachable as exc:
            raise BackendUnavailable(f"the SPARQL server cannot be reached: {exc.reason}") from None
        except BrokenAnswer as exc:
            raise BackendUnavailable(f"the SPARQL server's answer broke off: {exc}") from None
        return reply.media_type, reply.body


def _portable_blank_nodes(body: bytes) -> bytes:
    """SPARQL JSON results whose blank node labels pyoxigraph accepts: Virtuoso writes them as
    ``nodeID://b10001``, which is not a blank node label; each becomes a label derived from it
    (the same node keeps the same label within the answer, which is all a label means)."""
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
