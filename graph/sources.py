"""The source list (``sources.toml``): what each source is, where its file comes from, its checksum.

Files come from one of three places: the repository itself (``fetch = "project"``: curated
files), a mirror directory laid out as ``shared/data`` (``--mirror`` or ``TID_MIRROR``), or the
download cache filled by ``tid fetch``. Loaders only ever see local paths.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import shutil
import tarfile
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tid import ROOT
from tid.errors import ChecksumError, ConfigError, DownloadError, Location, SourceError

SOURCE_LIST = ROOT / "sources.toml"
FETCH_MODES = {"download", "mirror", "project"}
REQUIRED = ("id", "title", "publisher", "loader", "media_type", "licence")


@dataclass(frozen=True)
class SourceSpec:
    id: str
    title: str
    publisher: str
    loader: str
    media_type: str
    licence: str
    version: str = ""
    url: str = ""
    member: str = ""
    mirror: str = ""
    path: str = ""
    sha256: str = ""
    fetch: str = "download"
    phase: str | None = None
    reference_date: date | None = None
    reference_note: str = ""
    """Where the reference date comes from, when the file does not state it."""
    geography_date: date | None = None
    retrieved: date | None = None
    landing_page: str = ""
    licence_note: str = ""
    fetch_note: str = ""
    partial: bool = False
    requires: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    """What the loader is told about this file beyond its type (e.g. which source holds the
    current names); documented by each loader."""
    project_files: dict[str, str] = field(default_factory=dict)
    root: Path = ROOT
    """The directory `path` and `project_files` are relative to: the source list's own."""

    def project_file(self, name: str) -> Path:
        return self.root / self.project_files[name]


