"""The truth suite for Action cœur de ville and Petites villes de demain, on the graph built from the mirror.

The promises of issue 15: a count at a date equals one published list (ACV: 222 territories on
2018-09-19, 245 communes on 2024-08-01; PVD: 1,606 communes on 2021-01-22, 1,645 on 2024-08-07);
"as of D" answers from the latest list on or before D, exactly as for Territoires d'industrie;
the quirks of the files are kept as the sources give them; ANCT's crossing table is a check that
reports its disagreements with the lists. Expected values are read from the list files with plain
Python (csv), never from the graph.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from functools import cache

import pytest

from tests.lists import mirror
from tests.test_truth import BASE, count, rows, xsd_date

pytestmark = pytest.mark.slow

ACV, PVD = f"{BASE}id/phase/action-coeur-de-ville", f"{BASE}id/phase/petites-villes-de-demain"
FILES = {  # (phase, reference date) -> the list file
    (ACV, date(2018, 9, 19)): "programmes/acv_anct-carto-acv-2018.csv",
    (ACV, date(2024, 8, 1)): "programmes/acv_anct-carto-acv-2024.csv",
    (ACV, date(2025, 4, 1)): "programmes/acv_anct-carto-acv-2025.csv",
    (PVD, date(2021, 1, 22)): "programmes/pvd_anct-carto-pvd-2021.csv",
    (PVD, date(2024, 8, 7)): "programmes/pvd_superposeur-anct.csv",
}
PHASE_END = date(2026, 12, 31)


@cache
def file_rows(relative: str) -> tuple[dict[str, str], ...]:
    with (mirror() / relative).open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def list_in_force(phase: str, day: date) -> str | None:
    dates = sorted(d for p, d in FILES if p == phase and d <= day)
    return FILES[(phase, dates[-1])] if dates and day <= PHASE_END else None


def communes(relative: str) -> set[str]:
    # the 2018 ACV file's one name in the code column is Vitry-le-François, 51649 (curated/communes_alias.csv)
    return {"51649" if r["insee_com"] == "Vitry-le-François" else r["insee_com"] for r in file_rows(relative)}


COMMUNES_AT = """SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {
  ?a a tid:Adhesion ; tid:phase <PHASE> ; org:member ?c ; tid:dateDebut ?d ; tid:dateFin ?f .
  FILTER(?d <= ?DAY && ?DAY <= ?f) }"""
TERRITORIES_AT = """SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {
  ?t a tid:TerritoireProgramme ; tid:phase <PHASE> ; tid:dateDebut ?d ; tid:dateFin ?f .
  FILTER(?d <= ?DAY && ?DAY <= ?f) }"""


def test_the_issue_counts_are_the_sizes_of_the_lists(real_store) -> None:
    assert count(real_store, TERRITORIES_AT, PHASE=ACV, DAY=xsd_date(date(2018, 9, 19))) == 222
    assert count(real_store, COMMUNES_AT, PHASE=ACV, DAY=xsd_date(date(2024, 8, 1))) == 245
    assert count(real_store, COMMUNES_AT, PHASE=PVD, DAY=xsd_date(date(2021, 1, 22))) == 1606
    assert count(real_store, COMMUNES_AT, PHASE=PVD, DAY=xsd_date(date(2024, 8, 7))) == 1645
    # the files say so too: one row per territory in 2018, one per commune since
    assert len(file_rows(FILES[(ACV, date(2018, 9, 19))])) == 222
    assert len(communes(FILES[(ACV, date(2024, 8, 1))])) == 245


@pytest.mark.parametrize("phase", [ACV, PVD])
@pytest.mark.parametrize("day", [date(2017, 12, 14), date(2018, 9, 18), date(2018, 9, 19), date(2020, 10, 1),
                                 date(2021, 1, 21), date(2021, 1, 22), date(2023, 6, 1), date(2024, 7, 31),
                                 date(2024, 8, 1), date(2024, 8, 6), date(2024, 8, 7), date(2025, 3, 31),
                                 date(2025, 4, 1), date(2026, 12, 7), date(2027, 1, 1)])
def test_as_of_a_date_the_members_are_those_of_the_latest_list(real_store, phase: str, day: date) -> None:
    listed = list_in_force(phase, day)
    expected = communes(listed) if listed else set()
    found = {r["c"].rsplit("/", 1)[1] for r in rows(real_store, """SELECT DISTINCT ?c WHERE {
      ?a a tid:Adhesion ; tid:phase <PHASE> ; org:member ?c ; tid:dateDebut ?d ; tid:dateFin ?f .
      FILTER(?d <= ?DAY && ?DAY <= ?f) }""", PHASE=phase, DAY=xsd_date(day))}
    assert found == expected, (day, sorted(found ^ expected)[:10])


def test_each_list_holds_until_the_next(real_store) -> None:
    found = {(r["l"].rsplit("/", 1)[1], r["d"], r["f"]) for r in rows(real_store, """SELECT ?l ?d ?f WHERE {
      ?l a tid:ListeTerritoires ; tid:phase ?p ; tid:dateDebut ?d ; tid:dateFin ?f . FILTER(?p IN (<ACV>, <PVD>)) }""",
                                                                   ACV=ACV, PVD=PVD)}
    assert found == {("acv-2018", "2018-09-19", "2024-07-31"), ("acv-2024", "2024-08-01", "2025-03-31"),
                     ("acv-2025", "2025-04-01", "2026-12-31"), ("pvd-2021", "2021-01-22", "2024-08-06"),
                     ("pvd-2024", "2024-08-07", "2026-12-31")}


def test_renumbered_conventions_are_one_resource_and_the_merger_is_linked(real_store) -> None:
    # acv-017 (2024) is ACV017 (2025): one convention, both ids, members throughout
    ids = {r["id"] for r in rows(real_store, "SELECT ?id WHERE { <T> tid:idProgramme ?id }",
                                 T=f"{BASE}id/territoire/action-coeur-de-ville/acv-017")}
    assert ids == {"acv-017", "ACV017"}
    assert count(real_store, "SELECT (COUNT(*) AS ?n) WHERE { ?t tid:idProgramme ?id FILTER(STRSTARTS(?id, \"ACV\")) "
                             "FILTER NOT EXISTS { ?t tid:idProgramme ?old FILTER(STRSTARTS(?old, \"acv-\")) } }") == 0
    # Tarbes: acv-200 in 2024, in Lourdes's convention (ACV123) in 2025
    assert rows(real_store, "SELECT ?into WHERE { <T> tid:fusionneDans ?into }",
                T=f"{BASE}id/territoire/action-coeur-de-ville/acv-200") == [
        {"into": f"{BASE}id/territoire/action-coeur-de-ville/acv-123"}]
    tarbes = {(r["t"].rsplit("/", 1)[1], r["d"], r["f"]) for r in rows(real_store, """SELECT ?t ?d ?f WHERE {
      ?a org:member <C> ; tid:phase <P> ; org:organization ?t ; tid:dateDebut ?d ; tid:dateFin ?f }""",
                                                                      C=f"{BASE}id/commune/65440", P=ACV)}
    assert tarbes == {("acv-200", "2018-09-19", "2025-03-31"), ("acv-123", "2025-04-01", "2026-12-31")}
    # a binôme: two communes, one convention (Pointe-à-Pitre and Les Abymes)
    expected = {r["insee_com"] for r in file_rows(FILES[(ACV, date(2024, 8, 1))])
                if r["id_programme"] == next(x["id_programme"] for x in file_rows(FILES[(ACV, date(2024, 8, 1))])
                                             if x["insee_com"] == "97120")}
    assert expected == {"97101", "97120"}
    binome = {r["c"].rsplit("/", 1)[1] for r in rows(real_store, """SELECT ?c WHERE {
      ?a org:member ?c ; org:organization ?t ; tid:attesteePar <L> . <C> ^org:member/org:organization ?t }""",
                                                     L=f"{BASE}id/liste/acv-2024", C=f"{BASE}id/commune/97120")}
    assert binome == expected


def test_the_quirks_are_kept_as_the_sources_give_them(real_store) -> None:
    # Vitry-le-François: a name in the 2018 code field, its commune 51649 by a cited decision
    assert count(real_store, "SELECT (COUNT(*) AS ?n) WHERE { ?a org:member <C> ; tid:attesteePar <L> }",
                 C=f"{BASE}id/commune/51649", L=f"{BASE}id/liste/acv-2018") == 1
    # French date typos kept raw, the convention left undated by that list
    raw = {r["raw"] for r in rows(real_store, "SELECT ?raw WHERE { ?t tid:dateSignatureTexte ?raw }")}
    typos = {r["date_signature_raw"] for r in file_rows(FILES[(ACV, date(2018, 9, 19))])
             if r["date_signature_raw"] and not r["date_signature"] and r["date_signature_raw"] != "indefini"}
    assert raw == typos == {"27 jullet 2018", "21 sepmtebre 2018"}
    # a signing date is the convention's, as the list gives it (Niort: 2017-07-16 in 2018, 2018-07-16 in 2024)
    niort = {r["d"] for r in rows(real_store, """SELECT ?d WHERE {
      ?a org:member <C> ; org:organization ?t . ?t tid:dateSignature ?d }""", C=f"{BASE}id/commune/79191")}
    assert niort == {"2017-07-16", "2018-07-16"}
    # PVD 2021 rows without an id: members of the programme, with no convention
    without = {r["insee_com"] for r in file_rows(FILES[(PVD, date(2021, 1, 22))]) if not r["id_programme"]}
    assert len(without) == 585
    found = {r["c"].rsplit("/", 1)[1] for r in rows(real_store, """SELECT ?c WHERE {
      ?a a tid:Adhesion ; tid:phase <P> ; org:member ?c ; tid:attesteePar <L> . FILTER NOT EXISTS { ?a org:organization ?t } }""",
                                                    P=PVD, L=f"{BASE}id/liste/pvd-2021")}
    assert found == without


def results_of(store, shape: str) -> list[dict[str, str | None]]:
    """The build's validation results of one shape: focus node, path and value."""
    return rows(store, """PREFIX sh: <http://www.w3.org/ns/shacl#>
    SELECT ?focus ?path ?value WHERE { GRAPH <G> { ?r sh:sourceShape <S> ; sh:focusNode ?focus .
      OPTIONAL { ?r sh:resultPath ?path } OPTIONAL { ?r sh:value ?value } } }""",
                G=f"{BASE}graph/validation", S=f"https://w3id.org/territoires-industrie/shapes#{shape}")


