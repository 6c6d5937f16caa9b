"""The endpoint's configuration: defaults, overridden by ``TID_*`` environment variables
(``TID_QUERY_TIMEOUT=10``, ``TID_SERVICE_ALLOWLIST='["query.wikidata.org"]'``…; values are read
as JSON when they parse as JSON) and then by the mapping given to ``create_app``.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any


class Defaults:
    # Where the releases are (``tid build --data-dir``); TID_DATA_DIR sets it too.
    DATA_DIR = "var"
    # The public URL of the server root (e.g. "https://example.org/"): what the service
    # description and VoID call this endpoint. Default: the URL the request came to.
    PUBLIC_URL: str | None = None
    # A SPARQL 1.1 Protocol query service holding the release's graphs (``tid push``), e.g.
    # "http://127.0.0.1:7878/query": every query and page reads it instead of the embedded store;
    # DATA_DIR still gives the release's manifest and dumps. TID_BACKEND_URL sets it too. None: embedded.
    BACKEND_URL: str | None = None
    # Number of proxies in front whose X-Forwarded-For/-Proto/-Host/-Prefix are trusted (0: none).
    TRUST_PROXY_HEADERS = 0

    # Time budget of one query, seconds; past it the worker is killed and the client gets 503.
    QUERY_TIMEOUT = 30.0
    # Longest query accepted, in characters (413 beyond).
    MAX_QUERY_LENGTH = 100_000
    # Most rows (SELECT) or triples (CONSTRUCT/DESCRIBE) in one response, and most bytes.
    MAX_ROWS = 100_000
    MAX_BYTES = 50_000_000
    # Worker processes, i.e. queries running at once in one server process.
    MAX_CONCURRENT_QUERIES = 4
    # How long a request waits for a free worker before 503 "busy", seconds.
    QUEUE_WAIT = 1.0
    # Retry-After of the 503 answers, seconds.
    RETRY_AFTER = 10
    # Address-space limit of a worker, MiB (None: no limit). A query that needs more fails 503.
    WORKER_MEMORY_MB: int | None = 4096
    # "forkserver" (default) or "spawn"; never "fork" from a threaded server.
    WORKER_START_METHOD = "forkserver"

    # Federated queries: off by default; when on, only to the hosts (or host:port) listed.
    FEDERATION = False
    SERVICE_ALLOWLIST: tuple[str, ...] = ()

    # HTTP caching of query answers (a release never changes; a new one changes the ETag).
    CACHE_MAX_AGE = 300
    CORS_MAX_AGE = 86_400
    # How often the live release link is checked for a newly published build, seconds.
    RELEASE_CHECK_INTERVAL = 5.0

    # The map's background tiles ({s} subdomain, {z}/{x}/{y}); empty: no tiles, the shapes alone.
    # Its host is the only other one the pages' Content-Security-Policy lets images come from.
    MAP_TILE_URL = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    MAP_TILE_ATTRIBUTION = "© OpenStreetMap contributors"

    # Pages of things: incoming links and memberships per page; descriptions kept per release.
    RESOURCE_PAGE_SIZE = 100
    RESOURCE_CACHE_SIZE = 64
    # Datasets per page of /catalog (a catalogue this small or smaller is one document).
    CATALOG_PAGE_SIZE = 100
    # URLs per sitemap (sitemaps.org allows 50,000); above it, a sitemap index of parts.
    SITEMAP_MAX_URLS = 50_000
    # Build the search index in the background on the first request of a release.
    SEARCH_WARM_UP = True

    JSON_AS_ASCII = False

    # Answers of successful queries kept in each server process for the release served, MiB
    # (a fraction is allowed; 0 disables). Each gunicorn server process has its own cache, so
    # the memory is up to workers × this. See tid.endpoint.result_cache.
    RESULT_CACHE_MB: float = 256


def normalise(config: MutableMapping[str, Any]) -> None:
    """Coerce values that may come from the environment as strings."""
    for key in ("QUERY_TIMEOUT", "QUEUE_WAIT", "RELEASE_CHECK_INTERVAL"):
        config[key] = float(config[key])
    for key in ("TRUST_PROXY_HEADERS", "MAX_QUERY_LENGTH", "MAX_ROWS", "MAX_BYTES", "MAX_CONCURRENT_QUERIES", "RETRY_AFTER",
                "CACHE_MAX_AGE", "CORS_MAX_AGE", "RESOURCE_PAGE_SIZE", "RESOURCE_CACHE_SIZE", "CATALOG_PAGE_SIZE",
                "SITEMAP_MAX_URLS"):
        config[key] = int(config[key])
    for key in ("FEDERATION", "SEARCH_WARM_UP"):
        if isinstance(config.get(key), str):
            config[key] = config[key].strip().lower() in ("1", "true", "yes", "on")
    if config.get("WORKER_MEMORY_MB") in ("", 0, "0", "none", "None"):
        config["WORKER_MEMORY_MB"] = None
    elif config.get("WORKER_MEMORY_MB") is not None:
        config["WORKER_MEMORY_MB"] = int(config["WORKER_MEMORY_MB"])
    allow = config.get("SERVICE_ALLOWLIST") or ()
    if isinstance(allow, str):
        allow = [part for part in allow.replace(",", " ").split() if part]
    config["SERVICE_ALLOWLIST"] = frozenset(str(host).strip().lower().rstrip(".") for host in allow)
    # The body may hold a URL-encoded query (up to 3 bytes per character) and a few parameters.
    config.setdefault("MAX_CONTENT_LENGTH", None)
    if not config["MAX_CONTENT_LENGTH"]:
        config["MAX_CONTENT_LENGTH"] = config["MAX_QUERY_LENGTH"] * 3 + 64 * 1024
    config["BACKEND_URL"] = str(config.get("BACKEND_URL") or "").strip() or None
    cache_mb = config.get("RESULT_CACHE_MB")
    config["RESULT_CACHE_MB"] = float(cache_mb) if cache_mb not in (None, "", "none", "None") else 0.0
