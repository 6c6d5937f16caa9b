"""``tid validate FILE`` in an open world: a contributed file is checked in the graph it joins (the
built release, or the mirror's reference files), with the build's derivations, and only the
results about the file are reported; ``--closed`` checks the file alone. Results name the line
of the offending statement (the CSV row), every format included; the hooks and the workflow of
``docs/ci`` work as written in another repository."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, NamedNode, Quad, Store

from tests.helpers import CUT_MIRROR, REPO, TEST_DATA
from tid.cli import main
from tid.graph.contribution import derive_for, derive_into, join, release_graph
from tid.graph.inputs import load_files
from tid.graph.locations import line_locations, turtle_locations
from tid.graph.store import DataDir, open_read_only
from tid.namespaces import DEFAULT_BASE, Minter

FILES = TEST_DATA / "validate"
NEW_MEMBERSHIP = FILES / "new-membership.ttl"
NOTHING = FILES / "membership-of-nothing.ttl"
BASE = DEFAULT_BASE
ORG = "http://www.w3.org/ns/org#"
SITES = CUT_MIRROR / "sites-cles-en-main" / "sites_cles_en_main.csv"


def graph_of(data_dir: DataDir) -> list[str]:
    return ["--data-dir", str(data_dir.root)]


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code = main(["validate", *args, "--format", "json", "--lang", "en"])
    return code, json.loads(capsys.readouterr().out)


# -- in the graph the file joins ---------------------------------------------------------------


def test_a_correct_new_membership_conforms_in_the_graph_it_joins(cut_data_dir: DataDir, capsys) -> None:
    code, report = run_json([str(NEW_MEMBERSHIP), *graph_of(cut_data_dir)], capsys)
    assert code == 0, report["results"]
    assert report["conforms"] is True and report["counts"]["Violation"] == 0
    release = cut_data_dir.current_release()
    assert release is not None
    assert any(release.name in line and "release" in line for line in report["validatedAgainst"])
    # only results the file causes: about its membership and the memberships of the EPCI's
    # communes the build derives from it, and the crossing table's check on those communes (ANCT's
    # table does not list them in a Territoire d'industrie: a warning the new membership raises);
    # none of the release's own results on other nodes
    memberships = [r for r in report["results"] if "/adhesion/2023-2027/ti-1107/" in r["focus"]]
    members = {BASE + "id/commune/" + r["focus"].rsplit("/", 1)[1] for r in memberships}
    crossing = [r for r in report["results"] if r not in memberships]
    assert memberships
    assert all(r["sourceShape"].endswith("#Commune-absenteDuCroisement") and r["severity"] == "Warning"
               for r in crossing), crossing
    store = open_read_only(cut_data_dir)
    epci_communes = {q.object.value for q in store.quads_for_pattern(
        None, NamedNode(ORG + "member"), None, None)
        if any(store.quads_for_pattern(q.subject, NamedNode(ORG + "organization"),
                                       NamedNode(BASE + "id/epci/200057867"), None))}
    assert crossing and {r["focus"] for r in crossing} <= epci_communes | members


def test_the_same_file_alone_fails_as_before_with_closed(cut_data_dir: DataDir, capsys) -> None:
    code, report = run_json([str(NEW_MEMBERSHIP), "--closed", *graph_of(cut_data_dir)], capsys)
    assert code == 1
    shapes = {r["sourceShape"].rsplit("#", 1)[-1] for r in report["results"] if r["severity"] == "Violation"}
    assert {"Adhesion-member-range", "Adhesion-organization-range", "Adhesion-memberDuring-range",
            "Adhesion-attesteePar-range", "Adhesion-dateDebut", "Adhesion-dateFin"} <= shapes
    assert any("alone" in line for line in report["validatedAgainst"])


def test_a_reference_to_what_exists_nowhere_still_fails_on_its_line(cut_data_dir: DataDir, capsys) -> None:
    code = main(["validate", str(NOTHING), "--format", "github", "--lang", "en", *graph_of(cut_data_dir)])
    out = capsys.readouterr().out
    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, out
    assert "line=9," in errors[0] and "org:member" in errors[0] and "/epci/200000172" in errors[0]


def test_derived_facts_are_those_a_full_derivation_adds(cut_data_dir: DataDir) -> None:
    """The derivations run for the file's nodes only add what all of them, run over the whole
    union as the build runs them, add: the membership's dates, the memberships of the EPCI's
    communes (tid:via) and theirs."""
    minter = Minter(BASE)
    contribution = load_files([NEW_MEMBERSHIP], None, minter, CUT_MIRROR, cut_data_dir.downloads)
    scoped = release_graph(cut_data_dir)
    full = release_graph(cut_data_dir)
    assert scoped is not None and full is not None
    try:
        join(scoped, contribution, minter)
        full.base.backup(str(full.workdir / "union"))
        union = Store(str(full.workdir / "union"))
        union.extend(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in contribution.triples())
        everything = derive_into(union, minter)
        assert set(scoped.derived) == set(everything)
        membership = f"<{BASE}id/adhesion/2023-2027/ti-1107/200057867>"
        predicates = {str(t.predicate) for t in scoped.derived if str(t.subject) == membership}
        assert predicates == {f"<{BASE}def#dateDebut>", f"<{BASE}def#dateFin>"}
        assert any(str(t.predicate) == f"<{BASE}def#via>" for t in scoped.derived)
        assert derive_for(union, minter, set()) == []  # nothing added: nothing to derive
    finally:
        scoped.close()
        full.close()


def test_without_a_release_the_mirror_s_reference_files_are_used(tmp_path: Path, cut_sources: Path, capsys) -> None:
    code, report = run_json([str(NEW_MEMBERSHIP), "--data-dir", str(tmp_path / "no-release"), "--mirror",
                             str(CUT_MIRROR), "--sources", str(cut_sources)], capsys)
    assert code == 0, report["results"]
    said = " ".join(report["validatedAgainst"])
    assert "reference files" in said and "communes.json" in said
    code, report = run_json([str(NOTHING), "--data-dir", str(tmp_path / "no-release"), "--mirror",
                             str(CUT_MIRROR), "--sources", str(cut_sources)], capsys)
    assert code == 1
    assert [r["sourceShape"].rsplit("#", 1)[-1] for r in report["results"]] == ["Adhesion-member-range"]


def test_no_release_and_no_mirror_is_a_usage_error(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("TID_MIRROR", raising=False)
    code = main(["validate", str(NEW_MEMBERSHIP), "--data-dir", str(tmp_path / "none")])
    err = capsys.readouterr().err
    assert code == 2
    assert "no built graph" in err and "no mirror" in err and len(err.strip().splitlines()) == 1


def test_a_mirror_without_a_reference_file_is_a_usage_error(tmp_path: Path, cut_sources: Path, capsys) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(CUT_MIRROR, mirror)
    (mirror / "cog" / "etalab-decoupage-administratif-3.1.1_cog2023" / "regions.json").unlink()
    code = main(["validate", str(NEW_MEMBERSHIP), "--data-dir", str(tmp_path / "none"), "--mirror", str(mirror),
                 "--sources", str(cut_sources)])
    err = capsys.readouterr().err
    assert code == 2
    assert "regions.json" in err and "reference file" in err
    # a CSV whose loader needs a reference file the mirror lacks: exit 2, not 1
    code = main(["validate", str(SITES), "--mirror", str(mirror), "--sources", str(cut_sources), "--closed"])
    err = capsys.readouterr().err
    assert code == 2
    assert "regions.json" in err and "needs this reference file" in err


# -- CSV rows ----------------------------------------------------------------------------------


def _sites_csv(tmp_path: Path, row_of: str) -> Path:
    """The cut sites CSV's header and its row about ``row_of``."""
    rows = list(csv.reader(io.StringIO(SITES.read_text(encoding="utf-8"))))
    kept = [rows[0]] + [row for row in rows[1:] if row[2] == row_of]
    assert len(kept) == 2
    path = tmp_path / "my-sites.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(kept)
    return path


