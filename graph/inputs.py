"""Files given to ``tid validate``: RDF in any common syntax, or a project CSV read by its loader.

RDF files are parsed by Oxigraph; a syntax error becomes a SourceError with the parser's line
and column. A CSV is read by the loader of the source it belongs to (``--source ID``, or the
source whose loader expects exactly the file's header), so a contributor checks a CSV with the
very code that will load it; rejected rows are reported with their row and column.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from pyoxigraph import DefaultGraph, Quad, RdfFormat, Store, parse

from tid.errors import ConfigError, Location, SourceError, UnreadableInputError
from tid.graph.sources import SourceSpec, locate, read_source_list
from tid.graph.store import merged
from tid.loaders import LOADERS
from tid.loaders.base import LoadContext, LoadReport, read_text
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


def load_csv(path: Path, spec: SourceSpec, store: Store, minter: Minter, mirror: Path | None, cache: Path) -> LoadReport:
    specs = {s.id: s for s in read_source_list()}
    references = {needed: locate(specs[needed], mirror, cache) for needed in spec.requires}
    report = LoadReport(str(path))
    ctx = LoadContext(minter=minter, report=report, phase=spec.phase, reference_date=spec.reference_date,
                      geography_date=spec.geography_date, source_id=spec.id, source_title=spec.title,
                      options=spec.options,
                      references=references, project_files={n: spec.project_file(n) for n in spec.project_files})
    triples = list(LOADERS[spec.loader].load(path, ctx))
    store.extend(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples)
    return report


def load_files(paths: list[Path], source_id: str | None, minter: Minter, mirror: Path | None, cache: Path) -> tuple[Store, list[LoadReport]]:
    store = Store()
    reports: list[LoadReport] = []
    specs = read_source_list()
    for path in paths:
        if not path.exists():
            raise ConfigError(f"{path}: no such file")
        if not path.is_file():
            kind = "a directory" if path.is_dir() else "not a regular file (a device, a pipe…)"
            raise ConfigError(f"{path}: {kind}; give the file to validate")
        if path.suffix.lower() == ".csv":
            _readable_text(path)
            reports.append(load_csv(path, spec_for_csv(path, source_id, specs), store, minter, mirror, cache))
        else:
            load_rdf(path, store, minter.base)
    if not len(store) and not any(r.rejects for r in reports):
        raise UnreadableInputError(Location(str(paths[0])), "no triples to validate (an empty file, or one "
                                   "holding only a byte-order mark or comments)")
    return store, reports
