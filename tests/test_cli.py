"""The command line as a person meets it: each command's help, errors said in one line with the
documented exit code and no traceback (unless ``--debug``), and tables that fit the terminal."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode
from rich.console import Console

from tests.helpers import REPO
from tid.cli import main, parser
from tid.graph.store import DataDir
from tid.tables import print_table

TERRITOIRE = "https://w3id.org/territoires-industrie/id/territoire/2023-2027/ti-1107"
COMMANDS = ("fetch", "build", "validate", "query", "serve", "push")


def error_line(capsys: pytest.CaptureFixture[str], command: str) -> str:
    """The one line the command wrote on stderr, checked: ``tid COMMAND: error: …``, no traceback."""
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{command}: error: "), err
    assert "Traceback" not in err
    return lines[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- help ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_a_description_and_examples(command: str, capsys) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    usage, description = out.split("\n\n")[:2]
    assert usage.startswith(f"usage: tid {command}")
    assert len(description.split()) > 15  # a paragraph, not a repeat of the one-line summary
    assert "\nexamples:\n  tid " in out
    assert max(len(line) for line in out.splitlines()) <= 100  # written for a terminal


def example_lines(text: str) -> list[list[str]]:
    """The command lines of the ``examples:`` of a help text (continued lines joined, comments and
    leading ``VAR=value`` assignments left out)."""
    block = text.split("examples:\n", 1)[1].split("\n\n", 1)[0].replace("\\\n", " ")
    commands = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        while words and re.match(r"^[A-Z_]+=", words[0]):
            words.pop(0)
        if "&&" in words:
            words = words[:words.index("&&")]
        commands.append(words)
    return commands


def test_every_example_is_a_valid_command_line(capsys) -> None:
    """The examples are read by argparse as they are written: no option that does not exist."""
    top = parser()
    subcommands = top._subparsers._group_actions[0].choices  # noqa: SLF001 - argparse has no public way
    texts = [top.format_help()] + [subcommands[name].format_help() for name in COMMANDS]
    checked = 0
    for text in texts:
        for words in example_lines(text):
            assert words[0] == "tid", words
            if words[1:] == ["COMMAND", "--help"]:
                continue
            parser().parse_args(words[1:])  # a usage error would raise SystemExit
            checked += 1
    assert checked >= 20
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("line", "completions"), [
    ("tid qu", {"query"}),
    ("tid query --fo", {"--format"}),
    ("tid query communes-d", {"communes-d-un-territoire", "communes-des-trois-programmes"}),
    ("tid query communes-d-un-territoire -p ", {"territoire=", "date="}),
    ("tid --de", {"--debug"}),
])
def test_shell_completion(line: str, completions: set[str], tmp_path: Path) -> None:
    """What bash or zsh gets once `eval "$(register-python-argcomplete tid)"` is run: the console
    script, asked as the shell asks (argcomplete's environment variables)."""
    answer = tmp_path / "completions"
    done = subprocess.run([str(Path(sys.executable).with_name("tid"))], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "_ARGCOMPLETE": "1", "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
                               "COMP_LINE": line, "COMP_POINT": str(len(line)), "_ARGCOMPLETE_IFS": "\n"},
                          check=False)
    assert done.returncode == 0, done.stderr
    assert set(answer.read_text(encoding="utf-8").split()) == completions


def test_top_help_lists_the_exit_codes(capsys) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for code in ("0", "1", "2", "130"):
        assert re.search(rf"^  {code} +\S", out, re.MULTILINE), code


# -- usage errors --------------------------------------------------------------------------


@pytest.mark.parametrize(("argv", "command", "says"), [
    (["query", "--format", "xml"], "tid query", "invalid choice: 'xml'"),
    (["serve", "--port", "eighty"], "tid serve", "invalid int value: 'eighty'"),
    (["push"], "tid push", "the following arguments are required: url"),
    (["nosuch"], "tid", "invalid choice: 'nosuch'"),
    ([], "tid", "required: COMMAND"),
])
def test_a_usage_error_is_one_line_pointing_to_the_help(argv, command, says, capsys) -> None:
    assert main(argv) == 2
    line = error_line(capsys, command)
    assert says in line and line.endswith(f"see `{command} --help`")