def test_a_sites_row_naming_an_existing_commune_conforms(tmp_path: Path, cut_data_dir: DataDir, capsys) -> None:
    path = _sites_csv(tmp_path, "Zac du Tertre de Montereau")
    args = [str(path), "--mirror", str(CUT_MIRROR), *graph_of(cut_data_dir)]
    code, report = run_json(args, capsys)
    assert code == 0, report["results"]
    code, closed = run_json([*args, "--closed"], capsys)
    assert code == 1
    assert any(r["path"] == f"{BASE}def#commune" and r["severity"] == "Violation" for r in closed["results"])


def test_csv_results_carry_their_row(tmp_path: Path, cut_data_dir: DataDir, capsys) -> None:
    """A site whose row names no commune: the warning is on the row (2: the header is row 1)."""
    path = _sites_csv(tmp_path, "Europôle de Sarreguemines")
    code, report = run_json([str(path), "--mirror", str(CUT_MIRROR), "--fail-on", "warning", *graph_of(cut_data_dir)],
                            capsys)
    assert code == 1
    warnings = [r for r in report["results"] if r["sourceShape"].endswith("SiteCleEnMain-commune-recommended")]
    assert warnings and all(r["file"] == str(path) and r["line"] == 2 for r in warnings)


# -- formats -----------------------------------------------------------------------------------


