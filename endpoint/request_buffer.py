"""The front of ``tid serve``: a request is read whole, under a deadline, before a thread takes it.

gunicorn's ``gthread`` worker hands a connection to one of its threads as soon as the first
bytes arrive, and that thread then blocks reading the rest of the header block and the body with
no deadline. A client that sends half a header (or a body shorter than its ``Content-Length``)
and stalls holds a thread for as long as it likes; a few dozen of them hold every thread, and the
server answers nobody (the "slowloris" attack; gunicorn documents that ``gthread`` should sit
behind a buffering proxy, which a portal running ``tid serve`` alone does not have).

:class:`BufferingWorker` is that buffering proxy, inside the worker: the worker's own event loop
reads every request (header block, then the body by ``Content-Length`` or chunked framing)
without blocking, and gives the connection to a thread only once the request is complete, with
its bytes handed to gunicorn's parser. A slow request costs a socket and a buffer, never a
thread. One whose bytes have not all arrived ``REQUEST_READ_TIMEOUT`` seconds (a setting) after
its first byte is answered ``408 Request Timeout`` and closed; a connection that sends nothing is
closed quietly after gunicorn's keep-alive time, as ``gthread`` closes it. A request larger than the app's
body limit (``MAX_CONTENT_LENGTH``) and a header block is handed over as it is: gunicorn's parser
and the app refuse it (431, 414 or 413) from what they have read.

``tid serve`` calls :func:`configure` with the app's settings in each server process.

Only plain HTTP/1.x is buffered (``tid serve`` has no TLS and no HTTP/2 prior knowledge); a
connection of any other kind goes to gunicorn unchanged.
"""

from __future__ import annotations

import errno
import re
import selectors
import time
from dataclasses import dataclass, field
from functools import partial

from gunicorn import http
from gunicorn.http import wsgi
from gunicorn.workers.gthread import ThreadWorker

READ_SIZE = 64 * 1024
# Seconds between two heartbeats to the arbiter (:meth:`BufferingWorker.notify`).
NOTIFY_EVERY = 1.0
# Room for the header block on top of the largest body the app accepts.
HEADER_ROOM = 64 * 1024

