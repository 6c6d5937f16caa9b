"""The changelog as data: what each named graph gained and lost since the previous release.

At build time, the new store is compared with the live release's (the one the build replaces),
graph by graph. Graph IRIs hold the source version (``{base}graph/{source id}/{version}``), so
graphs are matched by **source id** (from the manifests), and the project graphs by their kind
(``derivations``, ``ontology``); a source new in this release has no old graph, a source dropped
has no new one. The graphs that describe the release itself (provenance, validation report,
catalogue, this changelog) change with every build and are not compared.

For every matched pair whose triples differ, the changelog states:

* the triples added and removed (counts);
* in domain terms, with the named queries ``entites-d-un-graphe`` and ``adhesions-d-un-graphe``
  run on both stores: the sites, communes, EPCIs, territories and supported companies the graph
  declares now and did not (``tid:ajout``) or declared and no longer does (``tid:retrait``), and
  the memberships of a territory: an EPCI (or commune) entering a territory is a ``tid:ajout``
  whose node has ``tid:typeObjet tid:Adhesion``, the member as ``tid:objetModifie`` and the
  territory as ``tid:territoireModifie``; leaving it, a ``tid:retrait``.

It is written as RDF into the named graph ``{base}graph/changelog``: the release's changelog
``{base}id/journal/{release}`` (a ``prov:Entity`` with ``dct:identifier``, ``prov:generatedAtTime``
and ``tid:versionPrecedente``), ``dct:hasPart`` one ``prov:Activity`` per changed graph
(``prov:invalidated`` the old graph: it is no longer current; ``prov:generated`` the new one,
``dct:identifier`` the source id; not ``prov:used``, which the provenance graph keeps for the files
a load read, the target of ``tidsh:FichierLu``),
with bilingual labels; PROV classes rather than classes of our own, so that no new class needs
shapes. It is served as a page at ``/changes``. A first release has a changelog that says so,
with nothing to compare.

What a removed thing *was* is not restated here (the changelog graph is part of the default
graph, the union: restating a removed membership would make it look current); its IRI and
labels are, and the previous release's dumps keep the rest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Store

from tid.graph.queries import load_query
from tid.graph.store import DataDir, ReleaseWriter
from tid.namespaces import DCT, IGEO, PROV, RDF, RDFS, TID, XSD, Minter

CHANGELOG_GRAPH = "changelog"
"""The named graph ``{base}graph/changelog``."""
COMPARED_PROJECT_GRAPHS = ("derivations", "ontology")
"""Project graphs compared besides the sources' (by the first segment after ``graph/``)."""

KINDS: dict[str, tuple[str, str]] = {
    TID.SiteCleEnMain.value: ("site clé en main", "turnkey site"),
    IGEO.Commune.value: ("commune", "municipality"),
    IGEO.Intercommunalite.value: ("EPCI", "EPCI"),
    TID.TerritoireIndustrie.value: ("territoire d'industrie", "industry territory"),
    TID.EntrepriseSoutenue.value: ("entreprise soutenue", "supported company"),
}
"""The classes whose instances the changelog lists, with their names in sentences (fr, en)."""


@dataclass(frozen=True, order=True)
class Thing:
    iri: str
    kind: str
    label: str


@dataclass(frozen=True, order=True)
class Membership:
    territory: str
    member: str
    member_kind: str
    member_label: str
    territory_label: str


@dataclass
class GraphChange:
    key: str
    old: str | None
    new: str | None
    triples_added: int = 0
    triples_removed: int = 0
    things_added: list[Thing] = field(default_factory=list)
    things_removed: list[Thing] = field(default_factory=list)
    members_added: list[Membership] = field(default_factory=list)
    members_removed: list[Membership] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.key, "old_graph": self.old, "new_graph": self.new,
            "triples_added": self.triples_added, "triples_removed": self.triples_removed,
            "things_added": [t.iri for t in self.things_added], "things_removed": [t.iri for t in self.things_removed],
            "members_added": [(m.member, m.territory) for m in self.members_added],
            "members_removed": [(m.member, m.territory) for m in self.members_removed],
        }


