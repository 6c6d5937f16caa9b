"""A published perimeter checked against its member communes' points.

ANCT's perimeter files draw each territory as the union of its members' contours, but some
features are not what they claim: in a GeometryCollection, members by commune inside a métropole
are drawn as bare points beside the polygon of the others (ti-8416 in 2018-2023: its twelve
communes, Saint-Chamond, Firminy, Rive-de-Gier…, lie outside the polygon kept). A perimeter is
therefore published only when it contains the points of the communes the same feature names as
members (communes named directly, and the communes of the EPCIs and EPTs it names, in the COG
vintage the file is read in), within :data:`TOLERANCE_KM`.

The points are the communes' approximate locations (``places/communes_points.csv``: the centre of
the bounding box of a contour generalised at 100 m), which may fall outside a concave or
coastal commune, hence the tolerance. The distance is measured in degrees and turned into
kilometres with the shorter degree at the point's latitude (a degree of longitude), so it is a
lower bound: a commune is called outside only when it is surely farther than the tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry

from tid.loaders.base import read_csv_rows, read_json

TOLERANCE_KM = 2.0
KM_PER_DEGREE = 111.32  # a degree of latitude, and of longitude at the equator


@dataclass(frozen=True)
class Outside:
    """A member commune whose point lies farther than the tolerance from the perimeter."""

    code: str
    km: float

    def __str__(self) -> str:
        return f"{self.code} ({self.km:.1f} km)"


@dataclass(frozen=True)
class MemberPoints:
    """The points of the communes of the COG vintage a perimeter file is read in, and the
    communes of its EPCIs and EPTs."""

    points: dict[str, tuple[float, float]]
    communes_of_groupement: dict[str, list[str]]

    @classmethod
    def from_files(cls, points_csv: Path, *groupement_files: Path) -> MemberPoints:
        points = {record["insee"].strip(): (float(record["lon"]), float(record["lat"]))
                  for _row, record in read_csv_rows(points_csv, ("insee", "lon", "lat"))}
        communes: dict[str, list[str]] = {}
        for path in groupement_files:
            for record in read_json(path):
                communes[str(record["code"])] = [str(m["code"]) for m in record.get("membres", [])]
        return cls(points, communes)

    def communes(self, member_sirens: list[str], commune_codes: list[str]) -> list[str]:
        """The member communes of a feature: those it names, and those of the groupements it names."""
        found = list(commune_codes)
        for siren in member_sirens:
            found.extend(self.communes_of_groupement.get(siren, []))
        return sorted(set(found))

    def outside(self, shape: BaseGeometry, communes: list[str], tolerance_km: float = TOLERANCE_KM) -> tuple[list[Outside], int]:
        """(the communes farther than the tolerance, how many others lie outside within it)."""
        shapely.prepare(shape)
        far: list[Outside] = []
        near = 0
        for code in communes:
            if code not in self.points:
                continue
            lon, lat = self.points[code]
            point = shapely.Point(lon, lat)
            if shape.contains(point):
                continue
            km = shape.distance(point) * KM_PER_DEGREE * math.cos(math.radians(lat))
            if km > tolerance_km:
                far.append(Outside(code, km))
            else:
                near += 1
        return sorted(far, key=lambda o: (-o.km, o.code)), near
