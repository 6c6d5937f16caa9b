"""The named queries (``queries/*.rq``): well-formed, fast, and right on the real data.

Each answer is checked against facts computed here, with plain Python, from the source files
themselves (the mirror's JSON, GeoJSON and CSV files, the curated Turtle and reconciliation
table), not from the graph: a loader or a derivation that went wrong shows as a difference.
The graph is built once per session from the real mirror (``real_store`` in conftest.py).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import time
import tomllib
import unicodedata
from collections import defaultdict
from datetime import date
from functools import cache
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import Store

from tests.helpers import REPO, real_mirror
from tests.lists import list_in_force, lists, phase_of, removed_since_2023, territories_of_commune
from tid.graph.queries import (
    NAME,
    QUERY_DIR,
    list_queries,
    load_query,
    parse_query_file,
)

BASE = "https://w3id.org/territoires-industrie/"
PHASE1, PHASE2 = BASE + "id/phase/2018-2023", BASE + "id/phase/2023-2027"
PHASE1_END = date(2023, 11, 8)
WAVES = {  # SOURCES.md §4a, "Conventions"
    "Choose France 2020": ("choose-france-2020", date(2020, 1, 20)),
    "Pack Rebond 2020": ("pack-rebond-2020", date(2020, 7, 20)),
    "2021": ("2021", date(2021, 9, 23)),
    "France 2030 2024": ("france-2030-2024", date(2024, 4, 16)),
}
SITE_FILES = ("sites-cles-en-main/sites_cles_en_main.csv", "curated/sites_nouvelle_aquitaine_seed004.csv",
              "sites-cles-en-main/sites_additional_2026-12.csv")
# The spellings of the wave column of the December 2026 file (SOURCES.md §4d), as the file writes them.
WAVE_SPELLINGS = {
    "Choose France 2020 (Jan 2020)": "Choose France 2020",
    "Pack Rebond 2020 (Jul 2020)": "Pack Rebond 2020",
    "2021 (23 Sept 2021)": "2021",
    "France 2030 2024 (16 Apr 2024)": "France 2030 2024",
}
LAUREAT_FILES = ("sites-cles-en-main/fonds_acceleration_laureats.csv",
                 "sites-cles-en-main/fonds_acceleration_laureats_additional_2026-12.csv")


# -- running a named query ---------------------------------------------------------------------


def plain(term: object) -> str | None:
    return None if term is None else term.value


def run(store: Store, name: str, **params: str) -> list[dict[str, str | None]]:
    query = load_query(name)
    solutions = store.query(query.text, substitutions=query.substitutions(params))
    variables = [v.value for v in solutions.variables]
    return [{v: plain(solution[v]) for v in variables} for solution in solutions]


def tail(iri: str | None, marker: str) -> str | None:
    return None if iri is None else iri.split(marker, 1)[1]


# -- the sources, read directly ----------------------------------------------------------------


def clean(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.replace("’", "'")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


@cache
def mirror() -> Path:
    return real_mirror()


@cache
def read_json(relative: str):
    return json.loads((mirror() / relative).read_text(encoding="utf-8"))


@cache
def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def cog(name: str) -> list[dict]:
    return read_json(f"cog/etalab-decoupage-administratif-3.1.1_cog2023/{name}.json")


@cache
def phase1_groupements() -> dict[str, dict]:
    """ti-id -> {label, sirens} of the ANCT 2018-2023 groupement file (149 territories)."""
    data = read_json("territoires-industrie/anct_ti_2018-2022_perimetres_groupements.geojson")
    return {
        f["properties"]["id_ti"]: {
            "label": clean(f["properties"]["lib_ti"]),
            "sirens": [s.strip() for s in f["properties"]["siren_groupement"].split(",") if s.strip()],
        }
        for f in data["features"]
    }


@cache
def phase1_communes_2020() -> dict[str, dict]:
    """ti-id -> {label, communes} of the October 2020 list (148 territories)."""
    territories: dict[str, dict] = {}
    for row in read_csv(mirror() / "territoires-industrie/signauxfaibles_terrind_communes_2020.csv"):
        entry = territories.setdefault("ti-" + row["code_terrind"], {"label": clean(row["libelle_terrind"]), "communes": set()})
        entry["communes"].add(row["code_commune"])
    return territories


@cache
def phase2_groupements() -> dict[str, dict]:
    data = read_json("territoires-industrie/anct_ti_2023-2027_perimetres_epci.geojson")
    return {
        f["properties"]["id_territoire"]: {
            "label": clean(f["properties"]["lib_territoire"]),
            "sirens": re.findall(r"\(([0-9]{9})\)", f["properties"]["liste_geo"]),
        }
        for f in data["features"]
    }


@cache
def phase2_communes() -> dict[str, dict]:
    data = read_json("territoires-industrie/anct_ti_2023-2027_perimetres_communes_nov2023.geojson")
    return {
        f["properties"]["id_territoire"]: {
            "label": clean(f["properties"]["lib_territoire"]),
            "communes": set(re.findall(r"\(((?:[0-9]{2}|2[AB])[0-9]{3})\)", f["properties"]["liste_geo"])),
        }
        for f in data["features"]
    }


def territory_of_commune(code: str, on: date) -> set[str]:
    """The territory ids the list in force at ``on`` places the commune in (tests/lists.py); for a
    date before the first list of its phase, those any list of that phase places it in (the rule
    of the derived territory of a site or a support, queries/derive-site-territory.rq)."""
    found = territories_of_commune(code, on)
    if found is not None:
        return found
    phase = phase_of(on)
    return {ti for listed in lists() if listed.phase == phase for ti, communes in listed.territories.items()
            if code in communes}


def epci_sirens(groupements: dict[str, dict]) -> dict[str, str]:
    """SIREN of each EPCI/EPT member (not the commune SIRENs 21…) -> its territory id."""
    return {s: ti for ti, entry in groupements.items() for s in entry["sirens"] if not s.startswith("21")}


@cache
def epci_members(vintage: str) -> dict[str, set[str]]:
    """SIREN -> INSEE codes of its communes, EPCI and EPT of a COG vintage."""
    if vintage == "2020":
        records = read_json("cog/etalab-decoupage-administratif-0.8.0_epci2020/epci.json")
    else:
        records = cog("epci") + cog("ept")
    return {r["code"]: {m["code"] for m in r["membres"]} for r in records}


@cache
def epci_names(vintage: str) -> dict[str, str]:
    if vintage == "2020":
        records = read_json("cog/etalab-decoupage-administratif-0.8.0_epci2020/epci.json")
    elif vintage == "2026":
        records = [r for name in ("epci", "ept") for r in read_json(f"cog/etalab-decoupage-administratif-6.0.0_cog2026/{name}.json")]
    else:
        records = cog("epci") + cog("ept")
    return {r["code"]: r["nom"] for r in records}


@cache
def aliases() -> dict[tuple[str, str], str]:
    """(site name as written, or "" and the commune of an unnamed row) -> site slug."""
    return {(r["site_name"], "" if r["site_name"].strip() else r["commune"].strip()): r["site_slug"].strip()
            for r in read_csv(REPO / "curated/site_aliases.csv")}


def site_of(row: dict[str, str]) -> str:
    return aliases()[(row["site_name"], "" if row["site_name"].strip() else row["commune"].strip())]


@cache
def site_rows() -> list[dict[str, str]]:
    """The rows of every site file, those of the December 2026 schema read into the first one's
    columns (the wave from its spelling, the département code from ``departement``)."""
    rows = []
    for relative in SITE_FILES:
        path = mirror() / relative if relative.startswith("sites-") else REPO / relative
        for row in read_csv(path):
            if "wave" in row:
                label = WAVE_SPELLINGS[row["wave"]]
                row = {**row, "wave_label": label, "wave_date": WAVES[label][1].isoformat(),
                       "departement_code": row["departement"]}
            rows.append(row)
    return rows


@cache
def laureat_rows() -> list[dict[str, str]]:
    return [row for relative in LAUREAT_FILES for row in read_csv(mirror() / relative)]


def site_regions() -> dict[str, set[str]]:
    """Site slug -> the régions its rows give (a site's places are those of all its rows)."""
    found: dict[str, set[str]] = defaultdict(set)
    for row in site_rows():
        found[site_of(row)] |= row_regions(row)
    return found


def row_waves(row: dict[str, str]) -> list[tuple[str, date, bool]]:
    """(wave slug, wave date, exactly known) of a site row; a year-only row gets every wave of it."""
    if row["wave_label"].strip():
        wave_slug, wave_date = WAVES[row["wave_label"].strip()]
        return [(wave_slug, wave_date, True)]
    year = int(row["wave_date"].strip())
    return [(s, d, False) for s, d in WAVES.values() if d.year == year]


@cache
def region_codes() -> dict[str, str]:
    return {slug(r["nom"]): r["code"] for r in cog("regions")}


@cache
def departement_regions() -> dict[str, str]:
    return {d["code"]: d["region"] for d in cog("departements")}


def row_regions(row: dict[str, str]) -> set[str]:
    if row["region"].strip():
        return {region_codes()[slug(row["region"])]}
    return {departement_regions()[d.strip()] for d in row["departement_code"].split(";") if d.strip()}


@cache
def curated_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted((REPO / "curated").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def fr_label(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    return next(str(o) for o in graph.objects(node, rdflib.RDFS.label) if getattr(o, "language", None) == "fr")


# -- every query file: header, syntax, speed ---------------------------------------------------

QUERY_FILES = sorted(QUERY_DIR.glob("*.rq"))
SAMPLE = {"iri": BASE + "id/commune/64430", "date": "2024-01-01", "string": "64430", "integer": "1"}


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_file_has_a_header_and_parses(path: Path) -> None:
    assert NAME.match(path.stem), f"{path.name}: lower-case kebab-case names only"
    query = parse_query_file(path.stem, path.read_text(encoding="utf-8"))
    assert query.title and query.fr and query.en
    for parameter in query.parameters:
        assert parameter.doc, f"{path.name}: parameter {parameter.name} is not described"
        assert f"?{parameter.name}" in query.text
        assert not re.search(rf"VALUES\s*\??\(?[^{{]*\?{parameter.name}\b", query.text), "parameters are bound, not declared"
    # Oxigraph parses and runs it (on an empty store); a parameter must be in the projection.
    values = {p.name: SAMPLE[p.type] for p in query.parameters}
    list(Store().query(query.text, substitutions=query.substitutions(values)))


def test_the_catalogue_has_the_competency_questions() -> None:
    names = {q.name for q in list_queries()}
    required = {
        "territoires-par-phase", "territoires-par-region", "epci-dans-les-deux-phases", "epci-entrees-sorties",
        "communes-d-un-territoire", "territoire-d-une-commune", "epci-d-une-commune", "sites-par-vague",
        "completude-chiffres-annonces", "mesures-pack-rebond", "documents-d-une-ressource", "sites-d-une-region",
        "laureats-fonds-acceleration", "acteurs-et-fonctions", "chronologie", "epci-grand-est-ti-site-2021",
        "territoires-renommes", "chargements-et-rejets",
    }
    assert required <= names, sorted(required - names)
    assert (QUERY_DIR / "derive-soutien-territoire.rq").is_file()


@pytest.mark.slow
def test_every_parameterless_query_answers_within_two_seconds(real_store) -> None:
    slow = {}
    for query in list_queries():
        if query.parameters:
            continue
        timings = []
        for _attempt in range(2):  # a second try absorbs a cold cache
            started = time.perf_counter()
            list(real_store.query(query.text))
            timings.append(time.perf_counter() - started)
            if timings[-1] < 2.0:
                break
        if min(timings) >= 2.0:
            slow[query.name] = round(min(timings), 2)
    assert not slow, slow


@pytest.mark.slow
@pytest.mark.parametrize(("name", "counted"), [("stats-graphs", "store-graph-triples"),
                                               ("stats-properties", "store-property-triples"),
                                               ("stats-classes", "store-class-instances")])
def test_stats_read_the_figures_the_engine_counts(real_store, name: str, counted: str) -> None:
    """The statistics graph the build wrote (graph/statistics.py) gives, row for row and in
    order, what the engine counts in the store as published, that graph included."""
    def answer(query: str) -> tuple[list[str], list[list[str]]]:
        solutions = real_store.query(load_query(query).text)
        variables = [v.value for v in solutions.variables]
        return variables, [[str(solution[v]) for v in variables] for solution in solutions]

    read, computed = answer(name), answer(counted)
    assert read == computed
    assert len(read[1]) > 10
    if name == "stats-graphs":
        assert [BASE + "graph/statistiques"] == [row[0][1:-1] for row in read[1] if row[0].endswith("/statistiques>")]


# -- territories -----------------------------------------------------------------------------


@pytest.mark.slow
def test_territoires_par_phase(real_store) -> None:
    rows = run(real_store, "territoires-par-phase")
    per_list = {tail(r["source"], "id/source/"): int(r["territoires"]) for r in rows}
    assert per_list == {
        "ti-phase1-groupements": len(phase1_groupements()),  # 149
        "ti-phase1-communes-2020": len(phase1_communes_2020()),  # 148
        "ti-phase2-groupements": len(phase2_groupements()),  # 183
        "ti-phase2-communes": len(phase2_communes()),  # 183
    }
    assert per_list == {"ti-phase1-groupements": 149, "ti-phase1-communes-2020": 148,
                        "ti-phase2-groupements": 183, "ti-phase2-communes": 183}
    assert all(r["territoires"] == r["nombreAnnonce"] for r in rows)
    # each list holds from its reference date (or its phase's start) to the day before the next one
    periods = {tail(r["source"], "id/source/"): (r["dateReference"], r["debut"], r["fin"]) for r in rows}
    assert periods == {listed.source: (listed.reference.isoformat(), listed.start.isoformat(), listed.end.isoformat())
                       for listed in lists()}
    assert periods["ti-phase1-communes-2020"] == ("2020-10-13", "2020-10-13", "2022-12-31")
    assert periods["ti-phase2-communes"] == ("2023-11-07", "2023-11-09", "2024-07-03")
    # no phase count made of several lists (148 and 149 make 152 distinct ids, which no source gives)
    assert "territoires" in rows[0] and not any(int(r["territoires"]) == 152 for r in rows)


@pytest.mark.slow
def test_territoires_par_region(real_store) -> None:
    for day in (date(2021, 6, 1), date(2023, 6, 1), date(2024, 1, 1), date(2025, 1, 1)):
        listed = list_in_force(day)
        assert listed is not None
        regions = {code["code"]: code["region"] for code in cog("communes") if code["type"] == "commune-actuelle"}
        expected: dict[str, int] = defaultdict(int)
        spanning: dict[str, int] = defaultdict(int)
        for ti in listed.territories:
            # a territory's régions: those of its communes in every list of its phase that names it
            communes = set().union(*(other.territories.get(ti, set()) for other in lists() if other.phase == listed.phase))
            covered = {regions[c] for c in communes if c in regions}
            for region in covered:
                expected[region] += 1
                spanning[region] += len(covered) > 1
        rows = run(real_store, "territoires-par-region", date=day.isoformat())
        assert {r["codeRegion"]: int(r["territoires"]) for r in rows} == expected, day
        assert {r["codeRegion"]: int(r["multiRegions"]) for r in rows} == spanning, day
        assert {tail(r["liste"], "id/liste/") for r in rows} == {listed.source}
        assert all(r["regionLabel"] for r in rows)
        assert sum(int(r["territoires"]) for r in rows) >= len(listed.territories)
    bretagne = {r["codeRegion"]: int(r["territoires"]) for r in run(real_store, "territoires-par-region", date="2021-06-01")}
    assert bretagne["53"] == 12  # the October 2020 list (the end-of-phase list has 10)
    assert run(real_store, "territoires-par-region", date="2019-06-01") == []  # before the first list


@pytest.mark.slow
def test_territoires_renommes(real_store) -> None:
    phase1 = {ti for ti, e in phase1_groupements().items()
              if ti in phase1_communes_2020() and e["label"] != phase1_communes_2020()[ti]["label"]}
    phase2 = {ti for ti, e in phase2_groupements().items() if e["label"] != phase2_communes()[ti]["label"]}
    rows = run(real_store, "territoires-renommes")
    assert {(r["phase"], r["idTi"]) for r in rows} == {(PHASE1, t) for t in phase1} | {(PHASE2, t) for t in phase2}
    assert phase2 == {"ti-4421", "ti-8412"}  # SOURCES.md §2b: renamed between Nov 2023 and Jul 2024
    vitry = next(r for r in rows if r["idTi"] == "ti-4421")
    assert (vitry["label"], vitry["altLabel"]) == ("Pays Vitryat", "Vitry-le-François")
    assert tail(vitry["sourceLabel"], "id/source/") == "ti-phase2-groupements"
    assert tail(vitry["sourceAltLabel"], "id/source/") == "ti-phase2-communes"


@pytest.mark.slow
def test_entites_et_adhesions_d_un_graphe(real_store) -> None:
    """The two queries the changelog compares release to release: what ANCT's 2023-2027 file by
    groupement declares and states, named, in their order (class then IRI; territory then member)."""
    graph = BASE + "graph/ti-phase2-groupements/5c5ffe30cc5d"
    things = run(real_store, "entites-d-un-graphe", graph=graph)
    assert {r["classe"] for r in things} == {BASE + "def#TerritoireIndustrie"}
    names = {tail(r["chose"], "id/territoire/2023-2027/"): r["nom"] for r in things}
    assert set(names) == set(phase2_groupements()) and len(things) == 183
    # a French name, the file's or (renamed since) the list by commune's
    assert all(name in {phase2_groupements()[ti]["label"], phase2_communes()[ti]["label"]} for ti, name in names.items())
    assert [(r["classe"], r["chose"]) for r in things] == sorted((r["classe"], r["chose"]) for r in things)
    members = run(real_store, "adhesions-d-un-graphe", graph=graph)
    assert len(members) == sum(len(e["sirens"]) for e in phase2_groupements().values()) == 641
    for row in members:
        territory = tail(row["territoire"], "id/territoire/2023-2027/")
        assert row["nomTerritoire"] == names[territory] and row["nomMembre"]
        if row["classeMembre"] == "http://rdf.insee.fr/def/geo#Intercommunalite":
            assert row["membre"].rsplit("/", 1)[1] in phase2_groupements()[territory]["sirens"]
    assert {r["classeMembre"] for r in members} == {"http://rdf.insee.fr/def/geo#Intercommunalite",
                                                    "http://rdf.insee.fr/def/geo#Commune"}
    assert [(r["territoire"], r["membre"]) for r in members] == sorted((r["territoire"], r["membre"]) for r in members)


# -- EPCIs ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_epci_dans_les_deux_phases(real_store) -> None:
    first, second = epci_sirens(phase1_groupements()), epci_sirens(phase2_groupements())
    rows = run(real_store, "epci-dans-les-deux-phases")
    assert {r["siren"]: (r["idTi1"], r["idTi2"]) for r in rows} == {
        s: (first[s], second[s]) for s in set(first) & set(second)
    }
    assert len(rows) == len(set(first) & set(second)) == 477
    lacq_orthez = next(r for r in rows if r["siren"] == "200039204")
    assert (lacq_orthez["idTi1"], lacq_orthez["idTi2"]) == ("ti-7505", "ti-7510")
    assert lacq_orthez["territoire2Label"] == phase2_groupements()["ti-7510"]["label"] == "Lacq – Pau – Tarbes"
    assert lacq_orthez["epciLabel"] == "CC de Lacq-Orthez"
    # the current (COG 2026) name, and the older names when the EPCI was renamed since
    renamed = 0
    for row in rows:
        current = epci_names("2026").get(row["siren"]) or epci_names("2023").get(row["siren"]) or epci_names("2020")[row["siren"]]
        assert row["epciLabel"] == current
        for vintage in ("2020", "2023"):
            old = epci_names(vintage).get(row["siren"])
            if old and old != current:
                assert old in row["anciensNoms"].split(" / ")
                renamed += 1
    assert renamed > 0


@pytest.mark.slow
def test_epci_entrees_sorties(real_store) -> None:
    first, second = epci_sirens(phase1_groupements()), epci_sirens(phase2_groupements())
    rows = run(real_store, "epci-entrees-sorties")
    assert {r["mouvement"] for r in rows} == {"entrée", "sortie"}
    joined = {r["siren"]: r["idTi"] for r in rows if r["mouvement"] == "entrée"}
    left = {r["siren"]: r["idTi"] for r in rows if r["mouvement"] == "sortie"}
    assert joined == {s: second[s] for s in set(second) - set(first)}
    assert left == {s: first[s] for s in set(first) - set(second)}
    assert (len(joined), len(left)) == (152, 73)
    assert all(r["phase"] == PHASE2 for r in rows if r["mouvement"] == "entrée")
    assert all(r["phase"] == PHASE1 for r in rows if r["mouvement"] == "sortie")


@pytest.mark.slow
def test_epci_d_une_commune(real_store) -> None:
    def sirens(insee: str, on: str) -> set[str]:
        return {r["siren"] for r in run(real_store, "epci-d-une-commune", insee=insee, date=on)}

    def expected(insee: str, vintage: str) -> set[str]:
        return {siren for siren, members in epci_members(vintage).items() if insee in members}

    assert sirens("64430", "2024-01-01") == expected("64430", "2023") == {"200039204"}
    assert sirens("64430", "2021-06-01") == expected("64430", "2020") == {"200039204"}
    assert sirens("64430", "2019-12-31") == set()  # no vintage before 2020-01-01
    # Saint-Denis: its EPT and the Métropole du Grand Paris
    assert sirens("93066", "2024-01-01") == expected("93066", "2023") == {"200054781", "200057867"}
    row = run(real_store, "epci-d-une-commune", insee="64430")[0]
    assert (row["date"], row["dateReference"], row["natureJuridique"]) == ("2024-01-01", "2023-01-01", "CC")
    assert tail(row["source"], "id/source/") == "cog2023-epci"
    assert row["epciLabel"] == epci_names("2023")["200039204"] == "CC de Lacq-Orthez"
    # the name a vintage gives, also for an EPCI renamed since: Saint-Loubès (33433) in 2020
    old = run(real_store, "epci-d-une-commune", insee="33433", date="2021-01-01")
    siren = next(s for s, m in epci_members("2020").items() if "33433" in m)
    assert [(r["siren"], r["epciLabel"], r["dateReference"]) for r in old] == [(siren, epci_names("2020")[siren], "2020-01-01")]


# -- communes and territories ----------------------------------------------------------------


@pytest.mark.slow
def test_territoire_d_une_commune_orthez(real_store) -> None:
    now = run(real_store, "territoire-d-une-commune", insee="64430", date="2024-01-01")
    assert [(r["idTi"], r["phase"], r["via"], tail(r["liste"], "id/liste/")) for r in now] == [
        ("ti-7510", PHASE2, "commune", "ti-phase2-communes")]
    assert territories_of_commune("64430", date(2024, 1, 1)) == {"ti-7510"}
    assert now[0]["territoireLabel"] == "Lacq – Pau – Tarbes" and now[0]["communeLabel"] == "Orthez"
    assert now[0]["connu"] == "true" and now[0]["dateListe"] == "2023-11-07"

    later = run(real_store, "territoire-d-une-commune", insee="64430", date="2024-08-01")
    assert [(r["idTi"], r["via"], tail(r["epci"], "id/epci/")) for r in later] == [("ti-7510", "EPCI", "200039204")]
    assert later[0]["epciLabel"] == "CC de Lacq-Orthez"

    before = run(real_store, "territoire-d-une-commune", insee="64430", date="2021-06-01")
    assert [(r["idTi"], r["phase"], r["via"]) for r in before] == [("ti-7505", PHASE1, "commune")]
    assert territories_of_commune("64430", date(2021, 6, 1)) == {"ti-7505"}
    assert epci_sirens(phase1_groupements())["200039204"] == "ti-7505"

    # before the first list of the phase the graph does not know, and says which list comes first
    early = run(real_store, "territoire-d-une-commune", insee="64430", date="2019-06-01")
    assert [(r["connu"], r["territoire"], tail(r["liste"], "id/liste/"), r["dateListe"]) for r in early] == [
        ("false", None, "ti-phase1-communes-2020", "2020-10-13")]
    assert run(real_store, "territoire-d-une-commune", insee="64430", date="2028-01-01") == []


@pytest.mark.slow
def test_territoire_d_une_commune_follows_the_lists(real_store) -> None:
    """Brest moves from "Pays de Brest" to "Finistère" with the end-of-phase list, never in both;
    Aix (Corrèze) leaves "Creuse Industrie" with the July 2024 list; a commune in no territory
    gets a row that names the list in force."""
    cases = [("29019", date(2022, 6, 1)), ("29019", date(2023, 6, 1)), ("19002", date(2024, 1, 1)),
             ("19002", date(2024, 8, 1)), ("75056", date(2024, 1, 1)), ("16355", date(2026, 6, 1))]
    for code, day in cases:
        rows = run(real_store, "territoire-d-une-commune", insee=code, date=day.isoformat())
        assert {r["idTi"] for r in rows if r["idTi"]} == territories_of_commune(code, day), (code, day)
        assert {tail(r["liste"], "id/liste/") for r in rows} == {list_in_force(day).source}, (code, day)
    brest = run(real_store, "territoire-d-une-commune", insee="29019", date="2022-06-01")
    assert [(r["idTi"], r["territoireLabel"]) for r in brest] == [("ti-5305", "Pays de Brest")]
    assert [r["idTi"] for r in run(real_store, "territoire-d-une-commune", insee="29019", date="2023-06-01")] == ["ti-5313"]
    aix = run(real_store, "territoire-d-une-commune", insee="19002", date="2024-08-01")
    assert [(r["territoire"], r["connu"]) for r in aix] == [(None, "true")]


@pytest.mark.slow
def test_communes_d_un_territoire(real_store) -> None:
    territoire = BASE + "id/territoire/2023-2027/ti-7510"
    rows = run(real_store, "communes-d-un-territoire", territoire=territoire, date="2024-01-01")
    assert {r["territoire"] for r in rows} == {territoire}
    assert {tail(r["liste"], "id/liste/") for r in rows} == {"ti-phase2-communes"}
    assert {r["insee"] for r in rows} == phase2_communes()["ti-7510"]["communes"]
    assert {r["via"] for r in rows} == {"commune"} and len(rows) == 562
    orthez = next(r for r in rows if r["insee"] == "64430")
    population = next(c["population"] for c in cog("communes") if c["code"] == "64430" and c["type"] == "commune-actuelle")
    assert int(orthez["population"]) == population and orthez["communeLabel"] == "Orthez"

    later = run(real_store, "communes-d-un-territoire", territoire=territoire, date="2025-01-01")
    members = epci_members("2023")
    assert {r["insee"] for r in later} == set().union(*(members[s] for s in phase2_groupements()["ti-7510"]["sirens"]))
    orthez = next(r for r in later if r["insee"] == "64430")
    assert (orthez["via"], tail(orthez["epci"], "id/epci/"), orthez["epciLabel"]) == ("EPCI", "200039204", "CC de Lacq-Orthez")
    assert {r["dateReference"] for r in later} == {"2023-01-01"}
    # after its phase, the territory as its phase ended: less the communes merged away by the COG 2026
    assert {r["insee"] for r in run(real_store, "communes-d-un-territoire", territoire=territoire, date="2030-01-01")} == \
        {r["insee"] for r in later} - removed_since_2023()
    assert "64541" in {r["insee"] for r in later} and "64541" in removed_since_2023()  # Urdès, merged into Orthez


@pytest.mark.slow
def test_communes_d_un_territoire_of_the_first_phase(real_store) -> None:
    territoire = BASE + "id/territoire/2018-2023/ti-7505"
    rows = run(real_store, "communes-d-un-territoire", territoire=territoire, date="2021-06-01")
    assert {r["insee"] for r in rows} == phase1_communes_2020()["ti-7505"]["communes"]
    assert {r["via"] for r in rows} == {"commune"} and {r["dateReference"] for r in rows} == {"2020-01-01"}
    expected = set()
    for siren in phase1_groupements()["ti-7505"]["sirens"]:
        expected |= epci_members("2023")[siren]
    rows = run(real_store, "communes-d-un-territoire", territoire=territoire, date="2023-06-01")
    assert {r["insee"] for r in rows} == expected and {r["via"] for r in rows} == {"EPCI"}
    # a territory only the October 2020 list names has no communes once the next list holds
    brest = BASE + "id/territoire/2018-2023/ti-5305"
    assert len(run(real_store, "communes-d-un-territoire", territoire=brest, date="2021-06-01")) == 40
    assert run(real_store, "communes-d-un-territoire", territoire=brest, date="2023-06-01") == []


# -- sites clés en main ----------------------------------------------------------------------


@pytest.mark.slow
def test_sites_par_vague(real_store) -> None:
    expected = {
        (wave_slug, site_of(row), exact)
        for row in site_rows() for wave_slug, _d, exact in row_waves(row)
    }
    rows = run(real_store, "sites-par-vague")
    got = [(tail(r["vague"], "id/vague/"), tail(r["site"], "id/site/"), r["certaine"] == "true") for r in rows]
    assert len(got) == len(set(got))
    assert set(got) == expected
    dates = [r["dateVague"] for r in rows]
    assert dates == sorted(dates)
    assert {d for d in dates} == {d.isoformat() for _s, d in WAVES.values()}


@pytest.mark.slow
def test_sites_par_vague_territory_is_the_one_of_the_wave_phase(real_store) -> None:
    """Every certain labelling's territory is the one the commune lists give its communes at the wave date."""
    checked = 0
    for row in run(real_store, "sites-par-vague"):
        if row["certaine"] != "true" or not row["communes"]:
            continue
        on = date.fromisoformat(row["dateVague"])
        codes = re.findall(r"\(((?:[0-9]{2}|2[AB])[0-9]{3})\)", row["communes"])
        expected = set().union(*(territory_of_commune(code, on) for code in codes))
        assert set(re.findall(r"ti-[0-9]{4}", row["territoires"] or "")) == expected, row["site"]
        checked += 1
    assert checked >= 30
    # the same site in two phases: Angoulême's SNPE site (2021 and France 2030 2024)
    snpe = {r["dateVague"]: r["territoires"] for r in run(real_store, "sites-par-vague") if r["site"] == BASE + "id/site/site-snpe-angouleme"}
    assert snpe["2021-09-23"].startswith("ti-7501") and snpe["2024-04-16"].startswith("ti-7502")
    assert territory_of_commune("16015", date(2021, 9, 23)) == {"ti-7501"}
    assert territory_of_commune("16015", date(2024, 4, 16)) == {"ti-7502"}


@pytest.mark.slow
def test_sites_d_une_region(real_store) -> None:
    regions = site_regions()
    for code in ("75", "32", "44"):
        expected_sites = {site for site, codes in regions.items() if code in codes}
        expected_labellings = {
            (site_of(row), wave_slug)
            for row in site_rows() if code in regions[site_of(row)] for wave_slug, _d, _e in row_waves(row)
        }
        rows = run(real_store, "sites-d-une-region", region=code)
        assert {r["region"] for r in rows} <= {code}
        assert {tail(r["site"], "id/site/") for r in rows} == expected_sites, code
        assert {(tail(r["site"], "id/site/"), tail(r["vague"], "id/vague/")) for r in rows} == expected_labellings, code
    na = run(real_store, "sites-d-une-region", region="75")
    assert {r["regionLabel"] for r in na} == {"Nouvelle-Aquitaine"}
    assert all(r["documents"] for r in na)
    # "84" is also the Vaucluse département's code: only the région counts
    assert {r["regionLabel"] for r in run(real_store, "sites-d-une-region", region="84")} <= {"Auvergne-Rhône-Alpes"}


@pytest.mark.slow
def test_completude_chiffres_annonces(real_store) -> None:
    rows = {tail(r["chiffre"], "id/chiffre/"): r for r in run(real_store, "completude-chiffres-annonces")}
    # 127 sites after the 2021 wave (seed 004): the distinct sites labelled in a wave up to 2021-09-23
    up_to_2021 = {site_of(row) for row in site_rows()
                  if any(d <= date(2021, 9, 23) for _s, d, _e in row_waves(row))}
    figure = rows["sites-cles-en-main-127-2021-seed-004"]
    assert float(figure["valeurAnnoncee"]) == 127
    assert int(figure["valeurChargee"]) == len(up_to_2021)
    assert float(figure["ratio"]) == pytest.approx(len(up_to_2021) / 127, abs=0.001)
    assert "id/document/seed-004" in figure["documents"]
    # one wave: the 49 sites of 2021 against the sites with an exact 2021 labelling
    in_2021 = {site_of(row) for row in site_rows() if row["wave_label"].strip() == "2021"}
    assert int(rows["sites-cles-en-main-49-2021-seed-004"]["valeurChargee"]) == len(in_2021)
    # one wave in one région: 8 Nouvelle-Aquitaine sites of 2021, all transcribed
    in_2021_na = {site_of(row) for row in site_rows()
                  if row["wave_label"].strip() == "2021" and "75" in row_regions(row)}
    assert int(rows["sites-cles-en-main-nouvelle-aquitaine-8-2021-seed-004"]["valeurChargee"]) == len(in_2021_na) == 8
    # every wave's national figure against the distinct sites with a certain labelling in it (the
    # December 2026 rows add Induslacq to January 2020, Garlin Pyrénées and Pyrénia to July 2020)
    for figure, (wave_slug, announced, loaded) in {
        "sites-cles-en-main-12-2020-entreprises-gouv": ("choose-france-2020", 12, 7),
        "sites-cles-en-main-66-2020-la-tribune": ("pack-rebond-2020", 66, 20),
        "sites-cles-en-main-49-2021-usine-nouvelle": ("2021", 49, 13),
        "sites-cles-en-main-55-2024-tf1": ("france-2030-2024", 55, 28),
    }.items():
        certain = {site_of(row) for row in site_rows() for s, _d, exact in row_waves(row) if s == wave_slug and exact}
        assert (float(rows[figure]["valeurAnnoncee"]), int(rows[figure]["valeurChargee"])) == (announced, len(certain)), figure
        assert len(certain) == loaded, figure
    # the 2021 wave per région (Banque des Territoires, as SOURCES.md §4d relays it): every région's
    # announced figure against the sites of a certain 2021 labelling whose rows place them there
    announced_2021 = {"52": 3, "75": 8, "93": 8, "28": 5, "11": 4, "84": 4, "44": 4, "24": 2, "53": 2, "27": 2, "76": 3, "32": 4}
    assert sum(announced_2021.values()) == 49
    regions = site_regions()
    in_2021_sites = {site_of(row) for row in site_rows() if row["wave_label"].strip() == "2021"}
    bdt = {r["portees"].split("id/region/")[1][:2]: r for key, r in rows.items() if key.endswith("-2021-banque-des-territoires")}
    assert {code: float(r["valeurAnnoncee"]) for code, r in bdt.items()} == announced_2021
    loaded_2021 = {code: int(r["valeurChargee"]) for code, r in bdt.items()}
    assert loaded_2021 == {code: len({site for site in in_2021_sites if code in regions[site]}) for code in announced_2021}
    assert {code: n for code, n in loaded_2021.items() if n} == {"75": 8, "24": 2, "76": 3}
    for r in bdt.values():
        assert set(r["documents"].split(" ; ")) == {BASE + "id/document/banque-des-territoires-49-sites-2021",
                                                     BASE + "id/document/sources-md"}
        assert float(r["ratio"]) == pytest.approx(int(r["valeurChargee"]) / float(r["valeurAnnoncee"]), abs=0.001)
    # territories: all the lists of the phase
    assert int(rows["territoires-industrie-183-2023-sources-md"]["valeurChargee"]) == 183
    assert float(rows["territoires-industrie-183-2023-sources-md"]["ratio"]) == 1
    # an undated figure of phase 1 against the phase's first list (October 2020, 148 territories)
    first = next(listed for listed in lists() if listed.source == "ti-phase1-communes-2020")
    figure = rows["territoires-industrie-148-seed-003"]
    assert int(figure["valeurChargee"]) == len(first.territories) == 148
    assert tail(figure["liste"], "id/liste/") == "ti-phase1-communes-2020" and float(figure["ratio"]) == 1
    # restricted to the territories ANCT numbers in the région (ti-75nn)
    na = rows["territoires-industrie-nouvelle-aquitaine-14-seed-004"]
    in_force = list_in_force(date.fromisoformat(na["date"])) if na.get("date") else first
    assert int(na["valeurChargee"]) == len({t for t in in_force.territories if t[3:5] == "75"})
    # supports: no Nouvelle-Aquitaine lauréat is transcribed
    laureats_na = [r for r in laureat_rows() if slug(r["region"]) == "nouvelle-aquitaine"]
    assert int(rows["fonds-acceleration-nouvelle-aquitaine-126-entreprises-seed-004"]["valeurChargee"]) == len(laureats_na) == 18
    # a percentage is compared with the same percentage over what is loaded (the sites of the 2021
    # wave in a territory, out of the sites of that wave); an amount in euros is not a count
    two_thirds = rows["sites-cles-en-main-2021-deux-tiers-territoires-industrie-seed-004"]
    assert two_thirds["unite"] == "%" and float(two_thirds["valeurAnnoncee"]) == pytest.approx(66.67)
    assert 0 < float(two_thirds["valeurChargee"]) <= 100
    assert "ecoles-de-production-2-millions-eur-2020-seed-001" not in rows


# -- programme, actors, documents -------------------------------------------------------------


@pytest.mark.slow
def test_mesures_pack_rebond(real_store) -> None:
    graph = curated_graph()
    dct, m8g, tid = rdflib.DCTERMS, rdflib.Namespace("http://data.europa.eu/m8g/"), rdflib.Namespace(BASE + "def#")
    pack = rdflib.URIRef(BASE + "id/programme/pack-rebond")
    measures = set(graph.subjects(dct.isPartOf, pack)) & set(graph.subjects(rdflib.RDF.type, tid.Mesure))
    rows = {r["mesure"]: r for r in run(real_store, "mesures-pack-rebond")}
    assert set(rows) == {str(m) for m in measures}
    for measure in measures:
        row = rows[str(measure)]
        carriers = {fr_label(graph, o) for o in graph.objects(measure, m8g.hasCompetentAuthority)}
        partners = {fr_label(graph, o) for o in graph.objects(measure, tid.partenaire)}
        assert set(filter(None, (row["porteurs"] or "").split(" ; "))) == carriers, measure
        assert set(filter(None, (row["partenaires"] or "").split(" ; "))) == partners, measure
        assert set((row["documents"] or "").split(" ; ")) == {str(d) for d in graph.objects(measure, dct.source)}
    accelerators = rows[BASE + "id/mesure/accelerateurs-bpifrance"]
    assert accelerators["porteurs"] == "Bpifrance"
    assert (float(accelerators["montantMinimum"]), float(accelerators["montantMaximum"])) == (6000, 10000)


@pytest.mark.slow
def test_acteurs_et_fonctions(real_store) -> None:
    graph = curated_graph()
    org, tid = rdflib.Namespace("http://www.w3.org/ns/org#"), rdflib.Namespace(BASE + "def#")
    persons = {str(p) for p in graph.subjects(rdflib.RDF.type, rdflib.FOAF.Person)}
    functions = {str(f): str(graph.value(f, org.member)) for f in graph.subjects(rdflib.RDF.type, tid.Fonction)}
    rows = run(real_store, "acteurs-et-fonctions")
    assert {r["personne"] for r in rows} == persons
    assert {r["fonction"]: r["personne"] for r in rows if r["fonction"]} == functions
    porte = next(r for r in rows if r["personne"] == BASE + "id/personne/nathalie-porte")
    assert (porte["roleLabel"], porte["organisationLabel"], porte["dateAttestation"]) == \
        ("Député(e)", "Assemblée nationale", "2020-08-11")
    assert porte["document"] == BASE + "id/document/seed-002"


@pytest.mark.slow
def test_chronologie(real_store) -> None:
    rows = run(real_store, "chronologie")
    keys = [r["date"] for r in rows]
    assert keys == sorted(keys)
    waves = {tail(r["chose"], "id/vague/"): r["date"] for r in rows if r["genre"] == "vague de labellisation"}
    assert waves == {s: d.isoformat() for s, d in WAVES.values()}
    phases = {(r["genre"], r["chose"]): r["date"] for r in rows if r["genre"].endswith("de phase")}
    acv, pvd = BASE + "id/phase/action-coeur-de-ville", BASE + "id/phase/petites-villes-de-demain"
    assert phases == {("début de phase", PHASE1): "2018-11-22", ("fin de phase", PHASE1): "2023-11-08",
                      ("début de phase", PHASE2): "2023-11-09", ("fin de phase", PHASE2): "2027-12-31",
                      ("début de phase", acv): "2017-12-14", ("fin de phase", acv): "2026-12-31",
                      ("début de phase", pvd): "2020-10-01", ("fin de phase", pvd): "2026-12-31"}
    question = next(r for r in rows if r["genre"] == "question écrite")
    assert question["date"] == "2020-08-11" and "31804" in question["libelle"]
    assert all(r["libelle"] for r in rows)
    # a cited page whose transcription gives no title (SOURCES.md §4d) is named by its address
    verdon = "https://www.aquitaineonline.com/actualites-en-aquitaine/gironde/9545-terminal-portuaire-du-verdon.html"
    assert [(r["date"], r["libelle"]) for r in rows if r["libelle"] == verdon] == [("2021-09", verdon)]


@pytest.mark.slow
def test_documents_d_une_ressource(real_store) -> None:
    # a commune: the graphs that state something about it, their files and checksums
    sources = {s["id"]: s for s in tomllib.loads((REPO / "sources.toml").read_text(encoding="utf-8"))["source"]}
    rows = run(real_store, "documents-d-une-ressource", ressource=BASE + "id/commune/64430")
    assert {r["lien"] for r in rows} == {"graphe"}
    # the COG 2023 describes it; the EPCI vintages list it among their members; the 2020 list names
    # it; the Base Adresse Nationale locates it; and the build's derivations graph states the
    # phases and lists it is attached to (tid:rattacheA), a graph with no source of its own
    derived = [r for r in rows if r["source"] is None]
    assert [r["graphe"] for r in derived] == [BASE + "graph/derivations"] and int(derived[0]["deriveDe"]) > 0
    rows = [r for r in rows if r["source"] is not None]
    assert {tail(r["source"], "id/source/") for r in rows} == {"cog2023-communes", "ti-phase1-communes-2020", "epci2020",
                                                                "cog2023-epci", "cog2026-epci", "communes-points"}
    for row in rows:
        spec = sources[tail(row["source"], "id/source/")]
        assert row["sha256"] == hashlib.sha256((mirror() / spec["mirror"]).read_bytes()).hexdigest()
        assert row["cheminMiroir"] == spec["mirror"]
        assert row["licence"] == spec["licence"]
    # a measure: the documents it cites (curated Turtle) and the curated graphs that describe it
    measure = BASE + "id/mesure/sites-industriels-cles-en-main"
    graph = curated_graph()
    cited = {str(d) for d in graph.objects(rdflib.URIRef(measure), rdflib.DCTERMS.source)}
    rows = run(real_store, "documents-d-une-ressource", ressource=measure)
    assert {r["document"] for r in rows if r["lien"] == "dct:source"} == cited
    assert all(r["documentTitre"] for r in rows if r["lien"] == "dct:source")
    described_by = set()
    for path in (REPO / "curated").glob("*.ttl"):
        single = rdflib.Graph().parse(path, format="turtle")
        if (rdflib.URIRef(measure), None, None) in single:
            described_by.add(path.name)
    assert {Path(r["cheminMiroir"]).name for r in rows if r["lien"] == "graphe"} == described_by


@pytest.mark.slow
def test_laureats_fonds_acceleration(real_store) -> None:
    source = laureat_rows()
    rows = run(real_store, "laureats-fonds-acceleration")
    assert sorted(r["entrepriseLabel"] for r in rows) == sorted(r["company_name"].strip() for r in source)
    assert len(rows) == 15 + 42  # SOURCES.md §4b and §4e
    assert all(r["regions"] and r["document"] and r["url"] for r in rows)
    # SOURCES.md §4b has no per-company amount; §4e has one, AG+SPARS's 240,000 €
    amounts = {r["entrepriseLabel"]: float(r["montant"]) for r in rows if r["montant"]}
    assert amounts == {r["company_name"]: float(r["amount_eur"]) for r in source if r["amount_eur"].strip()} == {"AG+SPARS": 240000}
    with_territory = {}
    for row in rows:
        codes = re.findall(r"\(((?:[0-9]{2}|2[AB])[0-9]{3})\)", row["communes"] or "")
        if codes and row["date"]:
            # a day, or a month (the source gives no day): every day of it
            first = date.fromisoformat(row["date"] if len(row["date"]) == 10 else row["date"] + "-01")
            days = [first] if len(row["date"]) == 10 else [first.replace(day=d) for d in range(1, 29)]
            expected = set().union(*(territory_of_commune(c, day) for c in codes for day in days))
            assert set(re.findall(r"ti-[0-9]{4}", row["territoires"] or "")) == expected, row["entrepriseLabel"]
            with_territory[row["entrepriseLabel"]] = row["territoires"]
        else:
            assert not row["territoires"]
    located = {r["entrepriseLabel"] for r in rows if r["communes"]}
    # the first file's 9 located lauréats all have a date or a month; of the December 2026 file's, the
    # Dordogne page and the Bouches-du-Rhône prefecture's give none ('page updated' is not a publication
    # date), so those are located in no territory
    undated = {r["company_name"].strip() for r in source if not re.match(r"\d{4}-\d{2}", r["source_date"])}
    assert set(with_territory) == located - undated
    assert (len(located), len(with_territory)) == (32, 20)
    # a month-precision source date is kept as the month (xsd:gYearMonth), not made a day, and a
    # transcriber's bracketed comment after the date leaves the date
    months = {r["company_name"].strip(): r["source_date"][:7] for r in source if re.fullmatch(r"\d{4}-\d{2}( \(.*\))?", r["source_date"])}
    assert months and {r["entrepriseLabel"]: r["date"] for r in rows if r["entrepriseLabel"] in months} == months
    assert months["Orgapharm"] == "2020-10"
    assert {r["entrepriseLabel"]: r["date"] for r in rows}["Electravia"] is None  # "page updated 2022-08-10"
    assert territory_of_commune("35360", date(2020, 12, 3)) == {"ti-5302"}  # Vitré


@pytest.mark.slow
def test_derive_soutien_territoire(real_store) -> None:
    query = load_query("derive-soutien-territoire")
    constructed = {(t.subject.value, t.object.value) for t in real_store.query(query.text)}
    stored = {
        (r[0].value, r[1].value)
        for r in real_store.query(
            "SELECT ?s ?t WHERE { GRAPH ?g { ?s <https://w3id.org/territoires-industrie/def#territoire> ?t } "
            "?s a <https://w3id.org/territoires-industrie/def#Soutien> FILTER(STRENDS(STR(?g), '/graph/derivations')) }",
        )
    }
    assert constructed == stored
    found = {(tail(s, "fonds-acceleration-investissements-industriels/"), tail(t, "id/territoire/")) for s, t in stored}
    assert {("ateliers-de-vitre-groupe-texier", "2018-2023/ti-5302"), ("bonneterie-le-minor", "2018-2023/ti-5306")} <= found
    # the located lauréats dated to the day or to the month whose commune is in a territory then: the
    # first file's 9 and 6 of the December 2026 file's 11 located and dated ones
    assert len({s for s, _t in found}) == 15


@pytest.mark.slow
def test_chargements_et_rejets(real_store) -> None:
    specs = {s["id"]: s for s in tomllib.loads((REPO / "sources.toml").read_text(encoding="utf-8"))["source"]}
    rows = [r for r in run(real_store, "chargements-et-rejets") if r["source"]]
    assert {tail(r["source"], "id/source/") for r in rows} == set(specs)
    for row in rows:
        spec = specs[tail(row["source"], "id/source/")]
        path = mirror() / spec["mirror"] if spec.get("mirror") else REPO / spec["path"]
        assert row["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), spec["id"]
        assert row["licence"] == spec["licence"]
        assert int(row["lignesRejetees"]) == 0 and not row["rejets"]
        assert int(row["triplets"]) > 0 or spec["id"].startswith("curated")
    read = {tail(r["source"], "id/source/"): int(r["lignesLues"]) for r in rows}
    assert read["ti-phase1-groupements"] == len(phase1_groupements()) == 149
    assert read["ti-phase1-communes-2020"] == sum(len(e["communes"]) for e in phase1_communes_2020().values()) == 15697
    assert read["ti-phase2-groupements"] == read["ti-phase2-communes"] == 183
    assert read["sites-cles-en-main"] == len(read_csv(mirror() / SITE_FILES[0])) == 78
    assert read["fonds-acceleration-laureats"] == 15
    assert read["sites-cles-en-main-2026-12"] == len(read_csv(mirror() / SITE_FILES[2])) == 8
    assert read["fonds-acceleration-laureats-2026-12"] == len(read_csv(mirror() / LAUREAT_FILES[1])) == 42
    derivations = [r for r in run(real_store, "chargements-et-rejets") if r["graphe"] == BASE + "graph/derivations"]
    assert len(derivations) == 1 and int(derivations[0]["triplets"]) > 0


# -- the analyst's question -------------------------------------------------------------------


@pytest.mark.slow
def test_epci_grand_est_ti_site_2021(real_store) -> None:
    grand_est_2021 = [row for row in site_rows()
                      if any(s == "2021" for s, _d, _e in row_waves(row)) and "44" in row_regions(row)]
    assert grand_est_2021 == [], "a Grand Est site of the 2021 wave is transcribed: expect answers"
    assert run(real_store, "epci-grand-est-ti-site-2021") == []


@pytest.mark.slow
def test_epci_grand_est_ti_site_2021_logic_on_centre_val_de_loire(real_store) -> None:
    """The same question for Centre-Val de Loire (24), where the transcription has 2021 sites."""
    text = load_query("epci-grand-est-ti-site-2021").text.replace('igeo:codeINSEE "44"', 'igeo:codeINSEE "24"')
    assert text != load_query("epci-grand-est-ti-site-2021").text
    solutions = real_store.query(text)
    names = [v.value for v in solutions.variables]
    rows = [{n: plain(s[n]) for n in names} for s in solutions]
    # Parc du Moutet (Bourges, 2021): Bourges' EPCI in 2020 is a member of ti-2401 in phase 1
    bourges_epci = {s for s, m in epci_members("2020").items() if "18033" in m}
    assert {(r["siren"], r["idTi"]) for r in rows} == {(s, epci_sirens(phase1_groupements())[s]) for s in bourges_epci}
    # in September 2021 the list in force (October 2020) is by commune: it states no EPCI's membership,
    # so the EPCI's own membership (from the 2023 list) does not hold then; the site's territory does
    assert {r["via"] for r in rows} == {"territoire déduit de la commune du site"}


def test_tid_query_list_for_programs_and_people(capsys) -> None:
    """`tid query --list --format csv|json` gives every column uncut; the table folds, never cuts."""
    from tid.cli import main

    names = [q.name for q in list_queries()]
    assert main(["query", "--list", "--format", "csv"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert [r["name"] for r in rows] == names and all(r["title_fr"] and r["title_en"] for r in rows)
    assert main(["query", "--list", "--format", "json"]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)] == names
    assert main(["query", "--list"]) == 0
    table = capsys.readouterr().out
    assert "…" not in table


def test_tid_query_into_a_closed_pipe_is_quiet(cut_data_dir, monkeypatch, capsys) -> None:
    """`tid query … | head -1`: the reader goes away, the command ends without a traceback (its
    stdout is a pipe whose reading end is already closed, so the first write fails for sure)."""
    import io
    import os

    from tid.cli import main

    read_end, write_end = os.pipe()
    os.close(read_end)
    with io.open(write_end, "w", encoding="utf-8", closefd=True) as closed_pipe:
        monkeypatch.setattr("sys.stdout", closed_pipe)
        code = main(["query", "communes-d-un-territoire", "--data-dir", str(cut_data_dir.root), "--param",
                     "territoire=https://w3id.org/territoires-industrie/id/territoire/2023-2027/ti-1107", "--format", "csv"])
        assert code == 0
    assert "Traceback" not in capsys.readouterr().err
