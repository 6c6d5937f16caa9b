"""The other programmes a place's communes belong to at a date: Action cœur de ville, Petites
villes de demain (every programme of the graph with dated lists but Territoires d'industrie, whose
lists are the pages' own "as of").

Their lists and the memberships each states are read once per release
(``resource-programmes-listes``, a few thousand rows); a territory's or an EPCI's page at a date
then answers in memory: for each programme, its list in force at the date (the latest of its
phase on or before it), or the earliest list when the date precedes them all (the graph knows
nothing before it), and those of the page's communes that a membership of that list holds at
the date. The home page counts each list in force from the same reading."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pyoxigraph import Literal, NamedNode, Store

from tid.endpoint.describe.model import Membership, collation_key
from tid.graph.queries import load_query


@dataclass(frozen=True)
class ListedMembership:
    """A membership a list states: its member, its convention (None: a Petites villes de demain
    commune of 2021 with none), the days it holds."""

    adhesion: str
    member: str
    convention: str | None
    debut: date | None
    fin: date | None

    def holds(self, day: date) -> bool:
        return (self.debut is None or self.debut <= day) and (self.fin is None or day <= self.fin)


@dataclass
class ProgrammeList:
    """One dated list of a programme: ``debut``..``fin`` are the days it is the latest of its phase."""

    iri: str
    programme: str
    phase: str
    reference: date | None
    labels: dict[str, str] = field(default_factory=dict)
    debut: date | None = None
    fin: date | None = None
    members: dict[str, list[ListedMembership]] = field(default_factory=dict)
    """member IRI -> the memberships of it this list states"""
    conventions: set[str] = field(default_factory=set)
    """the conventions (``tid:TerritoireProgramme``) this list states"""

    def in_force(self, day: date) -> bool:
        return self.debut is not None and self.debut <= day and (self.fin is None or day <= self.fin)


@dataclass
class ProgrammeLists:
    """Every list of the other programmes, by programme, each sorted by reference date."""

    by_programme: dict[str, list[ProgrammeList]]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    """the names of the conventions (language, '' for none -> name)"""

    def at(self, programme: str, day: date) -> tuple[ProgrammeList | None, ProgrammeList | None]:
        """(the list of ``programme`` in force at ``day``, None) or, when ``day`` precedes its
        lists, (None, its earliest list); (None, None) past its last list's end."""
        lists = self.by_programme.get(programme, [])
        for listed in lists:
            if listed.in_force(day):
                return listed, None
        dated = [listed for listed in lists if listed.debut is not None]
        earliest = min(dated, key=lambda listed: listed.debut or date.max, default=None)
        if earliest is not None and earliest.debut is not None and day < earliest.debut:
            return None, earliest
        return None, None


def _date(term: Any) -> date | None:
    try:
        return date.fromisoformat(term.value[:10]) if term is not None else None
    except ValueError:
        return None


def read_programme_lists(store: Store, sauf: str) -> ProgrammeLists:
    """The lists of every programme but ``sauf`` and what each states (one query)."""
    query = load_query("resource-programmes-listes")
    lists: dict[str, ProgrammeList] = {}
    labels: dict[str, dict[str, str]] = {}
    for row in store.query(query.text, substitutions=query.substitutions({"sauf": sauf})):
        iri = row["liste"].value
        listed = lists.get(iri)
        if listed is None:
            listed = lists[iri] = ProgrammeList(iri, row["programme"].value, row["phase"].value, _date(row["dateListe"]))
        kind = row["kind"].value
        if kind == "liste":
            listed.debut = listed.debut or _date(row["debutListe"])
            listed.fin = listed.fin or _date(row["finListe"])
            label = row["label"]
            if isinstance(label, Literal):
                listed.labels.setdefault(label.language or "", label.value)
        elif kind == "adhesion":
            member = row["membre"].value
            convention = row["convention"]
            entry = ListedMembership(row["adhesion"].value, member,
                                     convention.value if isinstance(convention, NamedNode) else None,
                                     _date(row["debut"]), _date(row["fin"]))
            known = listed.members.setdefault(member, [])
            if entry not in known:
                known.append(entry)
        else:
            listed.conventions.add(row["convention"].value)
            name = row["nomConvention"]
            if isinstance(name, Literal):
                labels.setdefault(row["convention"].value, {}).setdefault(name.language or "", name.value)
    by_programme: dict[str, list[ProgrammeList]] = {}
    for listed in sorted(lists.values(), key=lambda p: (p.reference or date.min, p.iri)):
        by_programme.setdefault(listed.programme, []).append(listed)
    return ProgrammeLists(by_programme, labels)


@dataclass
class ProgrammeAt:
    """A programme on a page at a date: the list the answer comes from (or the earliest, when
    the date precedes its lists: ``listed`` is None then), and which of the page's communes a
    membership of that list holds at the date, each with its memberships (its conventions)."""

    programme: str
    listed: ProgrammeList | None
    earliest: ProgrammeList | None
    communes: list[tuple[Membership, list[ListedMembership]]]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    """the names of the conventions (those of every list: shared, not copied)"""


def programmes_at(lists: ProgrammeLists, communes: list[Membership], day: date) -> list[ProgrammeAt]:
    """For each programme of ``lists``: which of ``communes`` (the page's member communes at
    ``day``) belong to it at ``day``, according to its list in force then."""
    found = []
    for programme in lists.by_programme:
        listed, earliest = lists.at(programme, day)
        members = []
        if listed is not None:
            for commune in communes:
                held = [m for m in listed.members.get(commune.other.value, ()) if m.holds(day)]
                if held:
                    members.append((commune, held))
        members.sort(key=lambda pair: (collation_key(pair[0].label), pair[0].other.value))
        found.append(ProgrammeAt(programme, listed, earliest, members, lists.labels))
    return found
