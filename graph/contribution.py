"""Validating contributed files (``tid validate FILE``) in the graph they will join.

A file of new memberships names territories, EPCIs and phases that the file does not describe:
alone, it cannot pass a shape that asks its values to be "a territory described in the graph".
So a file is validated as the build would see it:

1. **the graph it joins**: the live release (read-only; a checkpoint of its store, hard links on
   the same disk, takes well under a second), or, when no release is built, the graph the
   sources of ``sources.toml`` give, read from the mirror by their loaders (cached as the build
   caches them);
2. **the file's statements added**, in their own named graph and the merge, then **the
   build's derivations** (``queries/derive-*.rq``) run for what the file adds (each bound to the
   nodes its ``# scope:`` names, or over the whole when that is quicker), keeping what they add:
   a membership's dates, the memberships of an EPCI's communes, a site's territory;
3. **the shapes run on what the file reaches**: the nodes the file's and the derived triples can
   change (the nodes an incremental validation re-checks: :mod:`tid.graph.validate.incremental`)
   for the local shapes, and, for the SPARQL constraints whose patterns can match one of those
   triples, each of their nodes bound as ``$this``;
4. **only results about the file reported**: those on a node the file describes (a subject of
   its statements), and those on other nodes it reaches that the graph alone does not have (the
   same shapes run on the same nodes of the graph without the file).

``--closed`` skips all of it: the file alone, as pySHACL would validate it.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, Triple, Variable

from tid import ROOT, __version__
from tid.errors import ConfigError, SourceError
from tid.graph.derive import derivation_names
from tid.graph.inputs import Contribution
from tid.graph.queries import load_query
from tid.graph.report import ShapeResult
from tid.graph.shapes import Shapes, nt
from tid.graph.store import DataDir, merged
from tid.graph.validate.scoped import Reach
from tid.namespaces import RDF, Minter

Progress = Callable[[str], None]


@dataclass
class JoinedGraph:
    """What a contribution is validated against, and the union once the file joined it."""

    base: Store
    """The graph the file joins (not modified)."""
    description: str
    """What it is, said in the output: a release and its directory, or the reference files."""
    workdir: Path
    union: Store | None = None
    file_triples: set[Triple] = field(default_factory=set)
    derived: list[Triple] = field(default_factory=list)

    def close(self) -> None:
        self.union = None
        shutil.rmtree(self.workdir, ignore_errors=True)


def _workdir(data_dir: DataDir) -> Path:
    """A private directory on the data directory's disk (a checkpoint there is hard links), or in
    the system's temporary directory when the data directory is not writable."""
    try:
        data_dir.root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".validate-", dir=data_dir.root))
    except OSError:
        return Path(tempfile.mkdtemp(prefix="tid-validate-"))


def release_graph(data_dir: DataDir) -> JoinedGraph | None:
    """The live release, read-only, or None when none is built."""
    release = data_dir.current_release()
    if release is None:
        return None
    store = Store.read_only(str(release / "store"))
    return JoinedGraph(store, f"release {release.name} ({release})", _workdir(data_dir))


def reference_graph(data_dir: DataDir, mirror: Path | None, minter: Minter, progress: Progress,
                    source_list: Path | None = None) -> JoinedGraph:
    """The graph the sources give without a release: each source of ``sources.toml`` read by its
    loader from the mirror (or the download cache), the ontology and the derivations, in a store
    of its own. A source that cannot be found is a usage error (exit 2), not bad data."""
    from tid.graph.build import CODE_FILES, cache_key, files_digest, load_source  # the build's loaders and cache
    from tid.graph.sources import read_source_list, resolve

    if mirror is None and not data_dir.downloads.is_dir():
        raise ConfigError(f"no built graph in {data_dir.root} and no mirror (--mirror or TID_MIRROR): nothing to "
                          "validate the file against; run `tid build`, give the mirror, or use --closed")
    progress(f"no release built in {data_dir.root}: reading the reference files of {mirror or data_dir.downloads}")
    specs = read_source_list(source_list) if source_list else read_source_list()
    try:
        resolved = resolve(specs, mirror, data_dir.downloads)
    except SourceError as exc:
        raise ConfigError(f"{exc.location.file}: a reference file cannot be read: {exc.message}") from None
    by_id = {r.spec.id: r for r in resolved}
    code = files_digest(CODE_FILES)
    workdir = _workdir(data_dir)
    try:
        store = Store(str(workdir / "reference"))
        for number, item in enumerate(resolved, start=1):
            progress(f"reference {number}/{len(resolved)}: {item.spec.id}")
            references = [by_id[i] for i in item.spec.requires]
            loaded = load_source(item, references, minter, data_dir.cache,
                                 cache_key(item, references, code, minter.base))
            if loaded.quads_file is None:
                raise ConfigError(f"{item.path}: the reference source {item.spec.id!r} has rejected rows; "
                                  "`tid build` lists them")
            for target in (loaded.record.graph, DefaultGraph()):
                store.bulk_load(path=str(loaded.quads_file.with_suffix(".nt")), format=RdfFormat.N_TRIPLES,
                                to_graph=target)
        for target in (minter.graph("ontology", __version__), DefaultGraph()):
            store.bulk_load(path=str(ROOT / "ontology" / "tid.ttl"), format=RdfFormat.TURTLE, to_graph=target)
        progress("reference: derivations")
        derive_into(store, minter)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    names = ", ".join(str(r.path) for r in resolved if r.spec.fetch != "project")
    return JoinedGraph(store, f"the reference files of {mirror or data_dir.downloads} (no release built): {names}", workdir)


