"""``tid``: the command line. Library code raises typed errors; this module turns them into
messages on stderr and exit codes (0 success, 1 bad data or rejected rows, 2 usage or runtime).

``tid build`` and ``tid validate`` import their modules inside their functions: the other
commands start without the loaders, the validation engines and rdflib (a few tenths of a second).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pyoxigraph import NamedNode
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tid import __version__
from tid.endpoint.serve import add_parser as add_serve_parser
from tid.environment import DEFAULT_DATA_DIR, data_dir_path
from tid.errors import TidError
from tid.graph.catalog.names import CONTACT_EMAIL
from tid.graph.push import add_parser as add_push_parser
from tid.graph.queries import list_queries, load_query
from tid.graph.sources import SOURCE_LIST, fetch, read_source_list
from tid.graph.store import DataDir, open_read_only
from tid.namespaces import DEFAULT_BASE, RDFS, Minter


def _data_dir(args: argparse.Namespace) -> DataDir:
    return DataDir(data_dir_path(args.data_dir))


def _mirror(args: argparse.Namespace) -> Path | None:
    value = args.mirror or os.environ.get("TID_MIRROR")
    if not value:
        return None
    path = Path(value).resolve()
    if not path.is_dir():
        raise TidError(f"--mirror / TID_MIRROR: {value!r} is not a directory")
    return path


# -- build ---------------------------------------------------------------------------------


def cmd_build(args: argparse.Namespace, console: Console) -> int:
    from tid.graph.build import BuildOptions, build

    options = BuildOptions(
        data_dir=_data_dir(args),
        mirror=_mirror(args),
        base=args.base or os.environ.get("TID_BASE") or DEFAULT_BASE,
        validate=not args.no_validate,
        dumps=not args.no_dumps,
        force=args.force,
        **({"source_list": Path(args.sources)} if args.sources else {}),
        **({"contact_email": email} if (email := args.contact_email or os.environ.get("TID_CONTACT_EMAIL")) else {}),
    )
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description:<40}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console, transient=True, disable=args.quiet,
    ) as bars:
        task = bars.add_task("build", total=1)

        def progress(what: str, done: int, total: int) -> None:
            bars.update(task, description=what, completed=done, total=total)

        result = build(options, progress)
    elapsed = time.perf_counter() - started
    manifest = result.manifest
    if result.unchanged:
        console.print(f"Nothing changed since release {result.release}: the live store is kept ({elapsed:.1f} s).")
    else:
        reloaded = ", ".join(result.reloaded) or "none (all from cache)"
        console.print(f"Release {result.release} built and published in {elapsed:.1f} s. Sources reloaded: {reloaded}.")
    if not args.quiet:
        print_build_tables(console, manifest)
    if options.contact_email == CONTACT_EMAIL:  # said even with --quiet: a published catalogue would carry it
        console.print(f"[bold red]Warning:[/] the catalogue's contact point is the placeholder {CONTACT_EMAIL}, which "
                      "reaches nobody: give --contact-email (or TID_CONTACT_EMAIL) before the catalogue is harvested.",
                      highlight=False)
    return 0


def print_build_tables(console: Console, manifest: dict) -> None:
    graphs = Table(title="Named graphs", show_lines=False)
    for column in ("source", "graph", "rows read", "skipped", "rejected", "triples"):
        graphs.add_column(column, justify="right" if column in ("rows read", "skipped", "rejected", "triples") else "left")
    for source in manifest["sources"]:
        graphs.add_row(
            source["id"], source["graph"].rsplit("/graph/", 1)[-1], str(source["rows_read"]),
            str(source["rows_skipped"]), str(source["rows_rejected"]), str(source["triples"]),
        )
    for graph, count in manifest["counts"]["graphs"].items():
        if not any(s["graph"] == graph for s in manifest["sources"]):
            graphs.add_row("—", graph.rsplit("/graph/", 1)[-1], "", "", "", str(count))
    console.print(graphs)
    classes = Table(title="Instances per class")
    classes.add_column("class")
    classes.add_column("instances", justify="right")
    for cls, count in manifest["counts"]["classes"].items():
        classes.add_row(cls, str(count))
    console.print(classes)
    validation = manifest.get("validation")
    if validation:
        console.print(f"SHACL ({', '.join(validation['shapes'])}): {validation['by_severity'] or 'conforms'}")
    console.print(f"{manifest['counts']['quads']} quads in the store.")


# -- fetch ---------------------------------------------------------------------------------


def cmd_fetch(args: argparse.Namespace, console: Console) -> int:

    data_dir, mirror = _data_dir(args), _mirror(args)
    for spec in read_source_list(Path(args.sources) if args.sources else SOURCE_LIST):
        if spec.fetch == "project":
            continue
        path = fetch(spec, mirror, data_dir.downloads)
        console.print(f"{spec.id}: {path}")
    return 0


# -- query ---------------------------------------------------------------------------------


def cmd_query(args: argparse.Namespace, console: Console) -> int:

    if args.list or not args.name:
        columns = ["name", "title_fr", "title_en", "parameters"]
        rows = [[query.name, query.fr, query.en, ", ".join(f"{p.name} ({p.type})" for p in query.parameters)]
                for query in list_queries()]
        if args.format != "table":  # for programs: every column, never cut
            write_rows(args.format, columns, rows, console)
            return 0
        table = Table(title="Named queries (tid query NAME --param k=v)", expand=True)
        for column, ratio in (("name", 2), ("title (fr)", 4), ("parameters", 2)):
            table.add_column(column, ratio=ratio, overflow="fold")  # folded, never cut with "…"
        for name, title_fr, _title_en, parameters in rows:
            table.add_row(name, title_fr, parameters)
        console.print(table)
        return 0
    params = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            raise TidError(f"--param {item!r}: expected NAME=VALUE")
        params[key] = value
    query = load_query(args.name)
    substitutions = query.substitutions(params)
    store = open_read_only(_data_dir(args))
    solutions = store.query(query.text, substitutions=substitutions)
    variables = [v.value for v in solutions.variables]
    rows = [[_plain(solution[v]) for v in variables] for solution in solutions]
    write_rows(args.format, variables, rows, console)
    return 0


def _plain(term: object) -> str:
    return "" if term is None else getattr(term, "value", str(term))


def write_rows(fmt: str, variables: list[str], rows: list[list[str]], console: Console) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(variables)
        writer.writerows(rows)
    elif fmt == "json":
        json.dump([dict(zip(variables, row, strict=True)) for row in rows], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        table = Table(*variables)
        for row in rows:
            table.add_row(*row)
        console.print(table)
        console.print(f"{len(rows)} row(s)")


# -- validate ------------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace, console: Console) -> int:
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

    data_dir, mirror = _data_dir(args), _mirror(args)
    source_list = Path(args.sources) if args.sources else SOURCE_LIST
    core_files, dcat_files = profile_files(args.profile, mirror)
    minter = Minter(args.base or os.environ.get("TID_BASE") or DEFAULT_BASE)
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
            catalogue = data_dir.current_release() / "dumps" / "catalog.ttl" if not args.files and data_dir.current_release() else None
            dcat_data = rdflib.Graph().parse(catalogue, format="turtle") if catalogue and catalogue.is_file() else store
            say("DCAT-AP shapes (pySHACL)")
            dcat_results, dcat_texts = validate.validate_dcat(dcat_data, dcat_files, mirror)
            results += dcat_results
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


# -- main ----------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="tid", description="Territoires d'industrie knowledge graph.")
    top.add_argument("--version", action="version", version=f"tid {__version__}")
    sub = top.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", help="where the cache, releases and live store live "
                       f"(TID_DATA_DIR; default ./{DEFAULT_DATA_DIR})")

    p = sub.add_parser("fetch", help="download the sources (or copy them from a mirror) and check their checksums")
    common(p)
    p.add_argument("--mirror", help="a directory laid out like shared/data (TID_MIRROR)")
    p.add_argument("--sources", help="another source list than the packaged sources.toml")
    p.set_defaults(run=cmd_fetch)

    p = sub.add_parser("build", help="build the graph from the sources, validate it, publish it atomically")
    common(p)
    p.add_argument("--mirror", help="a directory laid out like shared/data (TID_MIRROR)")
    p.add_argument("--base", help=f"IRI base of the things minted (TID_BASE; default {DEFAULT_BASE})")
    p.add_argument("--force", action="store_true", help="rebuild even when no input changed")
    p.add_argument("--sources", help="another source list than the packaged sources.toml")
    p.add_argument("--no-validate", action="store_true", help="skip SHACL validation (not for publishing)")
    p.add_argument("--no-dumps", action="store_true", help="do not write the bulk dumps")
    p.add_argument("--contact-email", help="the catalogue's contact address, the publisher's (TID_CONTACT_EMAIL; "
                   "default: a placeholder that reaches nobody)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bars nor tables")
    p.set_defaults(run=cmd_build)

    p = sub.add_parser("validate", help="validate the built graph, or RDF/CSV files, against the SHACL shapes")
    common(p)
    p.add_argument("files", nargs="*", help="files to validate (.ttl .trig .nt .nq .jsonld .rdf, or a source's .csv); "
                   "none: the built graph")
    p.add_argument("--source", help="the source a CSV belongs to (default: the one whose columns match)")
    p.add_argument("--profile", choices=("core", "dcat-ap", "all"), default="core",
                   help="core: this project's shapes; dcat-ap: the SEMIC DCAT-AP 3.0.1 shapes; all: both")
    p.add_argument("--fail-on", choices=("violation", "warning", "info"), default="violation",
                   help="the lowest severity that makes the exit code 1")
    p.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of the messages")
    p.add_argument("--format", "-f", choices=("text", "turtle", "json", "junit", "github"), default="text")
    p.add_argument("--output", "-o", help="write the report to this file instead of standard output")
    p.add_argument("--mirror", help="a directory laid out like shared/data (TID_MIRROR): references and DCAT-AP shapes")
    p.add_argument("--base", help=f"IRI base (TID_BASE; default {DEFAULT_BASE})")
    p.add_argument("--closed", action="store_true",
                   help="validate the files alone, not in the graph they join (the built release, or the mirror's "
                   "reference files): a reference to what the files do not describe then fails")
    p.add_argument("--sources", help="another source list than the packaged sources.toml (the CSV sources, and the "
                   "reference files read when no release is built)")
    p.add_argument("--only-source-csv", action="store_true",
                   help="skip a CSV whose header is not that of one of the project's source CSVs (for a hook given "
                   "every CSV of a repository); without it, such a CSV is an error")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on standard error")
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser("query", help="run a named query of queries/ on the built graph")
    common(p)
    p.add_argument("name", nargs="?", help="query name (see --list)")
    p.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE", help="bind a parameter")
    p.add_argument("--format", "-f", choices=("table", "csv", "json"), default="table")
    p.add_argument("--list", action="store_true", help="list the named queries")
    p.set_defaults(run=cmd_query)


    add_serve_parser(sub)


    add_push_parser(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    console = Console(stderr=False, highlight=False)
    errors = Console(stderr=True, highlight=False)
    try:
        code = args.run(args, console)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at the interpreter's exit
        return code
    except BrokenPipeError:
        # the reader went away (`tid query … | head`): nothing more to say, and no traceback; stdout
        # goes to /dev/null so that the interpreter's final flush does not fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except TidError as exc:
        errors.print(f"tid {args.command}: error: {exc}", markup=False, soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        errors.print("interrupted; the live store is untouched")
        return 130


if __name__ == "__main__":
    sys.exit(main())
