"""Soak test of ``tid serve``: prints figures, exits 1 on any unexpected answer.
``python bench/soak.py [--data-dir DIR] [--seconds 60] [--concurrency 32] [--port P]``.

Starts ``tid serve`` (gunicorn, default workers) on a free localhost port over the live release
of ``--data-dir`` with a short ``--timeout``, then for ``--seconds`` keeps ``--concurrency``
threads sending a mix of requests with ``urllib`` (a new connection per request):

* ``lookup``: the triples of one IRI (a territory, chosen at random), a bounded lookup that
  the cheap lane answers (``tid.endpoint.lane``) without a query process;
* ``pooled-lookup``: the same question with a ``FILTER(true)`` the lane does not prove bounded:
  as cheap, but run in a query process of the pool like any other query;
* ``aggregation``: territories counted per phase;
* ``describe``: ``DESCRIBE`` of one territory;
* ``named``: the named query ``/queries/territoires-par-phase``;
* ``construct``: a ``CONSTRUCT`` of a territory's triples and its objects' labels;
* ``malformed``: a syntax error, which must be 400;
* ``update``: a SPARQL Update, which must be refused with a 4xx;
* ``pathological``: now and then (one at a time, every ``--pathological-every`` s) a cross
  join of all triples, which must be killed at the time budget and answered 503; or, with
  ``--runaway-share`` (e.g. 0.02), that share of all requests, as many at once as drawn (the
  runaway clients of reliability finding 15).

The report gives, for each kind, the share answered (200, or the expected 4xx) and the share
shed (503 ``server-busy``): what finding 15 measured (the cheap lookups a few runaways deny).
The server trusts one proxy (``--trust-proxy-headers 1``) and each thread is a client of its own
(``X-Forwarded-For: 192.0.2.N``), the runaways all come from one more (``192.0.2.250``), so that
each client's share of the pool (``tid.endpoint.shares``) works as it would for clients on many
addresses: a runaway past its client's share is answered 429 too-many-queries.

Every answer is counted by status. A 503 ``server-busy`` (the pool sheds load at once instead of
queueing, by design) is counted as *shed*, not as an error; any other status than the expected
one (a 500, a 200 where a 400 was expected, a 503 timeout on a cheap query…) and any connection
error is *unexpected*. The RSS of the server's process tree (gunicorn arbiter, server processes,
forkserver and query processes; the sum of their ``VmRSS`` from ``/proc``) is sampled every
second to show memory stays bounded. The server is always stopped (its process group), on
success, failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tid.environment import DEFAULT_DATA_DIR

REPO = Path(__file__).resolve().parents[1]
TID = "https://w3id.org/territoires-industrie/def#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

TERRITORIES = f"SELECT DISTINCT ?t WHERE {{ ?t a <{TID}TerritoireIndustrie> }} ORDER BY ?t LIMIT 500"
AGGREGATION = (f"SELECT ?phase (COUNT(DISTINCT ?t) AS ?n) WHERE {{ ?t a <{TID}TerritoireIndustrie> ; <{TID}phase> ?phase }} "
               "GROUP BY ?phase ORDER BY ?phase")
MALFORMED = "SELECT ?s WHERE { ?s ?p "
UPDATE = f"INSERT DATA {{ <urn:tid:soak> <{RDFS_LABEL}> \"soak\" }}"
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = "ASK { ?s ?p ?o }"

KINDS = ("lookup", "pooled-lookup", "aggregation", "describe", "named", "construct", "malformed", "update",
         "pathological")
WEIGHTS = (30, 10, 10, 15, 10, 15, 10, 10, 0)  # pathological is scheduled by time (or drawn: --runaway-share)
MAX_REQUESTS_PER_THREAD = 1_000_000  # a bound on each loop besides the deadline


def expected(kind: str, status: int) -> bool:
    if kind == "malformed":
        return status == 400
    if kind == "update":
        return 400 <= status < 500
    if kind == "pathological":
        return status in (503, 429)  # killed at the budget, or refused past its client's share
    return status == 200


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the server and its memory -------------------------------------------------------------------


def descendants(root: int) -> list[int]:
    """``root`` and every process below it, from the parent links in ``/proc/*/stat``."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields start after the last ')'.
        fields = stat[stat.rfind(")") + 2:].split()
        children[int(fields[1])].append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def tree_rss_mib(root: int) -> tuple[float, int]:
    """(sum of VmRSS in MiB, number of processes) of the tree under ``root``."""
    total_kib, count = 0, 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total_kib += int(line.split()[1])
                        count += 1
                        break
        except OSError:
            continue
    return total_kib / 1024, count


class Server:
    """A command in its own process group, always stopped by :meth:`stop` (the whole group)."""

    def __init__(self, command: list[str], name: str, log_dir: Path, env: dict[str, str] | None = None):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True, env=env, cwd=REPO)

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, probe: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if probe():
                    return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.alive():
            for sig, grace in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        # Stragglers of the group (query processes) whose parent went first.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._log.close()


def tid_serve(data_dir: Path, port: int, log_dir: Path, *extra: str, result_cache_mb: float | None = None) -> Server:
    """``tid serve`` over ``data_dir``; ``result_cache_mb`` sets TID_RESULT_CACHE_MB (None: the default)."""
    command = [sys.executable, "-m", "tid.cli", "serve", "--data-dir", str(data_dir), "--host", "127.0.0.1",
               "--port", str(port), "--access-log", "", *extra]
    env = None
    if result_cache_mb is not None:
        env = {**os.environ, "TID_RESULT_CACHE_MB": f"{result_cache_mb:g}"}
    return Server(command, "tid-serve", log_dir, env=env)


def tid_ready(root: str) -> bool:
    url = root + "sparql?" + urllib.parse.urlencode({"query": CHEAP})
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status == 200


def tree_pss_mib(root: int) -> float:
    """The PSS of the tree under ``root``, MiB: the sum of each process's ``Pss`` in
    ``/proc/PID/smaps_rollup`` (a page shared by n processes counts 1/n in each, so that the
    pages the query processes share with their forkserver are counted once)."""
    total_kib = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total_kib += int(line.split()[1])
                        break
        except OSError:
            continue
    return total_kib / 1024


class RssSampler(threading.Thread):
    def __init__(self, root_pid: int, interval: float = 1.0):
        super().__init__(name="rss-sampler", daemon=True)
        self.root_pid, self.interval = root_pid, interval
        self.samples: list[tuple[float, float, int, float]] = []  # (seconds since start, RSS MiB, processes, PSS MiB)
        self.stopping = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self.stopping.is_set():
            mib, count = tree_rss_mib(self.root_pid)
            self.samples.append((time.monotonic() - started, mib, count, tree_pss_mib(self.root_pid)))
            self.stopping.wait(self.interval)


# -- the load ------------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    shed: Counter = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    connection_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int | None, elapsed: float, note: str = "") -> None:
        with self.lock:
            if status is None:
                self.statuses[kind]["conn-error"] += 1
                self.connection_errors.append(f"{kind}: {note}")
                return
            self.statuses[kind][status] += 1
            self.latencies[kind].append(elapsed)
            if expected(kind, status):
                return
            if status == 503 and note.endswith("/server-busy"):
                self.shed[kind] += 1
                return
            self.unexpected.append(f"{kind}: HTTP {status} {note}")


RUNAWAY_CLIENT = "192.0.2.250"


def client_address(number: int) -> str:
    """The address (``X-Forwarded-For``) of the client that thread ``number`` plays."""
    return f"192.0.2.{number % 250}"


def request_for(kind: str, root: str, iri: str, client: str = "192.0.2.1") -> urllib.request.Request:
    request = _request_for(kind, root, iri)
    request.add_header("X-Forwarded-For", RUNAWAY_CLIENT if kind == "pathological" else client)
    return request


def _request_for(kind: str, root: str, iri: str) -> urllib.request.Request:
    sparql = root + "sparql"
    json_results = {"Accept": "application/sparql-results+json"}
    turtle = {"Accept": "text/turtle"}

    def get(query: str, headers: dict[str, str]) -> urllib.request.Request:
        return urllib.request.Request(sparql + "?" + urllib.parse.urlencode({"query": query}), headers=headers)

    if kind == "lookup":
        return get(f"SELECT DISTINCT ?p ?o WHERE {{ <{iri}> ?p ?o }}", json_results)
    if kind == "pooled-lookup":
        return get(f"SELECT DISTINCT ?p ?o WHERE {{ <{iri}> ?p ?o FILTER(true) }}", json_results)
    if kind == "aggregation":
        return get(AGGREGATION, json_results)
    if kind == "describe":
        return get(f"DESCRIBE <{iri}>", turtle)
    if kind == "named":
        return urllib.request.Request(root + "queries/territoires-par-phase", headers=json_results)
    if kind == "construct":
        return get(f"CONSTRUCT {{ <{iri}> ?p ?o . ?o <{RDFS_LABEL}> ?l }} "
                   f"WHERE {{ <{iri}> ?p ?o OPTIONAL {{ ?o <{RDFS_LABEL}> ?l }} }}", turtle)
    if kind == "malformed":
        return get(MALFORMED, json_results)
    if kind == "update":
        return urllib.request.Request(sparql, data=UPDATE.encode("utf-8"), method="POST",
                                      headers={"Content-Type": "application/sparql-update"})
    if kind == "pathological":
        return urllib.request.Request(sparql, data=urllib.parse.urlencode({"query": PATHOLOGICAL}).encode("ascii"),
                                      method="POST", headers={**json_results,
                                                              "Content-Type": "application/x-www-form-urlencoded"})
    raise ValueError(kind)


def send(request: urllib.request.Request, timeout: float) -> tuple[int | None, str]:
    """(status, note): the problem type of an error answer, or the connection error (status None)."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status, ""
    except urllib.error.HTTPError as error:
        body = error.read()
        note = ""
        try:
            note = str(json.loads(body).get("type", ""))
        except (ValueError, AttributeError):
            note = body[:120].decode("utf-8", errors="replace")
        return error.code, note
    except (urllib.error.URLError, OSError, ConnectionError) as error:  # refused, reset, timed out
        return None, f"{type(error).__name__}: {error}"
    except Exception as error:  # noqa: BLE001 - http.client's RemoteDisconnected, BadStatusLine…
        return None, f"{type(error).__name__}: {error}"


class Load:
    def __init__(self, root: str, iris: list[str], seconds: float, concurrency: int,
                 pathological_every: float, request_timeout: float, seed: int = 0, runaway_share: float = 0.0):
        self.root, self.iris = root, iris
        self.runaway_share = runaway_share
        self.seconds, self.concurrency = seconds, concurrency
        self.pathological_every, self.request_timeout = pathological_every, request_timeout
        self.seed = seed
        self.tally = Tally()
        self._next_pathological = time.monotonic() + min(2.0, seconds / 4)
        self._pathological_running = False
        self._schedule = threading.Lock()

    def _take_pathological(self) -> bool:
        """True for one thread at a time, at most once per ``pathological_every`` seconds."""
        if self.pathological_every <= 0:
            return False
        with self._schedule:
            now = time.monotonic()
            if self._pathological_running or now < self._next_pathological:
                return False
            self._pathological_running = True
            self._next_pathological = now + self.pathological_every
            return True

    def _worker(self, number: int, deadline: float) -> None:
        rng = random.Random(self.seed * 1000 + number)
        for _ in range(MAX_REQUESTS_PER_THREAD):
            if time.monotonic() >= deadline:
                return
            scheduled = False
            if self.runaway_share > 0:
                kind = "pathological" if rng.random() < self.runaway_share else rng.choices(KINDS, WEIGHTS)[0]
            else:
                scheduled = self._take_pathological()
                kind = "pathological" if scheduled else rng.choices(KINDS, WEIGHTS)[0]
            request = request_for(kind, self.root, rng.choice(self.iris), client_address(number))
            started = time.perf_counter()
            try:
                status, note = send(request, self.request_timeout)
            finally:
                if scheduled:
                    with self._schedule:
                        self._pathological_running = False
            self.tally.record(kind, status, time.perf_counter() - started, note)

    def run(self) -> float:
        started = time.monotonic()
        deadline = started + self.seconds
        threads = [threading.Thread(target=self._worker, args=(n, deadline), name=f"soak-{n}", daemon=True)
                   for n in range(self.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            # A request started before the deadline may take up to its own timeout.
            thread.join(max(0.0, deadline - time.monotonic()) + self.request_timeout + 5)
        return time.monotonic() - started


def territory_iris(root: str) -> list[str]:
    url = root + "sparql?" + urllib.parse.urlencode({"query": TERRITORIES})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        rows = json.loads(response.read())["results"]["bindings"]
    iris = [row["t"]["value"] for row in rows]
    if not iris:
        raise RuntimeError("the graph has no territory to look up")
    return iris


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def report(load: Load, elapsed: float, samples: list[tuple[float, float, int, float]], args: argparse.Namespace) -> int:
    tally = load.tally
    total = sum(sum(c.values()) for c in tally.statuses.values())
    print(f"soak: {args.seconds:g} s at concurrency {args.concurrency} against tid serve "
          f"(--timeout {args.query_timeout:g}, default workers, result cache "
          f"{'default' if args.result_cache_mb is None else f'{args.result_cache_mb:g} MiB'}) over {args.data_dir}; "
          f"{os.cpu_count()} cores; runaways: "
          f"{f'{args.runaway_share:.1%} of the requests' if args.runaway_share > 0 else f'one every {args.pathological_every:g} s'}"
          f"; load average {os.getloadavg()[0]:.1f}")
    print(f"requests: {total} in {elapsed:.1f} s = {total / elapsed:.1f} req/s")
    print()
    print(f"{'kind':<13}{'requests':>9}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}  statuses (expected: see header)")
    for kind in KINDS:
        statuses = tally.statuses.get(kind)
        if not statuses:
            continue
        lat = tally.latencies.get(kind, [])
        shown = ", ".join(f"{status}×{n}" for status, n in sorted(statuses.items(), key=lambda kv: str(kv[0])))
        print(f"{kind:<13}{sum(statuses.values()):>9}{percentile(lat, .5) * 1000:>10.1f}{percentile(lat, .99) * 1000:>10.1f}"
              f"{max(lat, default=float('nan')) * 1000:>10.1f}  {shown}")
    print()
    print("answered / shed (503 server-busy), share of each kind's requests:")
    for kind in KINDS:
        statuses = tally.statuses.get(kind)
        if not statuses or kind == "pathological":
            continue
        count = sum(statuses.values())
        answered = sum(n for status, n in statuses.items() if isinstance(status, int) and expected(kind, status))
        print(f"  {kind:<13} answered {answered / count:7.1%}   shed {tally.shed.get(kind, 0) / count:7.1%}   "
              f"({count} requests)")
    print()
    shed = sum(tally.shed.values())
    print(f"shed (503 server-busy, Retry-After; by design under overload): {shed}"
          + (f" ({', '.join(f'{k} {n}' for k, n in sorted(tally.shed.items()))})" if shed else ""))
    print(f"unexpected statuses: {len(tally.unexpected)}   connection errors: {len(tally.connection_errors)}")
    for line in (Counter(tally.unexpected) + Counter(tally.connection_errors)).most_common(10):
        print(f"  {line[1]}× {line[0]}")
    unexpected = len(tally.unexpected) + len(tally.connection_errors)
    print(f"unexpected errors: {unexpected} (must be 0)")
    if samples:
        third = max(1, len(samples) // 3)
        for name, column in (("PSS (process tree, sum of Pss from smaps_rollup)", 3), ("RSS (process tree, sum of VmRSS)", 1)):
            values = [sample[column] for sample in samples]
            print(f"server {name}, {len(values)} samples at 1 s: start {values[0]:.0f} MiB, min {min(values):.0f} MiB, "
                  f"max {max(values):.0f} MiB; first third max {max(values[:third]):.0f} MiB, "
                  f"last third max {max(values[-third:]):.0f} MiB, end {values[-1]:.0f} MiB; {samples[-1][2]} processes at the end")
    return 1 if unexpected else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("TID_DATA_DIR", str(REPO / DEFAULT_DATA_DIR)),
                        help="data directory with a built release (default TID_DATA_DIR or ./var)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to send requests (default 60)")
    parser.add_argument("--concurrency", type=int, default=32, help="client threads (default 32)")
    parser.add_argument("--port", type=int, default=0, help="port of tid serve (default: a free one)")
    parser.add_argument("--query-timeout", type=float, default=2.0,
                        help="the --timeout given to tid serve, seconds (default 2)")
    parser.add_argument("--pathological-every", type=float, default=5.0,
                        help="seconds between two pathological queries (one at a time; 0: none; default 5)")
    parser.add_argument("--runaway-share", type=float, default=0.0,
                        help="share of all requests that are runaways (cross joins), drawn like the others and run "
                             "as many at once as drawn (e.g. 0.02; default 0: one every --pathological-every s)")
    parser.add_argument("--request-timeout", type=float, default=30.0, help="client timeout of one request, seconds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--result-cache-mb", type=float, default=None,
                        help="the server's result cache, MiB (0: off, so that every query runs in a query process; "
                             "default: the server's default)")
    args = parser.parse_args(argv)
    args.data_dir = str(Path(args.data_dir).resolve())
    if not (Path(args.data_dir) / "current").exists():
        print(f"soak: no built graph in {args.data_dir} (run `tid build --data-dir {args.data_dir}`)", file=sys.stderr)
        return 2
    port = args.port or free_port()
    root = f"http://127.0.0.1:{port}/"

    # SIGTERM (a CI timeout) unwinds like Ctrl-C, so that the finally below stops the server.
    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    with tempfile.TemporaryDirectory(prefix="tid-soak-") as logs:
        server = tid_serve(Path(args.data_dir), port, Path(logs), "--timeout", f"{args.query_timeout:g}",
                           "--trust-proxy-headers", "1", result_cache_mb=args.result_cache_mb)
        sampler = RssSampler(server.process.pid)
        try:
            server.wait_ready(lambda: tid_ready(root), timeout=120)
            iris = territory_iris(root)
            sampler.start()
            load = Load(root, iris, args.seconds, args.concurrency, args.pathological_every, args.request_timeout,
                        args.seed, args.runaway_share)
            elapsed = load.run()
            sampler.stopping.set()
            sampler.join(5)
            alive = server.alive()
            code = report(load, elapsed, sampler.samples, args)
            if not alive:
                print(f"the server died during the soak:\n{server.log_tail()}")
                code = 1
            return code
        except KeyboardInterrupt:
            print("soak: interrupted; stopping the server", file=sys.stderr)
            return 130
        except RuntimeError as exc:
            print(f"soak: {exc}", file=sys.stderr)
            return 2
        finally:
            sampler.stopping.set()
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