HEADER_END = re.compile(rb"\r?\n\r?\n")
CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*(\S*)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
CHUNKED = re.compile(rb"^transfer-encoding[ \t]*:.*chunked[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
EXPECT_CONTINUE = re.compile(rb"^expect[ \t]*:[ \t]*100-continue[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)



@dataclass(frozen=True)
class Limits:
    # Seconds from a request's first byte to its last (nginx's client_header_timeout and
    # client_body_timeout bound the wait between two reads; a total bound is what stops a trickle).
    deadline: float = 10.0
    # Bytes read ahead at most before the request goes to gunicorn's parser as it is.
    max_buffered: int = 300_000 + HEADER_ROOM


LIMITS = Limits()


def configure(deadline: float, max_body: int) -> None:
    """The app's ``REQUEST_READ_TIMEOUT`` and ``MAX_CONTENT_LENGTH``, for this server process."""
    global LIMITS
    LIMITS = Limits(deadline=deadline, max_buffered=max_body + HEADER_ROOM)


def timeout_response(deadline: float) -> bytes:
    """The 408 answer, a problem document like the app's, with the headers every answer has."""
    body = ('{"type":"https://w3id.org/territoires-industrie/problems/request-timeout",'
            '"title":"Request Timeout","status":408,'
            f'"detail":"the request was not received whole within {deadline:g} seconds of its first byte"}}'
            ).encode()
    head = ("HTTP/1.1 408 Request Timeout\r\n"
            "Content-Type: application/problem+json\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "Content-Security-Policy: default-src 'none'\r\n"
            "Connection: close\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return head + body


def request_complete(data: bytes) -> bool | None:
    """Whether ``data`` holds at least one whole HTTP/1.x request: True, False (more bytes are
    needed), or None when its framing cannot be read here (gunicorn's parser will answer it)."""
    end = HEADER_END.search(data)
    if end is None:
        return False
    head, body = data[:end.start()], data[end.end():]
    if CHUNKED.search(head):
        return chunked_complete(body)
    lengths = CONTENT_LENGTH.findall(head)
    if not lengths:
        return True
    if len(set(lengths)) != 1 or not lengths[0].isdigit():
        return None
    return len(body) >= int(lengths[0])


def chunked_complete(body: bytes) -> bool | None:
    """Whether a chunked body (RFC 9112 §7.1) has arrived up to its last chunk and trailers."""
    at = 0
    while True:
        line_end = body.find(b"\r\n", at)
        if line_end < 0:
            return False
        size_text = body[at:line_end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return None
        if size == 0:
            return body.find(b"\r\n\r\n", line_end) >= 0  # the trailer fields, then an empty line
        at = line_end + 2 + size + 2
        if at > len(body):
            return False


@dataclass
class Reading:
    """A request being read: its bytes so far and when it must be whole (until its first byte,
    when an idle connection is closed)."""

    deadline: float
    data: bytearray = field(default_factory=bytearray)
    continued: bool = False


class CoalescingResponse(wsgi.Response):
    """gunicorn's response, which sends the header block and the first body bytes in one
    ``sendall`` instead of two: over loopback, each send wakes the client and costs the server as
    much CPU as a lookup's query (measured with py-spy under wrk: a third of a lookup's samples were
    in the header block's send). A chunked body, a body-less answer and every later write go the
    usual way."""

    def write(self, arg: bytes) -> None:
        if self.headers_sent or self.chunked or self._omits_body or not isinstance(arg, bytes) or not arg:
            super().write(arg)
            return
        if self.response_length is not None and len(arg) > self.response_length:
            arg = arg[:self.response_length]  # never more than Content-Length, as gunicorn's write
        head = self.default_headers()
        head.extend(f"{name}: {value}\r\n" for name, value in self.headers)
        self.headers_sent = True
        self.sent += len(arg)
        self.sock.sendall(("%s\r\n" % "".join(head)).encode("latin-1") + arg)


class BufferingWorker(ThreadWorker):
    """gunicorn's ``gthread`` worker with the reading of each request moved into its event loop
    (and its answers written by :class:`CoalescingResponse`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reading: dict[object, Reading] = {}
        self._notified = -NOTIFY_EVERY

    def notify(self) -> None:
        """Tell the arbiter this process is alive at most once every ``NOTIFY_EVERY`` seconds.
        gthread's loop calls this at each turn, that is at every event (two or more a request),
        and each call is a ``utime`` of a file: on this project's machine about as much CPU as
        a lookup's query (py-spy under wrk). The arbiter kills a process silent for gunicorn's
        ``timeout`` (``tid serve`` sets it to the query budget + 30 s), far above this."""
        now = time.monotonic()
        if now - self._notified >= NOTIFY_EVERY:
            self._notified = now
            super().notify()

    def init_process(self) -> None:
        # gthread makes its HTTP/1 responses with ``wsgi.create``, which takes the module's class;
        # this server process is the worker's own (after the fork), so setting it here changes no other.
        wsgi.Response = CoalescingResponse
        super().init_process()

    def enqueue_req(self, conn) -> None:
        """Every path to a thread (new connection, kept-alive one readable again, deferred one)
        comes here: read the request first, unless it is whole already."""
        if getattr(conn, "tid_request_read", False) or self.cfg.is_ssl:
            conn.tid_request_read = False
            super().enqueue_req(conn)
            return
        # An idle connection (a browser's preconnection, a kept-alive one) is closed quietly
        # after gunicorn's keep-alive time, as gthread does; the read deadline starts with a byte.
        reading = Reading(deadline=time.monotonic() + self.cfg.keepalive)
        if conn.parser is not None:  # bytes a previous request's reader read ahead
            reading.data += conn.parser.unreader.take_buffered()
        if reading.data:
            reading.deadline = time.monotonic() + LIMITS.deadline
        conn.sock.setblocking(False)
        self.reading[conn] = reading
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_request_bytes, conn))
        if reading.data:
            self.advance(conn, reading)

    def on_request_bytes(self, conn, _client) -> None:
        reading = self.reading.get(conn)
        if reading is None:
            return
        try:
            chunk = conn.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as error:
            if error.errno not in (errno.ECONNRESET, errno.ENOTCONN, errno.EPIPE, errno.ETIMEDOUT):
                self.log.debug("reading a request: %s", error)
            self.drop(conn)
            return
        if not chunk:  # the client went away before finishing its request
            self.drop(conn)
            return
        if not reading.data:
            reading.deadline = time.monotonic() + LIMITS.deadline
        reading.data += chunk
        self.advance(conn, reading)

    def advance(self, conn, reading: Reading) -> None:
        data = bytes(reading.data)
        if request_complete(data) is False and len(data) < LIMITS.max_buffered:
            end = None if reading.continued else HEADER_END.search(data)
            if end is not None and EXPECT_CONTINUE.search(data, 0, end.start()):
                # The client waits for this before sending its body (RFC 9110 §10.1.1).
                reading.continued = True
                try:
                    conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
                except OSError:
                    self.drop(conn)
            return
        self.hand_over(conn, data)

    def hand_over(self, conn, data: bytes) -> None:
        """The request is whole (or will be refused from what is here): to a thread, its bytes
        first in the parser's buffer."""
        self.forget(conn)
        if conn.parser is None:
            conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
        conn.parser.unreader.unread(data)
        conn.data_ready = True
        conn.tid_request_read = True
        self.enqueue_req(conn)

    def forget(self, conn) -> None:
        self.reading.pop(conn, None)
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass

    def drop(self, conn, answer: bytes = b"") -> None:
        self.forget(conn)
        if answer:
            try:
                conn.sock.send(answer)
            except OSError:
                pass
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        """Once a second or so, with gunicorn's own sweeps: requests past their deadline get 408."""
        super().murder_pending()
        now = time.monotonic()
        for conn, reading in [(c, r) for c, r in self.reading.items() if r.deadline <= now]:
            if not reading.data:  # nothing asked: closed without an answer, as an idle keep-alive
                self.drop(conn)
                continue
            self.log.info("request from %s not received whole within %g s: 408", conn.client, LIMITS.deadline)
            self.drop(conn, timeout_response(LIMITS.deadline))
