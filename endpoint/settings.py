"""The endpoint's settings, read once and typed once: :class:`Settings`.

:meth:`Settings.read` takes the defaults (the fields below), overrides them with the ``TID_*``
environment variables (``TID_QUERY_TIMEOUT=10``, ``TID_SERVICE_ALLOWLIST='["query.wikidata.org"]'``…;
values are read as JSON when they parse as JSON), then with the mapping given to ``create_app``
(or built by ``tid serve`` from its options), and coerces each value to its field's type. A
``TID_*`` variable that is neither a setting nor one the commands read
(:data:`tid.environment.COMMAND_VARIABLES`) is reported in a warning naming it: a typo there
would otherwise be ignored silently. ``create_app`` puts the settings in the app's config, and
``tid serve`` sizes gunicorn from the same object.
"""

from __future__ import annotations

import difflib
import json
import logging
import typing
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from tid.environment import COMMAND_VARIABLES, DEFAULT_DATA_DIR, PREFIX, prefixed
from tid.errors import ConfigError
from tid.graph.sparql_http import redact

log = logging.getLogger("tid.endpoint")


@dataclass(frozen=True)
class Settings:
    # Where the releases are (``tid build --data-dir``); TID_DATA_DIR sets it too.
    DATA_DIR: str = DEFAULT_DATA_DIR
    # The public URL of the server root (e.g. "https://example.org/"): what the service
    # description and VoID call this endpoint. Default: the URL the request came to.
    PUBLIC_URL: str | None = None
    # A SPARQL 1.1 Protocol query service holding the release's graphs (``tid push``), e.g.
    # "http://127.0.0.1:7878/query": every query and page reads it instead of the embedded store;
    # DATA_DIR still gives the release's manifest and dumps. TID_BACKEND_URL sets it too. None: embedded.
    BACKEND_URL: str | None = None
    # Number of proxies in front whose X-Forwarded-For/-Proto/-Host/-Prefix are trusted (0: none).
    TRUST_PROXY_HEADERS: int = 0

    # Time budget of one query, seconds; past it the worker is killed and the client gets 503.
    QUERY_TIMEOUT: float = 30.0
    # Longest query accepted, in characters (413 beyond).
    MAX_QUERY_LENGTH: int = 100_000
    # Most rows (SELECT) or triples (CONSTRUCT/DESCRIBE) in one response, and most bytes.
    MAX_ROWS: int = 100_000
    MAX_BYTES: int = 50_000_000
    # Query processes, i.e. queries running at once in the pool of one server process (bounded
    # lookups run in the server's own threads, outside the pool: the cheap lane of protocol._run).
    MAX_CONCURRENT_QUERIES: int = 2
    # Of those, how many one client (its address; X-Forwarded-For's with TRUST_PROXY_HEADERS) may
    # hold at once; past it, 429 too-many-queries with Retry-After. None: all but one (1 with the
    # default pool of 2), so that one is always left for the others. A bounded lookup (the cheap
    # lane) never counts.
    MAX_QUERIES_PER_CLIENT: int | None = None
    # Seconds from a request's first byte to its last under ``tid serve``; past it, 408 and the
    # connection closed: a slow client never holds a thread (tid.endpoint.request_buffer).
    REQUEST_READ_TIMEOUT: float = 10.0
    # How long a request waits for a free worker before 503 "busy", seconds.
    QUEUE_WAIT: float = 1.0
    # Retry-After of the 503 answers, seconds.
    RETRY_AFTER: int = 10
    # Address-space limit of a worker, MiB (None, or 0: no limit). A query that needs more fails 503.
    WORKER_MEMORY_MB: int | None = 4096
    # Address space all the query processes of one ``tid serve`` may use together, MiB (default:
    # half the machine's memory; 0: no total). ``tid serve`` gives each query process its share,
    # WORKER_MEMORY_MB at most, and refuses to start when a share is too small to run queries.
    SERVER_MEMORY_MB: int | None = None
    # "forkserver" (default) or "spawn"; never "fork" from a threaded server.
    WORKER_START_METHOD: str = "forkserver"

    # Federated queries: off by default; when on, only to the hosts (or host:port) listed.
    FEDERATION: bool = False
    SERVICE_ALLOWLIST: frozenset[str] = frozenset()

    # HTTP caching of query answers (a release never changes; a new one changes the ETag).
    CACHE_MAX_AGE: int = 300
    CORS_MAX_AGE: int = 86_400
    # How often the live release link is checked for a newly published build, seconds.
    RELEASE_CHECK_INTERVAL: float = 5.0

    # The map's background tiles ({s} subdomain, {z}/{x}/{y}); empty: no tiles, the shapes alone.
    # Its host is the only other one the pages' Content-Security-Policy lets images come from.
    MAP_TILE_URL: str = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    MAP_TILE_ATTRIBUTION: str = "© OpenStreetMap contributors"

    # Pages of things: incoming links and memberships per page; descriptions kept per release.
    RESOURCE_PAGE_SIZE: int = 100
    RESOURCE_CACHE_SIZE: int = 64
    # Datasets per page of /catalog (a catalogue this small or smaller is one document).
    CATALOG_PAGE_SIZE: int = 100
    # URLs per sitemap (sitemaps.org allows 50,000); above it, a sitemap index of parts.
    SITEMAP_MAX_URLS: int = 50_000
    # Build the search index in the background on the first request of a release, rather than on
    # the first request that needs it (a search, a citation, a query form's lookup). Off by
    # default: the index is about 70 MB and a minute of CPU on 2 cores per server process, paid by
    # every process whether or not it is ever asked to search.
    SEARCH_WARM_UP: bool = False

    # Answers of successful queries kept in each server process for the release served, MiB
    # (a fraction is allowed; 0 disables). Each gunicorn server process has its own cache, so
    # the memory is up to workers × this, inside the server's memory budget (under 400 MB for the
    # whole server with the defaults). See tid.endpoint.result_cache.
    RESULT_CACHE_MB: float = 32

    # Flask's limit on a request body; by default what a URL-encoded query of MAX_QUERY_LENGTH
    # characters (up to 3 bytes per character) and a few parameters take.
    MAX_CONTENT_LENGTH: int | None = None

    @classmethod
    def read(cls, config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults, then the ``TID_*`` variables of ``environ`` (the process's by default), then
        ``config``; typed. Keys of ``config`` that are not settings (Flask's own) are left to the caller."""
        given: dict[str, Any] = {}
        unknown = []
        for name, raw in prefixed(environ).items():
            if name in _TYPES:
                given[name] = _json_or_text(raw)
            elif name not in COMMAND_VARIABLES:
                unknown.append(PREFIX + name)
        if unknown:
            log.warning("unknown environment variable%s, ignored: %s (the settings are the fields of "
                        "tid.endpoint.settings.Settings)", "s" if len(unknown) > 1 else "",
                        ", ".join(_with_guess(name) for name in sorted(unknown)))
        given.update({key: value for key, value in (config or {}).items() if key in _TYPES})
        settings = cls(**{key: _coerce(key, value) for key, value in given.items()})
        settings.check()
        if not settings.MAX_CONTENT_LENGTH:
            settings = replace(settings, MAX_CONTENT_LENGTH=settings.MAX_QUERY_LENGTH * 3 + 64 * 1024)
        return settings

    def check(self) -> None:
        """Refuse, before a server starts, the values it could only fail with later (a pool of no
        query process, a backend that is not an http(s) URL): a ConfigError naming the setting."""
        positive = {"QUERY_TIMEOUT": "--timeout", "MAX_CONCURRENT_QUERIES": "--max-concurrent", "MAX_ROWS": "--max-rows",
                    "MAX_BYTES": "--max-bytes", "MAX_QUERY_LENGTH": "--max-query-length",
                    "REQUEST_READ_TIMEOUT": "--read-timeout"}
        for name, option in positive.items():
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} ({option} or {PREFIX}{name}) must be above 0, not {getattr(self, name)!r}")
        if self.QUEUE_WAIT < 0:
            raise ConfigError(f"QUEUE_WAIT (--queue-wait or {PREFIX}QUEUE_WAIT) must be 0 or more, not {self.QUEUE_WAIT!r}")
        if self.BACKEND_URL is not None:
            parts = urllib.parse.urlsplit(self.BACKEND_URL)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(f"the backend ({PREFIX}BACKEND_URL, --backend) must be the http(s) URL of a SPARQL "
                                  f"query service, not {redact(self.BACKEND_URL)!r}")

    def as_config(self) -> dict[str, Any]:
        """The settings as Flask config keys."""
        return asdict(self)


def _with_guess(variable: str) -> str:
    known = [PREFIX + name for name in (*_TYPES, *COMMAND_VARIABLES)]
    close = difflib.get_close_matches(variable, known, n=1)
    return f"{variable} (did you mean {close[0]}?)" if close else variable


def _json_or_text(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _optional(convert: Callable[[Any], Any], *, zero_is_none: bool = False) -> Callable[[Any], Any]:
    def coerce(value: Any) -> Any:
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
            return None
        converted = convert(value.strip() if isinstance(value, str) else value)
        return None if zero_is_none and not converted else converted
    return coerce


def _hosts(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return frozenset(str(host).strip().lower().rstrip(".") for host in value or ())


def _cache_mb(value: Any) -> float:
    return 0.0 if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")) else float(value)


_CONVERTERS: dict[Any, Callable[[Any], Any]] = {
    str: str,
    int: int,
    float: float,
    bool: _flag,
    str | None: _optional(str),
    int | None: _optional(int),
    frozenset[str]: _hosts,
}
# Where a field's type alone does not say how to read it.
_SPECIAL: dict[str, Callable[[Any], Any]] = {
    "WORKER_MEMORY_MB": _optional(int, zero_is_none=True),
    "SERVER_MEMORY_MB": _optional(int),
    "RESULT_CACHE_MB": _cache_mb,
}
_TYPES: dict[str, Any] = {field.name: typing.get_type_hints(Settings)[field.name] for field in fields(Settings)}
NAMES = frozenset(_TYPES)
"""The settings' names (config keys; ``TID_`` + name in the environment)."""


def _coerce(key: str, value: Any) -> Any:
    return (_SPECIAL.get(key) or _CONVERTERS[_TYPES[key]])(value)
