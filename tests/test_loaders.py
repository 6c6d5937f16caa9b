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
    # through the golden file's own Turtle writer and parser, so that a decimal compares as its value
    # (rdflib writes "37"^^xsd:decimal as 37.0, which reads back as the lexical form "37.0")
    actual = Graph().parse(data=bind_prefixes(actual).serialize(format="longturtle"), format="turtle")
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


# -- the December 2026 transcriptions (SOURCES.md §4d, §4e): a second column schema ------------

SITES_2026_12 = CUT_MIRROR / "sites-cles-en-main" / "sites_additional_2026-12.csv"
LAUREATS_2026_12 = CUT_MIRROR / "sites-cles-en-main" / "fonds_acceleration_laureats_additional_2026-12.csv"
SITE = "https://w3id.org/territoires-industrie/id/site/"
TID_NS = "https://w3id.org/territoires-industrie/def#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _load_transcription(module, path: Path, colonnes: str | None = "2026-12", aliases: Path | None = None):
    """Run a transcription loader on ``path`` with the cut's COG and the project's tables: its
    triples (as (subject, predicate, object) value tuples) and its report."""
    from tid.loaders.base import LoadContext, LoadReport

    report = LoadReport(path.name)
    ctx = LoadContext(
        minter=Minter(), report=report, options={"colonnes": colonnes} if colonnes else {},
        references={"cog2023-communes": COG / "communes.json", "cog2023-regions": COG / "regions.json",
                    "cog2023-departements": COG / "departements.json",
                    "site-aliases": aliases or REPO / "curated" / "site_aliases.csv",
                    "communes-alias": REPO / "curated" / "communes_alias.csv"},
    )
    triples = {(t.subject.value, t.predicate.value, t.object.value, getattr(t.object, "language", None))
               for t in module.load(path, ctx)}
    return triples, report