def derive_into(store: Store, minter: Minter) -> list[Triple]:
    """The build's derivations (``queries/derive-*.rq``, in name order, each seeing the ones
    before) over the store's default graph; what they add goes to the derivations graph and the
    merge. Returns the triples added."""
    graph = minter.graph("derivations")
    added: list[Triple] = []
    for name in derivation_names():
        new = [t for t in store.query(load_query(name).text)
               if Quad(t.subject, t.predicate, t.object, DefaultGraph()) not in store]
        new = list(dict.fromkeys(new))
        store.extend(merged(Quad(t.subject, t.predicate, t.object, graph) for t in new))
        added += new
    return added


BOUND_BUDGET = 1.0
"""Seconds a derivation may spend bound to one node after another before it runs once over the
whole graph instead (Oxigraph does not push every binding into a grouped sub-query)."""


def derive_for(store: Store, minter: Minter, file_triples: set[Triple]) -> list[Triple]:
    """The build's derivations, for what a contribution adds: each derivation with a scope (see
    :mod:`tid.graph.queries`) runs bound to each node of its classes that the file's triples (or
    earlier derivations) describe, or name as the object of a predicate the scope lists, or once
    over the whole graph when that is quicker; what it adds that the graph does not hold goes to the derivations graph
    and the merge. A derivation without a scope runs over the whole graph."""
    graph = minter.graph("derivations")
    added: list[Triple] = []
    for name in derivation_names():
        query = load_query(name)
        changed = file_triples | set(added)
        about = {t.subject for t in changed}
        about |= {t.object for t in changed if t.predicate.value in query.scope_inverse}
        seeds = sorted((node for node in about if isinstance(node, NamedNode) and any(
                            True for cls in query.scope_classes
                            for _ in store.quads_for_pattern(node, RDF.type, NamedNode(cls), DefaultGraph()))),
                       key=lambda node: node.value)
        if not query.scope:
            seeds = []
            found = list(store.query(query.text))
        elif not seeds:
            continue
        else:
            found, started = [], time.perf_counter()
            for number, node in enumerate(seeds, start=1):
                found += store.query(query.text, substitutions={Variable(v): node for v in query.scope})
                spent = time.perf_counter() - started
                if number < len(seeds) and spent / number * len(seeds) > BOUND_BUDGET:
                    found = list(store.query(query.text))
                    break
        new = [t for t in dict.fromkeys(found) if Quad(t.subject, t.predicate, t.object, DefaultGraph()) not in store]
        store.extend(merged(Quad(t.subject, t.predicate, t.object, graph) for t in new))
        added += new
    return added


def join(joined: JoinedGraph, contribution: Contribution, minter: Minter) -> None:
    """The union: a checkpoint of the graph (hard links, or a copy across disks), the file's
    quads (its named graphs, or ``{base}graph/contribution``, and the merge), the derivations."""
    checkpoint = joined.workdir / "union"
    joined.base.backup(str(checkpoint))
    union = Store(str(checkpoint))
    contributed = minter.graph("contribution")
    named = [q for q in contribution.store if not isinstance(q.graph_name, DefaultGraph)]  # a TriG or N-Quads file's graphs
    in_named = {q.triple for q in named}
    quads = named + [Quad(t.subject, t.predicate, t.object, contributed)
                     for t in contribution.triples() if t not in in_named]
    union.extend(merged(dict.fromkeys(quads)))
    joined.file_triples = contribution.triples()
    joined.derived = derive_for(union, minter, joined.file_triples)
    joined.union = union


@dataclass
class ContributionOutcome:
    results: list[ShapeResult]
    against: str
    seconds: float
    nodes: int
    derived: int


def validate_contribution(joined: JoinedGraph, shapes: Shapes) -> ContributionOutcome:
    """The results about the file's statements, in the union (see the module's text)."""
    started = time.perf_counter()
    union = joined.union
    assert union is not None
    changed = joined.file_triples | set(joined.derived)
    reach = Reach.of(union, shapes, changed)
    found = reach.results(union, shapes)
    own = {nt(t.subject) for t in joined.file_triples}  # derived facts about other nodes: only what is new
    before = {r.key for r in reach.results(joined.base, shapes)} if any(r.focus not in own for r in found) else set()
    kept = [r for r in found if r.focus in own or r.key not in before]
    return ContributionOutcome(kept, joined.description, time.perf_counter() - started, reach.size, len(joined.derived))
