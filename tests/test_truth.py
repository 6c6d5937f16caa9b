"""The truth suite: the figures the graph publishes, at their dates, against what the sources say.

These are the project's promises to its users (README, "How time works"), checked on the graph
built from the real mirror: a count of territories at any date is the size of one published list
(148, 149, 183); no commune is in two territories on one day; no member before it exists; a count
over the default graph counts each fact once; each sentence a document states is one claim. The
expected values come from the source files themselves (tests/lists.py), never from the graph.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import date, timedelta

import pytest

from tests.lists import COG23, PHASES, list_in_force, lists, mirror_json, territories_of_commune
from tid.graph.queries import load_query

pytestmark = pytest.mark.slow

PREFIXES = """PREFIX tid: <https://w3id.org/territoires-industrie/def#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
BASE = "https://w3id.org/territoires-industrie/"
# The dates, the lists' own dates and their eves, the phases' bounds, and days in between.
DATES = sorted({date(2018, 11, 22), date(2019, 6, 1), date(2020, 10, 12), date(2020, 10, 13), date(2020, 12, 31),
                date(2021, 6, 1), date(2022, 6, 1), date(2022, 12, 31), date(2023, 1, 1), date(2023, 11, 8),
                date(2023, 11, 9), date(2024, 1, 1), date(2024, 7, 3), date(2024, 7, 4), date(2024, 8, 1),
                date(2025, 12, 31), date(2026, 1, 1), date(2026, 12, 7), date(2027, 12, 31)})


def rows(store, query: str, **bindings: str) -> list[dict[str, str | None]]:
    text = PREFIXES + query
    for name, value in bindings.items():  # <NAME> for an IRI, ?NAME for a literal written in SPARQL
        text = text.replace(f"<{name}>", f"<{value}>").replace(f"?{name}", value)
    solutions = store.query(text)
    names = [v.value for v in solutions.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in solutions]


def count(store, query: str, **bindings: str) -> int:
    return int(rows(store, query, **bindings)[0]["n"])


def xsd_date(day: date) -> str:
    return f'"{day.isoformat()}"^^xsd:date'


TERRITORIES_AT = """SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {
  ?t a tid:TerritoireIndustrie ; tid:dateDebut ?d ; tid:dateFin ?f . FILTER(?d <= ?DAY && ?DAY <= ?f) }"""


def test_the_count_of_territories_at_a_date_is_the_size_of_one_published_list(real_store) -> None:
    assert count(real_store, TERRITORIES_AT, DAY=xsd_date(date(2020, 10, 13))) == 148
    assert count(real_store, TERRITORIES_AT, DAY=xsd_date(date(2023, 11, 8))) == 149  # the end of phase 1
    assert count(real_store, TERRITORIES_AT, DAY=xsd_date(date(2024, 7, 4))) == 183
    for day in DATES:
        listed = list_in_force(day)
        expected = len(listed.territories) if listed else 0
        assert count(real_store, TERRITORIES_AT, DAY=xsd_date(day)) == expected, day
    # the membership view agrees: the territories with a member on that day
    members_at = """SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {
      ?a a tid:Adhesion ; org:organization ?t ; tid:dateDebut ?d ; tid:dateFin ?f . ?t a tid:TerritoireIndustrie .
      FILTER(?d <= ?DAY && ?DAY <= ?f) }"""
    for day in (date(2020, 12, 31), date(2023, 6, 1), date(2024, 1, 1), date(2025, 6, 1)):
        assert count(real_store, members_at, DAY=xsd_date(day)) == len(list_in_force(day).territories), day


def test_before_the_first_list_of_a_phase_nothing_is_asserted(real_store) -> None:
    first = min(listed.start for listed in lists() if listed.phase == "2018-2023")
    assert first == date(2020, 10, 13)
    for day in (PHASES["2018-2023"][0], date(2019, 6, 1), first - timedelta(days=1)):
        assert count(real_store, TERRITORIES_AT, DAY=xsd_date(day)) == 0, day
    query = load_query("territoire-d-une-commune")
    early = list(real_store.query(query.text, substitutions=query.substitutions({"insee": "29019", "date": "2019-06-01"})))
    assert [(s["connu"].value, s["dateListe"].value, s["territoire"]) for s in early] == [("false", "2020-10-13", None)]


