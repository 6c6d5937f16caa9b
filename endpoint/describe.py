"""The description of one resource ``{base}id/...``: what its page and its RDF documents say.

Six bounded queries (``queries/resource-*.rq``, bound with the resource's IRI), not one per
link: the resource's own triples with the names of what they link to and the named graph of
each; its incoming links with the names of their subjects; its memberships both ways, dated;
the sites clés en main linked to it and their waves; the sources (dataset, file, licence) of the
named graphs its facts come from; and whether it exists at all. The measures reaching a
territory are read once per phase, the names of the ontology's terms, the phases and the waves
once per release. The engine neither sorts nor groups (both cost far more there than here on a
territory of hundreds of communes): rows are merged and sorted in Python. What the store says
about a resource (a :class:`Snapshot`) may be kept by the release for the next request
(:class:`Snapshots`, bounded): the data of a release never change.

Large resources are paged (``page``, ``page_size``): incoming links and memberships are sliced
at the same page number; every list says how many items it has in all, and the page knows its
last number, so nothing is ever cut silently. ``at`` (a date) keeps only the memberships (and
the incoming links from them), sites and measures that hold at that date, and names the phase
and the latest wave then.

:func:`graph_of` turns a description into the triples of the RDF documents (own triples, labels,
incoming links of the page, counts as ``void:Linkset``, sources, Hydra paging).
"""
from __future__ import annotations

import math
import threading
import unicodedata
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Store, Triple, Variable

from tid.graph.queries import load_query
from tid.namespaces import PREFIXES

Node = NamedNode | BlankNode | Literal

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
TID = PREFIXES["tid"]
HYDRA = PREFIXES["hydra"]
DEFAULT_PAGE_SIZE = 100

# Names of the terms reused from other vocabularies (the ontology names only its own): the
# words a page shows for them, French and English. A term in neither gets its prefixed name.
REUSED_TERMS: dict[str, tuple[str, str]] = {
    PREFIXES["rdf"] + "type": ("type", "type"),
    PREFIXES["rdfs"] + "label": ("nom", "name"),
    PREFIXES["rdfs"] + "comment": ("commentaire", "comment"),
    PREFIXES["rdfs"] + "seeAlso": ("voir aussi", "see also"),
    PREFIXES["skos"] + "altLabel": ("autre nom", "other name"),
    PREFIXES["skos"] + "prefLabel": ("nom", "name"),
    PREFIXES["skos"] + "inScheme": ("dans le référentiel", "in scheme"),
    PREFIXES["skos"] + "Concept": ("concept", "concept"),
    PREFIXES["org"] + "member": ("membre", "member"),
    PREFIXES["org"] + "organization": ("organisation", "organisation"),
    PREFIXES["org"] + "memberDuring": ("membre pendant", "member during"),
    PREFIXES["org"] + "role": ("rôle", "role"),
    PREFIXES["igeo"] + "codeINSEE": ("code INSEE", "INSEE code"),
    PREFIXES["igeo"] + "chefLieu": ("chef-lieu", "chief town"),
    PREFIXES["igeo"] + "Commune": ("commune", "municipality (commune)"),
    PREFIXES["igeo"] + "Departement": ("département", "département"),
    PREFIXES["igeo"] + "Region": ("région", "region"),
    PREFIXES["igeo"] + "Intercommunalite": ("intercommunalité (EPCI)", "inter-municipal body (EPCI)"),
    PREFIXES["m8g"] + "PublicOrganisation": ("organisation publique", "public organisation"),
    PREFIXES["m8g"] + "hasCompetentAuthority": ("autorité compétente", "competent authority"),
    PREFIXES["dct"] + "source": ("source", "source"),
    PREFIXES["dct"] + "title": ("titre", "title"),
    PREFIXES["dct"] + "description": ("description", "description"),
    PREFIXES["dct"] + "identifier": ("identifiant", "identifier"),
    PREFIXES["dct"] + "isPartOf": ("fait partie de", "is part of"),
    PREFIXES["dct"] + "issued": ("publié le", "issued"),
    PREFIXES["dct"] + "publisher": ("éditeur", "publisher"),
    PREFIXES["dct"] + "license": ("licence", "licence"),
    PREFIXES["geo"] + "hasGeometry": ("géométrie", "geometry"),
    PREFIXES["geo"] + "asWKT": ("géométrie (WKT)", "geometry (WKT)"),
    PREFIXES["time"] + "hasBeginning": ("début", "beginning"),
    PREFIXES["time"] + "hasEnd": ("fin", "end"),
    PREFIXES["time"] + "inXSDDate": ("date", "date"),
    PREFIXES["foaf"] + "name": ("nom", "name"),
    PREFIXES["sh"] + "focusNode": ("nœud évalué (validation)", "focus node (validation)"),
    PREFIXES["sh"] + "value": ("valeur en cause (validation)", "value (validation)"),
    PREFIXES["prov"] + "wasDerivedFrom": ("dérivé de", "derived from"),
}


