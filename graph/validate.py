"""SHACL validation of a built store with the shapes in ``shapes/``.

The whole graph (the union of its named graphs, ontology included) is written once as
N-Triples and validated by shacl-rust, a Rust SHACL engine that a test cross-checks result by
result against pySHACL, the reference, on the shapes' fixtures. Results of severity
``sh:Violation`` fail a build; warnings and infos are reported and kept.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shacl_rust
from pyoxigraph import RdfFormat, Store, serialize

from tid import ROOT
from tid.graph.namespaces import PREFIXES

SHAPES_DIR = ROOT / "shapes"
SH = PREFIXES["sh"]


@dataclass(frozen=True)
class ShapeResult:
    focus: str
    path: str | None
    value: str | None
    severity: str
    source_shape: str
    component: str
    messages: tuple[str, ...]

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        value = f" = {self.value}" if self.value else ""
        return f"[{self.severity}] {self.focus}{where}{value}: {' / '.join(self.messages)} ({self.source_shape})"


@dataclass(frozen=True)
class ValidationOutcome:
    results: tuple[ShapeResult, ...]
    shapes_files: tuple[str, ...]

    @property
    def violations(self) -> list[ShapeResult]:
        return [r for r in self.results if r.severity == "Violation"]

    def by_severity(self) -> dict[str, int]:
        return dict(Counter(r.severity for r in self.results))

    def summary(self, limit: int = 20) -> str:
        lines = [str(r) for r in self.violations[:limit]]
        more = len(self.violations) - limit
        return (
            f"the graph does not conform to the SHACL shapes: {len(self.violations)} violation(s); "
            "nothing was published\n  " + "\n  ".join(lines) + (f"\n  … and {more} more" if more > 0 else "")
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "shapes": list(self.shapes_files),
            "results": len(self.results),
            "by_severity": self.by_severity(),
            "by_shape": dict(Counter(r.source_shape for r in self.results)),
        }


def _term(value: str | None) -> str | None:
    if value is None:
        return None
    return value[1:-1] if value.startswith("<") and value.endswith(">") else value


def shapes_files(directory: Path = SHAPES_DIR) -> list[Path]:
    return sorted(directory.glob("*.ttl"))


def parse_results(report: dict[str, Any]) -> tuple[ShapeResult, ...]:
    results = []
    for item in report.get("results", []):
        severity = _term(item.get("severity")) or SH + "Violation"
        results.append(
            ShapeResult(
                focus=_term(item.get("focusNode")) or "",
                path=_term(item.get("resultPath")),
                value=_term(item.get("value")),
                severity=severity.removeprefix(SH),
                source_shape=_term(item.get("sourceShape")) or "",
                component=(_term(item.get("sourceConstraintComponent")) or "").removeprefix(SH),
                messages=tuple(item.get("messages", ())),
            )
        )
    return tuple(results)


def validate_store(store: Store, workdir: Path, directory: Path = SHAPES_DIR) -> ValidationOutcome | None:
    files = shapes_files(directory)
    if not files:
        return None
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        data = workdir / "union.nt"
        serialize((quad.triple for quad in store), output=str(data), format=RdfFormat.N_TRIPLES)
        shapes = workdir / "shapes.ttl"
        shapes.write_text("\n".join(f.read_text(encoding="utf-8") for f in files), encoding="utf-8")
        report = shacl_rust.validate_file(str(data), str(shapes))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return ValidationOutcome(parse_results(report), tuple(f.name for f in files))