@pytest.mark.parametrize("day", [date(2020, 12, 31), date(2021, 6, 1), date(2022, 6, 1), date(2023, 1, 1),
                                 date(2023, 11, 8), date(2024, 1, 1), date(2024, 8, 1), date(2026, 12, 7)])
def test_no_commune_is_in_two_territories_on_one_day(real_store, day: date) -> None:
    # within one phase: a commune may also be in an ACV or PVD convention (another programme's phase)
    doubles = rows(real_store, """SELECT ?c (COUNT(DISTINCT ?t) AS ?n) WHERE {
      ?a a tid:Adhesion ; org:member ?c ; org:organization ?t ; tid:phase ?p ; tid:dateDebut ?d ; tid:dateFin ?f .
      ?c igeo:codeINSEE ?code . FILTER(?d <= ?DAY && ?DAY <= ?f) } GROUP BY ?c ?p HAVING (COUNT(DISTINCT ?t) > 1)""",
                   DAY=xsd_date(day))
    assert doubles == []
    brest = rows(real_store, """SELECT ?t WHERE { ?a org:member <BREST> ; org:organization ?t ;
      tid:dateDebut ?d ; tid:dateFin ?f . ?t a tid:TerritoireIndustrie . FILTER(?d <= ?DAY && ?DAY <= ?f) }""",
                 BREST=f"{BASE}id/commune/29019", DAY=xsd_date(day))
    assert {r["t"].rsplit("/", 1)[1] for r in brest} == territories_of_commune("29019", day)


def test_communes_follow_the_list_in_force(real_store) -> None:
    query = load_query("territoire-d-une-commune")
    for code, day in (("29019", date(2022, 6, 1)), ("29019", date(2023, 6, 1)), ("19002", date(2024, 1, 1)),
                      ("19002", date(2024, 8, 1)), ("64430", date(2021, 6, 1)), ("64430", date(2024, 8, 1))):
        found = real_store.query(query.text, substitutions=query.substitutions({"insee": code, "date": day.isoformat()}))
        assert {s["idTi"].value for s in found if s["idTi"] is not None} == territories_of_commune(code, day), (code, day)
    # Aix (Corrèze) left "Creuse Industrie" with ANCT's July 2024 list
    assert territories_of_commune("19002", date(2024, 1, 1)) == {"ti-7506"}
    assert territories_of_commune("19002", date(2024, 8, 1)) == set()


def test_no_member_before_it_exists_nor_after_it_is_gone(real_store) -> None:
    assert count(real_store, """SELECT (COUNT(*) AS ?n) WHERE {
      ?a a tid:Adhesion ; org:member ?m ; tid:dateDebut ?d . ?m tid:creeApres ?c FILTER(?d <= ?c) }""") == 0
    assert count(real_store, """SELECT (COUNT(*) AS ?n) WHERE {
      ?a a tid:Adhesion ; org:member ?m ; tid:dateFin ?f . ?m tid:supprimeAvant ?s FILTER(?f >= ?s) }""") == 0
    # the EPCIs created on 1 January 2023 are members from that day (the end-of-phase list's date), not 2018
    for siren in ("200096634", "200096642", "200096675", "200096683"):
        starts = {r["d"] for r in rows(real_store, "SELECT ?d WHERE { ?a org:member <E> ; tid:phase <P> ; tid:dateDebut ?d }",
                                      E=f"{BASE}id/epci/{siren}", P=f"{BASE}id/phase/2018-2023")}
        assert starts == {"2023-01-01"}, siren
    # a commune merged since 2023 stops being a member the day before the COG 2026
    ends = {r["f"] for r in rows(real_store, "SELECT ?f WHERE { ?a org:member <C> ; tid:phase <P> ; tid:dateFin ?f }",
                                 C=f"{BASE}id/commune/16355", P=f"{BASE}id/phase/2023-2027")}
    assert ends == {"2025-12-31"}


