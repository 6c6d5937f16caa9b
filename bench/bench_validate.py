"""Validation benchmark: prints figures, asserts nothing but the equality of the result sets.
``python bench/bench_validate.py [--mirror DIR] [--skip-naive]``.

On the full graph built from the mirror (built first into a temporary data directory):

* ``tid validate`` on the built store, in a fresh process: a full validation, nothing reused;
* the same full validation inside this process (its results are the ones compared below);
* re-validation after one source changed (the lauréats file loses a row): the build's own
  validation step, timed from the build's progress calls, which is incremental against the
  previous release; its result set is compared with that of a full build of the same data;
* the naive call, in a child process stopped after ``--naive-limit`` seconds: parse the union
  of the graph into rdflib, then ``pyshacl.validate(graph, shacl_graph=shapes,
  inference="none")``, parse and validate timed apart, and whether its result set is the same as
  tid's, result by result. pySHACL parses a SPARQL constraint's query again for each focus node
  (35,000 communes for three of them), which takes well over an hour here: when the limit
  stops it, the figure printed is a lower bound, and the equality of the result sets is the one
  ``tests/test_validate.py`` checks on the cut of the data.

Goals (issue 3): ``tid validate`` at least 5x faster than the naive call and under 20 s;
re-validation of one changed source under 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirror", default=os.environ.get("TID_MIRROR", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--skip-naive", action="store_true", help="do not run the (hour-long) naive pySHACL call")
    parser.add_argument("--naive-limit", type=float, default=1200, help="seconds after which the naive call is stopped")
    parser.add_argument("--naive-only", nargs=2, metavar=("STORE", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.naive_only:
        naive(Path(args.naive_only[0]), Path(args.naive_only[1]))
        return
    mirror = Path(args.mirror).resolve()

    from tid.graph import validate
    from tid.graph.build import BuildOptions, build
    from tid.graph.shapes import load_shapes, shapes_files
    from tid.graph.sources import write_pinned_source_list
    from tid.graph.store import DataDir, open_read_only

    with tempfile.TemporaryDirectory(prefix="tid-bench-validate-") as tmp:
        work = Path(tmp)
        data_dir = DataDir(work / "data")
        build(BuildOptions(data_dir=data_dir, mirror=mirror, dumps=False,
                           source_list=write_pinned_source_list(work / "sources-mirror.toml", mirror)))
        store = open_read_only(data_dir)
        store_path = data_dir.current_release() / "store"
        shapes = load_shapes(shapes_files())
        ignore = frozenset({"https://w3id.org/territoires-industrie/graph/validation"})
        print(f"graph: {len(store)} quads; shapes: {', '.join(shapes.files)} "
              f"({len(shapes.texts.all_shapes)} shapes, {len(shapes.sparql)} SPARQL constraints)")

        started = time.perf_counter()
        process = subprocess.run([sys.executable, "-m", "tid.cli", "validate", "--data-dir", str(data_dir.root),
                                  "--format", "json", "--output", str(work / "report.json")], capture_output=True, text=True)
        cli_seconds = time.perf_counter() - started
        print(f"tid validate (a fresh process, full validation of the built store): {cli_seconds:.1f} s, "
              f"exit {process.returncode}")
        started = time.perf_counter()
        full = validate.validate_store(store, shapes, ignore=ignore)
        full_seconds = time.perf_counter() - started
        print(f"tid full validation inside this process: {full_seconds:.1f} s, {len(full.results)} results "
              f"{full.by_severity()}")

        # One source changed: the build re-validates against the previous release.
        copy = work / "mirror"
        shutil.copytree(mirror, copy, ignore=shutil.ignore_patterns("sources"))
        laureats = copy / "sites-cles-en-main" / "fonds_acceleration_laureats.csv"
        laureats.chmod(0o644)
        laureats.write_text(laureats.read_text(encoding="utf-8").rstrip("\n").rsplit("\n", 1)[0] + "\n", encoding="utf-8")
        sources = write_pinned_source_list(work / "sources.toml", copy)
        steps: dict[str, float] = {}
        changed = build(BuildOptions(data_dir=data_dir, mirror=copy, source_list=sources, dumps=False),
                        progress=lambda what, _done, _total: steps.setdefault(what, time.perf_counter()))
        incremental_seconds = steps["dumps"] - steps["validation"]
        print(f"re-validation after one source changed, in the build "
              f"({changed.manifest['validation']['mode']}): {incremental_seconds:.1f} s")
        reference = DataDir(work / "reference")
        build(BuildOptions(data_dir=reference, mirror=copy, source_list=sources, dumps=False))
        same_incremental = _state_results(data_dir) == _state_results(reference)
        print(f"its result set equals that of a full build of the changed data: {same_incremental}")

        if args.skip_naive:
            return
        output = work / "naive.json"
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, __file__, "--naive-only", str(store_path), str(output)])
        try:
            child.wait(timeout=args.naive_limit)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        elapsed = time.perf_counter() - started
        if not output.is_file():
            print(f"naive pySHACL: stopped after {elapsed:.0f} s without an answer (parsing and validating)")
            print(f"ratios: naive / tid validate > {elapsed / cli_seconds:.0f}x; naive / tid full > "
                  f"{elapsed / full_seconds:.0f}x; naive / re-validation > {elapsed / incremental_seconds:.0f}x  "
                  f"[goals: >= 5x; tid < 20 s; re-validation < 5 s]")
            return
        figures = json.loads(output.read_text(encoding="utf-8"))
        naive_keys = {tuple(key) for key in figures["results"]}
        ours = {r.key + (r.severity,) for r in full.results}
        naive_total = figures["parse"] + figures["validate"]
        print(f"naive pySHACL: {figures['parse']:.1f} s parsing + {figures['validate']:.1f} s validating = {naive_total:.1f} s")
        print(f"same result set as the naive call: {ours == naive_keys} ({len(ours)} vs {len(naive_keys)} results)")
        print(f"ratios: naive / tid validate = {naive_total / cli_seconds:.1f}x; naive / tid full = "
              f"{naive_total / full_seconds:.1f}x; naive / re-validation = {naive_total / incremental_seconds:.1f}x  "
              f"[goals: >= 5x; tid < 20 s; re-validation < 5 s]")


def naive(store_path: Path, output: Path) -> None:
    """The naive call on a store's union, its figures and result keys written to ``output``."""
    import pyshacl
    import rdflib
    from pyoxigraph import RdfFormat, Store, serialize

    from tid.graph import validate
    from tid.graph.shapes import shapes_files

    store = Store.read_only(str(store_path))
    started = time.perf_counter()
    data = rdflib.Graph()
    data.parse(data=serialize((q.triple for q in store), format=RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    shapes_graph = rdflib.Graph()
    for path in shapes_files():
        shapes_graph.parse(path, format="turtle")
    parse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes_graph, inference="none", allow_warnings=True)
    validate_seconds = time.perf_counter() - started
    results = [list(r.key) + [r.severity] for r in validate.pyshacl_results(report)]
    output.write_text(json.dumps({"parse": parse_seconds, "validate": validate_seconds, "results": results}), encoding="utf-8")


def _state_results(data_dir: Any) -> set[tuple]:
    """The result set a build's validation state holds (its local and SPARQL results)."""
    state = json.loads((data_dir.current_release() / "validation-state.json").read_text(encoding="utf-8"))
    rows = state["local_results"] + [row for rows in state["sparql_results"].values() for row in rows]
    return {tuple(row[:6]) for row in rows}


if __name__ == "__main__":
    main()
