"""``tid push``: load the live release into any SPARQL 1.1 Graph Store Protocol server.

Every named graph of the live release is sent with ``PUT {url}?graph={graph IRI}`` and an
N-Triples body, and the store's default graph (the merge of the named graphs, each triple once)
as the graph ``{base}graph/merge``, which ``tid serve --backend`` sends as its default graph (or the same bytes declared as Turtle, of which N-Triples is a subset, for servers
that do not take N-Triples). A PUT replaces that one graph on the server, atomically: pushing
twice leaves the server as it was, and a source that changed has its graph replaced whole, the
others being sent again unchanged. Graphs are streamed from a temporary file, never held in memory.

When the server's SPARQL query service is known (``query_url``, or derived from the Graph Store
URL of Oxigraph, Fuseki, Virtuoso and GraphDB), the push then counts each graph on the server
(``server_triples``: a mismatch is reported) and lists the graphs the server holds under
``{base}graph/`` that the release no longer has (an older version of a source): they are
reported, and deleted (``DELETE {url}?graph=…``) only with ``delete_missing``. Graphs outside the
release's base and the server's default graph are never touched.

Both questions are named queries (``queries/push-graph-triples.rq``, ``queries/push-graphs.rq``),
their graph IRI bound by :func:`tid.graph.queries.substitute`; the HTTP exchanges are
:mod:`tid.graph.sparql_http`'s, which ``tid serve --backend`` uses too.

Errors are :class:`PushError` (a :class:`tid.errors.TidError`, exit code 2) naming the graph, the
HTTP status and the server's own message, or saying that the server cannot be reached.
Credentials may be given in the URL (``https://user:password@host/…``, sent as HTTP Basic
authentication); they never appear in messages.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store, serialize
from rich.progress import BarColumn, Progress as ProgressBars, TextColumn, TimeElapsedColumn
from rich.table import Table

from tid.environment import DEFAULT_DATA_DIR, data_dir_path
from tid.errors import ConfigError, QueryError, TidError
from tid.graph.queries import load_query, substitute
from tid.graph.sparql_http import (
    FORM,
    HttpFailure,
    StatusError,
    TimedOut,
    Unreachable,
    exchange,
    redact,
    split_credentials,
    without_query,
)
from tid.graph.store import MERGE_GRAPH, DataDir

Progress = Callable[[str, int, int], None]
"""``progress(graph IRI being sent, graphs done, total)``; last call ``("done", total, total)``."""

CONTENT_TYPES = {"ntriples": "application/n-triples", "turtle": "text/turtle"}
USER_AGENT = "tid-push (Territoires d'industrie knowledge graph)"

# Graph Store endpoint path suffix -> SPARQL query service path suffix, for the servers we know.
QUERY_PATHS = (
    ("/store", "/query"),                              # Oxigraph server
    ("/data", "/query"),                               # Apache Jena Fuseki
    ("/sparql-graph-crud-auth", "/sparql"),            # Virtuoso
    ("/sparql-graph-crud", "/sparql"),                 # Virtuoso
    ("/rdf-graphs/service", ""),                       # GraphDB, RDF4J
)


class PushError(TidError):
    """The server refused a request, or could not be reached."""

    exit_code = 2

    def __init__(self, message: str, *, graph: str | None = None, status: int | None = None,
                 server_message: str | None = None, url: str | None = None):
        self.graph = graph
        self.status = status
        self.server_message = server_message
        self.url = url
        super().__init__(message)


@dataclass(frozen=True)
class GraphPush:
    graph: str
    triples: int
    status: int
    seconds: float
    server_triples: int | None = None
    """The graph's size on the server after the PUT, when its query service is known."""


@dataclass
class PushReport:
    url: str
    """The Graph Store URL, credentials removed."""
    release: str
    query_url: str | None
    pushed: list[GraphPush] = field(default_factory=list)
    missing: list[str] | None = None
    """Graphs under ``{base}graph/`` on the server that the release does not have (None: unknown,
    the server's query service was not given)."""
    deleted: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return sum(item.triples for item in self.pushed)

    @property
    def mismatches(self) -> list[GraphPush]:
        return [p for p in self.pushed if p.server_triples is not None and p.server_triples != p.triples]