def test_counts_over_the_default_graph_count_each_fact_once(real_store) -> None:
    per_class = rows(real_store, """SELECT ?class (COUNT(?x) AS ?n) (COUNT(DISTINCT ?x) AS ?d)
      WHERE { ?x a ?class } GROUP BY ?class""")
    assert len(per_class) > 30
    assert [r for r in per_class if r["n"] != r["d"]] == []
    territories = rows(real_store, "SELECT (COUNT(?t) AS ?n) (COUNT(DISTINCT ?t) AS ?d) WHERE { ?t a tid:TerritoireIndustrie }")
    assert territories == [{"n": "335", "d": "335"}]  # 148 + 149 + 183 ids, less the ids two lists share in a phase
    # a sum over facts two sources state (COG 2023 population, July 2024 list): the EPCIs of ti-7510
    total = rows(real_store, """SELECT (SUM(?pop) AS ?n) WHERE {
      ?a org:organization <T> ; org:member ?e ; tid:attesteePar <L> . ?e a igeo:Intercommunalite ; tid:populationMunicipale ?pop }""",
                 T=f"{BASE}id/territoire/2023-2027/ti-7510", L=f"{BASE}id/liste/ti-phase2-groupements")
    july_2024 = next(listed for listed in lists() if listed.source == "ti-phase2-groupements")
    populations = {r["code"]: r["populationMunicipale"] for r in mirror_json(f"{COG23}/epci.json") + mirror_json(f"{COG23}/ept.json")}
    assert int(total[0]["n"]) == sum(populations[siren] for siren in july_2024.groupements["ti-7510"]) == 533255
    # the default graph holds each triple of the named graphs once
    merged = count(real_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    distinct = count(real_store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }")
    assert merged == distinct


def test_each_sentence_a_document_states_is_one_claim(real_store) -> None:
    figures = rows(real_store, "SELECT ?c ?citation WHERE { ?c a tid:ChiffreAnnonce ; tid:citation ?citation }")
    per_claim: dict[str, set[str]] = {}
    for figure in figures:  # one sentence, however typed (’ or ', spaces)
        sentence = " ".join(unicodedata.normalize("NFKC", figure["citation"]).replace("\u2019", "'").split())
        per_claim.setdefault(sentence, set()).add(figure["c"])
    # several figures may quote one sentence when it states several numbers ("Les 66 nouveaux sites
    # [...] viennent s'ajouter aux 12 déjà identifiés"), but then each is a different claim: it
    # counts something else, or another number, or over another scope
    for citation, claims in per_claim.items():
        keys = Counter(tuple(sorted((r["o"] or "", r["v"], r["p"] or "") for r in rows(real_store, """SELECT ?o ?v ?p WHERE {
          <C> tid:valeur|tid:superieurA ?v OPTIONAL { <C> tid:objetCompte ?o } OPTIONAL { <C> tid:portee ?p } }""",
                                                                                   C=claim)))
                       for claim in claims)
        assert all(keys), (citation, claims)  # every figure has a value or a bound
        assert max(keys.values(), default=1) == 1, (citation, claims)
    # the sentences two documents share are one claim with both sources
    for claim in ("sites-cles-en-main-nouvelle-aquitaine-14-seed-004", "sites-cles-en-main-78-2020-seed-002"):
        sources = rows(real_store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { <C> <http://purl.org/dc/terms/source> ?s }",
                       C=f"{BASE}id/chiffre/{claim}")
        assert sources == [{"n": "2"}], claim
    # a figure dated only by what its source says: "148 territoires identifiés" has no date
    assert rows(real_store, "SELECT ?d WHERE { <C> tid:date ?d }", C=f"{BASE}id/chiffre/territoires-industrie-148-seed-003") == []
    # "plus d'un milliard" is a lower bound, not a value
    bound = rows(real_store, "SELECT ?v ?b WHERE { OPTIONAL { <C> tid:valeur ?v } OPTIONAL { <C> tid:superieurA ?b } }",
                 C=f"{BASE}id/chiffre/financements-plus-1-milliard-eur-seed-003")
    assert bound == [{"v": None, "b": "1000000000"}]


def test_every_list_is_the_size_it_says_and_holds_its_period(real_store) -> None:
    found = {r["l"].rsplit("/", 1)[1]: r for r in rows(real_store, """SELECT ?l ?n ?ref ?d ?f WHERE {
      ?l a tid:ListeTerritoires ; tid:nombreTerritoires ?n ; tid:dateReference ?ref ; tid:dateDebut ?d ; tid:dateFin ?f ;
         tid:phase/tid:programme <TI> }""", TI=f"{BASE}id/programme/territoires-industrie")}
    assert {k: (v["n"], v["ref"], v["d"], v["f"]) for k, v in found.items()} == {
        listed.source: (str(len(listed.territories)), listed.reference.isoformat(), listed.start.isoformat(),
                        listed.end.isoformat()) for listed in lists()}
