"""What every loader shares: its context, its report, strict readers and code checks.

A loader is a module with ``VERSION`` (bumped when its output changes for the same input) and
``load(path, ctx) -> Iterable[Triple]``. It reads one local file, never downloads, never prints,
and never decides the named graph: the build puts its triples in the source's graph.

Problems are of two kinds. A *skip* is a row deliberately not loaded (an overseas collectivity,
a degenerate geometry); it is counted with its reason in the provenance. A *reject* is bad data
(an invalid SIREN, a duplicate id, a missing value); it names file, row and column, and the
build fails when any row is rejected. A file that cannot be read at all raises SourceError.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Triple

from tid.errors import Location, SourceError
from tid.namespaces import RDF, RDFS, SKOS, TID, XSD, Minter

# -- codes ---------------------------------------------------------------------------------

SIREN = re.compile(r"^[0-9]{9}$")
INSEE_COMMUNE = re.compile(r"^(?:[0-9]{2}|2[AB])[0-9]{3}$")
INSEE_DEPARTEMENT = re.compile(r"^(?:0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-8]|98[4-9])$")
INSEE_REGION = re.compile(r"^[0-9]{2}$")
ID_TI = re.compile(r"^ti-[0-9]{4}$")


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum that every SIREN passes (INSEE: "clé de contrôle")."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siren_problem(value: str) -> str | None:
    if not SIREN.match(value):
        return f"SIREN {value!r} is not 9 digits"
    if not luhn_ok(value):
        return f"SIREN {value!r} fails its Luhn check digit"
    return None


def pattern_problem(value: str, pattern: re.Pattern[str], what: str) -> str | None:
    return None if pattern.match(value) else f"{what} {value!r} does not have the expected form"


# -- report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reject:
    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.location.file,
            "row": self.location.row,
            "column": self.location.column,
            "message": self.message,
        }


@dataclass
class LoadReport:
    """What a loader saw: rows read, rows skipped (by reason), rows rejected (with where)."""

    file: str
    rows_read: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    rejects: list[Reject] = field(default_factory=list)
    notes: Counter[str] = field(default_factory=Counter)
    """Things done to the data on the way (a geometry repaired), counted by kind."""

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def note(self, what: str, count: int = 1) -> None:
        self.notes[what] += count

    def reject(self, row: int | None, column: str | None, message: str) -> None:
        self.rejects.append(Reject(Location(self.file, row, column), message))

    def check(self, row: int, column: str, problem: str | None) -> bool:
        """Reject the row when ``problem`` is set; return whether the value was fine."""
        if problem:
            self.reject(row, column, problem)
            return False
        return True

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows_read": self.rows_read,
            "skipped": dict(self.skipped),
            "rejects": [r.as_dict() for r in self.rejects],
            "notes": dict(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LoadReport:
        report = cls(data["file"], data["rows_read"], Counter(data["skipped"]))
        report.notes = Counter(data.get("notes", {}))
        report.rejects = [
            Reject(Location(r["file"], r["row"], r["column"]), r["message"]) for r in data["rejects"]
        ]
        return report


# -- context -------------------------------------------------------------------------------


@dataclass
class LoadContext:
    """Everything a loader may use besides its file."""

    minter: Minter
    report: LoadReport
    phase: str | None = None
    reference_date: date | None = None
    """The day whose state the file describes (a COG vintage's, a territory list's)."""
    geography_date: date | None = None
    """The reference date of the COG vintage the file's codes are read in (a territory list's)."""
    source_id: str = ""
    source_title: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    """The source's ``options`` in the source list (what each loader documents)."""
    references: Mapping[str, Path] = field(default_factory=dict)
    """Local files of the sources this one declares in ``requires`` (lookup tables only)."""
    project_files: Mapping[str, Path] = field(default_factory=dict)
    """Files of this repository a loader reads (e.g. the site reconciliation table)."""

    def reference(self, source_id: str) -> Path:
        try:
            return self.references[source_id]
        except KeyError:
            raise SourceError(
                Location(self.report.file),
                f"this loader needs the source {source_id!r}: add it to `requires`",
            ) from None


# -- readers -------------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """The whole file as UTF-8, or a SourceError that says where decoding failed."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(
            Location(str(path), line),
            f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-save the file as UTF-8",
        ) from None
    return text.removeprefix("\ufeff")


