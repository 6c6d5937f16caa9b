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

The default graph of a release's store is the RDF merge of its named graphs: each triple that
any named graph states, once. The build writes it (:class:`ReleaseWriter`), and every query
without a dataset clause reads it, instead of asking the engine for the union of the named
graphs: pyoxigraph 0.5's union default graph counts a triple once per graph that states it
(oxigraph issue #1919, fixed by PR #1920 after 0.5.13), so ``COUNT`` and ``SUM`` over facts two
sources share came out doubled. ``GRAPH ?g`` still sees each source's own statements.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, serialize

from tid.errors import ConfigError
from tid.graph.queries import load_query

PARTIAL = ".partial"
MERGE_GRAPH = "merge"
"""``{base}graph/merge``: the name under which ``tid push`` sends the store's default graph (the
merge of the named graphs) to a server, whose own default graph may hold other things."""


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

    @contextmanager
    def build_lock(self) -> Iterator[None]:
        """One build at a time on this data directory: an advisory lock on ``build.lock`` (the
        kernel releases it when its process ends, however it ends), which says who holds it. Under
        the lock, every partial release directory is the leftover of a build that is gone, so
        :meth:`new_release` may remove them; a second build is refused rather than let it delete
        the first one's work."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / "build.lock").open("a+", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise ConfigError(f"{self.root} is being built by {holder}: wait for that build to end (or stop it); "
                                  "two builds on one data directory would delete each other's work") from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()} on {socket.gethostname()} since "
                         f"{datetime.now(UTC).isoformat(timespec='seconds')}\n")
            handle.flush()
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def new_release(self) -> tuple[str, Path]:
        """A fresh partial release directory; leftovers of killed builds are removed first (the
        caller holds :meth:`build_lock`: no other build is running)."""
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
    try:
        return Store.read_only(str(release / "store"))
    except (OSError, RuntimeError) as exc:  # pyoxigraph: a missing or damaged store (RocksDB's words)
        reason = " ".join(str(exc).split())
        raise ConfigError(f"the store of the live release {release.name} cannot be opened ({reason}): build a new "
                          f"release with `tid build --force --data-dir {data_dir.root}`") from None


def merged(quads: Iterable[Quad]) -> Iterator[Quad]:
    """Each quad, and its triple again in the default graph: what to add to a store whose default
    graph is the merge of its named graphs (a triple already there is not added twice)."""
    default = DefaultGraph()
    for quad in quads:
        yield quad
        if not isinstance(quad.graph_name, DefaultGraph):
            yield Quad(quad.subject, quad.predicate, quad.object, default)


def named_quads(store: Store) -> int:
    """How many quads the named graphs hold (the default graph, their merge, left out)."""
    return _count(store, "store-named-quads")


def default_triples(store: Store) -> int:
    """Triples of the default graph: the merge of the named graphs, each triple once."""
    return _count(store, "store-triples")


def _count(store: Store, query: str) -> int:
    solution = next(iter(store.query(load_query(query).text)))
    return int(solution[0].value)


class ReleaseWriter:
    """Writes a release's store and its N-Quads dump together.

    Every quad goes into its named graph, its triple into the default graph (the merge), and
    the quad into the dump, which therefore holds exactly the named graphs. Large graphs come as
    files the loader cache already holds (N-Triples for the store's bulk loader, N-Quads for the
    dump); the rest (ontology, derivations, provenance, validation report, changelog) as quads.
    """

    def __init__(self, store: Store, nquads: Path):
        self.store = store
        self.nquads = nquads
        nquads.parent.mkdir(parents=True, exist_ok=True)
        self._dump: BinaryIO | None = nquads.open("wb")

    def load_graph(self, ntriples: Path, nquads: Path, graph: NamedNode) -> None:
        """A named graph from its loader's files: ``ntriples`` its triples, ``nquads`` the same in ``graph``."""
        for target in (graph, DefaultGraph()):
            self.store_triples(ntriples, target)
        self.dump_file(nquads)

    def store_triples(self, ntriples: Path, target: NamedNode | DefaultGraph) -> None:
        """The triples of an N-Triples file into one graph of the store (a named graph, or the
        merge), without the dump: :meth:`dump_file` adds them there. The bulk loader lets go of the
        GIL: two threads may load side by side."""
        self.store.bulk_load(path=str(ntriples), format=RdfFormat.N_TRIPLES, to_graph=target)

    def dump_file(self, nquads: Path) -> None:
        """An N-Quads file, whose quads are in the store, appended to the dump."""
        with nquads.open("rb") as source:
            while block := source.read(1 << 22):
                self._write(block)

    def load_turtle(self, path: Path, graph: NamedNode) -> None:
        self.store.bulk_load(path=str(path), format=RdfFormat.TURTLE, to_graph=graph)
        self.add_to_dump(list(self.store.quads_for_pattern(None, None, None, graph)), default=True)

    def add(self, quads: Iterable[Quad]) -> list[Quad]:
        """Quads into their graphs, the merge and the dump; returns those that were new (a graph
        is a set: a quad given twice, or already there, is stored and dumped once)."""
        new = [quad for quad in dict.fromkeys(quads) if quad not in self.store]
        # bulk: no transaction per call (a release is built in a directory of its own and
        # discarded whole if the build fails); ten times faster than extend on 240,000 quads
        self.store.bulk_extend(merged(new))
        self.add_to_dump(new)
        return new

    def add_ntriples(self, lines: list[bytes], graph: NamedNode) -> None:
        """Triples given as canonical N-Triples lines (each ``<s> <p> <o> .``, as the store's
        serialiser writes them; the caller has kept only those ``graph`` does not hold yet) into
        ``graph``, the merge and the dump: two bulk loads and one write, with no Python object per
        triple (a third of the time of :meth:`add` on the derivations' 440,000 triples)."""
        if not lines:
            return
        data = b"\n".join(lines) + b"\n"
        for target in (graph, DefaultGraph()):
            self.store.bulk_load(data, format=RdfFormat.N_TRIPLES, to_graph=target)
        suffix = b" " + str(graph).encode() + b" ."
        self._write(b"\n".join(line[:-2] + suffix for line in lines) + b"\n")

    def add_to_dump(self, quads: list[Quad], default: bool = False) -> None:
        """``quads`` (already in the store's named graphs) into the dump; ``default``: and their
        triples into the merge."""
        if default:
            self.store.bulk_extend(Quad(q.subject, q.predicate, q.object, DefaultGraph()) for q in quads)
        if quads:
            self._write(serialize(quads, format=RdfFormat.N_QUADS) or b"")

    def flush_dump(self) -> Path:
        """The dump as written so far, readable by another reader (the validation)."""
        if self._dump is not None:
            self._dump.flush()
        return self.nquads

    def close_dump(self) -> Path:
        """The dump is complete (later additions go to the store and the merge only)."""
        if self._dump is not None:
            self._dump.close()
            self._dump = None
        return self.nquads

    def _write(self, data: bytes) -> None:
        if self._dump is None:
            raise RuntimeError("the N-Quads dump of this release is already closed")
        self._dump.write(data)
