"""One HTTP client for SPARQL 1.1 servers: what ``tid push`` (Graph Store Protocol, and the
query service to count what it sent) and ``tid serve --backend`` (the Protocol's queries) share.

:func:`exchange` sends one request and reads the whole answer, within ``timeout`` seconds for
each socket wait and, when ``deadline`` is given, within that many seconds of wall clock in all
(a server trickling bytes cannot hold a caller past it); an answer larger than ``max_bytes`` is
refused. Credentials given in the URL (``https://user:password@host/…``) are sent as HTTP Basic
authentication and never appear in a URL this module returns or a message (:func:`redact`).
Failures are typed, for each caller to say them in its own words: :class:`StatusError` (the
server answered 4xx or 5xx, with its message trimmed by :func:`server_message`),
:class:`TimedOut`, :class:`Unreachable`, :class:`BrokenAnswer`, :class:`TooLarge`.

The terms bound in a query sent to such a server are written by
:func:`tid.graph.queries.substitute` (IRIs quoted as SPARQL reads them).
"""

from __future__ import annotations

import base64
import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE = 600
"""Longest part of a server's error answer quoted in a message, in characters."""
CHUNK = 1 << 16
FORM = "application/x-www-form-urlencoded"


class HttpFailure(Exception):
    """A request to a SPARQL server that got no usable answer."""


class StatusError(HttpFailure):
    """The server answered with an error status."""

    def __init__(self, status: int, reason: str, message: str):
        self.status = status
        self.reason = reason
        self.message = message  # the server's own words, trimmed ("" when it said nothing)
        super().__init__(f"HTTP {status} {reason}: {message}")


class TimedOut(HttpFailure):
    def __init__(self, elapsed: float):
        self.elapsed = elapsed
        super().__init__(f"no complete answer within {elapsed:.2f} s")


class Unreachable(HttpFailure):
    """No connection (refused, unknown host…); ``text`` says why."""

    def __init__(self, reason: object, text: str):
        self.reason = reason
        self.text = text
        super().__init__(text)


class BrokenAnswer(HttpFailure):
    """The connection broke while the answer was being read."""

    def __init__(self, error: BaseException):
        self.error = error
        super().__init__(f"{type(error).__name__}: {error}")


class TooLarge(HttpFailure):
    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"the answer is larger than {limit} bytes")


@dataclass(frozen=True)
class Reply:
    status: int
    media_type: str  # the Content-Type without its parameters, lower-case
    body: bytes


def split_credentials(url: str) -> tuple[str, str | None]:
    """``url`` without its user and password, and the ``Authorization`` header they make (or None)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return redact(url), None
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")
    return redact(url), "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def redact(url: str) -> str:
    """The URL without its credentials."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def without_query(url: str) -> str:
    return url.split("?", 1)[0]


def server_message(error: urllib.error.HTTPError) -> str:
    """What the server said in its error answer: whitespace folded, at most :data:`MAX_MESSAGE`
    characters (then ``…``); "" when it said nothing or it cannot be read."""
    try:
        text = error.read(MAX_MESSAGE * 4).decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException):
        text = ""
    text = " ".join(text.split())
    return text[:MAX_MESSAGE] + "…" if len(text) > MAX_MESSAGE else text


def media_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


def exchange(method: str, url: str, *, timeout: float, user_agent: str, data: Any = None,
             headers: Mapping[str, str] | None = None, deadline: float | None = None,
             max_bytes: int | None = None, proxies: bool = True, authorization: str | None = None) -> Reply:
    """Send one request to ``url`` and read the answer; a 2xx answer is returned, anything else
    raised as an :class:`HttpFailure`. Credentials in ``url`` are sent as Basic authentication
    (else ``authorization``, when given); ``proxies``: whether the environment's proxy variables apply."""
    target, from_url = split_credentials(url)
    authorization = from_url or authorization
    all_headers = {"User-Agent": user_agent, **(headers or {})}
    if authorization:
        all_headers["Authorization"] = authorization
    request = urllib.request.Request(target, data=data, method=method, headers=all_headers)
    opener = urllib.request.build_opener() if proxies else urllib.request.build_opener(urllib.request.ProxyHandler({}))
    started = time.monotonic()
    try:
        with opener.open(request, timeout=timeout) as response:
            chunks, size = [], 0
            # read1: whatever one receive brings (up to CHUNK), so that the deadline is checked
            # after every receive; read(CHUNK) waits for the whole chunk, and a server trickling a
            # byte a second held the caller 18 hours per 64 KiB
            while chunk := response.read1(CHUNK):
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise TooLarge(max_bytes)
                if deadline is not None and time.monotonic() - started > deadline:
                    raise TimedOut(time.monotonic() - started)
                chunks.append(chunk)
            return Reply(response.status, media_type(response.headers.get("Content-Type")), b"".join(chunks))
    except urllib.error.HTTPError as exc:
        raise StatusError(exc.code, str(exc.reason), server_message(exc)) from None
    except TimeoutError:
        raise TimedOut(time.monotonic() - started) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise TimedOut(time.monotonic() - started) from None
        text = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
        raise Unreachable(reason, text) from None
    except (http.client.HTTPException, OSError) as exc:
        raise BrokenAnswer(exc) from None


def post_form(url: str, fields: Sequence[tuple[str, str]], *, accept: str, timeout: float, user_agent: str,
              deadline: float | None = None, max_bytes: int | None = None, proxies: bool = True) -> Reply:
    """A SPARQL Protocol request: the fields (``query``, ``default-graph-uri``…) as a UTF-8 form."""
    return exchange("POST", url, data=urllib.parse.urlencode(fields).encode(), timeout=timeout,
                    user_agent=user_agent, deadline=deadline, max_bytes=max_bytes, proxies=proxies,
                    headers={"Content-Type": FORM + "; charset=utf-8", "Accept": accept})
