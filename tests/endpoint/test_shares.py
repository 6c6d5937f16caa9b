"""Each client's share of the query pool (reliability finding 15): a client whose queries run away
holds at most its share of the query processes; its next query is a 429 with Retry-After and a
problem document, while another client's queries still run, and its own lookups (the lane) too."""

from __future__ import annotations

import threading
import time

from tests.helpers import BASE, CROSS_JOIN
from tid.endpoint.shares import ClientShares, per_client_share

MELUN = BASE + "id/commune/77288"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{MELUN}> ?p ?o }}"
POOLED = f"SELECT ?p ?o WHERE {{ <{MELUN}> ?p ?o FILTER(true) }}"
RUNAWAY, OTHER = "192.0.2.66", "192.0.2.7"


def get(app, query: str, client: str):
    return app.test_client().get("/sparql", query_string={"query": query}, environ_base={"REMOTE_ADDR": client})


def test_a_client_past_its_share_is_a_429_and_others_still_run(make_app, embedded_only) -> None:
    app = make_app(RESULT_CACHE_MB=0, MAX_CONCURRENT_QUERIES=2, QUERY_TIMEOUT=4, QUEUE_WAIT=0.3)
    assert get(app, POOLED, RUNAWAY).status_code == 200  # the pool is up; the share is given back
    runaway: list = []
    thread = threading.Thread(target=lambda: runaway.append(get(app, CROSS_JOIN, RUNAWAY)))
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    refused = get(app, POOLED, RUNAWAY)
    assert 0.3 <= time.monotonic() - started < 3  # it waited QUEUE_WAIT for its own runaway, in vain
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(app.config["RETRY_AFTER"])
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    problem = refused.get_json()
    assert problem["type"].endswith("/too-many-queries")
    assert problem["status"] == 429
    assert problem["limit"] == 1
    assert "Retry-After" in refused.headers["Access-Control-Expose-Headers"]
    assert get(app, POOLED, OTHER).status_code == 200  # the other process is free for the others
    assert get(app, LOOKUP, RUNAWAY).status_code == 200  # a lookup takes no process
    thread.join(timeout=20)
    assert runaway[0].status_code == 503  # killed at the budget, as before
    deadline = time.monotonic() + 10
    while (status := get(app, POOLED, RUNAWAY).status_code) == 503 and time.monotonic() < deadline:
        time.sleep(0.2)  # the killed process is being replaced
    assert status == 200  # its share is back


def test_the_share_is_all_the_pool_but_one_by_default_or_the_setting() -> None:
    assert [per_client_share(None, n) for n in (1, 2, 3, 4, 8)] == [1, 1, 2, 3, 7]
    assert per_client_share(3, 8) == 3
    assert per_client_share(9, 4) == 4
    shares = ClientShares(1)
    assert shares.acquire("a") and not shares.acquire("a") and shares.acquire("b")
    shares.release("a")
    assert shares.acquire("a") and shares.held("a") == 1
    # past its share, a client waits for one of its own to be given back
    threading.Timer(0.2, shares.release, args=("a",)).start()
    started = time.monotonic()
    assert shares.acquire("a", wait=5)
    assert 0.1 < time.monotonic() - started < 4
    assert not shares.acquire("a", wait=0.1)


def test_a_client_past_its_share_waits_for_its_own_queries(make_app, embedded_only) -> None:
    """Eight queries at once from one client over a pool of 2 (share 1): run one after the other
    within the wait, none refused."""
    app = make_app(RESULT_CACHE_MB=0, MAX_CONCURRENT_QUERIES=2, QUEUE_WAIT=5)
    assert get(app, POOLED, OTHER).status_code == 200
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(get(app, POOLED, OTHER).status_code))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200] * 8


def test_the_service_description_states_the_share(client, embedded_only) -> None:
    text = client.get("/sparql", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    assert "429 (too-many-queries)" in text
    assert "sinon elle reçoit 429" in text
