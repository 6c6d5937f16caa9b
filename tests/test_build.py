"""``tid build`` on the cut mirror: named graphs, provenance, cache, atomic publication, bad input.

Every bad-input case runs the real command line against a data directory that already holds a
good release, and checks the message (file, row, column), the exit code, and that the live
release is untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import NamedNode, RdfFormat, Triple, serialize
from rdflib.compare import isomorphic

from tests.helpers import CUT_MIRROR, write_source_list
from tid.cli import main
from tid.graph.build import BuildOptions, build
from tid.graph.store import DataDir, open_read_only

BASE = "https://w3id.org/territoires-industrie/"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, cut_sources: Path):
    data_dir = DataDir(tmp_path_factory.mktemp("data"))
    result = build(BuildOptions(data_dir=data_dir, mirror=CUT_MIRROR, source_list=cut_sources))
    return data_dir, result


def test_build_publishes_one_named_graph_per_source_and_version(built) -> None:
    data_dir, result = built
    assert not result.unchanged
    graphs = {source["id"]: source["graph"] for source in result.manifest["sources"]}
    assert graphs["cog2023-communes"] == BASE + "graph/cog2023-communes/3.1.1"
    assert graphs["ti-phase2-groupements"] == BASE + "graph/ti-phase2-groupements/5c5ffe30cc5d"
    assert graphs["curated-programme"].startswith(BASE + "graph/curated-programme/sha256-")
    store = open_read_only(data_dir)
    stored = {g.value for g in store.named_graphs()}
    assert set(graphs.values()) <= stored
    assert {BASE + "graph/provenance", BASE + "graph/derivations", BASE + "graph/ontology/0.1.0"} <= stored


def test_every_graph_has_its_source_file_checksum_and_licence(built) -> None:
    data_dir, result = built
    store = open_read_only(data_dir)
    rows = list(
        store.query(
            """
            PREFIX prov: <http://www.w3.org/ns/prov#>
            PREFIX dct: <http://purl.org/dc/terms/>
            PREFIX dcat: <http://www.w3.org/ns/dcat#>
            PREFIX spdx: <http://spdx.org/rdf/terms#>
            PREFIX tid: <https://w3id.org/territoires-industrie/def#>
            SELECT ?graph ?licence ?sha ?read ?rejected WHERE {
              ?graph prov:wasDerivedFrom ?dist ; dct:license ?licence ; prov:wasGeneratedBy ?load .
              ?dist a dcat:Distribution ; spdx:checksum/spdx:checksumValue ?sha .
              ?load tid:lignesLues ?read ; tid:lignesRejetees ?rejected .
            }""",
        )
    )
    by_graph = {r["graph"].value: r for r in rows}
    for source in result.manifest["sources"]:
        row = by_graph[source["graph"]]
        assert row["sha"].value == source["sha256"]
        assert row["licence"].value.startswith("https://")
        assert int(row["read"].value) == source["rows_read"] > 0
        assert int(row["rejected"].value) == 0


def test_dated_memberships_and_derived_site_territory(built) -> None:
    data_dir, _ = built
    store = open_read_only(data_dir)
    membership = NamedNode(BASE + "id/adhesion/2023-2027/ti-1103/77251")  # Lieusaint in Sénart
    tid = "https://w3id.org/territoires-industrie/def#"
    dates = {q.predicate.value: q.object.value for q in store.quads_for_pattern(membership, None, None, None)
             if q.predicate.value in (tid + "dateDebut", tid + "dateFin")}
    assert dates == {tid + "dateDebut": "2023-11-09", tid + "dateFin": "2027-12-31"}
    site = NamedNode(BASE + "id/site/senart")
    territories = {q.object.value for q in store.quads_for_pattern(site, NamedNode(tid + "territoire"), None, None)}
    # Labelled in July 2020, so it lies in the phase-1 territory of its communes.
    assert territories == {BASE + "id/territoire/2018-2023/ti-1103"}


def test_unchanged_rebuild_keeps_the_live_release(built, cut_sources: Path) -> None:
    data_dir, result = built
    again = build(BuildOptions(data_dir=data_dir, mirror=CUT_MIRROR, source_list=cut_sources))
    assert again.unchanged
    assert again.release == result.release
    assert data_dir.current_release().name == result.release


def test_changed_source_is_the_only_one_reloaded(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(CUT_MIRROR, mirror)
    data_dir = DataDir(tmp_path / "data")
    sources = write_source_list(tmp_path / "sources.toml", mirror)
    first = build(BuildOptions(data_dir=data_dir, mirror=mirror, source_list=sources, dumps=False))
    assert "cog2023-communes" in first.reloaded
    sites = mirror / "sites-cles-en-main/fonds_acceleration_laureats.csv"
    sites.write_text(sites.read_text(encoding="utf-8").rstrip("\n").rsplit("\n", 1)[0] + "\n", encoding="utf-8")
    sources = write_source_list(tmp_path / "sources.toml", mirror)
    second = build(BuildOptions(data_dir=data_dir, mirror=mirror, source_list=sources, dumps=False))
    assert second.reloaded == ["fonds-acceleration-laureats"]
    assert second.release != first.release


# -- bad input ---------------------------------------------------------------------------------


def _break(mirror: Path, relative: str, transform) -> None:
    path = mirror / relative
    path.chmod(0o644)
    transform(path)


def _replace(old: str, new: str, count: int = 1):
    def transform(path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, f"the cut no longer contains {old!r}"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return transform


def _first_data_row_code(path: Path, prefix: str) -> None:
    header, first, rest = path.read_text(encoding="utf-8").split("\n", 2)
    path.write_text("\n".join([header, prefix + first[len(prefix):], rest]), encoding="utf-8")


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _latin1(path: Path) -> None:
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1", errors="replace"))


def _duplicate_feature(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"].append(data["features"][0])
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


COG = "cog/etalab-decoupage-administratif-3.1.1_cog2023"
BAD_INPUTS = {
    "truncated-json": (f"{COG}/communes.json", _truncate, ["communes.json", "invalid or truncated JSON"]),
    "missing-column": (
        "sites-cles-en-main/sites_cles_en_main.csv",
        _replace("wave_date,wave_label,site_name", "wave_date,wave_label,name"),
        ["sites_cles_en_main.csv", "row 1", "'site_name'", "missing column"],
    ),
    "invalid-siren": (
        f"{COG}/epci.json",
        _replace('"code": "200057859"', '"code": "200057858"'),
        ["epci.json", "row ", "'code'", "Luhn"],
    ),
    "invalid-insee-code": (
        "territoires-industrie/signauxfaibles_terrind_communes_2020.csv",
        lambda p: _first_data_row_code(p, "7X"),
        ["signauxfaibles_terrind_communes_2020.csv", "row 2", "'code_commune'", "INSEE commune code"],
    ),
    "duplicate-id": (
        "territoires-industrie/anct_ti_2023-2027_perimetres_epci.geojson",
        _duplicate_feature,
        ["anct_ti_2023-2027_perimetres_epci.geojson", "row 3", "'id_territoire'", "duplicate territory id"],
    ),
    "wrong-encoding": (
        "sites-cles-en-main/fonds_acceleration_laureats.csv",
        _latin1,
        ["fonds_acceleration_laureats.csv", "not UTF-8", "re-save the file as UTF-8"],
    ),
    "point-out-of-range": (
        "places/communes_points.csv",
        _replace("01053,Bourg-en-Bresse,5.247,46.203", "01053,Bourg-en-Bresse,46.203,546.2"),
        ["communes_points.csv", "row 2", "'lat'", "not a WGS84 coordinate"],
    ),
    "point-of-a-name-not-the-cog-s": (
        "places/communes_points.csv",
        _replace("02408,Laon,", "02408,Lyon,"),
        ["communes_points.csv", "row 3", "'nom'", "02408 is 'Laon' in the COG 2023, not 'Lyon'"],
    ),
    "point-given-twice": (
        "places/communes_points.csv",
        lambda p: p.write_text(p.read_text(encoding="utf-8") + "01053,Bourg-en-Bresse,5.247,46.203,"
                               "BaseAdresseNationale/ban-plateforme:geo.json,56e8eafa6f3f\n", encoding="utf-8"),
        ["communes_points.csv", "'insee'", "commune 01053 already has a point (row 2)"],
    ),
    "malformed-csv-row": (
        "territoires-industrie/signauxfaibles_terrind_communes_2020.csv",
        lambda p: p.write_text(p.read_text(encoding="utf-8") + "77001,1103\n", encoding="utf-8"),
        ["signauxfaibles_terrind_communes_2020.csv", "2 fields where the header has 3"],
    ),
}


@pytest.fixture
def live(tmp_path: Path, cut_sources: Path):
    """A data directory with a good live release, and a private copy of the cut mirror."""
    data_dir = DataDir(tmp_path / "data")
    result = build(BuildOptions(data_dir=data_dir, mirror=CUT_MIRROR, source_list=cut_sources, dumps=False))
    mirror = tmp_path / "mirror"
    shutil.copytree(CUT_MIRROR, mirror)
    return data_dir, result.release, mirror


def _assert_refused(case: str, live, tmp_path: Path, capsys) -> None:
    """Break the live fixture's mirror as ``BAD_INPUTS[case]`` says, build: exit 1, the message
    has the expected fragments, the live release is still the one served."""
    data_dir, release, mirror = live
    relative, transform, expected = BAD_INPUTS[case]
    _break(mirror, relative, transform)
    sources = write_source_list(tmp_path / "bad-sources.toml", mirror)
    code = main(["build", "--quiet", "--no-dumps", "--data-dir", str(data_dir.root), "--mirror", str(mirror),
                 "--sources", str(sources)])
    message = capsys.readouterr().err.replace("\n", " ")
    assert code == 1, message
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in: {message}"
    assert data_dir.current_release().name == release


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_names_file_row_column_and_leaves_live_store(case: str, live, tmp_path: Path, capsys) -> None:
    data_dir, _release, _mirror = live
    quads_before = len(open_read_only(data_dir))
    _assert_refused(case, live, tmp_path, capsys)
    assert len(open_read_only(data_dir)) == quads_before
    assert not list(data_dir.releases.glob("*.partial"))


def test_changed_file_against_pinned_checksum_is_refused(live, cut_sources: Path, capsys) -> None:
    data_dir, release, mirror = live
    _break(mirror, f"{COG}/regions.json", lambda p: p.write_text(p.read_text(encoding="utf-8") + " ", encoding="utf-8"))
    code = main(["build", "--quiet", "--data-dir", str(data_dir.root), "--mirror", str(mirror), "--sources", str(cut_sources)])
    message = capsys.readouterr().err
    assert code == 1
    assert "regions.json" in message and "differs from the" in message and "cog2023-regions" in message
    assert data_dir.current_release().name == release


def test_unknown_mirror_is_a_usage_error(tmp_path: Path, capsys) -> None:
    code = main(["build", "--data-dir", str(tmp_path), "--mirror", str(tmp_path / "nowhere")])
    assert code == 2
    assert "is not a directory" in capsys.readouterr().err


def test_a_file_missing_from_the_given_mirror_is_named_as_such(live, cut_sources: Path, capsys) -> None:
    """The mirror was given: the message names the file it lacks, not "give the mirror directory"."""
    data_dir, release, mirror = live
    (mirror / "places" / "communes_points.csv").unlink()
    code = main(["build", "--quiet", "--data-dir", str(data_dir.root), "--mirror", str(mirror), "--sources", str(cut_sources)])
    err = capsys.readouterr().err
    assert code != 0 and data_dir.current_release().name == release
    assert f"the mirror given ({mirror}) has no file places/communes_points.csv" in err
    assert "give the mirror directory" not in err


def test_contact_email_reaches_the_catalogue(tmp_path: Path, cut_sources: Path, monkeypatch, capsys) -> None:
    """The publisher's address, from --contact-email or TID_CONTACT_EMAIL, is the catalogue's
    contact point; a value that is not an address is refused, naming the option."""
    data_dir = DataDir(tmp_path / "data")
    common = ["build", "--quiet", "--no-dumps", "--data-dir", str(data_dir.root), "--mirror", str(CUT_MIRROR),
              "--sources", str(cut_sources)]
    assert main([*common, "--contact-email", "donnees at example.org"]) == 2
    assert "--contact-email / TID_CONTACT_EMAIL: 'donnees at example.org' is not an e-mail address" in capsys.readouterr().err
    assert data_dir.current_release() is None
    monkeypatch.setenv("TID_CONTACT_EMAIL", "donnees@territoires.example.org")
    assert main(common) == 0
    assert "placeholder" not in capsys.readouterr().out  # an address was given: nothing to warn of
    store = open_read_only(data_dir)
    emails = {q.object.value for q in store.quads_for_pattern(None, NamedNode(VCARD_EMAIL), None, None)}
    assert emails == {"mailto:donnees@territoires.example.org"}
    del store
    assert main([*common, "--contact-email", "open-data@example.org"]) == 0  # another address: a new release
    store = open_read_only(data_dir)
    assert {q.object.value for q in store.quads_for_pattern(None, NamedNode(VCARD_EMAIL), None, None)} == {
        "mailto:open-data@example.org"}
    del store
    monkeypatch.delenv("TID_CONTACT_EMAIL")
    capsys.readouterr()
    assert main(common) == 0  # none given: the placeholder, said loudly even with --quiet
    out = capsys.readouterr().out
    assert "contact point is the placeholder territoires-industrie-kg@example.org" in " ".join(out.split())


VCARD_EMAIL = "http://www.w3.org/2006/vcard/ns#hasEmail"


def test_killed_build_leaves_the_live_store_intact(live, cut_sources: Path) -> None:
    """SIGKILL while the new store is being written: ``current`` still serves the old release."""
    data_dir, release, _mirror = live
    process = subprocess.Popen(
        [sys.executable, "-m", "tid.cli", "build", "--force", "--quiet", "--data-dir", str(data_dir.root),
         "--mirror", str(CUT_MIRROR), "--sources", str(cut_sources)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(data_dir.releases.glob("*.partial/store")):
        time.sleep(0.005)
    process.kill()
    process.wait()
    assert data_dir.current_release().name == release
    store = open_read_only(data_dir)
    assert len(store) > 1000
    # The next build removes the leftovers and publishes normally.
    again = build(BuildOptions(data_dir=data_dir, mirror=CUT_MIRROR, source_list=cut_sources, dumps=False, force=True))
    assert data_dir.current_release().name == again.release
    assert not list(data_dir.releases.glob("*.partial"))


def test_a_second_build_on_one_data_directory_is_refused_and_touches_nothing(live, cut_sources: Path, capsys) -> None:
    """While a build holds the data directory, another is refused (exit 2, the holder named) and
    deletes nothing: not the first one's partial release, not the live one. The lock goes with its
    process, so a killed build never blocks the next (test_killed_build_leaves_the_live_store_intact)."""
    data_dir, release, mirror = live
    with data_dir.build_lock():
        in_progress = data_dir.releases / "20990101T000000000000Z.partial"
        in_progress.mkdir()
        (in_progress / "work").write_text("the first build's work", encoding="utf-8")
        code = main(["build", "--quiet", "--force", "--data-dir", str(data_dir.root), "--mirror", str(mirror),
                     "--sources", str(cut_sources)])
        err = capsys.readouterr().err
        assert code == 2, err
        assert f"{data_dir.root} is being built by pid {os.getpid()} on " in err
        assert (in_progress / "work").read_text(encoding="utf-8") == "the first build's work"
        assert data_dir.current_release().name == release
    # the lock released, the next build runs and clears the leftover
    assert main(["build", "--quiet", "--force", "--data-dir", str(data_dir.root), "--mirror", str(mirror),
                 "--sources", str(cut_sources)]) == 0
    assert not in_progress.exists() and data_dir.current_release().name != release


def test_sources_loaded_in_processes_give_the_same_release(built, tmp_path: Path, cut_sources: Path, monkeypatch) -> None:
    """The loading processes (used for large inputs) write the same graphs as loading in-process."""
    monkeypatch.setattr("tid.graph.build.POOL_THRESHOLD", 0)
    data_dir = DataDir(tmp_path / "data")
    result = build(BuildOptions(data_dir=data_dir, mirror=CUT_MIRROR, source_list=cut_sources))
    serial_dir, serial = built
    assert [(s["id"], s["graph"], s["triples"], s["rows_read"]) for s in result.manifest["sources"]] == \
        [(s["id"], s["graph"], s["triples"], s["rows_read"]) for s in serial.manifest["sources"]]
    assert result.manifest["counts"] == serial.manifest["counts"]
    store, serial_store = open_read_only(data_dir), open_read_only(serial_dir)
    for source in result.manifest["sources"]:  # the sources' graphs (the rest carries the release's date)
        graph = NamedNode(source["graph"])
        assert isomorphic(*(rdflib.Graph().parse(data=serialize(
            [Triple(q.subject, q.predicate, q.object) for q in s.quads_for_pattern(None, None, None, graph)],
            format=RdfFormat.N_TRIPLES), format="nt") for s in (store, serial_store))), source["id"]


@pytest.mark.parametrize("case", ["wrong-encoding", "malformed-csv-row", "invalid-insee-code"])
def test_a_bad_file_loaded_in_a_process_is_named_with_its_row(case: str, live, tmp_path: Path, monkeypatch,
                                                              capsys) -> None:
    """An error raised in a loading process (an exception, or rejected rows) reaches the user as it
    would in-process: file, row, column."""
    monkeypatch.setattr("tid.graph.build.POOL_THRESHOLD", 0)
    _assert_refused(case, live, tmp_path, capsys)