def test_json_writes_iris_without_angle_brackets(cut_data_dir: DataDir, capsys) -> None:
    code, report = run_json([str(NEW_MEMBERSHIP), "--closed"], capsys)
    assert code == 1 and report["results"]
    for result in report["results"]:
        for key in ("focus", "path", "value", "sourceShape", "sourceConstraintComponent"):
            assert not str(result.get(key) or "").startswith("<"), (key, result)
        assert result["file"] == str(NEW_MEMBERSHIP) and result["line"] >= 6
    values = {r["value"]: r["valueKind"] for r in report["results"] if "value" in r}
    assert values[f"{BASE}id/phase/2023-2027"] == "iri"


def test_junit_has_one_test_case_per_shape_and_focus_node(tmp_path: Path, capsys) -> None:
    """Two memberships, each failing several shapes: one test case per (shape, focus node), each
    with one <failure> at most; a shape that found nothing is one passing test case."""
    second = NEW_MEMBERSHIP.read_text(encoding="utf-8").replace("200057867", "200000172")
    path = tmp_path / "two.ttl"
    path.write_text(NEW_MEMBERSHIP.read_text(encoding="utf-8") + second.split("\n\n", 1)[1], encoding="utf-8")
    code = main(["validate", str(path), "--closed", "--format", "junit", "--lang", "en"])
    root = ET.fromstring(capsys.readouterr().out)
    assert code == 1
    cases = root.findall(".//testcase")
    assert all(len(case.findall("failure")) <= 1 for case in cases)
    names = [case.get("name") for case in cases]
    assert len(names) == len(set(names))
    failing = [case for case in cases if case.find("failure") is not None]
    member = [case for case in failing if case.get("classname") == "tidsh:Adhesion-member-range"]
    assert len(member) == 2 and {case.get("line") for case in member} == {"7", "13"}
    assert int(root.get("failures")) == len(failing) and int(root.get("tests")) == len(cases)


