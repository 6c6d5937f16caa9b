"""The problems a query's outcome is answered with when it is not an answer: a syntax error (400,
with the parser's line and column), an evaluation error, a format that cannot carry the answer
(406), a CSV or TSV answer a limit would cut (422), a query that needs too much memory (422), a
remote server's failure (503), and the masked 500 of anything else (:func:`failure`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import current_app

from tid.endpoint import conneg
from tid.endpoint.evaluate import Kind, Outcome, Status
from tid.endpoint.http import not_acceptable
from tid.endpoint.problem import Problem, backend_problem, internal_error
from tid.endpoint.remote import BackendTimeout, BackendUnavailable

_POSITION = re.compile(r"error at (\d+):(\d+)")


def syntax_problem(message: str) -> Problem:
    extensions: dict[str, Any] = {}
    position = _POSITION.search(message)
    if position:
        extensions = {"line": int(position.group(1)), "column": int(position.group(2))}
    return Problem("malformed-query", message, **extensions)


def too_large(outcome: Outcome) -> Problem:
    """422 for a CSV or TSV answer a limit would cut: nothing in those formats could say so."""
    kind, _, number = (outcome.truncated or "").partition("=")
    name = outcome.format.key.upper() if outcome.format else "CSV"
    if kind == "rows":
        what_en, what_fr = f"more than {number} rows", f"plus de {number} lignes"
        page = int(number)
    else:
        what_en, what_fr = f"more than {number} bytes", f"plus de {number} octets"
        page = max(outcome.rows, 1)
    return Problem(
        "result-too-large",
        f"The result has {what_en}, the most this endpoint puts in one answer, and a {name} answer cannot say that "
        f"it is incomplete, so none was sent. Page through the result: add ORDER BY and LIMIT {page} OFFSET 0, then "
        f"OFFSET {page}, and so on; or ask for SPARQL JSON or XML, which say in their head that they were cut; or "
        f"add truncate=true to accept the first rows (X-TID-Truncated then says where the answer was cut). / Le "
        f"résultat a {what_fr}, le plus que ce point d'accès met dans une réponse, et une réponse {name} ne peut pas "
        f"dire qu'elle est incomplète : aucune n'a été envoyée. Parcourez le résultat par pages : ajoutez ORDER BY "
        f"et LIMIT {page} OFFSET 0, puis OFFSET {page}, etc. ; ou demandez du SPARQL JSON ou XML, qui disent dans "
        f"leur en-tête qu'ils ont été coupés ; ou ajoutez truncate=true pour accepter les premières lignes "
        f"(X-TID-Truncated dit alors où la réponse a été coupée).",
        limit=outcome.truncated, rows=outcome.rows, page_size=page)


def too_expensive(limit_mb: int | None) -> Problem:
    """422: the query needs more memory than a query process may use, and always will."""
    return Problem("query-too-expensive", f"The query needed more than the {limit_mb} MiB of memory a query may use "
                   "here and was stopped; it would fail the same way again. Use more selective patterns, LIMIT "
                   "before ORDER BY on a large result, no cross products.", limit=f"memory={limit_mb}MiB")


def not_carried(outcome: Outcome) -> Problem:
    """406 for an answer the format asked for cannot carry (a character XML 1.0 forbids, an RDF 1.2
    triple term in JSON-LD), offering the formats that can."""
    asked = outcome.format.key if outcome.format else ""
    offers = [f for f in (conneg.GRAPH_FORMATS if outcome.kind is Kind.GRAPH else conneg.SOLUTION_FORMATS)
              if f.key != asked]
    problem = not_acceptable(offers)
    return Problem("not-acceptable", f"{asked or 'This format'} cannot be given: {outcome.message}. / Ce format ne "
                   f"peut porter cette réponse. {problem.detail}", **problem.extensions)


# The problem answering each way a job can fail (``Status.ERROR``: a masked 500, logged).
FAILURES: dict[Status, Callable[[Outcome], Problem]] = {
    Status.SYNTAX: lambda outcome: syntax_problem(outcome.message),
    Status.EVALUATION: lambda outcome: Problem("evaluation-error", outcome.message),
    Status.NOT_ACCEPTABLE: lambda outcome: not_acceptable(
        conneg.GRAPH_FORMATS if outcome.kind is Kind.GRAPH else conneg.SOLUTION_FORMATS) if not outcome.message
    else not_carried(outcome),
    Status.SERVICE_FAILED: lambda outcome: Problem("service-failed", f"A SERVICE call failed: {outcome.message}"),
    Status.RESOURCES: lambda outcome: too_expensive(current_app.config["WORKER_MEMORY_MB"]),
    Status.BACKEND_TIMEOUT: lambda outcome: backend_problem(BackendTimeout(outcome.elapsed)),
    Status.BACKEND: lambda outcome: backend_problem(BackendUnavailable(outcome.message)),
}


def failure(outcome: Outcome) -> Problem:
    """The problem answering a job that did not succeed."""
    make = FAILURES.get(outcome.status)
    if make is not None:
        return make(outcome)
    return internal_error(None, f"worker error: {outcome.message}\n{outcome.extra.get('traceback', '')}")
