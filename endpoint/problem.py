"""Problems: every error the endpoint answers, as data (RFC 9457 problem details).

A :class:`Problem` is raised anywhere in a request and carries a type from :data:`TYPES` (its
status, its title in English and French, what it means), a detail, headers and extensions. This
module only says what went wrong; :mod:`tid.endpoint.errors` draws it (JSON, text, or a page of
the site for a browser), above the HTML layer.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app, request

from tid.endpoint.remote import BackendError, BackendRefused, BackendTimeout

log = logging.getLogger("tid.endpoint")


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str
    titre: str  # the same in French
    explanation: str


TYPES: dict[str, ProblemType] = {
    t.slug: t
    for t in (
        ProblemType("malformed-query", 400, "Malformed query", "Requête mal formée",
                    "The query is not valid SPARQL 1.1; `detail` gives the parser's message, `line` and `column` where it stopped."),
        ProblemType("missing-query", 400, "Missing query", "Requête absente",
                    "The request carries no `query` parameter and is not a request for the service description (a GET without parameters)."),
        ProblemType("multiple-queries", 400, "More than one query", "Plusieurs requêtes",
                    "A request carries exactly one query: one `query` parameter, in the URL or in the body but not in both."),
        ProblemType("invalid-parameter", 400, "Invalid parameter", "Paramètre invalide",
                    "A protocol parameter has a value that cannot be used (a graph IRI that is not absolute, an unknown `format`, a body that is not UTF-8)."),
        ProblemType("bad-query-parameter", 400, "Bad parameter for a named query", "Paramètre incorrect pour une requête nommée",
                    "A named query was given a parameter it does not have, or a value of the wrong type, or lacks a required one. `/queries` lists the parameters."),
        ProblemType("evaluation-error", 400, "The query cannot be evaluated", "La requête ne peut pas être évaluée",
                    "The query is valid SPARQL but uses something this endpoint cannot evaluate, such as an extension function it does not have; `detail` gives the engine's message."),
        ProblemType("update-refused", 403, "SPARQL Update is not accepted", "SPARQL Update n'est pas accepté",
                    "This endpoint is read-only: the data change only through versioned builds. INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE and COPY are refused, whatever the parameter or media type that carries them."),
        ProblemType("service-refused", 403, "SERVICE is not allowed", "SERVICE n'est pas autorisé",
                    "Federated queries are off, or the SERVICE endpoint is not on the allow-list, or its address cannot be known before the query runs (a variable). The query was not run and no connection was made."),
        ProblemType("result-truncated", 200, "Result truncated", "Résultat tronqué",
                    "Not an error: the response holds only the first rows (or triples) of the result, because a limit of the endpoint cut it. The X-TID-Truncated header names the limit (rows=N or bytes=N); the service description lists the limits. Add LIMIT/OFFSET to page through the result."),
        ProblemType("result-too-large", 422, "Result too large for CSV or TSV", "Résultat trop grand pour CSV ou TSV",
                    "A CSV or TSV answer has no place to say that it is incomplete, so this endpoint never cuts one silently: a result past the row or byte limit is refused, and `limit` names the limit that was reached (rows=N or bytes=N). Page through the result with ORDER BY, LIMIT and OFFSET, or ask for SPARQL JSON or XML (which say in their head that they were cut), or add `truncate=true` to accept the first rows (the X-TID-Truncated header then says where the answer was cut)."),
        ProblemType("not-found", 404, "Not found", "Introuvable", "Nothing is served at this address."),
        ProblemType("unknown-query", 404, "Unknown named query", "Requête nommée inconnue",
                    "There is no named query with this name; `/queries` lists them."),
        ProblemType("method-not-allowed", 405, "Method not allowed", "Méthode non permise",
                    "The SPARQL protocol uses GET and POST (and OPTIONS for CORS preflight); the `Allow` header lists the methods of this address."),
        ProblemType("not-acceptable", 406, "Not acceptable", "Format non disponible",
                    "None of the formats the request accepts (`Accept` or `format`) is available for this result; `available` lists those that are."),
        ProblemType("precondition-failed", 412, "Precondition failed", "Précondition non remplie",
                    "`If-None-Match` matched the current representation on a method other than GET or HEAD."),
        ProblemType("query-too-long", 413, "Query too long", "Requête trop longue",
                    "The query is longer than the endpoint accepts; the limit is in the service description."),
        ProblemType("query-too-deep", 400, "Query nested too deeply", "Requête trop imbriquée",
                    "The query nests groups, brackets or parentheses deeper than the endpoint accepts; the limit is in the service description."),
        ProblemType("unsupported-media-type", 415, "Unsupported media type", "Type de contenu non pris en charge",
                    "A POST body must be `application/x-www-form-urlencoded` or `application/sparql-query`, in UTF-8."),
        ProblemType("internal-error", 500, "Internal server error", "Erreur interne",
                    "Something failed on the server side; the `error_id` identifies the event in the server log."),
        ProblemType("service-failed", 502, "Remote SERVICE failed", "Le SERVICE distant a échoué",
                    "An allowed SERVICE endpoint could not be reached or answered an error."),
        ProblemType("query-timeout", 503, "Query timed out", "Délai de la requête dépassé",
                    "The query did not finish within its time budget and was stopped (its worker process was killed). Add a LIMIT, avoid cross products, or retry later."),
        ProblemType("server-busy", 503, "Server busy", "Serveur occupé",
                    "All query workers are busy; retry after the number of seconds in `Retry-After`."),
        ProblemType("too-many-queries", 429, "Too many queries from this client", "Trop de requêtes de ce client",
                    "This client already runs as many queries at once as one client may here (the limit is in `limit` and in the service description); retry after the number of seconds in `Retry-After`, once one of them has ended."),
        ProblemType("backend-unavailable", 503, "SPARQL server unavailable", "Serveur SPARQL indisponible",
                    "This endpoint serves its data from another SPARQL server, which could not be reached or failed to answer; retry after the number of seconds in `Retry-After`."),
        ProblemType("query-too-expensive", 422, "Query needs too much memory", "Requête trop gourmande en mémoire",
                    "The query needed more memory than a query may use on this server (the limit is in `limit` and in the service description), so it was stopped; it would fail the same way again. Narrow it: more selective patterns, a LIMIT before an ORDER BY of a large result, no cross products."),
        ProblemType("query-aborted", 503, "Query aborted", "Requête interrompue",
                    "The worker running the query stopped before answering, for a reason of the moment (it was killed from outside, or the machine ran short of memory). Retry later."),
    )
}


class Problem(Exception):
    """An error answered as problem details; raise it anywhere in a request."""

    def __init__(self, slug: str, detail: str, *, status: int | None = None,
                 headers: dict[str, str] | None = None, page: bool = True, **extensions: Any):
        """``page``: whether a browser may get it as an HTML page (not when the address itself
        names another format, such as ``.ttl``)."""
        self.type = TYPES[slug]
        self.page = page
        self.status = status or self.type.status
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions
        super().__init__(f"{self.type.slug}: {detail}")


def internal_error(error: BaseException | None, context: str = "") -> Problem:
    """Log ``error`` with a fresh id and return the masked 500 problem naming that id."""
    error_id = uuid.uuid4().hex[:16]
    log.error("error %s on %s %s%s", error_id, request.method if request else "-", request.path if request else "-",
              f": {context}" if context else "", exc_info=error if isinstance(error, BaseException) else None)
    return Problem("internal-error", "The server failed to answer this request. Quote the error_id when reporting it.",
                   error_id=error_id)


def unavailable(slug: str, detail: str, **extensions: Any) -> Problem:
    """A 503 problem with ``Retry-After`` (``RETRY_AFTER`` seconds): busy, timed out, aborted."""
    retry = int(current_app.config["RETRY_AFTER"])
    return Problem(slug, detail, headers={"Retry-After": str(retry)}, retry_after=retry, **extensions)


def backend_problem(error: BackendError) -> Problem:
    """The problem answering a failure of the remote SPARQL server (``tid serve --backend``): 503
    with Retry-After (``query-timeout`` past the budget, ``backend-unavailable`` otherwise), or 400
    with the server's message when it refused the query. Never a 500: the endpoint is up."""
    if isinstance(error, BackendRefused):
        return Problem("evaluation-error", f"The SPARQL server refused the query ({error.status}): {error}")
    if isinstance(error, BackendTimeout):
        timeout = current_app.config["QUERY_TIMEOUT"]
        return unavailable("query-timeout", f"The SPARQL server did not answer within {timeout:g} s. Retry later.",
                           timeout=timeout)
    log.warning("SPARQL server failure on %s: %s", request.path if request else "-", error)
    return unavailable("backend-unavailable", f"The SPARQL server behind this endpoint failed: {error}")
