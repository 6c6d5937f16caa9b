"""``/changes``: the changelog of the release being served (what each named graph gained and lost
since the previous release), as an HTML page in French or English, or as RDF.

The changelog is the named graph ``{base}graph/changelog`` the build writes
(:mod:`tid.graph.changelog`); the page reads it with the named query
``modifications-de-la-version``. Browsers get the page; ``Accept`` (or ``format=``) asking for an
RDF format gets the graph itself (Turtle, JSON-LD, RDF/XML, N-Triples, TriG, N-Quads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response
from pyoxigraph import Triple

from tid.endpoint import conneg
from tid.endpoint.html import render_page
from tid.endpoint.http import PAGE_FORMAT, Body, negotiated
from tid.endpoint.live import Release, current_release
from tid.endpoint.results import serialize_graph
from tid.endpoint.urls import page_url
from tid.graph.changelog import CHANGELOG_GRAPH
from tid.graph.queries import load_query
from tid.namespaces import PREFIXES, TID, Minter

bp = Blueprint("changes", __name__)

OFFERS = (conneg.HTML, *conneg.GRAPH_FORMATS)
CHANGES_PREFIXES = {p: PREFIXES[p] for p in ("tid", "dct", "prov", "rdfs", "xsd")}


@dataclass
class Item:
    added: bool
    kind: str
    thing: str
    thing_url: str | None
    territory: str | None
    territory_url: str | None
    label_fr: str
    label_en: str


@dataclass
class GraphChange:
    source: str
    old: str | None
    new: str | None
    added: int
    removed: int
    items: list[Item] = field(default_factory=list)


@dataclass
class Changelog:
    present: bool = False
    release: str = ""
    previous: str | None = None
    date: str = ""
    graphs: list[GraphChange] = field(default_factory=list)


def read_changelog(release: Release) -> Changelog:
    """The changelog graph of ``release``, grouped by graph, once per release."""

    def compute() -> Changelog:
        query = load_query("modifications-de-la-version")
        graph = Minter(release.base).graph(CHANGELOG_GRAPH)
        result = Changelog()
        by_source: dict[str, GraphChange] = {}
        for row in release.store.query(query.text, substitutions=query.substitutions({"changelog": graph.value})):
            def value(name: str) -> str | None:
                term = row[name]
                return term.value if term is not None else None

            result.present = True
            result.release = value("version") or ""
            result.previous = value("versionPrecedente")
            result.date = (value("date") or "")[:19].replace("T", " ")
            source = value("source")
            if source is None:
                continue
            change = by_source.get(source)
            if change is None:
                change = by_source[source] = GraphChange(source, value("ancienGraphe"), value("nouveauGraphe"),
                                                         int(value("triplesAjoutes") or 0),
                                                         int(value("triplesRetires") or 0))
                result.graphs.append(change)
            if value("changement") is None:
                continue
            thing, territory = value("objet") or "", value("territoire")
            change.items.append(Item(
                added=value("nature") == "ajout",
                kind=value("typeObjet") or "",
                thing=thing,
                thing_url=page_url(thing, release.base),
                territory=territory,
                territory_url=page_url(territory, release.base) if territory else None,
                label_fr=value("labelFr") or "",
                label_en=value("labelEn") or "",
            ))
        for change in result.graphs:  # additions first, then removals, each in label order
            change.items.sort(key=lambda item: (not item.added, item.label_fr))
        return result

    return release.cached("changes-page", compute)


def _graph_triples(release: Release) -> list[Triple]:
    graph = Minter(release.base).graph(CHANGELOG_GRAPH)
    return [quad.triple for quad in release.store.quads_for_pattern(None, None, None, graph)]


@bp.get("/changes")
def changes() -> Response:
    release = current_release()

    def draw(fmt: conneg.Format) -> Body:
        if fmt is not conneg.HTML:
            return serialize_graph(_graph_triples(release), fmt, CHANGES_PREFIXES)
        changelog = read_changelog(release)
        counts: dict[str, Any] = {
            "graphs": len(changelog.graphs),
            "added": sum(1 for g in changelog.graphs for i in g.items if i.added),
            "removed": sum(1 for g in changelog.graphs for i in g.items if not i.added),
        }
        return render_page("changes.html", changelog=changelog, counts=counts, adhesion=TID.Adhesion.value,
                           changelog_graph=Minter(release.base).graph(CHANGELOG_GRAPH).value)

    return negotiated(OFFERS, draw, called=PAGE_FORMAT, tag=[release.id, "changes"])
