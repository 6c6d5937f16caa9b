"""Shared fixtures. Tests never reach the internet: a guard refuses any non-loopback connection.

Two data sets:

* ``cut_sources``: a source list over ``tests/data/mirror`` (small cuts of the real files,
  made by ``tests/data/make_mirror.py``), with the cuts' checksums, for fast build tests;
* ``real_build``: the whole graph built once per session from the real mirror
  (``TID_MIRROR``, default ``../shared/data`` beside the checkout), for the tests that check
  answers on the real data.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"
CUT_MIRROR = TEST_DATA / "mirror"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden files of loader tests")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if self.family == socket.AF_UNIX or str(host) in {"127.0.0.1", "::1", "localhost"}:
            return real_connect(self, address)
        raise RuntimeError(f"tests must not reach the network (tried {address!r})")

    monkeypatch.setattr(socket.socket, "connect", guarded)


def real_mirror() -> Path:
    path = Path(os.environ.get("TID_MIRROR") or REPO.parent / "shared" / "data").resolve()
    if not (path / "SOURCES.md").is_file():
        pytest.fail(f"the real data mirror is not at {path}: set TID_MIRROR")
    return path


def write_source_list(target: Path, mirror: Path) -> Path:
    """The packaged source list with checksums taken from ``mirror`` and absolute project paths."""
    text = (REPO / "sources.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    for entry in data["source"]:
        if entry.get("mirror") and entry.get("sha256"):
            actual = hashlib.sha256((mirror / entry["mirror"]).read_bytes()).hexdigest()
            text = text.replace(entry["sha256"], actual)
        if entry.get("path"):
            text = text.replace(f'path = "{entry["path"]}"', f'path = "{REPO / entry["path"]}"')
        for relative in entry.get("project_files", {}).values():
            text = text.replace(f'"{relative}"', f'"{REPO / relative}"')
    target.write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def cut_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_source_list(tmp_path_factory.mktemp("sources") / "sources.toml", CUT_MIRROR)


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory):
    """The whole graph, built once from the real mirror; yields (DataDir, manifest)."""
    from tid.graph.build import BuildOptions, build
    from tid.graph.store import DataDir

    data_dir = DataDir(tmp_path_factory.mktemp("real"))
    result = build(BuildOptions(data_dir=data_dir, mirror=real_mirror(), dumps=True))
    return data_dir, result.manifest


@pytest.fixture(scope="session")
def real_store(real_build):
    from tid.graph.store import open_read_only

    data_dir, _manifest = real_build
    return open_read_only(data_dir)


# -- servers the tests start on localhost -------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` server of the test dependencies (beside this Python first), or None."""
    return shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")


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
