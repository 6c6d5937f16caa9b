# PYTHON_ARGCOMPLETE_OK (argcomplete: this module completes its own command line)
"""``tid``: the command line. Library code raises typed errors; this module turns them into
one line on stderr each (``tid CMD: error: …``, the traceback too with ``--debug``) and exit codes
(0 success, 1 bad data or rejected rows, 2 usage or runtime, 130 interrupted).

``tid build`` and ``tid validate`` import their modules inside their functions: the other
commands start without the loaders, the validation engines and rdflib (a few tenths of a second).
"""

from __future__ import annotations

import argparse
import csv
import errno
import json
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from pyoxigraph import Literal, NamedNode
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from tid import __version__
from tid.endpoint.serve import add_parser as add_serve_parser
from tid.environment import DEFAULT_DATA_DIR, data_dir_path, mirror_path
from tid.errors import TidError
from tid.graph.catalog.names import CONTACT_EMAIL
from tid.graph.push import add_parser as add_push_parser
from tid.graph.queries import list_queries, load_query
from tid.graph.sources import SOURCE_LIST, fetch, read_source_list
from tid.graph.store import DataDir, open_read_only
from tid.namespaces import DEFAULT_BASE
from tid.tables import Cell, Shortener, print_columns, print_table


def _data_dir(args: argparse.Namespace) -> DataDir:
    return DataDir(data_dir_path(args.data_dir))


def _mirror(args: argparse.Namespace) -> Path | None:
    return mirror_path(args.mirror)


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
        TimeElapsedColumn(), console=console, transient=True, disable=args.quiet or not console.is_terminal,
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
    """The named graphs (each named ``{source}/{version}``) and the instances per class, within the
    terminal's width (:func:`tid.tables.print_columns`)."""
    shortener = Shortener(manifest.get("base") or DEFAULT_BASE)
    numbers = ("rows read", "skipped", "rejected", "triples")
    rows = []
    for source in manifest["sources"]:
        graph = source["graph"].rsplit("/graph/", 1)[-1]
        if not graph.startswith(source["id"] + "/"):  # a graph not named after its source: say both
            graph = f"{graph} ({source['id']})"
        rows.append([Cell(graph, iri=True), *(Cell(str(source[key])) for key in
                                               ("rows_read", "rows_skipped", "rows_rejected", "triples"))])
    for graph, count in manifest["counts"]["graphs"].items():
        if not any(s["graph"] == graph for s in manifest["sources"]):
            rows.append([Cell(graph.rsplit("/graph/", 1)[-1], iri=True), *(Cell("") for _ in range(3)),
                         Cell(str(count))])
    console.print(Text("Named graphs", style="bold"))
    print_columns(console, ["graph", *numbers], rows)
    console.print()
    console.print(Text("Instances per class", style="bold"))
    classes = manifest["counts"]["classes"].items()
    print_columns(console, ["class", "instances"], [[shortener.cell(NamedNode(c)), Cell(str(n))] for c, n in classes])
    validation = manifest.get("validation")
    if validation:
        results = ", ".join(f"{count} {severity}" for severity, count in validation["by_severity"].items())
        console.print(f"SHACL ({', '.join(validation['shapes'])}): {results or 'conforms'}.")
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
        # A name is to be copied: whole, on one line; the titles and parameters wrap between words,
        # never cut with "…".
        table = Table(title="Named queries (tid query NAME --param k=v)", expand=True, box=box.SIMPLE_HEAD,
                      show_edge=False, pad_edge=False)
        table.add_column("name", no_wrap=True, min_width=max(len(row[0]) for row in rows))
        table.add_column("title (fr)", ratio=3, overflow="fold")
        table.add_column("parameters", ratio=2, min_width=len("parameters"), overflow="fold")
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
    terms = [[solution[v] for v in variables] for solution in solutions]
    if args.format == "table":
        manifest = _data_dir(args).current_manifest() or {}
        print_table(console, variables, terms, base=manifest.get("base") or DEFAULT_BASE)
    else:
        write_rows(args.format, variables, [[_plain(term) for term in row] for row in terms], console)
    return 0


def _plain(term: object) -> str:
    return "" if term is None else getattr(term, "value", str(term))


