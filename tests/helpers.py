"""What several test modules share that is not a fixture (fixtures stay in the ``conftest.py``
files): where the test data are, the source list pinned to a mirror, the servers a test starts
on localhost, the things of the cut data the endpoint tests ask about, and rdflib views of the
project's prefixes.

The package's namespace module is rdflib-free (a server process never imports rdflib for it);
the tests compare graphs with rdflib, so they get rdflib namespaces from the same table here.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import rdflib
from flask import Flask

from tid.graph.sources import write_pinned_source_list
from tid.graph.store import DataDir
from tid.namespaces import PREFIXES

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"
CUT_MIRROR = TEST_DATA / "mirror"

# -- things of the cut data the endpoint tests ask about ------------------------------------------

BASE = "https://w3id.org/territoires-industrie/"
TID = BASE + "def#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
# Real labels of the cut data with the characters French text needs: en dash, guillemets, œ.
MELUN = "Melun – Villaroche"
MELUN_IRI = BASE + "id/territoire/2023-2027/ti-1107"
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = "ASK { ?s ?p ?o }"
# Parameters of the named queries, real things of the cut data.
NAMED_QUERY_PARAMS: dict[str, dict[str, str]] = {
    "adhesions-d-un-graphe": {"graph": BASE + "graph/ti-phase2-groupements/5c5ffe30cc5d"},
    "communes-d-un-territoire": {"territoire": MELUN_IRI},
    "documents-d-une-ressource": {"ressource": MELUN_IRI},
    "entites-d-un-graphe": {"graph": BASE + "graph/ti-phase2-groupements/5c5ffe30cc5d"},
    "epci-d-une-commune": {"insee": "58072", "date": "2024-01-01"},
    "geo-geometries": {"chose": MELUN_IRI},
    "programmes-entrees-sorties": {"programme": BASE + "id/programme/petites-villes-de-demain",
                                   "debut": "2020-12-01", "fin": "2024-09-01"},
    "sites-d-une-region": {"region": "11"},
    "territoires-d-une-region": {"region": BASE + "id/region/11", "date": "2024-06-01"},
    "territoire-d-une-commune": {"insee": "58072", "date": "2021-06-01"},
}
HTML_TYPE = "text/html; charset=utf-8"
PROBLEM_TYPE = "application/problem+json; charset=utf-8"


# -- data ---------------------------------------------------------------------------------------


def real_mirror() -> Path:
    path = Path(os.environ.get("TID_MIRROR") or REPO.parent / "shared" / "data").resolve()
    if not (path / "SOURCES.md").is_file():
        pytest.fail(f"the real data mirror is not at {path}: set TID_MIRROR")
    return path


def write_source_list(target: Path, mirror: Path) -> Path:
    """The packaged source list with checksums taken from ``mirror`` and absolute project paths."""
    return write_pinned_source_list(target, mirror)


# -- apps and servers on localhost ----------------------------------------------------------------


def create_test_app(data_dir: DataDir, **overrides: Any) -> Flask:
    """An endpoint over ``data_dir`` with the tests' settings (10 s budget, 3 query workers)."""
    from tid.endpoint import create_app

    config = {"DATA_DIR": str(data_dir.root), "QUERY_TIMEOUT": 10, "MAX_CONCURRENT_QUERIES": 3}
    config.update(overrides)
    return create_app(config)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` server of the test dependencies (beside this Python first), or None."""
    return shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")


@contextmanager
def tid_serving(data_dir: Path, options: list[str], log_path: Path,
                environ: dict[str, str] | None = None) -> Iterator[str]:
    """``tid serve`` (gunicorn) over ``data_dir`` on a free localhost port with ``options``, once it
    answers (its output in ``log_path``); yields its root URL; SIGTERM, then SIGKILL of its whole
    process group, when the block ends."""
    import signal

    port = free_port()
    command = [sys.executable, "-m", "tid.endpoint.serve", "serve", "--data-dir", str(data_dir),
               "--port", str(port), *options]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(environ or {})}
    with log_path.open("w") as handle:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    root = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(root + "sparql", process)
        yield root
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


@contextmanager
def oxigraph_serving(binary: str, arguments: list[str], bind: str, log_path: Path) -> Iterator[subprocess.Popen]:
    """``oxigraph {arguments} --bind {bind}``, once it listens (30 s at most), until the block
    ends; its output goes to ``log_path``, shown when it fails to start."""
    host, port = bind.rsplit(":", 1)
    log = log_path.open("wb")
    process = subprocess.Popen([binary, *arguments, "--bind", bind], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"oxigraph {arguments[0]} exited with {process.returncode}: "
                            f"{log_path.read_text(errors='replace')}")
            try:
                with socket.create_connection((host, int(port)), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"oxigraph {arguments[0]} did not listen on {bind} within 30 s")
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tid serve exited with {process.returncode}: {process.stderr.read() if process.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"tid serve did not answer at {url} within {seconds} s")


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """``app`` served by werkzeug on a free localhost port while the block runs; yields its root URL."""
    from werkzeug.serving import make_server

    port = free_port()
    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)


# -- answers ------------------------------------------------------------------------------------


def assert_problem(response: Any, status: int, slug: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == PROBLEM_TYPE
    body = json.loads(response.get_data(as_text=True))
    assert body["status"] == status and body["type"].endswith(f"/problems/{slug}")
    return body


# -- rdflib -------------------------------------------------------------------------------------


def rdflib_namespace(prefix: str) -> rdflib.Namespace:
    return rdflib.Namespace(PREFIXES[prefix])


def bind_prefixes(graph: rdflib.Graph) -> rdflib.Graph:
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph
