"""Where built graphs live, and how a new one replaces the old without ever damaging it.

Layout of the data directory (``--data-dir``, ``TID_DATA_DIR``, default ``./var``)::

    cache/{source id}/{key}.nq|.json   loader output per source file and loader code
    releases/{release}/store/          the pyoxigraph store of one build
    releases/{release}/dumps/          N-Quads, TriG, Turtle, JSON-LD, VoID
    releases/{release}/build.json      what the build read, counted and checked
    current -> releases/{release}      the live release (a symlink swapped atomically)

A build writes everything into ``releases/{release}.partial`` and renames it when complete;
``current`` is then replaced with ``os.replace``, which is atomic. A build that fails or is
killed leaves ``current`` as it was; its partial directory is removed by the next build.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyoxigraph import Store

from tid.errors import ConfigError

PARTIAL = ".partial"


@dataclass(frozen=True)
class DataDir:
    root: Path

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def downloads(self) -> Path:
        return self.root / "sources"

    @property
    def releases(self) -> Path:
        return self.root / "releases"

    @property
    def current(self) -> Path:
        return self.root / "current"

    def current_release(self) -> Path | None:
        if not self.current.is_symlink() and not self.current.exists():
            return None
        target = self.current.resolve()
        return target if (target / "build.json").is_file() else None

    def current_manifest(self) -> dict[str, Any] | None:
        release = self.current_release()
        if release is None:
            return None
        return json.loads((release / "build.json").read_text(encoding="utf-8"))

    def new_release(self) -> tuple[str, Path]:
        """A fresh partial release directory; leftovers of killed builds are removed first."""
        self.releases.mkdir(parents=True, exist_ok=True)
        for leftover in self.releases.glob(f"*{PARTIAL}"):
            shutil.rmtree(leftover, ignore_errors=True)
        release = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.releases / (release + PARTIAL)
        path.mkdir()
        return release, path

    def publish(self, release: str, partial: Path, keep: int = 2) -> Path:
        """Make a complete partial release live, atomically; keep the last ``keep`` releases."""
        final = self.releases / release
        partial.rename(final)
        link = self.root / "current.new"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(final.relative_to(self.root), target_is_directory=True)
        os.replace(link, self.current)
        live = final.name
        finished = sorted(p for p in self.releases.iterdir() if p.is_dir() and not p.name.endswith(PARTIAL))
        for old in finished[:-keep]:
            if old.name != live:
                shutil.rmtree(old, ignore_errors=True)
        return final


def open_read_only(data_dir: DataDir) -> Store:
    """The live store, read-only (what the endpoint and ``tid query`` use)."""
    release = data_dir.current_release()
    if release is None:
        raise ConfigError(f"no built graph in {data_dir.root}: run `tid build` first")
    return Store.read_only(str(release / "store"))
