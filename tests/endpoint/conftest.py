"""Fixtures of the endpoint tests: apps over the release built from the cut mirror once per
session (``cut_data_dir``, in ``tests/conftest.py``), each with its own pool of query processes,
closed after use, and a real ``tid serve``
(gunicorn) on a free localhost port for the clients that need a socket (SPARQLWrapper, rdflib).

Both modes: a test module that sets ``BOTH_MODES = True`` runs each of its tests twice, with the
``app``/``client``/``make_app`` fixtures over the embedded store ("embedded") and over an
``oxigraph serve`` the session starts and fills with ``tid push`` ("remote", ``BACKEND_URL``).
A test that is inherently local (it reads the store's files, builds another release) uses the
``embedded_only`` fixture and runs in embedded mode alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from tests.helpers import (
    create_test_app,
    free_port,
    oxigraph_binary,
    oxigraph_serving,
    tid_serving,
)
from tid.graph.store import DataDir

MODES = ("embedded", "remote")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """In a ``BOTH_MODES`` module, every test using the apps runs once per mode."""
    if "backend_mode" in metafunc.fixturenames and getattr(metafunc.module, "BOTH_MODES", False):
        local = "embedded_only" in metafunc.fixturenames
        metafunc.parametrize("backend_mode", ["embedded"] if local else list(MODES), indirect=True, scope="session")


@pytest.fixture
def embedded_only() -> None:
    """Asked by a test of a ``BOTH_MODES`` module that only makes sense over the embedded store."""


@pytest.fixture(scope="session")
def backend_mode(request: pytest.FixtureRequest) -> str:
    """"embedded" unless the test is parametrised (``BOTH_MODES`` modules)."""
    return getattr(request, "param", "embedded")


@pytest.fixture(scope="session")
def oxigraph_backend(cut_data_dir: DataDir, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``oxigraph serve`` on a free localhost port, holding the cut release (``tid push``); yields
    its SPARQL query URL. Its own query timeout ends what a killed worker left running there."""
    from tid.graph.push import push

    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the `oxigraph` server binary is not installed: `pip install oxigraph` (a test dependency)")
    port = free_port()
    directory = tmp_path_factory.mktemp("oxigraph")
    root = f"http://127.0.0.1:{port}"
    with oxigraph_serving(binary, ["serve", "--location", str(directory / "db"), "--timeout-s", "15"],
                          f"127.0.0.1:{port}", directory / "oxigraph.log"):
        report = push(cut_data_dir, f"{root}/store", query_url=f"{root}/query")
        assert not report.mismatches, report.mismatches
        yield f"{root}/query"


def _mode_overrides(mode: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    return {"BACKEND_URL": request.getfixturevalue("oxigraph_backend")} if mode == "remote" else {}


@pytest.fixture(scope="session")
def app(cut_data_dir: DataDir, backend_mode: str, request: pytest.FixtureRequest) -> Iterator[Flask]:
    application = create_test_app(cut_data_dir, **_mode_overrides(backend_mode, request))
    yield application
    application.extensions["tid"].close()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def make_app(cut_data_dir: DataDir, backend_mode: str, request: pytest.FixtureRequest) -> Iterator[Callable[..., Flask]]:
    """Apps with other settings (small limits, short timeouts); closed after the test. In remote
    mode, over the same server (another data directory would need its own push)."""
    made: list[Flask] = []

    def factory(data_dir: DataDir | None = None, **overrides: Any) -> Flask:
        mode = _mode_overrides(backend_mode, request) if data_dir is None else {}
        application = create_test_app(data_dir or cut_data_dir, **{**mode, **overrides})
        made.append(application)
        return application

    yield factory
    for application in made:
        application.extensions["tid"].close()


@pytest.fixture(scope="session")
def live_server(cut_data_dir: DataDir, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``tid serve`` under gunicorn (1 server process, 4 query workers, 2 s budget); yields its root URL."""
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with tid_serving(cut_data_dir.root, ["--workers", "1", "--max-concurrent", "4", "--timeout", "2",
                                         "--queue-wait", "1", "--access-log", ""], log) as root:
        yield root
