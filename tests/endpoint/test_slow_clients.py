"""Slow clients against ``tid serve`` (issue 12, finding 2): requests are read whole, under a
deadline, before a thread takes them (``tid.endpoint.request_buffer``). 64 connections that stall
mid-header or mid-body leave cheap queries answered; past the deadline they get 408; requests
sent in pieces, chunked, with ``Expect: 100-continue`` or pipelined are answered as before."""

from __future__ import annotations

import json
import socket
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from tests.helpers import CHEAP, tid_serving
from tid.endpoint.request_buffer import chunked_complete, request_complete
from tid.graph.store import DataDir

READ_TIMEOUT = 3  # seconds, the server's --read-timeout here
THREADS = 6  # 2 × --max-concurrent 1 + 4: fewer than the slow connections by far


@pytest.fixture(scope="module")
def server(cut_data_dir: DataDir, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    log = tmp_path_factory.mktemp("slow") / "serve.log"
    options = ["--workers", "1", "--max-concurrent", "1", "--timeout", "5", "--read-timeout", str(READ_TIMEOUT),
               "--access-log", ""]
    with tid_serving(cut_data_dir.root, options, log, {"TID_RESULT_CACHE_MB": "0"}) as root:
        host, port = urllib.parse.urlsplit(root).hostname, urllib.parse.urlsplit(root).port
        yield host, port


def cheap_query(host: str, port: int) -> tuple[int, float]:
    url = f"http://{host}:{port}/sparql?" + urllib.parse.urlencode({"query": CHEAP})
    started = time.monotonic()
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["boolean"] is True
        return response.status, time.monotonic() - started


def open_stalled(host: str, port: int, count: int) -> list[socket.socket]:
    """Half the connections stop inside the header block, half inside a body shorter than its
    Content-Length."""
    stalled = []
    for number in range(count):
        connection = socket.create_connection((host, port), timeout=READ_TIMEOUT + 5)
        if number % 2:
            connection.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: localhost\r\nAccept: text/")
        else:
            connection.sendall(b"POST /sparql HTTP/1.1\r\nHost: localhost\r\n"
                               b"Content-Type: application/sparql-query\r\nContent-Length: 1000\r\n\r\nASK {")
        stalled.append(connection)
    return stalled


def read_answer(connection: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = connection.recv(65536)
        except TimeoutError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def exchange(host: str, port: int, pieces: list[bytes], pause: float = 0.0) -> bytes:
    with socket.create_connection((host, port), timeout=5) as connection:
        for piece in pieces:
            connection.sendall(piece)
            time.sleep(pause)
        connection.shutdown(socket.SHUT_WR)
        return read_answer(connection)


def test_stalled_connections_leave_cheap_queries_answered_then_get_408(server) -> None:
    host, port = server
    stalled = open_stalled(host, port, 64)
    try:
        time.sleep(0.5)  # every stalled request has reached the server
        for _ in range(10):
            status, elapsed = cheap_query(host, port)
            assert status == 200 and elapsed < 2, elapsed
        answers = [read_answer(connection) for connection in stalled]  # each answered at its deadline
    finally:
        for connection in stalled:
            connection.close()
    for answer in answers:
        head, _, body = answer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        assert lines[0] == "HTTP/1.1 408 Request Timeout"
        headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
        assert headers["content-type"] == "application/problem+json"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["connection"] == "close"
        assert int(headers["content-length"]) == len(body)
        problem = json.loads(body)
        assert problem["status"] == 408 and f"within {READ_TIMEOUT} seconds" in problem["detail"]
    status, _ = cheap_query(host, port)
    assert status == 200


def test_an_idle_connection_is_closed_quietly(server) -> None:
    """A connection that never sends a byte (a browser's preconnection) gets no 408: it is closed
    after the keep-alive time (5 s), as gunicorn's gthread closes it."""
    host, port = server
    with socket.create_connection((host, port), timeout=15) as connection:
        started = time.monotonic()
        assert read_answer(connection) == b""
        assert 4 < time.monotonic() - started < 12


def test_a_request_in_slow_pieces_within_the_deadline_is_answered(server) -> None:
    host, port = server
    query = urllib.parse.quote(CHEAP)
    answer = exchange(host, port, [b"GET /sparql?query=" + query.encode() + b" HTTP/1.1\r\n",
                                   b"Host: localhost\r\nAccept: application/sparql-results+json\r\n",
                                   b"Connection: close\r\n\r\n"], pause=0.3)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["boolean"] is True


def test_chunked_and_expect_continue_bodies_are_answered(server) -> None:
    host, port = server
    body = CHEAP.encode()
    chunked = exchange(host, port, [
        b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/sparql-query\r\n"
        b"Accept: application/sparql-results+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        b"%x\r\n%s\r\n" % (5, body[:5]), b"%x\r\n%s\r\n" % (len(body) - 5, body[5:]), b"0\r\n\r\n"], pause=0.2)
    assert chunked.startswith(b"HTTP/1.1 200 OK\r\n")
    with socket.create_connection((host, port), timeout=5) as connection:
        connection.sendall(b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/sparql-query\r\n"
                           b"Accept: application/sparql-results+json\r\nExpect: 100-continue\r\n"
                           b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
        assert connection.recv(64).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        connection.sendall(body)
        answer = read_answer(connection)
    final = answer[answer.index(b"HTTP/1.1 200"):]  # after the interim answers
    assert json.loads(final.partition(b"\r\n\r\n")[2])["boolean"] is True


def test_pipelined_requests_are_each_answered(server) -> None:
    host, port = server
    request = (b"GET /sparql?query=" + urllib.parse.quote(CHEAP).encode() + b" HTTP/1.1\r\nHost: localhost\r\n"
               b"Accept: application/sparql-results+json\r\n\r\n")
    answer = exchange(host, port, [request + request[:-2] + b"Connection: close\r\n\r\n"])
    assert answer.count(b"HTTP/1.1 200 OK\r\n") == 2


@pytest.mark.parametrize(("data", "expected"), [
    (b"GET / HTTP/1.1\r\nHost: x\r\n", False),
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"GET / HTTP/1.0\n\n", True),
    (b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nASK", False),
    (b"POST / HTTP/1.1\r\ncontent-length: 4\r\n\r\nASK{", True),
    (b"POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nASK{", None),
    (b"POST / HTTP/1.1\r\nContent-Length: -4\r\n\r\n", None),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nASK\r\n", False),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nASK\r\n0\r\n\r\n", True),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", None),
])
def test_request_complete(data: bytes, expected: bool | None) -> None:
    assert request_complete(data) is expected


def test_chunked_complete_with_trailers_and_extensions() -> None:
    assert chunked_complete(b"3;name=value\r\nASK\r\n0\r\nX-Trailer: 1\r\n\r\n") is True
    assert chunked_complete(b"3\r\nASK\r\n0\r\nX-Trailer: 1\r\n") is False
    assert chunked_complete(b"a\r\n12345") is False
