"""The form page of each cross-programme question (issue 15) at ``/queries/{name}``: the header's
parameters give the form (a date picker for a date, a text box with the example for the programme),
the page of the examples runs and shows its table, and a bad date is a 400 page, never a 500."""

from __future__ import annotations

import re

import pytest

from tests.helpers import BASE, HTML_TYPE

BROWSER = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
PVD = BASE + "id/programme/petites-villes-de-demain"
EXAMPLES = {
    "pvd-en-territoire-industrie-par-region": {"date": "2024-08-07"},
    "communes-des-trois-programmes": {"date": "2024-08-07"},
    "territoires-par-communes-pvd-acv": {"date": "2024-08-07"},
    "acv-sites-et-laureats": {"date": "2024-08-07"},
    "programmes-entrees-sorties": {"programme": PVD, "debut": "2021-06-01", "fin": "2024-09-01"},
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_form_page_of_each_programme_question(client, name: str) -> None:
    empty = client.get(f"/queries/{name}", headers=BROWSER)
    assert empty.status_code == 200 and empty.headers["Content-Type"] == HTML_TYPE
    page = empty.get_data(as_text=True)
    assert "<script>" not in page  # strict CSP: no inline script
    for parameter in EXAMPLES[name]:
        kind = "text" if parameter == "programme" else "date"
        assert f'name="{parameter}" type="{kind}"' in page, parameter
    if name == "programmes-entrees-sorties":  # no default: the form first, with the header's examples
        assert 'class="solutions"' not in page
        assert f'placeholder="{PVD}"' in page
        assert re.search(r'href="/queries/programmes-entrees-sorties\?[^"]*programme=', page)
    ran = client.get(f"/queries/{name}", query_string=EXAMPLES[name], headers=BROWSER)
    assert ran.status_code == 200, ran.get_data(as_text=True)
    shown = ran.get_data(as_text=True)
    assert 'class="count"' in shown  # the answer ran (the cut mirror may have no row for some)
    for value in EXAMPLES[name].values():
        assert f'value="{value}"' in shown
    machine = client.get(f"/queries/{name}", query_string={**EXAMPLES[name], "format": "json"})
    rows = machine.get_json()["results"]["bindings"]
    if rows:
        assert 'class="solutions"' in shown and shown.count("<tr>") == len(rows) + 1  # head + one per row
    else:
        assert "Aucune ligne." in shown and 'class="solutions"' not in shown
    english = client.get(f"/queries/{name}", query_string={**EXAMPLES[name], "lang": "en"}, headers=BROWSER)
    assert '<html lang="en">' in english.get_data(as_text=True)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_a_bad_date_is_a_400_page(client, name: str) -> None:
    bad = {**EXAMPLES[name], next(p for p in EXAMPLES[name] if p != "programme"): "2024-13-45"}
    response = client.get(f"/queries/{name}", query_string=bad, headers=BROWSER)
    assert response.status_code == 400 and response.headers["Content-Type"] == HTML_TYPE
