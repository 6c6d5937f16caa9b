"""The gunicorn worker of ``tid serve``: gunicorn's ``gthread`` worker, whose thread answers a
kept-alive client's next request itself when it comes at once.

gunicorn's ``gthread`` hands a kept-alive connection back to its poller after each response: the
thread writes to a pipe to wake the main thread, which registers the socket again, waits for it
to be readable and submits it to the pool, whose thread wakes to read the request. That is three
thread wake-ups and half a dozen system calls per request, and on a loaded machine each wake-up
may wait for a core: most of a cheap request's latency. Here the thread that answered waits up to
``LINGER`` seconds for the same client's next request and answers it without those hand-overs,
for at most ``ROUNDS`` requests in a row (then the connection goes back to the poller, so that a
busy client cannot keep a thread from the others). A client that is not that quick loses nothing:
its connection goes to the poller as before.

Used by :func:`tid.endpoint.serve.gunicorn_options` (``worker_class``).
"""

from __future__ import annotations

import select
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

# How long a thread waits for a kept-alive client's next request, seconds: a client that sends
# its next request when it has read an answer (a program, a load generator, a page's fetches)
# does so within a fraction of a millisecond on a local network.
LINGER = 0.002
# Requests one thread answers on one connection in a row before handing it back to the poller.
ROUNDS = 64


def _readable(sock: Any, timeout: float) -> bool:
    try:
        ready, _, _ = select.select([sock], [], [], timeout)
    except (OSError, ValueError):  # closed meanwhile: the poller's path deals with it
        return False
    return bool(ready)


class LingeringThreadWorker(ThreadWorker):
    def handle(self, conn: Any) -> Any:
        keepalive = super().handle(conn)
        rounds = 1
        while keepalive is True and rounds < ROUNDS and self.alive and _readable(conn.sock, LINGER):
            conn.data_ready = True
            keepalive = super().handle(conn)
            rounds += 1
        return keepalive
