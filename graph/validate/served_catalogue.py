"""The catalogue as a harvester receives it (``tid validate --profile dcat-ap --catalog-url URL``):
each page fetched over HTTP in the format asked, the Hydra ``hydra:next`` links followed the way
data.gouv.fr's harvester follows them, each page parsed on its own. Validating these pages, rather
than the file the build wrote, catches what the serving changes on the way (a datatype a store or
serialiser normalises, a page that refers to a dataset it does not describe)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator

import rdflib

from tid.errors import ConfigError, DownloadError, Location
from tid.graph.sparql_http import HttpFailure, exchange

HYDRA_NEXT = rdflib.URIRef("http://www.w3.org/ns/hydra/core#next")
HYDRA_VIEW = rdflib.URIRef("http://www.w3.org/ns/hydra/core#PartialCollectionView")
# Formats a harvester may ask for: (media type, rdflib parser).
FORMATS = {"turtle": ("text/turtle", "turtle"), "jsonld": ("application/ld+json", "json-ld"),
           "rdfxml": ("application/rdf+xml", "xml"), "ntriples": ("application/n-triples", "nt")}
MAX_PAGES = 1000
MAX_BYTES = 200_000_000
TIMEOUT = 60.0


def served_pages(url: str, fmt: str = "turtle", *, user_agent: str = "tid-validate") -> Iterator[tuple[str, rdflib.Graph]]:
    """(URL, graph) of each page of the catalogue at ``url``, first to last. A page that cannot be
    fetched or parsed is a DownloadError naming its URL; a loop of ``hydra:next`` links, or more than
    :data:`MAX_PAGES` pages, a ConfigError."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(f"--catalog-url must be an http(s) URL, not {url!r}")
    media_type, parser = FORMATS[fmt]
    seen: set[str] = set()
    next_url: str | None = url
    while next_url:
        if next_url in seen:
            raise ConfigError(f"the catalogue's hydra:next links loop back to {next_url}")
        if len(seen) == MAX_PAGES:
            raise ConfigError(f"the catalogue at {url} has more than {MAX_PAGES} pages")
        seen.add(next_url)
        try:
            reply = exchange("GET", next_url, timeout=TIMEOUT, deadline=TIMEOUT, max_bytes=MAX_BYTES,
                             user_agent=user_agent, headers={"Accept": media_type})
        except HttpFailure as exc:
            raise DownloadError(Location(next_url), f"cannot fetch the catalogue page: {exc}") from None
        graph = rdflib.Graph()
        try:
            graph.parse(data=reply.body, format=parser, publicID=next_url)
        except Exception as exc:  # noqa: BLE001 - rdflib's parsers raise many types; all mean "not this format"
            raise DownloadError(Location(next_url), f"the answer ({reply.media_type or 'no type'}) is not "
                                f"{media_type}: {exc}") from None
        yield next_url, graph
        view = graph.value(predicate=rdflib.RDF.type, object=HYDRA_VIEW)
        following = graph.value(view, HYDRA_NEXT) if view is not None else None
        next_url = str(following) if following is not None else None
