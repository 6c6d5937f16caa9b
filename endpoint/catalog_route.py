"""The DCAT-AP 3 catalogue of the release at ``/catalog`` (and ``/catalog.{ttl,jsonld,rdf,nt,trig,nq}``).

The catalogue is ``dumps/catalog.ttl``, written by the build (:mod:`tid.graph.catalog`) with its
literals as declared, or, for a release without that file, the named graph
``{base}graph/catalogue`` of the store. It is served in every RDF format: ``/catalog`` negotiates (``Accept``, or ``format=``),
``/catalog.{ext}`` names its format in the URL, because data.gouv.fr's DCAT harvester guesses the
format from the URL's extension and, failing that, from the ``Content-Type`` of a ``HEAD``
(``reference/users-ecosystem.md`` §1.1): both answer the same headers.

**Paging** (Hydra, as data.gouv.fr's harvester walks it and as udata publishes its own
catalogue): the items are the catalogue's datasets (the whole graph first, then the datasets per
source and version, by IRI). A page holds the ``dcat:Catalog`` with the ``dcat:dataset`` links of
its items only, the description of each of those datasets (every node reached from it that is
not another dataset, the catalogue or the service: distributions, checksums, licences, places,
periods…), and, on the first page only, the ``dcat:DataService``; its ``dcat:servesDataset`` link to
a dataset is on that dataset's page, so that each page is valid DCAT-AP alone and the pages
together are the whole catalogue. The catalogue node is also a
``hydra:Collection`` with ``hydra:totalItems`` and a ``hydra:view``, the page's own URL, typed
``hydra:PartialCollectionView`` with ``hydra:first``, ``hydra:last``, ``hydra:next`` and
``hydra:previous`` (the harvester follows ``hydra:next``). The links carry the format (in the
extension, or as ``format=``) so that each page is read the way the first one was.

``/catalog`` without ``page`` or ``page_size`` answers the whole catalogue in one document when it
has at most ``CATALOG_PAGE_SIZE`` datasets (default 100), and its first page otherwise; with either
parameter it always answers a page.

**People.** A request to ``/catalog`` whose ``Accept`` prefers HTML to every RDF format (a
browser's) and that names no ``format`` is sent (303, ``Vary: Accept``) to the catalogue's page,
``/doc/catalogue/territoires-industrie``, which shows it as a portal shows a dataset
(:mod:`tid.endpoint.catalog_page`); ``*/*``, no ``Accept`` or an RDF type (a harvester's ``HEAD``
and ``GET``) get RDF as before. ``/catalog.{ext}`` never redirects. Errors: an unknown ``format`` or a bad ``page`` /
``page_size`` is 400, a page past the last one or an unknown extension 404, an unacceptable
``Accept`` 406 (listing the formats), any method but GET, HEAD and OPTIONS 405.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, request, url_for
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from tid.endpoint import conneg
from tid.endpoint.http import RDF_FORMAT, choose, format_values, negotiated, single_value
from tid.endpoint.live import Release, current_release
from tid.endpoint.problem import Problem
from tid.endpoint.results import serialize_graph
from tid.endpoint.urls import external_url, thing_path
from tid.graph.catalog import CATALOGUE_FILES, catalogue_graph, catalogue_node, whole_dataset
from tid.namespaces import DCAT, PREFIXES, RDF, XSD, Minter, Vocabulary

bp = Blueprint("catalog", __name__)

HYDRA = Vocabulary(PREFIXES["hydra"])

DEFAULT_PAGE_SIZE = 100
"""Datasets per page when ``CATALOG_PAGE_SIZE`` is not configured."""
MAX_PAGE_SIZE = 1000
"""The largest ``page_size`` a request may ask for."""
OFFERS = conneg.GRAPH_FORMATS
EXTENSIONS = {fmt.key: fmt for fmt in OFFERS}
CATALOG_PREFIXES = {p: PREFIXES[p] for p in ("dcat", "dct", "dcatap", "foaf", "locn", "owl", "prov", "rdfs", "skos",
                                              "spdx", "vcard", "xsd", "m8g", "geo", "hydra")}
_NUMBER = re.compile(r"^[1-9][0-9]{0,8}$")


@dataclass(frozen=True)
class Catalogue:
    """The catalogue graph of a release, indexed for paging."""

    triples: tuple[Triple, ...]
    catalog: NamedNode | None
    datasets: tuple[NamedNode, ...]
    services: tuple[NamedNode, ...]
    by_subject: dict[NamedNode | BlankNode, tuple[Triple, ...]]

    def description(self, root: NamedNode | BlankNode, stop: frozenset) -> list[Triple]:
        """The triples about ``root`` and every node reached from it, not crossing ``stop``."""
        out: list[Triple] = []
        seen = {root}
        todo = [root]
        while todo:
            node = todo.pop()
            for triple in self.by_subject.get(node, ()):
                out.append(triple)
                target = triple.object
                if isinstance(target, (NamedNode, BlankNode)) and target not in seen and target not in stop \
                        and target in self.by_subject:
                    seen.add(target)
                    todo.append(target)
        return out

    def page(self, number: int, size: int) -> list[Triple]:
        """The catalogue node, the datasets of page ``number`` and (page 1) the data services."""
        assert self.catalog is not None
        items = set(self.datasets[(number - 1) * size:number * size])
        roots = frozenset({self.catalog, *self.datasets, *self.services})
        triples: list[Triple] = []
        for triple in self.by_subject.get(self.catalog, ()):
            if triple.predicate == DCAT.dataset and triple.object not in items:
                continue
            if triple.predicate == DCAT.service and number != 1:
                continue
            triples.append(triple)
        triples += [t for t in self.description(self.catalog, roots) if t.subject != self.catalog]
        for dataset in self.datasets:
            if dataset in items:
                triples += self.description(dataset, roots)
        if number == 1:
            for service in self.services:
                triples += [t for t in self.description(service, roots)
                            if not (t.subject == service and t.predicate == DCAT.servesDataset)]
        # Which service serves a dataset goes with the dataset, so that each page is valid alone
        # (DCAT-AP wants each dcat:servesDataset to be a dcat:Dataset the page describes).
        triples += [t for service in self.services for t in self.by_subject.get(service, ())
                    if t.predicate == DCAT.servesDataset and t.object in items]
        return list(dict.fromkeys(triples))


def index(triples: Iterable[Triple], whole: NamedNode) -> Catalogue:
    triples = tuple(dict.fromkeys(triples))
    by_subject: dict[NamedNode | BlankNode, list[Triple]] = {}
    for triple in triples:
        by_subject.setdefault(triple.subject, []).append(triple)
    catalogs = sorted((t.subject for t in triples if t.predicate == RDF.type and t.object == DCAT.Catalog
                       and isinstance(t.subject, NamedNode)), key=lambda n: n.value)
    catalog = catalogs[0] if catalogs else None
    listed = [t.object for t in by_subject.get(catalog, ()) if t.predicate == DCAT.dataset] if catalog else []
    datasets = sorted({d for d in listed if isinstance(d, NamedNode)}, key=lambda d: (d != whole, d.value))
    services = sorted({t.object for t in by_subject.get(catalog, ()) if t.predicate == DCAT.service
                       and isinstance(t.object, NamedNode)} if catalog else set(), key=lambda s: s.value)
    return Catalogue(triples, catalog, tuple(datasets), tuple(services),
                     {subject: tuple(group) for subject, group in by_subject.items()})


def load_catalogue(release: Release) -> Catalogue:
    """The release's catalogue (``dumps/catalog.ttl`` first, then the store's graph), once per release.

    The file comes first because it holds the literals as the build wrote them: the store keeps a
    value of a derived datatype under its primitive one (``dcat:byteSize`` written
    ``xsd:nonNegativeInteger``, as DCAT-AP's ranges require, comes back ``xsd:integer``: Oxigraph
    stores ``xsd:nonNegativeInteger`` as an integer), and a harvester must get what SEMIC's shapes accept."""

    def compute() -> Catalogue:
        minter = Minter(release.base)
        written = release.path / "dumps" / next(iter(CATALOGUE_FILES))
        if written.is_file():
            triples = [quad.triple for quad in parse(path=str(written), format=RdfFormat.TURTLE)]
        else:
            triples = [quad.triple for quad in release.store.quads_for_pattern(None, None, None, catalogue_graph(minter))]
        return index(triples, whole_dataset(minter))

    return release.cached("catalog-route", compute)


