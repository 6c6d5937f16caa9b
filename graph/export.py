"""Bulk dumps of a release and its VoID summary, and the counts shown after a build.

Dumps: N-Quads of every named graph (the reference dump, written as the store is, so that the
validation reads it too: see ``graph/store.py``), and the merge of the graphs (the store's
default graph, each triple once) as Turtle and JSON-LD for tools that ignore graphs. Each is
gzip-compressed and listed with its size and SHA-256. ``void.ttl`` describes the dataset:
distinct triples, class and property partitions, the dumps and the named graphs.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, Triple, serialize

from tid.graph.queries import load_query
from tid.graph.sources import sha256_of
from tid.graph.statistics import Tally, statistics_graph
from tid.graph.store import default_triples, named_quads
from tid.namespaces import DCT, PREFIXES, RDF, VOID, XSD, Minter

NQUADS = "tid.nq"
UNION_DUMPS = (
    ("tid.ttl.gz", RdfFormat.TURTLE),
    ("tid.jsonld.gz", RdfFormat.JSON_LD),
)


@dataclass
class Measure:
    """What the counting queries answer about a store, each query run once: the build's manifest,
    VoID and statistics graph share it (they ran the same queries seven times over 1.6 million
    triples). Rows in the queries' order, with the engine's terms (counts as ``xsd:integer``)."""

    graphs: list[tuple[NamedNode, Literal]]
    triples: int
    classes: list[tuple[NamedNode, Literal]]
    properties: list[tuple[NamedNode, Literal]]

    @classmethod
    def of(cls, store: Store) -> Measure:
        def rows(name: str) -> list[tuple[Any, Any]]:
            return [(solution[0], solution[1]) for solution in store.query(load_query(name).text)]

        # two at a time (the engine lets go of the GIL): the two that read every quad apart
        with ThreadPoolExecutor(max_workers=2) as pool:
            graphs, properties = pool.submit(rows, "store-graph-triples"), pool.submit(rows, "store-property-triples")
            triples, classes = pool.submit(default_triples, store), pool.submit(rows, "store-class-instances")
            return cls(graphs.result(), triples.result(), classes.result(), properties.result())

    def tally(self) -> Tally:
        """The default graph's counts, to keep up to date as the catalogue and the statistics are added."""
        return Tally(self.triples, Counter({p.value: int(n.value) for p, n in self.properties}),
                     Counter({c.value: int(n.value) for c, n in self.classes}))


def counts(store: Store, measure: Measure | None = None) -> dict[str, Any]:
    """``quads``: in the named graphs (the N-Quads dump); ``triples``: in their merge (the
    default graph); ``data_triples``: the same before the catalogue is added (what VoID counts).
    ``measure``: the store's counts, if they were taken already."""
    if measure is None:
        def rows(name: str) -> list[tuple[str, int]]:
            return [(solution[0].value, int(solution[1].value)) for solution in store.query(load_query(name).text)]

        triples = default_triples(store)
        return {
            "quads": named_quads(store),
            "triples": triples,
            "data_triples": triples,
            "graphs": dict(rows("store-graph-triples")),
            "classes": dict(rows("store-class-instances")),
        }
    graphs = {graph.value: int(count.value) for graph, count in measure.graphs}
    return {
        "quads": sum(graphs.values()),  # store-named-quads: COUNT(*) over every named graph's triples
        "triples": measure.triples,
        "data_triples": measure.triples,
        "graphs": graphs,
        "classes": {cls.value: int(count.value) for cls, count in measure.classes},
    }


