"""The ontology and the shapes, dereferenced: HTML documentation and their RDF.

The namespace IRIs ``{tid}`` = ``https://w3id.org/territoires-industrie/def#`` and ``{tidsh}`` =
``.../shapes#`` resolve (through w3id) to ``/def`` and ``/shapes`` of this site:

* ``/def`` negotiates (``Accept``, or ``format=``) between the documentation page (HTML), and
  the ontology ``ontology/tid.ttl`` in Turtle (the file itself, comments included), JSON-LD,
  N-Triples and RDF/XML. A term ``{tid}Term`` lands on the section ``id="Term"`` of the page.
  Each representation is also addressable: ``/def.html``, ``/def.ttl``, ``/def.jsonld``,
  ``/def.nt``, ``/def.rdf``; the negotiated answer names it in ``Content-Location``.
* ``/shapes`` does the same for the SHACL shapes ``shapes/*.ttl`` (merged into one graph for
  the RDF formats; the page lists every named shape under ``id="{local name}"`` with its
  target, path, severity and messages in French and English).

Both are read from the project's files, not from the store: they are the code's contract, the
same whatever release is served. What their pages show is :mod:`tid.endpoint.ontology_model`. Answers are conditional (ETag of the files' bytes, 304) and ``Vary: Accept``; a
request that accepts none of the formats gets 406 with the list of those available.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, request, url_for

from tid.endpoint import conneg
from tid.endpoint.html import page_language, render_page
from tid.endpoint.http import DOCUMENT_FORMAT, Body, choose, negotiated
from tid.endpoint.ontology_model import Source, ontology_model, shapes_model, source
from tid.endpoint.results import serialize_graph
from tid.namespaces import PREFIXES

bp = Blueprint("ontology", __name__)

# The RDF formats offered, after HTML (Turtle first: what ``*/*`` gets, as at /sparql).
RDF_OFFERS: tuple[conneg.Format, ...] = tuple(f for f in conneg.GRAPH_FORMATS if f.key in ("ttl", "jsonld", "nt", "rdf"))
OFFERS: tuple[conneg.Format, ...] = (*RDF_OFFERS, conneg.HTML)
BY_EXTENSION: dict[str, conneg.Format] = {f.key: f for f in OFFERS}


# -- responses --------------------------------------------------------------------------------

def _rdf_body(src: Source, fmt: conneg.Format) -> bytes:
    if fmt.key == "ttl" and len(src.files) == 1:
        return src.files[0].read_bytes()  # the file itself: its comments are documentation too
    key = f"body:{fmt.key}"
    if key not in src.computed:
        prefixes = {p: PREFIXES[p] for p in PREFIXES if p not in ("formats", "sd", "void", "vcard", "adms", "dcatap")}
        src.computed[key] = serialize_graph(src.triples(), fmt, prefixes)
    return src.computed[key]


def respond(name: str, ext: str | None, page_title: Callable[[], tuple[str, str]],
            model: Callable[[str], dict[str, Any]]) -> Response:
    """The document ``name`` (``def`` or ``shapes``) in the chosen format, with its headers."""
    endpoint = "ontology.ontology_file" if name == "def" else "ontology.shapes_file"
    if ext is None:
        fmt = choose(OFFERS, called=DOCUMENT_FORMAT)
    elif ext in BY_EXTENSION:
        fmt = BY_EXTENSION[ext]
    else:
        abort(404)
    src = source(name)
    # The shapes page also shows the ontology's labels: it changes with either. Not the release:
    # the documents are the project's files, the same whatever release is served.
    version = src.digest if name == "def" else f"{src.digest}-{source('def').digest}"
    lang = page_language()

    def draw(fmt: conneg.Format) -> Body:
        if fmt is not conneg.HTML:
            return _rdf_body(src, fmt)
        # The model is computed once per files' version, language and mount point (its links).
        key = f"model:{version}:{lang}:{request.script_root}"
        if key not in src.computed:
            src.computed[key] = model(lang)
        return render_page("ontology.html", document=name, page_title=page_title(),
                           formats=[(f, url_for(endpoint, ext=f.key)) for f in RDF_OFFERS], **src.computed[key])

    response = negotiated(fmt, draw, tag=[name, version])
    response.headers["Content-Location"] = url_for(endpoint, ext=fmt.key, **(
        {"lang": lang} if fmt is conneg.HTML and lang != "fr" else {}))
    if ext is None:
        response.headers["Link"] = ", ".join(
            f'<{url_for(endpoint, ext=f.key)}>; rel="alternate"; type="{f.media_type}"' for f in OFFERS)
    return response


def _ontology_title() -> tuple[str, str]:
    return ("Ontologie des Territoires d'industrie", "Territoires d'industrie ontology")


def _shapes_title() -> tuple[str, str]:
    return ("Formes SHACL des Territoires d'industrie", "Territoires d'industrie SHACL shapes")


@bp.get("/def")
def ontology() -> Response:
    """The ontology, negotiated: its documentation page or its RDF."""
    return respond("def", None, _ontology_title, ontology_model)


@bp.get("/def.<ext>")
def ontology_file(ext: str) -> Response:
    """One representation of the ontology (``/def.ttl``, ``/def.html``…)."""
    return respond("def", ext, _ontology_title, ontology_model)


@bp.get("/shapes")
def shapes() -> Response:
    """The SHACL shapes, negotiated: their documentation page or their RDF."""
    return respond("shapes", None, _shapes_title, shapes_model)


@bp.get("/shapes.<ext>")
def shapes_file(ext: str) -> Response:
    """One representation of the shapes (``/shapes.ttl``, ``/shapes.html``…)."""
    return respond("shapes", ext, _shapes_title, shapes_model)
