"""Bulk dumps of a release and its VoID summary, and the counts shown after a build.

Dumps: N-Quads of every named graph (the reference dump, written first, natively, so that the
validation reads it too), and the union of the graphs as Turtle and JSON-LD for tools that
ignore graphs. Each is gzip-compressed and listed with its size and SHA-256. ``void.ttl``
describes the dataset: triples, class and property partitions, the dumps and the named graphs.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Triple, serialize

from tid.graph.queries import load_query
from tid.graph.sources import sha256_of
from tid.namespaces import DCT, PREFIXES, RDF, VOID, XSD, Minter

NQUADS = "tid.nq"
UNION_DUMPS = (
    ("tid.ttl.gz", RdfFormat.TURTLE),
    ("tid.jsonld.gz", RdfFormat.JSON_LD),
)


def counts(store: Store) -> dict[str, Any]:
    def rows(name: str) -> list[tuple[str, int]]:
        return [
            (solution[0].value, int(solution[1].value))
            for solution in store.query(load_query(name).text, use_default_graph_as_union=True)
        ]

    return {
        "quads": len(store),
        "graphs": dict(rows("stats-graphs")),
        "classes": dict(rows("stats-classes")),
    }


def write_nquads(store: Store, directory: Path) -> Path:
    """Every quad of the store as plain N-Quads (compressed later by ``write_dumps``)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / NQUADS
    store.dump(str(path), format=RdfFormat.N_QUADS)
    return path


def append_nquads(path: Path, quads: list[Quad]) -> None:
    """Quads added to the store after the N-Quads were written (the validation report)."""
    with path.open("ab") as handle:
        serialize(quads, output=handle, format=RdfFormat.N_QUADS)


def write_dumps(store: Store, directory: Path, minter: Minter, release: str, nquads: Path) -> list[dict[str, Any]]:
    written = []

    def listed(path: Path, media_type: str) -> None:
        written.append({"file": path.name, "media_type": media_type, "bytes": path.stat().st_size, "sha256": sha256_of(path)})

    compressed = nquads.with_name(nquads.name + ".gz")
    with nquads.open("rb") as source, gzip.open(compressed, "wb", compresslevel=1) as target:
        while block := source.read(1 << 22):
            target.write(block)
    nquads.unlink()
    listed(compressed, RdfFormat.N_QUADS.media_type)
    prefixes = {p: PREFIXES[p] for p in ("tid", "rdfs", "skos", "org", "igeo", "dct", "prov", "geo", "xsd")}
    for name, fmt in UNION_DUMPS:
        path = directory / name
        with gzip.open(path, "wb", compresslevel=1) as handle:
            triples = (quad.triple for quad in store)
            if fmt == RdfFormat.TURTLE:
                serialize(triples, output=handle, format=fmt, prefixes=prefixes)
            else:
                serialize(triples, output=handle, format=fmt)
        listed(path, fmt.media_type)
    void = directory / "void.ttl"
    serialize(void_description(store, minter, release, written), output=str(void), format=RdfFormat.TURTLE,
              prefixes={p: PREFIXES[p] for p in ("void", "dct", "xsd", "tid")})
    listed(void, "text/turtle")
    return written


def void_description(store: Store, minter: Minter, release: str, dumps: list[dict[str, Any]]) -> list[Triple]:
    """The VoID description of the data graphs in ``store``: everything but the catalogue graph,
    which is metadata about the dataset (it describes these very dumps) and is published as
    ``catalog.*`` beside them. The description is the same whether it is written before the
    catalogue exists (by the build) or computed afterwards (by the endpoint)."""
    catalogue = minter.graph("catalogue")
    subsets = [(s[0], s[1]) for s in store.query(load_query("stats-graphs").text) if s[0] != catalogue]
    graphs = [graph for graph, _ in subsets]
    dataset = NamedNode(minter.base + "id/dataset/territoires-industrie")
    triples = [
        Triple(dataset, RDF.type, VOID.Dataset),
        Triple(dataset, DCT.title, Literal("Territoires d'industrie — graphe de connaissances", language="fr")),
        Triple(dataset, DCT.title, Literal("Territoires d'industrie — knowledge graph", language="en")),
        Triple(dataset, VOID.uriSpace, Literal(minter.base + "id/")),
        Triple(dataset, VOID.triples, Literal(str(sum(int(n.value) for _, n in subsets)), datatype=XSD.integer)),
        Triple(dataset, DCT.modified, Literal(release, datatype=XSD.string)),
    ]
    for dump in dumps:
        triples.append(Triple(dataset, VOID.dataDump, NamedNode(minter.base + "dumps/" + dump["file"])))
    for position, (name, predicate, key) in enumerate(
        (("stats-classes", VOID.classPartition, VOID["class"]), ("stats-properties", VOID.propertyPartition, VOID.property))
    ):
        for solution in store.query(load_query(name).text, default_graph=graphs):
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
