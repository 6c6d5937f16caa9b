"""Queries run in worker processes, each with the store open read-only; a query that passes its
time budget is killed with its process, and a fresh worker takes its place.

pyoxigraph evaluates a query in Rust without ever returning to Python, so neither a thread nor a
signal handler can stop it: only killing its process does (the Fuseki and Oxigraph issues cited
in DESIGN show what hoping does). Hence a small pool of processes started with ``forkserver``
(or ``spawn``), never ``fork`` of a threaded server. The pool:

* hands each query to an idle worker, the one idle most recently (LIFO: its caches, and the
  store's blocks it read, are warm; measured: about 40 % less CPU per lookup than a rotation
  over all workers), and waits for its answer at most ``timeout`` seconds;
* on time-out, SIGKILLs the worker, answers :class:`QueryTimeout` at once, and starts a
  replacement in the background (the pool is one worker short for the ~0.1 s this takes);
* when no worker is idle within ``queue_wait`` seconds, answers :class:`PoolBusy` (503) rather
  than letting requests pile up;
* is started lazily in the process that uses it, so that a server forking after
  ``create_app`` never shares its pipes.

A worker receives a :class:`Job` (the store path travels with it, so a new release is picked up
without restarting the pool), runs it, writes the result within the row and byte limits, and
sends back an :class:`Outcome`: bytes ready to be served.

Remote mode (``tid serve --backend URL``): the job carries the :class:`~tid.endpoint.remote.RemoteStore`
and the worker sends the query over HTTP instead of opening a store. The workers are kept rather
than calling the server from the request thread: the pool still bounds the queries running at
once (503 "busy"), its kill bounds the whole query, reading and writing the answer included (the
HTTP timeout, also the query budget, bounds each socket wait only), and the results are written by
the same code, so every format and limit works as in embedded mode.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger("tid.endpoint.executor")


class ExecutorError(Exception):
    """Base of the pool's failures (all answered 503 by the endpoint)."""


class QueryTimeout(ExecutorError):
    def __init__(self, elapsed: float):
        self.elapsed = elapsed
        super().__init__(f"query killed after {elapsed:.2f} s")


class PoolBusy(ExecutorError):
    pass


class WorkerDied(ExecutorError):
    pass


@dataclass(frozen=True)
class Job:
    store_path: str
    query: str
    default_dataset: bool = True  # no FROM in the query: the release's dataset (the default graph is the merge)
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    merge_default_graph: bool = False  # default_graph names several graphs: evaluate over their merge
    substitutions: tuple[tuple[str, Any], ...] = ()
    solutions_format: str | None = "json"  # a key of conneg.SOLUTION_FORMATS, None if none is acceptable
    graph_format: str | None = "ttl"  # a key of conneg.GRAPH_FORMATS, None if none is acceptable
    max_rows: int = 100_000
    max_bytes: int = 50_000_000
    # Prefixes of Turtle/TriG answers; None: the project's (read in the worker, not sent with every job).
    prefixes: tuple[tuple[str, str], ...] | None = None
    allowed_services: bool = False  # when True, a failure while running is a SERVICE failure
    parse_only: bool = False  # only check the syntax (the query runs on an empty store)
    truncation_link: str | None = None  # where a cut SELECT result links to (its head's link)
    # Remote mode (``tid serve --backend``): the server the query runs on instead of ``store_path``.
    backend: Any = None  # a tid.endpoint.remote.RemoteStore


@dataclass
class Outcome:
    # "ok", "syntax", "evaluation", "not-acceptable", "service-failed", "resources", "error";
    # remote mode: "backend" (the server is down or failed), "backend-timeout"
    status: str
    kind: str = ""  # "solutions", "boolean", "graph"
    format_key: str = ""
    body: bytes = b""
    rows: int = 0
    truncated: str | None = None
    message: str = ""
    elapsed: float = 0.0
    extra: dict = field(default_factory=dict)


# -- inside a worker process ---------------------------------------------------------------