def write_rows(fmt: str, variables: list[str], rows: list[list[str]], console: Console) -> None:
    """Rows of text for programs: CSV or JSON, every cell whole (``table``: see :mod:`tid.tables`)."""
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(variables)
        writer.writerows(rows)
    elif fmt == "json":
        json.dump([dict(zip(variables, row, strict=True)) for row in rows], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print_table(console, variables, [[Literal(cell) for cell in row] for row in rows])


# -- validate ------------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace, console: Console) -> int:
    from tid.graph.validate.command import run  # the validation's modules, for this command only

    return run(args, console)


# -- main ----------------------------------------------------------------------------------

EXIT_CODES = """\
exit codes:
  0    success
  1    bad data: rejected rows, a checksum that differs, a graph that does not conform
  2    usage or runtime error: a bad option, a file that cannot be read, no built graph,
       no network, a port in use...; the message says what to do
  130  interrupted (Ctrl-C)

Errors are one line on standard error; --debug adds the traceback."""

COMMAND_HELP: dict[str, tuple[str, str]] = {
    "fetch": ("""\
Put each source file of the source list (sources.toml) in the data directory's
cache: copied from a mirror when one is given, downloaded otherwise; each file's
SHA-256 is checked against the one pinned in the list. `tid build` fetches what
is missing itself: run `tid fetch` to work offline afterwards.""", """\
examples:
  tid fetch --mirror ~/tid-mirror         # copy from a local mirror, no network
  tid fetch --data-dir var                # download what the cache lacks
  tid fetch --sources my-sources.toml     # another source list"""),
    "build": ("""\
Run each source's loader into its own named graph, add the ontology, the
derivations and the provenance, validate everything with the SHACL shapes, write
the store and the dumps into a new release, and make it the live one in one
atomic step. A failed or interrupted build leaves the live release as it was; a
build whose inputs have not changed does nothing.""", """\
examples:
  tid build --mirror ~/tid-mirror --data-dir var
  tid build --quiet --force               # rebuild everything, no progress nor tables
  tid build --contact-email open-data@example.org --base https://example.org/ti/
  TID_MIRROR=~/tid-mirror tid build --no-dumps"""),
    "validate": ("""\
Validate the live release, or RDF and CSV files, against the project's SHACL
shapes (and the DCAT-AP 3 shapes with --profile dcat-ap or all). Messages are in
French or English (--lang); the report is text for people, or Turtle, JSON,
JUnit or GitHub annotations for CI.""", """\
examples:
  tid validate                            # the built graph, in full
  tid validate data.ttl --lang en         # an RDF file
  tid validate territoires.csv            # a source's CSV (its source is guessed)
  tid validate --profile dcat-ap          # the catalogue against DCAT-AP 3
  tid validate *.ttl --format junit -o report.xml"""),
    "query": ("""\
Run one of the named questions of queries/ on the live release and print the
answer: a table for people (IRIs shortened, long cells cut to fit the terminal),
or CSV or JSON for programs (every cell whole). Parameters are bound as RDF terms,
never pasted into the query.""", """\
examples:
  tid query --list                        # the named questions and their parameters
  tid query territoires-par-phase
  tid query territoire-d-une-commune -p insee=64430 -p date=2021-06-01
  tid query communes-d-un-territoire --format csv \\
      -p territoire=https://w3id.org/territoires-industrie/id/territoire/2023-2027/ti-1107"""),
}

INTERRUPTED = {
    "build": "interrupted; the live release is untouched: run `tid build` again",
    "fetch": "interrupted; the files already checked stay in the cache: run `tid fetch` again",
    "push": "interrupted; the server may hold a part of the release: run `tid push` again (it replaces each graph)",
}


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error said in one line that points to the command's help."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see `{self.prog} --help`\n")


def parser() -> argparse.ArgumentParser:
    top = Parser(prog="tid", description="Territoires d'industrie knowledge graph: build it from the official open\n"
                 "data, validate it, query it, serve it as a SPARQL endpoint, push it to a SPARQL server.",
                 epilog="examples:\n  tid build --mirror ~/tid-mirror && tid serve\n  tid query --list\n"
                        "  tid COMMAND --help\n\n" + EXIT_CODES,
                 formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--version", action="version", version=f"tid {__version__}")
    top.add_argument("--debug", action="store_true", help="on an error, show the traceback too")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

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
    p.add_argument("--catalog-url", metavar="URL",
                   help="validate the DCAT-AP catalogue a server serves at URL (this project's /catalog or any "
                        "other), page by page along hydra:next, instead of a release's file (implies --profile dcat-ap)")
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
    p.add_argument("name", nargs="?", help="query name (see --list)").completer = _query_names
    p.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                   help="bind a parameter").completer = _query_parameters
    p.add_argument("--format", "-f", choices=("table", "csv", "json"), default="table",
                   help="table: for people, cut to the terminal's width (COLUMNS); csv, json: every cell whole")
    p.add_argument("--list", action="store_true", help="list the named queries")
    p.set_defaults(run=cmd_query)


    add_serve_parser(sub)


    add_push_parser(sub)

    for name, command in sub.choices.items():
        description, epilog = COMMAND_HELP.get(name, (None, None))
        command.description = command.description or description
        command.epilog = command.epilog or epilog
        command.formatter_class = argparse.RawDescriptionHelpFormatter  # descriptions and examples as written
        # `tid query --debug` as well as `tid --debug query`; SUPPRESS keeps the latter's value
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="on an error, show the traceback too")
    return top