def test_github_annotates_a_parse_error(tmp_path: Path, capsys) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b \"unterminated .\n", encoding="utf-8")
    code = main(["validate", str(path), "--format", "github"])
    captured = capsys.readouterr()
    assert code == 2
    annotations = [line for line in captured.out.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 1 and "line=2" in annotations[0] and "broken.ttl" in annotations[0]
    assert "broken.ttl" in captured.err


# -- where a statement is written --------------------------------------------------------------


def test_turtle_locations_follow_prefixes_lists_and_blank_nodes() -> None:
    text = """@prefix ex: <http://e/> .
@base <http://b/> .
ex:a a ex:K ;
  ex:p <x> ,
       "deux"@fr ;
  ex:q [ ex:r 3 ] ;
  ex:s ( 1 2 ) .
<y> ex:p ex:a .
"""
    found = turtle_locations("f.ttl", text, "http://unused/")
    assert found.line("<http://e/a>", "<http://e/p>", "<http://b/x>") == 4
    assert found.line("<http://e/a>", "<http://e/p>", '"deux"@fr') == 5
    assert found.line("<http://e/a>", "<http://e/q>", None) == 6
    assert found.line("<http://e/a>", "<http://e/missing>", None) == 3  # no such statement: the subject's line
    assert found.line("<http://e/a>", "^<http://e/p>", "<http://b/y>") == 8  # an inverse path
    assert found.line("<http://e/a>", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", "<http://e/K>") == 3


def test_trig_and_n_triples_locations() -> None:
    trig = "@prefix ex: <http://e/> .\nex:g {\n  ex:a ex:p ex:b .\n}\nGRAPH ex:h { ex:c ex:p ex:d }\n"
    found = turtle_locations("f.trig", trig, "http://b/")
    assert found.line("<http://e/a>", "<http://e/p>", "<http://e/b>") == 3
    assert found.line("<http://e/c>", "<http://e/p>", "<http://e/d>") == 5
    nt = '<http://e/a> <http://e/p> "x" .\n\n<http://e/a> <http://e/q> <http://e/b> <http://e/g> .\n'
    found = line_locations("f.nq", nt, "http://b/")
    assert found.line("<http://e/a>", "<http://e/q>", "<http://e/b>") == 3


# -- the whole graph ---------------------------------------------------------------------------


def test_whole_graph_progress_and_the_build_s_counts(cut_data_dir: DataDir, capsys) -> None:
    code = main(["validate", *graph_of(cut_data_dir), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0
    assert "SPARQL constraint 1/" in captured.err and "done" in captured.err
    manifest = cut_data_dir.current_manifest()
    assert manifest is not None
    built = manifest["validation"]["by_severity"]
    counted = {k: v for k, v in json.loads(captured.out)["counts"].items() if v}
    assert counted == built


# -- the hooks and the workflow, in another repository ----------------------------------------


def _pre_commit() -> str | None:
    found = shutil.which("pre-commit", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    return found


@pytest.mark.skipif(_pre_commit() is None, reason="pre-commit is not installed")
def test_pre_commit_hooks_in_a_throwaway_repository(tmp_path: Path, cut_data_dir: DataDir) -> None:
    """The hooks of .pre-commit-hooks.yaml, as written (entry, files), installed in a fresh git
    repository (as `repo: local` hooks with `language: system`: the installed tid, no download):
    a correct membership is committed, one naming nothing is refused with its line, a CSV that is
    not a source's passes untouched."""
    import yaml

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    for hook in hooks:
        assert hook["language"] == "python"
        hook["language"] = "system"
    repository = tmp_path / "contrib"
    repository.mkdir()
    (repository / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}), encoding="utf-8")
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
           "TID_DATA_DIR": str(cut_data_dir.root), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
    env.pop("TID_MIRROR", None)

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=repository, env=env, capture_output=True, text=True, timeout=300)

    assert git("init", "-q").returncode == 0
    subprocess.run([_pre_commit() or "pre-commit", "install"], cwd=repository, env=env, check=True, capture_output=True)
    shutil.copy(NEW_MEMBERSHIP, repository / "new-membership.ttl")
    (repository / "budget.csv").write_text("year,amount\n2024,12\n", encoding="utf-8")
    git("add", ".")
    done = git("commit", "-q", "-m", "a membership")
    assert done.returncode == 0, done.stdout + done.stderr
    # the CSV hook was given budget.csv (pre-commit says "no files to check" otherwise) and passed
    assert re.search(r"through their loaders\)\.+Passed", done.stdout + done.stderr)
    shutil.copy(NOTHING, repository / "nothing.ttl")
    git("add", "nothing.ttl")
    refused = git("commit", "-q", "-m", "a membership of nothing")
    said = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "nothing.ttl:9" in said and "org:member" in said and "non conforme" in said


def test_the_workflow_example_has_no_placeholders() -> None:
    text = (REPO / "docs" / "ci" / "github-actions-validate.yml").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "<" not in body and "OWNER" not in body
    assert "@v0.1.0" not in body and "vars.TID_COMMIT" in body


def test_after_a_source_changed_the_build_counts_what_tid_validate_finds(tmp_path: Path, capsys) -> None:
    """The second build writes a changelog naming the previous lauréats graph (``prov:used``):
    whatever the shapes say of it, the build's summary and ``tid validate`` count the same."""
    from tests.helpers import write_source_list
    from tid.graph.build import BuildOptions, build

    mirror = tmp_path / "mirror"
    shutil.copytree(CUT_MIRROR, mirror)
    data_dir = DataDir(tmp_path / "data")
    build(BuildOptions(data_dir=data_dir, mirror=mirror, source_list=write_source_list(tmp_path / "s.toml", mirror),
                       dumps=False))
    laureats = mirror / "sites-cles-en-main/fonds_acceleration_laureats.csv"
    laureats.chmod(0o644)
    laureats.write_text(laureats.read_text(encoding="utf-8").rstrip("\n").rsplit("\n", 1)[0] + "\n", encoding="utf-8")
    second = build(BuildOptions(data_dir=data_dir, mirror=mirror, source_list=write_source_list(tmp_path / "s.toml", mirror),
                                dumps=False))
    main(["validate", "--data-dir", str(data_dir.root), "--format", "json", "--quiet"])
    counted = {k: v for k, v in json.loads(capsys.readouterr().out)["counts"].items() if v}
    assert counted == second.manifest["validation"]["by_severity"]


def test_every_derivation_says_what_it_derives_facts_about() -> None:
    """``# scope:`` of each derive-*.rq: its variables are in the query's template, its classes
    and predicates are terms of the ontology."""
    from tid.graph.derive import derivation_names
    from tid.graph.queries import load_query

    ontology = (REPO / "ontology" / "tid.ttl").read_text(encoding="utf-8")
    for name in derivation_names():
        query = load_query(name)
        assert query.scope and query.scope_classes, name
        template = query.text.split("CONSTRUCT", 1)[1].split("WHERE", 1)[0]
        assert all(f"?{variable}" in template for variable in query.scope), name
        for term in query.scope_classes + query.scope_inverse:
            local = term.rsplit("#", 1)[-1]
            assert term.startswith(("http://rdf.insee.fr/def/geo#", "http://www.w3.org/ns/org#")) or \
                f"tid:{local} " in ontology, (name, term)


def test_a_scope_header_that_cannot_be_read_is_a_query_error() -> None:
    from tid.errors import QueryError
    from tid.graph.queries import parse_query_file

    header = "# title: t\n# fr: f\n# en: e\n"
    query = parse_query_file("q", header + "# scope: a b (tid:Adhesion igeo:Commune) ^org:member\nSELECT * {}")
    assert query.scope == ("a", "b") and query.scope_inverse == (ORG + "member",)
    with pytest.raises(QueryError, match="cannot read '# scope: a'"):
        parse_query_file("q", header + "# scope: a\nSELECT * {}")
    with pytest.raises(QueryError, match="unknown prefix 'nope'"):
        parse_query_file("q", header + "# scope: a (nope:K)\nSELECT * {}")


def test_a_malformed_csv_is_exit_2_and_annotated(tmp_path: Path, capsys) -> None:
    path = tmp_path / "sites.csv"
    lines = SITES.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0], lines[1], "2020-07-20,Pack Rebond 2020,truncated"]) + "\n", encoding="utf-8")
    code = main(["validate", str(path), "--mirror", str(CUT_MIRROR), "--closed", "--format", "github"])
    captured = capsys.readouterr()
    assert code == 2
    assert [line for line in captured.out.splitlines() if line.startswith("::error ")] and "line=3" in captured.out
    assert "sites.csv, row 3" in captured.err