class BadParameter(ValueError):
    """A query-string value a resource page cannot use (``page``, ``at``)."""


def parse_at(raw: str | None) -> date | None:
    """``?at=YYYY-MM-DD`` -> date; anything else raises BadParameter."""
    if raw is None:
        return None
    text = raw.strip()
    if len(text) != 10:
        raise BadParameter(f"at={raw!r} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadParameter(f"at={raw!r} is not a date written YYYY-MM-DD") from None


def parse_page(raw: str | None) -> int:
    """``?page=N`` (N ≥ 1) -> N; 1 when absent."""
    if raw is None:
        return 1
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        raise BadParameter(f"page={raw!r} is not a page number (1, 2, 3…)")
    return int(raw)


# -- what a description holds ------------------------------------------------------------------


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
    """What is read once per release: names of terms, the phases and the waves."""

    labels: dict[str, dict[str, str]]
    phases: list[Period]
    waves: list[Period]

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
    membership_iris: frozenset[str] = frozenset()  # every membership of the resource (all pages)

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


# -- reading the store ---------------------------------------------------------------------------


def collation_key(label: str | None) -> str:
    """Sort names as a French reader expects: accents and case ignored (Évry before Melun);
    no name last."""
    if not label:
        return "\uffff"
    decomposed = unicodedata.normalize("NFKD", label)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _query(store: Store, name: str, iri: str | None, variable: str = "resource") -> Any:
    query = load_query(name)
    substitutions = {Variable(variable): NamedNode(iri)} if iri is not None else None
    return store.query(query.text, substitutions=substitutions)


def _date(term: Any) -> date | None:
    if term is None:
        return None
    try:
        return date.fromisoformat(term.value[:10])
    except (ValueError, AttributeError):
        return None


def _int(term: Any) -> int | None:
    try:
        return int(term.value) if term is not None else None
    except ValueError:
        return None


def _str(term: Any) -> str | None:
    return term.value if term is not None else None


def _french_first(current: str | None, term: Any) -> str | None:
    """The first name seen, replaced by a French one when one comes."""
    if not isinstance(term, Literal):
        return current
    if current is None or term.language == "fr":
        return term.value
    return current


def exists(store: Store, iri: str) -> bool:
    return next(iter(_query(store, "resource-exists", iri)), None) is not None


def read_terms(store: Store) -> Terms:
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    phases: dict[str, Period] = {}
    waves: dict[str, Period] = {}
    for row in _query(store, "resource-term-labels", None):
        iri, kind, label = row["term"].value, row["kind"].value, row["label"]
        if label is not None:
            labels[iri].setdefault(label.language or "", label.value)
        if kind == "phase":
            period = phases.setdefault(iri, Period(iri, labels[iri]))
            period.debut = period.debut or _date(row["debut"])
            period.fin = period.fin or _date(row["fin"])
        elif kind == "vague":
            period = waves.setdefault(iri, Period(iri, labels[iri]))
            period.debut = period.debut or _date(row["date"])
    return Terms(dict(labels), sorted(phases.values(), key=lambda p: p.debut or date.min),
                 sorted(waves.values(), key=lambda p: p.debut or date.min))


def _statements(store: Store, iri: str) -> list[Statement]:
    merged: dict[tuple[str, Node], Statement] = {}
    for row in _query(store, "resource-statements", iri):
        key = (row["p"].value, row["o"])
        statement = merged.get(key)
        if statement is None:
            statement = merged[key] = Statement(row["p"].value, row["o"])
        graph = row["g"].value
        if graph not in statement.graphs:
            statement.graphs.append(graph)
        label = row["label"]
        if isinstance(label, Literal):
            statement.labels.setdefault(label.language or "", label.value)
            statement.label_predicates.add(row["lp"].value)
        if row["bp"] is not None and (row["bp"], row["bo"]) not in statement.nested:
            statement.nested.append((row["bp"], row["bo"]))
    return sorted(merged.values(), key=lambda s: (s.predicate != RDF_TYPE, s.predicate, str(s.value)))


def _holds(debut: date | None, fin: date | None, at: date | None) -> bool:
    if at is None:
        return True
    return (debut is None or debut <= at) and (fin is None or at <= fin)


def _incoming(store: Store, iri: str, names: dict[str, str]) -> list[Incoming]:
    """Every incoming link, ordered by property then subject. ``names`` names the subjects that
    have no label of their own (a membership after its member, a labelling after its site)."""
    items: dict[tuple[str, Any], Incoming] = {}
    for row in _query(store, "resource-incoming", iri):
        subject = row["s"]
        key = (row["p"].value, subject)
        item = items.get(key)
        if item is None:
            item = items[key] = Incoming(row["p"].value, subject, via_label=names.get(subject.value))
        graph = row["g"].value
        if graph not in item.graphs:
            item.graphs.append(graph)
        label = row["label"]
        if isinstance(label, Literal):
            item.labels.setdefault(label.language or "", label.value)
    return sorted(items.values(), key=lambda i: (i.predicate, str(i.subject.value)))


KINDS = {"commune": "commune", "epci": "epci", "territoire": "territoire"}
# Members are listed groupings first: a territory's EPCIs, then its communes.
KIND_ORDER = {"territoire": 0, "epci": 1, "commune": 2}


def _kind(iri: str, base: str) -> str | None:
    """``{base}id/commune/…`` -> ``commune`` (the IRI patterns of docs/model.md)."""
    prefix = base + "id/"
    if not iri.startswith(prefix):
        return None
    return KINDS.get(iri[len(prefix):].split("/", 1)[0])


def _memberships(store: Store, iri: str, base: str, terms: Terms) -> list[Membership]:
    """Every membership of the resource, both ways, merged over the rows of the query."""
    merged: dict[tuple[str, str, str], Membership] = {}
    for row in _query(store, "resource-memberships", iri):
        key = (row["direction"].value, row["membership"].value, row["other"].value)
        m = merged.get(key)
        if m is None:
            m = merged[key] = Membership(
                direction=key[0], membership=row["membership"], other=row["other"], label=None,
                kind=_kind(key[2], base), population=None, debut=None, fin=None, reference=None, phase=None,
                phase_label=None)
        m.label = _french_first(m.label, row["label"])
        population = _int(row["population"])
        if population is not None and (m.population is None or population > m.population):
            m.population = population
        m.debut = m.debut or _date(row["debut"])
        m.fin = m.fin or _date(row["fin"])
        m.reference = m.reference or _date(row["reference"])
        if m.phase is None and row["phase"] is not None:
            m.phase = row["phase"].value
            names = terms.labels.get(m.phase) or {}
            m.phase_label = names.get("fr") or next(iter(names.values()), None)
    return sorted(merged.values(), key=lambda m: (m.direction, KIND_ORDER.get(m.kind or "", len(KIND_ORDER)),
                                                  collation_key(m.label), m.other.value))


def _at_date(memberships: list[Membership], at: date | None) -> tuple[list[Membership], set[str]]:
    """The memberships that hold at ``at``, and the IRIs of those that do not.

    Memberships of a phase hold between their bounds; those known at a COG reference date (a
    commune in an EPCI) hold as of the latest vintage on or before ``at`` (the earliest vintage
    when ``at`` precedes them all)."""
    if at is None:
        return memberships, set()
    vintages = sorted({m.reference for m in memberships if m.reference is not None})
    vintage = None
    if vintages:
        before = [v for v in vintages if v <= at]
        vintage = before[-1] if before else vintages[0]
    kept = [m for m in memberships
            if (m.reference == vintage if m.reference is not None else _holds(m.debut, m.fin, at))]
    kept_ids = {m.membership.value for m in kept}
    return kept, {m.membership.value for m in memberships if m.membership.value not in kept_ids}


def _sites(store: Store, iri: str) -> list[SiteWave]:
    return sorted((
        SiteWave(site=row["site"], label=_str(row["label"]), labellisation=_str(row["labellisation"]),
                 vague=_str(row["vague"]), vague_label=_str(row["vagueLabel"]), date=_date(row["date"]),
                 possible=bool(row["possible"] is not None and row["possible"].value == "true"))
        for row in _query(store, "resource-sites", iri)
    ), key=lambda r: (collation_key(r.label), r.site.value, r.date or date.max))


def _sites_at(rows: list[SiteWave], at: date | None) -> list[SiteWave]:
    """A site belongs to the state at ``at`` once a wave on or before that date labelled it."""
    if at is None:
        return rows
    labelled = {r.site for r in rows if r.date is not None and r.date <= at}
    return [r for r in rows if r.site in labelled and (r.date is None or r.date <= at)]


def read_measures(store: Store, phase: str) -> list[Measure]:
    """The measures reaching the territories of ``phase`` (read once per phase and release)."""
    return [
        Measure(mesure=row["mesure"].value, label=_str(row["label"]), programme=row["programme"].value,
                programme_label=_str(row["programmeLabel"]), debut=_date(row["debut"]), fin=_date(row["fin"]))
        for row in _query(store, "resource-measures", phase, variable="phase")
    ]


def _sources(store: Store, iri: str) -> list[Source]:
    found: dict[str, Source] = {}
    for row in _query(store, "resource-sources", iri):
        graph = row["g"].value
        source = found.setdefault(graph, Source(graph))
        for attribute, variable in (("dataset", "dataset"), ("title", "title"), ("distribution", "dist"),
                                    ("file", "file"), ("download", "download"), ("licence", "licence"),
                                    ("licence_label", "licenceLabel"), ("temporal", "temporal")):
            if getattr(source, attribute) is None and row[variable] is not None:
                setattr(source, attribute, row[variable].value)
    return sorted(found.values(), key=lambda s: s.graph)


def _at_periods(terms: Terms, at: date | None) -> tuple[Period | None, Period | None]:
    if at is None:
        return None, None
    phase = next((p for p in terms.phases if _holds(p.debut, p.fin, at)), None)
    waves = [w for w in terms.waves if w.debut is not None and w.debut <= at]
    return phase, (waves[-1] if waves else None)


@dataclass
class Snapshot:
    """Everything the store says about one resource, before paging and dates: what a release
    can keep in memory for the next request about the same resource."""

    statements: list[Statement]
    memberships: list[Membership]
    sites: list[SiteWave]
    incoming: list[Incoming]
    measures: list[Measure]
    sources: list[Source]


class Snapshots:
    """The snapshots of the resources asked for last (at most ``size``), for one release."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[str, Snapshot] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, iri: str, compute: Callable[[], Snapshot]) -> Snapshot:
        if self.size <= 0:
            return compute()
        with self._lock:
            found = self._items.get(iri)
            if found is not None:
                self._items.move_to_end(iri)
                return found
        snapshot = compute()  # outside the lock: two first requests may both compute, harmlessly
        with self._lock:
            self._items[iri] = snapshot
            self._items.move_to_end(iri)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return snapshot


def snapshot(store: Store, terms: Terms, iri: str, *, base: str,
             cached: Callable[[str, Callable[[], Any]], Any] | None = None) -> Snapshot:
    """The bounded queries about ``iri``: its statements, memberships, sites, incoming links,
    the measures of its phases (``cached(key, compute)`` keeps them per phase for the release)
    and the sources of its graphs."""
    statements = _statements(store, iri)
    memberships = _memberships(store, iri, base, terms)
    sites = _sites(store, iri)
    names = {m.membership.value: m.label for m in memberships if m.label}
    names.update({s.labellisation: s.label for s in sites if s.labellisation and s.label})
    measures: list[Measure] = []
    for statement in statements:
        if statement.predicate == TID + "phase" and isinstance(statement.value, NamedNode):
            phase = statement.value.value
            compute = partial(read_measures, store, phase)
            found = cached(f"resource-measures {phase}", compute) if cached else compute()
            measures += [m for m in found if m not in measures]
    return Snapshot(statements, memberships, sites, _incoming(store, iri, names), measures, _sources(store, iri))


def describe(store: Store, terms: Terms, iri: str, path: str, *, base: str, page: int = 1, at: date | None = None,
             page_size: int = DEFAULT_PAGE_SIZE, cached: Callable[[str, Callable[[], Any]], Any] | None = None,
             snapshots: Snapshots | None = None) -> Description | None:
    """The description of ``iri`` at ``page`` (and date ``at``), or None when the page number is
    past the last page. The caller checks that the resource exists. ``snapshots`` keeps what the
    store says about the resources asked for last."""
    def compute() -> Snapshot:
        return snapshot(store, terms, iri, base=base, cached=cached)

    snap = snapshots.get(iri, compute) if snapshots is not None else compute()
    memberships, dropped = _at_date(snap.memberships, at)
    incoming = [i for i in snap.incoming if i.subject.value not in dropped] if dropped else snap.incoming
    counts: dict[str, int] = defaultdict(int)
    for item in incoming:
        counts[item.predicate] += 1
    largest = max(len(incoming), len(memberships))
    pager = Pager(page, page_size, max(1, math.ceil(largest / page_size)))
    if page > pager.last:
        return None
    member_counts: dict[str, int] = defaultdict(int)
    for membership in memberships:
        if membership.direction == "members":
            member_counts[membership.kind or "autre"] += 1
    at_phase, at_wave = _at_periods(terms, at)
    return Description(
        iri=iri, path=path, page=pager, at=at, terms=terms, statements=snap.statements,
        incoming_counts=dict(counts), incoming=pager.window(incoming), incoming_total=len(incoming),
        memberships=pager.window(memberships), memberships_total=len(memberships), member_counts=dict(member_counts),
        sites=_sites_at(snap.sites, at), measures=[m for m in snap.measures if _holds(m.debut, m.fin, at)],
        sources=snap.sources, at_phase=at_phase, at_wave=at_wave,
        membership_iris=frozenset(m.membership.value for m in snap.memberships),
    )


# -- the RDF documents ---------------------------------------------------------------------------


def graph_of(description: Description, doc_iri: str, page_iri: str | None,
             page_link: Any = None) -> list[Triple]:
    """The triples of the document ``doc_iri`` about the description's resource.

    ``page_iri`` is the IRI of the page shown (``doc?page=N``) when the resource is paged;
    ``page_link(n)`` gives the IRI of page ``n``.
    """
    P = PREFIXES
    this = NamedNode(description.iri)
    doc = NamedNode(doc_iri)
    out: list[Triple] = []
    seen: set[Triple] = set()

    def add(s: NamedNode | BlankNode, p: str | NamedNode, o: Node) -> None:
        triple = Triple(s, p if isinstance(p, NamedNode) else NamedNode(p), o)
        if triple not in seen:
            seen.add(triple)
            out.append(triple)

    add(doc, RDF_TYPE, NamedNode(P["foaf"] + "Document"))
    add(doc, P["foaf"] + "primaryTopic", this)
    for statement in description.statements:
        add(this, statement.predicate, statement.value)
        for lp in statement.label_predicates or {RDFS_LABEL}:
            for lang, text in statement.labels.items():
                add(statement.value, lp, Literal(text, language=lang) if lang else Literal(text))  # type: ignore[arg-type]
        for bp, bo in statement.nested:
            add(statement.value, bp, bo)  # type: ignore[arg-type]
    for item in description.incoming:
        add(item.subject, item.predicate, this)
        for lp in item.label_predicates or {RDFS_LABEL}:
            for lang, text in item.labels.items():
                add(item.subject, lp, Literal(text, language=lang) if lang else Literal(text))
    # The other side of each membership of the page (the side that links to the resource is an
    # incoming link, paged with them).
    for membership in description.memberships:
        if membership.direction == "members":
            add(membership.membership, P["org"] + "member", membership.other)
        else:
            add(membership.membership, P["org"] + "organization", membership.other)
        if membership.label:
            add(membership.other, RDFS_LABEL, Literal(membership.label, language="fr"))
    # Incoming links counted per property: one void:Linkset each.
    for number, (predicate, count) in enumerate(sorted(description.incoming_counts.items()), start=1):
        linkset = BlankNode(f"incoming{number}")  # stable: the same bytes for the same ETag
        add(doc, P["void"] + "subset", linkset)
        add(linkset, RDF_TYPE, NamedNode(P["void"] + "Linkset"))
        add(linkset, P["void"] + "objectsTarget", this)
        add(linkset, P["void"] + "linkPredicate", NamedNode(predicate))
        add(linkset, P["void"] + "triples", Literal(str(count), datatype=NamedNode(P["xsd"] + "integer")))
    # Where the facts come from.
    for source in description.sources:
        graph = NamedNode(source.graph)
        add(doc, P["prov"] + "wasDerivedFrom", graph)
        if source.dataset:
            add(graph, P["dct"] + "source", NamedNode(source.dataset))
            if source.title:
                add(NamedNode(source.dataset), P["dct"] + "title", Literal(source.title, language="fr"))
        if source.licence:
            add(graph, P["dct"] + "license", NamedNode(source.licence))
        if source.distribution:
            dist = NamedNode(source.distribution)
            add(graph, P["prov"] + "wasDerivedFrom", dist)
            add(dist, RDF_TYPE, NamedNode(P["dcat"] + "Distribution"))
            if source.download:
                add(dist, P["dcat"] + "downloadURL", NamedNode(source.download))
            if source.file:
                add(dist, TID + "cheminMiroir", Literal(source.file))
        if source.temporal:
            add(graph, P["dct"] + "temporal", Literal(source.temporal, datatype=NamedNode(P["xsd"] + "date")))
    # Paging (Hydra): the document is the collection of the resource's links; this is one view.
    pager = description.page
    if pager.paged and page_iri is not None and page_link is not None:
        view = NamedNode(page_iri)
        add(doc, RDF_TYPE, NamedNode(HYDRA + "Collection"))
        add(doc, HYDRA + "totalItems", Literal(str(description.incoming_total + description.memberships_total),
                                               datatype=NamedNode(P["xsd"] + "integer")))
        add(doc, HYDRA + "view", view)
        add(view, RDF_TYPE, NamedNode(HYDRA + "PartialCollectionView"))
        add(view, HYDRA + "first", NamedNode(page_link(1)))
        add(view, HYDRA + "last", NamedNode(page_link(pager.last)))
        if pager.number > 1:
            add(view, HYDRA + "previous", NamedNode(page_link(pager.number - 1)))
        if pager.number < pager.last:
            add(view, HYDRA + "next", NamedNode(page_link(pager.number + 1)))
    return out


def prefixes(base: str) -> dict[str, str]:
    """The prefixes of the Turtle and RDF/XML documents (none for the data: a local name with a
    ``/`` would be escaped, and the full IRI reads better)."""
    return {**{k: v for k, v in PREFIXES.items() if k in (
        "rdf", "rdfs", "xsd", "owl", "skos", "dct", "dcat", "prov", "foaf", "org", "igeo", "tid", "geo",
        "time", "void", "m8g", "cpsv", "schema", "spdx")}, "hydra": HYDRA}