def _open(stores: dict, path: str):
    from pyoxigraph import Store

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
        return _syntax(job.query, started) or Outcome("parsed", elapsed=time.perf_counter() - started)
    if job.backend is not None:
        return _run_remote(job, started)
    store = _open(stores, job.store_path)
    try:
        if job.merge_default_graph:
            store, options = _merged_dataset(store, job)
        else:
            options = _options(job)
        return _evaluate(store, job, options, started)
    except SyntaxError as exc:
        return Outcome("syntax", message=str(exc), elapsed=time.perf_counter() - started)
    except RuntimeError as exc:
        # pyoxigraph's evaluation errors (an extension function it does not have…): the query's doing.
        return Outcome("evaluation", message=str(exc), elapsed=time.perf_counter() - started)


def _syntax(query: str, started: float) -> Outcome | None:
    """The ``syntax`` outcome when ``query`` does not parse (run on an empty store), else None."""
    from pyoxigraph import Store

    try:
        Store().query(query)
    except SyntaxError as exc:
        return Outcome("syntax", message=str(exc), elapsed=time.perf_counter() - started)
    except Exception:  # noqa: BLE001 - it parsed; what evaluation on an empty store thinks does not matter
        pass
    return None


def _options(job: Job, remote: bool = False) -> dict[str, Any]:
    """``Store.query``'s keyword arguments for ``job`` (dataset, substitutions).

    Without a dataset the query sees the store's default graph, which the build made the merge of
    the named graphs (never the engine's union, which repeats a triple once per graph: oxigraph
    #1919); a remote store sends the release's merge graph. A query with its own ``FROM`` is left
    to it (``own_dataset`` tells a remote store not to send the protocol's dataset)."""
    from pyoxigraph import NamedNode, Variable

    options: dict[str, Any] = {}
    if job.default_graph is not None or job.named_graphs is not None:
        options["default_graph"] = [NamedNode(g) for g in job.default_graph or ()]
        if job.named_graphs is not None:
            options["named_graphs"] = [NamedNode(g) for g in job.named_graphs]
    elif not job.default_dataset and remote:
        options["own_dataset"] = True
    if job.substitutions:
        options["substitutions"] = {Variable(name): term for name, term in job.substitutions}
    return options


def _merged_dataset(store: Any, job: Job) -> tuple[Any, dict[str, Any]]:
    """An in-memory store whose default graph is the merge of ``job.default_graph`` (each triple
    once) and whose named graphs are ``job.named_graphs``, and the query options that use it.

    pyoxigraph 0.5 evaluates a default graph made of several graphs by chaining them, so a triple
    two of them state matches twice (oxigraph issue #1919, fixed by PR #1920 after 0.5.13). Each
    graph is copied natively (N-Triples dump and load: about 2 s for the largest, 280,000 triples),
    within the query's time budget like the rest of its work."""
    from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, Variable

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
    return merged, options


def _run_remote(job: Job, started: float) -> Outcome:
    """Run ``job`` on its remote server. The syntax is checked here first, on an empty store, so
    that a malformed query gets the same 400 (message, line, column) as in embedded mode; the
    server's failures become outcomes the endpoint answers 400 (refused) or 503 (down, timed out)."""
    from tid.endpoint.remote import BackendRefused, BackendTimeout, BackendUnavailable

    malformed = _syntax(job.query, started)
    if malformed is not None:
        return malformed
    try:
        if job.merge_default_graph:
            store, options = _merged_dataset(job.backend, job)
            return _evaluate(store, job, options, started)
        return _evaluate(job.backend, job, _options(job, remote=True), started)
    except BackendRefused as exc:
        return Outcome("evaluation", message=f"the SPARQL server refused the query ({exc.status}): {exc}",
                       elapsed=time.perf_counter() - started)
    except BackendTimeout as exc:
        return Outcome("backend-timeout", message=str(exc), elapsed=time.perf_counter() - started)
    except BackendUnavailable as exc:
        return Outcome("backend", message=str(exc), elapsed=time.perf_counter() - started)


def _project_prefixes() -> dict[str, str]:
    """The project's prefixes (``tid.namespaces.PREFIXES``), the default of graph answers."""
    from tid.namespaces import PREFIXES

    return PREFIXES