def read_json(path: Path) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            Location(str(path), exc.lineno, f"character {exc.colno}"),
            f"invalid or truncated JSON: {exc.msg}",
        ) from None


def read_json_records(path: Path, required: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(record number, record) of a JSON array of objects; checks the fields every record needs."""
    data = read_json(path)
    if not isinstance(data, list):
        raise SourceError(Location(str(path)), "expected a JSON array of objects")
    required = tuple(required)
    for number, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            raise SourceError(Location(str(path), number), "expected a JSON object")
        missing = [key for key in required if key not in record]
        if missing:
            raise SourceError(
                Location(str(path), number, missing[0]),
                f"missing field(s) {', '.join(missing)} in record {number}",
            )
        yield number, record


def read_geojson_features(
    path: Path, required: Iterable[str]
) -> Iterator[tuple[int, dict[str, Any], dict[str, Any] | None]]:
    """(feature number, properties, geometry) of a GeoJSON FeatureCollection."""
    data = read_json(path)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise SourceError(Location(str(path)), "expected a GeoJSON FeatureCollection")
    required = tuple(required)
    for number, feature in enumerate(data.get("features", []), start=1):
        properties = feature.get("properties") or {}
        missing = [key for key in required if key not in properties]
        if missing:
            raise SourceError(
                Location(str(path), number, missing[0]),
                f"feature {number} lacks the propert{'ies' if len(missing) > 1 else 'y'} "
                f"{', '.join(missing)}",
            )
        yield number, properties, feature.get("geometry")


def read_csv_rows(path: Path, required: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, row) of a UTF-8 CSV with a header; row 1 is the header.

    A missing column is fatal; a row with too many or too few fields raises too, since its
    values can no longer be trusted to sit in their columns.
    """
    text = read_text(path)
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise SourceError(Location(str(path), 1), "empty file: no header row") from None
    except csv.Error as exc:
        raise SourceError(Location(str(path), 1), f"malformed CSV header: {exc}") from None
    header = [name.strip() for name in header]
    missing = [name for name in required if name not in header]
    if missing:
        raise SourceError(
            Location(str(path), 1, missing[0]),
            f"missing column(s) {', '.join(missing)}; the header has {', '.join(header)}",
        )
    row_number = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SourceError(Location(str(path), reader.line_num), f"malformed CSV: {exc}") from None
        row_number += 1
        if not values:
            continue
        if len(values) != len(header):
            raise SourceError(
                Location(str(path), row_number),
                f"{len(values)} fields where the header has {len(header)} "
                "(a truncated line or an unquoted comma?)",
            )
        yield row_number, dict(zip(header, values, strict=True))


# -- terms ---------------------------------------------------------------------------------


def fr(text: str) -> Literal:
    return Literal(text, language="fr")


def en(text: str) -> Literal:
    return Literal(text, language="en")


def string(text: str) -> Literal:
    return Literal(text)


def integer(value: int) -> Literal:
    return Literal(str(int(value)), datatype=XSD.integer)


def decimal(value: str) -> Literal:
    return Literal(value, datatype=XSD.decimal)


def xsd_date(value: date | str) -> Literal:
    return Literal(value.isoformat() if isinstance(value, date) else value, datatype=XSD.date)


def labelled(subject: NamedNode, kind: NamedNode, label: str) -> Iterator[Triple]:
    yield Triple(subject, RDF.type, kind)
    yield Triple(subject, RDFS.label, fr(label))


def former_name(thing: NamedNode, kind: str, code: str, name: str, year: str, mint: Minter) -> Iterator[Triple]:
    """A name ``thing`` bore in the vintage of ``year`` that is not its current one: a dated
    ``tid:Appellation`` (``id/appellation/{kind}/{code}/{year}``, one per vintage: two spellings of
    one name stay two names), and the name as ``skos:altLabel`` so that searches still find it."""
    node = mint.id("appellation", kind, code, year)
    vintage = mint.millesime(year)
    yield Triple(thing, TID.appellation, node)
    yield Triple(node, RDF.type, TID.Appellation)
    yield Triple(node, RDFS.label, fr(name))
    yield Triple(node, TID.millesime, vintage)
    yield Triple(thing, SKOS.altLabel, fr(name))


def clean_label(text: str) -> str:
    """Labels as published, less stray whitespace (ANCT labels end with U+00A0)."""
    return " ".join(text.replace("\u00a0", " ").split())
