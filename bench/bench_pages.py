"""Resource pages benchmark: prints figures, asserts nothing.
``python bench/bench_pages.py --data-dir DIR [--requests 200] [--territory PATH] [--commune PATH]``.

The Flask app runs in this process (``create_app`` over the live release of ``--data-dir``) and
is called through its test client, so the figures are those of the application (queries,
description, rendering, serialisation) without a network or a WSGI server in front. Each cell
sends ``--requests`` sequential requests after a warm-up, without ``If-None-Match`` (every answer
is computed), and prints p50, p99, the mean and the size of the answer:

* the HTML page of a large territory (by default the one with the most member communes among
  a few well-known large ones; ``--territory`` picks another), and its Turtle;
* the Turtle and the HTML of a commune (``--commune``, default Melun);
* the territory's map (``/geo``: perimeter, member communes' points at a date, sites), cached
  and uncached (a new date each request);
* each of these twice: with the resource snapshots off (``RESOURCE_CACHE_SIZE=0``: every
  request runs the description's queries) and on (as deployed: the same resource asked again,
  for another page, date, format or language, skips them);
* the same two resources through the SPARQL endpoint's query path as a ``DESCRIBE``
  (the query of ``queries/resource-describe.rq`` bound to the IRI and sent to ``/sparql``, an
  internal query having no ``/queries/{name}`` address — a query process of the pool, the
  time budget, the serialisation), in Turtle. The endpoint's result cache is off
  (``RESULT_CACHE_MB=0``) unless ``--result-cache`` is given, so that both sides compute.

A DESCRIBE gives the resource's own triples only; the document also gives the names of what it
links to, the incoming links (counted, paged), the memberships, sites, measures and sources.
The goal of the issue: the HTML of a territory of 100+ communes under 100 ms at p50.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak import percentile  # noqa: E402

BASE_FALLBACK = "https://w3id.org/territoires-industrie/"
# Large territories of the real data (many member communes), tried in this order; the first
# that exists with the most communes is measured. The cut test data has none of them, so
# Melun – Villaroche (20 communes) stands in there.
LARGE_TERRITORIES = (
    "territoire/2023-2027/ti-7510",
    "territoire/2018-2023/ti-4415",
    "territoire/2018-2023/ti-7505",
    "territoire/2018-2023/ti-2706",
    "territoire/2023-2027/ti-1107",
)


def measure(client, url: str | Callable[[int], str], accept: str, requests: int, warmup: int = 5) -> dict[str, float]:
    """``url``: one URL, or the URL of the i-th request (a new date each time: nothing cached)."""
    address = url if callable(url) else (lambda _i: url)
    for number in range(warmup):
        client.get(address(-1 - number), headers={"Accept": accept})
    timings: list[float] = []
    size = 0
    status = 0
    for number in range(requests):
        started = time.perf_counter()
        response = client.get(address(number), headers={"Accept": accept})
        body = response.data
        timings.append((time.perf_counter() - started) * 1000)
        size, status = len(body), response.status_code
    return {"p50": percentile(timings, 0.5), "p99": percentile(timings, 0.99), "mean": statistics.fmean(timings),
            "bytes": size, "status": status}


def day(number: int) -> str:
    """A distinct date of the 2023-2027 phase for each request number (warm-up: negative)."""
    return (date(2024, 1, 1) + timedelta(days=number % 1000 + (1000 if number < 0 else 0))).isoformat()


def pick_territory(app, candidates: tuple[str, ...]) -> tuple[str, int]:
    """The candidate with the most member communes, and that number."""
    from tid.endpoint.describe import describe, exists, read_terms

    release = app.extensions["tid"].release
    terms = read_terms(release.store)
    best, best_count = candidates[-1], -1
    for path in candidates:
        iri = release.base + "id/" + path
        if not exists(release.store, iri):
            continue
        description = describe(release.store, terms, iri, path, base=release.base, page_size=10 ** 6)
        count = description.member_counts.get("commune", 0) if description else 0
        if count > best_count:
            best, best_count = path, count
    return best, best_count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data-dir", required=True, help="a data directory with a built graph (tid build --data-dir)")
    parser.add_argument("--requests", type=int, default=200, help="requests per cell (default 200)")
    parser.add_argument("--territory", help="path of the territory after id/ (default: the largest known)")
    parser.add_argument("--commune", default="commune/77288", help="path of the commune after id/ (default Melun)")
    parser.add_argument("--result-cache", action="store_true", help="keep the SPARQL endpoint's result cache on")
    args = parser.parse_args(argv)

    from pyoxigraph import NamedNode, Variable

    from tid.endpoint import create_app
    from tid.graph.queries import load_query, substitute

    # Two apps, one after the other: resource snapshots off (every request runs the queries) and
    # on (as deployed: a resource asked again skips them). The SPARQL cells run in the first.
    variants = (("computed", {"RESOURCE_CACHE_SIZE": 0}), ("kept", {}))
    print(f"{args.requests} requests per cell, in process; SPARQL result cache {'on' if args.result_cache else 'off'}")
    print(f"{'cell':34} {'status':>6} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'bytes':>9}")
    for number, (variant, overrides) in enumerate(variants):
        config = {"DATA_DIR": args.data_dir, "MAX_CONCURRENT_QUERIES": 2, "QUERY_TIMEOUT": 30, **overrides}
        if not args.result_cache:
            config["RESULT_CACHE_MB"] = 0
        app = create_app(config)
        try:
            client = app.test_client()
            release = app.extensions["tid"].release
            base = release.base or BASE_FALLBACK
            if args.territory:
                territory, communes = args.territory, pick_territory(app, (args.territory,))[1]
            else:
                territory, communes = pick_territory(app, LARGE_TERRITORIES)
            commune = args.commune
            if number == 0:
                print(f"# release {release.id}: territory {territory} ({communes} member communes), {commune}")

            def describe_url(path: str) -> str:
                # an internal query is not served at /queries/{name}: its text, bound, goes to /sparql
                bound = substitute(load_query("resource-describe").text,
                                   {Variable("resource"): NamedNode(base + "id/" + path)})
                return "/sparql?" + urlencode({"query": bound})

            cells = [
                (f"territory HTML   /doc ({variant})", f"/doc/{territory}", "text/html"),
                (f"territory Turtle /doc ({variant})", f"/doc/{territory}", "text/turtle"),
                (f"commune Turtle   /doc ({variant})", f"/doc/{commune}", "text/turtle"),
                (f"commune HTML     /doc ({variant})", f"/doc/{commune}", "text/html"),
            ]
            if number == 0:
                # the territory's map: its perimeter, member communes' points and sites; computed
                # once per release and date (a new date each request: every answer computed)
                cells += [("territory GeoJSON /geo (cached)", f"/geo/{territory}", "application/geo+json"),
                          ("territory GeoJSON /geo (uncached)", lambda i: f"/geo/{territory}?at={day(i)}",
                           "application/geo+json")]
                cells += [("territory DESCRIBE (SPARQL)", describe_url(territory), "text/turtle"),
                          ("commune DESCRIBE   (SPARQL)", describe_url(commune), "text/turtle")]
            for name, url, accept in cells:
                figures = measure(client, url, accept, args.requests)
                print(f"{name:34} {figures['status']:>6} {figures['p50']:>8.1f} {figures['p99']:>8.1f} "
                      f"{figures['mean']:>8.1f} {figures['bytes']:>9}")
        finally:
            app.extensions["tid"].close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
