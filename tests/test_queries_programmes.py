"""The cross-programme named queries (issue 15) on the graph built from the real mirror.

Expected values are read from the list files with plain Python (tests/lists.py for Territoires
d'industrie, the CSV files for Action cœur de ville and Petites villes de demain).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.lists import list_in_force as ti_list_in_force
from tests.test_truth import BASE
from tests.test_truth_programmes import ACV, FILES, PVD, communes, list_in_force
from tid.graph.queries import load_query

pytestmark = pytest.mark.slow
DAY = date(2024, 8, 7)


def answer(store, name: str, **params: str) -> list[dict[str, str | None]]:
    query = load_query(name)
    solutions = store.query(query.text, substitutions=query.substitutions(params))
    names = [v.value for v in solutions.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in solutions]


def ti_communes(day: date) -> set[str]:
    return set().union(*ti_list_in_force(day).territories.values())


def test_pvd_communes_in_a_territory_per_region(real_store) -> None:
    rows = answer(real_store, "pvd-en-territoire-industrie-par-region", date=DAY.isoformat())
    pvd = communes(list_in_force(PVD, DAY))
    assert sum(int(r["communesPvd"]) for r in rows) == len(pvd) == 1645
    assert sum(int(r["communesPvdEnTerritoire"]) for r in rows) == len(pvd & ti_communes(DAY))
    assert len({r["region"] for r in rows}) == len(rows)


def test_communes_in_all_three_programmes(real_store) -> None:
    for day in (date(2021, 6, 1), DAY, date(2025, 6, 1)):
        rows = answer(real_store, "communes-des-trois-programmes", date=day.isoformat())
        expected = communes(list_in_force(ACV, day)) & communes(list_in_force(PVD, day)) & ti_communes(day)
        assert {r["insee"] for r in rows} == expected, day


def test_territories_by_their_pvd_and_acv_communes(real_store) -> None:
    rows = answer(real_store, "territoires-par-communes-pvd-acv", date=DAY.isoformat())
    listed = ti_list_in_force(DAY)
    assert {r["idTi"] for r in rows} == set(listed.territories)
    pvd, acv = communes(list_in_force(PVD, DAY)), communes(list_in_force(ACV, DAY))
    for row in rows:
        members = listed.territories[row["idTi"]]
        assert int(row["communes"]) == len(members), row["idTi"]  # communes, not their EPCIs too
        assert int(row["communesPvd"]) == len(members & pvd), row["idTi"]
        assert int(row["communesAcv"]) == len(members & acv), row["idTi"]
        assert int(row["communesPvdOuAcv"]) == len(members & (pvd | acv)), row["idTi"]


def test_acv_towns_with_a_site_or_a_laureat(real_store) -> None:
    rows = answer(real_store, "acv-sites-et-laureats", date=DAY.isoformat())
    assert rows
    assert {r["insee"] for r in rows} <= communes(list_in_force(ACV, DAY))
    assert all((r["site"] is None) != (r["soutien"] is None) for r in rows)


def test_entries_and_exits_between_two_dates(real_store) -> None:
    first, second = date(2021, 6, 1), date(2024, 9, 1)
    rows = answer(real_store, "programmes-entrees-sorties", programme=f"{BASE}id/programme/petites-villes-de-demain",
                  debut=first.isoformat(), fin=second.isoformat())
    before, after = communes(FILES[(PVD, date(2021, 1, 22))]), communes(FILES[(PVD, date(2024, 8, 7))])
    assert {r["insee"] for r in rows if r["mouvement"] == "entrée"} == after - before
    assert {r["insee"] for r in rows if r["mouvement"] == "sortie"} == before - after
    # Tarbes changed convention in 2025 (merged into Lourdes's): it neither enters nor leaves ACV
    acv = answer(real_store, "programmes-entrees-sorties", programme=f"{BASE}id/programme/action-coeur-de-ville",
                 debut="2024-09-01", fin="2025-06-01")
    assert "65440" not in {r["insee"] for r in acv}
    assert {r["insee"]: r["mouvement"] for r in acv} == {
        **{c: "entrée" for c in communes(FILES[(ACV, date(2025, 4, 1))]) - communes(FILES[(ACV, date(2024, 8, 1))])},
        **{c: "sortie" for c in communes(FILES[(ACV, date(2024, 8, 1))]) - communes(FILES[(ACV, date(2025, 4, 1))])}}


@pytest.mark.parametrize("day", [date(2018, 10, 1), date(2021, 6, 1), DAY, date(2025, 6, 1)])
def test_home_counts_the_lists_in_force(real_store, day: date) -> None:
    rows = answer(real_store, "home-programmes-listes", date=day.isoformat(),
                  sauf=f"{BASE}id/programme/territoires-industrie")
    found = {r["liste"].rsplit("/", 1)[1]: int(r["communes"]) for r in rows}
    expected = {}
    for phase, prefix in ((ACV, "acv"), (PVD, "pvd")):
        listed = list_in_force(phase, day)
        if listed:
            expected[f"{prefix}-{[d for (p, d), f in FILES.items() if f == listed][0].year}"] = len(communes(listed))
    assert found == expected


def test_the_pages_read_each_list_as_its_file_says(real_store) -> None:
    from tid.endpoint.describe import read_programme_lists

    lists = read_programme_lists(real_store, f"{BASE}id/programme/territoires-industrie")
    for (phase, reference), relative in FILES.items():
        listed = next(x for xs in lists.by_programme.values() for x in xs if x.phase == phase and x.reference == reference)
        assert {m.rsplit("/", 1)[1] for m in listed.members} == communes(relative), relative
        for day in (reference, reference + timedelta(days=1)):
            in_force, _earliest = lists.at(phase.replace("/phase/", "/programme/"), day)
            assert in_force is listed, (relative, day)
    # before the first list of Petites villes de demain, the pages say so and name it
    assert lists.at(f"{BASE}id/programme/petites-villes-de-demain", date(2020, 11, 1))[1].reference == date(2021, 1, 22)
