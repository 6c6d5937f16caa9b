"""The benchmark scripts run: a short soak of ``tid serve`` over the cut graph answers every
request as expected (exit 0, no unexpected error), and the endpoint benchmark has a working
``--help`` (the benchmark itself is too long for the tests)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import CUT_MIRROR, REPO


@pytest.fixture(scope="module")
def cut_build(tmp_path_factory: pytest.TempPathFactory, cut_sources: Path) -> Path:
    from tid.graph.build import BuildOptions, build
    from tid.graph.store import DataDir

    root = tmp_path_factory.mktemp("soak-data")
    build(BuildOptions(data_dir=DataDir(root), mirror=CUT_MIRROR, source_list=cut_sources))
    return root


def soak(data_dir: Path, *options: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """bench/soak.py run on ``data_dir`` with ``options``: the finished process and its whole output."""
    done = subprocess.run([sys.executable, str(REPO / "bench" / "soak.py"), "--data-dir", str(data_dir), *options],
                          cwd=REPO, capture_output=True, text=True, timeout=240)
    return done, done.stdout + done.stderr


def test_soak_short_run_has_no_unexpected_error(cut_build: Path) -> None:
    done, output = soak(cut_build, "--seconds", "5", "--concurrency", "4", "--pathological-every", "2")
    assert done.returncode == 0, output
    assert re.search(r"^unexpected errors: 0 ", done.stdout, re.MULTILINE), output
    requests = int(re.search(r"^requests: (\d+)", done.stdout, re.MULTILINE).group(1))
    assert requests > 0
    for kind in ("lookup", "pooled-lookup", "aggregation", "describe", "named", "construct", "malformed", "update",
                 "pathological"):
        assert re.search(rf"^{kind}\s+\d+", done.stdout, re.MULTILINE), f"no {kind} request:\n{output}"
    assert "server RSS" in done.stdout
    # each kind's share answered and shed (finding 15's measure); the lane's lookups are never shed
    assert re.search(r"^  lookup\s+answered\s+100\.0%\s+shed\s+0\.0%", done.stdout, re.MULTILINE), output


def test_soak_with_a_share_of_runaways_draws_them(cut_build: Path) -> None:
    done, output = soak(cut_build, "--seconds", "4", "--concurrency", "4", "--runaway-share", "0.05")
    assert done.returncode == 0, output
    assert "runaways: 5.0% of the requests" in done.stdout, output
    assert re.search(r"^pathological\s+[1-9]\d*", done.stdout, re.MULTILINE), output
    assert re.search(r"^  lookup\s+answered\s+100\.0%", done.stdout, re.MULTILINE), output


def test_bench_endpoint_help() -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "bench_endpoint.py"), "--help"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for option in ("--data-dir", "--duration", "--concurrency"):
        assert option in done.stdout


def test_bench_scale_help() -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "bench_scale.py"), "--help"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for option in ("--data-dir", "--copies", "--runs", "--build", "--mirror"):
        assert option in done.stdout


def test_bench_validate_on_the_cut_prints_every_figure() -> None:
    """The validation benchmark over the cut: full and incremental figures, the incremental
    result set equal to a full build's, and a naive call stopped at its limit (a lower bound)."""
    done = subprocess.run([sys.executable, str(REPO / "bench" / "bench_validate.py"), "--mirror", str(CUT_MIRROR),
                           "--naive-limit", "2"], cwd=REPO, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert re.search(r"^tid validate \(a fresh process, full validation of the built store\): [\d.]+ s, exit 0$",
                     done.stdout, re.MULTILINE), output
    assert re.search(r"^re-validation after one source changed, in the build \(incremental \(3 graph\(s\) changed, "
                     r"\d+ triple\(s\) differ, \d+ of \d+ SPARQL constraint\(s\) re-run\)\): [\d.]+ s$", done.stdout,
                     re.MULTILINE), output
    assert "its result set equals that of a full build of the changed data: True" in done.stdout
    assert re.search(r"^naive pySHACL: stopped after \d+ s without an answer", done.stdout, re.MULTILINE), output
    assert re.search(r"^ratios: naive / tid validate > \d+x", done.stdout, re.MULTILINE), output


def test_benchmarks_do_not_import_the_tests() -> None:
    """The benchmarks run from an installed package: what they share with the tests is in it."""
    for path in sorted((REPO / "bench").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {name for name in imported if name == "tests" or name.startswith("tests.")}, path.name
