"""The DCAT-AP 3 catalogue of a release, generated from the source list and the build manifest.

Nothing here is written by hand per dataset: the catalogue is computed from ``sources.toml``
(titles, publishers, licences, official URLs, versions, reference dates, phases), from the build
manifest (named graphs, rows, triples, checksums, the dumps with their sizes and checksums) and
from the phases defined in the curated files. It goes into the named graph
``{base}graph/catalogue`` and, by :func:`publish_catalogue`, into ``dumps/catalog.{ttl,jsonld,rdf}``
(the URL to give data.gouv.fr: ``{base}dumps/catalog.ttl``, whose extension tells its format).

What it describes:

* a ``dcat:Catalog`` (title and description fr + en, publisher, languages, homepage, licence,
  spatial and temporal coverage, theme taxonomy, every dataset, the SPARQL service);
* a ``dcat:Dataset`` for the whole graph (``{base}id/dataset/territoires-industrie``, the VoID
  dataset) with one ``dcat:Distribution`` per dump of the manifest and one for the SPARQL
  endpoint;
* a ``dcat:Dataset`` per source and version (``{base}id/dataset/{source}/{version}``, the content
  of the named graph ``{base}graph/{source}/{version}``), with the official file as a
  distribution when the source has a URL, and the SPARQL endpoint;
* a ``dcat:DataService`` for the SPARQL endpoint, serving every dataset.

The data.gouv.fr harvester's traps (``reference/users-ecosystem.md`` §1) shape the details, each
one checked by ``tests/test_catalog.py``: a ``dct:title`` on every dataset (else it is skipped)
and a stable ``dct:identifier`` (the harvest key); the licence as the Etalab IRI the portal
matches, on datasets *and* distributions, described as a ``dct:LicenseDocument`` without an
``rdfs:label`` (the portal would match the label instead of the IRI), ``owl:sameAs`` its SPDX
form, plus a ``dct:rights`` statement whose label the portal also reads; themes from the EU
data-theme table *and* their words as ``dcat:keyword`` (the portal ignores resource themes);
``dct:temporal`` as a blank ``dct:PeriodOfTime`` (an IRI would be fetched over HTTP); the spatial
coverage as a ``dct:Location`` carrying a GeoJSON literal with the IANA datatype (a named place
alone is ignored); a contact point with an e-mail (dropped without one); IANA media-type IRIs,
EU file-type IRIs, ``xsd:nonNegativeInteger`` byte sizes, SHA-256 checksums; no
``dcat:accessService`` pointing at the SPARQL service (the portal would then not list it as an
API); no ``dct:hasPart`` on datasets (the portal turns each part into a resource).

The catalogue describes the dumps (sizes, checksums), so it is not inside them: it is added to
the store after the dumps are written, and published beside them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    RdfFormat,
    Store,
    parse,
    serialize,
)

from tid.errors import ConfigError
from tid.graph.provenance import distribution as provenance_distribution
from tid.graph.sources import ResolvedSource, SourceSpec, sha256_of
from tid.namespaces import (
    ADMS_VOCABULARIES,
    DCAT,
    DCATAP,
    DCT,
    ETALAB_2_SPDX,
    EU_AUTHORITY,
    FOAF,
    GEO,
    IANA_MEDIA_TYPES,
    LICENCE_OUVERTE_2,
    LOCN,
    M8G,
    MIT,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SHA256,
    SKOS,
    SPARQL_PROTOCOL,
    SPDX,
    TID,
    VCARD,
    XSD,
    Minter,
    slugify,
)

# -- the project ---------------------------------------------------------------------------

CATALOGUE_GRAPH = "catalogue"
"""The named graph ``{base}graph/catalogue``."""
DATASET_SLUG = "territoires-industrie"
"""The whole graph: ``{base}id/dataset/territoires-industrie`` (also the VoID dataset)."""
CATALOGUE_FILES: dict[str, RdfFormat] = {
    "catalog.ttl": RdfFormat.TURTLE,
    "catalog.jsonld": RdfFormat.JSON_LD,
    "catalog.rdf": RdfFormat.RDF_XML,
}
"""The catalogue as files beside the dumps; harvesters guess the format from the extension."""

PROJECT_NAME = "Projet Territoires d'industrie — graphe de connaissances"
"""The publisher of the graph, spelt as in ``sources.toml`` (so that its IRI is the provenance's)."""

CONTACT_EMAIL = "territoires-industrie-kg@example.org"
"""PLACEHOLDER project contact address (``example.org`` is reserved: it reaches nobody).

data.gouv.fr drops a contact point that has no e-mail, so one is always published; whoever
publishes the graph gives their address with ``tid build --contact-email`` (or
``TID_CONTACT_EMAIL``) before the catalogue is harvested."""

EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\".]+(\.[^@\s<>\".]+)+$")


def check_contact_email(email: str) -> str:
    """``email`` when it is an address, else a ConfigError naming the option that set it."""
    if not EMAIL.match(email):
        raise ConfigError(f"--contact-email / TID_CONTACT_EMAIL: {email!r} is not an e-mail address "
                          "such as donnees@example.org")
    return email


# -- controlled vocabularies (English labels as in the EU tables; the French ones are ours) -----

DATA_THEMES = {
    "ECON": ("Économie et finances", "Economy and finance"),
    "REGI": ("Régions et villes", "Regions and cities"),
    "GOVE": ("Gouvernement et secteur public", "Government and public sector"),
}
FREQUENCIES = {
    "IRREG": ("irrégulière", "irregular"),
    "NEVER": ("jamais", "never"),
}
LANGUAGES = {"FRA": ("français", "French"), "ENG": ("anglais", "English")}
FILE_TYPES = {
    # IANA media type -> EU file-type code
    "application/n-quads": "RDF_N_QUADS",
    "application/n-triples": "RDF_N_TRIPLES",
    "application/trig": "RDF_TRIG",
    "text/turtle": "RDF_TURTLE",
    "application/ld+json": "JSON_LD",
    "application/rdf+xml": "RDF_XML",
    "application/json": "JSON",
    "application/geo+json": "GEOJSON",
    "text/csv": "CSV",
    "application/sql": "SQL",
}
URL_MEDIA_TYPES = {".sql": "application/sql", ".csv": "text/csv", ".json": "application/json",
                   ".geojson": "application/geo+json", ".ttl": "text/turtle"}
