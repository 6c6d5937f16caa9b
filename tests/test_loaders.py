"""Loaders: golden files compared as graphs, and the checks every loader relies on.

Each non-curated source is loaded from the cut mirror (``tests/data/mirror``) and compared,
by graph isomorphism, with ``tests/loaders/{source id}.ttl``. ``pytest --update-golden``
rewrites the golden files (review the diff before committing them).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, serialize
from rdflib import Graph
from rdflib.compare import graph_diff, to_isomorphic

from tests.helpers import CUT_MIRROR, REPO, bind_prefixes
from tid.graph.build import load_source
from tid.graph.sources import read_source_list, resolve
from tid.loaders.base import INSEE_COMMUNE, INSEE_DEPARTEMENT, luhn_ok, siren_problem
from tid.loaders.places import PlaceIndex
from tid.namespaces import Minter

GOLDEN = REPO / "tests" / "loaders"
COG = CUT_MIRROR / "cog/etalab-decoupage-administratif-3.1.1_cog2023"


def _ids() -> list[str]:
    return [s.id for s in read_source_list() if s.loader != "curated_turtle"]


@pytest.mark.parametrize("source_id", _ids())
def test_loader_output_matches_golden(source_id: str, cut_sources: Path, tmp_path: Path, request) -> None:
    specs = read_source_list(cut_sources)
    by_id = {s.id: s for s in specs}
    needed = [by_id[source_id], *(by_id[r] for r in by_id[source_id].requires)]
    resolved = {r.spec.id: r for r in resolve(needed, CUT_MIRROR, tmp_path)}
    loaded = load_source(resolved[source_id], [resolved[r] for r in by_id[source_id].requires], Minter(),
                         tmp_path / "cache", "golden")
    assert not loaded.record.report.rejects, loaded.record.report.rejects
    text = serialize(
        (q.triple for q in _quads(loaded.quads_file)), format=RdfFormat.N_TRIPLES
    ).decode("utf-8")
    actual = Graph().parse(data=text, format="nt")
    golden = GOLDEN / f"{source_id}.ttl"
    if request.config.getoption("--update-golden") or not golden.exists():
        if not request.config.getoption("--update-golden"):
            pytest.fail(f"no golden file {golden.name}: run pytest --update-golden and review it")
        bind_prefixes(actual).serialize(golden, format="longturtle")
    expected = Graph().parse(golden, format="turtle")
    iso_actual, iso_expected = to_isomorphic(actual), to_isomorphic(expected)
    if iso_actual != iso_expected:
        _both, only_actual, only_expected = graph_diff(iso_actual, iso_expected)
        pytest.fail(
            f"{source_id}: output differs from {golden.name}\n"
            f"only in the output ({len(only_actual)}):\n{only_actual.serialize(format='nt')[:3000]}\n"
            f"only in the golden file ({len(only_expected)}):\n{only_expected.serialize(format='nt')[:3000]}"
        )


def _quads(path: Path | None):
    from pyoxigraph import parse

    assert path is not None
    return parse(path=str(path), format=RdfFormat.N_QUADS)


# -- codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("siren", ["200039204", "217400423", "249710062", "200057867"])
def test_real_sirens_pass_luhn(siren: str) -> None:
    assert luhn_ok(siren) and siren_problem(siren) is None


@pytest.mark.parametrize(("siren", "problem"), [("200039205", "Luhn"), ("20003920", "9 digits"), ("2000392O4", "9 digits")])
def test_bad_sirens_are_named(siren: str, problem: str) -> None:
    assert problem in (siren_problem(siren) or "")


@pytest.mark.parametrize(("code", "ok"), [("2A004", True), ("2B033", True), ("97105", True), ("75056", True),
                                          ("2C004", False), ("7505", False), ("750561", False)])
def test_insee_commune_code_form(code: str, ok: bool) -> None:
    assert bool(INSEE_COMMUNE.match(code)) is ok


@pytest.mark.parametrize(("code", "ok"), [("01", True), ("2A", True), ("974", True), ("976", True), ("20", False), ("96", False)])
def test_departement_code_form(code: str, ok: bool) -> None:
    assert bool(INSEE_DEPARTEMENT.match(code)) is ok


def test_places_are_never_guessed() -> None:
    places = PlaceIndex.from_files(COG / "communes.json", COG / "regions.json", COG / "departements.json")
    assert places.commune("Lieusaint", ["77"], None) == "77251"
    assert places.commune("LIEUSAINT", ["77"], None) == "77251"  # case and accents do not matter
    assert places.commune("Lieusaint", ["91"], None) is None  # not in that département
    assert places.commune("Lieusaint", [], None) is None  # no département nor région: not linked
    assert places.region("Île-de-France") == "11" and places.region("ile de france") == "11"
