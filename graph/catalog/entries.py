"""What the catalogue is computed from: the sources of a release (their spec and what the build
recorded about each), and the periods their facts are about (the phases the curated files define)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from tid.errors import ConfigError
from tid.graph.sources import SourceSpec
from tid.namespaces import RDF, TID


@dataclass(frozen=True)
class SourceEntry:
    """A source of the release: its spec and what the build recorded about it."""

    spec: SourceSpec
    graph: NamedNode
    version: str
    sha256: str
    file: Path
    triples: int
    rows_read: int

    @property
    def byte_size(self) -> int | None:
        return self.file.stat().st_size if self.file.is_file() else None


def read_entries(manifest: dict[str, Any], specs: Sequence[SourceSpec]) -> list[SourceEntry]:
    by_id = {spec.id: spec for spec in specs}
    entries = []
    for source in manifest["sources"]:
        spec = by_id.get(source["id"])
        if spec is None:
            raise ConfigError(f"the release has source {source['id']!r}, which the source list does not describe")
        marker = f"/graph/{spec.id}/"
        if marker not in source["graph"]:
            raise ConfigError(f"graph {source['graph']!r} of source {spec.id!r} is not …/graph/{spec.id}/{{version}}")
        entries.append(SourceEntry(spec, NamedNode(source["graph"]), source["graph"].split(marker, 1)[1],
                                   source["sha256"], Path(source["file"]), int(source["triples"]),
                                   int(source["rows_read"])))
    return entries


def phase_periods(specs: Iterable[SourceSpec]) -> dict[str, tuple[date, date]]:
    """The phases the curated files define (``tid:PhaseProgramme`` with ``tid:dateDebut`` and
    ``tid:dateFin``), by slug (``"2018-2023"``): where a phase's bounds are written once."""
    periods: dict[str, tuple[date, date]] = {}
    for spec in specs:
        if spec.loader != "curated_turtle" or not spec.path:
            continue
        path = spec.root / spec.path
        if not path.is_file():
            continue
        starts: dict[str, date] = {}
        ends: dict[str, date] = {}
        phases: set[str] = set()
        for quad in parse(path=str(path), format=RdfFormat.TURTLE):
            subject = quad.subject
            if not isinstance(subject, NamedNode):
                continue
            if quad.predicate == RDF.type and quad.object == TID.PhaseProgramme:
                phases.add(subject.value)
            elif quad.predicate in (TID.dateDebut, TID.dateFin) and isinstance(quad.object, Literal):
                target = starts if quad.predicate == TID.dateDebut else ends
                target[subject.value] = date.fromisoformat(quad.object.value)
        for phase in phases:
            if phase in starts and phase in ends:
                periods[phase.rstrip("/").rsplit("/", 1)[-1]] = (starts[phase], ends[phase])
    return periods


def period(spec: SourceSpec, phases: dict[str, tuple[date, date]], programme: tuple[date, date] | None
            ) -> tuple[date, date] | None:
    """What a source's facts are about: its phase, else its reference date, else the programme's span."""
    if spec.phase and spec.phase in phases:
        return phases[spec.phase]
    if spec.reference_date:
        return spec.reference_date, spec.reference_date
    return programme


def span(periods: Iterable[tuple[date, date] | None]) -> tuple[date, date] | None:
    known = [p for p in periods if p]
    return (min(p[0] for p in known), max(p[1] for p in known)) if known else None
