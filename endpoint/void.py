"""VoID at ``/.well-known/void`` (RFC 5785 well-known URI of the VoID specification, §7.2).

The description is the one the build wrote beside the dumps (``dumps/void.ttl``: triples,
class and property partitions, dumps, named graphs as subsets, URI space), or, for a release
built without dumps, the same description computed from the store by
:func:`tid.graph.export.void_description`. The endpoint adds ``void:sparqlEndpoint``. The dumps
themselves are served at ``/dumps/{file}``, the local image of ``{base}dumps/{file}``. The
dataset links its DCAT-AP catalogue (``/catalog``) with ``rdfs:seeAlso`` when the app serves it.
"""

from __future__ import annotations

import base64

from flask import Blueprint, Response, abort, current_app, request, send_file
from pyoxigraph import NamedNode, RdfFormat, Triple, parse

from tid.endpoint import conneg
from tid.endpoint.http import RDF_FORMAT, negotiated
from tid.endpoint.live import Release, current_release
from tid.endpoint.results import serialize_graph
from tid.endpoint.service_description import dataset_iri
from tid.endpoint.urls import catalogue_url, endpoint_url
from tid.graph.export import void_description
from tid.namespaces import PREFIXES, RDFS, VOID, Minter

bp = Blueprint("void", __name__)

VOID_PREFIXES = {p: PREFIXES[p] for p in ("void", "dct", "xsd", "tid", "sd", "rdfs")}


def base_description(release: Release) -> list[Triple]:
    def compute() -> list[Triple]:
        written = release.path / "dumps" / "void.ttl"
        if written.is_file():
            return [quad.triple for quad in parse(path=str(written), format=RdfFormat.TURTLE)]
        return void_description(release.store, Minter(release.base), release.id, release.manifest.get("dumps") or [])

    return release.cached("void", compute)


@bp.get("/.well-known/void")
def well_known_void() -> Response:
    release = current_release()
    endpoint = endpoint_url()
    catalogue = catalogue_url()

    def draw(fmt: conneg.Format) -> bytes:
        dataset = dataset_iri(release)
        triples = [
            *base_description(release),
            Triple(dataset, VOID.sparqlEndpoint, NamedNode(endpoint)),
            Triple(dataset, VOID.vocabulary, NamedNode(PREFIXES["tid"])),
        ]
        if catalogue:
            # The DCAT-AP catalogue describes this same dataset (same IRI) with its distributions.
            triples.append(Triple(dataset, RDFS.seeAlso, NamedNode(catalogue)))
        return serialize_graph(triples, fmt, VOID_PREFIXES)

    return negotiated(conneg.GRAPH_FORMATS, draw, called=RDF_FORMAT, tag=[release.id, "void", endpoint, catalogue])


@bp.get("/dumps/<name>")
def dump(name: str) -> Response:
    """A dump of the release, with its SHA-256 in ``Repr-Digest`` (RFC 9530); ``{file}.sha256`` is
    its checksum line as ``sha256sum -c`` reads it: the catalogue's own files cannot state their
    checksums inside themselves, and any client can check any dump this way."""
    release = current_release()
    listed = {d["file"]: d for d in release.manifest.get("dumps") or []}
    if name.endswith(SIDECAR) and name[:-len(SIDECAR)] in listed:
        entry = listed[name[:-len(SIDECAR)]]
        response = Response(f"{entry['sha256']}  {entry['file']}\n", mimetype="text/plain")
        response.set_etag(f"{entry['sha256']}-sha256")
        response.cache_control.public, response.cache_control.max_age = True, current_app.config["CACHE_MAX_AGE"]
        response.headers["X-TID-Release"] = release.id
        return response.make_conditional(request)
    entry = listed.get(name)
    path = release.path / "dumps" / name
    if entry is None or not path.is_file():
        abort(404)
    mimetype = "application/gzip" if name.endswith(".gz") else entry.get("media_type", "application/octet-stream")
    response = send_file(path, mimetype=mimetype, as_attachment=False, conditional=True, etag=entry.get("sha256"),
                         max_age=current_app.config["CACHE_MAX_AGE"])
    response.headers["X-TID-Release"] = release.id
    if entry.get("sha256"):
        response.headers["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(entry['sha256'])).decode()}:"
    return response


SIDECAR = ".sha256"