# -- errors the user can cause ----------------------------------------------------------------


def test_a_missing_source_list(tmp_path: Path, capsys) -> None:
    assert main(["fetch", "--data-dir", str(tmp_path), "--sources", str(tmp_path / "nowhere.toml")]) == 2
    line = error_line(capsys, "tid fetch")
    assert "nowhere.toml: the source list cannot be read" in line and "(--sources)" in line


def test_a_source_list_with_a_syntax_error(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "sources.toml"
    broken.write_text("[[source]]\nid = \n", encoding="utf-8")
    assert main(["build", "--data-dir", str(tmp_path / "var"), "--sources", str(broken)]) == 2
    assert "sources.toml: Invalid value (at line 2, column 6)" in error_line(capsys, "tid build")


def test_a_source_list_that_is_not_text(tmp_path: Path, capsys) -> None:
    binary = tmp_path / "sources.toml"
    binary.write_bytes(b"\xff\xfe\x00binary")
    assert main(["fetch", "--data-dir", str(tmp_path), "--sources", str(binary)]) == 2
    assert "not UTF-8 text" in error_line(capsys, "tid fetch")


def test_a_mirror_that_is_not_a_directory(tmp_path: Path, capsys) -> None:
    assert main(["fetch", "--data-dir", str(tmp_path), "--mirror", str(tmp_path / "nowhere")]) == 2
    assert "is not a directory" in error_line(capsys, "tid fetch")


def test_a_bad_iri_base(tmp_path: Path, capsys) -> None:
    assert main(["build", "--data-dir", str(tmp_path), "--base", "territoires"]) == 2
    assert "give an absolute IRI that ends with '/'" in error_line(capsys, "tid build")
    assert not any(tmp_path.iterdir())  # refused before anything is written


def test_a_bad_iri_base_for_validate(tmp_path: Path, capsys) -> None:
    assert main(["validate", "--data-dir", str(tmp_path), "--base", "territoires"]) == 2
    assert "give an absolute IRI that ends with '/'" in error_line(capsys, "tid validate")


def test_no_built_graph(tmp_path: Path, capsys) -> None:
    assert main(["query", "territoires-par-phase", "--data-dir", str(tmp_path)]) == 2
    assert "run `tid build` first" in error_line(capsys, "tid query")


def test_a_data_dir_that_is_a_file(tmp_path: Path, capsys) -> None:
    afile = tmp_path / "var"
    afile.write_text("", encoding="utf-8")
    for argv, command in ((["query", "territoires-par-phase"], "tid query"), (["build"], "tid build"),
                          (["push", "http://127.0.0.1:9/store"], "tid push"), (["serve"], "tid serve")):
        assert main([*argv, "--data-dir", str(afile)]) == 2
        assert f"{afile} is not a directory" in error_line(capsys, command)


def test_a_damaged_store(tmp_path: Path, capsys) -> None:
    """A live release whose store cannot be opened (gone, or not a store): what to do, not RocksDB's trace."""
    release = tmp_path / "releases" / "r1"
    (release / "store").mkdir(parents=True)
    (release / "build.json").write_text("{}", encoding="utf-8")
    (release / "store" / "CURRENT").write_text("garbage\n", encoding="utf-8")
    (tmp_path / "current").symlink_to(release)
    assert main(["query", "territoires-par-phase", "--data-dir", str(tmp_path)]) == 2
    line = error_line(capsys, "tid query")
    assert "the store of the live release r1 cannot be opened" in line
    assert f"build a new release with `tid build --force --data-dir {tmp_path}`" in line


def test_a_directory_that_cannot_be_written(tmp_path: Path, capsys) -> None:
    """An OSError of the system (here: a data directory under a file) is said in the system's words
    with the path, never as a traceback."""
    afile = tmp_path / "afile"
    afile.write_text("", encoding="utf-8")
    assert main(["fetch", "--data-dir", str(afile / "var"), "--mirror", str(REPO / "tests" / "data" / "mirror")]) == 2
    line = error_line(capsys, "tid fetch")
    assert line.endswith(": not a directory; a part of the path is a file, not a directory") and str(afile) in line


@pytest.mark.parametrize(("argv", "says"), [
    (["nope"], "no query named 'nope'; see `tid query --list`"),
    (["Bad Name"], "is not a query name"),
    (["communes-d-un-territoire"], "needs --param territoire="),
    (["communes-d-un-territoire", "--param", "territoire"], "--param 'territoire': expected NAME=VALUE"),
    (["communes-d-un-territoire", "-p", "territoire=not an iri"], "is not a valid iri"),
    (["communes-d-un-territoire", "-p", f"territoire={TERRITOIRE}", "-p", "date=2021-13-45"], "is not a valid date"),
    (["communes-d-un-territoire", "-p", f"territoire={TERRITOIRE}", "-p", "colour=red"], "has no parameter colour"),
])
def test_a_bad_query_or_parameter(argv, says, cut_data_dir: DataDir, capsys) -> None:
    assert main(["query", *argv, "--data-dir", str(cut_data_dir.root)]) == 2
    assert says in error_line(capsys, "tid query")


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a part",  # cut off mid-answer
    b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nnot a tgz!!",  # not the archive expected
    b"",  # the connection closed without an answer
])
def test_fetch_when_the_download_fails(answer: bytes, tmp_path: Path, monkeypatch, capsys) -> None:
    """A server that answers badly (here one that sends ``answer`` and hangs up): one line naming
    the source and what to do, exit code 2 (a runtime error: the same command may work later), no
    traceback."""
    import threading

    monkeypatch.delenv("TID_MIRROR", raising=False)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()

        def answer_once() -> None:
            connection, _ = server.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(answer)

        threading.Thread(target=answer_once, daemon=True).start()
        sources = tmp_path / "sources.toml"
        sources.write_text(source_list(f"http://127.0.0.1:{server.getsockname()[1]}/x.tgz"), encoding="utf-8")
        code = main(["fetch", "--data-dir", str(tmp_path / "var"), "--sources", str(sources)])
    line = error_line(capsys, "tid fetch")
    assert code == 2
    assert "source 'regions'" in line and "build from a mirror (--mirror or TID_MIRROR)" in line