def _edited(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    """A copy of a cut file with one real value changed (the rest of the row as transcribed)."""
    text = source.read_text(encoding="utf-8")
    assert old in text, f"the cut no longer contains {old!r}"
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _rejected(report) -> list[str]:
    return [str(r) for r in report.rejects]


def test_sites_of_the_2026_12_schema_load_into_the_sites_they_corroborate() -> None:
    from tid.loaders import sites_cles_en_main

    triples, report = _load_transcription(sites_cles_en_main, SITES_2026_12)
    assert report.rows_read == 4 and not report.rejects
    sites = {s for s, p, o, _l in triples if p == RDF_TYPE and o == TID_NS + "SiteCleEnMain"}
    # the unnamed row at Hambach is the Europôle de Sarreguemines, not the unnamed Cahors site
    assert sites == {SITE + s for s in ("terminal-portuaire-du-verdon", "induslacq-chem-pole-64-chemical-parks",
                                        "parc-d-activites-economiques-garlin-pyrenees", "europole-de-sarreguemines")}
    labelling = "https://w3id.org/territoires-industrie/id/labellisation/induslacq-chem-pole-64-chemical-parks/choose-france-2020"
    about = {(p, o, lang) for s, p, o, lang in triples if s == labelling}
    assert (TID_NS + "vague", "https://w3id.org/territoires-industrie/id/vague/choose-france-2020", None) in about
    # indirect wording stays visible on the labelling; the evidence is quoted in French, as written
    notes = [o for p, o, _l in about if p == "http://www.w3.org/2000/01/rdf-schema#comment"]
    assert len(notes) == 1 and notes[0].startswith("INDIRECT:")
    assert {(o, lang) for p, o, lang in about if p == TID_NS + "citation"} == {
        ("Si en janvier 2020, Induslacq & Chem'pôle 64 Chemical Parks avait été sur le devant de la scène au niveau "
         "régional, c’est au tour de Garlin Pyrénées et de Pyrenia d’être valorisés.", "fr")}
    # no page title in this schema: the document is its URL, with the date before the bracketed comment
    document = next(o for s, p, o, _l in triples if s == labelling and p == "http://purl.org/dc/terms/source")
    described = {p: o for s, p, o, _l in triples if s == document}
    assert "http://purl.org/dc/terms/title" not in described
    assert described["https://schema.org/url"] == "https://presselib.com/pyrenia-et-garlin/"
    assert described["http://purl.org/dc/terms/issued"] == "2020-07"
    assert (SITE + "terminal-portuaire-du-verdon", TID_NS + "surfaceHa", "37", None) in triples


@pytest.mark.parametrize(("old", "new", "row", "column", "message"), [
    # a wave spelling that is not in the table of accepted spellings
    ("2021 (23 Sept 2021)", "2021 (Sept 2021)", 2, "wave", "unknown wave spelling '2021 (Sept 2021)'"),
    ("Pack Rebond 2020 (Jul 2020)", "Pack rebond 2020", 4, "wave", "unknown wave spelling"),
    # a name the reconciliation table does not have
    ("Garlin Pyrénées,", "Garlin,", 4, "site_name", "'Garlin' is not in the site reconciliation table"),
    # an unnamed row at a commune the table does not name
    (",Hambach,57,", ",Sarreguemines,57,", 5, "site_name",
     "a site without a name at 'Sarreguemines' is not in the site reconciliation table"),
    ("terminal portuaire du Verdon,,33,", "terminal portuaire du Verdon,,3X,", 2, "departement", "unknown département code(s) 3X"),
    ("Nouvelle-Aquitaine,2021", "Aquitaine,2021", 2, "region", "unknown région 'Aquitaine'"),
    (",37,https", ",37 ha,https", 2, "surface_ha", "is not a number of hectares"),
    ("https://presselib.com/pyrenia-et-garlin/", "", 3, "source_url", "cites no source"),
])
def test_sites_of_the_2026_12_schema_reject_with_file_row_and_column(tmp_path: Path, old: str, new: str, row: int,
                                                                       column: str, message: str) -> None:
    from tid.loaders import sites_cles_en_main

    _assert_one_reject(sites_cles_en_main, _edited(tmp_path, SITES_2026_12, old, new), row, column, message)


def _assert_one_reject(loader, path: Path, row: int, column: str, message: str) -> None:
    """The edited file loads with exactly one reject, which names its file, row and column."""
    _triples, report = _load_transcription(loader, path)
    rejected = _rejected(report)
    assert len(rejected) == 1, rejected
    assert rejected[0].startswith(f"{path.name}, row {row}, column {column!r}: "), rejected
    assert message in rejected[0]


def test_the_column_schema_is_the_source_lists_and_the_header_must_have_it(tmp_path: Path) -> None:
    from tid.errors import SourceError
    from tid.loaders import fonds_acceleration, sites_cles_en_main

    with pytest.raises(SourceError, match="unknown column schema colonnes = '2027-01'"):
        _load_transcription(sites_cles_en_main, SITES_2026_12, colonnes="2027-01")
    with pytest.raises(SourceError, match="unknown column schema colonnes = '2027-01'"):
        _load_transcription(fonds_acceleration, LAUREATS_2026_12, colonnes="2027-01")
    # the default is the first schema: the December file lacks its columns
    with pytest.raises(SourceError, match=r"sites_additional_2026-12.csv, row 1, column 'wave_date': missing column"):
        _load_transcription(sites_cles_en_main, SITES_2026_12, colonnes=None)
    with pytest.raises(SourceError, match=r"sites_cles_en_main.csv, row 1, column 'departement': missing column"):
        _load_transcription(sites_cles_en_main, CUT_MIRROR / "sites-cles-en-main" / "sites_cles_en_main.csv")


def test_the_reconciliation_table_names_an_unnamed_site_by_its_commune_only(tmp_path: Path) -> None:
    from tid.loaders import site_aliases

    table = (REPO / "curated" / "site_aliases.csv").read_text(encoding="utf-8")
    unnamed = next(line for line in table.splitlines() if line.startswith("europole-de-sarreguemines,,"))
    assert unnamed.endswith(",Hambach")
    cases = {
        "named-with-commune": (table + "axioparc,Axioparc bis,Axioparc,x,Illkirch\n",
                               "column 'commune': a commune only identifies a row without a site name"),
        "unnamed-twice": (table + unnamed.replace("europole-de-sarreguemines,,Europôle de Sarreguemines",
                                                  "mosl-parc,,MOSL Parc") + "\n",
                          "column 'site_name': the unnamed site at 'Hambach' is reconciled twice"),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        report = _load_transcription(site_aliases, path, colonnes=None)[1]
        assert [m for m in _rejected(report) if message in m], (name, _rejected(report))


def test_laureats_of_the_2026_12_schema_keep_amount_quote_and_dates() -> None:
    from tid.loaders import fonds_acceleration

    triples, report = _load_transcription(fonds_acceleration, LAUREATS_2026_12)
    assert report.rows_read == 4 and not report.rejects
    support = "https://w3id.org/territoires-industrie/id/soutien/fonds-acceleration-investissements-industriels/"
    about = lambda slug: {p: (o, lang) for s, p, o, lang in triples if s == support + slug}  # noqa: E731
    spars = about("ag-spars")
    assert spars[TID_NS + "montant"] == ("240000", None)  # the only per-company amount (SOURCES.md §4e)
    assert spars[TID_NS + "citation"] == ("Lauréate de ce fonds de soutien, elle a reçu un chèque de 240 000 euros", "fr")
    assert spars[TID_NS + "mois"] == ("2021-08", None)
    assert about("castel-freres")[TID_NS + "commune"] == ("https://w3id.org/territoires-industrie/id/commune/33063", None)
    assert about("orgapharm")[TID_NS + "mois"] == ("2020-10", None)  # "2020-10 (selection of 29 Oct 2020)"
    electravia = about("electravia")  # "page updated 2022-08-10" is not a publication date
    assert TID_NS + "mois" not in electravia and TID_NS + "date" not in electravia
    assert "http://purl.org/dc/terms/description" not in electravia  # no project summary in this schema


@pytest.mark.parametrize(("old", "new", "row", "column", "message"), [
    (",240000,", ",240 000,", 3, "amount_eur", "amount '240 000' is not a number of euros"),
    ("Nouvelle-Aquitaine,AG+SPARS,", "Nouvelle-Aquitaine,Castel Frères,", 3, "company_name",
     "company 'Castel Frères' already listed at row 2"),
    ("Nouvelle-Aquitaine,AG+SPARS,", "Nouvelle Aquitania,AG+SPARS,", 3, "region", "unknown région 'Nouvelle Aquitania'"),
    (",Bordeaux,33,", ",Bordeaux,330,", 2, "departement", "unknown département code(s) 330"),
    ("Nouvelle-Aquitaine,AG+SPARS,", "Nouvelle-Aquitaine,,", 3, "company_name", "empty company name"),
])
def test_laureats_of_the_2026_12_schema_reject_with_file_row_and_column(tmp_path: Path, old: str, new: str, row: int,
                                                                          column: str, message: str) -> None:
    from tid.loaders import fonds_acceleration

    _assert_one_reject(fonds_acceleration, _edited(tmp_path, LAUREATS_2026_12, old, new), row, column, message)
