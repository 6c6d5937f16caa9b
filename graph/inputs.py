"""Files given to ``tid validate``: RDF in any common syntax, or a project CSV read by its loader.

RDF files are parsed by Oxigraph; a syntax error becomes a SourceError with the parser's line
and column. A CSV is read by the loader of the source it belongs to (``--source ID``, or the
source whose loader expects exactly the file's header), so a contributor checks a CSV with the
very code that will load it; rejected rows are reported with their row and column.

Each file's statements are located (:mod:`tid.graph.locations`): the line of each triple of an
RDF file, the row of the CSV that produced each triple, so that a result names where to fix it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import DefaultGraph, Quad, RdfFormat, Store, Triple, parse

from tid.errors import ConfigError, Location, SourceError, UnreadableInputError
from tid.graph.locations import Locations, line_locations, text_locations, turtle_locations
from tid.graph.shapes import nt
from tid.graph.sources import SourceSpec, locate, read_source_list
from tid.graph.store import merged
from tid.loaders import LOADERS
from tid.loaders.base import LoadContext, LoadReport, read_csv_rows, read_text
from tid.namespaces import Minter

RDF_FORMATS = {
    ".ttl": RdfFormat.TURTLE, ".turtle": RdfFormat.TURTLE, ".trig": RdfFormat.TRIG, ".nt": RdfFormat.N_TRIPLES,
    ".nq": RdfFormat.N_QUADS, ".jsonld": RdfFormat.JSON_LD, ".json": RdfFormat.JSON_LD, ".rdf": RdfFormat.RDF_XML,
    ".owl": RdfFormat.RDF_XML, ".xml": RdfFormat.RDF_XML,
}
POSITION = re.compile(r"line (\d+)(?:,? column (\d+))?", re.IGNORECASE)


def _readable_text(path: Path) -> str:
    """The file as UTF-8 text, or an :class:`UnreadableInputError` (exit 2: the input cannot be
    read, which is not the same as data that does not conform, exit 1)."""
    try:
        return read_text(path)
    except UnreadableInputError:
        raise
    except SourceError as exc:
        raise UnreadableInputError(exc.location, exc.message) from None


@dataclass
class Contribution:
    """The files given to ``tid validate``: their statements (each file's named graphs, and their
    merge as the default graph), the loaders' reports of the CSVs, where each triple is written."""

    store: Store
    reports: list[LoadReport] = field(default_factory=list)
    locations: list[Locations] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """CSV files left out: their header is no source's (``only_source_csv``)."""

    def triples(self) -> set[Triple]:
        return {q.triple for q in self.store.quads_for_pattern(None, None, None, DefaultGraph())}

    def locate(self, focus: str, path: str | None, value: str | None) -> tuple[str, int | None] | None:
        """The file and line (or CSV row) of the statement a result is about; the first file when
        no file writes its focus node."""
        for found in self.locations:
            line = found.line(focus, path, value)
            if line is not None:
                return found.file, line
        return (self.locations[0].file, None) if self.locations else None


LINE_FORMATS = (RdfFormat.N_TRIPLES, RdfFormat.N_QUADS)
TURTLE_FORMATS = (RdfFormat.TURTLE, RdfFormat.TRIG)


def rdf_locations(path: Path, text: str, fmt: RdfFormat, base: str) -> Locations:
    if fmt in TURTLE_FORMATS:
        return turtle_locations(str(path), text, base)
    if fmt in LINE_FORMATS:
        return line_locations(str(path), text, base)
    return text_locations(str(path), text)


def load_rdf(path: Path, store: Store, base: str) -> int:
    fmt = RDF_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(f"{path}: unknown file type {path.suffix!r}; expected {', '.join(sorted(RDF_FORMATS))} or .csv")
    text = _readable_text(path)
    try:
        quads = list(parse(text, format=fmt, base_iri=base + "id/"))
    except SyntaxError as exc:
        message = str(exc)
        position = POSITION.search(message)
        location = Location(str(path), int(position[1]) if position else None,
                            f"character {position[2]}" if position and position[2] else None)
        raise UnreadableInputError(location, f"cannot parse as {fmt.name}: {message}") from None
    store.extend(merged(quads))  # a TriG or N-Quads file's graphs, and their merge as the default graph
    return len(quads)


def read_rdf(path: Path, store: Store, base: str) -> Locations:
    """Load an RDF file into ``store`` (:func:`load_rdf`) and say where its triples are written."""
    load_rdf(path, store, base)
    fmt = RDF_FORMATS[path.suffix.lower()]
    return rdf_locations(path, read_text(path), fmt, base + "id/")


