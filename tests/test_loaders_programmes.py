"""The Action cœur de ville and Petites villes de demain list loader and the crossing table loader.

Each quirk of the files (SOURCES.md §6) on a cut of the real files (``tests/data/mirror/programmes``),
edited where a quirk needs a row the cut does not have; every problem names file, row and column.
The golden files of ``test_loaders.py`` hold the whole output of each cut.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from tests.helpers import CUT_MIRROR, REPO
from tid.errors import SourceError
from tid.loaders import anct_crossing, programme_lists
from tid.loaders.base import LoadContext, LoadReport
from tid.namespaces import ORG, TID, Minter

LISTS = CUT_MIRROR / "programmes"
ACV18, ACV24, ACV25 = (LISTS / f"acv_anct-carto-acv-{y}.csv" for y in (2018, 2024, 2025))
PVD21, PVD24 = LISTS / "pvd_anct-carto-pvd-2021.csv", LISTS / "pvd_superposeur-anct.csv"
ID = "https://w3id.org/territoires-industrie/id/"
ACV, PVD = "action-coeur-de-ville", "petites-villes-de-demain"


def load(path: Path, phase: str, source_id: str, references: dict[str, Path] | None = None, **options):
    report = LoadReport(path.name)
    ctx = LoadContext(minter=Minter(), report=report, phase=phase, reference_date=date(2024, 8, 1),
                      geography_date=date(2023, 1, 1), source_id=source_id, options=options,
                      references=references or {})
    return list(programme_lists.load(path, ctx)), report


def edited(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def objects(triples, subject: str, predicate: NamedNode) -> set:
    return {t.object for t in triples if t.subject == NamedNode(ID + subject) and t.predicate == predicate}


def test_the_2018_list_takes_its_conventions_from_the_2024_list_and_reads_a_name_only_through_a_decision() -> None:
    aliases = REPO / "curated" / "communes_alias.csv"
    triples, report = load(ACV18, ACV, "acv-2018", {"acv-2024": ACV24, "communes-alias": aliases},
                           programme="ACV", identifiants="acv-2024", alias="communes-alias")
    assert not report.rejects
    # Niort: no id in 2018, acv-150 in 2024; its 2018 date as the file gives it (before the plan: the rule reports it)
    assert objects(triples, f"adhesion/{ACV}/acv-150/79191", ORG.organization) == {NamedNode(f"{ID}territoire/{ACV}/acv-150")}
    assert objects(triples, f"territoire/{ACV}/acv-150", TID.dateSignature) == {
        Literal("2017-07-16", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#date"))}
    # Laval: « 27 jullet 2018 » kept as written, no date
    assert objects(triples, f"territoire/{ACV}/acv-108", TID.dateSignatureTexte) == {Literal("27 jullet 2018")}
    assert objects(triples, f"territoire/{ACV}/acv-108", TID.dateSignature) == set()
    # « Vitry-le-François » in the code column: 51649 by the cited decision, in its 2024 convention
    vitry = {t.subject.value for t in triples if t.predicate == ORG.member and t.object == NamedNode(ID + "commune/51649")}
    assert vitry == {f"{ID}adhesion/{ACV}/acv-221/51649"}
    assert report.notes["commune name in the code column, resolved by curated/communes_alias.csv"] == 1
    # « indefini » is no date at all
    assert objects(triples, f"territoire/{ACV}/acv-200", TID.dateSignatureTexte) == set()


def test_a_name_in_the_code_column_without_a_decision_is_rejected(tmp_path: Path) -> None:
    empty = tmp_path / "communes_alias.csv"
    empty.write_text("nom_ecrit,departement,code_insee,justification\n", encoding="utf-8")
    _triples, report = load(ACV18, ACV, "acv-2018", {"acv-2024": ACV24, "communes-alias": empty},
                            programme="ACV", identifiants="acv-2024", alias="communes-alias")
    rejected = [str(r) for r in report.rejects]
    assert len(rejected) == 1
    assert rejected[0].startswith("acv_anct-carto-acv-2018.csv, row ")
    assert "column 'insee_com': 'Vitry-le-François' is not an INSEE commune code" in rejected[0]


def test_renumbered_ids_name_one_convention_and_a_merger_is_linked() -> None:
    triples, report = load(ACV25, ACV, "acv-2025", {"acv-2024": ACV24}, programme="ACV", liste_precedente="acv-2024")
    assert not report.rejects
    assert objects(triples, f"territoire/{ACV}/acv-150", TID.idProgramme) == {Literal("ACV150")}
    assert objects(triples, f"territoire/{ACV}/acv-200", TID.fusionneDans) == {NamedNode(f"{ID}territoire/{ACV}/acv-123")}
    assert objects(triples, f"adhesion/{ACV}/acv-123/65440", ORG.member) == {NamedNode(ID + "commune/65440")}


def test_a_mis_decoded_territory_name_is_decoded_back() -> None:
    triples, report = load(ACV24, ACV, "acv-2024", programme="ACV", libelles=True)
    labels = {t.object.value for t in triples if t.predicate.value.endswith("#label") and "acv-" in t.subject.value}
    assert not [label for label in labels if "Ã" in label]
    assert report.notes["territory name mis-decoded (UTF-8 read as Windows-1252) decoded back"] >= 1


def test_a_pvd_row_without_an_id_is_a_member_of_the_programme_with_no_convention(tmp_path: Path) -> None:
    # the cut has no such row: Breuillet's, its id removed, as 585 rows of the real file have none
    first = PVD21.read_text(encoding="utf-8").splitlines()[1]
    code, _name, _programme, convention = first.split(",")[:4]
    assert convention.startswith("pvd-")
    path = edited(tmp_path, PVD21, first, first.replace(f",{convention},", ",,", 1))
    triples, report = load(path, PVD, "pvd-2021", programme="PVD")
    assert not report.rejects
    node = f"adhesion/{PVD}/sans-convention/{code}"
    assert objects(triples, node, ORG.member) == {NamedNode(f"{ID}commune/{code}")}
    assert objects(triples, node, ORG.organization) == set()
    assert report.notes["PVD row without id: member of the programme with no convention"] == 1


@pytest.mark.parametrize(("old", "new", "column", "message"), [
    (",PVD,pvd-", ",ACV,pvd-", "programme", "'ACV' in a list of programme PVD"),
    (",PVD,pvd-", ",PVD,pvd_", "id_programme", "is not an ANCT PVD id"),
    (",commune-actuelle,", ",commune-deleguee,", "cog2023_type", "not a current commune"),
])
def test_bad_rows_are_rejected_with_file_row_and_column(tmp_path: Path, old: str, new: str, column: str, message: str) -> None:
    _triples, report = load(edited(tmp_path, PVD24, old, new), PVD, "pvd-2024", programme="PVD")
    rejected = [str(r) for r in report.rejects]
    assert len(rejected) == 1, rejected
    assert rejected[0].startswith(f"pvd_superposeur-anct.csv, row 2, column {column!r}: "), rejected
    assert message in rejected[0]


def test_an_unreadable_iso_date_is_rejected_and_a_duplicate_commune_too(tmp_path: Path) -> None:
    lines = PVD24.read_text(encoding="utf-8").splitlines()
    fields = lines[1].split(",")
    fields[5] = "2021-02-30"
    path = tmp_path / PVD24.name
    path.write_text("\n".join([lines[0], ",".join(fields), lines[1]]) + "\n", encoding="utf-8")
    _triples, report = load(path, PVD, "pvd-2024", programme="PVD")
    assert [str(r) for r in report.rejects] == [
        "pvd_superposeur-anct.csv, row 2, column 'date_signature': '2021-02-30' is not a date (YYYY-MM-DD)",
        f"pvd_superposeur-anct.csv, row 3, column 'insee_com': commune {fields[0]} already listed at row 2",
    ]


def test_a_list_without_its_programme_is_a_configuration_error() -> None:
    with pytest.raises(SourceError, match="options.programme"):
        load(PVD24, PVD, "pvd-2024")


def test_the_crossing_table_publishes_three_columns_and_counts_the_others() -> None:
    path = LISTS / "ngeo-anct-cog2023.csv"
    report = LoadReport(path.name)
    ctx = LoadContext(minter=Minter(), report=report, source_id="anct-croisement-cog2023",
                      options={"date_comparaison": "2024-08-07"})
    triples = list(anct_crossing.load(path, ctx))
    assert not report.rejects
    predicates = {t.predicate.value.rsplit("#", 1)[-1] for t in triples}
    assert {"idTiCroisement", "idAcvCroisement", "idPvdCroisement", "dateComparaison"} <= predicates
    assert not {p for p in predicates if "crte" in p.lower() or "acv2" in p.lower()}
    assert report.notes["id_crte not published (its programme is not documented or not in the graph)"] > 0
    assert {t.object for t in triples if t.predicate == TID.dateComparaison} == {
        Literal("2024-08-07", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#date"))}
    with pytest.raises(SourceError, match="date_comparaison"):
        list(anct_crossing.load(path, LoadContext(minter=Minter(), report=LoadReport(path.name), source_id="x")))