def _evaluate(store: Any, job: Job, options: dict[str, Any], started: float) -> Outcome:
    from pyoxigraph import QueryBoolean, QuerySolutions

    from tid.endpoint import conneg, results

    solution_formats = {f.key: f for f in conneg.SOLUTION_FORMATS}
    graph_formats = {f.key: f for f in conneg.GRAPH_FORMATS}
    try:
        result = store.query(job.query, **options)
        if isinstance(result, QueryBoolean):
            if job.solutions_format is None:
                return Outcome("not-acceptable", kind="boolean")
            fmt = solution_formats[job.solutions_format]
            written = results.write_boolean(result, fmt)
            kind = "boolean"
        elif isinstance(result, QuerySolutions):
            if job.solutions_format is None:
                return Outcome("not-acceptable", kind="solutions")
            fmt = solution_formats[job.solutions_format]
            variables = [v.value for v in result.variables]
            written = results.write_solutions(variables, results.solution_rows(result, variables), fmt,
                                              job.max_rows, job.max_bytes, job.truncation_link)
            kind = "solutions"
        else:
            if job.graph_format is None:
                return Outcome("not-acceptable", kind="graph")
            fmt = graph_formats[job.graph_format]
            prefixes = _project_prefixes() if job.prefixes is None else dict(job.prefixes)
            written = results.write_triples(result, fmt, job.max_rows, job.max_bytes, prefixes)
            kind = "graph"
    except OSError as exc:
        # Reading the store, or (only possible when SERVICE is allowed) a remote call, failed.
        if job.allowed_services:
            return Outcome("service-failed", message=str(exc), elapsed=time.perf_counter() - started)
        raise
    return Outcome("ok", kind=kind, format_key=fmt.key, body=written.body, rows=written.rows,
                   truncated=written.truncated, elapsed=time.perf_counter() - started)


