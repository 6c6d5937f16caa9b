"""Shared fixtures (what is not a fixture is in ``tests/helpers.py``). Tests never reach the
internet: a guard refuses any non-loopback connection.

Two data sets:

* ``cut_sources``: a source list over ``tests/data/mirror`` (small cuts of the real files,
  made by ``tests/data/make_mirror.py``), with the cuts' checksums, for fast build tests, and
  ``cut_data_dir``, a release built from it once per session;
* ``real_build``: the whole graph built once per session from the real mirror
  (``TID_MIRROR``, default ``../shared/data`` beside the checkout), for the tests that check
  answers on the real data.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import CUT_MIRROR, real_mirror, write_source_list
from tid.graph.build import BuildOptions, build
from tid.graph.store import DataDir, open_read_only


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden files of loader tests")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test of the whole graph (``real_build``, ``real_store``) must say so: ``-m "not slow"``
    leaves it out."""
    unmarked = [item.nodeid for item in items
                if "real_build" in getattr(item, "fixturenames", ()) and item.get_closest_marker("slow") is None]
    if unmarked:
        raise pytest.UsageError("tests of the whole graph without @pytest.mark.slow: " + ", ".join(unmarked))


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if self.family == socket.AF_UNIX or str(host) in {"127.0.0.1", "::1", "localhost"}:
            return real_connect(self, address)
        raise RuntimeError(f"tests must not reach the network (tried {address!r})")

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def cut_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_source_list(tmp_path_factory.mktemp("sources") / "sources.toml", CUT_MIRROR)


@pytest.fixture(scope="session")
def cut_data_dir(tmp_path_factory: pytest.TempPathFactory, cut_sources: Path) -> DataDir:
    """A release built from the cut mirror, once per session (the endpoint and browser tests')."""
    data_dir = DataDir(tmp_path_factory.mktemp("endpoint-data"))
    build(BuildOptions(data_dir=data_dir, mirror=CUT_MIRROR, source_list=cut_sources))
    return data_dir


@pytest.fixture(scope="session")
def manifest(cut_data_dir: DataDir) -> dict[str, Any]:
    manifest = cut_data_dir.current_manifest()
    assert manifest is not None
    return manifest


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory):
    """The whole graph, built once from the real mirror; yields (DataDir, manifest)."""
    data_dir = DataDir(tmp_path_factory.mktemp("real"))
    result = build(BuildOptions(data_dir=data_dir, mirror=real_mirror(), dumps=True))
    return data_dir, result.manifest


@pytest.fixture(scope="session")
def real_store(real_build):
    data_dir, _manifest = real_build
    return open_read_only(data_dir)
