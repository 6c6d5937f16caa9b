"""Cut the test mirror out of the real data files: ``python tests/data/make_mirror.py SHARED_DATA``.

The cut keeps the Sénart area (Seine-et-Marne, Île-de-France): phase-2 territories ti-1103
(Sénart) and ti-1107, phase-1 ti-1103, their EPCIs (2020, 2023 and 2026) with all member communes,
the communes of their commune lists, the sites clés en main of département 77, and a few rows
that exercise skips (a commune déléguée, an overseas collectivity, a degenerate geometry). Of the
December 2026 transcriptions it keeps rows that corroborate sites of the cut (the unnamed Hambach
row, the Nouvelle-Aquitaine sites the curated seed-004 list also has, one with indirect wording)
and lauréats that exercise the rules (a commune that resolves, the one amount, a dated comment, a
date that is not a publication date). Of the Action cœur de ville and Petites villes de demain lists
and ANCT's crossing table it keeps the rows of the cut's communes (among them the chefs-lieux, many
of them ACV towns: Niort's convention dated before the plan, Laval's « 27 jullet 2018 », Tarbes
merged into Lourdes's convention) and the 2018 row with « Vitry-le-François » in its code field.
Files keep the mirror's paths, so a source list can point at either. Run again after a change
of the real files, then update tests/data/sources.toml's checksums (the test says which).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "mirror"
COG23 = "cog/etalab-decoupage-administratif-3.1.1_cog2023"
EPCI20 = "cog/etalab-decoupage-administratif-0.8.0_epci2020/epci.json"
COG26 = "cog/etalab-decoupage-administratif-6.0.0_cog2026"
TI = "territoires-industrie"
SITES = "sites-cles-en-main"
PLACES = "places"
PROGRAMMES = "programmes"
PROGRAMME_FILES = ("acv_anct-carto-acv-2018.csv", "acv_anct-carto-acv-2024.csv", "acv_anct-carto-acv-2025.csv",
                   "pvd_anct-carto-pvd-2021.csv", "pvd_superposeur-anct.csv")
PHASE2 = {"ti-1103", "ti-1107"}
PHASE1 = {"ti-1103", "ti-2706"}  # ti-2706: a degenerate (GeometryCollection) perimeter
EXTRA_COMMUNES = {"97501"}  # Saint-Pierre-et-Miquelon: zone "com", skipped
ADDITIONAL_SITES = {"terminal portuaire du Verdon", "Induslacq & Chem'pôle 64 Chemical Parks", "Garlin Pyrénées"}
ADDITIONAL_LAUREATS = {"Castel Frères", "AG+SPARS", "Orgapharm", "Electravia"}


def write_json(relative: str, data: object) -> None:
    path = OUT / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_csv(relative: str, header: list[str], rows: list[dict[str, str]]) -> None:
    path = OUT / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def small_geometry(geometry: dict) -> dict:
    """Keep the perimeter's type but only a coarse ring of it, so the fixture stays small."""
    if geometry["type"] == "MultiPolygon":
        polygon = max(geometry["coordinates"], key=lambda p: len(p[0]))
        return {"type": "MultiPolygon", "coordinates": [[polygon[0][:: max(1, len(polygon[0]) // 24)] + [polygon[0][0]]]]}
    if geometry["type"] == "Polygon":
        ring = geometry["coordinates"][0]
        return {"type": "Polygon", "coordinates": [ring[:: max(1, len(ring) // 24)] + [ring[0]]]}
    return geometry


def main(shared: Path) -> None:
    load = lambda relative: json.loads((shared / relative).read_text(encoding="utf-8"))  # noqa: E731

    p2 = [f for f in load(f"{TI}/anct_ti_2023-2027_perimetres_epci.geojson")["features"] if f["properties"]["id_territoire"] in PHASE2]
    p2c = [f for f in load(f"{TI}/anct_ti_2023-2027_perimetres_communes_nov2023.geojson")["features"] if f["properties"]["id_territoire"] in PHASE2]
    p1 = [f for f in load(f"{TI}/anct_ti_2018-2022_perimetres_groupements.geojson")["features"] if f["properties"]["id_ti"] in PHASE1]
    with (shared / f"{TI}/signauxfaibles_terrind_communes_2020.csv").open(encoding="utf-8") as handle:
        list2020 = [r for r in csv.DictReader(handle) if f"ti-{r['code_terrind']}" in PHASE1]

    sirens = set()
    for feature in p2:
        sirens |= set(re.findall(r"\((\d{9})\)", feature["properties"]["liste_geo"]))
    for feature in p1:
        sirens |= {s.strip() for s in feature["properties"]["siren_groupement"].split(",")}
    epci23 = [e for e in load(f"{COG23}/epci.json") if e["code"] in sirens]
    ept23 = [e for e in load(f"{COG23}/ept.json") if e["code"] in sirens][:1] or load(f"{COG23}/ept.json")[:1]
    epci20 = [e for e in load(EPCI20) if e["code"] in sirens]
    epci26 = [e for e in load(f"{COG26}/epci.json") if e["code"] in sirens]
    ept26 = [e for e in load(f"{COG26}/ept.json") if e["code"] in {e["code"] for e in ept23}]

    codes = set(EXTRA_COMMUNES) | {r["code_commune"] for r in list2020}
    for feature in p2c:
        codes |= set(re.findall(r"\(([0-9AB]{5})\)", feature["properties"]["liste_geo"]))
    for epci in epci23 + epci20 + ept23:
        codes |= {m["code"] for m in epci["membres"]}
    # Chefs-lieux of every région and département, so that the cut has no dangling reference.
    codes |= {d["chefLieu"] for d in load(f"{COG23}/departements.json") + load(f"{COG23}/regions.json") if d.get("chefLieu")}
    # Communes the curated facts name (an event's place...).
    for curated in (HERE.parents[1] / "curated").glob("*.ttl"):
        codes |= set(re.findall(r"/id/commune/([0-9AB]{5})>", curated.read_text(encoding="utf-8")))
    # ... and the communes of the alias table (a decision names a commune of the COG)
    with (HERE.parents[1] / "curated" / "communes_alias.csv").open(encoding="utf-8") as handle:
        codes |= {row["code_insee"] for row in csv.DictReader(handle)}
    communes_all = load(f"{COG23}/communes.json")
    commune_sirens = {s for s in sirens if s.startswith("21")}
    communes = [c for c in communes_all if c["code"] in codes or c.get("siren") in commune_sirens]
    communes += [c for c in communes_all if c["type"] == "commune-deleguee" and c["departement"] == "77"][:1]

    write_json(f"{COG23}/communes.json", communes)
    # All régions and départements (small): rows elsewhere name them.
    write_json(f"{COG23}/departements.json", load(f"{COG23}/departements.json"))
    write_json(f"{COG23}/regions.json", load(f"{COG23}/regions.json"))
    write_json(f"{COG23}/epci.json", epci23)
    write_json(f"{COG23}/ept.json", ept23)
    write_json(EPCI20, epci20)
    write_json(f"{COG26}/epci.json", epci26)
    write_json(f"{COG26}/ept.json", ept26)

    def collection(name: str, features: list[dict]) -> dict:
        return {"type": "FeatureCollection", "name": name,
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
                "features": [dict(f, geometry=small_geometry(f["geometry"])) for f in features]}

    write_json(f"{TI}/anct_ti_2023-2027_perimetres_epci.geojson", collection("ti_geom", p2))
    write_json(f"{TI}/anct_ti_2023-2027_perimetres_communes_nov2023.geojson", collection("ti_geom", p2c))
    write_json(f"{TI}/anct_ti_2018-2022_perimetres_groupements.geojson", collection("polygone-4326_ti", p1))
    write_csv(f"{TI}/signauxfaibles_terrind_communes_2020.csv", ["code_commune", "code_terrind", "libelle_terrind"], list2020)

    # ACV and PVD lists, and the crossing table: the rows of the cut's communes
    current = {c["code"] for c in communes if c["type"] == "commune-actuelle"}
    for name in PROGRAMME_FILES:
        with (shared / f"{PROGRAMMES}/{name}").open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            kept_rows = [r for r in reader if r["insee_com"] in current or r["insee_com"] == "Vitry-le-François"]
            header = list(reader.fieldnames or [])
        write_csv(f"{PROGRAMMES}/{name}", header, kept_rows)
    with (shared / f"{PROGRAMMES}/ngeo-anct-cog2023.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        kept_rows = [r for r in reader if r["insee_com"] in current]
        header = list(reader.fieldnames or [])
    write_csv(f"{PROGRAMMES}/ngeo-anct-cog2023.csv", header, kept_rows)

    # the points of the cut's current communes, and of one overseas collectivity's (skipped)
    kept = {c["code"] for c in communes if c["type"] == "commune-actuelle"} | EXTRA_COMMUNES
    with (shared / f"{PLACES}/communes_points.csv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        points = [r for r in reader if r["insee"] in kept]
        header = list(reader.fieldnames or [])
    write_csv(f"{PLACES}/communes_points.csv", header, points)

    with (shared / f"{SITES}/sites_cles_en_main.csv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        sites = [r for r in reader if "77" in r["departement_code"].split("; ") or r["site_name"] == "Europôle de Sarreguemines"]
        header = list(reader.fieldnames or [])
    write_csv(f"{SITES}/sites_cles_en_main.csv", header, sites)
    with (shared / f"{SITES}/fonds_acceleration_laureats.csv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        laureats = list(reader)[:3]
        header = list(reader.fieldnames or [])
    write_csv(f"{SITES}/fonds_acceleration_laureats.csv", header, laureats)
    with (shared / f"{SITES}/sites_additional_2026-12.csv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        additional = [r for r in reader if r["site_name"] in ADDITIONAL_SITES or (not r["site_name"] and r["commune"] == "Hambach")]
        header = list(reader.fieldnames or [])
    write_csv(f"{SITES}/sites_additional_2026-12.csv", header, additional)
    with (shared / f"{SITES}/fonds_acceleration_laureats_additional_2026-12.csv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        laureats = [r for r in reader if r["company_name"] in ADDITIONAL_LAUREATS]
        header = list(reader.fieldnames or [])
    write_csv(f"{SITES}/fonds_acceleration_laureats_additional_2026-12.csv", header, laureats)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else HERE.parents[2] / "shared" / "data"))
