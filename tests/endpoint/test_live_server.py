"""``tid serve`` for real: gunicorn on a free localhost port, queried by the clients portals use
(SPARQLWrapper: JSON, XML, CSV, CONSTRUCT into rdflib) and by rdflib's own SERVICE clause; the
time budget measured over HTTP under concurrent load; the ``serve`` subcommand's options."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic
from SPARQLWrapper import CSV, JSON, JSONLD, POST, RDFXML, TURTLE, XML, SPARQLWrapper

from tests.helpers import CHEAP, CROSS_JOIN, MELUN, MELUN_IRI, RDFS_LABEL, REPO
from tid.endpoint import serve
from tid.errors import ConfigError

LABEL_QUERY = f"SELECT ?label WHERE {{ <{MELUN_IRI}> <{RDFS_LABEL}> ?label }}"
CONSTRUCT = f"CONSTRUCT {{ <{MELUN_IRI}> ?p ?o }} WHERE {{ <{MELUN_IRI}> ?p ?o }}"


def wrapper(root: str, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    client = SPARQLWrapper(root + "sparql", agent="tid-tests")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if method:
        client.setMethod(method)
    return client


def test_sparqlwrapper_select_json(live_server: str) -> None:
    for method in (None, POST):
        result = wrapper(live_server, LABEL_QUERY, JSON, method).query()
        assert result.response.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
        labels = {b["label"]["value"] for b in result.convert()["results"]["bindings"]}
        assert MELUN in labels


def test_sparqlwrapper_select_xml(live_server: str) -> None:
    document = wrapper(live_server, LABEL_QUERY, XML).query().convert()
    literals = {node.firstChild.data for node in document.getElementsByTagName("literal")}
    assert MELUN in literals


def test_sparqlwrapper_select_csv(live_server: str) -> None:
    text = wrapper(live_server, LABEL_QUERY, CSV).query().convert().decode("utf-8")
    assert text.splitlines()[0] == "label"
    assert MELUN in text


def test_sparqlwrapper_ask(live_server: str) -> None:
    assert wrapper(live_server, CHEAP, JSON).query().convert()["boolean"] is True


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's JSON-LD parser
def test_sparqlwrapper_construct_into_rdflib(live_server: str) -> None:
    graph = wrapper(live_server, CONSTRUCT, RDFXML).query().convert()
    assert isinstance(graph, rdflib.Graph)
    assert rdflib.Literal(MELUN, lang="fr") in set(graph.objects(rdflib.URIRef(MELUN_IRI), rdflib.RDFS.label))
    turtle = wrapper(live_server, CONSTRUCT, TURTLE).query()
    assert turtle.response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    parsed = rdflib.Graph().parse(data=turtle.convert(), format="turtle")
    assert isomorphic(parsed, graph)
    jsonld = wrapper(live_server, CONSTRUCT, JSONLD).query()
    assert jsonld.response.headers["Content-Type"] == "application/ld+json; charset=utf-8"
    assert len(jsonld.convert()) == len(graph)


def test_rdflib_service_clause_against_the_endpoint(live_server: str) -> None:
    query = f"""SELECT ?label WHERE {{
      SERVICE <{live_server}sparql> {{ <{MELUN_IRI}> <{RDFS_LABEL}> ?label }}
    }}"""
    labels = {str(row.label) for row in rdflib.Graph().query(query)}
    assert MELUN in labels


def get(url: str, **params: str) -> tuple[int, dict, bytes, float]:
    started = time.monotonic()
    request = urllib.request.Request(url + "?" + urllib.parse.urlencode(params))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read(), time.monotonic() - started


def test_time_budget_over_http_under_load(live_server: str) -> None:
    """Two cross joins of all triples (2 s budget) while a client keeps sending cheap queries."""
    endpoint = live_server + "sparql"
    assert get(endpoint, query=CHEAP)[0] == 200
    slow: list[tuple[int, dict, bytes, float]] = []
    threads = [threading.Thread(target=lambda: slow.append(get(endpoint, query=CROSS_JOIN))) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    cheap: list[tuple[int, float]] = []
    while any(t.is_alive() for t in threads):
        status, _, _, elapsed = get(endpoint, query=CHEAP)
        cheap.append((status, elapsed))
    for thread in threads:
        thread.join()
    for status, headers, body, elapsed in slow:
        assert status == 503
        assert 2.0 <= elapsed < 4.0
        assert int(headers["Retry-After"]) > 0
        assert headers["Access-Control-Allow-Origin"] == "*"
        assert json.loads(body)["type"].endswith("/query-timeout")
    assert cheap and all(status == 200 for status, _ in cheap)
    latencies = sorted(elapsed for _, elapsed in cheap)
    assert latencies[len(latencies) // 2] < 0.3 and latencies[-1] < 2.0, latencies
    print(f"\nkilled queries answered 503 after {[round(s[3], 2) for s in slow]} s; "
          f"{len(cheap)} cheap queries meanwhile, median {latencies[len(latencies) // 2] * 1000:.1f} ms, "
          f"max {latencies[-1] * 1000:.1f} ms")


def test_live_server_headers(live_server: str) -> None:
    status, headers, body, _ = get(live_server + "sparql", query=LABEL_QUERY, format="csv")
    assert status == 200
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Vary"] == "Accept" and headers["ETag"].startswith('W/"')
    assert headers["Access-Control-Allow-Origin"] == "*"
    request = urllib.request.Request(live_server + "sparql?" + urllib.parse.urlencode({"query": LABEL_QUERY, "format": "csv"}),
                                     headers={"If-None-Match": headers["ETag"]})
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("expected 304")
    except urllib.error.HTTPError as error:
        assert error.code == 304
    status, headers, body, _ = get(live_server + "sparql")
    assert status == 200 and headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert f"<{live_server}sparql>".encode() in body


# -- the serve subcommand -------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="tid")
    serve.add_parser(top.add_subparsers(dest="command", required=True))
    return top


def test_serve_options_and_defaults() -> None:
    args = parser().parse_args(["serve"])
    assert (args.host, args.port, args.workers, args.timeout, args.run) == ("127.0.0.1", 8000, 2, None, serve.cmd_serve)
    args = parser().parse_args(["serve", "--data-dir", "/tmp/x", "--port", "9001", "--timeout", "5", "--max-rows", "10",
                                "--max-concurrent", "3", "--federation", "--service-allow", "query.wikidata.org"])
    config = serve.app_config(args)
    assert config == {"DATA_DIR": str(Path("/tmp/x").resolve()), "QUERY_TIMEOUT": 5.0, "MAX_ROWS": 10,
                      "MAX_CONCURRENT_QUERIES": 3, "FEDERATION": True, "SERVICE_ALLOWLIST": ["query.wikidata.org"]}
    options = serve.gunicorn_options(args, config)
    assert options["bind"] == "127.0.0.1:9001"
    assert options["worker_class"] == "tid.endpoint.request_buffer.BufferingWorker"
    assert options["threads"] == 4 * 3 + 4
    assert options["timeout"] == 35


def test_serve_without_a_release_is_a_config_error(tmp_path: Path) -> None:
    args = parser().parse_args(["serve", "--data-dir", str(tmp_path)])
    with pytest.raises(ConfigError, match="no built graph"):
        serve.cmd_serve(args, console=None)
    done = subprocess.run([sys.executable, "-m", "tid.endpoint.serve", "serve", "--data-dir", str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "no built graph" in done.stderr


@pytest.mark.parametrize(("options", "message"), [
    (["--max-concurrent", "0"], "MAX_CONCURRENT_QUERIES (--max-concurrent or TID_MAX_CONCURRENT_QUERIES) must be above 0"),
    (["--timeout", "-1"], "QUERY_TIMEOUT (--timeout or TID_QUERY_TIMEOUT) must be above 0"),
    (["--max-rows", "0"], "MAX_ROWS (--max-rows or TID_MAX_ROWS) must be above 0"),
    (["--queue-wait", "-2"], "QUEUE_WAIT (--queue-wait or TID_QUEUE_WAIT) must be 0 or more"),
    (["--backend", "notaurl"], "must be the http(s) URL of a SPARQL query service, not 'notaurl'"),
    (["--backend", "http://user:secret@/sparql"], "not 'http:///sparql'"),  # no host; the password never shown
])
def test_serve_refuses_settings_it_could_only_fail_with(cut_data_dir, options: list[str], message: str) -> None:
    """A pool of no query process crashed the workers at boot, a backend that is not a URL answered
    500 to everything: both are now one line and exit code 2, before gunicorn starts."""
    done = subprocess.run([sys.executable, "-m", "tid.endpoint.serve", "serve", "--data-dir", str(cut_data_dir.root),
                           *options], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr and "secret" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_create_app_without_a_release_is_a_config_error(tmp_path: Path) -> None:
    from tid.endpoint import create_app

    with pytest.raises(ConfigError, match="no built graph"):
        create_app({"DATA_DIR": str(tmp_path)})


def test_create_app_reads_tid_environment(monkeypatch, cut_data_dir) -> None:
    from tid.endpoint import create_app

    monkeypatch.setenv("TID_DATA_DIR", str(cut_data_dir.root))
    monkeypatch.setenv("TID_QUERY_TIMEOUT", "12")
    monkeypatch.setenv("TID_SERVICE_ALLOWLIST", '["Query.Wikidata.org"]')
    app = create_app({"MAX_ROWS": 7})
    try:
        assert app.config["QUERY_TIMEOUT"] == 12.0 and app.config["MAX_ROWS"] == 7
        assert app.config["SERVICE_ALLOWLIST"] == frozenset({"query.wikidata.org"})
        assert app.extensions["tid"].release.path == cut_data_dir.current_release()
    finally:
        app.extensions["tid"].close()


def test_the_server_memory_budget_is_shared_among_its_query_processes(monkeypatch) -> None:
    """Finding 4 of issue 12: the per-process limit alone let 2 × 4 query processes of 4 GiB ask
    for 32 GiB on a 24 GB machine; `tid serve` now shares one budget among them (2 × 2 by default)."""
    monkeypatch.setattr(serve, "physical_memory_mb", lambda: 24_000)
    args = parser().parse_args(["serve", "--data-dir", "/tmp/x"])
    config = serve.share_memory(serve.app_config(args), args.workers)
    assert (config["SERVER_MEMORY_MB"], config["WORKER_MEMORY_MB"]) == (12_000, 3_000)  # half the machine, 2 × 2 ways
    args = parser().parse_args(["serve", "--data-dir", "/tmp/x", "--memory-budget-mb", "64000"])
    config = serve.share_memory(serve.app_config(args), args.workers)
    assert (config["SERVER_MEMORY_MB"], config["WORKER_MEMORY_MB"]) == (64_000, 4_096)  # never above --worker-memory-mb
    args = parser().parse_args(["serve", "--data-dir", "/tmp/x", "--memory-budget-mb", "0", "--worker-memory-mb", "2048"])
    config = serve.share_memory(serve.app_config(args), args.workers)
    assert (config["SERVER_MEMORY_MB"], config["WORKER_MEMORY_MB"]) == (0, 2_048)  # no total: the per-process limit alone
    args = parser().parse_args(["serve", "--data-dir", "/tmp/x", "--memory-budget-mb", "6000", "--workers", "2",
                                "--max-concurrent", "4"])
    with pytest.raises(ConfigError, match=r"6000 MiB .* 8 query processes \(2 --workers × 4 --max-concurrent\) leaves "
                                          r"750 MiB each, under the 1024 MiB"):
        serve.share_memory(serve.app_config(args), args.workers)
    done = subprocess.run([sys.executable, "-m", "tid.endpoint.serve", "serve", "--data-dir", "/tmp/x",
                           "--memory-budget-mb", "2000"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 2 and "leaves 500 MiB each" in done.stderr and "Traceback" not in done.stderr


def test_tid_validate_checks_the_catalogue_as_served_page_by_page(live_server: str, capsys) -> None:
    """`tid validate --catalog-url`: what a harvester receives, along hydra:next, against SEMIC's
    two DCAT-AP sets (issue 12): no violation; the one accepted warning (the publisher's legal form)."""
    from tests.helpers import real_mirror
    from tid.cli import main

    code = main(["validate", "--catalog-url", live_server + "catalog?page_size=5", "--mirror", str(real_mirror()),
                 "--format", "json"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert code == 0, report
    pages = [line for line in captured.err.splitlines() if "DCAT-AP shapes (pySHACL): http" in line]
    assert len(pages) >= 2 and "page=2" in pages[1]  # it followed hydra:next
    assert {(r["severity"], r["path"]) for r in report["results"]} <= {("Warning", "http://purl.org/dc/terms/type")}


@pytest.mark.parametrize(("path", "expected"), [
    ("no-such-catalogue", "cannot fetch the catalogue page"),  # 404
    ("static/site.css", "is not text/turtle"),  # an answer that is not RDF
])
def test_tid_validate_catalog_url_errors_name_the_page(live_server: str, capsys, path: str, expected: str) -> None:
    from tests.helpers import real_mirror
    from tid.cli import main

    code = main(["validate", "--catalog-url", live_server + path, "--mirror", str(real_mirror())])
    err = capsys.readouterr().err
    assert code == 2 and live_server + path in err and expected in err
    assert main(["validate", "--catalog-url", "ftp://example.org/catalog"]) == 2
    assert "must be an http(s) URL" in capsys.readouterr().err