def graph_keys(sources: Mapping[str, str], graphs: Iterable[str], base: str) -> dict[str, str]:
    """``{source id or project graph kind: graph IRI}`` for the graphs that are compared."""
    keys = dict(sources)
    prefix = base + "graph/"
    for graph in graphs:
        if graph.startswith(prefix):
            kind = graph[len(prefix):].split("/", 1)[0]
            if kind in COMPARED_PROJECT_GRAPHS:
                keys[kind] = graph
    return keys


def _triples(store: Store | None, graph: str | None) -> set[tuple[str, str, str]]:
    """The triples of ``graph`` as N-Triples term strings, blank nodes named by their content."""
    if store is None or graph is None:
        return set()
    triples = [quad.triple for quad in store.quads_for_pattern(None, None, None, NamedNode(graph))]
    return canonical(triples)


def canonical(triples: list[Any], rounds: int = 3) -> set[tuple[str, str, str]]:
    """Triples as term strings where each blank node is named by a digest of what surrounds it.

    Blank nodes get new identifiers each time a file is loaded (the ontology's creator, a
    measure's cost), so they cannot be compared by identifier: each is named by the hash of its
    outgoing and incoming edges, refined ``rounds`` times (enough for the shallow trees the
    loaders write). Two blank nodes with the same surroundings get the same name, which is what a
    comparison of content wants.
    """
    blank = {t.subject for t in triples if isinstance(t.subject, BlankNode)} | \
        {t.object for t in triples if isinstance(t.object, BlankNode)}
    if not blank:
        return {(str(t.subject), str(t.predicate), str(t.object)) for t in triples}
    touching = [t for t in triples if t.subject in blank or t.object in blank]
    names = {node: "" for node in blank}

    def name(term: Any) -> str:
        return f"_:{names[term]}" if term in names else str(term)

    for _ in range(rounds):
        edges: dict[Any, list[str]] = {node: [] for node in blank}
        for t in touching:
            if t.subject in blank:
                edges[t.subject].append(f">{t.predicate} {name(t.object)}")
            if t.object in blank:
                edges[t.object].append(f"<{name(t.subject)} {t.predicate}")
        names = {node: hashlib.sha1("\n".join(sorted(lines)).encode()).hexdigest()[:16]
                 for node, lines in edges.items()}
    return {(name(t.subject), str(t.predicate), name(t.object)) for t in triples}


def _rows(store: Store | None, name: str, graph: str | None) -> list[Any]:
    if store is None or graph is None:
        return []
    query = load_query(name)
    return list(store.query(query.text, substitutions=query.substitutions({"graph": graph}),
                            use_default_graph_as_union=True))


def _value(solution: Any, name: str) -> str:
    term = solution[name]
    return term.value if term is not None else ""


def _things(store: Store | None, graph: str | None) -> dict[tuple[str, str], Thing]:
    things = {}
    for row in _rows(store, "entites-d-un-graphe", graph):
        iri, kind = _value(row, "chose"), _value(row, "classe")
        things[(iri, kind)] = Thing(iri, kind, _value(row, "nom") or _value(row, "nomAutre"))
    return things


def _memberships(store: Store | None, graph: str | None) -> dict[tuple[str, str], Membership]:
    members = {}
    for row in _rows(store, "adhesions-d-un-graphe", graph):
        member, territory = _value(row, "membre"), _value(row, "territoire")
        members[(member, territory)] = Membership(territory, member, _value(row, "classeMembre"),
                                                  _value(row, "nomMembre"), _value(row, "nomTerritoire"))
    return members


def _dump(store: Store | None, graph: str | None) -> bytes:
    if store is None or graph is None:
        return b""
    return store.dump(format=RdfFormat.N_TRIPLES, from_graph=NamedNode(graph))