"""Media type of an official file the graph was not loaded from directly (by its URL's extension)."""
GZIP = "application/gzip"
SPARQL_FILE_TYPE = "SPARQLQ"

LICENCES = {
    # licence IRI (as in sources.toml) -> (title fr, title en, rights label, SPDX IRI or None)
    LICENCE_OUVERTE_2: ("Licence Ouverte / Open Licence version 2.0", "Open Licence version 2.0 (Etalab)",
                        "Licence Ouverte / Open Licence version 2.0", ETALAB_2_SPDX),
    MIT: ("Licence MIT", "MIT License", "MIT License", None),
}
"""The rights label for Etalab is the title data.gouv.fr gives its licence ``lov2``."""

PUBLIC_BODIES = frozenset({"ANCT", "Etalab / DINUM", "Signaux Faibles (start-up d'État)"})
"""Publishers of ``sources.toml`` that are public bodies (``m8g:PublicOrganisation``, ADMS
``NationalAuthority``); any other publisher is described as a ``foaf:Organization``."""


@dataclass(frozen=True)
class Kind:
    """What a loader's sources are about: English title, EU data themes, keywords."""

    en: str
    themes: tuple[str, ...]
    keywords_fr: tuple[str, ...] = ()
    keywords_en: tuple[str, ...] = ()


_COG_FR = ("code officiel géographique", "découpage administratif")
_COG_EN = ("official geographic code", "administrative divisions")
_TI_FR = ("périmètres", "intercommunalités", "communes")
_TI_EN = ("perimeters", "inter-municipal groupings", "municipalities")
KINDS = {
    "cog_regions": Kind("Regions of France (Official Geographic Code)", ("REGI", "GOVE"),
                        ("régions", *_COG_FR), ("regions", *_COG_EN)),
    "cog_departements": Kind("Départements of France (Official Geographic Code)", ("REGI", "GOVE"),
                             ("départements", *_COG_FR), ("departements", *_COG_EN)),
    "cog_communes": Kind("Communes of France (Official Geographic Code)", ("REGI", "GOVE"),
                         ("communes", *_COG_FR), ("municipalities", *_COG_EN)),
    "cog_epci": Kind("Inter-municipal groupings (EPCI, EPT) and their member communes", ("REGI", "GOVE"),
                     ("EPCI", "intercommunalités", *_COG_FR), ("EPCI", "inter-municipal groupings", *_COG_EN)),
    "ti_groupements": Kind("Territoires d'industrie: perimeters by inter-municipal grouping", ("ECON", "REGI", "GOVE"),
                           _TI_FR, _TI_EN),
    "ti_communes_2020": Kind("Territoires d'industrie: member communes", ("ECON", "REGI", "GOVE"), _TI_FR, _TI_EN),
    "ti_communes_geojson": Kind("Territoires d'industrie: member communes", ("ECON", "REGI", "GOVE"), _TI_FR, _TI_EN),
    "sites_cles_en_main": Kind("Turnkey industrial sites (sites clés en main)", ("ECON", "REGI"),
                               ("sites industriels clés en main", "foncier industriel"),
                               ("turnkey industrial sites", "industrial land")),
    "fonds_acceleration": Kind("Industrial investment acceleration fund (France Relance): recipients", ("ECON",),
                               ("France Relance", "fonds d'accélération", "entreprises"),
                               ("France Relance", "acceleration fund", "companies")),
    "curated_turtle": Kind("Curated facts, each citing the document it comes from", ("ECON", "GOVE"),
                           ("programmes", "Pack Rebond"), ("programmes", "Pack Rebond")),
}
DEFAULT_KIND = Kind("Source data", ("ECON",))
COMMON_KEYWORDS_FR = ("territoires d'industrie", "industrie", "politique industrielle", "données liées")
COMMON_KEYWORDS_EN = ("Territoires d'industrie", "industry", "industrial policy", "linked data")

# France, métropole and the five DROM: bounding boxes (lon min, lat min, lon max, lat max), rounded
# outwards to 0.1°. The graph covers them all (COG communes, territories in every région).
FRANCE_BOXES = (
    (-5.2, 41.3, 9.6, 51.1),      # France métropolitaine and Corsica
    (-61.9, 15.8, -61.0, 16.6),   # Guadeloupe
    (-61.3, 14.3, -60.8, 14.9),   # Martinique
    (-54.7, 2.1, -51.6, 5.8),     # Guyane
    (55.2, -21.4, 55.9, -20.8),   # La Réunion
    (45.0, -13.1, 45.3, -12.6),   # Mayotte
)
FRANCE_CENTROID = (2.2, 46.2)
"""Centre of the bounding box of France métropolitaine (lon, lat)."""


# -- small helpers -------------------------------------------------------------------------


def _fr(text: str) -> Literal:
    return Literal(text, language="fr")


def _en(text: str) -> Literal:
    return Literal(text, language="en")


