"""The release being served: its store (read-only), its manifest, the query pool, and what is
computed once per release (service description counts, VoID). Kept in ``app.extensions["tid"]``
by :func:`install`; a request reaches it through :func:`current_release` (or :func:`current_live`
for the pool), and nothing else reads that extension.

The ``current`` link of the data directory is re-read at most every ``RELEASE_CHECK_INTERVAL``
seconds; when a build has published a new release, the next requests use it (new store, new
ETags) and the workers open it with their next job. The old store stays open until then.

With a backend URL (``BACKEND_URL``, ``tid serve --backend``), the release's store is a
:class:`~tid.endpoint.remote.RemoteStore` over that SPARQL server, which holds the pushed graphs;
the data directory still gives the manifest (release id, base, counts, dumps). Every page and every
query then reads the server, through the same calls.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app
from pyoxigraph import Store

from tid.endpoint.pool import QueryPool
from tid.endpoint.remote import RemoteStore, release_graphs
from tid.errors import ConfigError
from tid.graph.store import MERGE_GRAPH, DataDir

T = TypeVar("T")
log = logging.getLogger("tid.endpoint")
EXTENSION = "tid"


@dataclass
class Release:
    path: Path
    manifest: dict[str, Any]
    store: Store | RemoteStore
    computed: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    key_locks: dict[str, threading.Lock] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.manifest.get("release") or self.path.name)

    @functools.cached_property
    def store_path(self) -> str:
        return str(self.path / "store")

    @property
    def backend(self) -> RemoteStore | None:
        """The remote store the queries run on, or None when the release's own store is used."""
        return self.store if isinstance(self.store, RemoteStore) else None

    @property
    def base(self) -> str:
        return str(self.manifest["base"])

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per release and key (service description counts, VoID, home page…).
        Each key has its own lock, so a slow computation holds back only those waiting for it."""
        if key in self.computed:
            return self.computed[key]
        with self.lock:
            key_lock = self.key_locks.setdefault(key, threading.Lock())
        with key_lock:
            if key not in self.computed:
                self.computed[key] = compute()
            return self.computed[key]


def open_release(data_dir: DataDir, backend: str | None = None, timeout: float = 30.0) -> Release:
    """The live release of ``data_dir``: its manifest, and its store opened read-only, or the
    remote server ``backend`` (queried with an HTTP timeout of ``timeout`` seconds)."""
    path = data_dir.current_release()
    if path is None:
        raise ConfigError(f"no built graph in {data_dir.root}: run `tid build --data-dir {data_dir.root}` first")
    manifest = json.loads((path / "build.json").read_text(encoding="utf-8"))
    if backend:
        return Release(path, manifest, RemoteStore(backend, release_graphs(manifest), timeout,
                                                   merge_graph=f"{manifest['base']}graph/{MERGE_GRAPH}"))
    return Release(path, manifest, Store.read_only(str(path / "store")))


class Live:
    def __init__(self, data_dir: DataDir, pool: QueryPool, check_interval: float, *, backend: str | None = None,
                 timeout: float = 30.0):
        self.data_dir = data_dir
        self.pool = pool
        self.check_interval = check_interval
        self.backend = backend
        self.timeout = timeout
        self._release = open_release(data_dir, backend, timeout)
        self._checked = time.monotonic()
        self._lock = threading.Lock()

    @property
    def release(self) -> Release:
        now = time.monotonic()
        if now - self._checked >= self.check_interval:
            with self._lock:
                if now - self._checked >= self.check_interval:
                    self._checked = now
                    current = self.data_dir.current_release()
                    if current is not None and current != self._release.path:
                        try:
                            self._release = open_release(self.data_dir, self.backend, self.timeout)
                        except Exception:  # noqa: BLE001 - keep serving the release we have
                            log.exception("could not open the new release %s; still serving %s", current, self._release.path)
        return self._release

    def close(self) -> None:
        self.pool.close()


def install(app: Flask, live: Live) -> None:
    """Make ``live`` what the requests of ``app`` serve."""
    app.extensions[EXTENSION] = live


def live_of(app: Flask) -> Live:
    return app.extensions[EXTENSION]


def current_live() -> Live:
    """The live release and query pool of the app handling this request."""
    return current_app.extensions[EXTENSION]


def current_release() -> Release:
    """The release this request is answered from (a new build is noticed here)."""
    return current_app.extensions[EXTENSION].release