def _date(value: object, where: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def read_source_list(path: Path = SOURCE_LIST) -> list[SourceSpec]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}): a source list is a TOML file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: the source list cannot be read ({exc.strerror or exc}): give a TOML file "
                          "that exists (--sources)") from None
    specs: list[SourceSpec] = []
    known = {f.name for f in SourceSpec.__dataclass_fields__.values()} - {"root"}
    for number, entry in enumerate(data.get("source", []), start=1):
        where = f"{path} [[source]] #{number} ({entry.get('id', '?')})"
        missing = [key for key in REQUIRED if not entry.get(key)]
        if missing:
            raise ConfigError(f"{where}: missing {', '.join(missing)}")
        unknown = sorted(set(entry) - known)
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        fetch = entry.get("fetch", "download")
        if fetch not in FETCH_MODES:
            raise ConfigError(f"{where}: fetch {fetch!r} is not one of {', '.join(sorted(FETCH_MODES))}")
        if fetch == "project" and not entry.get("path"):
            raise ConfigError(f"{where}: a project source needs `path`")
        if fetch != "project" and not (entry.get("mirror") and entry.get("sha256")):
            raise ConfigError(f"{where}: an external source needs `mirror` and a pinned `sha256`")
        entry = dict(entry)
        for key in ("reference_date", "geography_date", "retrieved"):
            entry[key] = _date(entry.get(key), f"{where} {key}")
        entry["requires"] = tuple(entry.get("requires", ()))
        specs.append(SourceSpec(**entry, root=path.parent.resolve()))
    ids = [s.id for s in specs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(f"{path}: duplicate source id(s) {', '.join(duplicates)}")
    for spec in specs:
        for needed in spec.requires:
            if needed not in ids:
                raise ConfigError(f"{path}: source {spec.id!r} requires unknown source {needed!r}")
    return specs


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_pinned_source_list(target: Path, mirror: Path, source_list: Path = SOURCE_LIST) -> Path:
    """A copy of ``source_list`` at ``target`` whose checksums are those of ``mirror``'s files
    and whose project files are given by absolute path: to build from another mirror (the
    tests' cut of the real files, a benchmark's mirror with a source changed)."""
    text = source_list.read_text(encoding="utf-8")
    for entry in tomllib.loads(text)["source"]:
        if entry.get("mirror") and entry.get("sha256"):
            text = text.replace(entry["sha256"], sha256_of(mirror / entry["mirror"]))
        if entry.get("path"):
            text = text.replace(f'path = "{entry["path"]}"', f'path = "{source_list.parent / entry["path"]}"')
        for relative in entry.get("project_files", {}).values():
            text = text.replace(f'"{relative}"', f'"{source_list.parent / relative}"')
    target.write_text(text, encoding="utf-8")
    return target


@dataclass(frozen=True)
class ResolvedSource:
    """A source and its local file, checksum verified."""

    spec: SourceSpec
    path: Path
    sha256: str

    @property
    def byte_size(self) -> int:
        return self.path.stat().st_size


def cache_path(cache: Path, spec: SourceSpec) -> Path:
    return cache / spec.id / Path(spec.mirror).name


def locate(spec: SourceSpec, mirror: Path | None, cache: Path) -> Path:
    if spec.fetch == "project":
        return spec.root / spec.path
    candidates = [mirror / spec.mirror] if mirror else []
    candidates.append(cache_path(cache, spec))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if mirror is not None:  # a mirror was given: it lacks this file (or has another where the file should be)
        found = "has something other than a file at" if (mirror / spec.mirror).exists() else "has no file"
        hint = (f"the mirror given ({mirror}) {found} {spec.mirror}; "
                + ("put the file there, or run `tid fetch`" if spec.fetch == "download"
                   else "put the file there (the mirror's SOURCES.md says where it comes from)"))
    else:
        hint = "run `tid fetch`" if spec.fetch == "download" else "give the mirror directory (--mirror or TID_MIRROR)"
    raise SourceError(Location(str(candidates[0])), f"source {spec.id!r} not found locally: {hint}")


def resolve(specs: Iterable[SourceSpec], mirror: Path | None, cache: Path) -> list[ResolvedSource]:
    resolved = []
    for spec in specs:
        path = locate(spec, mirror, cache)
        checksum = sha256_of(path)
        if spec.sha256 and checksum != spec.sha256:
            raise ChecksumError(
                Location(str(path)),
                f"sha256 {checksum} differs from the {spec.sha256} pinned for {spec.id!r} in sources.toml: "
                "a new version of the file? check it, then update `sha256` and `version`",
            )
        resolved.append(ResolvedSource(spec, path, checksum))
    return resolved


def fetch(spec: SourceSpec, mirror: Path | None, cache: Path, timeout: float = 60.0) -> Path:
    """Put the source's file in the cache: copied from the mirror, or downloaded; checksum checked."""
    if spec.fetch == "project":
        return spec.root / spec.path
    target = cache_path(cache, spec)
    if target.is_file() and sha256_of(target) == spec.sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    if mirror and (mirror / spec.mirror).is_file():
        shutil.copyfile(mirror / spec.mirror, partial)
    elif spec.fetch == "download" and spec.url:
        try:
            with urllib.request.urlopen(spec.url, timeout=timeout) as response:  # noqa: S310 - URLs from our list
                payload = response.read()
        except urllib.error.HTTPError as exc:
            raise DownloadError(Location(spec.url), f"source {spec.id!r}: the server answered HTTP {exc.code} "
                                f"{exc.reason}; try again later, or build from a mirror (--mirror)") from None
        except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
            # no route, no name, refused, timed out, or cut off mid-answer (IncompleteRead)
            reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
            raise DownloadError(Location(spec.url), f"source {spec.id!r} cannot be downloaded ({reason}): without "
                                "network, build from a mirror (--mirror or TID_MIRROR)") from None
        except ValueError as exc:  # urllib's "unknown url type" for an address without a scheme
            raise ConfigError(f"source {spec.id!r}: url {spec.url!r} is not a web address ({exc})") from None
        if spec.member:
            try:
                with tarfile.open(fileobj=io.BytesIO(payload), mode="r:*") as archive:
                    member = archive.extractfile(spec.member)
                    if member is None:
                        raise DownloadError(Location(spec.url), f"{spec.member!r} is not a file in the archive")
                    payload = member.read()
            except (tarfile.TarError, EOFError, KeyError) as exc:
                reason = " ".join(str(exc).split())  # tarfile lists, one a line, each method it tried
                raise DownloadError(Location(spec.url), f"source {spec.id!r}: the download is not the tar archive "
                                    f"expected, or lacks {spec.member!r} ({reason}); try again later, or build from "
                                    "a mirror (--mirror or TID_MIRROR)") from None
        partial.write_bytes(payload)
    else:
        raise SourceError(Location(spec.mirror), f"source {spec.id!r} has no download; it comes only from a mirror")
    checksum = sha256_of(partial)
    if checksum != spec.sha256:
        partial.unlink()
        raise ChecksumError(Location(spec.url or spec.mirror), f"downloaded sha256 {checksum} differs from the pinned {spec.sha256}")
    partial.replace(target)
    return target
