"""Each client's share of the query processes: a client with runaway queries cannot take them all.

A server process runs at most ``MAX_CONCURRENT_QUERIES`` queries at once in its pool; a query that
finds none free within ``QUEUE_WAIT`` is answered 503 server-busy. Without shares, a few clients
sending runaway queries (each holding a process until the time budget kills it) took every process,
and everyone else's queries were shed (reliability finding 15). Now one client holds at most
``MAX_QUERIES_PER_CLIENT`` of them at once (by default all but one: 1 of the default 2, so that
one process is always left for the other clients). A query past its client's share waits for one
of that client's own queries to end, ``QUEUE_WAIT`` seconds at most, and is then answered
``429 too-many-queries`` with ``Retry-After``; meanwhile the process it would have taken stays free
for the others. (Refused at once, a client with 8 connections had most of its cheap aggregations
refused while it had a process of its own to run them one after the other.) A pool of one process has no share to give (its client gets 503 server-busy, as
anyone). A bounded lookup (the cheap lane) runs outside the pool and never counts.

The client is the request's remote address: ``X-Forwarded-For``'s when ``TRUST_PROXY_HEADERS``
says the proxy in front is trusted (werkzeug's ProxyFix sets it), else the socket's peer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, request

from tid.endpoint.problem import Problem

EXTENSION = "tid.client_shares"


class ClientShares:
    """How many query processes each client holds now, ``per_client`` at most."""

    def __init__(self, per_client: int):
        self.per_client = max(1, per_client)
        self._held: dict[str, int] = {}
        self._freed = threading.Condition()
        self.refused = 0

    def acquire(self, client: str, wait: float = 0.0) -> bool:
        """Take one share for ``client``, waiting ``wait`` seconds at most for one of its own to be
        given back; False (nothing taken) when it still holds its whole share."""
        with self._freed:
            if not self._freed.wait_for(lambda: self._held.get(client, 0) < self.per_client, timeout=wait):
                self.refused += 1
                return False
            self._held[client] = self._held.get(client, 0) + 1
            return True

    def release(self, client: str) -> None:
        with self._freed:
            held = self._held.get(client, 0) - 1
            if held > 0:
                self._held[client] = held
            else:
                self._held.pop(client, None)
            self._freed.notify_all()

    def held(self, client: str) -> int:
        return self._held.get(client, 0)


def per_client_share(max_queries_per_client: int | None, processes: int) -> int:
    """Query processes one client may hold at once: the setting (the pool at most), or all of the
    pool's processes but one, at least one."""
    if max_queries_per_client:
        return max(1, min(max_queries_per_client, processes))
    return max(1, processes - 1)


def shares_of_app() -> ClientShares:
    """The current app's shares (made on first use, from its settings)."""
    shares = current_app.extensions.get(EXTENSION)
    if shares is None:
        config = current_app.config
        shares = current_app.extensions.setdefault(EXTENSION, ClientShares(per_client_share(
            config.get("MAX_QUERIES_PER_CLIENT"), config["MAX_CONCURRENT_QUERIES"])))
    return shares


@contextmanager
def client_share() -> Iterator[None]:
    """A share of the pool for the current request's client (waiting ``QUEUE_WAIT`` at most for
    one), or 429 too-many-queries."""
    shares, client = shares_of_app(), request.remote_addr or ""
    if shares.per_client >= current_app.config["MAX_CONCURRENT_QUERIES"]:
        yield  # the share is the whole pool: nothing to keep for the others
        return
    if not shares.acquire(client, wait=float(current_app.config["QUEUE_WAIT"])):
        config = current_app.config
        retry = int(config["RETRY_AFTER"])
        raise Problem("too-many-queries", f"This client already runs {shares.per_client} of the "
                      f"{config['MAX_CONCURRENT_QUERIES']} queries this server process runs at once, the most one "
                      "client may; retry once one of them has ended. / Ce client exécute déjà "
                      f"{shares.per_client} des {config['MAX_CONCURRENT_QUERIES']} requêtes que ce processus serveur "
                      "exécute à la fois, le plus qu'un client puisse ; réessayez quand l'une d'elles sera finie.",
                      headers={"Retry-After": str(retry)}, retry_after=retry, limit=shares.per_client)
    try:
        yield
    finally:
        shares.release(client)