def test_validation_reports_what_the_sources_say_but_the_rules_doubt(real_store) -> None:
    early = {r["focus"].rsplit("/", 1)[1]: r["value"] for r in results_of(real_store, "TerritoireProgramme-signatureAvantLancement")}
    pvd_early = {r["id_programme"]: r["date_signature"] for r in file_rows(FILES[(PVD, date(2024, 8, 7))])
                 if r["date_signature"] and date.fromisoformat(r["date_signature"]) < date(2020, 10, 1)}
    assert len(pvd_early) == 3 and set(pvd_early.values()) == {"2020-01-15"}
    assert {k: v for k, v in early.items() if k.startswith("pvd-")} == pvd_early
    # Niort: « 16 juillet 2017 » in the 2018 list (2018-07-16 in 2024's), before the plan's announcement
    assert {k: v for k, v in early.items() if k.startswith(("acv-", "commune-"))} == {"acv-150": "2017-07-16"}


def test_the_crossing_table_is_a_check_that_reports_every_disagreement(real_store) -> None:
    table = file_rows("programmes/ngeo-anct-cog2023.csv")
    listed = communes(FILES[(PVD, date(2024, 8, 7))])
    extra = {r["insee_com"] for r in table if r["id_pvd"] and r["insee_com"] not in listed}
    assert extra == {"01093", "12214", "12223", "28103", "29165", "49054", "80677", "91226"}
    disagree = results_of(real_store, "LigneCroisement-accordListes")
    pvd = {r["focus"].rsplit("/", 1)[1] for r in disagree if r["path"].endswith("#idPvdCroisement")}
    assert pvd == extra
    missing = results_of(real_store, "Commune-absenteDuCroisement")
    missing_pvd = {r["focus"].rsplit("/", 1)[1] for r in missing if "/id/adhesion/petites-villes-de-demain/" in r["value"]}
    assert missing_pvd == listed - {r["insee_com"] for r in table if r["id_pvd"]}
    acv_listed = communes(FILES[(ACV, date(2024, 8, 1))])
    acv = {r["focus"].rsplit("/", 1)[1] for r in disagree if r["path"].endswith("#idAcvCroisement")}
    assert acv == {r["insee_com"] for r in table if r["id_acv"] and r["insee_com"] not in acv_listed} == {"78517"}
    # the table states no membership: every membership is attested by a list
    assert count(real_store, """SELECT (COUNT(*) AS ?n) WHERE { ?a a tid:Adhesion .
      FILTER NOT EXISTS { ?a tid:attesteePar ?l } }""") == 0


def test_the_day_before_a_programme_has_a_list_nothing_is_known(real_store) -> None:
    for phase, first in ((ACV, date(2018, 9, 19)), (PVD, date(2021, 1, 22))):
        assert count(real_store, COMMUNES_AT, PHASE=phase, DAY=xsd_date(first - timedelta(days=1))) == 0
