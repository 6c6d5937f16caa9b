"""The query-string parameters of a description: ``page`` and ``at``."""

from __future__ import annotations

from datetime import date


class BadParameter(ValueError):
    """A query-string value a resource page cannot use (``page``, ``at``)."""


def _not_a_date(raw: str) -> str:
    return (f"at={raw!r} is neither a date written YYYY-MM-DD nor 'all'. / at={raw!r} n'est ni une date écrite "
            "AAAA-MM-JJ ni 'all'.")


ALL_DATES = "all"
"""``?at=all``: every date at once (a page's whole history), not today's state."""


def parse_at(raw: str | None) -> date | None:
    """``?at=YYYY-MM-DD`` -> date; absent or ``all`` -> None; anything else raises BadParameter."""
    if raw is None or raw == ALL_DATES:
        return None
    text = raw.strip()
    if len(text) != 10:
        raise BadParameter(_not_a_date(raw))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadParameter(_not_a_date(raw)) from None


def parse_page(raw: str | None, name: str = "page") -> int:
    """``?page=N`` (N ≥ 1; or another pager's parameter ``name``) -> N; 1 when absent."""
    if raw is None:
        return 1
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        raise BadParameter(f"{name}={raw!r} is not a page number (1, 2, 3…). / {name}={raw!r} n'est pas un numéro "
                           "de page (1, 2, 3…).")
    return int(raw)
