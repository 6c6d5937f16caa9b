"""Fixtures of the endpoint tests: one graph built from the cut mirror per session, apps over
it (each with its own pool of query processes, closed after use), and a real ``tid serve``
(gunicorn) on a free localhost port for the clients that need a socket (SPARQLWrapper, rdflib).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import CUT_MIRROR, REPO
from tid.graph.build import BuildOptions, build
from tid.graph.store import DataDir

BASE = "https://w3id.org/territoires-industrie/"
TID = BASE + "def#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
# Real labels of the cut data with the characters French text needs: en dash, guillemets, œ.
MELUN = "Melun – Villaroche"
MELUN_IRI = BASE + "id/territoire/2023-2027/ti-1107"
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="session")
def cut_data_dir(tmp_path_factory: pytest.TempPathFactory, cut_sources: Path) -> DataDir:
    data_dir = DataDir(tmp_path_factory.mktemp("endpoint-data"))
    build(BuildOptions(data_dir=data_dir, mirror=CUT_MIRROR, source_list=cut_sources))
    return data_dir


@pytest.fixture(scope="session")
def manifest(cut_data_dir: DataDir) -> dict[str, Any]:
    manifest = cut_data_dir.current_manifest()
    assert manifest is not None
    return manifest


def _create(data_dir: DataDir, **overrides: Any) -> Flask:
    from tid.endpoint import create_app

    config = {"DATA_DIR": str(data_dir.root), "QUERY_TIMEOUT": 10, "MAX_CONCURRENT_QUERIES": 3}
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(cut_data_dir: DataDir) -> Iterator[Flask]:
    application = _create(cut_data_dir)
    yield application
    application.extensions["tid"].close()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def make_app(cut_data_dir: DataDir) -> Iterator[Callable[..., Flask]]:
    """Apps with other settings (small limits, short timeouts); closed after the test."""
    made: list[Flask] = []

    def factory(data_dir: DataDir | None = None, **overrides: Any) -> Flask:
        application = _create(data_dir or cut_data_dir, **overrides)
        made.append(application)
        return application

    yield factory
    for application in made:
        application.extensions["tid"].close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


@pytest.fixture(scope="session")
def live_server(cut_data_dir: DataDir, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``tid serve`` under gunicorn (1 server process, 4 query workers, 2 s budget); yields its root URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "tid.endpoint.serve", "serve", "--data-dir", str(cut_data_dir.root),
               "--port", str(port), "--workers", "1", "--max-concurrent", "4", "--timeout", "2",
               "--queue-wait", "1", "--access-log", ""]
    with log.open("w") as handle:
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