def _date(value: date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def _authority(table: str, code: str) -> NamedNode:
    return NamedNode(f"{EU_AUTHORITY}{table}/{code}")


def _iana(media_type: str) -> NamedNode:
    return NamedNode(IANA_MEDIA_TYPES + media_type)


def _box_ring(box: tuple[float, float, float, float]) -> list[list[float]]:
    west, south, east, north = box
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def france_geojson() -> str:
    """The spatial coverage as a GeoJSON MultiPolygon (one box per part of France)."""
    return json.dumps({"type": "MultiPolygon", "coordinates": [[_box_ring(b)] for b in FRANCE_BOXES]},
                      separators=(",", ":"))


def france_bbox() -> tuple[float, float, float, float]:
    return (min(b[0] for b in FRANCE_BOXES), min(b[1] for b in FRANCE_BOXES),
            max(b[2] for b in FRANCE_BOXES), max(b[3] for b in FRANCE_BOXES))


def france_bbox_wkt() -> str:
    ring = ", ".join(f"{x} {y}" for x, y in _box_ring(france_bbox()))
    return f"POLYGON(({ring}))"


class _Quads:
    """Collects the quads of one graph, each triple once, in a stable order."""

    def __init__(self, graph: NamedNode):
        self.graph = graph
        self.quads: list[Quad] = []
        self._seen: set[Quad] = set()

    def add(self, subject: NamedNode | BlankNode, predicate: NamedNode, obj: NamedNode | BlankNode | Literal) -> None:
        quad = Quad(subject, predicate, obj, self.graph)
        if quad not in self._seen:
            self._seen.add(quad)
            self.quads.append(quad)

    def labels(self, subject: NamedNode | BlankNode, predicate: NamedNode, fr: str, en: str) -> None:
        self.add(subject, predicate, _fr(fr))
        self.add(subject, predicate, _en(en))


# -- what the catalogue is computed from ---------------------------------------------------


@dataclass(frozen=True)
class SourceEntry:
    """A source of the release: its spec and what the build recorded about it."""

    spec: SourceSpec
    graph: NamedNode
    version: str
    sha256: str
    file: Path
    triples: int
    rows_read: int

    @property
    def byte_size(self) -> int | None:
        return self.file.stat().st_size if self.file.is_file() else None


def _entries(manifest: dict[str, Any], specs: Sequence[SourceSpec]) -> list[SourceEntry]:
    by_id = {spec.id: spec for spec in specs}
    entries = []
    for source in manifest["sources"]:
        spec = by_id.get(source["id"])
        if spec is None:
            raise ConfigError(f"the release has source {source['id']!r}, which the source list does not describe")
        marker = f"/graph/{spec.id}/"
        if marker not in source["graph"]:
            raise ConfigError(f"graph {source['graph']!r} of source {spec.id!r} is not …/graph/{spec.id}/{{version}}")
        entries.append(SourceEntry(spec, NamedNode(source["graph"]), source["graph"].split(marker, 1)[1],
                                   source["sha256"], Path(source["file"]), int(source["triples"]),
                                   int(source["rows_read"])))
    return entries


def phase_periods(specs: Iterable[SourceSpec]) -> dict[str, tuple[date, date]]:
    """The phases the curated files define (``tid:PhaseProgramme`` with ``tid:dateDebut`` and
    ``tid:dateFin``), by slug (``"2018-2023"``): where a phase's bounds are written once."""
    periods: dict[str, tuple[date, date]] = {}
    for spec in specs:
        if spec.loader != "curated_turtle" or not spec.path:
            continue
        path = spec.root / spec.path
        if not path.is_file():
            continue
        starts: dict[str, date] = {}
        ends: dict[str, date] = {}
        phases: set[str] = set()
        for quad in parse(path=str(path), format=RdfFormat.TURTLE):
            subject = quad.subject
            if not isinstance(subject, NamedNode):
                continue
            if quad.predicate == RDF.type and quad.object == TID.PhaseProgramme:
                phases.add(subject.value)
            elif quad.predicate in (TID.dateDebut, TID.dateFin) and isinstance(quad.object, Literal):
                target = starts if quad.predicate == TID.dateDebut else ends
                target[subject.value] = date.fromisoformat(quad.object.value)
        for phase in phases:
            if phase in starts and phase in ends:
                periods[phase.rstrip("/").rsplit("/", 1)[-1]] = (starts[phase], ends[phase])
    return periods


def _period(spec: SourceSpec, phases: dict[str, tuple[date, date]], programme: tuple[date, date] | None
            ) -> tuple[date, date] | None:
    """What a source's facts are about: its phase, else its reference date, else the programme's span."""
    if spec.phase and spec.phase in phases:
        return phases[spec.phase]
    if spec.reference_date:
        return spec.reference_date, spec.reference_date
    return programme


# -- the catalogue -------------------------------------------------------------------------


def catalogue_graph(minter: Minter) -> NamedNode:
    return minter.graph(CATALOGUE_GRAPH)


def catalogue_node(minter: Minter) -> NamedNode:
    """The ``dcat:Catalog``."""
    return minter.id("catalogue", DATASET_SLUG)


def whole_dataset(minter: Minter) -> NamedNode:
    return minter.id("dataset", DATASET_SLUG)


def source_dataset(minter: Minter, source_id: str, version: str) -> NamedNode:
    return minter.id("dataset", source_id, version)


def catalogue_quads(
    manifest: dict[str, Any],
    specs: Sequence[SourceSpec],
    minter: Minter,
    endpoint_url: str | None,
    *,
    contact_email: str = CONTACT_EMAIL,
    catalogue_files: Sequence[str] = tuple(CATALOGUE_FILES),
) -> list[Quad]:
    """The DCAT-AP 3 catalogue of the release ``manifest`` built from ``specs``.

    ``endpoint_url``: the public SPARQL endpoint (default ``{base}sparql``, the base being mapped
    onto the server root). ``catalogue_files``: the catalogue's own files published under
    ``{base}dumps/`` (its distributions; none when they are not written).
    """
    base = minter.base
    endpoint = NamedNode(endpoint_url or base + "sparql")
    out = _Quads(catalogue_graph(minter))
    entries = _entries(manifest, specs)
    phases = phase_periods(specs)
    programme = (min(p[0] for p in phases.values()), max(p[1] for p in phases.values())) if phases else None
    built = Literal(manifest["built"], datatype=XSD.dateTime)
    retrieved = [e.spec.retrieved for e in entries if e.spec.retrieved]
    first_issued = _date(min(retrieved)) if retrieved else _date(date.fromisoformat(manifest["built"][:10]))
    homepage = NamedNode(base)

    # Shared nodes: publisher, contact point, licences, vocabularies, France.
    project = _agent(out, minter, PROJECT_NAME)
    contact = BlankNode()
    out.add(contact, RDF.type, VCARD.Kind)
    out.add(contact, RDF.type, VCARD.Organization)
    out.add(contact, VCARD.fn, Literal(PROJECT_NAME))
    out.add(contact, VCARD.hasEmail, NamedNode("mailto:" + contact_email))
    out.add(contact, VCARD.hasURL, homepage)
    france = _france(out)
    out.add(homepage, RDF.type, FOAF.Document)
    public = _authority("access-right", "PUBLIC")
    out.add(public, RDF.type, DCT.RightsStatement)
    out.add(public, RDF.type, SKOS.Concept)
    out.labels(public, SKOS.prefLabel, "public", "public")
    out.add(public, SKOS.inScheme, NamedNode(EU_AUTHORITY + "access-right"))
    themes_scheme = NamedNode(EU_AUTHORITY + "data-theme")
    out.add(themes_scheme, RDF.type, SKOS.ConceptScheme)
    out.labels(themes_scheme, DCT.title, "Thèmes des données (UE)", "Data theme (EU)")
    rights_notes = _rights_notes(entries)

    def describe_common(node: NamedNode, kind: Kind, licence: str, note: str = "") -> None:
        """What every dataset (and the catalogue) says: publisher, contact, themes, keywords, rights."""
        out.add(node, DCAT.contactPoint, contact)
        for code in kind.themes:
            theme = _theme(out, code)
            out.add(node, DCAT.theme, theme)
        for word in (*COMMON_KEYWORDS_FR, *kind.keywords_fr, *(DATA_THEMES[c][0].lower() for c in kind.themes)):
            out.add(node, DCAT.keyword, _fr(word))
        for word in (*COMMON_KEYWORDS_EN, *kind.keywords_en, *(DATA_THEMES[c][1].lower() for c in kind.themes)):
            out.add(node, DCAT.keyword, _en(word))
        out.add(node, DCT.license, _licence(out, licence))
        out.add(node, DCT.rights, _rights(out, licence, note))
        out.add(node, DCT.spatial, france)

    def temporal(node: NamedNode, period: tuple[date, date] | None) -> None:
        if period is None:
            return
        span = BlankNode()
        out.add(node, DCT.temporal, span)
        out.add(span, RDF.type, DCT.PeriodOfTime)
        out.add(span, DCAT.startDate, _date(period[0]))
        out.add(span, DCAT.endDate, _date(period[1]))

    def distribution(node: NamedNode, dataset: NamedNode, licence: str, fr: tuple[str, str], en: tuple[str, str],
                     access: NamedNode, download: NamedNode | None = None, media_type: str | None = None,
                     file_type: str | None = None, size: int | None = None, sha256: str | None = None,
                     compressed: bool = False, package: str | None = None, note: str = "") -> None:
        out.add(dataset, DCAT.distribution, node)
        out.add(node, RDF.type, DCAT.Distribution)
        out.labels(node, DCT.title, fr[0], en[0])
        out.labels(node, DCT.description, fr[1], en[1])
        out.add(node, DCAT.accessURL, access)
        if download is not None:
            out.add(node, DCAT.downloadURL, download)
        if media_type:
            out.add(node, DCAT.mediaType, _media_type(out, media_type))
        code = file_type or (FILE_TYPES.get(media_type) if media_type else None)
        if code:
            out.add(node, DCT.format, _file_type(out, code))
        if compressed:
            out.add(node, DCAT.compressFormat, _media_type(out, GZIP))
        if package:
            packaging = _file_type(out, package)
            out.add(packaging, RDF.type, DCT.MediaType)
            out.add(node, DCAT.packageFormat, packaging)
        if size is not None:
            out.add(node, DCAT.byteSize, Literal(str(size), datatype=XSD.nonNegativeInteger))
        if sha256:
            checksum = BlankNode()
            out.add(node, SPDX.checksum, checksum)
            out.add(checksum, RDF.type, SPDX.Checksum)
            out.add(checksum, SPDX.algorithm, NamedNode(SHA256))
            out.add(checksum, SPDX.checksumValue, Literal(sha256, datatype=XSD.hexBinary))
        out.add(node, DCT.license, _licence(out, licence))
        out.add(node, DCT.rights, _rights(out, licence, note))
        out.add(node, DCATAP.availability, _availability(out))

    # The catalogue.
    catalog = catalogue_node(minter)
    whole = whole_dataset(minter)
    service = minter.id("service", "sparql")
    out.add(catalog, RDF.type, DCAT.Catalog)
    out.labels(catalog, DCT.title, "Catalogue du graphe de connaissances Territoires d'industrie",
               "Catalogue of the Territoires d'industrie knowledge graph")
    out.labels(
        catalog, DCT.description,
        "Les jeux de données du graphe de connaissances des programmes Territoires d'industrie (ANCT), des sites "
        f"industriels clés en main et du Fonds d'accélération des investissements industriels : le graphe entier "
        f"(version {manifest['release']}) et un jeu par source et version ({len(entries)} sources), avec leurs "
        "fichiers et le point d'accès SPARQL. Catalogue DCAT-AP 3 produit à chaque construction du graphe.",
        "The datasets of the knowledge graph of France's Territoires d'industrie programmes (ANCT), turnkey "
        f"industrial sites and industrial investment acceleration fund: the whole graph (release "
        f"{manifest['release']}) and one dataset per source and version ({len(entries)} sources), with their files "
        "and the SPARQL endpoint. DCAT-AP 3 catalogue generated by every build of the graph.",
    )
    out.add(catalog, DCT.identifier, Literal(f"{DATASET_SLUG}/catalogue"))
    out.add(catalog, DCT.publisher, project)
    out.add(catalog, FOAF.homepage, homepage)
    for code in LANGUAGES:
        out.add(catalog, DCT.language, _language(out, code))
    out.add(catalog, DCAT.themeTaxonomy, themes_scheme)
    out.add(catalog, DCT.issued, first_issued)
    out.add(catalog, DCT.modified, built)
    describe_common(catalog, Kind("", ("ECON", "REGI", "GOVE")), LICENCE_OUVERTE_2, rights_notes)
    temporal(catalog, _span([_period(e.spec, phases, programme) for e in entries] + [programme]))
    out.add(catalog, DCAT.dataset, whole)
    out.add(catalog, DCAT.service, service)
    for name in catalogue_files:
        fmt = CATALOGUE_FILES[name]
        distribution(
            minter.id("distribution", "catalogue", name), catalog, LICENCE_OUVERTE_2,
            (f"Ce catalogue ({fmt.name.replace('_', '-')})", "Le catalogue DCAT-AP 3 de cette version du graphe."),
            (f"This catalogue ({fmt.name.replace('_', '-')})", "The DCAT-AP 3 catalogue of this release of the graph."),
            NamedNode(f"{base}dumps/{name}"), NamedNode(f"{base}dumps/{name}"), fmt.media_type,
        )

    # The whole graph.
    sources_text = ", ".join(sorted(e.spec.id for e in entries))
    counts = manifest.get("counts", {})
    out.add(whole, RDF.type, DCAT.Dataset)
    out.labels(whole, DCT.title, "Territoires d'industrie — graphe de connaissances",
               "Territoires d'industrie — knowledge graph")
    out.labels(
        whole, DCT.description,
        "Les programmes de politique industrielle territoriale de l'État en données liées : Territoires d'industrie "
        "(phases 2018-2023 et 2023-2027, territoires, intercommunalités et communes membres), Pack Rebond, sites "
        "industriels clés en main, lauréats du Fonds d'accélération des investissements industriels, acteurs, "
        "chiffres annoncés, avec la géographie du COG. Chaque fait vient d'une source citée : un graphe nommé par "
        f"source et version, avec sa provenance. Version {manifest['release']} : {counts.get('quads', 0)} quadruplets, "
        f"{len(counts.get('graphs', {}))} graphes nommés, sources : {sources_text}.",
        "France's territorial industrial-policy programmes as linked data: Territoires d'industrie (2018-2023 and "
        "2023-2027 phases, territories, member groupings and communes), Pack Rebond, turnkey industrial sites, "
        "recipients of the industrial investment acceleration fund, actors and announced figures, with the "
        "geography of the Official Geographic Code. Every fact comes from a cited source: one named graph per "
        f"source and version, with its provenance. Release {manifest['release']}: {counts.get('quads', 0)} quads, "
        f"{len(counts.get('graphs', {}))} named graphs, sources: {sources_text}.",
    )
    out.add(whole, DCT.identifier, Literal(DATASET_SLUG))
    out.add(whole, DCT.publisher, project)
    out.add(whole, DCAT.landingPage, homepage)
    out.add(whole, DCT.language, _language(out, "FRA"))
    out.add(whole, DCT.accessRights, public)
    out.add(whole, DCT.accrualPeriodicity, _frequency(out, "IRREG"))
    out.add(whole, DCT.issued, first_issued)
    out.add(whole, DCT.modified, built)
    out.add(whole, DCAT.version, Literal(manifest["release"]))
    describe_common(whole, Kind("", ("ECON", "REGI", "GOVE"), ("sites industriels clés en main", "EPCI"),
                                ("turnkey industrial sites", "EPCI")), LICENCE_OUVERTE_2, rights_notes)
    temporal(whole, _span([_period(e.spec, phases, programme) for e in entries] + [programme]))
    for dump in manifest.get("dumps") or []:
        if dump["file"] in CATALOGUE_FILES:
            continue
        url = NamedNode(f"{base}dumps/{dump['file']}")
        fr, en = _dump_texts(dump, manifest["release"])
        distribution(minter.id("distribution", DATASET_SLUG, dump["file"]), whole, LICENCE_OUVERTE_2, fr, en,
                     url, url, dump["media_type"], size=int(dump["bytes"]), sha256=dump["sha256"],
                     compressed=dump["file"].endswith(".gz"), note=rights_notes)
    distribution(
        minter.id("distribution", DATASET_SLUG, "sparql"), whole, LICENCE_OUVERTE_2,
        ("Point d'accès SPARQL", "Interroger le graphe entier en SPARQL 1.1 (protocole SPARQL, résultats en JSON, "
         "XML, CSV ou TSV ; graphes en Turtle, N-Triples, RDF/XML ou JSON-LD). Le graphe par défaut est l'union "
         "des graphes nommés."),
        ("SPARQL endpoint", "Query the whole graph with SPARQL 1.1 (SPARQL protocol; results as JSON, XML, CSV or "
         "TSV; graphs as Turtle, N-Triples, RDF/XML or JSON-LD). The default graph is the union of the named graphs."),
        endpoint, file_type=SPARQL_FILE_TYPE, note=rights_notes,
    )

    # One dataset per source and version.
    datasets = [whole]
    for entry in entries:
        spec = entry.spec
        kind = KINDS.get(spec.loader, DEFAULT_KIND)
        dataset = source_dataset(minter, spec.id, entry.version)
        datasets.append(dataset)
        out.add(catalog, DCAT.dataset, dataset)
        out.add(dataset, RDF.type, DCAT.Dataset)
        title_en = kind.en if kind is not DEFAULT_KIND else f"Source {spec.id}"
        qualifier_fr, qualifier_en = _qualifiers(spec)
        out.labels(dataset, DCT.title, f"{spec.title} — version {entry.version}",
                   f"{title_en}{qualifier_en} — source {spec.id}, version {entry.version}")
        out.labels(dataset, DCT.description, *_source_description(entry, qualifier_fr, qualifier_en))
        out.add(dataset, DCT.identifier, Literal(f"{DATASET_SLUG}/{spec.id}/{entry.version}"))
        out.add(dataset, DCAT.version, Literal(entry.version))
        # The project publishes the graph; the source's publisher made the data it is built from.
        out.add(dataset, DCT.publisher, project)
        if spec.publisher != PROJECT_NAME:
            out.add(dataset, DCT.creator, _agent(out, minter, spec.publisher))
        out.add(dataset, DCT.language, _language(out, "FRA"))
        out.add(dataset, DCT.accessRights, public)
        out.add(dataset, DCT.accrualPeriodicity, _frequency(out, "NEVER"))
        out.add(dataset, DCT.isPartOf, whole)
        out.add(dataset, DCT.relation, entry.graph)
        out.add(dataset, PROV.wasDerivedFrom,
                _provenance_distribution(minter, entry))
        if spec.retrieved:
            out.add(dataset, DCT.issued, _date(spec.retrieved))
            out.add(dataset, DCT.modified, _date(spec.retrieved))
        if spec.landing_page:
            page = NamedNode(spec.landing_page)
            out.add(dataset, DCAT.landingPage, page)
            out.add(page, RDF.type, FOAF.Document)
        describe_common(dataset, kind, spec.licence, spec.licence_note)
        temporal(dataset, _period(spec, phases, programme))
        _source_distributions(entry, minter, dataset, endpoint, distribution)

    # The SPARQL service.
    out.add(service, RDF.type, DCAT.DataService)
    out.labels(service, DCT.title, "Point d'accès SPARQL du graphe de connaissances Territoires d'industrie",
               "SPARQL endpoint of the Territoires d'industrie knowledge graph")
    out.labels(
        service, DCT.description,
        "Service SPARQL 1.1 en lecture seule sur le graphe entier et ses graphes nommés (un par source et "
        "version), avec sa description de service (SPARQL Service Description) à la même adresse.",
        "Read-only SPARQL 1.1 service over the whole graph and its named graphs (one per source and version), "
        "with its SPARQL Service Description at the same address.",
    )
    out.add(service, DCT.identifier, Literal(f"{DATASET_SLUG}/sparql"))
    out.add(service, DCAT.endpointURL, endpoint)
    out.add(service, DCAT.endpointDescription, endpoint)
    standard = NamedNode(SPARQL_PROTOCOL)
    out.add(service, DCT.conformsTo, standard)
    out.add(standard, RDF.type, DCT.Standard)
    out.labels(standard, DCT.title, "Protocole SPARQL 1.1", "SPARQL 1.1 Protocol")
    out.add(service, DCT.publisher, project)
    out.add(service, DCT.accessRights, public)
    out.add(service, DCT.license, _licence(out, LICENCE_OUVERTE_2))
    out.add(service, DCAT.contactPoint, contact)
    for code in ("ECON", "REGI", "GOVE"):
        out.add(service, DCAT.theme, _theme(out, code))
        out.add(service, DCAT.keyword, _fr(DATA_THEMES[code][0].lower()))
        out.add(service, DCAT.keyword, _en(DATA_THEMES[code][1].lower()))
    out.add(service, DCAT.keyword, Literal("SPARQL"))
    for dataset in datasets:
        out.add(service, DCAT.servesDataset, dataset)
    return out.quads


# -- pieces --------------------------------------------------------------------------------


def _agent(out: _Quads, minter: Minter, name: str) -> NamedNode:
    """A publisher, with the IRI the provenance graph gives it (``id/organisation/{slug}``)."""
    agent = minter.id("organisation", slugify(name))
    out.add(agent, RDF.type, FOAF.Agent)
    out.add(agent, FOAF.name, Literal(name))
    if name in PUBLIC_BODIES:
        out.add(agent, RDF.type, M8G.PublicOrganisation)
        kind = NamedNode(ADMS_VOCABULARIES + "publishertype/NationalAuthority")
        out.add(agent, DCT.type, kind)
        out.add(kind, RDF.type, SKOS.Concept)
        out.add(kind, SKOS.prefLabel, _en("National authority"))
        out.add(kind, SKOS.inScheme, NamedNode(ADMS_VOCABULARIES + "publishertype/1.0"))
    else:
        out.add(agent, RDF.type, FOAF.Organization)
    return agent


def _theme(out: _Quads, code: str) -> NamedNode:
    theme = _authority("data-theme", code)
    out.add(theme, RDF.type, SKOS.Concept)
    out.labels(theme, SKOS.prefLabel, *DATA_THEMES[code])
    out.add(theme, SKOS.inScheme, NamedNode(EU_AUTHORITY + "data-theme"))
    return theme


def _frequency(out: _Quads, code: str) -> NamedNode:
    frequency = _authority("frequency", code)
    out.add(frequency, RDF.type, DCT.Frequency)
    out.add(frequency, RDF.type, SKOS.Concept)
    out.labels(frequency, SKOS.prefLabel, *FREQUENCIES[code])
    out.add(frequency, SKOS.inScheme, NamedNode(EU_AUTHORITY + "frequency"))
    return frequency


def _language(out: _Quads, code: str) -> NamedNode:
    language = _authority("language", code)
    out.add(language, RDF.type, DCT.LinguisticSystem)
    out.add(language, RDF.type, SKOS.Concept)
    out.labels(language, SKOS.prefLabel, *LANGUAGES[code])
    out.add(language, SKOS.inScheme, NamedNode(EU_AUTHORITY + "language"))
    return language


def _file_type(out: _Quads, code: str) -> NamedNode:
    file_type = _authority("file-type", code)
    out.add(file_type, RDF.type, DCT.MediaTypeOrExtent)
    out.add(file_type, RDF.type, SKOS.Concept)
    out.add(file_type, SKOS.prefLabel, Literal(code.replace("_", " ")))
    out.add(file_type, SKOS.inScheme, NamedNode(EU_AUTHORITY + "file-type"))
    return file_type


def _media_type(out: _Quads, media_type: str) -> NamedNode:
    node = _iana(media_type)
    out.add(node, RDF.type, DCT.MediaType)
    return node


def _availability(out: _Quads) -> NamedNode:
    stable = _authority("planned-availability", "STABLE")
    out.add(stable, RDF.type, SKOS.Concept)
    out.labels(stable, SKOS.prefLabel, "stable", "stable")
    out.add(stable, SKOS.inScheme, NamedNode(EU_AUTHORITY + "planned-availability"))
    return stable


def _licence(out: _Quads, iri: str) -> NamedNode:
    """The licence node: ``dct:LicenseDocument`` with a title but no ``rdfs:label`` (data.gouv.fr
    would match that label instead of the IRI), ``owl:sameAs`` its SPDX IRI when it has one."""
    licence = NamedNode(iri)
    out.add(licence, RDF.type, DCT.LicenseDocument)
    known = LICENCES.get(iri)
    if known:
        out.labels(licence, DCT.title, known[0], known[1])
        if known[3]:
            out.add(licence, OWL.sameAs, NamedNode(known[3]))
        kind = NamedNode(ADMS_VOCABULARIES + "licencetype/Attribution")
        out.add(licence, DCT.type, kind)
        out.add(kind, RDF.type, SKOS.Concept)
        out.add(kind, SKOS.prefLabel, _en("Attribution"))
        out.add(kind, SKOS.inScheme, NamedNode(ADMS_VOCABULARIES + "licencetype/1.0"))
    return licence


def _rights(out: _Quads, iri: str, note: str = "") -> BlankNode:
    """``dct:rights`` as a ``dct:RightsStatement`` whose ``rdfs:label`` is the licence's name (the
    label is what data.gouv.fr reads from a rights node), with the licence note as a comment."""
    statement = BlankNode()
    out.add(statement, RDF.type, DCT.RightsStatement)
    known = LICENCES.get(iri)
    out.add(statement, RDFS.label, Literal(known[2] if known else iri))
    if note:
        out.add(statement, RDFS.comment, _en(note))
    return statement


def _france(out: _Quads) -> NamedNode:
    """France as a ``dct:Location``: the EU country IRI with the geometry data.gouv.fr reads
    (GeoJSON, IANA datatype) and the DCAT bounding box and centroid (GeoSPARQL WKT)."""
    france = _authority("country", "FRA")
    out.add(france, RDF.type, DCT.Location)
    out.labels(france, SKOS.prefLabel, "France", "France")
    out.add(france, LOCN.geometry, Literal(france_geojson(), datatype=_iana("application/vnd.geo+json")))
    out.add(france, DCAT.bbox, Literal(france_bbox_wkt(), datatype=GEO.wktLiteral))
    out.add(france, DCAT.centroid, Literal(f"POINT({FRANCE_CENTROID[0]} {FRANCE_CENTROID[1]})", datatype=GEO.wktLiteral))
    return france


def _span(periods: Iterable[tuple[date, date] | None]) -> tuple[date, date] | None:
    known = [p for p in periods if p]
    return (min(p[0] for p in known), max(p[1] for p in known)) if known else None


def _rights_notes(entries: Sequence[SourceEntry]) -> str:
    """For the whole graph: the sources under another licence than Licence Ouverte 2.0."""
    others = [f"{e.spec.id} ({LICENCES.get(e.spec.licence, (None, e.spec.licence))[1]})" for e in entries
              if e.spec.licence != LICENCE_OUVERTE_2]
    if not others:
        return ""
    return ("Published under Licence Ouverte 2.0; it includes data whose source is under another licence, "
            "to be credited as such: " + ", ".join(others) + ".")


def _qualifiers(spec: SourceSpec) -> tuple[str, str]:
    if spec.phase:
        return f" (phase {spec.phase})", f", phase {spec.phase}"
    if spec.reference_date:
        return f" (au {spec.reference_date.isoformat()})", f", as of {spec.reference_date.isoformat()}"
    return "", ""


def _source_description(entry: SourceEntry, qualifier_fr: str, qualifier_en: str) -> tuple[str, str]:
    spec = entry.spec
    licence = LICENCES.get(spec.licence)
    licence_fr, licence_en = (licence[0], licence[1]) if licence else (spec.licence, spec.licence)
    origin_fr = f"du fichier {spec.url}" if spec.url else "d'un fichier tenu par le projet"
    origin_en = f"the file {spec.url}" if spec.url else "a file kept by the project"
    fr = (f"{spec.title}{qualifier_fr}, publié par {spec.publisher}, en données liées : le graphe nommé "
          f"<{entry.graph.value}> du graphe de connaissances Territoires d'industrie, construit à partir "
          f"{origin_fr} (SHA-256 {entry.sha256}) par le chargeur « {spec.loader} » : {entry.rows_read} lignes "
          f"ou objets lus, {entry.triples} triplets. Licence de la source : {licence_fr}.")
    en = (f"{spec.title}{qualifier_en}, published by {spec.publisher}, as linked data: the named graph "
          f"<{entry.graph.value}> of the Territoires d'industrie knowledge graph, built from {origin_en} "
          f"(SHA-256 {entry.sha256}) by the loader \"{spec.loader}\": {entry.rows_read} rows or objects read, "
          f"{entry.triples} triples. Licence of the source: {licence_en}.")
    if spec.partial:
        fr += " Liste partielle, transcrite à la main depuis des pages publiques citées ligne par ligne."
        en += " Partial list, transcribed by hand from public pages, each row citing its page."
    if spec.licence_note:
        en += f" Licence note: {spec.licence_note}."
    if spec.fetch_note:
        en += f" Note: {spec.fetch_note}."
    return fr, en


def _provenance_distribution(minter: Minter, entry: SourceEntry) -> NamedNode:
    """The file the named graph was loaded from, as the provenance graph names it."""
    return provenance_distribution(minter, ResolvedSource(entry.spec, entry.file, entry.sha256))


def _source_distributions(entry: SourceEntry, minter: Minter, dataset: NamedNode, endpoint: NamedNode,
                          distribution: Any) -> None:
    spec = entry.spec
    prefix = (spec.id, entry.version)
    if spec.url:
        url = NamedNode(spec.url)
        name = spec.url.rstrip("/").rsplit("/", 1)[-1]
        if spec.fetch == "download" and spec.member:
            member = spec.member.rsplit("/", 1)[-1]
            fr = (f"Fichier officiel : archive {name}",
                  f"L'archive publiée par {spec.publisher} ; le graphe a été chargé de son fichier {spec.member} "
                  f"({member}, SHA-256 {entry.sha256}).")
            en = (f"Official file: archive {name}",
                  f"The archive published by {spec.publisher}; the graph was loaded from its file {spec.member} "
                  f"({member}, SHA-256 {entry.sha256}).")
            distribution(minter.id("distribution", *prefix, "fichier-source"), dataset, spec.licence, fr, en,
                         url, url, spec.media_type, compressed=True, package="TAR", note=spec.licence_note)
        elif spec.fetch == "download":
            fr = (f"Fichier officiel : {name}", f"Le fichier publié par {spec.publisher}, tel que chargé dans le graphe.")
            en = (f"Official file: {name}", f"The file published by {spec.publisher}, as loaded into the graph.")
            distribution(minter.id("distribution", *prefix, "fichier-source"), dataset, spec.licence, fr, en,
                         url, url, spec.media_type, size=entry.byte_size, sha256=entry.sha256, note=spec.licence_note)
        else:
            suffix = re.search(r"(\.[A-Za-z0-9]+)$", name)
            media_type = URL_MEDIA_TYPES.get(suffix.group(1).lower()) if suffix else None
            fr = (f"Fichier d'origine : {name}",
                  f"Le fichier d'origine publié par {spec.publisher} ; le graphe a été chargé d'une extraction de ce "
                  f"fichier ({entry.file.name}, SHA-256 {entry.sha256}).")
            en = (f"Original file: {name}",
                  f"The original file published by {spec.publisher}; the graph was loaded from an extraction of it "
                  f"({entry.file.name}, SHA-256 {entry.sha256})." + (f" Note: {spec.fetch_note}." if spec.fetch_note else ""))
            distribution(minter.id("distribution", *prefix, "fichier-source"), dataset, spec.licence, fr, en,
                         url, url, media_type, note=spec.licence_note)
    graph = entry.graph.value
    distribution(
        minter.id("distribution", *prefix, "sparql"), dataset, spec.licence,
        ("Point d'accès SPARQL (graphe nommé)",
         f"Interroger ce jeu de données en SPARQL : ses triplets forment le graphe nommé <{graph}> "
         f"(SELECT … WHERE {{ GRAPH <{graph}> {{ … }} }})."),
        ("SPARQL endpoint (named graph)",
         f"Query this dataset with SPARQL: its triples are the named graph <{graph}> "
         f"(SELECT … WHERE {{ GRAPH <{graph}> {{ … }} }})."),
        endpoint, file_type=SPARQL_FILE_TYPE, note=spec.licence_note,
    )


def _dump_texts(dump: dict[str, Any], release: str) -> tuple[tuple[str, str], tuple[str, str]]:
    name = dump["file"]
    label = FILE_TYPES.get(dump["media_type"], dump["media_type"]).replace("RDF_", "").replace("_", "-")
    gz_fr, gz_en = (", gzip", ", gzip") if name.endswith(".gz") else ("", "")
    if name.startswith("void."):
        return ((f"Description VoID du graphe ({label})",
                 f"Statistiques de la version {release} (triplets, classes, propriétés, graphes nommés), vocabulaire VoID."),
                (f"VoID description of the graph ({label})",
                 f"Statistics of release {release} (triples, classes, properties, named graphs), VoID vocabulary."))
    if dump["media_type"] in ("application/n-quads", "application/trig"):
        return ((f"Graphe entier avec ses graphes nommés ({label}{gz_fr})",
                 f"Tous les graphes nommés de la version {release} (sources, ontologie, dérivations, provenance, "
                 "rapport de validation), chaque triplet dans son graphe."),
                (f"Whole graph with its named graphs ({label}{gz_en})",
                 f"Every named graph of release {release} (sources, ontology, derivations, provenance, validation "
                 "report), each triple in its graph."))
    return ((f"Graphe entier, union des graphes nommés ({label}{gz_fr})",
             f"L'union des graphes nommés de la version {release}, pour les outils qui ignorent les graphes nommés."),
            (f"Whole graph, union of the named graphs ({label}{gz_en})",
             f"The union of the named graphs of release {release}, for tools that ignore named graphs."))


# -- publication ---------------------------------------------------------------------------


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
    store.extend(quads)
    counts = manifest.setdefault("counts", {})
    counts.setdefault("graphs", {})[catalogue_graph(minter).value] = len(quads)
    counts["quads"] = counts.get("quads", 0) + len(quads)
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


# -- schema.org, for the home page ---------------------------------------------------------


def schema_org_dataset(catalogue: Iterable[Quad], minter: Minter) -> dict[str, Any]:
    """The schema.org ``Dataset`` (JSON-LD, for ``<script type="application/ld+json">`` in the
    home page) mapped from the catalogue's description of the whole graph, never written apart."""
    by_subject: dict[Any, list[Quad]] = {}
    for quad in catalogue:
        by_subject.setdefault(quad.subject, []).append(quad)

    def values(node: Any, predicate: NamedNode) -> list[Any]:
        return [q.object for q in by_subject.get(node, []) if q.predicate == predicate]

    def text(node: Any, predicate: NamedNode, language: str = "fr") -> str | None:
        found = [v for v in values(node, predicate) if isinstance(v, Literal)]
        for value in found:
            if value.language == language:
                return value.value
        return found[0].value if found else None

    def iri(node: Any, predicate: NamedNode) -> str | None:
        found = [v.value for v in values(node, predicate) if isinstance(v, NamedNode)]
        return found[0] if found else None

    def organisation(node: Any) -> dict[str, Any]:
        return {"@type": "Organization", "@id": node.value, "name": text(node, FOAF.name)}

    dataset = whole_dataset(minter)
    if dataset not in by_subject:
        raise ConfigError(f"the catalogue does not describe {dataset.value}")
    catalog = next((q.subject for q in _with_predicate(by_subject, DCAT.dataset) if q.object == dataset), None)
    result: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": dataset.value,
        "name": text(dataset, DCT.title),
        "alternateName": text(dataset, DCT.title, "en"),
        "description": text(dataset, DCT.description),
        "url": iri(dataset, DCAT.landingPage),
        "identifier": text(dataset, DCT.identifier),
        "version": text(dataset, DCAT.version),
        "inLanguage": "fr",
        "isAccessibleForFree": True,
        "keywords": sorted({v.value for v in values(dataset, DCAT.keyword) if isinstance(v, Literal)}),
        "license": iri(dataset, DCT.license),
    }
    publisher = values(dataset, DCT.publisher)
    if publisher:
        result["publisher"] = result["creator"] = organisation(publisher[0])
    for contact in values(dataset, DCAT.contactPoint):
        email = iri(contact, VCARD.hasEmail)
        if email:
            result["publisher"]["contactPoint"] = {"@type": "ContactPoint", "contactType": "data",
                                                   "email": email.removeprefix("mailto:")}
    for period in values(dataset, DCT.temporal):
        start, end = text(period, DCAT.startDate), text(period, DCAT.endDate)
        if start:
            result["temporalCoverage"] = f"{start}/{end or '..'}"
    for place in values(dataset, DCT.spatial):
        west, south, east, north = france_bbox()
        result["spatialCoverage"] = {"@type": "Place", "name": text(place, SKOS.prefLabel) or "France",
                                     "geo": {"@type": "GeoShape", "box": f"{south} {west} {north} {east}"}}
    issued, modified = text(dataset, DCT.issued), text(dataset, DCT.modified)
    if issued:
        result["datePublished"] = issued
    if modified:
        result["dateModified"] = modified
    if catalog is not None:
        result["includedInDataCatalog"] = {"@type": "DataCatalog", "@id": catalog.value,
                                           "name": text(catalog, DCT.title), "url": iri(catalog, FOAF.homepage)}
    downloads = []
    for dist in values(dataset, DCAT.distribution):
        url = iri(dist, DCAT.downloadURL)
        if not url:
            continue
        media = iri(dist, DCAT.mediaType)
        download = {"@type": "DataDownload", "name": text(dist, DCT.title), "contentUrl": url,
                    "encodingFormat": media.removeprefix(IANA_MEDIA_TYPES) if media else None}
        size = text(dist, DCAT.byteSize)
        if size:
            download["contentSize"] = f"{size} B"
        downloads.append({k: v for k, v in download.items() if v is not None})
    result["distribution"] = sorted(downloads, key=lambda d: d["contentUrl"])
    parts = []
    for quad in _with_predicate(by_subject, DCT.isPartOf):
        if quad.object == dataset:
            part = quad.subject
            parts.append({"@type": "Dataset", "@id": part.value, "name": text(part, DCT.title),
                          "description": text(part, DCT.description), "identifier": text(part, DCT.identifier),
                          "license": iri(part, DCT.license)})
    if parts:
        result["hasPart"] = sorted(parts, key=lambda p: p["identifier"] or "")
    return {k: v for k, v in result.items() if v is not None}


def _with_predicate(by_subject: dict[Any, list[Quad]], predicate: NamedNode) -> list[Quad]:
    return [q for quads in by_subject.values() for q in quads if q.predicate == predicate]
