"""``tid serve``: the endpoint under gunicorn, over the live store of a data directory.

gunicorn runs ``--workers`` server processes (``gthread``, each reading every request whole
under a deadline before one of its threads takes it: :mod:`tid.endpoint.request_buffer`);
each server process has its own pool of ``--max-concurrent`` query processes. Threads outnumber
the query processes, so that a saturated server answers 503 at once instead of letting
connections queue. The app is created in each server process after the fork (gunicorn's
default, no preload), so no store handle or pipe is shared across a fork; its modules are
imported before the fork, so their pages are (see ``cmd_serve``).

Each server process also has its own result cache (``RESULT_CACHE_MB``), and runs with a
1 ms interpreter switch interval instead of Python's 5 ms: its threads mostly wait on sockets
and pipes, and a thread whose answer has arrived should not wait up to 5 ms for the GIL behind
one that is writing another answer (measured on 2 cores: a lower p99 for cached answers and
more uncached answers per second; 0.5 ms costs more in switching than it saves).

Wiring in ``cli.py``::

    from tid.endpoint.serve import add_parser as add_serve_parser
    add_serve_parser(sub)

Run alone: ``python -m tid.endpoint.serve serve --data-dir var``.
"""

from __future__ import annotations

import argparse
import errno
import gc
import logging
import os
import socket
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tid.endpoint.settings import Settings
from tid.environment import DEFAULT_DATA_DIR, data_dir_path
from tid.errors import ConfigError
from tid.graph.store import DataDir

# The share of the machine's memory the query processes of one server may use together, by default.
MEMORY_SHARE = 0.5
# The least address space a query process is given, MiB: an idle one (interpreter, modules, the
# store opened) maps about 540 MiB, which leaves about 500 MiB to a query.
MIN_WORKER_MB = 1024
# The interpreter's switch interval in a server process, seconds (Python's default is 0.005).
SWITCH_INTERVAL = 0.001


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "serve", help="serve the SPARQL endpoint over the live store (gunicorn, read-only)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Serve the live release over HTTP: the SPARQL 1.1 endpoint (/sparql), the
dereferenceable IRIs (/id/..., /doc/...), the pages, maps, catalogue and dumps.
The store is opened read-only; a new release is picked up without restart.
Queries run in worker processes and are killed past their time budget.""",
        epilog="""\
examples:
  tid serve --data-dir var                          # http://127.0.0.1:8000/sparql
  tid serve --host 0.0.0.0 --port 8080 --workers 4 --timeout 60
  tid serve --public-url https://data.example.org/ti/ --trust-proxy-headers 1
  tid serve --backend http://localhost:7878/query   # over the graphs `tid push` sent
  tid serve --federation --service-allow rdf.insee.fr

