"""Answers of successful queries kept in the server process, per data release.

A release is immutable: the answer of a given query, in a given format, over a given dataset,
with given bound parameters and limits never changes while the release is served. So the
endpoint keeps the bytes of successful answers and serves them again without a round-trip to a
query process. The key is the query's ETag (:func:`tid.endpoint.protocol.answer` hashes the
release id, the query text, the result formats, the dataset, the substitutions and the limits
into it), so an answer is reused exactly when its ETag would be the same.

Two levels, one byte budget (``RESULT_CACHE_MB``, 0 disables the cache):

* **answers** by ETag: ``answer()`` looks there after negotiation and before the pool, for every
  method and route (``/sparql`` GET and POST, ``/queries/{name}``);
* **requests**: the raw ``GET`` (path, query string and ``Accept`` header) that led to an
  answer. :class:`FastPath`, a WSGI middleware in front of Flask, replays the stored response of
  such a request without entering Flask at all (no routing, no parsing, no negotiation): this
  is what lets a repeated lookup cost about what the HTTP server costs. A request with
  ``If-None-Match`` or any other method goes through Flask (which still finds the answer by
  its ETag).

What is stored is the final response of the miss: the same status, body and headers (ETag,
Content-Type, Vary, Cache-Control, CORS, X-TID-*) are served on a hit, except ``Cache-Status``
(RFC 9211: ``tid; hit`` on a hit; ``tid; fwd=miss; stored`` or ``tid; fwd=miss`` on a miss)
and ``Server-Timing`` (``query;dur=0.0;desc="cache hit"``: no query ran).

Not stored:

* errors of every kind, time-outs and refusals (nothing reaches the cache but a 200);
* **truncated answers** (``X-TID-Truncated``): their body links to a page built from the URL the
  request came to (when ``PUBLIC_URL`` is unset), so their bytes are not a function of the key
  alone; they are the largest answers by construction (a few would flush hundreds of ordinary
  ones); and a cut answer is a signal to refine the query, not one worth serving faster;
* an answer larger than a quarter of the budget (so that one answer never empties the cache);
* ``HEAD`` answers (their body is not sent, so there is nothing to keep; a HEAD after a stored
  GET is answered from it through Flask);
* a response that sets a cookie (something meant for one client).

A client's ``Cache-Control: no-cache`` does not bypass the cache: an answer can not be stale
while its release is served, and the release is part of the key.

Least recently used answers go first when the budget is exceeded; all of them go when the
release changes (the cache is told the release of every lookup and store, and forgets
everything the first time it sees another one). The accounting counts bodies, headers and keys
plus a fixed overhead per entry, so the budget bounds the memory the cache holds, not exactly
the process's RSS.

gunicorn runs several server processes and each has its own cache: a query is computed once
per server process, and the hit rate of a repeated query is reached after each process has
answered it once. The total memory is ``workers × RESULT_CACHE_MB``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

CACHE_NAME = "tid"
HIT = f"{CACHE_NAME}; hit"
MISS_STORED = f"{CACHE_NAME}; fwd=miss; stored"
MISS = f"{CACHE_NAME}; fwd=miss"
HIT_TIMING = 'query;dur=0.0;desc="cache hit"'
# What ``answer()`` leaves in the WSGI environ for FastPath: (release id, ETag, False) of a
# storable miss, or (release id, ETag, True) of a hit to remember under this request's key.
ENVIRON_KEY = "tid.result_cache"
ENTRY_OVERHEAD = 512  # bytes of Python objects around each entry (dict slots, tuples, the entry)
MAX_ALIASES = 16  # raw requests remembered per answer (spellings of the same query and Accept)

RequestKey = tuple[str, str, str, str | None]
Headers = list[tuple[str, str]]


@dataclass(eq=False)
class Entry:
    """One stored answer: the body and the headers a hit is served with."""

    key: str
    body: bytes
    headers: Headers  # final response headers, Cache-Status and Server-Timing those of a hit
    size: int
    aliases: list[RequestKey] = field(default_factory=list)


def hit_headers(headers: Iterable[tuple[str, str]]) -> Headers:
    """The headers of a miss, turned into those of a hit."""
    out: Headers = []
    for name, value in headers:
        lower = name.lower()
        if lower == "cache-status":
            value = HIT
        elif lower == "server-timing":
            value = HIT_TIMING
        out.append((name, value))
    return out


def _request_key_size(key: RequestKey) -> int:
    return sum(len(part) for part in key if part) + 64


class ResultCache:
    """A thread-safe LRU of answers bounded by ``max_bytes`` (0: disabled), for one release at a time."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max(0, int(max_bytes))
        self.max_entry = self.max_bytes // 4
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._requests: dict[RequestKey, Entry] = {}
        self._release: str | None = None
        self._bytes = 0
        self._lock = threading.Lock()
        self.stats = {"hits": 0, "misses": 0, "stored": 0, "evicted": 0, "cleared": 0}

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @property
    def size(self) -> int:
        """Bytes accounted for by the entries held now."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    # -- under the lock -------------------------------------------------------------------------

    def _switch(self, release: str) -> None:
        """Forget everything when ``release`` is not the one the entries belong to."""
        if release != self._release:
            if self._entries:
                self.stats["cleared"] += 1
            self._entries.clear()
            self._requests.clear()
            self._bytes = 0
            self._release = release

    def _evict(self) -> None:
        while self._bytes > self.max_bytes and self._entries:
            _, entry = self._entries.popitem(last=False)
            self._bytes -= entry.size
            for alias in entry.aliases:
                if self._requests.get(alias) is entry:
                    del self._requests[alias]
            self.stats["evicted"] += 1

    def _alias(self, entry: Entry, request_key: RequestKey) -> None:
        if request_key in self._requests or len(entry.aliases) >= MAX_ALIASES:
            return
        added = _request_key_size(request_key)
        entry.aliases.append(request_key)
        entry.size += added
        self._bytes += added
        self._requests[request_key] = entry

    # -- the API --------------------------------------------------------------------------------

    def get(self, release: str, key: str) -> Entry | None:
        """The answer stored under ``key`` (an ETag) for ``release``, marked as recently used."""
        if not self.enabled:
            return None
        with self._lock:
            self._switch(release)
            entry = self._entries.get(key)
            if entry is None:
                self.stats["misses"] += 1
                return None
            self._entries.move_to_end(key)
            self.stats["hits"] += 1
            return entry

    def replay(self, release: str, request_key: RequestKey) -> Entry | None:
        """The answer a previous identical GET got, if still held (the fast path)."""
        if not self._requests:  # also when disabled; an unlocked read only means going through Flask
            return None
        with self._lock:
            self._switch(release)
            entry = self._requests.get(request_key)
            if entry is None:
                return None
            self._entries.move_to_end(entry.key)
            self.stats["hits"] += 1
            return entry

    def store(self, release: str, key: str, body: bytes, headers: Iterable[tuple[str, str]],
              request_key: RequestKey | None = None) -> bool:
        """Keep a successful answer (``headers`` those of the miss); False when it is not kept."""
        hit = hit_headers(headers)
        size = len(body) + len(key) + ENTRY_OVERHEAD + sum(len(n) + len(v) + 16 for n, v in hit)
        if not admits(self, len(body)):
            return False
        with self._lock:
            if self._release is not None and release != self._release:
                return False  # asked under the previous release: not an answer of this one
            self._switch(release)
            entry = self._entries.get(key)
            if entry is None:
                entry = Entry(key, body, hit, size)
                self._entries[key] = entry
                self._bytes += size
                self.stats["stored"] += 1
            self._entries.move_to_end(key)
            if request_key is not None:
                self._alias(entry, request_key)
            self._evict()
            return key in self._entries

    def remember(self, release: str, key: str, request_key: RequestKey) -> None:
        """Let the fast path serve ``request_key`` from the answer stored under ``key``."""
        with self._lock:
            if release != self._release:
                return
            entry = self._entries.get(key)
            if entry is not None:
                self._alias(entry, request_key)
                self._evict()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._requests.clear()
            self._bytes = 0


def admits(cache: ResultCache, body_size: int) -> bool:
    """Whether an answer with a body of ``body_size`` bytes may be stored at all (headers aside)."""
    return cache.enabled and body_size + ENTRY_OVERHEAD <= cache.max_entry


def _personal(headers: Iterable[tuple[str, str]]) -> bool:
    """Whether a response carries something meant for this client alone (a cookie): never replayed."""
    return any(name.lower() == "set-cookie" for name, _ in headers)


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def request_key(environ: dict[str, Any]) -> RequestKey:
    """What identifies a GET for the fast path: path, raw query string and ``Accept`` (the only
    header an answer varies with: ``Vary: Accept``)."""
    return (environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT"))


class FastPath:
    """WSGI middleware: replay a stored answer for a GET seen before; store what ``answer()`` marks.

    ``release`` gives the id of the release being served now (it also notices a new one). A GET
    with ``If-None-Match`` goes through Flask, which answers 304 by the ETag.
    """

    def __init__(self, app: WSGIApp, cache: ResultCache, release: Callable[[], str]):
        self.app = app
        self.cache = cache
        self.release = release

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        cache = self.cache
        if not cache.enabled:
            return self.app(environ, start_response)
        fast = environ.get("REQUEST_METHOD") == "GET" and "HTTP_IF_NONE_MATCH" not in environ
        key = request_key(environ) if fast else None
        if key is not None:
            entry = cache.replay(self.release(), key)
            if entry is not None:
                start_response("200 OK", list(entry.headers))
                return [entry.body]
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        iterable = self.app(environ, capture)
        mark = environ.get(ENVIRON_KEY)
        if mark is None or not captured or not captured[0].startswith("200") or _personal(captured[1]):
            return iterable
        release, etag, stored = mark
        if stored:  # a hit inside Flask: remember this spelling of the request
            if key is not None:
                cache.remember(release, etag, key)
            return iterable
        try:
            body = b"".join(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        cache.store(release, etag, body, captured[1], key)
        return [body]


EXTENSION = "tid.result_cache"


def install(app: Flask, release: Callable[[], str]) -> ResultCache:
    """Give ``app`` its answer cache (``RESULT_CACHE_MB``) and, when it is on, put the fast path
    in front of it; ``release`` gives the id of the release being served."""
    cache = ResultCache(int(float(app.config.get("RESULT_CACHE_MB") or 0) * 1024 * 1024))
    app.extensions[EXTENSION] = cache
    if cache.enabled:
        app.wsgi_app = FastPath(app.wsgi_app, cache, release)  # type: ignore[method-assign]
    return cache


def result_cache_of(app: Flask) -> ResultCache:
    return app.extensions[EXTENSION]
