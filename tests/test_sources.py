"""The source list and ``tid fetch``: every entry is complete, files are checked, nothing downloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import CUT_MIRROR, REPO
from tid.cli import main
from tid.errors import ChecksumError, ConfigError, SourceError
from tid.graph.build import check_loaders
from tid.graph.sources import fetch, read_source_list, resolve


def test_packaged_source_list_is_complete() -> None:
    specs = read_source_list()
    assert len({s.id for s in specs}) == len(specs)
    for spec in specs:
        assert spec.licence.startswith("https://"), spec.id
        if spec.fetch != "project":
            assert len(spec.sha256) == 64 and spec.mirror, spec.id
        if spec.fetch == "download":
            assert spec.url.startswith("https://"), spec.id
        if spec.fetch == "project":
            assert (REPO / spec.path).is_file(), spec.path


def test_every_curated_file_is_a_source() -> None:
    listed = {s.path for s in read_source_list() if s.fetch == "project"}
    on_disk = {f"curated/{p.name}" for p in (REPO / "curated").iterdir() if p.suffix in (".ttl", ".csv")}
    assert on_disk - listed == set()  # the reconciliation tables too: sources with a checksum and provenance


def test_fetch_from_mirror_fills_the_cache_and_checks_checksums(tmp_path: Path, cut_sources: Path) -> None:
    code = main(["fetch", "--data-dir", str(tmp_path), "--mirror", str(CUT_MIRROR), "--sources", str(cut_sources)])
    assert code == 0
    specs = [s for s in read_source_list(cut_sources) if s.fetch != "project"]
    # A second resolution finds every file in the cache, without the mirror.
    resolved = resolve(specs, None, tmp_path / "sources")
    assert all(r.path.is_relative_to(tmp_path) for r in resolved)


def test_mirror_only_source_without_mirror_is_a_clear_error(tmp_path: Path, cut_sources: Path) -> None:
    spec = next(s for s in read_source_list(cut_sources) if s.fetch == "mirror")
    with pytest.raises(SourceError, match="comes only from a mirror"):
        fetch(spec, None, tmp_path)


def test_a_download_without_network_is_one_line_not_a_traceback(tmp_path: Path, cut_sources: Path, capsys) -> None:
    """No server listens at the address (a port nothing holds): the error names the source and
    says what to do, with the exit code of a runtime error (2: the same command may work later),
    and no urllib traceback."""
    import dataclasses
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    spec = next(s for s in read_source_list(cut_sources) if s.fetch == "download")
    unreachable = dataclasses.replace(spec, url=f"http://127.0.0.1:{port}/nothing.tgz")
    with pytest.raises(SourceError, match=rf"source {spec.id!r} cannot be downloaded .*build from a mirror") as raised:
        fetch(unreachable, None, tmp_path, timeout=5)
    assert raised.value.exit_code == 2
    assert not (tmp_path / spec.id).exists() or not any((tmp_path / spec.id).iterdir())


def test_changed_cached_file_is_refused(tmp_path: Path, cut_sources: Path) -> None:
    spec = next(s for s in read_source_list(cut_sources) if s.id == "cog2023-regions")
    path = fetch(spec, CUT_MIRROR, tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + " ", encoding="utf-8")
    with pytest.raises(ChecksumError, match="differs from the .* pinned for 'cog2023-regions'"):
        resolve([spec], None, tmp_path)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('id = "x"\ntitle = "x"\npublisher = "x"\nloader = "nope"\nmedia_type = "text/csv"\nlicence = "https://l"\n'
         'mirror = "a"\nsha256 = "b"',
         "loader 'nope' is not one of"),
        ('id = "x"\ntitle = "x"\npublisher = "x"\nloader = "cog_regions"\nmedia_type = "text/csv"',
         "missing licence"),
        ('id = "x"\ntitle = "x"\npublisher = "x"\nloader = "cog_regions"\nmedia_type = "text/csv"\nlicence = "https://l"\n'
         'mirror = "a"\nsha256 = "b"\ncolour = "red"', "unknown key(s) colour"),
        ('id = "x"\ntitle = "x"\npublisher = "x"\nloader = "cog_regions"\nmedia_type = "text/csv"\nlicence = "https://l"',
         "needs `mirror` and a pinned `sha256`"),
    ],
)
def test_bad_source_list_entries_are_named(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text("[[source]]\n" + entry + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources.toml \[\[source\]\] #1 \(x\)") as raised:
        check_loaders(read_source_list(path), path)
    assert message in str(raised.value)