Ctrl-C stops the server.""")
    p.add_argument("--data-dir", help=f"where the live release is (TID_DATA_DIR; default ./{DEFAULT_DATA_DIR})")
    p.add_argument("--backend", metavar="URL",
                   help="serve from this SPARQL 1.1 query service, which holds the release's graphs (`tid push`), "
                        "instead of the embedded store; --data-dir still gives the release's manifest (TID_BACKEND_URL)")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn server processes (default 2)")
    p.add_argument("--threads", type=int, default=None,
                   help="threads per server process (default 4 × --max-concurrent + 4)")
    p.add_argument("--timeout", type=float, default=None,
                   help="time budget of one query, seconds; the query is killed past it (default 30)")
    p.add_argument("--max-concurrent", type=int, default=None,
                   help="query processes per server process: queries running at once in its pool (default 2)")
    p.add_argument("--max-queries-per-client", type=int, default=None,
                   help="query processes one client (address) may hold at once; past it, 429 (default: all but one)")
    p.add_argument("--max-rows", type=int, default=None, help="most rows or triples in one response (default 100000)")
    p.add_argument("--max-bytes", type=int, default=None, help="most bytes in one response (default 50000000)")
    p.add_argument("--max-query-length", type=int, default=None, help="longest query, characters (default 100000)")
    p.add_argument("--queue-wait", type=float, default=None,
                   help="seconds a query waits for a free worker before 503 (default 1)")
    p.add_argument("--read-timeout", type=float, default=None,
                   help="seconds a client has to send its whole request; 408 and closed past it (default 10)")
    p.add_argument("--worker-memory-mb", type=int, default=None,
                   help="address-space limit of a query process, MiB; 0 for none (default 4096)")
    p.add_argument("--memory-budget-mb", type=int, default=None,
                   help="address space of all the query processes together, MiB, shared among them; "
                        "0 for no total (default: half the machine's memory)")
    p.add_argument("--federation", action="store_true", help="allow SERVICE to the hosts of --service-allow")
    p.add_argument("--service-allow", action="append", default=[], metavar="HOST[:PORT]",
                   help="a host SERVICE may call when --federation is on (repeatable)")
    p.add_argument("--public-url", help="the server's public root URL, as the service description states it")
    p.add_argument("--trust-proxy-headers", type=int, default=None, metavar="N",
                   help="trust X-Forwarded-* from N proxies in front (default 0)")
    p.add_argument("--access-log", default="-", help="gunicorn access log file ('-' = stdout, '' = none)")
    p.set_defaults(run=cmd_serve)
    return p


def app_config(args: argparse.Namespace) -> dict[str, Any]:
    """The ``create_app`` mapping for these options (unset options keep the env/defaults)."""
    config: dict[str, Any] = {"DATA_DIR": str(data_dir_path(args.data_dir))}
    for option, key in (("timeout", "QUERY_TIMEOUT"), ("max_concurrent", "MAX_CONCURRENT_QUERIES"),
                        ("max_queries_per_client", "MAX_QUERIES_PER_CLIENT"),
                        ("max_rows", "MAX_ROWS"), ("max_bytes", "MAX_BYTES"),
                        ("max_query_length", "MAX_QUERY_LENGTH"), ("queue_wait", "QUEUE_WAIT"),
                        ("worker_memory_mb", "WORKER_MEMORY_MB"), ("public_url", "PUBLIC_URL"),
                        ("trust_proxy_headers", "TRUST_PROXY_HEADERS"), ("backend", "BACKEND_URL"),
                        ("read_timeout", "REQUEST_READ_TIMEOUT"), ("memory_budget_mb", "SERVER_MEMORY_MB")):
        value = getattr(args, option, None)
        if value is not None:
            config[key] = value
    if args.federation:
        config["FEDERATION"] = True
    if args.service_allow:
        config["SERVICE_ALLOWLIST"] = list(args.service_allow)
    return config


def gunicorn_options(args: argparse.Namespace, config: dict[str, Any]) -> dict[str, Any]:
    """gunicorn's options, sized from the settings the app will read (``config``, the ``TID_*``
    variables, the defaults): its threads from ``MAX_CONCURRENT_QUERIES``, its time-outs from
    ``QUERY_TIMEOUT``."""
    settings = Settings.read(config)
    timeout = settings.QUERY_TIMEOUT
    concurrent = settings.MAX_CONCURRENT_QUERIES
    return {
        "bind": f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}",
        "workers": max(1, args.workers),
        # gthread, with each request read whole under a deadline before a thread takes it.
        "worker_class": "tid.endpoint.request_buffer.BufferingWorker",
        "threads": args.threads or 4 * concurrent + 4,
        # gunicorn's heartbeat: a gthread worker beats while its threads wait, but give room anyway.
        "timeout": int(timeout) + 30,
        "graceful_timeout": int(timeout) + 5,
        "keepalive": 5,
        "accesslog": args.access_log or None,
        "errorlog": "-",
        "limit_request_line": 8190,  # gunicorn's maximum; longer queries go by POST
        "proc_name": "tid-serve",
        # gunicorn ≥ 24 opens a control socket in ~/.gunicorn by default; two servers would share it.
        "control_socket_disable": True,
    }


def share_memory(config: dict[str, Any], workers: int) -> dict[str, Any]:
    """``config`` with the server's memory budget shared among its query processes: each gets
    ``SERVER_MEMORY_MB / (workers × MAX_CONCURRENT_QUERIES)`` MiB of address space, and
    ``WORKER_MEMORY_MB`` at most, so that together they never pass the budget (the per-process
    limit alone let 2 × 4 processes of 4 GiB each ask for 32 GiB on a 24 GB machine). A share
    under ``MIN_WORKER_MB`` could not run a query: a ConfigError naming the options."""
    settings = Settings.read(config)
    processes = max(1, workers) * settings.MAX_CONCURRENT_QUERIES
    budget = settings.SERVER_MEMORY_MB
    if budget is None:
        budget = int(physical_memory_mb() * MEMORY_SHARE)
    if budget == 0:
        return {**config, "SERVER_MEMORY_MB": 0}
    share = budget // processes
    if settings.WORKER_MEMORY_MB:
        share = min(share, settings.WORKER_MEMORY_MB)
    if share < MIN_WORKER_MB:
        raise ConfigError(
            f"a memory budget of {budget} MiB (--memory-budget-mb or TID_SERVER_MEMORY_MB) shared by {processes} "
            f"query processes ({max(1, workers)} --workers × {settings.MAX_CONCURRENT_QUERIES} --max-concurrent) "
            f"leaves {share} MiB each, under the {MIN_WORKER_MB} MiB a query process needs: "
            "lower --workers or --max-concurrent, or raise the budget")
    return {**config, "SERVER_MEMORY_MB": budget, "WORKER_MEMORY_MB": share}


def physical_memory_mb() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)


def check_data_dir(config: dict[str, Any]) -> None:
    data_dir = DataDir(Path(config["DATA_DIR"]))
    if data_dir.current_release() is None:
        raise ConfigError(f"no built graph in {data_dir.root}: run `tid build --data-dir {data_dir.root}` first")


def warm(app: Any) -> None:
    # The app's modules, imported by the server process only (the `tid` command imports this module).
    from tid.endpoint.live import live_of
    from tid.endpoint.service_description import counts

    live = live_of(app)
    try:
        live.pool.start()
        counts(live.release)
    except Exception:  # noqa: BLE001 - the first request will retry and report
        app.logger.exception("warming the endpoint failed")


def check_address(host: str, port: int) -> None:
    """Refuse, in one line, an address the server could not listen on (gunicorn would retry it
    five times, then stop with its own log lines). gunicorn sets ``SO_REUSEADDR`` too, so a port
    whose last connections are still closing is not taken for one in use."""
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port {port}: a port is a number from 1 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError, OverflowError) as exc:
        raise ConfigError(f"--host {host!r} --port {port}: not an address to listen on ({exc}); "
                          "give an interface's name or address, and a port from 1 to 65535") from None
    family, kind, protocol, _name, address = infos[0]
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                hint = "another server listens there: stop it, or choose another --port"
            elif exc.errno == errno.EACCES:
                hint = "a port below 1024 needs privileges: choose another --port"
            else:
                hint = "choose another --host or --port"
            raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror}): {hint}") from None


def cmd_serve(args: argparse.Namespace, console: Any) -> int:
    from gunicorn.app.base import BaseApplication  # only `tid serve` needs gunicorn

    config = share_memory(app_config(args), args.workers)
    check_data_dir(config)
    options = gunicorn_options(args, config)  # refuses the settings a server could only fail with
    check_address(args.host, args.port)

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if value is not None and key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            from tid.endpoint import create_app, request_buffer

            # The endpoint's own log (500 ids, killed queries) goes where gunicorn's errors go.
            ours, theirs = logging.getLogger("tid"), logging.getLogger("gunicorn.error")
            ours.handlers, ours.level, ours.propagate = theirs.handlers, logging.INFO, False
            sys.setswitchinterval(SWITCH_INTERVAL)
            app = create_app(config)
            request_buffer.configure(app.config["REQUEST_READ_TIMEOUT"], app.config["MAX_CONTENT_LENGTH"])
            # Start the query workers and count the graphs now, not on the first request.
            threading.Thread(target=warm, args=(app,), name="tid-warm", daemon=True).start()
            return app

    # The app's modules (Flask, every route, pyoxigraph…) are imported here, once, so that the
    # server processes forked from this one share their pages rather than each importing its own
    # copy; gc.freeze keeps a server process's collector from walking, and so copying, them. The
    # app itself (store handle, pool, caches) is still created in each server process after the fork.
    import tid.endpoint.app  # noqa: F401

    gc.freeze()
    console.print(f"Serving {config['DATA_DIR']} at http://{args.host}:{args.port}/sparql "
                  f"({options['workers']} server processes); Ctrl-C stops.")
    Server().run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from rich.console import Console  # run alone (python -m): the `tid` command has its own console

    top = argparse.ArgumentParser(prog="python -m tid.endpoint.serve")
    add_parser(top.add_subparsers(dest="command", required=True))
    args = top.parse_args(argv)
    try:
        return args.run(args, Console(highlight=False))
    except ConfigError as exc:
        print(f"tid serve: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