def test_fetch_without_network(tmp_path: Path, monkeypatch, capsys) -> None:
    """No server at the address (a port nothing holds): exit code 2, like `tid push` without its server."""
    monkeypatch.delenv("TID_MIRROR", raising=False)
    sources = tmp_path / "sources.toml"
    sources.write_text(source_list(f"http://127.0.0.1:{free_port()}/x.tgz"), encoding="utf-8")
    assert main(["fetch", "--data-dir", str(tmp_path / "var"), "--sources", str(sources)]) == 2
    line = error_line(capsys, "tid fetch")
    assert "source 'regions' cannot be downloaded (" in line and "without network, build from a mirror" in line


def test_push_without_a_server(cut_data_dir: DataDir, capsys) -> None:
    url = f"http://127.0.0.1:{free_port()}/store"
    assert main(["push", url, "--data-dir", str(cut_data_dir.root), "--quiet", "--timeout", "5"]) == 2
    line = error_line(capsys, "tid push")
    assert f"cannot reach {url}" in line and "is the server running at that address?" in line


def test_push_to_a_server_that_does_not_answer(cut_data_dir: DataDir, capsys) -> None:
    with socket.socket() as silent:  # takes connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/store"
        assert main(["push", url, "--data-dir", str(cut_data_dir.root), "--quiet", "--timeout", "1"]) == 2
    line = error_line(capsys, "tid push")
    assert f"{url} did not answer within 1 s; a slow server needs a longer --timeout" in line


