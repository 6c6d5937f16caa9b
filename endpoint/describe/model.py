"""What a description holds: the resource's statements, incoming links, memberships, sites,
measures and sources, the page shown and the date asked for, and the names of the terms."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode

from tid.endpoint.describe.reused import REUSED_TERMS
from tid.namespaces import PREFIXES

Node = NamedNode | BlankNode | Literal

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
TID = PREFIXES["tid"]
HYDRA = PREFIXES["hydra"]
DEFAULT_PAGE_SIZE = 100


@dataclass
class Statement:
    """One triple of the resource (merged over the graphs that state it)."""

    predicate: str
    value: Node
    graphs: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # language ('' for none) -> name of the value
    label_predicates: set[str] = field(default_factory=set)
    nested: list[tuple[NamedNode, Node]] = field(default_factory=list)  # triples of a blank-node value


@dataclass
class Incoming:
    predicate: str
    subject: NamedNode | BlankNode
    graphs: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    label_predicates: set[str] = field(default_factory=set)
    via_label: str | None = None
    debut: date | None = None  # the subject's period, when it has one (a territory, a membership)
    fin: date | None = None


@dataclass
class Membership:
    direction: str  # "members" (the resource is the organisation) or "member-of"
    membership: NamedNode
    other: NamedNode
    label: str | None
    kind: str | None
    population: int | None
    debut: date | None
    fin: date | None
    reference: date | None
    phase: str | None
    phase_label: str | None
    programme: str | None = None  # the programme of its phase (Territoires d'industrie, Action cœur de ville…)
    organised: bool = True  # False: a membership of the programme itself, with no territory or convention


@dataclass
class SiteWave:
    site: NamedNode
    label: str | None
    labellisation: str | None
    vague: str | None
    vague_label: str | None
    date: date | None
    possible: bool


@dataclass
class Measure:
    mesure: str
    label: str | None
    programme: str
    programme_label: str | None
    debut: date | None
    fin: date | None


@dataclass
class Source:
    graph: str
    dataset: str | None = None
    title: str | None = None
    distribution: str | None = None
    file: str | None = None
    download: str | None = None
    licence: str | None = None
    licence_label: str | None = None
    temporal: str | None = None


@dataclass
class Period:
    iri: str
    labels: dict[str, str]
    debut: date | None = None
    fin: date | None = None


@dataclass
class TerritoryList(Period):
    """A territory list (``tid:ListeTerritoires``): ``debut``..``fin`` are the days it is the
    latest list of its phase; ``reference`` is its own date."""

    phase: str | None = None
    reference: date | None = None
    size: int | None = None


@dataclass
class Pager:
    number: int
    size: int
    last: int

    @property
    def paged(self) -> bool:
        return self.last > 1

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def window(self, items: list[Any]) -> list[Any]:
        return items[self.offset:self.offset + self.size]


@dataclass
class Terms:
    """What is read once per release: names of terms, the phases, the waves, the territory lists
    and the geographic vintages (``debut``: their reference date), each sorted by date."""

    labels: dict[str, dict[str, str]]
    phases: list[Period]
    waves: list[Period]
    lists: list[TerritoryList] = field(default_factory=list)
    vintages: list[Period] = field(default_factory=list)

    def name(self, iri: str, lang: str) -> str | None:
        names = self.labels.get(iri)
        if names:
            return names.get(lang) or names.get("fr") or names.get("") or next(iter(names.values()))
        reused = REUSED_TERMS.get(iri)
        if reused:
            return reused[0] if lang == "fr" else reused[1]
        return None


@dataclass
class Description:
    iri: str
    path: str
    page: Pager
    at: date | None
    terms: Terms
    statements: list[Statement]
    incoming_counts: dict[str, int]
    incoming_by_kind: dict[tuple[str, str], int]  # (property, kind of subject: territoire (of industry), convention (of another programme), commune…) -> links
    incoming: list[Incoming]  # the page's slice
    incoming_total: int
    memberships: list[Membership]  # the page's slice
    memberships_total: int
    member_counts: dict[str, int]  # kind -> number of members (all pages)
    sites: list[SiteWave]
    measures: list[Measure]
    sources: list[Source]
    at_phase: Period | None = None
    at_wave: Period | None = None
    as_of: Any = None  # the AsOf of ``at`` (the lists in force, the vintage), when the page is at a date
    membership_iris: frozenset[str] = frozenset()  # every membership of the resource (all pages)
    # The HTML page's two pagers (memberships, incoming links); ``page`` pages both at once (RDF).
    members_pager: Pager | None = None
    incoming_pager: Pager | None = None
    # A territory's or an EPCI's page at a date: which of its communes each other programme
    # (Action cœur de ville, Petites villes de demain) has then (describe.programmes.ProgrammeAt).
    programmes: list[Any] = field(default_factory=list)

    @property
    def types(self) -> list[str]:
        return [str(s.value.value) for s in self.statements if s.predicate == RDF_TYPE and isinstance(s.value, NamedNode)]

    def values(self, predicate: str) -> list[Statement]:
        return [s for s in self.statements if s.predicate == predicate]

    def label(self, lang: str) -> tuple[str, str] | None:
        """The resource's own name in ``lang`` (or French, or any) with its language tag."""
        names: dict[str, str] = {}
        for predicate in (RDFS_LABEL, PREFIXES["skos"] + "prefLabel", PREFIXES["dct"] + "title", PREFIXES["foaf"] + "name"):
            for statement in self.values(predicate):
                if isinstance(statement.value, Literal):
                    names.setdefault(statement.value.language or "", statement.value.value)
            if names:
                break
        return pick(names, lang)


def pick(labels: dict[str, str], lang: str) -> tuple[str, str] | None:
    """The name in ``lang``, else French, else untagged, else any; with its language."""
    for key in (lang, "fr", ""):
        if key in labels:
            return labels[key], key
    if labels:
        key, value = next(iter(labels.items()))
        return value, key
    return None


def collation_key(label: str | None) -> str:
    """Sort names as a French reader expects: accents and case ignored (Évry before Melun);
    no name last."""
    if not label:
        return "\uffff"
    if label.isascii():  # nothing to decompose: most names, and a territory sorts hundreds of them
        return label.casefold()
    decomposed = unicodedata.normalize("NFKD", label)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