def worker_main(conn: Connection, preload: str | None, memory_mb: int | None) -> None:
    """A worker's loop: receive a job, send its outcome; exit when the pool closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_mb:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    stores: dict = {}
    if preload:
        try:
            _open(stores, preload)
        except OSError:
            pass  # reported when a job uses it
    try:
        conn.send(READY)  # the pool hands this worker out only now, its store open
    except (BrokenPipeError, OSError):
        return
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            outcome = run_job(job, stores)
        except MemoryError:
            stores.clear()
            outcome = Outcome("resources", message="the query needed more memory than a worker may use")
        except BaseException as exc:  # noqa: BLE001 - reported to the pool, which logs it
            outcome = Outcome("error", message=f"{type(exc).__name__}: {exc}",
                              extra={"traceback": traceback.format_exc()})
        try:
            conn.send(outcome)
        except (BrokenPipeError, OSError):
            return


# -- in the server process ------------------------------------------------------------------


READY = "ready"
# How long a new worker may take to open its store before the pool gives up on it.
READY_TIMEOUT = 120.0


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Connection
    jobs: int = 0


class QueryPool:
    """``size`` worker processes; :meth:`run` sends a job to an idle one and enforces the budget."""

    def __init__(self, size: int, *, start_method: str = "forkserver", memory_mb: int | None = None,
                 preload: str | None = None):
        if size < 1:
            raise ValueError("the pool needs at least one worker")
        self.size = size
        self.start_method = start_method
        self.memory_mb = memory_mb
        self.preload = preload
        self._idle: queue.Queue[_Worker] = queue.LifoQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._pid: int | None = None
        # Set once the first workers of this process are ready (or failed to start): a query that
        # arrives while they start waits for them instead of being refused as "busy".
        self._started = threading.Event()
        self._closed = False
        self.stats = {"queries": 0, "timeouts": 0, "busy": 0, "replaced": 0, "died": 0}

    # lifecycle

    def _context(self):
        return multiprocessing.get_context(self.start_method)

    def _spawn(self) -> _Worker:
        ctx = self._context()
        parent, child = ctx.Pipe(duplex=True)
        process = ctx.Process(target=worker_main, args=(child, self.preload, self.memory_mb),
                              name="tid-query-worker", daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._all.add(worker)
        return worker

    def _ready(self, worker: _Worker) -> _Worker:
        """Wait until ``worker`` has opened its store (its first message), so that a query never
        waits, and times out, behind a worker still starting; kill it if it never gets there."""
        try:
            if worker.conn.poll(READY_TIMEOUT) and worker.conn.recv() == READY:
                return worker
        except (EOFError, OSError):
            pass
        with self._lock:
            self._all.discard(worker)
        worker.process.kill()
        raise ExecutorError(f"a query worker did not start within {READY_TIMEOUT:.0f} s")

    def start(self) -> None:
        """Start the workers, once per process; a concurrent caller waits until they are ready."""
        with self._lock:
            if self._pid == os.getpid() or self._closed:
                starting = not self._closed
            else:
                starting = False
                if self._pid is not None:  # inherited through a fork: these workers are not ours
                    self._idle = queue.LifoQueue()
                    self._all = set()
                    self._started = threading.Event()
                self._pid = os.getpid()
        if starting:
            # Another thread is starting the pool (the server warms it at boot): without this wait,
            # the queries that arrive meanwhile would be refused 503 after ``queue_wait``.
            self._started.wait(READY_TIMEOUT)
            return
        if self._closed:
            return
        try:
            self._start_workers()
        finally:
            self._started.set()

    def _start_workers(self) -> None:
        if self.start_method == "forkserver":
            multiprocessing.get_context("forkserver").set_forkserver_preload(
                ["tid.endpoint.executor", "tid.endpoint.results", "pyoxigraph"])
        try:
            started = [self._spawn() for _ in range(self.size)]
            for worker in started:
                self._idle.put(self._ready(worker))
        except BaseException:
            with self._lock:
                self._pid = None
                workers, self._all = list(self._all), set()
                self._idle = queue.LifoQueue()
            for worker in workers:
                worker.process.kill()
            raise

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            try:
                worker.conn.close()
            except OSError:
                pass
            if worker.process.is_alive():
                worker.process.kill()
        for worker in workers:
            worker.process.join(timeout=5)

    @property
    def idle(self) -> int:
        return self._idle.qsize()

    def _discard(self, worker: _Worker, reason: str) -> None:
        """Kill ``worker`` now; start its replacement in the background."""
        with self._lock:
            self._all.discard(worker)
        if worker.process.is_alive():
            worker.process.kill()
        try:
            worker.conn.close()
        except OSError:
            pass
        self.stats["replaced"] += 1

        def replace() -> None:
            worker.process.join(timeout=10)
            if self._closed or self._pid != os.getpid():
                return
            try:
                fresh = self._ready(self._spawn())
            except Exception:  # noqa: BLE001 - logged; the pool runs one short until restart
                if self._closed:  # closed (and the starting worker killed) meanwhile: nothing to report
                    return
                log.exception("could not start a query worker to replace one (%s)", reason)
                return
            if self._closed:  # closed while this one was starting
                fresh.process.kill()
                return
            self._idle.put(fresh)

        threading.Thread(target=replace, name="tid-worker-replace", daemon=True).start()

    def _acquire(self, queue_wait: float) -> _Worker:
        deadline = time.monotonic() + queue_wait
        while True:
            remaining = deadline - time.monotonic()
            try:
                worker = self._idle.get(timeout=max(remaining, 0.0)) if remaining > 0 else self._idle.get_nowait()
            except queue.Empty:
                self.stats["busy"] += 1
                raise PoolBusy(f"all {self.size} query workers are busy") from None
            if worker.process.is_alive():
                return worker
            self._discard(worker, "found dead while idle")

    # running

    def run(self, job: Job, timeout: float, queue_wait: float = 1.0) -> Outcome:
        if self._closed:
            raise ExecutorError("the query pool is closed")
        self.start()
        worker = self._acquire(queue_wait)
        started = time.monotonic()
        self.stats["queries"] += 1
        try:
            worker.conn.send(job)
            if not worker.conn.poll(timeout):
                elapsed = time.monotonic() - started
                self.stats["timeouts"] += 1
                self._discard(worker, "time-out")
                raise QueryTimeout(elapsed)
            outcome: Outcome = worker.conn.recv()
        except (EOFError, OSError) as exc:
            self.stats["died"] += 1
            self._discard(worker, "died")
            raise WorkerDied(type(exc).__name__) from exc
        worker.jobs += 1
        self._idle.put(worker)
        return outcome