# -- HTTP ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Server:
    url: str
    """Without credentials."""
    authorization: str | None
    """HTTP Basic authentication from the credentials of the URL given, for every request."""
    timeout: float

    @classmethod
    def parse(cls, url: str, timeout: float) -> _Server:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{redact(url)!r} is not an http(s) URL of a Graph Store Protocol endpoint")
        if parts.query or parts.fragment:
            raise ConfigError(f"{redact(url)!r}: give the Graph Store endpoint without a query string "
                              "(?graph= is added for each graph)")
        return cls(*split_credentials(url), timeout)

    def with_graph(self, graph: str) -> str:
        return f"{self.url}?{urllib.parse.urlencode({'graph': graph})}"

    def request(self, method: str, url: str, *, graph: str | None, body: Any = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        shown = without_query(url)
        what = f"{method} graph <{graph}>" if graph else f"{method} {url}"
        try:
            reply = exchange(method, url, data=body, headers=headers, timeout=self.timeout, user_agent=USER_AGENT,
                             authorization=self.authorization)
        except StatusError as exc:
            hint = ""
            if exc.status in (404, 405) and graph:
                hint = (" (is the URL the server's Graph Store Protocol endpoint? Oxigraph: http://host:7878/store; "
                        "Fuseki: http://host:3030/DATASET/data)")
            elif exc.status in (401, 403):
                hint = " (give credentials in the URL: https://user:password@host/…)"
            raise PushError(f"{what}: {shown} answered HTTP {exc.status} {exc.reason}: "
                            f"{exc.message or '(no message)'}{hint}", graph=graph, status=exc.status,
                            server_message=exc.message, url=self.url) from None
        except TimedOut:
            raise PushError(f"{what}: {shown} did not answer within {self.timeout:g} s; a slow server needs a "
                            "longer --timeout", graph=graph, url=self.url) from None
        except Unreachable as exc:
            raise PushError(f"{what}: cannot reach {shown}: {exc.text}; is the server running at that address?",
                            graph=graph, url=self.url) from None
        except HttpFailure as exc:
            raise PushError(f"{what}: the connection to {shown} failed: {exc}", graph=graph, url=self.url) from None
        return reply.status, reply.body

    def query(self, query_url: str, name: str, **values: str) -> list[dict[str, Any]]:
        """The rows of the named query ``name`` (``queries/{name}.rq``) with ``values`` bound, run
        by the server's SPARQL query service."""
        named = load_query(name)
        text = substitute(named.text, named.substitutions(values)) if named.parameters else named.text
        body = urllib.parse.urlencode({"query": text}).encode()
        _status, answer = self.request("POST", query_url, graph=None, body=body, headers={
            "Content-Type": FORM + "; charset=utf-8", "Accept": "application/sparql-results+json"})
        try:
            return json.loads(answer)["results"]["bindings"]
        except (ValueError, KeyError) as exc:
            raise PushError(f"POST {query_url}: the answer is not SPARQL JSON results ({exc}); is it the "
                            "server's SPARQL query service (--query-url)?", url=self.url) from None


def derive_query_url(url: str) -> str | None:
    """The SPARQL query service next to a Graph Store endpoint, for the servers we know."""
    path = urllib.parse.urlsplit(url).path.rstrip("/")
    for store_suffix, query_suffix in QUERY_PATHS:
        if path.endswith(store_suffix):
            base = url.rstrip("/")
            return base[: len(base) - len(store_suffix)] + query_suffix
    return None


# -- push ----------------------------------------------------------------------------------


def push(
    data_dir: DataDir,
    url: str,
    *,
    progress: Progress | None = None,
    timeout: float = 60,
    delete_missing: bool = False,
    query_url: str | None = None,
    content_type: str = "ntriples",
) -> PushReport:
    """Send every named graph of the live release of ``data_dir`` to the Graph Store ``url``."""
    if content_type not in CONTENT_TYPES:
        raise ConfigError(f"format {content_type!r} is not one of {', '.join(CONTENT_TYPES)}")
    server = _Server.parse(url, timeout)
    query_url = redact(query_url) if query_url else derive_query_url(server.url)
    if delete_missing and not query_url:
        raise ConfigError("--delete-missing needs the server's SPARQL query service to list its graphs: "
                          "give --query-url")
    release = data_dir.current_release()
    if release is None:
        raise ConfigError(f"no built graph in {data_dir.root}: run `tid build` first")
    manifest = json.loads((release / "build.json").read_text(encoding="utf-8"))
    store = Store.read_only(str(release / "store"))  # this release, even if a build swaps `current`
    # The named graphs, then the default graph (the merge of the named graphs) under its own name:
    # the endpoint in front of the server sends it as its default graph (graph/store.py).
    sources: dict[str, NamedNode | DefaultGraph] = {
        g.value: g for g in sorted(store.named_graphs(), key=str) if isinstance(g, NamedNode)}
    sources[manifest["base"] + "graph/" + MERGE_GRAPH] = DefaultGraph()
    graphs = list(sources)
    report = PushReport(server.url, manifest["release"], query_url)
    started = time.perf_counter()
    notify = progress or (lambda _what, _done, _total: None)
    with tempfile.TemporaryDirectory(prefix="tid-push-") as tmp:
        body = Path(tmp) / "graph.nt"
        for number, graph in enumerate(graphs):
            notify(graph, number, len(graphs))
            node = sources[graph]
            triples = 0

            def counted(node: NamedNode | DefaultGraph = node, source: Store = store):  # count while streaming to the file
                nonlocal triples
                for quad in source.quads_for_pattern(None, None, None, node):
                    triples += 1
                    yield quad.triple

            serialize(counted(), output=str(body), format=RdfFormat.N_TRIPLES)
            sent = time.perf_counter()
            with body.open("rb") as handle:
                status, _answer = server.request(
                    "PUT", server.with_graph(graph), graph=graph, body=handle,
                    headers={"Content-Type": CONTENT_TYPES[content_type] + "; charset=utf-8",
                             "Content-Length": str(body.stat().st_size)})
            elapsed = time.perf_counter() - sent
            on_server = None
            if query_url:
                try:
                    rows = server.query(query_url, "push-graph-triples", graph=graph)
                except QueryError as exc:
                    raise PushError(f"graph name {graph!r} cannot be written in a SPARQL query ({exc})") from None
                on_server = int(rows[0]["triples"]["value"]) if rows else 0
            report.pushed.append(GraphPush(graph, triples, status, elapsed, on_server))
    del store
    if query_url:
        ours = manifest["base"] + "graph/"
        rows = server.query(query_url, "push-graphs")
        on_server = {row["graph"]["value"] for row in rows if row.get("graph", {}).get("type") == "uri"}
        report.missing = sorted(g for g in on_server if g.startswith(ours) and g not in set(graphs))
        if delete_missing:
            for graph in report.missing:
                try:
                    server.request("DELETE", server.with_graph(graph), graph=graph)
                except PushError as exc:
                    if exc.status != 404:  # already gone
                        raise
                report.deleted.append(graph)
    report.seconds = time.perf_counter() - started
    notify("done", len(graphs), len(graphs))
    return report


# -- command line --------------------------------------------------------------------------


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``tid push URL [--data-dir] [--delete-missing] …``."""
    p = subparsers.add_parser(
        "push", help="load the live release into a SPARQL 1.1 Graph Store Protocol server (one PUT per named graph)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Replace, one by one, each named graph of the live release on a SPARQL 1.1 Graph
Store Protocol server (PUT URL?graph=IRI), then the merge of them all as the
graph {base}graph/merge, and count what the server holds. Running it twice
changes nothing.""",
        epilog="""\
examples:
  tid push http://localhost:7878/store                   # Oxigraph
  tid push http://localhost:3030/tid/data                # Fuseki, dataset "tid"
  tid push https://user:password@sparql.example.org/store --delete-missing
  tid push http://localhost:8890/sparql-graph-crud       # Virtuoso (query service derived)
  tid push http://host/gsp --query-url http://host/sparql --timeout 300""")
    p.add_argument("url", help="the server's Graph Store endpoint, e.g. http://localhost:7878/store (Oxigraph), "
                   "http://localhost:3030/DATASET/data (Fuseki); credentials as https://user:password@host/…")
    p.add_argument("--data-dir", help=f"where the releases live (TID_DATA_DIR; default ./{DEFAULT_DATA_DIR})")
    p.add_argument("--query-url", help="the server's SPARQL query service, to count the graphs pushed and list "
                   "those the release no longer has (default: derived from URL for Oxigraph, Fuseki, Virtuoso, "
                   "GraphDB)")
    p.add_argument("--delete-missing", action="store_true",
                   help="delete the server's graphs under the release's base that the release no longer has")
    p.add_argument("--format", choices=tuple(CONTENT_TYPES), default="ntriples",
                   help="Content-Type of the bodies (the bytes are N-Triples, which is also Turtle)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each answer (default 60)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar nor table")
    p.set_defaults(run=cmd_push)
    return p


