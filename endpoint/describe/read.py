"""Reading the store: the bounded ``resource-*`` queries about one resource, merged and sorted
here (the engine neither sorts nor groups), and the description of a page at a date."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

from pyoxigraph import Literal, NamedNode, Store, Variable

from tid.endpoint.describe.as_of import AsOf, as_of
from tid.endpoint.describe.model import (
    DEFAULT_PAGE_SIZE,
    RDF_TYPE,
    TID,
    Description,
    Incoming,
    Measure,
    Membership,
    Node,
    Pager,
    Period,
    SiteWave,
    Source,
    Statement,
    Terms,
    TerritoryList,
    collation_key,
)
from tid.endpoint.describe.programmes import ProgrammeLists, programmes_at
from tid.endpoint.describe.snapshots import Snapshot, Snapshots
from tid.graph.queries import load_query
from tid.namespaces import PREFIXES


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
    lists: dict[str, TerritoryList] = {}
    vintages: dict[str, Period] = {}
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
        elif kind == "liste":
            listed = lists.setdefault(iri, TerritoryList(iri, labels[iri], phase=row["phase"].value))
            listed.debut = listed.debut or _date(row["debut"])
            listed.fin = listed.fin or _date(row["fin"])
            listed.reference = listed.reference or _date(row["date"])
            listed.size = listed.size if listed.size is not None else _int(row["n"])
        elif kind == "millesime":
            period = vintages.setdefault(iri, Period(iri, labels[iri]))
            period.debut = period.debut or _date(row["date"])

    def by_date(periods: dict[str, Any]) -> list[Any]:
        return sorted(periods.values(), key=lambda p: (p.debut or date.min, p.iri))

    return Terms(dict(labels), by_date(phases), by_date(waves),
                 sorted(lists.values(), key=lambda p: (p.reference or date.min, p.iri)), by_date(vintages))


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


MEMBERSHIP_LINKS = {"members": PREFIXES["org"] + "organization", "member-of": PREFIXES["org"] + "member"}
"""The property by which a membership links to the resource, by direction: the resource is its
organisation (``members``) or its member (``member-of``)."""


def _incoming(store: Store, iri: str, names: dict[str, str], memberships: list[Membership]) -> list[Incoming]:
    """Every incoming link, ordered by property then subject. ``names`` names the subjects that
    have no label of their own (a membership after its member, a labelling after its site).

    The link of each of the resource's ``memberships`` to it comes from them, with their dates
    (``resource-incoming`` does not read those links again, only the name of such a membership
    when it has one); the graphs of such a link are not read: the page shows it in its
    membership tables, and the RDF documents state the link without its graph."""
    items: dict[tuple[str, Any], Incoming] = {}
    for m in memberships:
        key = (MEMBERSHIP_LINKS[m.direction], m.membership)
        if key not in items:
            items[key] = Incoming(key[0], m.membership, via_label=names.get(m.membership.value), debut=m.debut,
                                  fin=m.fin)
    for row in _query(store, "resource-incoming", iri):
        subject = row["s"]
        key = (row["p"].value, subject)
        item = items.get(key)
        if item is None:
            item = items[key] = Incoming(key[0], subject, via_label=names.get(subject.value))
        item.debut = item.debut or _date(row["debut"])
        item.fin = item.fin or _date(row["fin"])
        graph = row["g"]
        if graph is not None and graph.value not in item.graphs:
            item.graphs.append(graph.value)
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
        if m.programme is None and row["programme"] is not None:
            m.programme = row["programme"].value
        if key[0] == "member-of" and row["organisation"] is None:
            m.organised = False
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


def _latest_wave(terms: Terms, at: date | None) -> Period | None:
    if at is None:
        return None
    waves = [w for w in terms.waves if w.debut is not None and w.debut <= at]
    return waves[-1] if waves else None


def snapshot(store: Store, terms: Terms, iri: str, *, base: str,
             cached: Callable[[str, Callable[[], Any]], Any] | None = None) -> Snapshot:
    """The bounded queries about ``iri``: its statements, memberships, sites, incoming links,
    the measures of its phases (a territory's) (``cached(key, compute)`` keeps them per phase for the release)
    and the sources of its graphs."""
    statements = _statements(store, iri)
    memberships = _memberships(store, iri, base, terms)
    sites = _sites(store, iri)
    names = {m.membership.value: m.label for m in memberships if m.label}
    names.update({s.labellisation: s.label for s in sites if s.labellisation and s.label})
    measures: list[Measure] = []
    territory = any(s.predicate == RDF_TYPE and s.value == NamedNode(TID + "TerritoireIndustrie") for s in statements)
    for statement in statements if territory else ():
        if statement.predicate == TID + "phase" and isinstance(statement.value, NamedNode):
            phase = statement.value.value
            compute = partial(read_measures, store, phase)
            found = cached(f"resource-measures {phase}", compute) if cached else compute()
            measures += [m for m in found if m not in measures]
    return Snapshot(statements, memberships, sites, _incoming(store, iri, names, memberships), measures,
                    _sources(store, iri))


def _dated(snap: Snapshot) -> bool:
    """Whether anything about the resource holds for a period only (so that its page has a state
    at a date): memberships, labelled sites, or links from things of a period."""
    return bool(snap.memberships or snap.sites or any(i.debut or i.fin for i in snap.incoming))


def _within_life(day: date, statements: list[Statement]) -> date:
    """``day``, or the resource's last day when it ended before (a territory of an earlier list, a
    dissolved EPCI), or its first when it begins after: "today's state" of a thing of the past is
    its state on its last day."""
    for statement in statements:
        value = _date(statement.value) if isinstance(statement.value, Literal) else None
        if value is None:
            continue
        if statement.predicate == TID + "dateFin" and value < day:
            day = value
        elif statement.predicate == TID + "supprimeAvant" and value <= day:
            day = value - timedelta(days=1)
        elif statement.predicate == TID + "dateDebut" and value > day:
            day = value
    return day


def describe(store: Store, terms: Terms, iri: str, path: str, *, base: str, page: int = 1, at: date | None = None,
             today: date | None = None, page_size: int = DEFAULT_PAGE_SIZE,
             members_page: int | None = None, incoming_page: int | None = None,
             cached: Callable[[str, Callable[[], Any]], Any] | None = None,
             snapshots: Snapshots | None = None,
             fetch: Callable[[str], Snapshot] | None = None,
             programme_lists: ProgrammeLists | None = None) -> Description | None:
    """The description of ``iri`` at ``page`` (and date ``at``), or None when the page number is
    past the last page. ``members_page`` and ``incoming_page`` (the HTML page's two pagers) page
    the memberships and the incoming links each on its own, at ``page`` when not given; a number
    past its list's last page is None too. The caller checks that the resource exists.
    ``snapshots`` keeps what the store says about the resources asked for last; ``fetch(iri)``, when
    given, computes it instead of :func:`snapshot` here (the endpoint runs it in its query pool). Without ``at``, ``today`` (when given) asks for
    today's state of a resource that has one (its last day's, when it has ended); without either,
    the description holds every date. ``programme_lists`` (the other programmes' lists, read once
    per release): a territory's or an EPCI's page at a date says which of its communes each has
    then."""
    def compute() -> Snapshot:
        if fetch is not None:  # the endpoint's: in a killable query process
            return fetch(iri)
        return snapshot(store, terms, iri, base=base, cached=cached)

    snap = snapshots.get(iri, compute) if snapshots is not None else compute()
    state: AsOf | None = None
    if at is not None:
        state = as_of(terms, at)
    elif today is not None and _dated(snap):
        at = _within_life(today, snap.statements)
        state = as_of(terms, at, asked=False)
    memberships, dropped = _at_date(snap.memberships, at)
    incoming = [i for i in snap.incoming if i.subject.value not in dropped and _holds(i.debut, i.fin, at)]
    counts: dict[str, int] = defaultdict(int)
    by_kind: dict[tuple[str, str], int] = defaultdict(int)
    # a convention of another programme (Action cœur de ville…) is minted like a territory of
    # industry, id/territoire/{phase}/{id}: only those of Territoires d'industrie's phases count as territories
    ti_territories = tuple(f"{base}id/territoire/{p.iri.rsplit('/', 1)[-1]}/" for p in terms.phases)
    for item in incoming:
        counts[item.predicate] += 1
        kind = _kind(item.subject.value, base) or ""
        if kind == "territoire" and not item.subject.value.startswith(ti_territories):
            kind = "convention"
        by_kind[item.predicate, kind] += 1
    largest = max(len(incoming), len(memberships))
    pager = Pager(page, page_size, max(1, math.ceil(largest / page_size)))
    if page > pager.last:
        return None
    members_pager = Pager(members_page or page, page_size, max(1, math.ceil(len(memberships) / page_size)))
    incoming_pager = Pager(incoming_page or page, page_size, max(1, math.ceil(len(incoming) / page_size)))
    if (members_page or 1) > members_pager.last or (incoming_page or 1) > incoming_pager.last:
        return None
    member_counts: dict[str, int] = defaultdict(int)
    for membership in memberships:
        if membership.direction == "members":
            member_counts[membership.kind or "autre"] += 1
    programmes = []
    if programme_lists is not None and at is not None and _groups_communes(snap.statements):
        communes = [m for m in memberships if m.direction == "members" and m.kind == "commune"]
        programmes = programmes_at(programme_lists, communes, at)
    return Description(
        iri=iri, path=path, page=pager, at=at, terms=terms, statements=snap.statements,
        incoming_counts=dict(counts), incoming_by_kind=dict(by_kind), incoming=incoming_pager.window(incoming), incoming_total=len(incoming),
        memberships=members_pager.window(memberships), memberships_total=len(memberships), member_counts=dict(member_counts),
        sites=_sites_at(snap.sites, at), measures=[m for m in snap.measures if _holds(m.debut, m.fin, at)],
        sources=snap.sources, at_phase=state.phase if state else None, at_wave=_latest_wave(terms, at), as_of=state,
        membership_iris=frozenset(m.membership.value for m in snap.memberships),
        members_pager=members_pager, incoming_pager=incoming_pager, programmes=programmes,
    )


GROUPS_OF_COMMUNES = frozenset({NamedNode(TID + "TerritoireIndustrie"), NamedNode(PREFIXES["igeo"] + "Intercommunalite")})
"""The pages that say which of their communes the other programmes have: a territory of industry's,
an EPCI's (a convention of those programmes is itself one of their lists' groupings)."""


def _groups_communes(statements: list[Statement]) -> bool:
    return any(s.predicate == RDF_TYPE and s.value in GROUPS_OF_COMMUNES for s in statements)