def _number(name: str, raw: str, fr: str, en: str, highest: int | None = None) -> int:
    value = raw.strip()
    if not _NUMBER.match(value) or (highest is not None and int(value) > highest):
        bound_en = f" from 1 to {highest}" if highest is not None else " (1, 2, …)"
        bound_fr = f" de 1 à {highest}" if highest is not None else " (1, 2, …)"
        raise Problem("invalid-parameter", f"{name}={raw!r} is not {en}{bound_en}. / "
                      f"{name}={raw!r} n'est pas {fr}{bound_fr}.")
    return int(value)


def _format(ext: str | None) -> conneg.Format:
    if ext is None:
        return choose(OFFERS, called=RDF_FORMAT)
    fmt = EXTENSIONS.get(ext)
    if fmt is None:
        raise Problem("not-found", f"The catalogue has no .{ext} form; it has "
                      f"{', '.join('.' + key for key in EXTENSIONS)}. / Le catalogue n'a pas de forme .{ext} ; "
                      f"il a {', '.join('.' + key for key in EXTENSIONS)}.")
    values = format_values()
    if values:
        try:
            named = conneg.by_name(values, OFFERS)
        except conneg.UnknownFormat:
            named = None
        if named is not fmt:
            raise Problem("invalid-parameter", f"format={', '.join(values)} contradicts the extension .{ext}. / "
                          f"format={', '.join(values)} contredit l'extension .{ext}.")
    return fmt


