"""``tid build``: sources -> loaders -> named graphs -> derivations -> validation -> store -> dumps.

Every source is loaded into its own named graph ``{base}graph/{source id}/{version}``; a loader's
output is cached under a key made of the file's checksum, the loader code and the files it looked
things up in, so an unchanged source is not reloaded, and a build whose inputs all match the live
release's does nothing. The new store is written beside the live one and swapped in at the end
(see ``graph/store.py``): a failed or killed build leaves what is served untouched.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import shutil
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, serialize

from tid import ROOT, __version__
from tid.errors import ConfigError, DataError
from tid.graph import catalog, changelog, derive, export, statistics, validate
from tid.graph.provenance import LoadRecord, describe_load, describe_project_graph
from tid.graph.queries import is_absolute_iri
from tid.graph.report import report_quads, result_iri
from tid.graph.shapes import load_shapes, shapes_files
from tid.graph.sources import (
    SOURCE_LIST,
    ResolvedSource,
    SourceSpec,
    read_source_list,
    resolve,
    sha256_of,
)
from tid.graph.store import DataDir, ReleaseWriter
from tid.loaders import LOADERS
from tid.loaders.base import LoadContext, LoadReport
from tid.namespaces import DEFAULT_BASE, ONTOLOGY_IRI, Minter

CODE_FILES = ("loaders/*.py", "namespaces.py")
"""The code a loader's output depends on: a change in any of it invalidates the cache."""
VALIDATION_STATE = "validation-state.json"
RELEASE_INPUTS = ("ontology/*.ttl", "shapes/*.ttl", "queries/*.rq", "graph/*.py", "loaders/*.py", "sources.toml")
"""Everything a release depends on besides the sources themselves."""


@dataclass
class BuildOptions:
    data_dir: DataDir
    mirror: Path | None = None
    base: str = DEFAULT_BASE
    validate: bool = True
    dumps: bool = True
    force: bool = False
    source_list: Path = SOURCE_LIST
    contact_email: str = catalog.CONTACT_EMAIL
    """The catalogue's contact point (``vcard:hasEmail``): the publisher's address."""


@dataclass
class BuildResult:
    release: str
    unchanged: bool
    manifest: dict[str, Any]
    reloaded: list[str] = field(default_factory=list)


Progress = Callable[[str, int, int], None]
"""``progress(step description, done, total)``: how the CLI draws its bars."""


def _no_progress(_what: str, _done: int, _total: int) -> None:
    pass


def check_loaders(specs: list[SourceSpec], source_list: Path) -> None:
    """Every source names a loader of the registry (checked where loaders run, not by the reader)."""
    for number, spec in enumerate(specs, start=1):
        if spec.loader not in LOADERS:
            raise ConfigError(f"{source_list} [[source]] #{number} ({spec.id}): loader {spec.loader!r} "
                              f"is not one of {', '.join(sorted(LOADERS))}")