def write_dumps(store: Store, directory: Path, minter: Minter, release: str, nquads: Path | None,
                measure: Measure | None = None) -> list[dict[str, Any]]:
    """The dumps (``nquads`` None: only ``void.ttl``), listed with their sizes and checksums;
    ``measure``: the store's counts, if they were taken already (for VoID)."""
    written: list[dict[str, Any]] = []

    def listed(path: Path, media_type: str) -> None:
        written.append({"file": path.name, "media_type": media_type, "bytes": path.stat().st_size, "sha256": sha256_of(path)})

    if nquads is not None:
        prefixes = {p: PREFIXES[p] for p in ("tid", "rdfs", "skos", "org", "igeo", "dct", "prov", "geo", "xsd")}

        def compress() -> Path:
            compressed = nquads.with_name(nquads.name + ".gz")
            with nquads.open("rb") as source, gzip.open(compressed, "wb", compresslevel=1) as target:
                while block := source.read(1 << 22):
                    target.write(block)
            nquads.unlink()
            return compressed

        def dump(name: str, fmt: RdfFormat) -> Path:
            path = directory / name
            with gzip.open(path, "wb", compresslevel=1) as handle:
                store.dump(handle, format=fmt, from_graph=DefaultGraph(),
                           prefixes=prefixes if fmt == RdfFormat.TURTLE else None)
            return path

        # two threads: the store's serialiser and zlib let go of the GIL, so the dumps share the
        # machine's cores (15 s one after the other, 9 s side by side, on the real graph); the
        # N-Quads file, the shortest job, is compressed in the lane that finishes first
        with ThreadPoolExecutor(max_workers=2) as pool:
            dumped = [pool.submit(dump, *item) for item in UNION_DUMPS]
            listed(pool.submit(compress).result(), RdfFormat.N_QUADS.media_type)
            paths = [future.result() for future in dumped]
        for path, (_name, fmt) in zip(paths, UNION_DUMPS, strict=True):
            listed(path, fmt.media_type)
    directory.mkdir(parents=True, exist_ok=True)
    void = directory / "void.ttl"
    serialize(void_description(store, minter, release, written, measure), output=str(void), format=RdfFormat.TURTLE,
              prefixes={p: PREFIXES[p] for p in ("void", "dct", "xsd", "tid")})
    listed(void, "text/turtle")
    return written


def void_description(store: Store, minter: Minter, release: str, dumps: list[dict[str, Any]],
                     measure: Measure | None = None) -> list[Triple]:
    """The VoID description of the data graphs in ``store``: everything but the catalogue graph,
    which is metadata about the dataset (it describes these very dumps) and is published as
    ``catalog.*`` beside them, and the statistics graph written after it (these figures, for the
    store as published). The description is the same whether it is written before the
    catalogue exists (by the build) or computed afterwards (by the endpoint). ``measure``: the
    store's counts, taken before the catalogue (the build's)."""
    catalogue = minter.graph("catalogue")
    statistics = statistics_graph(minter)
    has_catalogue = any(True for _ in store.quads_for_pattern(None, None, None, catalogue))
    if measure is not None and has_catalogue:
        raise ValueError("the counts given are of the store before its catalogue")
    rows = measure.graphs if measure is not None else store.query(load_query("store-graph-triples").text)
    subsets = [(s[0], s[1]) for s in rows if s[0] not in (catalogue, statistics)]
    graphs = [graph for graph, _ in subsets]
    # The data's distinct triples: the merge (default graph) when the catalogue is not in it yet,
    # else the merge of the data graphs, computed here (a dataset of several graphs would count a
    # triple once per graph that states it: oxigraph issue #1919).
    if not has_catalogue:
        distinct, partitions = measure.triples if measure is not None else default_triples(store), {}
    else:
        merge = Store()
        merge.extend(Quad(q.subject, q.predicate, q.object, DefaultGraph())
                     for graph in graphs for q in store.quads_for_pattern(None, None, None, graph))
        distinct, partitions = len(merge), {"store": merge}
    source = partitions.get("store", store)
    dataset = NamedNode(minter.base + "id/dataset/territoires-industrie")
    triples = [
        Triple(dataset, RDF.type, VOID.Dataset),
        Triple(dataset, DCT.title, Literal("Territoires d'industrie — graphe de connaissances", language="fr")),
        Triple(dataset, DCT.title, Literal("Territoires d'industrie — knowledge graph", language="en")),
        Triple(dataset, VOID.uriSpace, Literal(minter.base + "id/")),
        Triple(dataset, VOID.triples, Literal(str(distinct), datatype=XSD.integer)),
        Triple(dataset, DCT.modified, Literal(release, datatype=XSD.string)),
    ]
    for dump in dumps:
        triples.append(Triple(dataset, VOID.dataDump, NamedNode(minter.base + "dumps/" + dump["file"])))
    for position, (name, predicate, key) in enumerate(
        (("store-class-instances", VOID.classPartition, VOID["class"]),
         ("store-property-triples", VOID.propertyPartition, VOID.property))
    ):
        answer = source.query(load_query(name).text) if measure is None or "store" in partitions else \
            (measure.classes if position == 0 else measure.properties)
        for solution in answer:
            partition = NamedNode(f"{minter.base}id/dataset/territoires-industrie/partition/{position}/"
                                  + hashlib.sha1(solution[0].value.encode()).hexdigest()[:12])
            triples += [
                Triple(dataset, predicate, partition),
                Triple(partition, key, solution[0]),
                Triple(partition, VOID.entities if position == 0 else VOID.triples, solution[1]),
            ]
    for subset, count in subsets:
        triples += [Triple(dataset, VOID.subset, subset), Triple(subset, VOID.triples, count)]
    return triples
