"""``tid push`` against a real SPARQL 1.1 Graph Store server: ``oxigraph serve`` (the PyPI
package ``oxigraph``, a test dependency), started on 127.0.0.1 and a free port for each test, over
the cut-mirror release. Every check on the server goes through its SPARQL query service or its
Graph Store, as a user would look at it. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import collections
import http.server
import io
import json
import re
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from pyoxigraph import NamedNode
from rich.console import Console

from tests.helpers import CUT_MIRROR, free_port, oxigraph_binary, oxigraph_serving, write_source_list
from tid.errors import ConfigError, TidError
from tid.graph import push as push_module, sparql_http
from tid.graph.build import BuildOptions, build
from tid.graph.push import PushError, derive_query_url, push
from tid.graph.store import DataDir, open_read_only

BASE = "https://w3id.org/territoires-industrie/"
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pushes go to 127.0.0.1: never through a proxy the environment may name."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server(tmp_path: Path):
    """A fresh, empty ``oxigraph serve`` for one test."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the `oxigraph` server binary is not installed: `pip install oxigraph` (a test dependency)")
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    with oxigraph_serving(binary, ["serve", "--location", str(tmp_path / "db")], f"127.0.0.1:{port}",
                          tmp_path / "oxigraph.log"):
        yield SimpleNamespace(root=root, store=f"{root}/store", query=f"{root}/query")


def sparql(server: SimpleNamespace, query: str) -> list[dict]:
    request = urllib.request.Request(server.query, data=urllib.parse.urlencode({"query": query}).encode(),
                                     headers={"Accept": "application/sparql-results+json"})
    with DIRECT.open(request, timeout=30) as response:
        return json.loads(response.read())["results"]["bindings"]


