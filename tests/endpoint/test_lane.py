"""The cheap lane: a bounded lookup (``QueryShape.bounded``: one triple pattern on a named
subject) runs in the server's thread over the release's store, not in a query process; its
answers, limits and errors are those the pool gives, and it answers while every query process is
busy with a runaway (which is still killed and answered 503)."""

from __future__ import annotations

import threading
import time

import pytest

from tests.helpers import BASE, CROSS_JOIN

MELUN = BASE + "id/commune/77288"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{MELUN}> ?p ?o }}"
# The same question, not bounded (a FILTER the lexer does not prove): it goes to a query process.
POOLED = f"SELECT ?p ?o WHERE {{ <{MELUN}> ?p ?o FILTER(true) }}"


def queries_run(app) -> int:
    return app.extensions["tid"].pool.stats["queries"]


def get(client, query: str, **params):
    return client.get("/sparql", query_string={"query": query, **params})


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_a_lookup_is_answered_without_a_query_process_and_as_the_pool_answers(make_app, embedded_only, fmt) -> None:
    app = make_app(RESULT_CACHE_MB=0)
    client = app.test_client()
    pooled = get(client, POOLED, format=fmt)
    assert pooled.status_code == 200
    run = queries_run(app)
    lane = get(client, LOOKUP, format=fmt)
    assert queries_run(app) == run  # no query process
    assert lane.status_code == 200
    assert lane.get_data() == pooled.get_data()
    assert int(lane.headers["X-TID-Rows"]) == int(pooled.headers["X-TID-Rows"]) > 3
    assert lane.headers["Content-Type"] == pooled.headers["Content-Type"]


@pytest.mark.parametrize("limit", [{"MAX_ROWS": 3}, {"MAX_BYTES": 700}])
def test_a_lookup_cut_by_a_limit_is_cut_as_in_the_pool(make_app, embedded_only, limit) -> None:
    app = make_app(RESULT_CACHE_MB=0, **limit)
    client = app.test_client()
    for fmt in ("json", "xml"):
        pooled, lane = get(client, POOLED, format=fmt), get(client, LOOKUP, format=fmt)
        assert lane.status_code == pooled.status_code == 200
        assert lane.headers["X-TID-Truncated"] == pooled.headers["X-TID-Truncated"]
        assert lane.headers["X-TID-Rows"] == pooled.headers["X-TID-Rows"]
        assert lane.get_data() == pooled.get_data()
        assert len(lane.get_data()) <= limit.get("MAX_BYTES", 10**9)


def test_a_malformed_lookup_is_a_400_from_the_lane(make_app, embedded_only) -> None:
    app = make_app(RESULT_CACHE_MB=0)
    client = app.test_client()
    run = queries_run(app)
    response = get(client, "SELECT ?o { ex:a ?p ?o }")  # an undeclared prefix: the engine refuses it
    assert response.status_code == 400
    assert response.get_json()["type"].endswith("/malformed-query")
    assert queries_run(app) == run


def test_lookups_flow_while_every_query_process_runs_a_runaway(make_app, embedded_only) -> None:
    app = make_app(RESULT_CACHE_MB=0, MAX_CONCURRENT_QUERIES=1, QUERY_TIMEOUT=4, QUEUE_WAIT=0.2)
    client = app.test_client()
    assert get(client, POOLED).status_code == 200  # the pool is up
    slow: list = []
    thread = threading.Thread(target=lambda: slow.append(get(app.test_client(), CROSS_JOIN)))
    thread.start()
    time.sleep(0.5)
    assert get(client, POOLED).status_code == 503  # the only query process is taken: busy
    started = time.monotonic()
    for _ in range(20):
        assert get(client, LOOKUP).status_code == 200
    assert time.monotonic() - started < 3
    thread.join(timeout=15)
    assert slow[0].status_code == 503  # killed at the budget
    assert slow[0].get_json()["type"].endswith("/query-timeout")
    assert get(client, POOLED).status_code == 200  # a fresh query process answers


@pytest.mark.parametrize("tail", [" OFFSET 2", " # a comment ends the query", " LIMIT 3"])
def test_a_lookup_ending_with_an_offset_a_comment_or_a_limit_is_answered_as_the_pool_answers(
        make_app, embedded_only, tail) -> None:
    """The engine-written answer appends its own LIMIT on a line of its own: after an OFFSET, after
    a comment; a query with its own LIMIT is written row by row."""
    app = make_app(RESULT_CACHE_MB=0)
    client = app.test_client()
    pooled = get(client, POOLED + tail)
    run = queries_run(app)
    lane = get(client, LOOKUP + tail)
    assert queries_run(app) == run
    assert lane.status_code == pooled.status_code == 200
    assert lane.get_data() == pooled.get_data()
    assert lane.headers["X-TID-Rows"] == pooled.headers["X-TID-Rows"]


# -- the lookup lane in front of Flask (endpoint/lane.py) ---------------------------------------

from werkzeug.test import Client  # noqa: E402
from werkzeug.wrappers import Response as WerkzeugResponse  # noqa: E402

from tid.endpoint.lane import LookupLane  # noqa: E402


def lane_of(app) -> LookupLane:
    layer = app.wsgi_app
    while not isinstance(layer, LookupLane):
        layer = layer.app
    return layer


def flask_only(app) -> Client:
    """A client of the app without the lane: Flask's own dispatch for every request."""
    return Client(lane_of(app).wsgi_app, WerkzeugResponse)


