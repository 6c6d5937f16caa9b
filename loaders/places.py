"""Resolving places as transcriptions write them ("Béziers", "(Doubs)", "Auvergne Rhône Alpes").

A commune name becomes an INSEE code only when it names exactly one current commune of the
COG 2023 inside the département(s) the row gives, or inside its région when no département is
given, or when the commune alias table (``curated/communes_alias.csv``, a decision per row, with
its reason) gives the code of a name so written in that département. Anything else stays
unlinked: a place is never guessed.

:func:`locate` is what the loaders of transcribed rows (sites, lauréats) share: it checks a row's
région, départements and communes and returns the places it links, or rejects the row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Triple

from tid.loaders.base import LoadContext, read_json
from tid.loaders.commune_aliases import read_aliases
from tid.namespaces import TID, slugify


def _key(name: str) -> str:
    return slugify(name.replace("’", "'"))


@dataclass
class PlaceIndex:
    communes_by_departement: dict[tuple[str, str], list[str]]
    communes_by_region: dict[tuple[str, str], list[str]]
    region_codes: dict[str, str]
    departement_codes: set[str]
    departement_region: dict[str, str]
    aliases: dict[tuple[str, str], str] = field(default_factory=dict)
    """(département, key of a name as written) -> INSEE code: the alias table's decisions."""

    @classmethod
    def from_context(cls, ctx: LoadContext) -> PlaceIndex:
        """The index of the COG 2023 files and the commune alias table the source requires."""
        index = cls.from_files(ctx.reference("cog2023-communes"), ctx.reference("cog2023-regions"),
                               ctx.reference("cog2023-departements"))
        if "communes-alias" in ctx.references:
            index.aliases = {(d, _key(name)): code for (d, name), code in read_aliases(ctx.reference("communes-alias")).items()}
        return index

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
        decided = {self.aliases[(d, key)] for d in departements if (d, key) in self.aliases}
        if len(decided) == 1:
            return decided.pop()
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


@dataclass(frozen=True)
class Places:
    """What a transcribed row locates: its régions, départements and the communes that resolve."""

    regions: tuple[str, ...]
    departements: tuple[str, ...]
    communes: tuple[str, ...]

    def triples(self, ctx: LoadContext, node: NamedNode) -> Iterator[Triple]:
        mint = ctx.minter
        for code in self.regions:
            yield Triple(node, TID.region, mint.region(code))
        for code in self.departements:
            yield Triple(node, TID.departement, mint.departement(code))
        for code in self.communes:
            yield Triple(node, TID.commune, mint.commune(code))


def locate(ctx: LoadContext, places: PlaceIndex, row: int, record: dict[str, str],
           columns: tuple[str, str, str] = ("region", "departement_code", "commune")) -> Places | None:
    """The places of a row (``columns``: its région, départements and communes columns), or None
    when the row names an unknown région or département (rejected, with its column). A commune
    that does not resolve is left out and noted in the provenance, never guessed."""
    region_column, departement_column, commune_column = columns
    region = places.region(record[region_column])
    if record[region_column].strip() and region is None:
        ctx.report.reject(row, region_column, f"unknown région {record[region_column]!r}")
        return None
    departements = split_list(record[departement_column])
    unknown = [d for d in departements if d not in places.departement_codes]
    if unknown:
        ctx.report.reject(row, departement_column, f"unknown département code(s) {', '.join(unknown)}")
        return None
    communes = []
    for name in split_list(record[commune_column]):
        code = places.commune(name, departements, region)
        if code is None:
            ctx.report.note(f"commune not linked (no single match in the row's département or région): {name}")
            continue
        communes.append(code)
    regions = {region} if region else {places.departement_region[d] for d in departements}
    return Places(tuple(sorted(regions)), tuple(departements), tuple(communes))
