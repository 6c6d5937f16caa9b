"""Publishing the catalogue: into the release's store (its named graph) and as files beside the
dumps (``catalog.ttl``, ``catalog.jsonld``, ``catalog.rdf``), both recorded in the build manifest."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pyoxigraph import Quad, RdfFormat, Store, serialize

from tid.graph.catalog.names import CATALOGUE_FILES, CONTACT_EMAIL, catalogue_graph
from tid.graph.catalog.quads import catalogue_quads
from tid.graph.sources import SourceSpec, sha256_of
from tid.graph.store import default_triples, merged
from tid.namespaces import PREFIXES, Minter


def publish_catalogue(
    store: Store,
    manifest: dict[str, Any],
    specs: Sequence[SourceSpec],
    minter: Minter,
    endpoint_url: str | None = None,
    directory: Path | None = None,
    *,
    contact_email: str = CONTACT_EMAIL,
) -> list[Quad]:
    """Add the catalogue graph to ``store``; write it as ``catalog.{ttl,jsonld,rdf}`` into
    ``directory`` (the release's dumps, when written); record both in ``manifest`` (its
    ``counts`` and ``dumps``, in place). Call it once the dumps are written: it describes them."""
    files = tuple(CATALOGUE_FILES) if directory is not None else ()
    quads = catalogue_quads(manifest, specs, minter, endpoint_url, contact_email=contact_email, catalogue_files=files)
    store.extend(merged(quads))
    counts = manifest.setdefault("counts", {})
    counts.setdefault("graphs", {})[catalogue_graph(minter).value] = len(quads)
    counts["quads"] = counts.get("quads", 0) + len(quads)
    counts["triples"] = default_triples(store)
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        prefixes = {p: PREFIXES[p] for p in ("dcat", "dct", "dcatap", "foaf", "locn", "owl", "prov", "rdfs", "skos",
                                              "spdx", "vcard", "xsd", "m8g", "geo")}
        for name, fmt in CATALOGUE_FILES.items():
            path = directory / name
            triples = [quad.triple for quad in quads]
            if fmt == RdfFormat.JSON_LD:
                serialize(triples, output=str(path), format=fmt)
            else:
                serialize(triples, output=str(path), format=fmt, prefixes=prefixes)
            digest = sha256_of(path)
            manifest.setdefault("dumps", []).append(
                {"file": name, "media_type": fmt.media_type, "bytes": path.stat().st_size, "sha256": digest})
    return quads