def comparable(response) -> list[tuple[str, str]]:
    """The headers, in order; Server-Timing's value (the time the query took) aside."""
    return [(name, "…" if name == "Server-Timing" else value) for name, value in response.headers.items()]


SAME_REQUESTS = [
    ("/sparql", LOOKUP, "application/sparql-results+json"),
    ("/sparql", LOOKUP, "application/sparql-results+xml"),
    ("/sparql", LOOKUP, "text/csv"),
    ("/sparql", LOOKUP, "text/tab-separated-values"),
    ("/sparql", LOOKUP, ""),
    ("/sparql", LOOKUP, "text/html;q=0.9, application/sparql-results+json"),
    ("/sparql/", f"SELECT DISTINCT ?p ?o WHERE {{ <{MELUN}> ?p ?o }}", "application/sparql-results+json"),
    ("/sparql", f"ASK {{ <{MELUN}> a ?type }}", "application/sparql-results+json"),
    ("/sparql", f"SELECT * {{ <{MELUN}> ?p ?o }} LIMIT 2", "text/csv"),
]


@pytest.mark.parametrize("cache_mb", [0, 32])
@pytest.mark.parametrize(("path", "query", "accept"), SAME_REQUESTS)
def test_the_lane_answers_as_flask_does_header_by_header(make_app, embedded_only, cache_mb, path, query,
                                                         accept) -> None:
    lane_app, flask_app = make_app(RESULT_CACHE_MB=cache_mb), make_app(RESULT_CACHE_MB=cache_mb)
    headers = {"Accept": accept} if accept else {}
    lane = lane_app.test_client().get(path, query_string={"query": query}, headers=headers)
    assert lane_of(lane_app).stats["answered"] == 1  # it did not go to Flask
    flask = flask_only(flask_app).get(path, query_string={"query": query}, headers=headers)
    assert lane_of(flask_app).stats["answered"] == 0
    assert lane.status_code == flask.status_code == 200
    assert lane.get_data() == flask.get_data()
    assert comparable(lane) == comparable(flask)
    if cache_mb:  # the lane's miss is stored as Flask's is, and replayed the same
        again, again_flask = (lane_app.test_client().get(path, query_string={"query": query}, headers=headers),
                              flask_only(flask_app).get(path, query_string={"query": query}, headers=headers))
        assert again.headers["Cache-Status"] == "tid; hit"
        assert again.get_data() == again_flask.get_data()


def test_a_lookup_cut_by_a_limit_is_cut_by_the_lane_as_by_flask(make_app, embedded_only) -> None:
    lane_app, flask_app = make_app(RESULT_CACHE_MB=0, MAX_ROWS=3), make_app(RESULT_CACHE_MB=0, MAX_ROWS=3)
    for accept in ("application/sparql-results+json", "application/sparql-results+xml"):
        lane = lane_app.test_client().get("/sparql", query_string={"query": LOOKUP}, headers={"Accept": accept})
        flask = flask_only(flask_app).get("/sparql", query_string={"query": LOOKUP}, headers={"Accept": accept})
        assert lane.headers["X-TID-Truncated"] == "rows=3"
        assert lane.get_data() == flask.get_data()
        assert comparable(lane) == comparable(flask)
    assert lane_of(lane_app).stats["answered"] == 2


@pytest.mark.parametrize(("query_string", "headers"), [
    ({"query": LOOKUP, "format": "json"}, {}),  # another parameter
    ({"query": POOLED}, {}),  # not bounded
    ({"query": "SELECT ?o { ex:a ?p ?o }"}, {}),  # malformed: Flask's 400
    ({"query": LOOKUP}, {"Accept": "text/turtle"}),  # 406
    ({"query": LOOKUP}, {"Accept": "text/csv", "If-None-Match": "*"}),
    ({"query": f"SELECT ?p ?o WHERE {{ <{MELUN}é> ?p ?o }}"}, {}),  # not ASCII once encoded
    ({"query": "   "}, {}),
])
def test_what_the_lane_does_not_answer_goes_to_flask_unchanged(make_app, embedded_only, query_string,
                                                               headers) -> None:
    lane_app, flask_app = make_app(RESULT_CACHE_MB=0), make_app(RESULT_CACHE_MB=0)
    lane = lane_app.test_client().get("/sparql", query_string=query_string, headers=headers)
    flask = flask_only(flask_app).get("/sparql", query_string=query_string, headers=headers)
    assert lane_of(lane_app).stats["answered"] == 0
    assert lane.status_code == flask.status_code
    assert comparable(lane) == comparable(flask)


def test_a_csv_lookup_a_limit_cuts_is_flasks_422(make_app, embedded_only) -> None:
    app = make_app(RESULT_CACHE_MB=0, MAX_ROWS=3)
    response = app.test_client().get("/sparql", query_string={"query": LOOKUP}, headers={"Accept": "text/csv"})
    assert response.status_code == 422
    assert response.get_json()["type"].endswith("/result-too-large")
    assert lane_of(app).stats["answered"] == 0


def test_a_lookup_the_lane_fails_on_is_answered_by_flask(make_app, embedded_only, monkeypatch) -> None:
    import tid.endpoint.lane as lane_module

    def broken(job, stores):
        raise OSError("the store could not be read")

    monkeypatch.setattr(lane_module, "run_job", broken)
    app = make_app(RESULT_CACHE_MB=0)
    response = app.test_client().get("/sparql", query_string={"query": LOOKUP})
    assert response.status_code == 200  # Flask's path ran it
    assert lane_of(app).stats["answered"] == 0
