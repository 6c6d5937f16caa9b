"""Territory and EPCI pages at a date name the communes Action cœur de ville and Petites villes de
demain have then (issue 15), over HTTP on the graph built from the real mirror (no browser).

The expected communes are read from the list files of the mirror with plain Python
(``programmes/``, SOURCES.md §6; the territories' lists through tests/lists.py; an EPCI's
communes from the COG files of the vintage in force), never from the graph: one date before any
Petites villes de demain list (2020-11-01: Action cœur de ville's list of 2018-09-19 only), one
after (2024-08-07: the lists of 2024-08-01 and 2024-08-07).
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.helpers import create_test_app
from tests.lists import COG23, list_in_force, mirror_json
from tests.test_truth_programmes import ACV, PVD, communes, list_in_force as programme_list_in_force

pytestmark = pytest.mark.slow

BEFORE_PVD, AFTER_PVD = date(2020, 11, 1), date(2024, 8, 7)
EPCI = "247700057"  # CA Melun Val de Seine: Melun, an Action cœur de ville town
EPCI_FILES = {BEFORE_PVD: "cog/etalab-decoupage-administratif-0.8.0_epci2020/epci.json", AFTER_PVD: f"{COG23}/epci.json"}
"""The COG vintage of each date (2020-01-01, 2023-01-01): the EPCI's communes then."""
SLUGS = {ACV: "action-coeur-de-ville", PVD: "petites-villes-de-demain"}


@pytest.fixture(scope="module")
def client(real_build):
    data_dir, _manifest = real_build
    return create_test_app(data_dir).test_client()


def expected(members: set[str], phase: str, day: date) -> set[str] | None:
    """The INSEE codes of ``members`` the programme's list in force at ``day`` names (None: no list yet)."""
    listed = programme_list_in_force(phase, day)
    return members & communes(listed) if listed else None


def shown(html: str, phase: str) -> tuple[str, set[str]]:
    """What the page says of a programme: its data-count ("none" before its first list) and the
    INSEE codes of the communes it lists."""
    slug = SLUGS[phase]
    count = re.search(rf'<p data-programme="{slug}" data-count="([^"]+)"', html)
    assert count, slug
    listed = re.search(rf'<ul class="programme-communes" data-programme="{slug}">(.*?)</ul>', html, re.S)
    codes = set(re.findall(r'href="/doc/commune/(\w+)', listed.group(1))) if listed else set()
    return count.group(1), codes


def check(client, path: str, members: set[str], day: date) -> None:
    for lang in ("fr", "en"):
        response = client.get(f"/doc/{path}.html?at={day.isoformat()}&lang={lang}")
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert 'id="other-programmes"' in html
        for phase in (ACV, PVD):
            want = expected(members, phase, day)
            count, codes = shown(html, phase)
            if want is None:
                assert count == "none", (path, day, phase)
                assert ("Aucune liste à cette date ou avant" if lang == "fr" else "No list on or before this date") in html
            else:
                assert count == str(len(want)) and codes == want, (path, day, phase, sorted(codes ^ want))
    # the RDF document at the date states the memberships of the lists in force
    triples = client.get(f"/doc/{path}.nt?at={day.isoformat()}").get_data(as_text=True)
    for phase in (ACV, PVD):
        want = expected(members, phase, day) or set()
        listed = programme_list_in_force(phase, day)
        adhesions = set(re.findall(r"^<([^>]+)> <https://w3id.org/territoires-industrie/def#attesteePar> <[^>]+/liste/"
                                   rf"{'acv' if phase == ACV else 'pvd'}-\d+>", triples, re.M))
        if listed is None:
            assert not adhesions
        else:
            members_of = {re.search(rf"^<{re.escape(a)}> <http://www.w3.org/ns/org#member> <[^>]+/commune/(\w+)>",
                                    triples, re.M).group(1) for a in adhesions}
            assert members_of == want, (path, day, phase)


@pytest.mark.parametrize("day", [BEFORE_PVD, AFTER_PVD])
def test_a_territory_page_names_its_communes_in_the_other_programmes(client, day: date) -> None:
    listed = list_in_force(day)
    assert listed is not None
    pvd_or_acv = communes(programme_list_in_force(ACV, day)) | communes(programme_list_in_force(PVD, AFTER_PVD))
    # the territory of the list with the most communes in either programme: something to show
    id_ti = max(sorted(listed.territories), key=lambda t: len(listed.territories[t] & pvd_or_acv))
    check(client, f"territoire/{listed.phase}/{id_ti}", listed.territories[id_ti], day)


@pytest.mark.parametrize("day", [BEFORE_PVD, AFTER_PVD])
def test_an_epci_page_names_its_communes_in_the_other_programmes(client, day: date) -> None:
    members = next({m["code"] for m in epci["membres"]} for epci in mirror_json(EPCI_FILES[day]) if epci["code"] == EPCI)
    assert "77288" in members  # Melun
    check(client, f"epci/{EPCI}", members, day)