def test_serve_on_a_port_in_use(cut_data_dir: DataDir, capsys) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert main(["serve", "--data-dir", str(cut_data_dir.root), "--port", str(port)]) == 2
    line = error_line(capsys, "tid serve")
    assert f"cannot listen on 127.0.0.1:{port}" in line and "choose another --port" in line


@pytest.mark.parametrize(("options", "says"), [
    (["--port", "70000"], "a port is a number from 1 to 65535"),
    (["--host", "192.0.2.1"], "cannot listen on 192.0.2.1:8000"),  # TEST-NET-1: no interface of ours
])
def test_serve_on_an_address_that_cannot_be(options, says, cut_data_dir: DataDir, capsys) -> None:
    assert main(["serve", "--data-dir", str(cut_data_dir.root), *options]) == 2
    assert says in error_line(capsys, "tid serve")


def test_an_interrupted_command(monkeypatch, tmp_path: Path, capsys) -> None:
    """Ctrl-C: one line that says what became of the work, exit code 130."""
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("tid.cli.read_source_list", interrupted)
    assert main(["fetch", "--data-dir", str(tmp_path)]) == 130
    assert "interrupted; the files already checked stay in the cache" in error_line(capsys, "tid fetch")


def source_list(url: str) -> str:
    """A source list of one source to download from ``url`` (a member of a tar archive)."""
    return ('[[source]]\nid = "regions"\ntitle = "x"\npublisher = "x"\nloader = "cog_regions"\n'
            f'media_type = "application/json"\nlicence = "https://l"\nmirror = "x.json"\nsha256 = "{"0" * 64}"\n'
            f'url = "{url}"\nmember = "package/data/regions.json"\n')


def test_ctrl_c_in_a_real_process(tmp_path: Path) -> None:
    """SIGINT sent to a real `tid` process that waits on the network: exit 130, one line."""
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        sources = tmp_path / "sources.toml"
        sources.write_text(source_list(f"http://127.0.0.1:{silent.getsockname()[1]}/x.tgz"), encoding="utf-8")
        process = subprocess.Popen([sys.executable, "-m", "tid.cli", "fetch", "--data-dir", str(tmp_path / "var"),
                                    "--sources", str(sources)], stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "COLUMNS": "80"},
                                   # as a shell starts it, even when this test runs with SIGINT ignored
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        try:
            process.wait(timeout=3)  # it must still be waiting for the answer
        except subprocess.TimeoutExpired:
            pass
        assert process.returncode is None
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err.splitlines() == ["tid fetch: error: interrupted; the files already checked stay in the cache: "
                                "run `tid fetch` again"]


