"""Federation through the SERVICE allow-list, end to end: a second SPARQL server (`oxigraph serve`,
started here on 127.0.0.1:17878) holds a small made-up dataset keyed by INSEE commune codes
(tests/data/federation/communes-test.ttl); a real `tid serve` with federation on and that host:port
on its allow-list answers a query (tests/data/federation/*.rq) that joins the communes of a
territory of our graph with it by code. The same query to a server whose allow-list does not hold
that address, or with federation off, is refused with 403 before any connection; so is the
shipped Wikidata join (queries/federation/wikidata-insee-join.rq) when Wikidata is not on the list.

The other server's address is written in the query file (a SERVICE IRI cannot be bound as a
parameter: the allow-list must know it before the query runs), so the port is fixed. Outside the
ephemeral range, it never collides with a port the system hands out; a lock file serialises two
test sessions on the same machine."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import REPO, TEST_DATA, free_port, oxigraph_binary, oxigraph_serving, wait_until_up
from tid.graph.queries import load_query
from tid.graph.store import DataDir

BASE = "https://w3id.org/territoires-industrie/"
OTHER_HOST = "127.0.0.1:17878"
DATA = TEST_DATA / "federation"
QUERY = (DATA / "indicateur-communes-d-un-territoire.rq").read_text(encoding="utf-8")
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
EXPECTED = [  # (INSEE code, our commune, its name in our graph, the other server's value and IRI)
    ("77152", BASE + "id/commune/77152", "Dammarie-les-Lys", "22", "http://example.org/test-federation/commune/77152"),
    ("77285", BASE + "id/commune/77285", "Le Mée-sur-Seine", "33", "http://example.org/test-federation/commune/77285"),
    ("77288", BASE + "id/commune/77288", "Melun", "11", "http://example.org/test-federation/commune/77288"),
]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="module")
def other_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``oxigraph serve`` on 127.0.0.1:17878 holding the made-up dataset; yields its query URL."""
    lock = open(Path(tempfile.gettempdir()) / "tid-federation-test.lock", "w")  # noqa: SIM115 - held for the module
    fcntl.flock(lock, fcntl.LOCK_EX)
    tmp = tmp_path_factory.mktemp("other-server")
    host, port = OTHER_HOST.split(":")
    with socket.socket() as probe:
        try:
            probe.bind((host, int(port)))
        except OSError as exc:
            pytest.fail(f"port {OTHER_HOST} is taken ({exc}); the federation test needs it")
    binary = oxigraph_binary()
    if binary is None:
        pytest.fail("the `oxigraph` server binary is not installed: `pip install oxigraph` (a test dependency)")
    subprocess.run([binary, "load", "--location", str(tmp / "db"), "--file", str(DATA / "communes-test.ttl")],
                   check=True, capture_output=True)
    try:
        with oxigraph_serving(binary, ["serve-read-only", "--location", str(tmp / "db")], OTHER_HOST,
                              tmp / "oxigraph.log"):
            yield f"http://{OTHER_HOST}/query"
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