def cmd_push(args: argparse.Namespace, console: Any) -> int:
    data_dir = DataDir(data_dir_path(args.data_dir))
    with ProgressBars(TextColumn("{task.description:<60}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True,
                  disable=args.quiet or not console.is_terminal) as bars:
        task = bars.add_task("push", total=1)

        def progress(what: str, done: int, total: int) -> None:
            bars.update(task, description=what.rsplit("/graph/", 1)[-1], completed=done, total=total)

        report = push(data_dir, args.url, progress=progress, timeout=args.timeout,
                      delete_missing=args.delete_missing, query_url=args.query_url, content_type=args.format)
    if not args.quiet:
        table = Table(title=f"Release {report.release} pushed to {report.url}")
        for column in ("graph", "triples", "on server", "HTTP", "seconds"):
            table.add_column(column, justify="left" if column == "graph" else "right")
        for item in report.pushed:
            table.add_row(item.graph, str(item.triples), "" if item.server_triples is None else str(item.server_triples),
                          str(item.status), f"{item.seconds:.2f}")
        console.print(table)
    console.print(f"{len(report.pushed)} graph(s), {report.triples} triples, pushed to {report.url} "
                  f"in {report.seconds:.1f} s.")
    for item in report.mismatches:
        console.print(f"Mismatch: the server holds {item.server_triples} triples in <{item.graph}>, "
                      f"{item.triples} were sent.")
    if report.missing is None:
        console.print("The server's graphs were not listed (no SPARQL query service: --query-url).")
    elif report.deleted:
        console.print(f"Deleted from the server, no longer in the release: {', '.join(report.deleted)}.")
    elif report.missing:
        console.print(f"On the server but no longer in the release (kept; --delete-missing deletes them): "
                      f"{', '.join(report.missing)}.")
    return 1 if report.mismatches else 0
