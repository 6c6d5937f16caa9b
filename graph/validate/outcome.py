"""What a validation found (:class:`ValidationOutcome`), and the state an incremental validation
starts from: the digest of each named graph and the previous results, kept as JSON beside the
release."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, Store

from tid.errors import ConfigError
from tid.graph.report import ShapeResult
from tid.graph.shapes import Shapes


@dataclass
class ValidationOutcome:
    results: list[ShapeResult]
    shapes: Shapes
    local_results: list[ShapeResult] = field(default_factory=list)
    sparql_results: dict[int, list[ShapeResult]] = field(default_factory=dict)
    graph_digests: dict[str, str] | None = None
    """Each named graph's digest; computed from ``store`` when first needed (by ``state``)."""
    mode: str = "full"
    store: Store | None = field(default=None, repr=False)
    ignore: frozenset[str] = frozenset()

    @property
    def violations(self) -> list[ShapeResult]:
        return [r for r in self.results if r.severity == "Violation"]

    def conforms(self, fail_on: str = "violation") -> bool:
        levels = {"violation": ("Violation",), "warning": ("Violation", "Warning"), "info": ("Violation", "Warning", "Info")}
        if fail_on not in levels:
            raise ConfigError(f"--fail-on {fail_on!r} is not one of {', '.join(levels)}")
        return not any(r.severity in levels[fail_on] for r in self.results)

    def by_severity(self) -> dict[str, int]:
        tally: dict[str, int] = {}
        for result in self.results:
            tally[result.severity] = tally.get(result.severity, 0) + 1
        return tally

    def summary(self, limit: int = 20) -> str:
        lines = [f"[{r.severity}] {r.focus} {r.path or ''} {r.value or ''}: "
                 f"{self.shapes.texts.message(r.source_shape, 'en', r.messages)} ({r.source_shape})"
                 for r in self.violations[:limit]]
        more = len(self.violations) - limit
        return (f"the graph does not conform to the SHACL shapes: {len(self.violations)} violation(s); "
                "nothing was published\n  " + "\n  ".join(lines) + (f"\n  … and {more} more" if more > 0 else ""))

    def as_dict(self) -> dict[str, Any]:
        by_shape: dict[str, int] = {}
        for result in self.results:
            by_shape[result.source_shape] = by_shape.get(result.source_shape, 0) + 1
        return {"shapes": list(self.shapes.files), "shapes_digest": self.shapes.digest, "mode": self.mode,
                "results": len(self.results), "by_severity": self.by_severity(), "by_shape": by_shape}

    def state(self) -> dict[str, Any]:
        """What an incremental validation needs from this one."""
        if self.graph_digests is None:
            assert self.store is not None
            self.graph_digests = graph_digests(self.store, self.ignore)
        return {"shapes_digest": self.shapes.digest, "graph_digests": self.graph_digests,
                "local_results": rows(self.local_results),
                "sparql_results": {str(number): rows(results) for number, results in self.sparql_results.items()}}


def rows(results: list[ShapeResult]) -> list[list[Any]]:
    return [list(r.key) + [r.severity, list(r.messages)] for r in results]


def results_from_state(rows: list[list[Any]]) -> list[ShapeResult]:
    return [ShapeResult(focus=r[0], path=r[1], value=r[2], source_shape=r[3], component=r[4], severity=r[5],
                        messages=tuple(r[6])) for r in rows]


def graph_digests(store: Store, ignore: frozenset[str] = frozenset(), only: Iterable[NamedNode] | None = None) -> dict[str, str]:
    """A digest of each named graph's content (order-independent), to find what changed.

    ``only``: the graphs to digest (the build knows the others' digests from its cache keys).
    """
    digests: dict[str, int] = {}
    quads = store if only is None else (q for graph in only for q in store.quads_for_pattern(None, None, None, graph))
    for quad in quads:
        if not isinstance(quad.graph_name, NamedNode):
            continue  # the default graph: the merge of the named graphs (graph/store.py)
        name = quad.graph_name.value
        if name in ignore:
            continue
        digests[name] = digests.get(name, 0) ^ int.from_bytes(hashlib.blake2b(str(quad.triple).encode(), digest_size=8).digest(), "big")
    return {name: f"{value:016x}" for name, value in digests.items()}


def dump_state(outcome: ValidationOutcome, path: Path) -> None:
    path.write_text(json.dumps(outcome.state(), ensure_ascii=False), encoding="utf-8")


def load_state(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
