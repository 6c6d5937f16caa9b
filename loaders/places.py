"""Resolving places as transcriptions write them ("Béziers", "(Doubs)", "Auvergne Rhône Alpes").

A commune name becomes an INSEE code only when it names exactly one current commune of the
COG 2023 inside the département(s) the row gives, or inside its région when no département is
given. Anything else stays unlinked: a place is never guessed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from tid.loaders.base import read_json
from tid.namespaces import slugify


def _key(name: str) -> str:
    return slugify(name.replace("’", "'"))


@dataclass
class PlaceIndex:
    communes_by_departement: dict[tuple[str, str], list[str]]
    communes_by_region: dict[tuple[str, str], list[str]]
    region_codes: dict[str, str]
    departement_codes: set[str]
    departement_region: dict[str, str]

    @classmethod
    def from_files(cls, communes: Path, regions: Path, departements: Path) -> PlaceIndex:
        by_departement: dict[tuple[str, str], list[str]] = defaultdict(list)
        by_region: dict[tuple[str, str], list[str]] = defaultdict(list)
        for record in read_json(communes):
            if record.get("type") != "commune-actuelle":
                continue
            key = _key(record["nom"])
            by_departement[(record.get("departement", ""), key)].append(record["code"])
            by_region[(record.get("region", ""), key)].append(record["code"])
        region_codes = {_key(r["nom"]): r["code"] for r in read_json(regions)}
        departements_list = read_json(departements)
        return cls(
            dict(by_departement),
            dict(by_region),
            region_codes,
            {d["code"] for d in departements_list},
            {d["code"]: d["region"] for d in departements_list},
        )

    def region(self, name: str) -> str | None:
        return self.region_codes.get(_key(name)) if name.strip() else None

    def commune(self, name: str, departements: list[str], region: str | None) -> str | None:
        key = _key(name)
        if departements:
            found = [c for d in departements for c in self.communes_by_departement.get((d, key), [])]
        elif region:
            found = self.communes_by_region.get((region, key), [])
        else:
            return None
        return found[0] if len(found) == 1 else None


def split_list(value: str) -> list[str]:
    """``"Lacq; Pardies"`` -> ``["Lacq", "Pardies"]``."""
    return [part.strip() for part in value.split(";") if part.strip()]