def spec_for_csv(path: Path, source_id: str | None, specs: list[SourceSpec]) -> SourceSpec:
    csv_specs = [s for s in specs if s.media_type == "text/csv"]
    if source_id:
        for spec in csv_specs:
            if spec.id == source_id:
                return spec
        raise ConfigError(f"--source {source_id!r} is not a CSV source; CSV sources: {', '.join(s.id for s in csv_specs)}")
    header_line = read_text(path).splitlines()[:1]
    header = next(csv.reader(header_line), []) if header_line else []
    header = [h.strip() for h in header]
    matches = [s for s in csv_specs if list(getattr(LOADERS[s.loader], "COLUMNS", ())) == header]
    if not matches:
        raise ConfigError(f"{path}: no source's loader reads the columns {', '.join(header)}; give --source")
    return matches[0]


def reference_files(spec: SourceSpec, mirror: Path | None, cache: Path, specs_list: list[SourceSpec]) -> dict[str, Path]:
    """The files the source's loader reads besides the CSV. One that cannot be found is a usage
    error (exit 2: give the mirror), not data that does not conform."""
    specs = {s.id: s for s in specs_list}
    try:
        return {needed: locate(specs[needed], mirror, cache) for needed in spec.requires}
    except SourceError as exc:
        raise ConfigError(f"{exc.location.file}: the loader of {spec.id!r} needs this reference file: {exc.message}") from None


def load_csv(path: Path, spec: SourceSpec, store: Store, minter: Minter, mirror: Path | None, cache: Path,
             locations: Locations | None = None, specs: list[SourceSpec] | None = None) -> LoadReport:
    """The CSV read by its source's loader into ``store``; with ``locations``, each triple's row
    (the row the loader was reading when it wrote it)."""
    references = reference_files(spec, mirror, cache, specs if specs is not None else read_source_list())
    report = LoadReport(str(path))
    ctx = LoadContext(minter=minter, report=report, phase=spec.phase, reference_date=spec.reference_date,
                      geography_date=spec.geography_date, source_id=spec.id, source_title=spec.title,
                      options=spec.options,
                      references=references, project_files={n: spec.project_file(n) for n in spec.project_files})
    rows = [number for number, _record in read_csv_rows(path, ())]
    triples = []
    for triple in LOADERS[spec.loader].load(path, ctx):
        triples.append(triple)
        if locations is not None and 0 < report.rows_read <= len(rows):
            row = rows[report.rows_read - 1]
            locations.add(nt(triple.subject), nt(triple.predicate), _located_object(triple), row, row)
    store.extend(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples)
    return report


def _located_object(triple: Triple) -> str:
    obj = triple.object
    return obj.value if hasattr(obj, "datatype") else nt(obj)


def load_files(paths: list[Path], source_id: str | None, minter: Minter, mirror: Path | None, cache: Path,
               only_source_csv: bool = False, source_list: Path | None = None) -> Contribution:
    """The files read into one store. ``only_source_csv``: a CSV whose header no source's loader
    reads is left out (listed in ``skipped``) instead of being an error, for a hook that is given
    every CSV of a repository; when every file is left out, the contribution is empty."""
    contribution = Contribution(Store())
    store = contribution.store
    specs = read_source_list(source_list) if source_list else read_source_list()
    for path in paths:
        if not path.exists():
            raise ConfigError(f"{path}: no such file")
        if not path.is_file():
            kind = "a directory" if path.is_dir() else "not a regular file (a device, a pipe…)"
            raise ConfigError(f"{path}: {kind}; give the file to validate")
        if path.suffix.lower() == ".csv":
            _readable_text(path)
            locations = Locations(str(path))
            try:
                spec = spec_for_csv(path, source_id, specs)
            except ConfigError:
                if only_source_csv and not source_id:
                    contribution.skipped.append(str(path))
                    continue
                raise
            try:
                contribution.reports.append(load_csv(path, spec, store, minter, mirror, cache, locations, specs))
            except UnreadableInputError:
                raise
            except SourceError as exc:  # a malformed CSV (a missing column, a truncated line): exit 2, as RDF
                raise UnreadableInputError(exc.location, exc.message) from None
            contribution.locations.append(locations)
        else:
            contribution.locations.append(read_rdf(path, store, minter.base))
    if len(contribution.skipped) == len(paths):
        return contribution
    if not len(store) and not any(r.rejects for r in contribution.reports):
        raise UnreadableInputError(Location(str(paths[0])), "no triples to validate (an empty file, or one "
                                   "holding only a byte-order mark or comments)")
    return contribution
