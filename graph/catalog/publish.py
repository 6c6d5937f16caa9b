"""Publishing the catalogue: into the release's store (its named graph) and as files beside the
dumps (``catalog.ttl``, ``catalog.jsonld``, ``catalog.rdf``), both recorded in the build manifest."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, Quad, RdfFormat, Store, serialize

from tid.graph.catalog.names import CATALOGUE_FILES, CONTACT_EMAIL, catalogue_graph
from tid.graph.catalog.quads import catalogue_quads
from tid.graph.sources import SourceSpec, sha256_of
from tid.graph.statistics import Tally
from tid.graph.store import default_triples, merged
from tid.namespaces import DCAT, PREFIXES, XSD, Minter


def publish_catalogue(
    store: Store,
    manifest: dict[str, Any],
    specs: Sequence[SourceSpec],
    minter: Minter,
    endpoint_url: str | None = None,
    directory: Path | None = None,
    *,
    contact_email: str = CONTACT_EMAIL,
    tally: Tally | None = None,
) -> list[Quad]:
    """Add the catalogue graph to ``store``; write it as ``catalog.{ttl,jsonld,rdf}`` into
    ``directory`` (the release's dumps, when written); record both in ``manifest`` (its
    ``counts`` and ``dumps``, in place). Call it once the dumps are written: it describes them.
    ``tally``: the store's counts, kept up to date here (the merge is not counted again)."""
    files = tuple(CATALOGUE_FILES) if directory is not None else ()
    quads = catalogue_quads(manifest, specs, minter, endpoint_url, contact_email=contact_email, catalogue_files=files,
                            catalogue_sizes=dict.fromkeys(files, 0))
    if directory is not None:
        quads = write_catalogue_files(quads, directory, minter)
    if tally is not None:
        tally.add(store, quads)
    store.extend(merged(quads))
    counts = manifest.setdefault("counts", {})
    counts.setdefault("graphs", {})[catalogue_graph(minter).value] = len(quads)
    counts["quads"] = counts.get("quads", 0) + len(quads)
    counts["triples"] = tally.triples if tally is not None else default_triples(store)
    if directory is not None:
        for name, fmt in CATALOGUE_FILES.items():
            path = directory / name
            manifest.setdefault("dumps", []).append(
                {"file": name, "media_type": fmt.media_type, "bytes": path.stat().st_size, "sha256": sha256_of(path)})
    return quads


PREFIX_NAMES = ("dcat", "dct", "dcatap", "foaf", "locn", "owl", "prov", "rdfs", "skos", "spdx", "vcard", "xsd", "m8g", "geo")
MAX_ROUNDS = 6


def write_catalogue_files(quads: list[Quad], directory: Path, minter: Minter) -> list[Quad]:
    """Write ``catalog.{ttl,jsonld,rdf}``, each stating the byte size of all three, itself included:
    a size is written, the files measured, the sizes put in and the files written again until
    the sizes they state are theirs (two or three rounds: only a size's number of digits can
    move another). Returns the quads as finally written. A file cannot state its own checksum
    (writing it changes it): see :func:`tid.graph.catalog.quads.catalogue_quads`."""
    directory.mkdir(parents=True, exist_ok=True)
    prefixes = {p: PREFIXES[p] for p in PREFIX_NAMES}
    nodes = {minter.id("distribution", "catalogue", name): name for name in CATALOGUE_FILES}
    for _round in range(MAX_ROUNDS):
        triples = [quad.triple for quad in quads]
        sizes = {}
        for name, fmt in CATALOGUE_FILES.items():
            path = directory / name
            serialize(triples, output=str(path), format=fmt, **({} if fmt == RdfFormat.JSON_LD else {"prefixes": prefixes}))
            sizes[name] = path.stat().st_size
        stated = [Quad(q.subject, q.predicate, Literal(str(sizes[nodes[q.subject]]), datatype=XSD.nonNegativeInteger),
                       q.graph_name) if q.predicate == DCAT.byteSize and q.subject in nodes else q for q in quads]
        if stated == quads:
            return quads
        quads = stated
    raise RuntimeError(f"the catalogue's file sizes did not settle in {MAX_ROUNDS} rounds")
