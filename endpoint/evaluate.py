"""What a query worker does with a job: run the query, write the answer within the limits.

A worker (:mod:`tid.endpoint.pool`) receives a :class:`Job` (the store path travels with it, so
a new release is picked up without restarting the pool), runs it with :func:`run_job`, writes the
result within the row and byte limits, and sends back an :class:`Outcome`: bytes ready to be
served, or a :class:`Status` saying what went wrong (the protocol turns each into its problem).
Formats travel as :class:`tid.endpoint.conneg.Format` values, pickled by name.

Remote mode (``tid serve --backend URL``): the job carries the :class:`~tid.endpoint.remote.RemoteStore`
and the worker sends the query over HTTP instead of opening a store; the results are written by
the same code, so every format and limit works as in embedded mode.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from pyoxigraph import DefaultGraph, NamedNode, Quad, QueryBoolean, QuerySolutions, RdfFormat, Store, Variable

from tid.endpoint import results
from tid.endpoint.conneg import GRAPH_FORMATS, SOLUTION_FORMATS, Format
from tid.endpoint.remote import BackendRefused, BackendTimeout, BackendUnavailable, RemoteStore
from tid.namespaces import PREFIXES


class Status(StrEnum):
    """How a job ended (a string too, for logs and for readers that compare it to its name)."""

    OK = "ok"
    PARSED = "parsed"  # a parse-only job: the query is well formed
    SYNTAX = "syntax"  # the query does not parse
    EVALUATION = "evaluation"  # it parses, but cannot be evaluated (or the remote server refused it)
    NOT_ACCEPTABLE = "not-acceptable"  # no acceptable format for what the query returns
    SERVICE_FAILED = "service-failed"  # an allowed SERVICE call failed
    RESOURCES = "resources"  # the worker ran out of memory
    BACKEND = "backend"  # remote mode: the server is down or failed
    BACKEND_TIMEOUT = "backend-timeout"  # remote mode: no complete answer within the budget
    ERROR = "error"  # anything else: a bug, logged with its traceback


class Kind(Enum):
    """What a query returned."""

    SOLUTIONS = "solutions"
    BOOLEAN = "boolean"
    GRAPH = "graph"


@dataclass(frozen=True)
class Job:
    store_path: str
    query: str
    default_dataset: bool = True  # no FROM in the query: the release's dataset (the default graph is the merge)
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    merge_default_graph: bool = False  # default_graph names several graphs: evaluate over their merge
    substitutions: tuple[tuple[str, Any], ...] = ()
    solutions_format: Format | None = SOLUTION_FORMATS[0]  # SPARQL JSON; None if no solution format is acceptable
    graph_format: Format | None = GRAPH_FORMATS[0]  # Turtle; None if no graph format is acceptable
    max_rows: int = 100_000
    max_bytes: int = 50_000_000
    # Prefixes of Turtle/TriG answers; None: the project's (read in the worker, not sent with every job).
    prefixes: tuple[tuple[str, str], ...] | None = None
    allowed_services: bool = False  # when True, a failure while running is a SERVICE failure
    parse_only: bool = False  # only check the syntax (the query runs on an empty store)
    truncation_link: str | None = None  # where a cut SELECT result links to (its head's link)
    # the IRI relative IRIs of the query resolve against (the endpoint's URL: SPARQL 1.1 Protocol
    # §2.3 leaves the base to the service; a BASE in the query comes first)
    base_iri: str | None = None
    # Remote mode (``tid serve --backend``): the server the query runs on instead of ``store_path``.
    backend: RemoteStore | None = None
    # The query is a bounded lookup without LIMIT or OFFSET (``QueryShape.bounded``): it may run with
    # ``LIMIT max_rows + 1`` appended and its answer written by the engine (:func:`_native`).
    native: bool = False
    # A page's job instead of a query: (IRI, base) of the resource whose snapshot the page needs
    # (:func:`tid.endpoint.describe.read.snapshot`), computed here under the pool's time budget.
    snapshot: tuple[str, str] | None = None


# The XML formats (SPARQL results XML, RDF/XML), and the characters XML 1.0 forbids even as
# character references (§2.2: C0 controls but tab, LF and CR): an answer holding one is refused.
XML_FORMATS = frozenset({"xml", "rdf"})
NOT_XML_1_0 = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|&#(?:x0*[0-8bcefBCEF]|x0*1[0-9a-fA-F]|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));")


@dataclass
class Outcome:
    status: Status
    kind: Kind | None = None
    format: Format | None = None
    body: bytes = b""
    rows: int = 0
    truncated: str | None = None
    message: str = ""
    elapsed: float = 0.0
    extra: dict = field(default_factory=dict)


def open_store(stores: dict, path: str) -> Store:
    """The store at ``path``, opened read-only once per worker (``stores`` keeps them)."""
    store = stores.get(path)
    if store is None:
        if len(stores) >= 2:  # keep at most the current and the previous release open
            stores.pop(next(iter(stores)))
        store = stores[path] = Store.read_only(path)
    return store


def run_job(job: Job, stores: dict) -> Outcome:
    """Run one job in this process (the worker's body; also usable inline in tests)."""
    started = time.perf_counter()
    if job.parse_only:
        return _syntax(job.query, started, job.base_iri) or Outcome(Status.PARSED, elapsed=time.perf_counter() - started)
    if job.snapshot is not None:
        return _snapshot(job, stores, started)
    if job.backend is not None:
        return _run_remote(job, started)
    store = open_store(stores, job.store_path)
    try:
        if job.merge_default_graph:
            store, options = _merged_dataset(store, job)
        else:
            options = _options(job)
        return _evaluate(store, job, options, started)
    except SyntaxError as exc:
        return Outcome(Status.SYNTAX, message=str(exc), elapsed=time.perf_counter() - started)
    except RuntimeError as exc:
        # pyoxigraph's evaluation errors (an extension function it does not have…): the query's doing.
        return Outcome(Status.EVALUATION, message=str(exc), elapsed=time.perf_counter() - started)


# What a worker keeps for page jobs, by store path: the release's terms, its phases' measures.
_PAGE_DATA: dict[str, dict[str, Any]] = {}


def _snapshot(job: Job, stores: dict, started: float) -> Outcome:
    """What the store says about one resource for its page, with the release's terms and its
    phases' measures read once per worker and release (:data:`_PAGE_DATA`)."""
    from tid.endpoint.describe.read import read_terms, snapshot  # a page's job only: the worker starts lean

    assert job.snapshot is not None
    iri, base = job.snapshot
    store: Any = job.backend if job.backend is not None else open_store(stores, job.store_path)
    kept = _PAGE_DATA.get(job.store_path)
    if kept is None:
        _PAGE_DATA.clear()  # one release at a time: a new one replaces the previous one's
        kept = _PAGE_DATA[job.store_path] = {}
    if "terms" not in kept:
        kept["terms"] = read_terms(store)

    def cached(key: str, compute: Any) -> Any:
        if key not in kept:
            kept[key] = compute()
        return kept[key]

    found = snapshot(store, kept["terms"], iri, base=base, cached=cached)
    return Outcome(Status.OK, elapsed=time.perf_counter() - started, extra={"snapshot": found})


def _syntax(query: str, started: float, base_iri: str | None = None) -> Outcome | None:
    """The ``SYNTAX`` outcome when ``query`` does not parse (run on an empty store), else None."""
    try:
        Store().query(query, base_iri=base_iri)
    except SyntaxError as exc:
        return Outcome(Status.SYNTAX, message=str(exc), elapsed=time.perf_counter() - started)
    except Exception:  # noqa: BLE001, S110 - it parsed; what evaluation on an empty store thinks does not matter
        pass
    return None


def _options(job: Job, remote: bool = False) -> dict[str, Any]:
    """``Store.query``'s keyword arguments for ``job`` (dataset, substitutions).

    Without a dataset the query sees the store's default graph, which the build made the merge of
    the named graphs (never the engine's union, which repeats a triple once per graph: oxigraph
    #1919); a remote store sends the release's merge graph. A query with its own ``FROM`` is left
    to it (``own_dataset`` tells a remote store not to send the protocol's dataset)."""
    options: dict[str, Any] = {}
    if job.default_graph is not None or job.named_graphs is not None:
        options["default_graph"] = [NamedNode(g) for g in job.default_graph or ()]
        if job.named_graphs is not None:
            options["named_graphs"] = [NamedNode(g) for g in job.named_graphs]
    elif not job.default_dataset and remote:
        options["own_dataset"] = True
    if job.substitutions:
        options["substitutions"] = {Variable(name): term for name, term in job.substitutions}
    if job.base_iri:
        options["base_iri"] = job.base_iri
    return options


def _merged_dataset(store: Any, job: Job) -> tuple[Any, dict[str, Any]]:
    """An in-memory store whose default graph is the merge of ``job.default_graph`` (each triple
    once) and whose named graphs are ``job.named_graphs``, and the query options that use it.

    pyoxigraph 0.5 evaluates a default graph made of several graphs by chaining them, so a triple
    two of them state matches twice (oxigraph issue #1919, fixed by PR #1920 after 0.5.13). Each
    graph is copied natively (N-Triples dump and load: about 2 s for the largest, 280,000 triples),
    within the query's time budget like the rest of its work."""
    merged = Store()
    for graphs, target in ((job.default_graph or (), lambda _graph: DefaultGraph()),
                           (job.named_graphs or (), NamedNode)):
        for graph in graphs:
            if isinstance(store, Store):
                data = store.dump(format=RdfFormat.N_TRIPLES, from_graph=NamedNode(graph))
                merged.load(data, format=RdfFormat.N_TRIPLES, to_graph=target(graph))
            else:  # a remote server's graph, read through the protocol
                merged.extend(Quad(q.subject, q.predicate, q.object, target(graph))
                              for q in store.quads_for_pattern(None, None, None, NamedNode(graph)))
    options: dict[str, Any] = {"default_graph": [DefaultGraph()],
                               "named_graphs": [NamedNode(g) for g in job.named_graphs or ()]}
    if job.substitutions:
        options["substitutions"] = {Variable(name): term for name, term in job.substitutions}
    if job.base_iri:
        options["base_iri"] = job.base_iri
    return merged, options


def _run_remote(job: Job, started: float) -> Outcome:
    """Run ``job`` on its remote server. The syntax is checked here first, on an empty store, so
    that a malformed query gets the same 400 (message, line, column) as in embedded mode; the
    server's failures become outcomes the endpoint answers 400 (refused) or 503 (down, timed out)."""
    malformed = _syntax(job.query, started, job.base_iri)
    if malformed is not None:
        return malformed
    try:
        if job.merge_default_graph:
            store, options = _merged_dataset(job.backend, job)
            return _evaluate(store, job, options, started)
        return _evaluate(job.backend, job, _options(job, remote=True), started)
    except BackendRefused as exc:
        return Outcome(Status.EVALUATION, message=f"the SPARQL server refused the query ({exc.status}): {exc}",
                       elapsed=time.perf_counter() - started)
    except BackendTimeout as exc:
        return Outcome(Status.BACKEND_TIMEOUT, message=str(exc), elapsed=time.perf_counter() - started)
    except BackendUnavailable as exc:
        return Outcome(Status.BACKEND, message=str(exc), elapsed=time.perf_counter() - started)


# The solution formats whose rows can be counted in the engine's own writing of them: SPARQL JSON
# (its bindings) and SPARQL XML (``<result>`` cannot occur in its text, where ``<`` is escaped).
_COUNTED = {"json": lambda body: len(json.loads(body)["results"]["bindings"]),
            "xml": lambda body: body.count(b"<result>")}


def _native(store: Any, job: Job, options: dict[str, Any], started: float) -> Outcome | None:
    """The answer of a bounded SELECT written by the engine rather than row by row here (about
    twice as fast for a lookup), or None when the row-by-row writer must write it: another format,
    or an answer a limit cuts. ``LIMIT max_rows + 1`` (on a line of its own: the query may end in
    a comment) bounds what the engine writes; one row more than the limit, or more bytes than
    ``max_bytes``, and the writer below cuts the answer where the limits say, as for any query."""
    fmt = job.solutions_format
    count = _COUNTED.get(fmt.key) if fmt is not None else None
    if count is None:
        return None
    result = store.query(f"{job.query}\nLIMIT {job.max_rows + 1}", **options)
    if not isinstance(result, QuerySolutions):
        return None
    body = result.serialize(format=fmt.results_format)
    rows = count(body)
    if rows > job.max_rows or len(body) > job.max_bytes:
        return None
    return Outcome(Status.OK, kind=Kind.SOLUTIONS, format=fmt, body=body, rows=rows,
                   elapsed=time.perf_counter() - started)


def _evaluate(store: Any, job: Job, options: dict[str, Any], started: float) -> Outcome:
    if job.native:
        native = _native(store, job, options, started)
        if native is not None:
            return native
    try:
        result = store.query(job.query, **options)
        if isinstance(result, QueryBoolean):
            kind, fmt = Kind.BOOLEAN, job.solutions_format
            if fmt is None:
                return Outcome(Status.NOT_ACCEPTABLE, kind=kind)
            written = results.write_boolean(result, fmt)
        elif isinstance(result, QuerySolutions):
            kind, fmt = Kind.SOLUTIONS, job.solutions_format
            if fmt is None:
                return Outcome(Status.NOT_ACCEPTABLE, kind=kind)
            variables = [v.value for v in result.variables]
            written = results.write_solutions(variables, results.solution_rows(result, variables), fmt,
                                              job.max_rows, job.max_bytes, job.truncation_link)
        else:
            kind, fmt = Kind.GRAPH, job.graph_format
            if fmt is None:
                return Outcome(Status.NOT_ACCEPTABLE, kind=kind)
            prefixes = PREFIXES if job.prefixes is None else dict(job.prefixes)
            try:
                written = results.write_triples(result, fmt, job.max_rows, job.max_bytes, prefixes)
            except results.NotCarried as exc:
                return Outcome(Status.NOT_ACCEPTABLE, kind=kind, format=fmt, message=str(exc),
                               elapsed=time.perf_counter() - started)
    except OSError as exc:
        # Reading the store, or (only possible when SERVICE is allowed) a remote call, failed.
        if job.allowed_services:
            return Outcome(Status.SERVICE_FAILED, message=str(exc), elapsed=time.perf_counter() - started)
        raise
    if fmt.key in XML_FORMATS:
        found = NOT_XML_1_0.search(written.body)
        if found:  # a document no XML parser reads is not sent as a success: another format can carry it
            text = found.group()
            shown = f"U+{text[0]:04X}" if len(text) == 1 else text.decode("ascii")
            return Outcome(Status.NOT_ACCEPTABLE, kind=kind, format=fmt, elapsed=time.perf_counter() - started,
                           message=f"the answer holds {shown}, a character XML 1.0 cannot carry")
    return Outcome(Status.OK, kind=kind, format=fmt, body=written.body, rows=written.rows,
                   truncated=written.truncated, elapsed=time.perf_counter() - started)