def test_debug_shows_the_traceback(tmp_path: Path, capsys) -> None:
    for argv in (["--debug", "query", "territoires-par-phase"], ["query", "territoires-par-phase", "--debug"]):
        assert main([*argv, "--data-dir", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("Traceback (most recent call last):") and "ConfigError" in err
        assert err.splitlines()[-1].startswith("tid query: error: no built graph in")


def test_an_unexpected_error_is_one_line_asking_for_a_report(monkeypatch, tmp_path: Path, capsys) -> None:
    def bug(*_args, **_kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("tid.cli.read_source_list", bug)
    assert main(["fetch", "--data-dir", str(tmp_path)]) == 2
    line = error_line(capsys, "tid fetch")
    assert "unexpected ZeroDivisionError: division by zero" in line and "--debug" in line


def test_the_installed_command_in_a_subprocess(tmp_path: Path) -> None:
    """The console script itself: exit code and stderr as a shell sees them."""
    tid = Path(sys.executable).with_name("tid")
    done = subprocess.run([str(tid), "query", "territoires-par-phase", "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"tid query: error: no built graph in {tmp_path}: run `tid build` first\n"


# -- tables for people ------------------------------------------------------------------------


def table(cut_data_dir: DataDir, monkeypatch, capsys, columns: int, *argv: str) -> list[str]:
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["query", *argv, "--data-dir", str(cut_data_dir.root)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out.splitlines()


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_a_wide_result_fits_the_terminal(columns: int, cut_data_dir: DataDir, monkeypatch, capsys) -> None:
    """The communes of a territory (12 columns, 8 of them the same in every row): those 8 said once
    above the table, one line per commune within the width, IRIs short, the base stated."""
    argv = ("communes-d-un-territoire", "-p", f"territoire={TERRITOIRE}")
    lines = table(cut_data_dir, monkeypatch, capsys, columns, *argv)
    assert main(["query", *argv, "--format", "json", "--data-dir", str(cut_data_dir.root)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) > 5
    assert max(len(line) for line in lines) <= columns
    assert "territoire     id/territoire/2023-2027/ti-1107" in lines
    rule = next(i for i, line in enumerate(lines) if line and set(line) == {"─"})
    assert lines[rule - 1].split() == ["commune", "insee", "communeLabel", "population"]
    body = lines[rule + 1:rule + 1 + len(rows)]
    for line, row in zip(body, rows, strict=True):
        assert line.split()[:2] == [f"id/commune/{row['insee']}", row["insee"]]
        assert line.endswith(f" {row['population']}")  # a number, right-aligned
    assert lines[rule + 1 + len(rows)] == f"{len(rows)} row(s); the 8 column(s) above have the same value in every row."
    assert lines[-1] == "id/ = https://w3id.org/territoires-industrie/id/"
    assert "https://w3id.org/territoires-industrie/id/" not in "\n".join(lines[:-1])


def test_a_narrow_terminal_leaves_out_the_iris_beside_their_labels(cut_data_dir: DataDir, monkeypatch,
                                                                    capsys) -> None:
    lines = table(cut_data_dir, monkeypatch, capsys, 40, "communes-d-un-territoire", "-p", f"territoire={TERRITOIRE}")
    assert lines[-1] == "id/ = https://w3id.org/territoires-industrie/id/"  # an IRI is not cut: the terminal folds it
    assert max(len(line) for line in lines[:-1]) <= 40
    rule = next(i for i, line in enumerate(lines) if line and set(line) == {"─"})
    assert lines[rule - 1].split() == ["insee", "communeLabel", "population"]
    assert re.match(r"^77038 +Boissettes +413$", lines[rule + 1])
    assert "not shown: commune (the IRIs of the labels shown)" in " ".join(" ".join(lines).split())


def test_a_table_that_fits_is_not_cut(cut_data_dir: DataDir, monkeypatch, capsys) -> None:
    lines = table(cut_data_dir, monkeypatch, capsys, 80, "stats-graphs")
    text = "\n".join(lines)
    assert "…" not in text and "not shown" not in text and "same value" not in text
    assert lines[0].split() == ["graph", "triples"]
    assert lines[-1] == "graph/ = https://w3id.org/territoires-industrie/graph/"


def render(width: int, variables: list[str], rows: list[list[object]]) -> list[str]:
    console = Console(width=width, record=True, file=io.StringIO())
    print_table(console, variables, rows)
    return console.export_text().splitlines()


def test_cells_are_cut_widest_first_with_an_ellipsis() -> None:
    """Short columns keep their width; the long ones share what is left; a text loses its end, an
    IRI its middle (its kind and its code stay); a number is right-aligned."""
    long_text = "Communauté d'agglomération du Grand Annecy et des communes alentour"
    rows = [[NamedNode(f"http://rdf.insee.fr/def/geo#Commune{i}"), Literal(str(10 ** i)), Literal(f"{long_text} {i}"),
             NamedNode(f"https://w3id.org/territoires-industrie/id/site/{'zone-industrielle-' * 3}{i}"),
             Literal(f"2021-09-2{i}")] for i in range(3)]
    lines = render(80, ["type", "n", "texte", "site", "date"], rows)
    assert max(len(line) for line in lines) <= 80
    body = lines[2:5]
    for i, line in enumerate(body):
        assert f"igeo:Commune{i}" in line and line.rstrip().endswith(f"2021-09-2{i}")
        assert re.search(rf" {10 ** i:>3} ", line)  # right-aligned
        assert "Communauté d'agg" in line and long_text not in line
        assert re.search(rf" id/site/\S*…\S*-{i} ", line)
    assert lines[5] == "3 row(s); … marks a cut cell. --format csv or json gives every cell whole."
    assert lines[6:] == ["id/ = https://w3id.org/territoires-industrie/id/", "igeo: = http://rdf.insee.fr/def/geo#"]


def test_an_iri_beside_its_label_gives_way_to_it() -> None:
    rows = [[NamedNode(f"https://w3id.org/territoires-industrie/id/site/site-{i}-{'x' * 40}"), Literal(f"Site {i}"),
             Literal(f"{i}" * 50), Literal(f"{i}" * 30)] for i in range(2)]
    lines = render(100, ["site", "siteLabel", "commentaire", "autre"], rows)
    assert lines[0].split() == ["siteLabel", "commentaire", "autre"]
    assert "not shown: site (the IRIs of the labels shown)" in " ".join(" ".join(lines).split())
    assert max(len(line) for line in lines) <= 100


def test_too_many_columns_give_one_block_per_row() -> None:
    variables = [f"colonne{i}" for i in range(12)]
    rows = [[Literal(f"valeur {r}-{i} " + "w" * 20) for i in range(12)] for r in range(2)]
    lines = render(80, variables, rows)
    assert lines[0].startswith("-[ row 1 ]") and lines[13].startswith("-[ row 2 ]")
    assert lines[1] == "colonne0   valeur 0-0 " + "w" * 20
    assert max(len(line) for line in lines) <= 80


def test_unbound_and_multiline_cells_keep_one_line_per_row() -> None:
    lines = render(80, ["a", "b"], [[Literal("first\nsecond"), None], [Literal("x"), Literal("1")]])
    assert lines[2].split() == ["first", "second"] and lines[3].split() == ["x", "1"] and lines[4] == "2 row(s)."


def test_the_build_tables_fit_the_terminal(manifest: dict) -> None:
    """`tid build`'s closing tables: graphs as ``source/version``, classes as CURIEs, within 80 columns."""
    from tid.cli import print_build_tables

    console = Console(width=80, record=True, file=io.StringIO())
    print_build_tables(console, manifest)
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0] == "Named graphs"
    assert lines[1].split() == ["graph", "rows", "read", "skipped", "rejected", "triples"]
    source = manifest["sources"][0]
    graph = source["graph"].rsplit("/graph/", 1)[-1]
    assert re.search(rf"^{re.escape(graph)} +{source['rows_read']} +{source['rows_skipped']} +{source['rows_rejected']}"
                     rf" +{source['triples']}$", "\n".join(lines), re.MULTILINE)
    assert re.search(r"^tid:TerritoireIndustrie +\d+$", "\n".join(lines), re.MULTILINE)
    assert "https://" not in "\n".join(lines)
    assert lines[-1] == f"{manifest['counts']['quads']} quads in the store."


def test_column_widths() -> None:
    from tid.tables import MIN_WIDTH, column_widths

    assert column_widths([10, 20, 8], 80) == [10, 20, 8]  # all fit: as they are
    assert column_widths([10, 100_000, 50, 8], 80) == [10, 31, 31, 8]  # the widest share what is left
    assert column_widths([13, 13], 25) == [13, 12]  # the cell left over goes to a cut column
    assert column_widths([30] * 10, 80) is None  # each below MIN_WIDTH: blocks instead
    assert column_widths([MIN_WIDTH + 5] * 4, 4 * MIN_WIDTH) == [MIN_WIDTH] * 4


@pytest.mark.parametrize("columns", [80, 120])
def test_the_list_of_queries_keeps_each_name_whole(columns: int, monkeypatch, capsys) -> None:
    """A name is to be copied: on one line, never folded; the titles wrap between words."""
    from tid.graph.queries import list_queries

    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["query", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= columns
    starts = [line.split(" ", 1)[0] for line in lines[3:] if line and not line.startswith(" ")]
    assert starts == [query.name for query in list_queries()]
