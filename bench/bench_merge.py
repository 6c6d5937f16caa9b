"""What the default graph as a merge costs: prints figures, asserts nothing.
``python bench/bench_merge.py --data-dir var [--runs N]``, after ``tid build``.

The build writes each triple of the named graphs once more into the store's default graph (their
RDF merge), because pyoxigraph 0.5's union default graph counts a triple once per graph that
states it (oxigraph issue #1919, fixed upstream by PR #1920, not in a release installable here).
Measured on the live release of ``--data-dir``, against the same named graphs without the merge
(a store rebuilt from the release's own quads, in a temporary directory):

* store size on disk, with and without the merge;
* the time to write the merge (bulk-loading the default graph's triples into a store that
  holds the named graphs);
* query time over the merge (what users get) against the union flag over the named graphs alone
  (pyoxigraph's ``use_default_graph_as_union``, the former mechanism, whose counts are wrong),
  for a count of every triple and for three named queries, median of ``--runs``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from pyoxigraph import DefaultGraph, Quad, Store

from tid.graph.queries import load_query
from tid.graph.store import DataDir

QUERIES = ("territoires-par-phase", "territoires-par-region", "home-counts")
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def size_of(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def timed(store: Store, text: str, substitutions: dict | None, union: bool, runs: int) -> tuple[float, int]:
    """(median seconds, rows) of a query read to its end."""
    times, rows = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        rows = sum(1 for _ in store.query(text, substitutions=substitutions, use_default_graph_as_union=union))
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default="var")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    release = DataDir(Path(args.data_dir)).current_release()
    if release is None:
        raise SystemExit(f"no built release in {args.data_dir}: run `tid build` first")
    merged = Store.read_only(str(release / "store"))
    with tempfile.TemporaryDirectory() as tmp:
        named_path = Path(tmp) / "named"
        named = Store(str(named_path))
        started = time.perf_counter()
        named.bulk_extend(q for q in merged.quads_for_pattern(None, None, None, None)
                          if not isinstance(q.graph_name, DefaultGraph))
        named.flush()
        named.optimize()
        load_named = time.perf_counter() - started
        size_named = size_of(named_path)
        both_path = Path(tmp) / "both"
        shutil.copytree(named_path, both_path)
        both = Store(str(both_path))
        started = time.perf_counter()
        both.bulk_extend(Quad(q.subject, q.predicate, q.object, DefaultGraph())
                         for q in merged.quads_for_pattern(None, None, None, DefaultGraph()))
        both.flush()
        both.optimize()
        write_merge = time.perf_counter() - started
        size_both = size_of(both_path)
        print(f"release {release.name} (its store as built: {size_of(release / 'store') / 2**20:,.0f} MiB)")
        print(f"optimised store without the merge: {size_named / 2**20:,.0f} MiB; with it: {size_both / 2**20:,.0f} MiB "
              f"(x{size_both / size_named:.2f})")
        print(f"loading the named graphs: {load_named:.1f} s; writing the merge on top: {write_merge:.1f} s")

        print(f"\n{'query':<30}{'merge (s)':>10}{'rows':>9}{'union flag (s)':>16}{'rows':>9}{'ratio':>8}")
        cases = [("COUNT(*) of the default graph", COUNT_ALL, None)]
        for name in QUERIES:
            named_query = load_query(name)
            substitutions = named_query.substitutions({}) if named_query.parameters else None
            cases.append((name, named_query.text, substitutions))
        for label, text, substitutions in cases:
            merge_s, merge_rows = timed(both, text, substitutions, False, args.runs)
            union_s, union_rows = timed(named, text, substitutions, True, args.runs)
            if text is COUNT_ALL:
                merge_rows = int(next(iter(both.query(text)))[0].value)
                union_rows = int(next(iter(named.query(text, use_default_graph_as_union=True)))[0].value)
            print(f"{label:<30}{merge_s:>10.3f}{merge_rows:>9}{union_s:>16.3f}{union_rows:>9}{merge_s / union_s:>8.2f}")
        del named, both
    print("\n(the union flag's answers count a triple once per graph that states it: the COUNT(*) row shows by how much)")


if __name__ == "__main__":
    main()
