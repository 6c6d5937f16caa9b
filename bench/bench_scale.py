"""Cost as the work grows: prints figures, asserts nothing.
``python bench/bench_scale.py --data-dir DIR [--copies 9] [--runs 20] [--build --mirror DIR]``.

The graph at 1× is the release of ``--data-dir`` (opened read-only). The graph at (1 + copies)×
is that release plus ``--copies`` synthetic copies of its data, generated deterministically:
every named graph a source loaded, and the derivations graph, copied into a graph of its own
(``…-x1`` … ``…-x9``), every IRI under ``{base}id/`` renamed the same way (``…/ti-7510`` →
``…/ti-7510-x3``), blank nodes renamed, literals kept. Each copy is the same shape as the data:
its own phases, lists, territories, memberships, communes, EPCIs, sites, derived facts; its codes
(INSEE, SIREN, ids) are the real ones — a 5-digit INSEE code has no room for ten distinct copies
of France — so a lookup by code finds one thing per copy. The build's bookkeeping graphs
(provenance, validation report, changelog, catalogue) are not copied; the statistics graph is
written again for the larger store (graph/statistics.py), as the build would.

At each scale, in this process, warm, p50 (and CPU p50) of ``--runs`` runs (fewer when a cell
passes ``--cell-seconds``):

* every catalogued query (``tid query --list``) with the examples of its header, as ``tid query``
  and the endpoint bind them;
* the HTML page of the largest territory (``/doc/…``, resource snapshots off, through the Flask
  test client, as ``bench/bench_pages.py``);
* a lookup, ``SELECT DISTINCT ?t ?p ?o WHERE { ?t ?p ?o }``, ``?t`` bound to the territory.

Goal (issue 12): each within 15× its 1× time (linear or better). With ``--build``, the build
itself is measured too: the real mirror at 1×, and at 10× the same mirror with each copy as one
more source (Turtle, loaded by the ``curated_turtle`` loader, derived and validated like the
rest); goal within 12×. That takes about ten times a build: a long run.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad, RdfFormat, Store, Variable, serialize

REPO = Path(__file__).resolve().parents[1]
TERRITORY = "territoire/2023-2027/ti-7510"
LOOKUP = "SELECT DISTINCT ?t ?p ?o WHERE { ?t ?p ?o }"  # ?t bound to the territory (projected: SEP-0007)


# -- the synthetic copies -----------------------------------------------------------------------

def copied_graphs(manifest: dict, base: str, derivations: bool) -> list[NamedNode]:
    graphs = [NamedNode(source["graph"]) for source in manifest["sources"]]
    if derivations:
        graphs.append(NamedNode(base + "graph/derivations"))
    return graphs


def copy_quads(store: Store, graphs: list[NamedNode], base: str, number: int,
               graph_name: Callable[[NamedNode], NamedNode]) -> Iterator[Quad]:
    """The quads of ``graphs``, copy ``number``: IRIs under ``{base}id/`` and blank nodes renamed."""
    prefix, tag = base + "id/", f"-x{number}"

    def rename(term):
        if isinstance(term, NamedNode) and term.value.startswith(prefix):
            return NamedNode(term.value + tag)
        if isinstance(term, BlankNode):
            return BlankNode(term.value + "x" + str(number))
        return term

    for graph in graphs:
        target = graph_name(graph)
        for quad in store.quads_for_pattern(None, None, None, graph):
            yield Quad(rename(quad.subject), quad.predicate, rename(quad.object), target)


def scaled_release(source_dir: Path, work: Path, copies: int) -> tuple[Path, float]:
    """A data directory whose live release is the one of ``source_dir`` plus ``copies`` copies
    (see the module's docstring), and the seconds it took to make."""
    from tid.graph import statistics as stats
    from tid.graph.queries import load_query
    from tid.graph.store import DataDir, merged
    from tid.namespaces import Minter

    started = time.perf_counter()
    release = DataDir(source_dir).current_release()
    manifest = json.loads((release / "build.json").read_text(encoding="utf-8"))
    base = manifest["base"]
    target = work / f"x{copies + 1}"
    shutil.rmtree(target, ignore_errors=True)
    (target / "releases").mkdir(parents=True)
    copy = target / "releases" / release.name
    copy.mkdir()
    shutil.copytree(release / "store", copy / "store")
    store = Store(str(copy / "store"))
    minter = Minter(base)
    # the statistics graph is written again for the larger store
    statistics_graph = stats.statistics_graph(minter)
    old = list(store.quads_for_pattern(None, None, None, statistics_graph))
    store.remove_graph(statistics_graph)
    for quad in old:
        store.remove(Quad(quad.subject, quad.predicate, quad.object, DefaultGraph()))
    graphs = copied_graphs(manifest, base, derivations=True)
    for number in range(1, copies + 1):
        store.bulk_extend(merged(copy_quads(store, graphs, base, number,
                                            lambda g, n=number: NamedNode(f"{g.value}-x{n}"))))
    store.optimize()
    counts = {s[0].value: int(s[1].value) for s in store.query(load_query("store-graph-triples").text)}
    manifest["counts"]["graphs"] = counts
    manifest["counts"]["quads"] = sum(counts.values())
    manifest["counts"]["triples"] = len(store) - manifest["counts"]["quads"]
    stats.write_statistics(store, minter, manifest)
    store.flush()
    del store
    gc.collect()
    (copy / "build.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    (target / "current").symlink_to(Path("releases") / release.name, target_is_directory=True)
    return target, time.perf_counter() - started


def synthetic_mirror(source_dir: Path, mirror: Path, work: Path, copies: int) -> Path:
    """A mirror (the real one, linked) with one Turtle file a copy of the sources' data (not the
    derivations: the build derives), and a source list that adds them; returns the list."""
    from tid.graph.sources import sha256_of, write_pinned_source_list
    from tid.graph.store import DataDir

    release = DataDir(source_dir).current_release()
    manifest = json.loads((release / "build.json").read_text(encoding="utf-8"))
    base = manifest["base"]
    target = work / "mirror"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for entry in mirror.iterdir():
        (target / entry.name).symlink_to(entry.resolve(), target_is_directory=entry.is_dir())
    (target / "synthetique").mkdir()
    store = Store.read_only(str(release / "store"))
    graphs = copied_graphs(manifest, base, derivations=False)
    sources = write_pinned_source_list(work / "sources.toml", mirror)
    entries = []
    for number in range(1, copies + 1):
        path = target / "synthetique" / f"copie-{number}.ttl"
        serialize((q.triple for q in copy_quads(store, graphs, base, number, lambda g: g)), output=str(path),
                  format=RdfFormat.TURTLE)
        entries.append(f'''
[[source]]
id = "synthetique-{number}"
title = "Copie synthétique {number} des données (banc d'essai de montée en charge)"
publisher = "bench/bench_scale.py"
loader = "curated_turtle"
fetch = "mirror"
mirror = "synthetique/copie-{number}.ttl"
sha256 = "{sha256_of(path)}"
media_type = "text/turtle"
licence = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
''')
    with sources.open("a", encoding="utf-8") as handle:
        handle.write("".join(entries))
    return sources


def timed_build(data_dir: Path, mirror: Path, sources: Path) -> float:
    from tid.graph.build import BuildOptions, build
    from tid.graph.store import DataDir

    shutil.rmtree(data_dir, ignore_errors=True)
    started = time.perf_counter()
    build(BuildOptions(data_dir=DataDir(data_dir), mirror=mirror, source_list=sources))
    return time.perf_counter() - started


# -- the measures -------------------------------------------------------------------------------

def measure(run: Callable[[], object], runs: int, seconds: float) -> dict[str, float]:
    run()  # warm
    walls, cpus = [], []
    deadline = time.perf_counter() + seconds
    while len(walls) < runs and (len(walls) < 3 or time.perf_counter() < deadline):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"p50": statistics.median(walls) * 1000, "cpu": statistics.median(cpus) * 1000, "runs": len(walls)}


def measure_scale(data_dir: Path, runs: int, seconds: float) -> dict[str, dict[str, float]]:
    from tid.endpoint import create_app
    from tid.endpoint.query_form import examples
    from tid.graph.queries import list_queries
    from tid.graph.store import DataDir, open_read_only

    store = open_read_only(DataDir(data_dir))
    manifest = DataDir(data_dir).current_manifest() or {}
    base = manifest.get("base") or "https://w3id.org/territoires-industrie/"
    figures: dict[str, dict[str, float]] = {}
    for query in list_queries():
        bound = query.substitutions(examples(query))

        def run(text: str = query.text, substitutions=bound) -> int:
            return sum(1 for _ in store.query(text, substitutions=substitutions))

        figures[query.name] = measure(run, runs, seconds) | {"rows": run()}
    territory = NamedNode(base + "id/" + TERRITORY)
    figures["lookup (territory)"] = measure(
        lambda: sum(1 for _ in store.query(LOOKUP, substitutions={Variable("t"): territory})), runs, seconds)
    app = create_app({"DATA_DIR": str(data_dir), "MAX_CONCURRENT_QUERIES": 2, "QUERY_TIMEOUT": 60,
                      "RESOURCE_CACHE_SIZE": 0, "RESULT_CACHE_MB": 0})
    client = app.test_client()

    def page() -> int:
        response = client.get(f"/doc/{TERRITORY}", headers={"Accept": "text/html"})
        assert response.status_code == 200, response.status_code
        return len(response.data)

    figures["territory page (HTML)"] = measure(page, runs, seconds)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data-dir", required=True, help="a data directory with a built graph (read only)")
    parser.add_argument("--copies", type=int, default=9, help="synthetic copies added (default 9: 10×)")
    parser.add_argument("--runs", type=int, default=20, help="runs per cell (default 20)")
    parser.add_argument("--cell-seconds", type=float, default=30.0,
                        help="stop a cell after this long, at 3 runs at least (default 30)")
    parser.add_argument("--work", help="where the larger graph is made (default: a temporary directory)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the larger graph already made in --work (by an earlier run) instead of making it")
    parser.add_argument("--build", action="store_true", help="also time the build at 1× and at the larger scale")
    parser.add_argument("--mirror", help="the mirror to build from (with --build)")
    args = parser.parse_args(argv)
    if args.build and not args.mirror:
        parser.error("--build needs --mirror")
    scale = args.copies + 1
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="tid-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.reuse and (work / f"x{scale}" / "current").exists():
            larger, made = work / f"x{scale}", 0.0
        else:
            larger, made = scaled_release(Path(args.data_dir), work, args.copies)
        manifest = json.loads((Path(args.data_dir) / "current" / "build.json").read_text(encoding="utf-8"))
        bigger = json.loads((larger / "current" / "build.json").read_text(encoding="utf-8"))
        print(f"1×: {manifest['counts']['quads']:,} quads; {scale}×: {bigger['counts']['quads']:,} quads "
              f"(made in {made:.0f} s); p50 of {args.runs} runs in process, warm (fewer past "
              f"{args.cell_seconds:.0f} s a cell)")
        small = measure_scale(Path(args.data_dir), args.runs, args.cell_seconds)
        large = measure_scale(larger, args.runs, args.cell_seconds)
        print(f"{'cell':34} {'1× ms':>9} {'cpu':>9} {f'{scale}× ms':>10} {'cpu':>9} {'ratio':>7} {'rows':>13}")
        for name, one in small.items():
            many = large[name]
            ratio = many["p50"] / one["p50"] if one["p50"] else float("inf")
            rows = f"{one.get('rows', '')}→{many.get('rows', '')}" if "rows" in one else ""
            flag = "  over 15×" if ratio > 15 else ""
            print(f"{name:34} {one['p50']:9.1f} {one['cpu']:9.1f} {many['p50']:10.1f} {many['cpu']:9.1f} "
                  f"{ratio:6.1f}× {rows:>13}{flag}")
        if args.build:
            mirror = Path(args.mirror)
            from tid.graph.sources import write_pinned_source_list

            one = timed_build(work / "build-x1", mirror, write_pinned_source_list(work / "sources-x1.toml", mirror))
            sources = synthetic_mirror(Path(args.data_dir), mirror, work, args.copies)
            many = timed_build(work / f"build-x{scale}", work / "mirror", sources)
            print(f"build: 1× {one:.0f} s, {scale}× {many:.0f} s, ratio {many / one:.1f}× (goal within 12×)")
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