def triple_changes(previous: Store | None, old: str | None, store: Store | None, new: str | None) -> tuple[int, int]:
    """(triples added, triples removed) between graph ``old`` of ``previous`` and ``new`` of ``store``.

    Fast paths first (a build compares about a million triples): the graphs dumped as N-Triples
    are byte-identical when their content is (the stores list triples in the order of their
    terms' hashes); without blank nodes, lines are triples. Otherwise the triples are compared
    with their blank nodes named by content (:func:`canonical`).
    """
    before, after = _dump(previous, old), _dump(store, new)
    if before == after:
        return 0, 0
    if b"_:" not in before and b"_:" not in after:
        lines_before, lines_after = set(before.splitlines()), set(after.splitlines())
        lines_before.discard(b"")
        lines_after.discard(b"")
        return len(lines_after - lines_before), len(lines_before - lines_after)
    del before, after
    triples_before, triples_after = _triples(previous, old), _triples(store, new)
    return len(triples_after - triples_before), len(triples_before - triples_after)


def compare(previous: Store | None, previous_keys: Mapping[str, str], store: Store,
            keys: Mapping[str, str], same: Iterable[str] = ()) -> list[GraphChange]:
    """The graphs whose triples differ between ``previous`` and ``store``, by key; ``same``: the
    keys known to hold the same triples in both (not read)."""
    changes = []
    for key in sorted((set(previous_keys) | set(keys)) - set(same)):
        old, new = previous_keys.get(key), keys.get(key)
        added, removed = triple_changes(previous, old, store, new)
        if not added and not removed:
            continue
        change = GraphChange(key, old, new, added, removed)
        things_before, things_after = _things(previous, old), _things(store, new)
        change.things_added = sorted(things_after[k] for k in things_after.keys() - things_before.keys())
        change.things_removed = sorted(things_before[k] for k in things_before.keys() - things_after.keys())
        members_before, members_after = _memberships(previous, old), _memberships(store, new)
        change.members_added = sorted(members_after[k] for k in members_after.keys() - members_before.keys())
        change.members_removed = sorted(members_before[k] for k in members_before.keys() - members_after.keys())
        changes.append(change)
    return changes


# -- RDF ---------------------------------------------------------------------------------------