@pytest.fixture(scope="module")
def federated_server(cut_data_dir: DataDir, other_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``tid serve`` over the cut with federation on and only the other server allowed."""
    port = free_port()
    log = tmp_path_factory.mktemp("federated-serve") / "serve.log"
    command = [sys.executable, "-m", "tid.endpoint.serve", "serve", "--data-dir", str(cut_data_dir.root),
               "--port", str(port), "--workers", "1", "--max-concurrent", "2", "--timeout", "20",
               "--queue-wait", "10", "--access-log", "", "--federation", "--service-allow", OTHER_HOST]
    with log.open("w") as handle:
        process = subprocess.Popen(command, cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=handle,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    root = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(root + "sparql", process)
        yield root
    finally:
        _stop(process)


def post(url: str, query: str, accept: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=query.encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/sparql-query", "Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_other_server_holds_the_made_up_data(other_server: str) -> None:
    status, _, body = post(other_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://example.org/test-federation/def#codeInsee> ?c }",
                           "application/sparql-results+json")
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "5"


def test_federated_query_joins_by_insee_code(federated_server: str) -> None:
    status, headers, body = post(federated_server + "sparql", QUERY, "application/sparql-results+json")
    assert status == 200, body
    assert headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
    result = json.loads(body)
    assert result["head"]["vars"] == ["code", "commune", "nom", "indicateur", "autreIri"]
    rows = [(b["code"]["value"], b["commune"]["value"], b["nom"]["value"], b["indicateur"]["value"],
             b["autreIri"]["value"]) for b in result["results"]["bindings"]]
    assert rows == EXPECTED
    for binding in result["results"]["bindings"]:
        assert binding["indicateur"]["datatype"] == XSD_INTEGER
        assert binding["nom"]["xml:lang"] == "fr"
        assert binding["code"] == {"type": "literal", "value": binding["code"]["value"]}  # a plain xsd:string


def test_federated_query_as_csv(federated_server: str) -> None:
    status, headers, body = post(federated_server + "sparql", QUERY, "text/csv")
    assert status == 200
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(body.decode("utf-8")))) == [
        ["code", "commune", "nom", "indicateur", "autreIri"], *[list(row) for row in EXPECTED]]


def test_federated_server_describes_its_allow_list(federated_server: str) -> None:
    request = urllib.request.Request(federated_server + "sparql", headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=30) as response:
        description = response.read().decode("utf-8")
    assert "<http://www.w3.org/ns/sparql-service-description#BasicFederatedQuery>" in description
    assert f"SERVICE is allowed only to {OTHER_HOST}" in description
    assert f"SERVICE n'est permis que vers {OTHER_HOST}" in description


def test_the_wikidata_join_is_refused_when_wikidata_is_not_allowed(federated_server: str) -> None:
    query = load_query("federation/wikidata-insee-join")
    # Refused before it runs: the analysis reads the SERVICE IRIs, whatever the parameters.
    status, headers, body = post(federated_server + "sparql", query.text, "application/sparql-results+json")
    assert status == 403
    assert headers["Content-Type"] == "application/problem+json; charset=utf-8"
    problem = json.loads(body)
    assert problem["type"].endswith("/problems/service-refused")
    assert problem["titre"] == "SERVICE n'est pas autorisé"


@pytest.mark.parametrize("settings", [
    {"FEDERATION": True, "SERVICE_ALLOWLIST": ["127.0.0.1:17879"]},  # another port of the same host
    {"FEDERATION": True, "SERVICE_ALLOWLIST": ["127.0.0.2:17878"]},  # the same port of another host
    {"FEDERATION": True, "SERVICE_ALLOWLIST": []},
    {"FEDERATION": False, "SERVICE_ALLOWLIST": [OTHER_HOST]},  # the list alone does not turn federation on
])
def test_same_query_off_the_allow_list_is_refused(make_app, other_server: str, settings: dict) -> None:
    client = make_app(**settings).test_client()
    for response in (client.post("/sparql", data=QUERY, content_type="application/sparql-query"),
                     client.get("/sparql", query_string={"query": QUERY})):
        assert response.status_code == 403
        assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
        problem = json.loads(response.get_data())
        assert problem["type"] == "http://localhost/problems/service-refused"
        assert problem["status"] == 403


def test_the_wikidata_join_is_valid_sparql_with_its_header() -> None:
    """Checked without running it (running it would call Wikidata)."""
    from rdflib.plugins.sparql import prepareQuery

    from tid.endpoint.analysis import analyse

    query = load_query("federation/wikidata-insee-join")
    assert query.title == "Places of a territory joined to Wikidata by their official codes"
    assert [(p.name, p.type) for p in query.parameters] == [("territoire", "iri")]
    prepareQuery(query.text)
    shape = analyse(query.text)
    assert {call.endpoint for call in shape.services} == {"https://query.wikidata.org/sparql"}
    assert len(shape.services) == 4
    for code in ("wdt:P374 ?code", "wdt:P1616 ?code", "wdt:P2586 ?code", "wdt:P2585 ?code"):
        assert code in query.text
