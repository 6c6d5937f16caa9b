"""Build benchmark: prints figures, asserts nothing. ``make bench`` or
``python bench/bench_build.py [--mirror DIR] [--runs N]``.

Measured, each in its own process so that peak memory is the process's own:

* the full build from the mirror into an empty data directory (wall time, peak RSS,
  triples per second);
* a no-change rebuild (the goal is under 3 s);
* a rebuild after one source changed (a copy of the mirror with one file edited);
* the comparison: plain rdflib parsing the same triples (the build's N-Quads dump) into a
  ``Dataset`` — wall time, peak RSS, triples per second — and the ratios.

Goals (issue 2): full build under 60 s and under 2 GB on a 2-core machine; no-change
rebuild under 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tid.graph.sources import write_pinned_source_list

REPO = Path(__file__).resolve().parents[1]
RDFLIB_LOAD = """
import gzip, sys, time
from rdflib import Dataset
started = time.perf_counter()
dataset = Dataset()
with gzip.open(sys.argv[1], "rb") as handle:
    dataset.parse(handle, format="nquads")
print(time.perf_counter() - started, len(dataset))
"""


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """(wall seconds, peak RSS of the child in MiB, stdout) of one command in a fresh process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stdout = process.stdout.read() if process.stdout else ""
    stderr = process.stderr.read() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed:\n{stderr}{stdout}")
    return wall, usage.ru_maxrss // 1024, stdout


def tid(*args: str) -> list[str]:
    return [sys.executable, "-m", "tid.cli", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirror", default=os.environ.get("TID_MIRROR", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--runs", type=int, default=1, help="full builds to time (median is printed)")
    args = parser.parse_args()
    mirror = Path(args.mirror).resolve()

    with tempfile.TemporaryDirectory(prefix="tid-bench-") as tmp:
        work = Path(tmp)
        builds = []
        for number in range(args.runs):
            data = work / f"data-{number}"
            builds.append(run(tid("build", "--quiet", "--data-dir", str(data), "--mirror", str(mirror))))
        data = work / f"data-{args.runs - 1}"
        manifest = json.loads((data / "current" / "build.json").read_text(encoding="utf-8"))
        quads = manifest["counts"]["quads"]
        full_wall = statistics.median(b[0] for b in builds)
        full_rss = max(b[1] for b in builds)

        unchanged = [run(tid("build", "--quiet", "--data-dir", str(data), "--mirror", str(mirror)))[0] for _ in range(3)]

        # One source changed: a private mirror whose lauréats file lost its last row.
        copy = work / "mirror"
        shutil.copytree(mirror, copy, ignore=shutil.ignore_patterns("sources"))
        laureats = copy / "sites-cles-en-main" / "fonds_acceleration_laureats.csv"
        laureats.chmod(0o644)
        laureats.write_text(laureats.read_text(encoding="utf-8").rstrip("\n").rsplit("\n", 1)[0] + "\n", encoding="utf-8")
        sources = write_pinned_source_list(work / "sources.toml", copy)
        changed_wall, _rss, _ = run(tid("build", "--quiet", "--data-dir", str(data), "--mirror", str(copy), "--sources", str(sources)))

        dump = data / "current" / "dumps" / "tid.nq.gz"
        rdflib_wall, rdflib_rss, out = run([sys.executable, "-c", RDFLIB_LOAD, str(dump)])
        rdflib_parse, rdflib_quads = out.split()

    print(f"machine: {os.cpu_count()} cores; mirror: {mirror}")
    print(f"graph: {quads} quads in {len(manifest['counts']['graphs'])} named graphs")
    print(f"full build (tid build, empty data dir): {full_wall:.1f} s wall, peak RSS {full_rss} MiB, "
          f"{quads / full_wall:,.0f} quads/s end to end  [goal: < 60 s, < 2048 MiB]")
    print(f"no-change rebuild: median {statistics.median(unchanged):.2f} s (max {max(unchanged):.2f})  [goal: < 3 s]")
    print(f"rebuild after one source changed: {changed_wall:.1f} s")
    print(f"rdflib, parsing the same quads (N-Quads dump) into a Dataset: {rdflib_wall:.1f} s wall "
          f"({float(rdflib_parse):.1f} s parsing), peak RSS {rdflib_rss} MiB, {int(rdflib_quads) / float(rdflib_parse):,.0f} quads/s")
    print(f"ratios: rdflib parse time / full tid build = {float(rdflib_parse) / full_wall:.2f}; "
          f"rdflib peak memory / tid peak memory = {rdflib_rss / full_rss:.2f}")
    print(f"(peak RSS of this script's children: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024} MiB)")


if __name__ == "__main__":
    main()