def _tail(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _name(label: str, iri: str) -> str:
    """``label (code)``, the code being the IRI's last segment (SIREN, INSEE code, id_ti, slug)."""
    code = _tail(iri)
    return f"{label} ({code})" if label and label != code else code


def _digest(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()[:12]


def changelog_quads(minter: Minter, release: str, previous: str | None, changes: list[GraphChange],
                    generated: datetime) -> list[Quad]:
    graph = minter.graph(CHANGELOG_GRAPH)
    out: list[Quad] = []

    def add(s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        out.append(Quad(s, p, o, graph))

    def labels(node: NamedNode, fr: str, en: str) -> None:
        add(node, RDFS.label, Literal(fr, language="fr"))
        add(node, RDFS.label, Literal(en, language="en"))

    journal = minter.id("journal", release)
    add(journal, RDF.type, PROV.Entity)
    add(journal, DCT.identifier, Literal(release))
    add(journal, PROV.generatedAtTime, Literal(generated.isoformat(timespec="seconds"), datatype=XSD.dateTime))
    if previous is None:
        labels(journal, f"Modifications de la version {release} : première version, rien à comparer",
               f"Changes in release {release}: first release, nothing to compare with")
        return out
    add(journal, TID.versionPrecedente, Literal(previous))
    labels(journal, f"Modifications de la version {release} depuis la version {previous}",
           f"Changes in release {release} since release {previous}")
    for change in changes:
        node = minter.id("journal", release, change.key)
        add(journal, DCT.hasPart, node)
        add(node, RDF.type, PROV.Activity)
        add(node, DCT.identifier, Literal(change.key))
        if change.old:
            add(node, PROV.invalidated, NamedNode(change.old))
        if change.new:
            add(node, PROV.generated, NamedNode(change.new))
        add(node, TID.triplesAjoutes, Literal(str(change.triples_added), datatype=XSD.integer))
        add(node, TID.triplesRetires, Literal(str(change.triples_removed), datatype=XSD.integer))
        labels(node, f"{change.key} : {change.triples_added} triplets ajoutés, {change.triples_removed} retirés",
               f"{change.key}: {change.triples_added} triples added, {change.triples_removed} removed")
        for added, things in ((True, change.things_added), (False, change.things_removed)):
            for thing in things:
                fr, en = KINDS[thing.kind]
                item = _item(add, node, change.key, release, minter, added, thing.iri, thing.kind, "")
                name = _name(thing.label, thing.iri)
                labels(item, f"{'Ajout' if added else 'Retrait'} : {fr} {name}",
                       f"{'Added' if added else 'Removed'}: {en} {name}")
        for added, members in ((True, change.members_added), (False, change.members_removed)):
            for membership in members:
                fr, en = KINDS.get(membership.member_kind, ("membre", "member"))
                item = _item(add, node, change.key, release, minter, added, membership.member, TID.Adhesion.value,
                             membership.territory)
                add(item, TID.territoireModifie, NamedNode(membership.territory))
                member = _name(membership.member_label, membership.member)
                territory = _name(membership.territory_label, membership.territory)
                if added:
                    labels(item, f"Entrée : {fr} {member} dans le territoire {territory}",
                           f"Entry: {en} {member} joins the territory {territory}")
                else:
                    labels(item, f"Sortie : {fr} {member} quitte le territoire {territory}",
                           f"Exit: {en} {member} leaves the territory {territory}")
    return out


def _item(add, node: NamedNode, key: str, release: str, minter: Minter, added: bool, thing: str, kind: str,
          territory: str) -> NamedNode:
    word = "ajout" if added else "retrait"
    item = minter.id("journal", release, key, word, _digest(thing, kind, territory))
    add(node, TID.ajout if added else TID.retrait, item)
    add(item, TID.objetModifie, NamedNode(thing))
    add(item, TID.typeObjet, NamedNode(kind))
    return item


# -- the build's call --------------------------------------------------------------------------


def record(writer: ReleaseWriter, minter: Minter, release: str, data_dir: DataDir, sources: Mapping[str, NamedNode],
           cache_keys: Mapping[str, str] | None = None) -> list[GraphChange]:
    """Compare the release being written (its sources ``{id: graph}``) with the live release of
    ``data_dir``; add the changelog graph to the new release (store, merge and dump).

    ``cache_keys``: each source's cache key; a source loaded into the same graph with the same
    key as in the live release (its manifest records both) holds the same triples and is not read.
    """
    store = writer.store
    live = data_dir.current_release()
    previous_manifest = json.loads((live / "build.json").read_text(encoding="utf-8")) if live else None
    previous_store = Store.read_only(str(live / "store")) if live else None
    keys = graph_keys({k: v.value for k, v in sources.items()},
                      (g.value for g in store.named_graphs() if isinstance(g, NamedNode)), minter.base)
    previous_keys: dict[str, str] = {}
    if previous_manifest is not None and previous_store is not None:
        previous_keys = graph_keys({s["id"]: s["graph"] for s in previous_manifest.get("sources", [])},
                                   (g.value for g in previous_store.named_graphs() if isinstance(g, NamedNode)),
                                   previous_manifest.get("base", minter.base))
    same = [s["id"] for s in (previous_manifest or {}).get("sources", [])
            if cache_keys and s.get("key") and cache_keys.get(s["id"]) == s["key"]
            and sources.get(s["id"]) == NamedNode(s["graph"])]
    changes = compare(previous_store, previous_keys, store, keys, same) if previous_store is not None else []
    del previous_store
    writer.add(changelog_quads(minter, release, previous_manifest["release"] if previous_manifest else None, changes,
                               datetime.now(UTC)))
    return changes