def server_counts(server: SimpleNamespace) -> dict[str, int]:
    rows = sparql(server, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


def server_graph(server: SimpleNamespace, graph: str) -> collections.Counter:
    """A graph as the server's Graph Store gives it, blank node labels blanked out."""
    url = f"{server.store}?{urllib.parse.urlencode({'graph': graph})}"
    with DIRECT.open(urllib.request.Request(url, headers={"Accept": "application/n-triples"}), timeout=30) as response:
        lines = response.read().decode("utf-8").splitlines()
    return collections.Counter(re.sub(r"_:[A-Za-z0-9]+", "_:", line) for line in lines if line.strip())


def put_graph(server: SimpleNamespace, graph: str, ntriples: str) -> None:
    url = f"{server.store}?{urllib.parse.urlencode({'graph': graph})}"
    request = urllib.request.Request(url, data=ntriples.encode(), method="PUT",
                                     headers={"Content-Type": "application/n-triples"})
    with DIRECT.open(request, timeout=30):
        pass


def local_counts(data_dir: DataDir) -> dict[str, int]:
    store = open_read_only(data_dir)
    counts: dict[str, int] = {}
    for quad in store:
        # the default graph, the merge of the named graphs, is pushed as the graph {base}graph/merge
        name = quad.graph_name.value if isinstance(quad.graph_name, NamedNode) else BASE + "graph/merge"
        counts[name] = counts.get(name, 0) + 1
    return counts


def build_from(mirror: Path, data_dir: DataDir) -> dict:
    sources = write_source_list(mirror.parent / "sources.toml", mirror)
    return build(BuildOptions(data_dir=data_dir, mirror=mirror, source_list=sources)).manifest


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> DataDir:
    root = tmp_path_factory.mktemp("push-release")
    mirror = root / "mirror"
    shutil.copytree(CUT_MIRROR, mirror)
    data_dir = DataDir(root / "data")
    build_from(mirror, data_dir)
    return data_dir


# -- pushing -------------------------------------------------------------------------------


def test_push_loads_every_named_graph_with_its_triples(server, release: DataDir) -> None:
    calls: list[tuple[str, int, int]] = []
    report = push(release, server.store, progress=lambda *call: calls.append(call))
    local = local_counts(release)
    assert len(local) >= 20 and all(g.startswith(BASE + "graph/") for g in local)
    assert server_counts(server) == local
    assert {p.graph: p.triples for p in report.pushed} == local
    assert {p.graph: p.server_triples for p in report.pushed} == local
    assert report.mismatches == [] and report.missing == [] and report.deleted == []
    assert {p.status for p in report.pushed} == {201}  # Oxigraph: created
    assert report.query_url == server.query
    graphs = sorted(set(local) - {BASE + "graph/merge"}) + [BASE + "graph/merge"]  # the merge last
    assert calls == [(g, i, len(graphs)) for i, g in enumerate(graphs)] + [("done", len(graphs), len(graphs))]
    assert report.release == release.current_manifest()["release"]


def test_push_twice_changes_nothing(server, release: DataDir) -> None:
    push(release, server.store)
    before = {g: server_graph(server, g) for g in server_counts(server)}
    report = push(release, server.store, content_type="turtle")  # the same bytes, declared as Turtle
    after = {g: server_graph(server, g) for g in server_counts(server)}
    assert after == before
    assert server_counts(server) == local_counts(release)
    assert {p.status for p in report.pushed} == {204}  # Oxigraph: replaced


def test_a_changed_source_replaces_only_its_graph(server, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(CUT_MIRROR, mirror)
    data_dir = DataDir(tmp_path / "data")
    first = build_from(mirror, data_dir)
    push(data_dir, server.store)
    before = {g: server_graph(server, g) for g in server_counts(server)}

    laureats = mirror / "sites-cles-en-main" / "fonds_acceleration_laureats.csv"
    rows = laureats.read_text(encoding="utf-8").splitlines(keepends=True)
    laureats.write_text("".join(rows[:-1]), encoding="utf-8")  # one lauréat fewer
    second = build_from(mirror, data_dir)
    assert second["release"] != first["release"]
    report = push(data_dir, server.store)
    after = {g: server_graph(server, g) for g in server_counts(server)}

    assert server_counts(server) == local_counts(data_dir)
    assert report.missing == []
    changed_sources = {s["graph"] for s in second["sources"] if before[s["graph"]] != after[s["graph"]]}
    fonds = next(s["graph"] for s in second["sources"] if s["id"] == "fonds-acceleration-laureats")
    assert changed_sources == {fonds}
    assert sum(after[fonds].values()) < sum(before[fonds].values())
    ontology = BASE + "graph/ontology/0.1.0"
    assert after.get(ontology) == before.get(ontology)
    changed = {g for g in set(before) | set(after) if before.get(g) != after.get(g)}
    # Besides the source, only what describes the sources may change: provenance, derivations, reports,
    # the changelog (what this release changed) and the statistics (the triples per graph).
    assert BASE + "graph/provenance" in changed  # it describes the new file
    assert changed - {fonds} <= {BASE + f"graph/{name}" for name in ("provenance", "derivations", "validation",
                                                                     "catalogue", "changelog", "merge", "statistiques")}


def test_graphs_no_longer_in_the_release_are_reported_then_deleted_on_request(server, release: DataDir) -> None:
    old = BASE + "graph/old-source/0.0.1"
    foreign = "http://example.org/graph/not-ours"
    for graph in (old, foreign):
        put_graph(server, graph, '<http://example.org/s> <http://example.org/p> "o" .\n')

    report = push(release, server.store)
    assert report.missing == [old]
    assert report.deleted == []
    assert {old, foreign} <= set(server_counts(server))

    report = push(release, server.store, delete_missing=True)
    assert report.deleted == [old]
    counts = server_counts(server)
    assert old not in counts and counts[foreign] == 1  # graphs outside the base are never touched
    assert {g: n for g, n in counts.items() if g != foreign} == local_counts(release)


def test_delete_missing_needs_a_query_service(release: DataDir) -> None:
    with pytest.raises(ConfigError, match="--query-url"):
        push(release, "http://127.0.0.1:1/graphs", delete_missing=True)


# -- errors --------------------------------------------------------------------------------


def test_unreachable_server_names_the_graph_and_the_reason(release: DataDir) -> None:
    url = f"http://127.0.0.1:{free_port()}/store"
    with pytest.raises(PushError) as caught:
        push(release, url, timeout=5)
    error = caught.value
    first = sorted(local_counts(release))[0]
    assert error.graph == first and error.status is None
    assert isinstance(error, TidError) and error.exit_code == 2
    message = str(error)
    assert f"PUT graph <{first}>" in message
    assert "cannot reach" in message and "refused" in message.lower()
    assert url in message


def test_server_answering_4xx_names_the_graph_the_status_and_its_message(server, release: DataDir) -> None:
    with pytest.raises(PushError) as caught:
        push(release, server.root + "/nope")
    error = caught.value
    first = sorted(local_counts(release))[0]
    assert error.status == 404 and error.graph == first
    assert error.server_message == "PUT /nope is not supported by this server"
    message = str(error)
    assert f"PUT graph <{first}>" in message and "HTTP 404" in message
    assert "PUT /nope is not supported by this server" in message
    assert "Graph Store Protocol endpoint" in message
    assert server_counts(server) == {}


class _Refusing(http.server.BaseHTTPRequestHandler):
    """A server that wants credentials: 401 unless they are right, and records what it got."""

    seen: list[dict] = []

    def do_PUT(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        _Refusing.seen.append({"path": self.path, "authorization": self.headers.get("Authorization"),
                               "content_type": self.headers.get("Content-Type"), "body": body})
        if self.headers.get("Authorization") == "Basic " + base64.b64encode(b"alice:s3cret").decode():
            self.send_response(204)
            self.end_headers()
            return
        message = b"authentication required for graph writes"
        self.send_response(401, "Unauthorized")
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(message)))
        self.end_headers()
        self.wfile.write(message)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def refusing_server():
    _Refusing.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_credentials_are_sent_but_never_shown(refusing_server: str, release: DataDir) -> None:
    with pytest.raises(PushError) as caught:
        push(release, refusing_server.replace("http://", "http://alice:wrong@") + "/graphs")
    error = caught.value
    assert error.status == 401 and error.server_message == "authentication required for graph writes"
    assert "wrong" not in str(error) and "alice" not in str(error)
    assert "HTTP 401" in str(error) and "credentials" in str(error)

    report = push(release, refusing_server.replace("http://", "http://alice:s3cret@") + "/graphs")
    assert report.missing is None  # no query service known for this server
    sent = _Refusing.seen[-1]
    assert sent["content_type"] == "application/n-triples; charset=utf-8"
    assert sent["path"].startswith("/graphs?graph=" + urllib.parse.quote(BASE, safe=""))
    assert len(report.pushed) == len(local_counts(release))
    lines = sent["body"].decode("utf-8").splitlines()
    assert len(lines) == report.pushed[-1].triples


def test_a_graph_store_url_with_a_query_string_is_refused(release: DataDir) -> None:
    with pytest.raises(ConfigError, match="without a query string"):
        push(release, "http://127.0.0.1:1/store?graph=x")
    with pytest.raises(ConfigError, match="http"):
        push(release, "ftp://127.0.0.1/store")


def test_query_service_is_derived_for_known_servers() -> None:
    assert derive_query_url("http://localhost:7878/store") == "http://localhost:7878/query"
    assert derive_query_url("http://localhost:3030/tid/data") == "http://localhost:3030/tid/query"
    assert derive_query_url("http://localhost:8890/sparql-graph-crud-auth") == "http://localhost:8890/sparql"
    assert derive_query_url("http://localhost:7200/repositories/tid/rdf-graphs/service") == \
        "http://localhost:7200/repositories/tid"
    assert derive_query_url("http://localhost/elsewhere") is None


# -- command line --------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="tid")
    push_module.add_parser(top.add_subparsers(dest="command", required=True))
    return top


def test_cli_push(server, release: DataDir) -> None:
    args = _parser().parse_args(["push", server.store, "--data-dir", str(release.root)])
    output = io.StringIO()
    assert args.run(args, Console(file=output, width=200)) == 0
    text = output.getvalue()
    assert f"{len(local_counts(release))} graph(s)" in text and server.store in text
    assert server_counts(server) == local_counts(release)

    put_graph(server, BASE + "graph/old-source/0.0.1", '<http://example.org/s> <http://example.org/p> "o" .\n')
    args = _parser().parse_args(["push", server.store, "--data-dir", str(release.root), "-q"])
    output = io.StringIO()
    assert args.run(args, Console(file=output, width=200)) == 0
    assert "--delete-missing deletes them" in output.getvalue() and "old-source" in output.getvalue()
    args = _parser().parse_args(["push", server.store, "--data-dir", str(release.root), "-q", "--delete-missing"])
    output = io.StringIO()
    assert args.run(args, Console(file=output, width=200)) == 0
    assert "Deleted from the server" in output.getvalue()
    assert BASE + "graph/old-source/0.0.1" not in server_counts(server)


def test_cli_push_error_is_a_tid_error(release: DataDir) -> None:
    args = _parser().parse_args(["push", f"http://127.0.0.1:{free_port()}/store", "--data-dir", str(release.root),
                                 "-q", "--timeout", "5"])
    with pytest.raises(TidError) as caught:
        args.run(args, Console(file=io.StringIO()))
    assert caught.value.exit_code == 2  # what `tid` returns for it


def test_no_release_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="run `tid build` first"):
        push(DataDir(tmp_path), "http://127.0.0.1:1/store")


def test_http_error_bodies_are_shortened() -> None:
    error = urllib.error.HTTPError("http://x/store", 400, "Bad Request", {}, io.BytesIO(b"x" * 5000))  # type: ignore[arg-type]
    message = sparql_http.server_message(error)
    assert len(message) == sparql_http.MAX_MESSAGE + 1 and message.endswith("…")