def files_digest(patterns: Iterable[str], root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for pattern in patterns:
        for path in sorted(root.glob(pattern)):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def graph_version(resolved: ResolvedSource) -> str:
    return resolved.spec.version or f"sha256-{resolved.sha256[:12]}"


def cache_key(resolved: ResolvedSource, references: list[ResolvedSource], code: str, base: str) -> str:
    spec = resolved.spec
    digest = hashlib.sha256()
    for part in (resolved.sha256, spec.id, spec.title, spec.loader, LOADERS[spec.loader].VERSION, code, base,
                 spec.phase or "", str(spec.reference_date or ""), str(spec.geography_date or "")):
        digest.update(part.encode() + b"\0")
    for reference in references:
        digest.update(reference.sha256.encode())
    digest.update(json.dumps(spec.options, sort_keys=True).encode() + b"\0")
    for name in sorted(spec.project_files):
        digest.update(name.encode() + sha256_of(spec.project_file(name)).encode())
    return digest.hexdigest()[:24]


@dataclass
class LoadedSource:
    record: LoadRecord
    quads_file: Path | None
    from_cache: bool
    key: str = ""
    """The cache key: a digest of the file, the loader code and what it looked up."""


def load_source(
    resolved: ResolvedSource,
    references: list[ResolvedSource],
    minter: Minter,
    cache_dir: Path,
    key: str,
) -> LoadedSource:
    spec = resolved.spec
    graph = minter.graph(spec.id, graph_version(resolved))
    quads_file = cache_dir / spec.id / f"{key}.nq"
    meta_file = quads_file.with_suffix(".json")
    if is_cached(cache_dir, spec.id, key):
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        record = LoadRecord(
            resolved, graph, LoadReport.from_dict(meta["report"]), meta["triples"],
            datetime.fromisoformat(meta["started"]), datetime.fromisoformat(meta["ended"]), tuple(references),
        )
        return LoadedSource(record, quads_file, True, key)

    report = LoadReport(str(resolved.path))
    ctx = LoadContext(
        minter=minter,
        report=report,
        phase=spec.phase,
        reference_date=spec.reference_date,
        geography_date=spec.geography_date,
        source_id=spec.id,
        source_title=spec.title,
        options=spec.options,
        references={r.spec.id: r.path for r in references},
        project_files={name: spec.project_file(name) for name in spec.project_files},
    )
    started = datetime.now(UTC)
    triples = set(LOADERS[spec.loader].load(resolved.path, ctx))
    ended = datetime.now(UTC)
    record = LoadRecord(resolved, graph, report, len(triples), started, ended, tuple(references))
    if report.rejects:
        return LoadedSource(record, None, False, key)
    quads_file.parent.mkdir(parents=True, exist_ok=True)
    # N-Triples for the store's bulk loader (the graph and the default graph), N-Quads for the dump
    for path, quads, fmt in ((quads_file.with_suffix(".nt"), triples, RdfFormat.N_TRIPLES),
                             (quads_file, (Quad(t.subject, t.predicate, t.object, graph) for t in triples),
                              RdfFormat.N_QUADS)):
        partial = path.with_suffix(path.suffix + ".part")
        serialize(quads, output=str(partial), format=fmt)
        partial.replace(path)
    meta_file.write_text(
        json.dumps({"report": report.as_dict(), "triples": len(triples), "started": started.isoformat(),
                    "ended": ended.isoformat(), "graph": graph.value}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return LoadedSource(record, quads_file, False, key)


LOAD_WORKERS = 2
"""Processes that load sources side by side (the machine's two cores)."""
POOL_THRESHOLD = 8 << 20
"""Bytes of sources to load below which they are loaded in this process: starting the loading
processes costs about a second, more than it saves on small inputs (the tests' cuts)."""


def load_sources(resolved: list[ResolvedSource], by_id: dict[str, ResolvedSource], minter: Minter, cache_dir: Path,
                 keys: dict[str, str], progress: Progress = _no_progress,
                 ready: Callable[[LoadedSource], None] = lambda _item: None) -> list[LoadedSource]:
    """Every source through its loader (or from the cache), in the source list's order. Sources
    that are not cached are loaded ``LOAD_WORKERS`` at a time, each in a process of its own, the
    largest first, when there are enough bytes of them to be worth it. ``ready`` is told of each
    source as soon as it is loaded (the cached and in-process ones first, then the others as their
    processes finish), so that the caller may store it while the others load."""
    def job(item: ResolvedSource) -> tuple[Any, ...]:
        return (item, [by_id[i] for i in item.spec.requires], minter, cache_dir, keys[item.spec.id])

    to_load = [item for item in resolved if not is_cached(cache_dir, item.spec.id, keys[item.spec.id])]
    futures: dict[Future[LoadedSource], str] = {}
    pool = None
    if len(to_load) > 1 and sum(item.path.stat().st_size for item in to_load) >= POOL_THRESHOLD:
        pool = ProcessPoolExecutor(max_workers=LOAD_WORKERS, mp_context=multiprocessing.get_context("spawn"))
        for item in sorted(to_load, key=lambda item: -item.path.stat().st_size):
            futures[pool.submit(load_source, *job(item))] = item.spec.id
    try:
        loaded: dict[str, LoadedSource] = {}

        def done(item: LoadedSource) -> None:
            loaded[item.record.source.spec.id] = item
            progress(f"loaded {item.record.source.spec.id}", len(loaded), len(resolved))
            ready(item)

        in_pool = set(futures.values())
        for item in resolved:
            if item.spec.id not in in_pool:
                done(load_source(*job(item)))
        for future in as_completed(futures):
            done(future.result())
        return [loaded[item.spec.id] for item in resolved]
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def is_cached(cache_dir: Path, source_id: str, key: str) -> bool:
    quads_file = cache_dir / source_id / f"{key}.nq"
    return all(path.is_file() for path in (quads_file, quads_file.with_suffix(".nt"), quads_file.with_suffix(".json")))


def rejects_message(loaded: Iterable[LoadedSource], limit: int = 20) -> str:
    lines = []
    total = 0
    for item in loaded:
        for reject in item.record.report.rejects:
            total += 1
            if len(lines) < limit:
                lines.append(f"  {reject}")
    more = f"\n  … and {total - limit} more" if total > limit else ""
    return f"{total} row(s) rejected; nothing was published:\n" + "\n".join(lines) + more


def check_base(base: str) -> None:
    """The IRI base every IRI of the release starts with: absolute, and ending with ``/``."""
    if not (is_absolute_iri(base) and base.endswith("/")):
        raise ConfigError(f"--base / TID_BASE: {base!r} is not an IRI base; give an absolute IRI that ends with '/', "
                          f"e.g. {DEFAULT_BASE}")


def build(options: BuildOptions, progress: Progress = _no_progress) -> BuildResult:
    """Build a release in ``options.data_dir``, one build at a time there (a second one is refused
    with the first one's process named, rather than let it delete the first one's work)."""
    catalog.check_contact_email(options.contact_email)
    check_base(options.base)
    with options.data_dir.build_lock():
        return _build(options, progress)


def _build(options: BuildOptions, progress: Progress) -> BuildResult:
    data_dir = options.data_dir
    specs = read_source_list(options.source_list)
    check_loaders(specs, options.source_list)
    resolved = resolve(specs, options.mirror, data_dir.downloads)
    by_id = {r.spec.id: r for r in resolved}
    minter = Minter(options.base)
    code = files_digest(CODE_FILES)
    keys = {
        r.spec.id: cache_key(r, [by_id[i] for i in r.spec.requires], code, options.base) for r in resolved
    }
    fingerprint = hashlib.sha256(
        json.dumps([keys, files_digest(RELEASE_INPUTS), options.base, options.validate, options.dumps,
                    options.contact_email, __version__]).encode()
    ).hexdigest()
    live = data_dir.current_manifest()
    if live and live.get("fingerprint") == fingerprint and not options.force:
        return BuildResult(live["release"], True, live)

    release, partial = data_dir.new_release()
    try:
        loaded, manifest = _new_release(options, resolved, by_id, minter, keys, release, partial, fingerprint, progress)
        gc.collect()  # the store closed before its directory is published
    except BaseException as exc:
        # the new store is closed before its directory is removed: the failed frames' references to
        # it go (an open store writes into its directory, which a removal then leaves behind)
        traceback.clear_frames(exc.__traceback__)
        gc.collect()
        shutil.rmtree(partial, ignore_errors=True)
        raise
    data_dir.publish(release, partial)
    return BuildResult(release, False, manifest, [i.record.source.spec.id for i in loaded if not i.from_cache])


def _new_release(options: BuildOptions, resolved: list[ResolvedSource], by_id: dict[str, ResolvedSource],
                 minter: Minter, keys: dict[str, str], release: str, partial: Path, fingerprint: str,
                 progress: Progress) -> tuple[list[LoadedSource], dict[str, Any]]:
    """The new release in ``partial``: the sources loaded into its store as they come, then the rest."""
    writer = ReleaseWriter(Store(str(partial / "store")), partial / "dumps" / export.NQUADS)
    loaded = _load_and_store(resolved, by_id, minter, options.data_dir.cache, keys, writer, progress)
    if any(item.record.report.rejects for item in loaded):
        raise DataError(rejects_message(loaded))
    return loaded, _write_release(options, minter, loaded, release, partial, fingerprint, progress, writer)


def _write_release(
    options: BuildOptions,
    minter: Minter,
    loaded: list[LoadedSource],
    release: str,
    partial: Path,
    fingerprint: str,
    progress: Progress,
    writer: ReleaseWriter,
) -> dict[str, Any]:
    """Everything after the sources' graphs (in ``writer``'s store and dump): the ontology, the
    derivations, the provenance, the validation, the dumps and the catalogue."""
    store = writer.store
    steps = len(loaded) + 6
    progress("ontology", len(loaded), steps)
    ontology_graph = minter.graph("ontology", __version__)
    writer.load_turtle(ROOT / "ontology" / "tid.ttl", ontology_graph)

    progress("derivations", len(loaded) + 1, steps)
    derivation_count = derive.run(writer, minter, [i.record.graph for i in loaded], fingerprint)

    progress("provenance", len(loaded) + 2, steps)
    provenance_graph = minter.graph("provenance")
    writer.add(q for item in loaded for q in describe_load(minter, item.record, provenance_graph))
    writer.add(describe_project_graph(minter, ontology_graph, [NamedNode(ONTOLOGY_IRI)],
                                      "Ontologie (ontology/tid.ttl)", provenance_graph, __version__))
    progress("validation", len(loaded) + 4, steps)
    digests = {item.record.graph.value: item.key for item in loaded}
    # the store's compaction (which lets go of the GIL) beside the digests of the graphs the build
    # made (Python, 2.5 s of CPU on the real graph's 317,000 derived quads): both before validating
    with ThreadPoolExecutor(max_workers=1) as beside:
        compacting = beside.submit(store.optimize)
        digests |= validate.graph_digests(store, only=[ontology_graph, provenance_graph, minter.graph("derivations")])
        compacting.result()
    validation = (
        _validate(options, writer, minter, release, partial, digests) if options.validate else None
    )

    progress("dumps", len(loaded) + 5, steps)
    changelog.record(writer, minter, release, options.data_dir, {i.record.source.spec.id: i.record.graph for i in loaded},
                     {i.record.source.spec.id: i.key for i in loaded})
    nquads = writer.close_dump()
    measure = export.Measure.of(store)  # counted once: the manifest, VoID, the catalogue and the statistics
    counts = export.counts(store, measure)
    if options.dumps:
        dumps = export.write_dumps(store, partial / "dumps", minter, release, nquads, measure)
    else:
        nquads.unlink()
        dumps = []
    manifest = {
        "release": release,
        "built": datetime.now(UTC).isoformat(timespec="seconds"),
        "version": __version__,
        "base": minter.base,
        "fingerprint": fingerprint,
        "sources": [
            {
                "id": i.record.source.spec.id,
                "graph": i.record.graph.value,
                "file": str(i.record.source.path),
                "sha256": i.record.source.sha256,
                "triples": i.record.triples,
                "rows_read": i.record.report.rows_read,
                "rows_skipped": sum(i.record.report.skipped.values()),
                "rows_rejected": len(i.record.report.rejects),
                "cached": i.from_cache,
                "key": i.key,
            }
            for i in loaded
        ],
        "derived_triples": derivation_count,
        "counts": counts,
        "validation": validation.as_dict() if validation else None,
        "dumps": dumps,
    }
    catalog.publish_catalogue(store, manifest, [i.record.source.spec for i in loaded], minter,
                              directory=partial / "dumps" if options.dumps else None,
                              contact_email=options.contact_email, tally=(tally := measure.tally()))
    # last: the figures of the catalogued stats-* queries, for the store as published (itself included)
    statistics.write_statistics(store, minter, manifest, tally)
    if validation is not None:
        _validate_written_after(writer, minter, release, validation)
        manifest["validation"] = validation.as_dict()
    (partial / "build.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    progress("done", steps, steps)
    return manifest


STORE_WORKERS = 2
"""Bulk loads into the new store side by side (the bulk loader lets go of the GIL)."""


def _load_and_store(resolved: list[ResolvedSource], by_id: dict[str, ResolvedSource], minter: Minter, cache_dir: Path,
                    keys: dict[str, str], writer: ReleaseWriter, progress: Progress) -> list[LoadedSource]:
    """The sources' graphs (:func:`load_sources`) written into the new store as each one is
    loaded, while the others still load: each into its named graph and into the merge, two bulk
    loads at a time. The dump takes them afterwards, in the source list's order."""
    storing = ThreadPoolExecutor(max_workers=STORE_WORKERS)
    pending: list[Future[None]] = []

    def ready(item: LoadedSource) -> None:
        if item.quads_file is not None:  # rejected rows: nothing is published
            for target in (item.record.graph, DefaultGraph()):
                pending.append(storing.submit(writer.store_triples, item.quads_file.with_suffix(".nt"), target))

    try:
        loaded = load_sources(resolved, by_id, minter, cache_dir, keys, progress, ready)
        progress("storing the sources' graphs", len(resolved), len(resolved))
        for future in pending:
            future.result()
    finally:
        storing.shutdown(wait=True, cancel_futures=True)
    for item in loaded:
        if item.quads_file is not None:
            writer.dump_file(item.quads_file)
    return loaded


def _validate(options: BuildOptions, writer: ReleaseWriter, minter: Minter, release: str, partial: Path,
              digests: dict[str, str]) -> validate.ValidationOutcome | None:
    """Validate the new store (incrementally against the live release when possible), fail on a
    violation, and keep the report in its own named graph with the state the next build reuses."""
    files = shapes_files()
    if not files:
        return None
    shapes = load_shapes(files)
    live = options.data_dir.current_release()
    previous = validate.load_state(live / VALIDATION_STATE) if live else None
    previous_store = Store.read_only(str(live / "store")) if previous and live else None
    graph = minter.graph("validation")
    store = writer.store
    writer.flush_dump()
    outcome = validate.validate_store(store, shapes, previous, previous_store, ignore=frozenset({graph.value}),
                                      digests=digests, union_file=writer.nquads)
    del previous_store
    if outcome.violations:
        raise DataError(outcome.summary(limit=20))
    report = report_quads(
        outcome.results, shapes.texts, True, graph,
        naming=lambda result: result_iri(minter.base, release, result),
        sources=lambda focus: _graphs_about(store, focus),
    )
    report += list(describe_project_graph(minter, graph, [NamedNode(g) for g in sorted(digests) if g],
                                          "Rapport de validation SHACL (shapes/*.ttl)", minter.graph("provenance"), release))
    writer.add(report)
    validate.dump_state(outcome, partial / VALIDATION_STATE)
    return outcome


def _validate_written_after(writer: ReleaseWriter, minter: Minter, release: str,
                            outcome: validate.ValidationOutcome) -> None:
    """The graphs written after the validation (the changelog, the catalogue: it describes the
    validated release; the statistics; the provenance of the report) checked on the nodes they reach, so that the build's summary counts what
    ``tid validate`` finds in the published release. A violation there fails the build, as
    anywhere else: what is published conforms."""
    store = writer.store
    written = {q.triple for graph in (minter.graph(changelog.CHANGELOG_GRAPH), catalog.catalogue_graph(minter),
                                      statistics.statistics_graph(minter))
               for q in store.quads_for_pattern(None, None, None, graph)}
    # and the validation report's own provenance (its graph, the activity that wrote it)
    provenance, report_graph = minter.graph("provenance"), minter.graph("validation")
    about = {report_graph} | {q.object for q in store.quads_for_pattern(report_graph, None, None, provenance)
                              if isinstance(q.object, NamedNode)}
    written |= {q.triple for node in about for q in store.quads_for_pattern(node, None, None, provenance)}
    known = {r.key for r in outcome.results}
    found = [r for r in validate.Reach.of(store, outcome.shapes, written).results(store, outcome.shapes)
             if r.key not in known]
    violations = [r for r in found if r.severity == "Violation"]
    if violations:
        raise DataError(validate.ValidationOutcome(violations, outcome.shapes).summary(limit=20))
    # counted in the build's summary (build.json), as tid validate counts them; not written into
    # the store: the release's counts, VoID and dumps were taken before these graphs existed
    outcome.results = sorted(outcome.results + found, key=lambda r: tuple(part or "" for part in r.key))


def _graphs_about(store: Store, focus: str) -> list[NamedNode]:
    """The named graphs that state something about a node: where the offending data comes from."""
    if not focus.startswith("<"):
        return []
    node = NamedNode(focus[1:-1])
    return sorted({q.graph_name for q in store.quads_for_pattern(node, None, None, None)
                   if isinstance(q.graph_name, NamedNode)}, key=lambda g: g.value)


def graph_iri(manifest: dict[str, Any], source_id: str) -> NamedNode:
    for source in manifest["sources"]:
        if source["id"] == source_id:
            return NamedNode(source["graph"])
    raise KeyError(source_id)
