"""``tid validate``: the built graph, files (a contribution, joined to the graph it will join, or
alone with ``--closed``), or a served catalogue (``--catalog-url``), against the project's shapes
and SEMIC's DCAT-AP shapes; the report in text, Turtle, JSON, JUnit or GitHub annotations. The
options are declared in :mod:`tid.cli`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from pyoxigraph import NamedNode, Store
from rich.console import Console

from tid.environment import data_dir_path, mirror_path
from tid.errors import ConfigError
from tid.graph.sources import SOURCE_LIST
from tid.graph.store import DataDir, open_read_only
from tid.namespaces import DEFAULT_BASE, RDFS, Minter


def run(args: argparse.Namespace, console: Console) -> int:
    """``tid validate``: see its help in :mod:`tid.cli`."""
    import rdflib

    from tid.errors import SourceError
    from tid.graph import validate
    from tid.graph.contribution import join, reference_graph, release_graph, validate_contribution
    from tid.graph.inputs import load_files
    from tid.graph.report import RenderContext, ShapeResult, ShapeTexts, render
    from tid.graph.shapes import load_shapes, profile_files

    started = time.perf_counter()
    status = Console(stderr=True, highlight=False, quiet=args.quiet)

    def say(what: str) -> None:  # progress on standard error: the report stays alone on standard output
        status.print(f"tid validate: {what} ({time.perf_counter() - started:.1f} s)", markup=False, soft_wrap=True)

    if args.catalog_url:
        if args.files:
            raise ConfigError("give files to validate or --catalog-url, not both")
        args.profile = "dcat-ap"  # a served catalogue is checked against DCAT-AP only
    data_dir, mirror = DataDir(data_dir_path(args.data_dir)), mirror_path(args.mirror)
    source_list = Path(args.sources) if args.sources else SOURCE_LIST
    core_files, dcat_files = profile_files(args.profile, mirror)
    from tid.graph.build import check_base

    base = args.base or os.environ.get("TID_BASE") or DEFAULT_BASE
    check_base(base)  # a usage error (2) that names the option, not Minter's ValueError
    minter = Minter(base)
    reject_results: list[ShapeResult] = []
    heading: list[str] = []
    contribution = joined = None
    if args.files:
        try:
            contribution = load_files([Path(f) for f in args.files], args.source, minter, mirror, data_dir.downloads,
                                      args.only_source_csv, source_list)
        except SourceError as exc:
            if args.format == "github":  # the parse error as an annotation too, then the error and exit 2
                where = [f"file={_gh_property(exc.location.file)}"] + ([f"line={exc.location.row}"] if exc.location.row else [])
                sys.stdout.write(f"::error {','.join(where)},title=tid validate::{_gh_message(exc.message)}\n")
            raise
        for skipped in contribution.skipped:
            say(f"{skipped}: skipped, its header is not that of a source CSV (--only-source-csv)")
        if len(contribution.skipped) == len(args.files):
            return 0
        for report in contribution.reports:
            for reject in report.rejects:
                where = f"{reject.location.file}#row={reject.location.row}"
                reject_results.append(ShapeResult(f"<file://{where}>", None, f'"{reject.location.column or ""}"',
                                                  "Violation", "<urn:tid:loader>", "LoaderRejection", (reject.message,)))
        store = contribution.store
        if args.closed:
            heading.append("validated alone (--closed): references to what the file does not describe fail")
        else:
            joined = release_graph(data_dir)
            if joined is None:
                joined = reference_graph(data_dir, mirror, minter, say, source_list)
            heading.append(f"validated in the graph it joins: {joined.description}")
    elif args.catalog_url:
        store = Store()  # nothing of a release is read: the catalogue comes from the server
        heading.append(f"validated: the catalogue served at {args.catalog_url}, each page as a harvester reads it")
    else:
        store = open_read_only(data_dir)
        release = data_dir.current_release()
        heading.append(f"validated: the whole graph of release {release.name if release else '?'}")

    results: list[ShapeResult] = list(reject_results)
    texts = ShapeTexts()
    try:
        if core_files:
            shapes = load_shapes(core_files)
            texts = shapes.texts
            if joined is not None:
                assert contribution is not None
                say(f"{len(contribution.triples())} triple(s) read; joining {joined.description}")
                join(joined, contribution, minter)
                say(f"{len(joined.derived)} triple(s) derived by the build's derivations; validating")
                found = validate_contribution(joined, shapes)
                results += found.results
                heading.append(f"{len(joined.derived)} triple(s) derived by the build's derivations "
                               f"(queries/derive-*.rq); {found.nodes} node(s) checked")
                store = joined.union or store
            elif args.files:
                results += validate.validate_store(store, shapes).results
            else:
                say(f"validating the whole graph: {len(core_files)} shape files, {len(shapes.sparql)} SPARQL constraints")
                outcome = validate.validate_store(store, shapes, ignore=frozenset({minter.graph("validation").value}),
                                                  progress=say)
                results += outcome.results
        if dcat_files:
            if args.catalog_url:
                from tid.graph.validate.served_catalogue import served_pages

                pages = served_pages(args.catalog_url)
            else:
                catalogue = (data_dir.current_release() / "dumps" / "catalog.ttl"
                             if not args.files and data_dir.current_release() else None)
                pages = iter([("the catalogue", rdflib.Graph().parse(catalogue, format="turtle")
                               if catalogue and catalogue.is_file() else store)])
            for where, dcat_data in pages:
                say(f"DCAT-AP shapes (pySHACL): {where}")
                dcat_results, dcat_texts = validate.validate_dcat(dcat_data, dcat_files, mirror)
                results += [r for r in dcat_results if r not in results]
                texts.messages.update(dcat_texts.messages)
                texts.names.update(dcat_texts.names)
                texts.all_shapes += dcat_texts.all_shapes

        levels = {"violation": ("Violation",), "warning": ("Violation", "Warning"), "info": ("Violation", "Warning", "Info")}
        conforms = not any(r.severity in levels[args.fail_on] for r in results)

        def label(term: str) -> str | None:
            if not term.startswith("<"):
                return None
            for source in (contribution.store if contribution else None, store):
                if source is None:
                    continue
                for quad in source.quads_for_pattern(NamedNode(term[1:-1]), RDFS.label, None, None):
                    return quad.object.value
            return None

        def locate(result: ShapeResult) -> tuple[str, int | None] | None:
            if result.focus.startswith("<file://"):
                file, _, row = result.focus[8:-1].partition("#row=")
                return file, int(row) if row.isdigit() else None
            return contribution.locate(result.focus, result.path, result.value) if contribution else None

        output = render(args.format, results, RenderContext(texts, args.lang, label, locate, levels[args.fail_on], heading),
                        conforms)
        labels_done = time.perf_counter() - started
    finally:
        if joined is not None:
            joined.close()
    if args.output:
        Path(args.output).write_text(output, encoding="utf-8")
    else:
        sys.stdout.write(output)
    say(f"done: {len(results)} result(s) in {labels_done:.1f} s")
    return 0 if conforms else 1


def _gh_property(text: str) -> str:
    return _gh_message(text).replace(":", "%3A").replace(",", "%2C")


def _gh_message(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
