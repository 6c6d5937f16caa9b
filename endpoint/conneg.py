"""Content negotiation: the result formats, their names, and how a request picks one.

Two families: *solutions* (SELECT and ASK results) and *graphs* (CONSTRUCT, DESCRIBE, the
service description, VoID). A request picks with ``Accept`` (q-values, wildcards, the most
specific range deciding a type's quality, RFC 9110 §12.5.1) or with a ``format`` parameter
(``json``, ``ttl``… or a media type) that overrides ``Accept``. Ties go to the server's order,
so ``*/*`` gets the first format of a family (SPARQL JSON, Turtle).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyoxigraph import QueryResultsFormat, RdfFormat

from tid.namespaces import PREFIXES

if TYPE_CHECKING:  # a query process unpickles Formats and never parses an Accept header
    from werkzeug.datastructures import MIMEAccept

SOLUTIONS = "solutions"
GRAPH = "graph"
PAGE = "page"

# The W3C format IRIs (http://www.w3.org/ns/formats/). namespaces.py has no entry for
# them yet, so the namespace is taken from pyoxigraph's own format IRIs rather than written here.
FORMATS_NS = PREFIXES.get("formats") or QueryResultsFormat.JSON.iri.rpartition("/")[0] + "/"


@dataclass(frozen=True)
class Format:
    key: str
    media_type: str
    family: str
    names: tuple[str, ...] = ()  # other values accepted by ``format=`` (tokens or media types)
    also: tuple[str, ...] = ()  # other media types that select it through ``Accept``
    w3c: str | None = None  # local name under http://www.w3.org/ns/formats/

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"

    @property
    def iri(self) -> str | None:
        return FORMATS_NS + self.w3c if self.w3c else None

    @property
    def rdf_format(self) -> RdfFormat:
        return RDF_FORMATS[self.key]

    @property
    def results_format(self) -> QueryResultsFormat:
        return RESULTS_FORMATS[self.key]

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled by name (a job sent to a query worker, its outcome sent back): unpickled, a
        format of this module is the same object again, so ``is`` comparisons keep working."""
        if _KNOWN.get((self.family, self.key)) is self:
            return _known, (self.family, self.key)
        return Format, (self.key, self.media_type, self.family, self.names, self.also, self.w3c)


SOLUTION_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", SOLUTIONS, ("srj",), ("application/json",), "SPARQL_Results_JSON"),
    Format("xml", "application/sparql-results+xml", SOLUTIONS, ("srx",), ("application/xml", "text/xml"), "SPARQL_Results_XML"),
    Format("csv", "text/csv", SOLUTIONS, (), (), "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", SOLUTIONS, (), (), "SPARQL_Results_TSV"),
)
GRAPH_FORMATS: tuple[Format, ...] = (
    Format("ttl", "text/turtle", GRAPH, ("turtle", "n3", "text/n3"), ("application/x-turtle", "application/turtle", "text/n3"), "Turtle"),
    Format("nt", "application/n-triples", GRAPH, ("ntriples", "n-triples"), (), "N-Triples"),
    Format("rdf", "application/rdf+xml", GRAPH, ("rdfxml", "rdf+xml", "xml", "owl"), ("application/xml", "text/xml"), "RDF_XML"),
    Format("jsonld", "application/ld+json", GRAPH, ("json-ld", "json"), ("application/json",), "JSON-LD"),
    Format("trig", "application/trig", GRAPH, (), (), "TriG"),
    Format("nq", "application/n-quads", GRAPH, ("nquads", "n-quads"), (), "N-Quads"),
)
HTML = Format("html", "text/html", PAGE, ("htm",), ("application/xhtml+xml",))
JSON = Format("json", "application/json", PAGE)
PROBLEM_JSON = Format("problem", "application/problem+json", PAGE)
TEXT = Format("text", "text/plain", PAGE, ("txt",))

_KNOWN: dict[tuple[str, str], Format] = {
    (f.family, f.key): f for f in (*SOLUTION_FORMATS, *GRAPH_FORMATS, HTML, JSON, PROBLEM_JSON, TEXT)}


def _known(family: str, key: str) -> Format:
    return _KNOWN[(family, key)]


RESULTS_FORMATS = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
RDF_FORMATS = {
    "ttl": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "rdf": RdfFormat.RDF_XML,
    "jsonld": RdfFormat.JSON_LD,
    "trig": RdfFormat.TRIG,
    "nq": RdfFormat.N_QUADS,
}
FORMAT_TOKENS = frozenset(
    name.lower()
    for f in (*SOLUTION_FORMATS, *GRAPH_FORMATS, HTML)
    for name in (f.key, f.media_type, *f.names, *f.also)
)


class UnknownFormat(ValueError):
    """A ``format`` parameter that names no format at all."""


def _range_parts(value: str) -> tuple[str, str]:
    media = value.split(";", 1)[0].strip().lower()
    main, _, sub = media.partition("/")
    return main, sub


def quality(accept: MIMEAccept, media_type: str) -> float:
    """The quality ``accept`` gives ``media_type``: that of the most specific matching range."""
    main, sub = _range_parts(media_type)
    best_specificity, best_quality = -1, 0.0
    for value, q in accept:
        r_main, r_sub = _range_parts(value)
        if (r_main, r_sub) == (main, sub):
            specificity = 3
        elif r_main == main and r_sub == "*":
            specificity = 2
        elif r_main in ("*", "") and r_sub in ("*", ""):
            specificity = 1
        else:
            continue
        if specificity > best_specificity:
            best_specificity, best_quality = specificity, float(q)
    return best_quality


def negotiate(accept: MIMEAccept, offers: Sequence[Format]) -> Format | None:
    """The offer ``accept`` prefers (server order breaks ties), or None when none is acceptable.

    No ``Accept`` header means anything: the first offer.
    """
    if not offers:
        return None
    if not list(accept):
        return offers[0]
    best: Format | None = None
    best_rank = (0.0, 0)
    for offer in offers:
        primary = quality(accept, offer.media_type)
        alias = max((quality(accept, media_type) for media_type in offer.also), default=0.0)
        # At equal quality a format asked for by its own media type beats one reached by an alias
        # (``text/*`` means CSV or TSV rather than SPARQL XML as ``text/xml``).
        rank = (max(primary, alias), 1 if primary >= alias else 0)
        if rank[0] > 0 and rank > best_rank:
            best, best_rank = offer, rank
    return best


def by_name(values: Iterable[str], offers: Sequence[Format]) -> Format | None:
    """The first of the ``format`` values that names one of ``offers``.

    Raises UnknownFormat when no value names any known format (a typo, not a mismatch).
    """
    values = [v.strip().lower() for v in values if v.strip()]
    for value in values:
        media = value.split(";", 1)[0].strip()
        for offer in offers:
            if media in (offer.key, offer.media_type, *offer.names, *offer.also):
                return offer
    if values and not any(v.split(";", 1)[0].strip() in FORMAT_TOKENS for v in values):
        raise UnknownFormat(", ".join(values))
    return None


def choose(accept: MIMEAccept, format_values: Sequence[str], offers: Sequence[Format]) -> Format | None:
    """``format=`` if given, else ``Accept``."""
    if format_values:
        return by_name(format_values, offers)
    return negotiate(accept, offers)


def media_types(offers: Iterable[Format]) -> list[str]:
    return [offer.media_type for offer in offers]
