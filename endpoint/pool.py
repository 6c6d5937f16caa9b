"""The query pool: worker processes, each with the store open read-only; a query that passes
its time budget is killed with its process, and a fresh worker takes its place.

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

What a worker does with a job is :mod:`tid.endpoint.evaluate`.

Remote mode (``tid serve --backend URL``): the workers are kept rather than calling the server
from the request thread: the pool still bounds the queries running at once (503 "busy"), its kill
bounds the whole query, reading and writing the answer included (the HTTP timeout, also the
query budget, bounds each socket wait only).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from tid.endpoint.evaluate import Job, Outcome, Status, open_store, run_job

log = logging.getLogger("tid.endpoint.pool")


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


class WorkerOutOfMemory(WorkerDied):
    """The worker aborted on a failed allocation under its memory limit: the same query would fail
    again, so this is the query's fault, not a passing one (Rust aborts the process on an
    allocation failure, SIGABRT; Python raises MemoryError)."""

    def __init__(self, limit_mb: int):
        self.limit_mb = limit_mb
        super().__init__(f"the query needed more than {limit_mb} MiB")


def worker_main(conn: Connection, preload: str | None, memory_mb: int | None) -> None:
    """A worker's loop: receive a job, send its outcome; exit when the pool closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # What the forkserver imported is shared with it until written: keep the collector from
    # walking (and so copying) those objects; only this process's own allocations are collected.
    gc.freeze()
    if memory_mb:
        import resource  # POSIX only, and only a worker needs it

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    stores: dict = {}
    if preload:
        try:
            open_store(stores, preload)
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
            outcome = Outcome(Status.RESOURCES, message="the query needed more memory than a worker may use")
        except BaseException as exc:  # noqa: BLE001 - reported to the pool, which logs it
            outcome = Outcome(Status.ERROR, message=f"{type(exc).__name__}: {exc}",
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
                ["tid.endpoint.pool", "tid.endpoint.evaluate", "pyoxigraph"])
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
            worker.process.join(timeout=2)  # its pipe is closed: it has exited or is exiting
            aborted = worker.process.exitcode == -signal.SIGABRT
            self._discard(worker, "died")
            if aborted and self.memory_mb:
                raise WorkerOutOfMemory(self.memory_mb) from exc
            raise WorkerDied(type(exc).__name__) from exc
        worker.jobs += 1
        self._idle.put(worker)
        return outcome
