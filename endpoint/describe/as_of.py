"""What "as of D" means on the pages: the phase of D, the territory list in force at D (the latest
list of D's phase whose reference date is on or before D), or, when D precedes every list of its
phase, that phase's earliest list, of which the page says the graph knows nothing before it; and
the geographic vintage of D (the latest COG vintage on or before D).

The named queries answer from the same periods: each list's ``tid:dateDebut``/``tid:dateFin`` and
the memberships' dates are derived from the lists at build time (``derive-list-periods``,
``derive-membership-dates``); this module only reads them back (``resource-term-labels``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tid.endpoint.describe.model import Period, Terms, TerritoryList


@dataclass(frozen=True)
class AsOf:
    day: date
    asked: bool
    """True when the request named the date (``?at=``, ``?vague=``); False for today's state."""
    phase: Period | None
    lists: tuple[TerritoryList, ...]
    """The lists in force at ``day`` (one, or several of the same reference date)."""
    earliest: TerritoryList | None
    """The earliest list of ``day``'s phase, when ``day`` precedes it: nothing is known before."""
    vintage: Period | None

    @property
    def key(self) -> tuple[str, ...]:
        """What the state at ``day`` depends on: two days of one key have the same answers."""
        return (*(listed.iri for listed in self.lists), self.earliest.iri if self.earliest else "",
                self.vintage.iri if self.vintage else "")


def _holds(period: Period, day: date) -> bool:
    return (period.debut is None or period.debut <= day) and (period.fin is None or day <= period.fin)


def as_of(terms: Terms, day: date, *, asked: bool = True) -> AsOf:
    """The state of the programme's lists and of the geography at ``day``."""
    phase = next((p for p in terms.phases if _holds(p, day)), None)
    in_force = tuple(listed for listed in terms.lists if listed.debut is not None and _holds(listed, day))
    earliest = None
    if not in_force and phase is not None:
        of_phase = [listed for listed in terms.lists if listed.phase == phase.iri and listed.debut is not None]
        earliest = min(of_phase, key=lambda listed: listed.debut or date.max, default=None)
        if earliest is not None and earliest.debut is not None and earliest.debut <= day:
            earliest = None  # the phase's lists all ended before its end: nothing to say of a first list
    vintages = [v for v in terms.vintages if v.debut is not None and v.debut <= day]
    vintage = vintages[-1] if vintages else (terms.vintages[0] if terms.vintages else None)
    return AsOf(day, asked, phase, in_force, earliest, vintage)