def _page_link(ext: str | None, fmt: conneg.Format, number: int, size: int) -> str:
    if ext is not None:
        return external_url("catalog.catalog_file", ext=ext, page=number, page_size=size)
    return external_url("catalog.catalog", page=number, page_size=size, format=fmt.key)


def _hydra(catalog: NamedNode, total: int, number: int, last: int, links: dict[int, str]) -> list[Triple]:
    view = NamedNode(links[number])
    triples = [
        Triple(catalog, RDF.type, HYDRA.Collection),
        Triple(catalog, HYDRA.totalItems, Literal(str(total), datatype=XSD.nonNegativeInteger)),
        Triple(catalog, HYDRA.view, view),
        Triple(view, RDF.type, HYDRA.PartialCollectionView),
        Triple(view, HYDRA.first, NamedNode(links[1])),
        Triple(view, HYDRA.last, NamedNode(links[last])),
    ]
    if number < last:
        triples.append(Triple(view, HYDRA.next, NamedNode(links[number + 1])))
    if number > 1:
        triples.append(Triple(view, HYDRA.previous, NamedNode(links[number - 1])))
    return triples


def _respond(ext: str | None) -> Response:
    release = current_release()
    fmt = _format(ext)
    raw_page, raw_size = single_value("page"), single_value("page_size")
    configured = int(current_app.config.get("CATALOG_PAGE_SIZE") or DEFAULT_PAGE_SIZE)
    size = _number("page_size", raw_size, "une taille de page", "a page size", MAX_PAGE_SIZE) \
        if raw_size is not None else configured
    number = _number("page", raw_page, "un numéro de page", "a page number") if raw_page is not None else 1
    catalogue = load_catalogue(release)
    if catalogue.catalog is None:
        raise Problem("not-found", f"Release {release.id} has no catalogue. / La version {release.id} n'a pas "
                      "de catalogue.")
    total = len(catalogue.datasets)
    last = max(1, math.ceil(total / size))
    paged = raw_page is not None or raw_size is not None or total > size
    if number > last:
        raise Problem("not-found", f"page={number} is past the last page ({last}, with page_size={size}). / "
                      f"page={number} est au-delà de la dernière page ({last}, avec page_size={size}).",
                      last_page=last)
    links = {n: _page_link(ext, fmt, n, size) for n in {1, last, number, max(1, number - 1), min(last, number + 1)}} \
        if paged else {}

    def draw(fmt: conneg.Format) -> bytes:
        if paged:
            assert catalogue.catalog is not None
            triples = catalogue.page(number, size) + _hydra(catalogue.catalog, total, number, last, links)
        else:
            triples = list(catalogue.triples)
        return serialize_graph(triples, fmt, CATALOG_PREFIXES)

    response = negotiated(fmt, draw, tag=[release.id, "catalog", paged, number, size, sorted(links.items())])
    if paged and response.status_code == 200:
        rels = {"first": 1, "last": last}
        if number > 1:
            rels["prev"] = number - 1
        if number < last:
            rels["next"] = number + 1
        response.headers["Link"] = ", ".join(f'<{links[n]}>; rel="{rel}"' for rel, n in rels.items())
    return response


def _page_redirect() -> Response | None:
    """A 303 to the catalogue's page for people when the request prefers HTML to every RDF format
    (a browser's ``Accept``) and names no ``format``; None otherwise (``*/*``, no ``Accept``, a
    harvester's ``HEAD`` or ``GET``: RDF as before). ``lang`` is kept."""
    if format_values() or conneg.negotiate(request.accept_mimetypes, (*OFFERS, conneg.HTML)) is not conneg.HTML:
        return None
    release = current_release()
    path = thing_path(catalogue_node(Minter(release.base)).value, release.base)
    response = Response(status=303)
    lang = request.args.get("lang")
    response.headers["Location"] = url_for("resources.document", path=path, **({"lang": lang} if lang else {}))
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
    response.vary.add("Accept")
    del response.headers["Content-Type"]
    return response


@bp.get("/catalog")
def catalog() -> Response:
    """The catalogue, negotiated; a browser is sent to its page (:func:`_page_redirect`)."""
    redirect = _page_redirect()
    if redirect is not None:
        return redirect
    return _respond(None)


@bp.get("/catalog.<ext>")
def catalog_file(ext: str) -> Response:
    return _respond(ext)