def _query_names(**_: object) -> list[str]:
    return [query.name for query in list_queries()]


def _query_parameters(parsed_args: argparse.Namespace, **_: object) -> list[str]:
    try:
        return [f"{parameter.name}=" for parameter in load_query(parsed_args.name).parameters]
    except (TidError, TypeError):  # no query named yet, or an unknown one
        return []


def complete(top: argparse.ArgumentParser) -> None:
    """Answer the shell's completion request, if this run is one (``eval "$(register-python-argcomplete
    tid)"`` in bash or zsh): the commands, their options, the query names, a query's parameters.
    argcomplete is imported only then, so that other runs do not pay for it."""
    if "_ARGCOMPLETE" in os.environ:
        import argcomplete

        argcomplete.autocomplete(top)  # prints the completions and exits


def main(argv: Sequence[str] | None = None) -> int:
    top = parser()
    if argv is None:
        complete(top)
    try:
        args = top.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error, said already in one line
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    console = Console(stderr=False, highlight=False)
    errors = Console(stderr=True, highlight=False)

    def fail(code: int, message: str) -> int:
        """``tid CMD: error: …`` on stderr, the traceback before it with ``--debug``. One line, but for
        the reports the project writes on purpose (the rejected rows of a build, one a line)."""
        if args.debug:
            traceback.print_exc(file=sys.stderr)
        errors.print(f"tid {args.command}: error: {message}", markup=False, soft_wrap=True)
        return code

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
    except KeyboardInterrupt:
        return fail(130, INTERRUPTED.get(args.command, "interrupted"))
    except TidError as exc:
        return fail(exc.exit_code, str(exc))
    except OSError as exc:  # a path given that cannot be read or written, a full disk...
        return fail(2, one_line(os_error(exc)))
    except Exception as exc:  # noqa: BLE001 - a bug: said in one line too, its traceback with --debug
        return fail(2, one_line(f"unexpected {type(exc).__name__}: {exc}. This is a bug: run the command again "
                                "with --debug and report the traceback"))


def one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


OS_HINTS = {
    errno.ENOENT: "check the path",
    errno.ENOTDIR: "a part of the path is a file, not a directory",
    errno.EISDIR: "give a file, not a directory",
    errno.EACCES: "check its permissions",
    errno.EPERM: "check its permissions",
    errno.EROFS: "choose a writable place (--data-dir)",
    errno.ENOSPC: "free some space, or choose another place (--data-dir)",
    errno.EDQUOT: "free some space, or choose another place (--data-dir)",
}


def os_error(exc: OSError) -> str:
    """``/path: no such file or directory; check the path``: the system's words and what to do."""
    reason = (exc.strerror or str(exc)).rstrip(".")
    if reason[1:2].islower():  # "No such file" -> "no such file"; "IO error" stays
        reason = reason[:1].lower() + reason[1:]
    hint = OS_HINTS.get(exc.errno, "check the path and its permissions")
    if exc.filename is None:
        return f"{reason}; {hint}"
    where = str(exc.filename) + (f" -> {exc.filename2}" if exc.filename2 else "")
    return f"{where}: {reason}; {hint}"


if __name__ == "__main__":
    sys.exit(main())
