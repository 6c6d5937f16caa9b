"""Endpoint benchmark: prints figures, asserts nothing (exit 1 only if the servers disagree).
``python bench/bench_endpoint.py [--data-dir DIR] [--duration 10]``.

The same built graph served three ways, one server at a time (so that they do not share the
cores while measured), every server stopped at the end whatever happens:

* ``tid serve``: this project's endpoint (gunicorn, default workers), over the live release,
  measured twice: as it is deployed (``tid serve``, with its result cache: a question asked
  before is answered from memory, see ``tid.endpoint.result_cache``), and with the cache off
  (``tid serve -cache``, ``TID_RESULT_CACHE_MB=0``: every question runs in a query process).
  Both figures are printed with their ratios, so that the cache is never mistaken for the engine:
  the rotating questions below are all asked again within a cell, so the cached figures are
  those of a warm cache (the hit share of each cell is printed);
* ``oxigraph serve`` (the Rust server of the ``oxigraph`` PyPI package, run as
  ``oxigraph serve-read-only``: read-only like ``tid serve``) over a store made by
  ``oxigraph load`` from the release's N-Quads dump (``tid.nq.gz``, gunzipped), started with
  ``--union-default-graph`` so that, like ``tid serve``, the default graph is the union of the
  named graphs; its query URL is ``/query``;
* ``rdflib-endpoint`` (FastAPI + uvicorn over an in-memory rdflib ``Dataset`` with
  ``default_union``), fed the release's Turtle dump of the union (``tid.ttl.gz``, gunzipped);
  its query URL is ``/``. Not a dependency of the project: ``pip install 'rdflib-endpoint[cli]'``
  (the benchmark says so and goes on without it when it is absent).

Three questions, asked identically of the three servers (checked first: their answers must
agree): a *lookup* (the triples of one territory, ``SELECT DISTINCT ?p ?o``, the territory
rotating over the first 200), an *aggregation* (territories counted per phase) and a
*DESCRIBE* of one territory (rotating too). Each cell (server × question × concurrency 1, 8, 32)
runs ``--duration`` seconds after ``--warmup`` seconds of unmeasured load.

The load generator is **wrk** (Debian's package; ``scripts/install-wrk.sh`` installs it), one
thread, one persistent connection per unit of concurrency, driven by a generated Lua script that
rotates the request paths; it reports requests, non-2xx answers, socket errors and the latency
percentiles of every answer. A native client matters on a small machine: a Python client
saturates the cores before the Rust server does and flatters every ratio. When wrk is absent
(or with ``--client python``) the benchmark falls back to a pool of Python threads, each with
its own ``http.client.HTTPConnection``, and every figure is labelled ``[python client]``.

Memory: the PSS (proportional set size: shared pages divided among the processes sharing
them) of each server's whole process tree, summed from ``/proc/PID/smaps_rollup``, once the
server answers (``start``) and after its cells (``after``). PSS, not RSS: the query processes
of ``tid serve`` share pages, and RSS would count them once per process.

Goals (the issue): lookups ≥ 0.3 × ``oxigraph serve`` and ≥ 8 × ``rdflib-endpoint`` in req/s;
aggregations ≥ 1 × ``oxigraph serve``; p99 of the lookup at concurrency 8 under 10 ms. They are
checked for both the cached and the uncached figures.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import importlib.metadata
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak import AGGREGATION, REPO, TERRITORIES, Server, free_port, percentile  # noqa: E402

from tid.environment import DEFAULT_DATA_DIR  # noqa: E402

KINDS = ("lookup", "aggregation", "describe")
PYTHON_CLIENT = "[python client]"
OURS, UNCACHED = "tid serve", "tid serve -cache"
JSON_RESULTS = "application/sparql-results+json"
# rdflib-endpoint answers RDF/XML to any Accept of a graph but exactly text/turtle.
TURTLE = "text/turtle"


def lookup(iri: str) -> str:
    return f"SELECT DISTINCT ?p ?o WHERE {{ <{iri}> ?p ?o }}"


def describe(iri: str) -> str:
    return f"DESCRIBE <{iri}>"


def question(kind: str, iri: str) -> tuple[str, str]:
    """(query, Accept) of one question about ``iri``."""
    if kind == "lookup":
        return lookup(iri), JSON_RESULTS
    if kind == "aggregation":
        return AGGREGATION, JSON_RESULTS
    return describe(iri), TURTLE


@dataclass
class Target:
    name: str
    port: int
    path: str  # the query URL's path
    server: Server | None = None
    answers: dict[str, object] = field(default_factory=dict)
    cells: dict[tuple[str, int], dict] = field(default_factory=dict)
    pss: dict[str, float] = field(default_factory=dict)  # MiB of the process tree: start, after
    note: str = ""

    def url(self, query: str) -> str:
        return f"{self.path}?{urllib.parse.urlencode({'query': query})}"


# -- HTTP ----------------------------------------------------------------------------------------


def fetch(port: int, path: str, accept: str, timeout: float = 120.0, with_type: bool = False):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": accept})
        response = conn.getresponse()
        body = response.read()
        if with_type:
            return response.status, body, response.getheader("Content-Type", "")
        return response.status, body
    finally:
        conn.close()


def ready(target: Target) -> bool:
    status, _ = fetch(target.port, target.url("ASK { ?s ?p ?o }"), JSON_RESULTS, timeout=10)
    return status == 200


def run_cell(target: Target, kind: str, iris: list[str], concurrency: int, duration: float,
             grace: float, warmup: float) -> dict:
    """Requests per second and latencies of one question at one concurrency."""
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"ok": 0, "err": 0, "reconnects": 0, "conn_errors": 0, "hits": 0}
    measuring = threading.Event()
    stop = threading.Event()
    window, window_end = [float("inf")], [float("inf")]  # no new request is asked after the end

    def worker(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=duration + grace + 60)
        index = number
        try:
            while not stop.is_set() and time.perf_counter() < window_end[0]:
                query, accept = question(kind, iris[index % len(iris)])
                index += concurrency
                path = target.url(query)
                started = time.perf_counter()
                hit = False
                for attempt in (1, 2):
                    try:
                        conn.request("GET", path, headers={"Accept": accept})
                        response = conn.getresponse()
                        response.read()
                        status = response.status
                        hit = "hit" in (response.getheader("Cache-Status") or "")
                        break
                    except (http.client.HTTPException, OSError):
                        conn.close()  # the next request reconnects
                        conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=duration + grace + 60)
                        if attempt == 2:
                            status = None
                        else:
                            with lock:
                                counts["reconnects"] += 1
                            started = time.perf_counter()
                elapsed = time.perf_counter() - started
                # Counted: the requests asked within the measured window (answered within the grace).
                if not measuring.is_set() or not window[0] <= started <= window_end[0]:
                    continue
                with lock:
                    if status == 200:
                        counts["ok"] += 1
                        counts["hits"] += hit
                        latencies.append(elapsed)
                    elif status is None:
                        counts["conn_errors"] += 1
                    else:
                        counts["err"] += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True, name=f"load-{n}") for n in range(concurrency)]
    for thread in threads:
        thread.start()
    time.sleep(warmup)
    started = time.perf_counter()
    window[0], window_end[0] = started, started + duration
    measuring.set()
    time.sleep(duration)
    # Answers that arrive after the end still count (they were asked within the cell), for at most `grace` s.
    stop_at = time.perf_counter()
    deadline = time.monotonic() + grace
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stop.set()
    with lock:
        finished = counts["ok"] + counts["err"]
        unfinished = sum(thread.is_alive() for thread in threads)
        elapsed = max(stop_at - started, time.perf_counter() - started if unfinished == 0 else stop_at - started)
    # Rate over the measured window (answers asked in it); late answers extend the window they used.
    window = max(stop_at - started, 1e-9)
    return {"rps": counts["ok"] / window, "p50": percentile(latencies, .5), "p99": percentile(latencies, .99),
            "n": counts["ok"], "hits": counts["hits"], "err": counts["err"] + counts["conn_errors"], "timed_out": unfinished,
            "reconnects": counts["reconnects"], "finished": finished, "elapsed": elapsed}


# -- the answers ---------------------------------------------------------------------------------


def normalise_bindings(body: bytes) -> set[tuple]:
    rows = json.loads(body)["results"]["bindings"]
    out = set()
    for row in rows:
        items = []
        for name, term in sorted(row.items()):
            kind = "literal" if term["type"] in ("literal", "typed-literal") else term["type"]
            value = term["value"]
            datatype = term.get("datatype")
            if datatype == "http://www.w3.org/2001/XMLSchema#integer":
                value = str(int(value))
            if datatype == "http://www.w3.org/2001/XMLSchema#string":
                datatype = None
            lang = term.get("xml:lang", "").lower() or None
            items.append((name, kind, value, datatype, lang))
        out.add(tuple(items))
    return out


def normalise_graph(body: bytes, content_type: str):
    import rdflib
    from rdflib.compare import to_isomorphic

    graph = rdflib.Graph()
    mime = content_type.split(";")[0].strip().lower()
    fmt = {"application/rdf+xml": "xml", "application/n-triples": "nt", "application/ld+json": "json-ld"}.get(mime, "turtle")
    if body.lstrip().startswith(b"<?xml"):  # rdflib-endpoint labels its RDF/XML application/sparql-results+xml
        fmt = "xml"
    graph.parse(data=body, format=fmt)
    return to_isomorphic(graph)


def collect_answers(target: Target, iri: str) -> None:
    for kind in KINDS:
        query, accept = question(kind, iri)
        status, body, content_type = fetch(target.port, target.url(query), accept, with_type=True)
        try:
            if status != 200:
                target.answers[kind] = f"HTTP {status}: {body[:200]!r}"
            elif kind == "describe":
                target.answers[kind] = normalise_graph(body, content_type)
            else:
                target.answers[kind] = normalise_bindings(body)
        except Exception as exc:  # noqa: BLE001 - reported as a disagreement, the benchmark goes on
            target.answers[kind] = f"unreadable {content_type} answer: {type(exc).__name__}: {exc}"[:300]


def size(answer: object) -> str:
    return str(len(answer)) if isinstance(answer, (set,)) or hasattr(answer, "__len__") and not isinstance(answer, str) else answer


def compare(targets: list[Target]) -> bool:
    agree = True
    reference = targets[0]
    for kind in KINDS:
        sizes = ", ".join(f"{t.name} {size(t.answers.get(kind))}" for t in targets)
        same = all(t.answers.get(kind) == reference.answers.get(kind) for t in targets[1:])
        agree &= same
        print(f"  {kind:<12} {'same answer' if same else 'ANSWERS DIFFER'} ({sizes} rows/triples)")
        if not same:
            for other in targets[1:]:
                a, b = reference.answers.get(kind), other.answers.get(kind)
                if isinstance(a, set) and isinstance(b, set):
                    print(f"    only {reference.name}: {sorted(a - b)[:3]}  only {other.name}: {sorted(b - a)[:3]}")
    return agree


# -- servers -------------------------------------------------------------------------------------


def gunzip(source: Path, target: Path) -> Path:
    with gzip.open(source, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return target


def oxigraph_binary() -> str:
    for candidate in (Path(sys.executable).parent / "oxigraph", shutil.which("oxigraph")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise SystemExit("oxigraph (the server binary of the `oxigraph` PyPI package) is not installed")


def start(target: Target, command: list[str], logs: Path, ready_timeout: float,
          env: dict[str, str] | None = None) -> float:
    began = time.perf_counter()
    target.server = Server(command, target.name.replace(" ", "-"), logs, env=env)
    target.server.wait_ready(lambda: ready(target), timeout=ready_timeout)
    return time.perf_counter() - began


def pss_mib(pid: int) -> float:
    from soak import tree_pss_mib

    return tree_pss_mib(pid)


WRK_SCRIPT = """\
-- generated by bench/bench_endpoint.py: rotate over the request paths, print the figures as JSON
local paths = {%(paths)s}
local accept = %(accept)s
local index = 0
request = function()
  index = index + 1
  return wrk.format("GET", paths[(index %% #paths) + 1], {["Accept"] = accept})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK-JSON {"requests": %%d, "duration_us": %%d, "status": %%d, "connect": %%d, ' ..
    '"read": %%d, "write": %%d, "timeout": %%d, "p50_us": %%d, "p99_us": %%d}\\n', summary.requests,
    summary.duration, e.status, e.connect, e.read, e.write, e.timeout, latency:percentile(50),
    latency:percentile(99)))
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU time of the tree under ``root`` so far, seconds (``/proc/PID/stat``; a
    process that ended in between is not counted: the query processes of ``tid serve`` live on)."""
    from soak import descendants

    ticks = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk_cell(target: Target, kind: str, iris: list[str], concurrency: int, duration: float,
             grace: float, warmup: float, work: Path) -> dict:
    """One cell measured by wrk: a warm-up run, then the measured run."""
    paths = [target.url(question(kind, iri)[0]) for iri in (iris if kind != "aggregation" else iris[:1])]
    script = work / f"wrk-{kind}.lua"
    script.write_text(WRK_SCRIPT % {"paths": ", ".join(lua_string(p) for p in paths),
                                    "accept": lua_string(question(kind, iris[0])[1])}, encoding="utf-8")

    def run(seconds: float) -> dict:
        command = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", f"--timeout={max(2, round(grace))}s",
                   "-s", str(script), f"http://127.0.0.1:{target.port}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + grace + 60)
        for line in done.stdout.splitlines():
            if line.startswith("WRK-JSON "):
                return json.loads(line[len("WRK-JSON "):])
        raise RuntimeError(f"wrk gave no figures (exit {done.returncode}): {done.stdout[-500:]} {done.stderr[-500:]}")

    if warmup > 0:
        run(warmup)
    cpu = tree_cpu_seconds(target.server.process.pid) if target.server else None
    figures = run(duration)
    if cpu is not None and target.server:
        cpu = tree_cpu_seconds(target.server.process.pid) - cpu
    seconds = figures["duration_us"] / 1e6
    errors = figures["status"]
    socket_errors = figures["connect"] + figures["read"] + figures["write"]
    ok = figures["requests"] - errors
    return {"rps": ok / seconds, "p50": figures["p50_us"] / 1e6, "p99": figures["p99_us"] / 1e6, "n": ok, "hits": 0,
            "err": errors + socket_errors, "timed_out": figures["timeout"], "reconnects": 0,
            "finished": figures["requests"], "elapsed": seconds,
            "cpu_us": cpu / figures["requests"] * 1e6 if cpu is not None and figures["requests"] else None}


def bench_target(target: Target, iris: list[str], args: argparse.Namespace, work: Path) -> None:
    collect_answers(target, iris[0])
    if target.server:
        target.pss["start"] = pss_mib(target.server.process.pid)
    for kind in args.kinds:
        for concurrency in args.concurrency:
            if args.client == "wrk":
                cell = wrk_cell(target, kind, iris, concurrency, args.duration, args.grace, args.warmup, work)
            else:
                cell = run_cell(target, kind, iris, concurrency, args.duration, args.grace, args.warmup)
            target.cells[(kind, concurrency)] = cell
            hits = f" hits={cell['hits'] / cell['n']:.0%}" if target.name == OURS and cell["n"] and args.client != "wrk" else ""
            if cell.get("cpu_us") is not None:  # the server's own CPU, whatever else loads the machine
                hits += f" server CPU {cell['cpu_us']:.0f} us/req"
            print(f"  {target.name:<16} {kind:<12} c={concurrency:<3} {cell['rps']:>9.1f} req/s  "
                  f"p50 {cell['p50'] * 1000:>8.1f} ms  p99 {cell['p99'] * 1000:>8.1f} ms  "
                  f"n={cell['n']} err={cell['err']} timed-out={cell['timed_out']}{hits}  "
                  f"(load {os.getloadavg()[0]:.1f})", flush=True)
    if target.server:
        target.pss["after"] = pss_mib(target.server.process.pid)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def print_table(targets: list[Target], args: argparse.Namespace) -> None:
    """One line per question and concurrency: each server's req/s and latencies, then the ratios
    of each of our two configurations to each peer."""
    ours = [t for t in targets if t.name in (OURS, UNCACHED)]
    peers = [t for t in targets if t.name not in (OURS, UNCACHED)]
    pairs = [(o, p) for o in ours for p in peers]
    head = f"{'question':<12}{'c':>4}"
    for t in targets:
        head += f" | {t.name + ' req/s':>24} {'p50 ms':>7} {'p99 ms':>7}"
    for o, p in pairs:
        head += f" | {o.name.replace('tid serve', 'ours') + '/' + p.name.split()[0]:>18}"
    print(head)
    print("-" * len(head))
    for kind in args.kinds:
        for c in args.concurrency:
            line = f"{kind:<12}{c:>4}"
            for t in targets:
                cell = t.cells.get((kind, c))
                if cell is None:
                    line += f" | {'-':>24} {'-':>7} {'-':>7}"
                    continue
                flag = f"({cell['err']} err, {cell['timed_out']} t/o)" if cell["err"] or cell["timed_out"] else ""
                line += f" | {flag + ' ' + format(cell['rps'], '.1f'):>24} {cell['p50'] * 1000:>7.1f} {cell['p99'] * 1000:>7.1f}"
            for o, p in pairs:
                a, b = o.cells.get((kind, c)), p.cells.get((kind, c))
                line += f" | {ratio(a['rps'], b['rps']) if a and b else '-':>18}"
            print(line)


def goals(targets: list[Target], args: argparse.Namespace) -> None:
    by_name = {t.name: t for t in targets}
    oxi, rdf = by_name.get("oxigraph serve"), by_name.get("rdflib-endpoint")

    def verdict(ok: bool) -> str:
        return "MET" if ok else "NOT MET"

    print("goals (from the issue), for each configuration of ours:")
    for name, label in ((OURS, "with the result cache (as deployed)"), (UNCACHED, "without it (every query runs)")):
        ours = by_name.get(name)
        if ours is None:
            continue
        print(f"  {name}: {label}")
        for c in args.concurrency:
            mine = ours.cells.get(("lookup", c))
            if oxi and mine and oxi.cells.get(("lookup", c)):
                r = mine["rps"] / oxi.cells[("lookup", c)]["rps"]
                print(f"    lookup c={c:<3} ours/oxigraph = {r:.2f}x  [goal >= 0.3x] {verdict(r >= 0.3)}")
            if rdf and mine and rdf.cells.get(("lookup", c)) and rdf.cells[("lookup", c)]["rps"]:
                r = mine["rps"] / rdf.cells[("lookup", c)]["rps"]
                print(f"    lookup c={c:<3} ours/rdflib-endpoint = {r:.2f}x  [goal >= 8x] {verdict(r >= 8)}")
            agg = ours.cells.get(("aggregation", c))
            if oxi and agg and oxi.cells.get(("aggregation", c)):
                r = agg["rps"] / oxi.cells[("aggregation", c)]["rps"]
                print(f"    aggregation c={c:<3} ours/oxigraph = {r:.2f}x  [goal >= 1x] {verdict(r >= 1)}")
        cell = ours.cells.get(("lookup", 8))
        if cell:
            p99 = cell["p99"] * 1000
            print(f"    lookup c=8 p99 = {p99:.1f} ms  [goal < 10 ms] {verdict(p99 < 10)}")
        for moment, mib in ours.pss.items():
            print(f"    memory ({moment}) PSS = {mib:.0f} MiB  [goal < 400 MB] {verdict(mib * 1.048576 < 400)}")


RDFLIB_ENDPOINT_HINT = ("rdflib-endpoint is not installed, so it is left out. Install it in this environment with "
                        "`pip install 'rdflib-endpoint[cli]'` (or the project's `bench` extra, if it has one).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("TID_DATA_DIR", str(REPO / DEFAULT_DATA_DIR)),
                        help="data directory with a built release and its dumps (default TID_DATA_DIR or ./var)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per cell (default 10)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of unmeasured load before each cell (default 1)")
    parser.add_argument("--grace", type=float, default=20.0,
                        help="seconds the requests still running at the end of a cell may take (default 20)")
    parser.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8, 32],
                        help="comma-separated client concurrencies (default 1,8,32)")
    parser.add_argument("--kinds", type=lambda s: [k for k in s.split(",") if k], default=list(KINDS),
                        help=f"comma-separated questions (default {','.join(KINDS)})")
    parser.add_argument("--client", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python",
                        help="load generator: wrk (default when installed: scripts/install-wrk.sh) or the Python "
                             "fallback (threads with http.client; saturates before the servers on a small machine)")
    parser.add_argument("--no-rdflib", action="store_true", help="leave rdflib-endpoint out")
    parser.add_argument("--no-oxigraph", action="store_true", help="leave oxigraph serve out")
    parser.add_argument("--no-uncached", action="store_true", help="measure tid serve with its result cache only")
    parser.add_argument("--no-cached", action="store_true", help="measure tid serve without its result cache only")
    args = parser.parse_args(argv)
    unknown = [k for k in args.kinds if k not in KINDS]
    if unknown:
        parser.error(f"unknown question {', '.join(unknown)}; known: {', '.join(KINDS)}")
    data_dir = Path(args.data_dir).resolve()
    dumps = data_dir / "current" / "dumps"
    if not (dumps / "tid.nq.gz").is_file():
        print(f"bench_endpoint: no dumps in {dumps} (run `tid build --data-dir {data_dir}`)", file=sys.stderr)
        return 2
    manifest = json.loads((data_dir / "current" / "build.json").read_text(encoding="utf-8"))
    with_rdflib = not args.no_rdflib and _version("rdflib-endpoint") != "not installed"
    if not args.no_rdflib and not with_rdflib:
        print(RDFLIB_ENDPOINT_HINT, file=sys.stderr)

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    targets: list[Target] = []
    iris: list[str] = []
    with tempfile.TemporaryDirectory(prefix="tid-bench-endpoint-") as tmp:
        work = Path(tmp)
        try:
            print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
                  f"at the start; graph: {manifest['counts']['quads']} quads in "
                  f"{len(manifest['counts']['graphs'])} named graphs ({data_dir})")
            print(f"versions: oxigraph {importlib.metadata.version('oxigraph')}, "
                  f"rdflib-endpoint {_version('rdflib-endpoint')}, rdflib {importlib.metadata.version('rdflib')}")
            if args.client == "wrk":
                print(f"each cell: {args.duration:g} s after {args.warmup:g} s warm-up; load generator: wrk, 1 thread, "
                      "one persistent connection per unit of concurrency")
            else:
                print(f"each cell: {args.duration:g} s after {args.warmup:g} s warm-up; load generator: {PYTHON_CLIENT} "
                      "(the fallback: wrk is not installed, see scripts/install-wrk.sh), a thread and a persistent "
                      "connection per unit of concurrency")
            print("servers are measured one at a time; progress:", flush=True)

            # 1. tid serve, with and without its result cache
            configurations = [(name, mb) for name, mb, skip in ((OURS, None, args.no_cached), (UNCACHED, "0", args.no_uncached))
                              if not skip]
            for name, cache_mb in configurations:
                ours = Target(name, free_port(), "/sparql")
                targets.append(ours)
                env = {**os.environ, "TID_RESULT_CACHE_MB": cache_mb} if cache_mb is not None else None
                took = start(ours, [sys.executable, "-m", "tid.cli", "serve", "--data-dir", str(data_dir), "--host",
                                    "127.0.0.1", "--port", str(ours.port), "--access-log", ""], work, 120, env=env)
                cache = "result cache off" if cache_mb == "0" else "result cache on (default size)"
                ours.note = f"ready in {took:.1f} s (default workers: 2 server processes × 4 query processes; {cache})"
                if not iris:
                    status, body = fetch(ours.port, ours.url(TERRITORIES), JSON_RESULTS)
                    iris = [row["t"]["value"] for row in json.loads(body)["results"]["bindings"]][:200]
                    if status != 200 or not iris:
                        raise RuntimeError(f"tid serve gave no territories: HTTP {status}")
                bench_target(ours, iris, args, work)
                ours.server.stop()

            # 2. oxigraph serve
            if not args.no_oxigraph:
                binary = oxigraph_binary()
                began = time.perf_counter()
                nq = gunzip(dumps / "tid.nq.gz", work / "tid.nq")
                location = work / "oxigraph"
                subprocess.run([binary, "load", "--location", str(location), "--file", str(nq)],
                               check=True, capture_output=True, timeout=1800)
                nq.unlink()
                loaded = time.perf_counter() - began
                oxi = Target("oxigraph serve", free_port(), "/query")
                targets.append(oxi)
                took = start(oxi, [binary, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{oxi.port}",
                                   "--union-default-graph"], work, 120)
                oxi.note = f"gunzip + oxigraph load {loaded:.1f} s, ready in {took:.1f} s (--union-default-graph)"
                bench_target(oxi, iris, args, work)
                oxi.server.stop()

            # 3. rdflib-endpoint
            if with_rdflib:
                ttl = gunzip(dumps / "tid.ttl.gz", work / "tid.ttl")
                rdf = Target("rdflib-endpoint", free_port(), "/")
                targets.append(rdf)
                cli = Path(sys.executable).parent / "rdflib-endpoint"
                took = start(rdf, [str(cli), "serve", "--host", "127.0.0.1", "--port", str(rdf.port), str(ttl)],
                             work, 900)
                rdf.note = f"parse of tid.ttl + start {took:.1f} s (in-memory rdflib Dataset, default_union)"
                bench_target(rdf, iris, args, work)
                rdf.server.stop()
        except KeyboardInterrupt:
            print("bench_endpoint: interrupted; stopping the servers", file=sys.stderr)
            return 130
        except (RuntimeError, subprocess.SubprocessError) as exc:
            print(f"bench_endpoint: {exc}", file=sys.stderr)
            return 2
        finally:
            for target in targets:
                if target.server:
                    target.server.stop()

    print()
    for target in targets:
        print(f"{target.name}: {target.note}")
    if not with_rdflib and not args.no_rdflib:
        print(RDFLIB_ENDPOINT_HINT)
    print()
    print(f"same question, same answers? (lookup and DESCRIBE of {iris[0]})")
    agree = compare(targets)
    print()
    if args.client != "wrk":
        print(f"{PYTHON_CLIENT}: every figure below was measured with the fallback load generator")
    print(f"requests per second (200 answers), latency of the {'answers (wrk: all of them)' if args.client == 'wrk' else '200 answers'}; ratios of req/s. '{OURS}' is this "
          f"endpoint as deployed (result cache on, warm); '{UNCACHED}' the same with TID_RESULT_CACHE_MB=0")
    print_table(targets, args)
    print()
    print("memory: PSS of each server's process tree, MiB (at start, once it answers; after its cells)")
    for target in targets:
        if target.pss:
            print(f"  {target.name:<18} start {target.pss.get('start', float('nan')):>7.0f}   "
                  f"after {target.pss.get('after', float('nan')):>7.0f}")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"(other processes on the machine share its {os.cpu_count()} cores with servers and client)")
    print()
    goals(targets, args)
    return 0 if agree else 1


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


if __name__ == "__main__":
    sys.exit(main())
