"""The changelog as data (graph/changelog.py): three builds of the cut in one data directory,

* A: the cut as it is (a first release: nothing to compare with);
* B: the 2018-2023 groupements list without CA Melun Val de Seine in ti-1103, published as a new
  version of that source (a new graph IRI: graphs are matched by source id), and the sites list
  without its last row;
* C: the cut as it is again (the EPCI enters ti-1103 again, the site comes back);

and the ``/changes`` page (HTML in French and English, RDF) over them.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import rdflib
from flask import Flask
from pyoxigraph import BlankNode, Literal, NamedNode, Store, Triple

from tests.helpers import CUT_MIRROR, create_test_app, write_source_list
from tid.endpoint.changes import bp as changes_bp
from tid.graph import changelog
from tid.graph.build import BuildOptions, build
from tid.graph.changelog import canonical
from tid.graph.queries import load_query
from tid.graph.store import DataDir
from tid.namespaces import PREFIXES

BASE = "https://w3id.org/territoires-industrie/"
CHANGELOG = BASE + "graph/changelog"
TID = PREFIXES["tid"]
PHASE1 = "territoires-industrie/anct_ti_2018-2022_perimetres_groupements.geojson"
SITES = "sites-cles-en-main/sites_cles_en_main.csv"
MELUN = BASE + "id/epci/247700057"
TI_1103 = BASE + "id/territoire/2018-2023/ti-1103"
TERTRE = BASE + "id/site/zac-du-tertre-de-montereau"
OLD_PHASE1_GRAPH = BASE + "graph/ti-phase1-groupements/6ca770ace870"
NEW_PHASE1_GRAPH = BASE + "graph/ti-phase1-groupements/test-modifiee"
SITES_GRAPH = BASE + "graph/sites-cles-en-main/2026-11-22"
EXIT_FR = ("Sortie : EPCI CA Melun Val de Seine (247700057) quitte le territoire "
           "Évry-Corbeil - Villaroche (ti-1103)")
EXIT_EN = "Exit: EPCI CA Melun Val de Seine (247700057) leaves the territory Évry-Corbeil - Villaroche (ti-1103)"
ENTRY_FR = ("Entrée : EPCI CA Melun Val de Seine (247700057) dans le territoire "
            "Évry-Corbeil - Villaroche (ti-1103)")
ENTRY_EN = "Entry: EPCI CA Melun Val de Seine (247700057) joins the territory Évry-Corbeil - Villaroche (ti-1103)"
SITE_REMOVED_FR = "Retrait : site clé en main Zac du Tertre de Montereau (zac-du-tertre-de-montereau)"
SITE_REMOVED_EN = "Removed: turnkey site Zac du Tertre de Montereau (zac-du-tertre-de-montereau)"
SITE_ADDED_FR = "Ajout : site clé en main Zac du Tertre de Montereau (zac-du-tertre-de-montereau)"
SITE_ADDED_EN = "Added: turnkey site Zac du Tertre de Montereau (zac-du-tertre-de-montereau)"
# the communes of CA Melun Val de Seine in the COG 2023 (the vintage of the end-of-phase list)
MELUN_COMMUNES = {BASE + "id/commune/" + member["code"] for epci in json.loads(
    (CUT_MIRROR / "cog/etalab-decoupage-administratif-3.1.1_cog2023/epci.json").read_text(encoding="utf-8"))
    if epci["code"] == "247700057" for member in epci["membres"]}


def _modify(mirror: Path) -> None:
    phase1 = mirror / PHASE1
    phase1.chmod(0o644)
    text = phase1.read_text(encoding="utf-8")
    assert text.count("200059228, 247700057") == 1
    phase1.write_text(text.replace("200059228, 247700057", "200059228"), encoding="utf-8")
    sites = mirror / SITES
    sites.chmod(0o644)
    rows = sites.read_text(encoding="utf-8").rstrip("\n").split("\n")
    assert rows[-1].startswith("2020-07-20,Pack Rebond 2020,Zac du Tertre de Montereau,")
    sites.write_text("\n".join(rows[:-1]) + "\n", encoding="utf-8")


def _sources(tmp: Path, mirror: Path, name: str, new_version: bool) -> Path:
    path = write_source_list(tmp / name, mirror)
    if new_version:
        text = path.read_text(encoding="utf-8")
        assert text.count('version = "6ca770ace870"') == 1
        path.write_text(text.replace('version = "6ca770ace870"', 'version = "test-modifiee"'), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    tmp = tmp_path_factory.mktemp("changelog")
    original, modified = tmp / "original", tmp / "modified"
    shutil.copytree(CUT_MIRROR, original)
    shutil.copytree(CUT_MIRROR, modified)
    _modify(modified)
    data_dir = DataDir(tmp / "data")
    kept = tmp / "kept"  # a data directory keeps its last two releases: each one is copied here
    built = []
    for name, mirror, new_version, dumps in (("a", original, False, False), ("b", modified, True, True),
                                             ("c", original, False, False)):
        result = build(BuildOptions(data_dir=data_dir, mirror=mirror, dumps=dumps,
                                    source_list=_sources(tmp, mirror, f"{name}.toml", new_version)))
        assert not result.unchanged
        shutil.copytree(data_dir.root / "releases" / result.release, kept / result.release)
        built.append(result)
    first, second, third = built
    return SimpleNamespace(data_dir=data_dir, a=first, b=second, c=third,
                           path={r.release: kept / r.release for r in built})


def test_sources_loaded_with_the_same_key_into_the_same_graph_are_not_read(tmp_path: Path, monkeypatch) -> None:
    """A rebuild after the sites list changed reads only that source's graph (and the project
    graphs) from the two stores: every other source has the key and graph of the live release."""
    mirror = tmp_path / "mirror"
    shutil.copytree(CUT_MIRROR, mirror)
    data_dir = DataDir(tmp_path / "data")
    build(BuildOptions(data_dir=data_dir, mirror=mirror, dumps=False, source_list=_sources(tmp_path, mirror, "a.toml", False)))
    sites = mirror / SITES
    sites.chmod(0o644)
    sites.write_text(sites.read_text(encoding="utf-8").rstrip("\n").rsplit("\n", 1)[0] + "\n", encoding="utf-8")
    read: list[str | None] = []
    original = changelog.triple_changes

    def spy(previous, old, store, new):
        read.append(new or old)
        return original(previous, old, store, new)

    monkeypatch.setattr(changelog, "triple_changes", spy)
    result = build(BuildOptions(data_dir=data_dir, mirror=mirror, dumps=False,
                                source_list=_sources(tmp_path, mirror, "b.toml", False)))
    assert [s["id"] for s in result.manifest["sources"] if not s["cached"]] == ["sites-cles-en-main"]
    assert sorted(g.removeprefix(BASE + "graph/").split("/")[0] for g in read if g) == [
        "derivations", "ontology", "sites-cles-en-main"]
    store = Store.read_only(str(data_dir.current_release() / "store"))
    assert list(store.quads_for_pattern(None, NamedNode(TID + "objetModifie"), NamedNode(TERTRE), NamedNode(CHANGELOG)))


def changelog_graph(releases: SimpleNamespace, release: str) -> rdflib.Graph:
    store = Store.read_only(str(releases.path[release] / "store"))
    graph = rdflib.Graph()
    data = "".join(str(q.triple) + " .\n" for q in store.quads_for_pattern(None, None, None, NamedNode(CHANGELOG)))
    return graph.parse(data=data, format="nt")


def rows(releases: SimpleNamespace, release: str) -> list[dict[str, str]]:
    store = Store.read_only(str(releases.path[release] / "store"))
    query = load_query("modifications-de-la-version")
    result = store.query(query.text, substitutions=query.substitutions({}))
    names = [v.value for v in result.variables]
    return [{name: s[name].value for name in names if s[name] is not None} for s in result]


def T(local: str) -> rdflib.URIRef:
    return rdflib.URIRef(TID + local)


PROV = rdflib.Namespace(PREFIXES["prov"])
DCT = rdflib.Namespace(PREFIXES["dct"])


def journal(graph: rdflib.Graph, release: str) -> rdflib.URIRef:
    node = rdflib.URIRef(BASE + "id/journal/" + release)
    assert list(graph.objects(node, rdflib.RDF.type)) == [PROV.Entity]
    assert str(graph.value(node, DCT.identifier)) == release
    assert graph.value(node, PROV.generatedAtTime).datatype == rdflib.XSD.dateTime
    return node


def changes_of(graph: rdflib.Graph, release: str) -> dict[str, rdflib.URIRef]:
    parts = list(graph.objects(journal(graph, release), DCT.hasPart))
    assert all(list(graph.objects(m, rdflib.RDF.type)) == [PROV.Activity] for m in parts)
    return {str(graph.value(m, DCT.identifier)): m for m in parts}


def items(graph: rdflib.Graph, modification: rdflib.URIRef) -> set[tuple]:
    out = set()
    for kind, prop in (("Ajout", T("ajout")), ("Retrait", T("retrait"))):
        for item in graph.objects(modification, prop):
            assert list(graph.objects(item, rdflib.RDF.type)) == []
            territory = graph.value(item, T("territoireModifie"))
            labels = {lit.language: str(lit) for lit in graph.objects(item, rdflib.RDFS.label)}
            out.add((kind, str(graph.value(item, T("typeObjet"))), str(graph.value(item, T("objetModifie"))),
                     str(territory) if territory else None, labels["fr"], labels["en"]))
    return out


# -- the RDF -----------------------------------------------------------------------------------

def test_first_release_has_nothing_to_compare(releases) -> None:
    graph = changelog_graph(releases, releases.a.release)
    node = journal(graph, releases.a.release)
    assert graph.value(node, T("versionPrecedente")) is None
    assert list(graph.objects(node, DCT.hasPart)) == []
    assert {lit.language: str(lit) for lit in graph.objects(node, rdflib.RDFS.label)} == {
        "fr": f"Modifications de la version {releases.a.release} : première version, rien à comparer",
        "en": f"Changes in release {releases.a.release}: first release, nothing to compare with",
    }
    assert len(graph) == 5  # type, identifier, date, two labels


def test_second_release_states_what_each_graph_lost(releases) -> None:
    graph = changelog_graph(releases, releases.b.release)
    node = journal(graph, releases.b.release)
    assert str(graph.value(node, T("versionPrecedente"))) == releases.a.release
    changes = changes_of(graph, releases.b.release)
    # Only the two modified sources, and the derivations made from them; the others are unchanged.
    assert set(changes) == {"ti-phase1-groupements", "sites-cles-en-main", "derivations"}

    phase1 = changes["ti-phase1-groupements"]
    assert phase1 == rdflib.URIRef(BASE + f"id/journal/{releases.b.release}/ti-phase1-groupements")
    # Matched by source id although the graph IRI changed with the version.
    assert str(graph.value(phase1, PROV.invalidated)) == OLD_PHASE1_GRAPH
    assert str(graph.value(phase1, PROV.generated)) == NEW_PHASE1_GRAPH
    # the membership's type, member, organisation, phase, memberDuring and the list that attests it
    assert (int(graph.value(phase1, T("triplesAjoutes"))), int(graph.value(phase1, T("triplesRetires")))) == (0, 6)
    assert items(graph, phase1) == {("Retrait", TID + "Adhesion", MELUN, TI_1103, EXIT_FR, EXIT_EN)}

    sites = changes["sites-cles-en-main"]
    assert str(graph.value(sites, PROV.invalidated)) == str(graph.value(sites, PROV.generated)) == SITES_GRAPH
    assert (int(graph.value(sites, T("triplesAjoutes"))), int(graph.value(sites, T("triplesRetires")))) == (0, 12)
    assert items(graph, sites) == {("Retrait", TID + "SiteCleEnMain", TERTRE, None, SITE_REMOVED_FR, SITE_REMOVED_EN)}

    # The EPCI's 20 communes were members through it (derive-coverage-communes): those memberships
    # go (8 triples each), with the EPCI membership's two dates and the removed site's territory
    # and EPCI (164), and 23 tid:rattacheA (derive-rattachements): the EPCI's phase and list, the
    # 20 communes' list by groupement, the removed site's wave (187 in all); the 2020 list, which
    # still names the communes, now ends their membership the day before the end-of-phase list
    # (20 new tid:dateFin).
    derivations = changes["derivations"]
    assert (int(graph.value(derivations, T("triplesAjoutes"))), int(graph.value(derivations, T("triplesRetires")))) \
        == (20, 187)
    assert {(kind, kind_of, territory) for kind, kind_of, _, territory, _, _ in items(graph, derivations)} == {
        ("Retrait", TID + "Adhesion", TI_1103)}
    assert {member for _, _, member, _, _, _ in items(graph, derivations)} == MELUN_COMMUNES
    assert {lit.language: str(lit) for lit in graph.objects(phase1, rdflib.RDFS.label)} == {
        "fr": "ti-phase1-groupements : 0 triplets ajoutés, 6 retirés",
        "en": "ti-phase1-groupements: 0 triples added, 6 removed",
    }


def test_third_release_states_what_came_back(releases) -> None:
    graph = changelog_graph(releases, releases.c.release)
    assert str(graph.value(journal(graph, releases.c.release), T("versionPrecedente"))) == releases.b.release
    changes = changes_of(graph, releases.c.release)
    assert set(changes) == {"ti-phase1-groupements", "sites-cles-en-main", "derivations"}
    phase1 = changes["ti-phase1-groupements"]
    assert str(graph.value(phase1, PROV.invalidated)) == NEW_PHASE1_GRAPH
    assert str(graph.value(phase1, PROV.generated)) == OLD_PHASE1_GRAPH
    assert (int(graph.value(phase1, T("triplesAjoutes"))), int(graph.value(phase1, T("triplesRetires")))) == (6, 0)
    assert items(graph, phase1) == {("Ajout", TID + "Adhesion", MELUN, TI_1103, ENTRY_FR, ENTRY_EN)}
    assert items(graph, changes["sites-cles-en-main"]) == {
        ("Ajout", TID + "SiteCleEnMain", TERTRE, None, SITE_ADDED_FR, SITE_ADDED_EN)}


def test_named_query_reads_the_changelog(releases) -> None:
    answer = rows(releases, releases.b.release)
    assert {(r["source"], r.get("nature"), r.get("objet"), r.get("labelEn")) for r in answer
            if r["source"] != "derivations"} == {
        ("sites-cles-en-main", "retrait", TERTRE, SITE_REMOVED_EN),
        ("ti-phase1-groupements", "retrait", MELUN, EXIT_EN),
    }
    assert {(r.get("nature"), r.get("objet")) for r in answer if r["source"] == "derivations"} == {
        ("retrait", commune) for commune in MELUN_COMMUNES}
    assert {r["versionPrecedente"] for r in answer} == {releases.a.release}
    first = rows(releases, releases.a.release)
    assert len(first) == 1 and "source" not in first[0] and "versionPrecedente" not in first[0]


def test_changelog_is_in_the_manifest_counts_and_the_dump(releases) -> None:
    manifest = releases.b.manifest
    graph = changelog_graph(releases, releases.b.release)
    assert manifest["counts"]["graphs"][CHANGELOG] == len(graph)
    with gzip.open(releases.path[releases.b.release] / "dumps" / "tid.nq.gz", "rt", encoding="utf-8") as dump:
        dumped = [line for line in dump if line.rstrip().endswith(f"<{CHANGELOG}> .")]
    assert len(dumped) == len(graph)
    void = (releases.path[releases.b.release] / "dumps" / "void.ttl").read_text(encoding="utf-8")
    assert CHANGELOG in void


def test_canonical_names_blank_nodes_by_content() -> None:
    s, p, q = NamedNode("http://example.org/s"), NamedNode("http://example.org/p"), NamedNode("http://example.org/q")

    def tree(value: str) -> list[Triple]:
        node = BlankNode()
        return [Triple(s, p, node), Triple(node, q, Literal(value))]

    assert canonical(tree("2")) == canonical(tree("2"))
    assert canonical(tree("2")) != canonical(tree("3"))
    assert len(canonical(tree("2") + tree("3"))) == 4
    assert canonical([Triple(s, p, Literal("x"))]) == {("<http://example.org/s>", "<http://example.org/p>", '"x"')}


# -- the /changes page -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(releases) -> Iterator[Flask]:
    """An app over the last release (C, compared with B)."""
    application = create_test_app(releases.data_dir)
    if "changes" not in application.blueprints:
        application.register_blueprint(changes_bp)
    yield application
    application.extensions["tid"].close()


def test_changes_page_in_french(app, releases) -> None:
    response = app.test_client().get("/changes", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Vary"] == "Accept"
    assert response.headers["ETag"].startswith('W/"')
    assert response.headers["X-TID-Release"] == releases.c.release
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    page = response.get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "<title>Modifications de la version — Territoires d'industrie</title>" in page
    assert f"comparée à la version <code>{releases.b.release}</code>" in page
    assert "Graphes modifiés : 3 · ajouts : 22 · retraits : 0" in page  # the EPCI, its 20 communes, the site
    assert ENTRY_FR.replace("'", "&#39;") in page
    assert SITE_ADDED_FR in page
    assert f"Ancien graphe <code>{NEW_PHASE1_GRAPH}</code>" in page
    assert f"nouveau graphe <code>{OLD_PHASE1_GRAPH}</code>" in page
    assert page.count('data-kind="entry"') == 21 and page.count('data-kind="added"') == 1
    assert '<a href="/doc/epci/247700057">fiche</a>' in page
    assert '<a href="/doc/territoire/2018-2023/ti-1103">territoire</a>' in page
    cached = app.test_client().get("/changes", headers={"Accept": "text/html", "If-None-Match": response.headers["ETag"]})
    assert cached.status_code == 304


def test_changes_page_in_english(app, releases) -> None:
    response = app.test_client().get("/changes?lang=en", headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    assert f"compared with release <code>{releases.b.release}</code>" in page
    assert "Graphs changed: 3 · additions: 22 · removals: 0" in page
    assert ENTRY_EN.replace("'", "&#39;") in page and SITE_ADDED_EN in page
    assert '<a href="/doc/epci/247700057?lang=en">page</a>' in page
    assert ENTRY_FR.replace("'", "&#39;") not in page


@pytest.mark.parametrize(("accept", "parser", "media_type"), [
    ("text/turtle", "turtle", "text/turtle"), ("application/ld+json", "json-ld", "application/ld+json"),
    ("application/rdf+xml", "xml", "application/rdf+xml"), ("application/n-triples", "nt", "application/n-triples"),
])
def test_changes_as_rdf(app, releases, accept: str, parser: str, media_type: str) -> None:
    client = app.test_client()
    response = client.get("/changes", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    assert response.headers["Vary"] == "Accept"
    served = rdflib.Graph().parse(data=response.get_data(), format=parser)
    assert len(served) == len(changelog_graph(releases, releases.c.release))
    head = client.head("/changes", headers={"Accept": accept})
    assert head.status_code == 200 and head.headers["Content-Type"] == response.headers["Content-Type"]
    assert head.headers["ETag"] == response.headers["ETag"]
    assert client.get("/changes", headers={"Accept": accept, "If-None-Match": response.headers["ETag"]}).status_code == 304


def test_changes_errors(app) -> None:
    client = app.test_client()
    response = client.get("/changes", headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    assert json.loads(response.get_data())["available"] == [
        "text/html", "text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
        "application/trig", "application/n-quads"]
    bad = client.get("/changes?format=bogus")
    assert bad.status_code == 400
    assert json.loads(bad.get_data())["detail"] == ("format=bogus names no format of this page. / format=bogus ne "
                                                     "désigne aucun format de cette page.")
    post = client.post("/changes")
    assert post.status_code == 405 and post.headers["Allow"] == "GET, OPTIONS, HEAD"


def test_changes_page_of_a_first_release(cut_data_dir_first) -> None:
    application = create_test_app(cut_data_dir_first)
    try:
        if "changes" not in application.blueprints:
            application.register_blueprint(changes_bp)
        page = application.test_client().get("/changes").get_data(as_text=True)
        assert "première version publiée, rien à comparer." in page
        page = application.test_client().get("/changes?lang=en").get_data(as_text=True)
        assert "first published release, nothing to compare with." in page
    finally:
        application.extensions["tid"].close()


@pytest.fixture
def cut_data_dir_first(releases, tmp_path: Path) -> DataDir:
    """A data directory whose only release is A (copied; the store is opened read-only)."""
    data_dir = DataDir(tmp_path / "data")
    (data_dir.root / "releases").mkdir(parents=True)
    shutil.copytree(releases.path[releases.a.release], data_dir.root / "releases" / releases.a.release)
    (data_dir.root / "current").symlink_to(Path("releases") / releases.a.release)
    assert data_dir.current_release() is not None
    return data_dir


def test_triple_changes_of_two_stores() -> None:
    from pyoxigraph import Quad

    from tid.graph.changelog import triple_changes

    g = "http://example.org/g"
    s, p = NamedNode("http://example.org/s"), NamedNode("http://example.org/p")

    def store(values: list[str], blank: str | None = None) -> Store:
        made = Store()
        made.extend(Quad(s, p, Literal(v), NamedNode(g)) for v in values)
        if blank is not None:
            node = BlankNode()
            made.extend([Quad(s, p, node, NamedNode(g)), Quad(node, p, Literal(blank), NamedNode(g))])
        return made

    assert triple_changes(store(["a", "b"]), g, store(["a", "b"]), g) == (0, 0)
    assert triple_changes(store(["a", "b"]), g, store(["a", "c", "d"]), g) == (2, 1)
    assert triple_changes(store(["a"], blank="x"), g, store(["a"], blank="x"), g) == (0, 0)  # new blank node ids
    assert triple_changes(store(["a"], blank="x"), g, store(["a"], blank="y"), g) == (2, 2)
    assert triple_changes(None, None, store(["a", "b"]), g) == (2, 0)  # a source new in this release
    assert triple_changes(store(["a"]), g, None, None) == (0, 1)  # a source dropped
